//! Reading existing rulesets: `iptables-save` / `iptables-restore` input into the model, and
//! the model back into `firewall!` source or builder code ([`to_dsl`], [`to_builder`]).
//!
//! Each rule line is split and its options read by the catalog's reader
//! ([`pyptables_catalog::raw::parse`]), exactly as `iptables-restore` splits a line and its
//! `getopt_long` reads the options: quoting, `!` before an option, long and short names,
//! unique abbreviations, options in any order. Every option must then map onto the model —
//! a built-in option, an option of a catalog match or target, a jump or goto — or the whole
//! input is refused with the line number and what is not supported. Nothing is left out:
//! a rule either comes across with every option, or the import fails.
//!
//! Packet and byte counters (`[12:3456]`) are read and not kept: they are the kernel's state,
//! not configuration, and the model has no place for them.

mod codegen;

pub use codegen::{to_builder, to_dsl};

use pyptables_catalog::raw::{self, is_counters, RawName};
use pyptables_catalog::{matches, tables as catalog_tables, targets, Family, TargetKind};

use crate::model::rule::{Arg, Rule, Target};
use crate::model::{Chain, Policy, Table, Tables};
use crate::origin::Origin;

/// The file name every imported table, chain and rule records in its [`Origin`] (the line is
/// the input line).
pub const INPUT_NAME: &str = "iptables-save";

/// Why a saved ruleset could not be imported: the input line and what is wrong there.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ImportError {
    /// The 1-based input line.
    pub line: usize,
    /// What is unsupported or malformed, and what would be right.
    pub message: String,
}

/// A saved ruleset read into the model, with the input's `#` comment lines.
#[derive(Debug)]
pub struct Imported {
    /// The tables, each rule's [`Origin`] naming its input line.
    pub tables: Tables,
    /// The `#` comment lines of the input: line number and text after the `#`.
    pub comments: Vec<(u32, String)>,
}

impl Tables {
    /// Reads `iptables-save` output (or any `iptables-restore` input made of `*table`, chain
    /// declarations, `-A` rules and `COMMIT`) of `family` into the model.
    ///
    /// Every rule and every option is carried over or the input is refused: an error names
    /// the line and what is not supported (an extension the catalog does not know, a command
    /// other than `-A`, a match given twice in one rule, …). The result is not validated:
    /// [`Tables::validate`] reports what the catalog refuses, as `pyptables check` does.
    ///
    /// ```
    /// use pyptables::{Family, Tables};
    /// let text = "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    /// let tables = Tables::parse_save(text, Family::V4).unwrap();
    /// assert_eq!(tables.to_iptables_plain(), text);
    /// let err = Tables::parse_save("*filter\n:INPUT DROP [0:0]\n-A INPUT -m nosuch -j DROP\nCOMMIT\n", Family::V4).unwrap_err();
    /// assert_eq!(err.line, 3);
    /// ```
    pub fn parse_save(text: &str, family: Family) -> Result<Tables, ImportError> {
        parse(text, family).map(|i| i.tables)
    }
}

fn err(line: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        line,
        message: message.into(),
    }
}

fn origin(line: usize) -> Origin {
    Origin::new(INPUT_NAME, u32::try_from(line).unwrap_or(u32::MAX), 1)
}

