//! The model as Rust source: a complete `src/main.rs` of a per-host firewall binary, written
//! with the `firewall!` DSL ([`to_dsl`]) or the builder API ([`to_builder`]).
//!
//! The output is meant to be read and kept: DSL names (`accept proto=tcp dport=22`), the
//! match module written only where the catalog would not find it from the option alone,
//! comments of rules kept as `comment=`, the input's `#` lines kept as `//` lines, and the
//! input line of every rule in a comment after it. Values are written as they were read
//! (ports stay numbers). Consecutive rules that differ only in a source, destination or
//! interface are folded into one rule with a list (`FOLDABLE`); nothing else is, since
//! other DSL lists do not expand into the same rules.

use std::fmt::Write;

use pyptables_catalog::rule::{is_protocol_option, resolve};
use pyptables_catalog::{targets, Family, TargetKind};

use super::{ImportError, Imported};
use crate::model::rule::{Arg, Rule};
use crate::model::{Chain, ChainKind, Policy, Table};

/// A rule's options grouped for writing: built-in options first, then each match with its
/// options in the order the matches appear (the order matters for matches with state, such
/// as `limit` or `recent --set`, which only act when the matches before them matched).
struct Parts<'a> {
    /// `-s -d -i -o -p -f`.
    builtin: Vec<&'a Arg>,
    /// Each match: its name, whether it must be named (`match=NAME`), its options.
    matches: Vec<(&'a str, bool, Vec<&'a Arg>)>,
}

fn protocol(rule: &Rule) -> Option<&str> {
    rule.args()
        .iter()
        .find(|a| a.module.is_none() && !a.negated && is_protocol_option(&a.key))
        .and_then(|a| a.value.as_deref())
}

fn parts(rule: &Rule) -> Parts<'_> {
    let proto = protocol(rule);
    let target_spec = rule.get_target().and_then(|t| targets::find(t.name()));
    let mut builtin = Vec::new();
    let mut matches: Vec<(&str, bool, Vec<&Arg>)> = Vec::new();
    for a in rule.args() {
        match a.module.as_deref() {
            None => builtin.push(a),
            Some(module) => match matches.iter_mut().find(|(m, _, _)| *m == module) {
                Some((_, _, args)) => args.push(a),
                None => matches.push((module, false, vec![a])),
            },
        }
    }
    // The module a `match=` written earlier keeps in force.
    let mut in_force: Option<&pyptables_catalog::MatchSpec> = None;
    for (module, named, args) in &mut matches {
        let found_alone = args.iter().all(|a| {
            let bare = Arg {
                module: None,
                ..(*a).clone()
            };
            resolve(&bare.as_catalog(), proto)
                .ok()
                .and_then(|r| r.module)
                .is_some_and(|m| m.name == *module)
        });
        // After a verb, a name its target has is the target's unless `match=` is in force.
        let shadowed = args
            .iter()
            .any(|a| target_spec.is_some_and(|t| t.option(&a.key).is_some()));
        let taken = in_force.is_some_and(|m| args.iter().any(|a| m.option(&a.key).is_some()));
        if !found_alone || shadowed || taken {
            *named = true;
            in_force = pyptables_catalog::matches::find(module);
        }
    }
    Parts { builtin, matches }
}

/// The DSL key for an option: `_` for `-`, the short names of the built-in options.
fn dsl_key(a: &Arg) -> String {
    if a.module.is_none() && is_protocol_option(&a.key) {
        return "proto".into();
    }
    a.key.replace('-', "_")
}

/// Whether `text` reads back in the DSL as the same plain value.
fn plain_value(text: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let number = |s: &str| digits(s) && !(s.len() > 1 && s.starts_with('0'));
    if digits(text) {
        return number(text);
    }
    // A port range `1024:65535`.
    if let Some((low, high)) = text.split_once(':') {
        if number(low) && number(high) {
            return true;
        }
    }
    // An IPv4 address or network `10.0.0.0/8`.
    let (addr, prefix) = text.split_once('/').unwrap_or((text, "0"));
    let octets: Vec<&str> = addr.split('.').collect();
    if octets.len() == 4 && octets.iter().all(|o| number(o)) && number(prefix) {
        return true;
    }
    let mut chars = text.chars();
    // Identifiers such as `tcp`, `eth0`, `echo-request`, `ESTABLISHED,RELATED` are not
    // plain (the comma): only letters, digits, `_` and inner `-`.
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !text.ends_with('-')
        && !text.contains("--")
}