/// Reads a saved ruleset as [`Tables::parse_save`] does, keeping the input's comment lines.
pub fn parse(text: &str, family: Family) -> Result<Imported, ImportError> {
    let mut tables = Tables::new(family);
    let mut comments = Vec::new();
    // The table being read and the line that opened it.
    let mut current: Option<(Table, usize)> = None;
    let mut last = 0;
    for (i, raw_line) in text.lines().enumerate() {
        let n = i + 1;
        last = n;
        let line = raw_line.trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if let Some(c) = trimmed.strip_prefix('#') {
            comments.push((u32::try_from(n).unwrap_or(u32::MAX), c.trim().to_string()));
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('*') {
            if let Some((_, open)) = &current {
                return Err(err(
                    n,
                    format!("a new table starts before the table opened on line {open} ended with COMMIT"),
                ));
            }
            let name = name.trim();
            if catalog_tables::table(name).is_none() {
                return Err(err(
                    n,
                    format!(
                        "unknown table `{name}`; the catalog knows {}",
                        catalog_tables::TABLES
                            .iter()
                            .map(|t| t.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            if tables.table(name).is_some() {
                return Err(err(n, format!("table `{name}` appears twice")));
            }
            current = Some((Table::new(name).at(origin(n)), n));
            continue;
        }
        if trimmed == "COMMIT" {
            match current.take() {
                Some((table, _)) => {
                    check_jumps(&table)?;
                    tables.add(table);
                }
                None => return Err(err(n, "COMMIT outside a table")),
            }
            continue;
        }
        let Some((table, _)) = current.as_mut() else {
            return Err(err(
                n,
                format!(
                    "`{}` outside a table (a table starts with `*name`)",
                    short(trimmed)
                ),
            ));
        };
        if let Some(decl) = trimmed.strip_prefix(':') {
            declare_chain(table, decl, n)?;
            continue;
        }
        // `[packets:bytes] -A …` (iptables-save -c): the counters are state, not kept.
        let rule_text = strip_counters(trimmed);
        let rest = rule_text
            .strip_prefix("-A ")
            .or_else(|| rule_text.strip_prefix("--append "));
        let Some(rest) = rest else {
            return Err(err(
                n,
                format!(
                    "`{}` is not supported: only `*table`, `:CHAIN POLICY`, `-A CHAIN rule` and \
                     `COMMIT` lines are read (what iptables-save writes)",
                    short(trimmed)
                ),
            ));
        };
        let rest = rest.trim_start();
        let (chain_name, options) = match rest.find([' ', '\t']) {
            Some(at) => (&rest[..at], rest[at..].trim_start()),
            None => (rest, ""),
        };
        let rule = parse_rule(options, n)?;
        let Some(chain) = table.chain_mut(chain_name) else {
            return Err(err(
                n,
                format!(
                    "chain `{chain_name}` is not declared in table `{}` (a `:{chain_name} - [0:0]` line is missing)",
                    table.name()
                ),
            ));
        };
        chain.push(rule);
    }
    if let Some((table, open)) = current {
        return Err(err(
            last.max(open),
            format!("table `{}` (line {open}) has no COMMIT", table.name()),
        ));
    }
    Ok(Imported { tables, comments })
}

/// A jump or goto to a chain the table does not declare is a target the catalog does not
/// know (`-j CHECKSUM`) or a missing chain: either way not something to carry over.
fn check_jumps(table: &Table) -> Result<(), ImportError> {
    for chain in table.chains() {
        for rule in chain.iter() {
            if let Some(t) = rule.get_target() {
                if t.kind() != TargetKind::Builtin && table.chain(t.name()).is_none() {
                    return Err(err(
                        rule.origin().line as usize,
                        format!(
                            "`{}` is neither a target the catalog knows nor a chain declared in table `{}`: not supported",
                            t.name(),
                            table.name()
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// At most 60 characters of `text`, for messages.
fn short(text: &str) -> String {
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text.to_string()
    }
}

fn strip_counters(line: &str) -> &str {
    if let Some(rest) = line.strip_prefix('[') {
        if let Some((counters, after)) = rest.split_once(']') {
            if is_counters(counters) {
                return after.trim_start();
            }
        }
    }
    line
}

fn declare_chain(table: &mut Table, decl: &str, n: usize) -> Result<(), ImportError> {
    let mut words = decl.split_whitespace();
    let (Some(name), Some(policy)) = (words.next(), words.next()) else {
        return Err(err(
            n,
            "a chain declaration is `:NAME POLICY [packets:bytes]`",
        ));
    };
    match words.next() {
        None => {}
        Some(c) if c.starts_with('[') && c.ends_with(']') && is_counters(&c[1..c.len() - 1]) => {}
        Some(other) => {
            return Err(err(
                n,
                format!("unexpected `{other}` after the policy of chain `{name}`"),
            ))
        }
    }
    if let Some(extra) = words.next() {
        return Err(err(
            n,
            format!("unexpected `{extra}` in the declaration of chain `{name}`"),
        ));
    }
    if table.chain(name).is_some() {
        return Err(err(n, format!("chain `{name}` is declared twice")));
    }
    let builtin = catalog_tables::table(table.name()).is_some_and(|t| t.chains.contains(&name));
    let chain = match (builtin, policy) {
        (false, "-") => Chain::user(name),
        (true, "-") => {
            return Err(err(
                n,
                format!("built-in chain `{name}` needs a policy (ACCEPT or DROP), not `-`"),
            ))
        }
        (true, p) => {
            let policy: Policy = p.parse().map_err(|e: crate::Error| {
                err(n, format!("policy of chain `{name}`: {e}"))
            })?;
            Chain::builtin(name, policy)
        }
        (false, p) => {
            return Err(err(
                n,
                format!(
                    "`{name}` is not a built-in chain of table `{}`, so it has no policy (`{p}`); a user chain is declared `:{name} - [0:0]`",
                    table.name()
                ),
            ))
        }
    };
    table.add_chain(chain.at(origin(n)));
    Ok(())
}

/// The model's key for iptables' own option `c`, or why it is not supported.
fn own_key(c: char) -> Result<&'static str, String> {
    Ok(match c {
        's' => "source",
        'd' => "destination",
        'p' => "protocol",
        'i' => "in-interface",
        'o' => "out-interface",
        'f' => "fragment",
        'c' => return Err("`-c` (set counters) in a rule is not supported".into()),
        'v' => return Err("`-v` is not part of a rule".into()),
        other => return Err(format!("option `-{other}` is not supported in a rule")),
    })
}

/// Reads the options of one `-A CHAIN` line (after the chain name) into a rule.
fn parse_rule(text: &str, n: usize) -> Result<Rule, ImportError> {
    let mut rule = Rule::new().at(origin(n));
    if text.trim().is_empty() {
        return Ok(rule);
    }
    let read = raw::parse(text).map_err(|e| err(n, e))?;
    // Matches loaded with -m, in order, whether each got an option, and the index in `args`
    // where it was loaded (a match given alone is written there).
    let mut modules: Vec<(String, bool, usize)> = Vec::new();
    let mut args: Vec<Arg> = Vec::new();
    let mut target: Option<Target> = None;
    let mut target_args: Vec<Arg> = Vec::new();
    let mut protocol: Option<String> = None;
    for o in &read.options {
        match &o.name {
            RawName::Own(c @ ('j' | 'g')) => {
                let name = o.value.clone().unwrap_or_default();
                if o.negated {
                    return Err(err(n, format!("`!` before `-{c}` is not possible")));
                }
                if target.is_some() {
                    return Err(err(n, "the rule has more than one target (-j/-g)"));
                }
                let t = if *c == 'g' {
                    Target::goto(name)
                } else if targets::find(&name).is_some() {
                    Target::new(name)
                } else {
                    Target::jump(name)
                };
                target = Some(t);
            }
            RawName::Own('m') => {
                let name = o.value.clone().unwrap_or_default();
                if o.negated {
                    return Err(err(n, format!("`!` before `-m {name}` is not possible")));
                }
                if matches::find(&name).is_none() {
                    return Err(err(
                        n,
                        format!(
                            "match `-m {name}` is not supported (the catalog does not know it)"
                        ),
                    ));
                }
                if modules.iter().any(|(m, _, _)| *m == name) {
                    return Err(err(
                        n,
                        format!("match `-m {name}` is used twice in one rule, which the model cannot hold (it would merge them)"),
                    ));
                }
                modules.push((name, false, args.len()));
            }
            RawName::Own(c) => {
                let key = own_key(*c).map_err(|e| err(n, e))?;
                if *c == 'p' && !o.negated {
                    protocol = o.value.clone();
                }
                args.push(arg(key, None, o.negated, o.value.clone()));
            }
            RawName::Extension {
                owner,
                target: is_target,
                option,
            } => {
                if option.kind.is_flag() && o.value.is_some() {
                    return Err(err(n, format!("`--{}` takes no value", option.name)));
                }
                if !option.kind.is_flag() && o.value.is_none() {
                    return Err(err(n, format!("`--{}` needs a value", option.name)));
                }
                if *is_target {
                    target_args.push(arg(option.name, None, o.negated, o.value.clone()));
                } else {
                    // An option of the protocol's match loaded by `-p` without `-m`
                    // (restore input may rely on it; iptables-save always writes `-m`).
                    match modules.iter_mut().find(|(m, _, _)| m == owner) {
                        Some(m) => m.1 = true,
                        None => {
                            if protocol.as_deref().map(protocol_match) != Some(owner) {
                                return Err(err(
                                    n,
                                    format!(
                                        "`--{}` of match {owner} without `-m {owner}`",
                                        option.name
                                    ),
                                ));
                            }
                            modules.push((owner.to_string(), true, args.len()));
                        }
                    }
                    args.push(arg(option.name, Some(owner), o.negated, o.value.clone()));
                }
            }
            RawName::Unknown(word) => {
                let owner = modules
                    .last()
                    .map(|(m, _, _)| format!(" (match `{m}` has no such option in the catalog)"))
                    .unwrap_or_default();
                return Err(err(n, format!("option `{word}` is not supported{owner}")));
            }
        }
    }
    if let Some(&at) = read.stray.first() {
        return Err(err(
            n,
            format!(
                "`{}` is not the value of any option the catalog knows here",
                read.words[at]
            ),
        ));
    }
    // A match given alone (`-m socket`) keeps its place among the matches; validation says
    // whether iptables takes it so.
    for (m, _, at) in modules.iter().rev().filter(|(_, used, _)| !used) {
        args.insert(*at, Arg::bare(m.as_str()));
    }
    for a in args {
        rule = rule.arg(a);
    }
    match target {
        Some(t) => {
            let t = if target_args.is_empty() {
                t
            } else {
                if t.kind() != TargetKind::Builtin {
                    return Err(err(
                        n,
                        format!("options after a jump to chain `{}`", t.name()),
                    ));
                }
                Target::from_parts(t.name().into(), t.kind(), target_args)
            };
            rule = rule.target(t);
        }
        None if !target_args.is_empty() => {
            return Err(err(n, "target options without a target"));
        }
        None => {}
    }
    Ok(rule)
}

fn protocol_match(p: &str) -> &'static str {
    let lower = p.to_ascii_lowercase();
    let name = match lower.as_str() {
        "icmpv6" | "ipv6-icmp" => "icmp6",
        other => other,
    };
    matches::find(name).map_or("", |m| m.name)
}

fn arg(key: &str, module: Option<&str>, negated: bool, value: Option<String>) -> Arg {
    Arg {
        module: module.map(Into::into),
        key: key.into(),
        negated,
        value: value.map(Into::into),
    }
}

#[cfg(test)]
mod tests;