fn dsl_value(text: &str) -> String {
    if plain_value(text) {
        text.to_string()
    } else {
        format!("{text:?}")
    }
}

fn dsl_arg(a: &Arg, out: &mut String) {
    // A match alone is its `match=NAME`, written by the caller.
    if a.is_bare() {
        return;
    }
    let key = dsl_key(a);
    match &a.value {
        None if a.negated => {
            let _ = write!(out, " !{key}");
        }
        None => {
            let _ = write!(out, " {key}");
        }
        Some(v) => {
            let op = if a.negated { "!=" } else { "=" };
            let _ = write!(out, " {key}{op}{}", dsl_value(v));
        }
    }
}

/// Whether `name` can be written as a DSL name (an identifier, then touching `-`,
/// identifiers and numbers).
fn dsl_name(name: &str) -> bool {
    let mut parts = name.split('-');
    let first = parts.next().unwrap_or("");
    let ident = |s: &str| {
        let mut c = s.chars();
        c.next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    ident(first) && parts.all(|p| ident(p) || (number(p) && (p == "0" || !p.starts_with('0'))))
}

fn line_comment(rules: &[Rule]) -> String {
    let lines: Vec<u32> = rules.iter().map(|r| r.origin().line).collect();
    match lines.as_slice() {
        [one] => format!(" // line {one}"),
        [first, .., last] if lines.windows(2).all(|w| w[1] == w[0] + 1) => {
            format!(" // lines {first}-{last}")
        }
        _ => format!(
            " // lines {}",
            lines
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The built-in options whose DSL list gives one rule per element, in order, the rest of
/// the rule the same: consecutive rules that differ only in one of them are written as one
/// rule with a list (`source=[a, b]`), which is exact. Lists on other options are not
/// (`dport` lists become multiport matches, `ctstate` lists one joined value).
const FOLDABLE: &[&str] = &["source", "destination", "in-interface", "out-interface"];

/// The index of the one option in which `b` differs from `a`, if that is all they differ
/// in and the option can be folded into a list.
fn differs_in_one(a: &Rule, b: &Rule) -> Option<usize> {
    if a.get_target() != b.get_target() || a.args().len() != b.args().len() {
        return None;
    }
    if a.raw_text().is_some() || b.raw_text().is_some() {
        return None;
    }
    let mut diff = None;
    for (i, (x, y)) in a.args().iter().zip(b.args()).enumerate() {
        if x == y {
            continue;
        }
        let foldable = x.module.is_none()
            && x.key == y.key
            && FOLDABLE.contains(&&*x.key)
            && !x.negated
            && !y.negated
            && x.value.is_some()
            && y.value.is_some();
        if !foldable || diff.is_some() {
            return None;
        }
        diff = Some(i);
    }
    diff
}

/// The chain's rules as runs of consecutive rules that differ only in one foldable option
/// (with its index), with no input comment between them.
fn runs<'a>(imported: &Imported, chain: &'a Chain) -> Vec<(&'a [Rule], Option<usize>)> {
    let rules = chain.rules();
    let mut out = Vec::new();
    let mut start = 0;
    while start < rules.len() {
        let mut end = start + 1;
        let mut index = None;
        while end < rules.len() {
            let Some(i) = differs_in_one(&rules[start], &rules[end]) else {
                break;
            };
            let (from, to) = (rules[start].origin().line, rules[end].origin().line);
            let comment_between = imported.comments.iter().any(|(l, _)| *l > from && *l < to);
            if index.is_some_and(|k| k != i) || comment_between {
                break;
            }
            index = Some(i);
            end += 1;
        }
        out.push((&rules[start..end], index));
        start = end;
    }
    out
}

/// Writes the `#` lines of the input that come before `line` and were not written yet.
fn comments_before(
    imported: &Imported,
    next: &mut usize,
    line: u32,
    indent: &str,
    out: &mut String,
) {
    while let Some((l, text)) = imported.comments.get(*next) {
        if *l >= line {
            break;
        }
        let _ = writeln!(out, "{indent}// {text}");
        *next += 1;
    }
}

fn dsl_rule(run: &[Rule], fold: Option<usize>, out: &mut String) -> Result<(), String> {
    let rule = &run[0];
    let folded = fold.map(|i| &rule.args()[i]);
    let parts = parts(rule);
    let mut text = String::new();
    if let Some(t) = rule.get_target() {
        match t.kind() {
            TargetKind::Builtin => {
                let verb = targets::find(t.name())
                    .map_or_else(|| t.name().to_ascii_lowercase(), |s| s.verb());
                text.push_str(&verb);
                for a in t.args() {
                    dsl_arg(a, &mut text);
                }
            }
            TargetKind::Jump | TargetKind::Goto => {
                if !dsl_name(t.name()) {
                    return Err(format!(
                        "chain name `{}` cannot be written in `firewall!` (use --to builder)",
                        t.name()
                    ));
                }
                let verb = if t.kind() == TargetKind::Goto {
                    "goto"
                } else {
                    "jump"
                };
                let _ = write!(text, "{verb} {}", t.name());
            }
        }
    } else if parts.builtin.is_empty() && parts.matches.is_empty() {
        return Err(
            "a rule without options and target cannot be written in `firewall!` (use --to builder)"
                .into(),
        );
    }
    for a in &parts.builtin {
        if folded.is_some_and(|f| std::ptr::eq(f, *a)) {
            let i = fold.unwrap_or_default();
            let values: Vec<String> = run
                .iter()
                .map(|r| dsl_value(r.args()[i].value.as_deref().unwrap_or_default()))
                .collect();
            let _ = write!(text, " {}=[{}]", dsl_key(a), values.join(", "));
        } else {
            dsl_arg(a, &mut text);
        }
    }
    for (module, named, args) in &parts.matches {
        if *named {
            let _ = write!(text, " match={module}");
        }
        for a in args {
            dsl_arg(a, &mut text);
        }
    }
    out.push_str(text.trim_start());
    out.push(';');
    Ok(())
}

/// `src/main.rs` of a per-host binary holding `imported` in the `firewall!` DSL.
///
/// Fails (with the input line) on what the DSL cannot write: a chain name that is not a DSL
/// name, a rule with neither options nor target; [`to_builder`] writes those.
pub fn to_dsl(imported: &Imported) -> Result<String, ImportError> {
    let family = imported.tables.family();
    let mut out = String::new();
    header(family, &mut out);
    out.push_str(
        "fn main() -> std::process::ExitCode {\n    pyptables::cli::run(pyptables::firewall! {\n",
    );
    let (indent, close) = match family {
        Family::V4 => ("        ", ""),
        Family::V6 => {
            out.push_str("        ip6 {\n");
            ("            ", "        }\n")
        }
    };
    let mut next = 0;
    for table in imported.tables.iter() {
        comments_before(imported, &mut next, table.origin().line, indent, &mut out);
        let _ = writeln!(out, "{indent}{} {{", table.name());
        for chain in table.chains() {
            dsl_chain(
                imported,
                table,
                chain,
                &mut next,
                &format!("{indent}    "),
                &mut out,
            )?;
        }
        let _ = writeln!(out, "{indent}}}");
    }
    comments_before(imported, &mut next, u32::MAX, indent, &mut out);
    out.push_str(close);
    out.push_str("    })\n}\n");
    Ok(out)
}

fn dsl_chain(
    imported: &Imported,
    table: &Table,
    chain: &Chain,
    next: &mut usize,
    indent: &str,
    out: &mut String,
) -> Result<(), ImportError> {
    let line = chain.origin().line as usize;
    if !dsl_name(chain.name()) {
        return Err(ImportError {
            line,
            message: format!(
                "chain name `{}` (table {}) cannot be written in `firewall!` (use --to builder)",
                chain.name(),
                table.name()
            ),
        });
    }
    let head = match chain.kind() {
        ChainKind::Builtin(Policy::Accept) if !chain.is_empty() => chain.name().to_string(),
        ChainKind::Builtin(p) => format!("{} policy {p}", chain.name()),
        ChainKind::User(_) => format!("chain {}", chain.name()),
    };
    if chain.is_empty() {
        if chain.is_builtin() {
            let _ = writeln!(out, "{indent}{head};");
        } else {
            let _ = writeln!(out, "{indent}{head} {{}}");
        }
        return Ok(());
    }
    let _ = writeln!(out, "{indent}{head} {{");
    let inner = format!("{indent}    ");
    for (run, fold) in runs(imported, chain) {
        let rule = &run[0];
        comments_before(imported, next, rule.origin().line, &inner, out);
        out.push_str(&inner);
        dsl_rule(run, fold, out).map_err(|message| ImportError {
            line: rule.origin().line as usize,
            message,
        })?;
        out.push_str(&line_comment(run));
        out.push('\n');
    }
    let _ = writeln!(out, "{indent}}}");
    Ok(())
}

fn header(family: Family, out: &mut String) {
    let _ = writeln!(
        out,
        "//! The firewall imported from an {} ruleset by `pyptables import` ({family}); each rule's\n\
         //! comment names its line in the input.\n",
        match family {
            Family::V4 => "iptables-save",
            Family::V6 => "ip6tables-save",
        }
    );
}

/// Builder method names for the options that have one.
fn setter(a: &Arg) -> Option<&'static str> {
    if a.module.is_none() {
        return Some(match &*a.key {
            "protocol" => "proto",
            "source" => "source",
            "destination" => "destination",
            "in-interface" => "in_interface",
            "out-interface" => "out_interface",
            _ => return None,
        });
    }
    Some(match &*a.key {
        "sport" => "sport",
        "dport" => "dport",
        "dports" => "dports",
        "sports" => "sports",
        "ctstate" => "ctstate",
        "comment" => "comment",
        "limit" => "limit",
        "mark" => "mark",
        "icmp-type" => "icmp_type",
        _ => return None,
    })
}

fn rust_value(a: &Arg) -> String {
    let v = a.value.as_deref().unwrap_or("");
    if a.negated {
        format!("not({v:?})")
    } else {
        format!("{v:?}")
    }
}

fn builder_arg(a: &Arg, named: bool, out: &mut String) {
    // A match alone is its `Match::new(NAME)`, written by the caller.
    if a.is_bare() {
        return;
    }
    match &a.value {
        None if a.negated => {
            let _ = write!(out, ".not_flag({:?})", &*a.key);
        }
        None => {
            let _ = write!(out, ".flag({:?})", &*a.key);
        }
        Some(_) => match setter(a).filter(|_| !named) {
            Some(m) => {
                let _ = write!(out, ".{m}({})", rust_value(a));
            }
            None => {
                let _ = write!(out, ".opt({:?}, {})", &*a.key, rust_value(a));
            }
        },
    }
}

/// Writes the builder expression of `rule`; the option `fold` (if any) takes its value from
/// the loop variable `var`.
fn builder_rule(rule: &Rule, fold: Option<(usize, &str)>, out: &mut String) {
    let parts = parts(rule);
    out.push_str("Rule::new()");
    for a in &parts.builtin {
        match fold {
            Some((i, var)) if std::ptr::eq(&rule.args()[i], *a) => {
                let method = setter(a).unwrap_or("source");
                let _ = write!(out, ".{method}({var})");
            }
            _ => builder_arg(a, false, out),
        }
    }
    for (module, named, args) in &parts.matches {
        if !*named {
            for a in args {
                builder_arg(a, false, out);
            }
            continue;
        }
        let _ = write!(out, ".with_match(Match::new({module:?})");
        for a in args {
            builder_arg(a, true, out);
        }
        out.push(')');
    }
    if let Some(t) = rule.get_target() {
        match (t.kind(), t.name(), t.args().is_empty()) {
            (TargetKind::Builtin, "ACCEPT", true) => out.push_str(".accept()"),
            (TargetKind::Builtin, "DROP", true) => out.push_str(".drop()"),
            (TargetKind::Builtin, "REJECT", true) => out.push_str(".reject()"),
            (TargetKind::Builtin, "RETURN", true) => out.push_str(".ret()"),
            (TargetKind::Builtin, "MASQUERADE", true) => out.push_str(".masquerade()"),
            (TargetKind::Builtin, name, _) => {
                let _ = write!(out, ".target(Target::new({name:?})");
                for a in t.args() {
                    builder_arg(a, true, out);
                }
                out.push(')');
            }
            (TargetKind::Jump, name, _) => {
                let _ = write!(out, ".jump({name:?})");
            }
            (TargetKind::Goto, name, _) => {
                let _ = write!(out, ".goto({name:?})");
            }
        }
    }
}

/// `src/main.rs` of a per-host binary that builds `imported` with the builder API.
pub fn to_builder(imported: &Imported) -> String {
    let family = imported.tables.family();
    let mut out = String::new();
    header(family, &mut out);
    out.push_str(
        "#[allow(unused_imports)]\nuse pyptables::value::not;\n#[allow(unused_imports)]\nuse pyptables::{Chain, Family, Firewall, Match, Policy, Rule, Table, Tables, Target};\n\n",
    );
    out.push_str("fn main() -> std::process::ExitCode {\n");
    let (ours, other) = match family {
        Family::V4 => ("V4", "V6"),
        Family::V6 => ("V6", "V4"),
    };
    let _ = writeln!(out, "    let mut tables = Tables::new(Family::{ours});");
    let mut next = 0;
    for table in imported.tables.iter() {
        comments_before(imported, &mut next, table.origin().line, "    ", &mut out);
        let _ = writeln!(out, "\n    let mut table = Table::new({:?});", table.name());
        for chain in table.chains() {
            let make = match chain.kind() {
                ChainKind::Builtin(p) => {
                    let p = match p {
                        Policy::Accept => "Accept",
                        Policy::Drop => "Drop",
                    };
                    format!("Chain::builtin({:?}, Policy::{p})", chain.name())
                }
                ChainKind::User(_) => format!("Chain::user({:?})", chain.name()),
            };
            if chain.is_empty() {
                let _ = writeln!(out, "    table.add_chain({make});");
                continue;
            }
            let _ = writeln!(out, "    let chain = table.add_chain({make});");
            for (run, fold) in runs(imported, chain) {
                let rule = &run[0];
                comments_before(imported, &mut next, rule.origin().line, "    ", &mut out);
                match fold {
                    None => {
                        out.push_str("    chain.push(");
                        builder_rule(rule, None, &mut out);
                        out.push_str(");");
                        out.push_str(&line_comment(run));
                        out.push('\n');
                    }
                    Some(i) => {
                        let var = rule.args()[i].key.replace('-', "_");
                        let values: Vec<String> = run
                            .iter()
                            .map(|r| {
                                format!("{:?}", r.args()[i].value.as_deref().unwrap_or_default())
                            })
                            .collect();
                        let _ = writeln!(
                            out,
                            "    for {var} in [{}] {{{}",
                            values.join(", "),
                            line_comment(run)
                        );
                        out.push_str("        chain.push(");
                        builder_rule(rule, Some((i, &var)), &mut out);
                        out.push_str(");\n    }\n");
                    }
                }
            }
        }
        out.push_str("    tables.add(table);\n");
    }
    comments_before(imported, &mut next, u32::MAX, "    ", &mut out);
    let fw = match family {
        Family::V4 => format!("Firewall::from_tables(tables, Tables::new(Family::{other}))"),
        Family::V6 => format!("Firewall::from_tables(Tables::new(Family::{other}), tables)"),
    };
    let _ = writeln!(out, "    pyptables::cli::run({fw})\n}}");
    out
}
