//! The nftables engine: the same firewall rendered as an `nft -f` script that replaces only
//! its own tables, and applied in one kernel transaction.
//!
//! # Layout: one `ip` and one `ip6` table, not one `inet` table
//!
//! The model is already split by family (iptables has one ruleset per family), so each
//! family becomes a table of that family named like the firewall (`pyptables` by default):
//! `table ip pyptables` for the IPv4 rules, `table ip6 pyptables` for the IPv6 ones. An `inet`
//! table would see both families in every chain, so each rule would need a `meta nfproto`
//! guard, and NAT in `inet` tables needs kernel 5.2 or later; with `ip` + `ip6` the rules stay
//! exactly as written and any kernel with nf_tables NAT loads them. Both tables still go to
//! one `nft -f`, which the kernel commits as one transaction: a refusal anywhere (in the IPv6
//! table, say) leaves both tables as they were.
//!
//! Each iptables table and built-in chain becomes a base chain `TABLE.CHAIN` (`filter.INPUT`)
//! with the chain's hook, the iptables priority (raw −300, mangle −150, dstnat −100, filter 0,
//! security 50, srcnat 100) and policy; user chains become regular chains `TABLE.NAME`. Every
//! rule's `comment` holds its own comment and where it was written (`SSH (src/main.rs:12)`).
//!
//! The script starts each table with `table ip pyptables {}` and `delete table ip pyptables`,
//! so it replaces exactly that table (creating it the first time) and never touches other
//! tables: no `flush ruleset`.
//!
//! How the match and target forms are translated is the catalog's business
//! ([`pyptables_catalog::nft`]); what nft cannot express is a validation error
//! ([`Firewall::validate_nft`]).

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use pyptables_catalog::nft::{quoted, rule_to_nft};
use pyptables_catalog::{Family, Problem, TargetCall};

use crate::error::RestoreError;
use crate::model::rule::{Body, Rule};
use crate::model::{Chain, ChainKind, Table, Tables};
use crate::render::{LineSource, Rendered, Style};
use crate::restore::{command_in, failure, run_bounded};
use crate::validate::{ValidationError, ValidationErrors};
use crate::Firewall;

/// The default name of the firewall's own nft tables.
pub const DEFAULT_TABLE: &str = "pyptables";

/// nft's limit on a rule's comment, in bytes.
const COMMENT_MAX: usize = 127;

/// How to run `nft`.
///
/// ```
/// let opts = pyptables::NftOptions::default();
/// assert_eq!(opts.table, "pyptables");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftOptions {
    /// The name of the firewall's own tables (one `ip`, one `ip6`).
    pub table: String,
    /// The `nft` program.
    pub program: PathBuf,
    /// Run inside this named network namespace (`ip netns exec NAME nft …`).
    pub netns: Option<String>,
    /// Only check the script (`nft -c`): the kernel is asked, nothing is committed.
    pub check: bool,
    /// Kill `nft` when it has not finished after this long.
    pub timeout: Option<Duration>,
}

impl Default for NftOptions {
    fn default() -> Self {
        NftOptions {
            table: DEFAULT_TABLE.to_string(),
            program: PathBuf::from("nft"),
            netns: None,
            check: false,
            timeout: None,
        }
    }
}

fn family_word(f: Family) -> &'static str {
    match f {
        Family::V4 => "ip",
        Family::V6 => "ip6",
    }
}

/// Whether nft reads `name` as one identifier.
fn nft_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
}

/// The nft chain of iptables chain `chain` of `table`.
fn chain_name(table: &str, chain: &str) -> String {
    format!("{table}.{chain}")
}

/// The base chain declaration of built-in chain `chain` of `table`.
fn base_chain(table: &str, chain: &str) -> Option<(&'static str, &'static str, i32)> {
    let hook = match chain {
        "PREROUTING" => "prerouting",
        "INPUT" => "input",
        "FORWARD" => "forward",
        "OUTPUT" => "output",
        "POSTROUTING" => "postrouting",
        _ => return None,
    };
    let (kind, priority) = match (table, chain) {
        ("raw", _) => ("filter", -300),
        ("mangle", "OUTPUT") => ("route", -150),
        ("mangle", _) => ("filter", -150),
        ("nat", "PREROUTING" | "OUTPUT") => ("nat", -100),
        ("nat", _) => ("nat", 100),
        ("security", _) => ("filter", 50),
        _ => ("filter", 0),
    };
    Some((kind, hook, priority))
}

/// The rule's comment: its own and where it was written, within nft's limit.
fn rule_comment(user: Option<&str>, rule: &Rule) -> String {
    let origin = format!("({})", rule.origin());
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| if c == '"' || c.is_control() { '\'' } else { c })
            .collect()
    };
    match user {
        None => origin,
        Some(u) => {
            let mut u = clean(u);
            let room = COMMENT_MAX.saturating_sub(origin.len() + 1);
            if u.len() > room {
                let mut cut = room.saturating_sub(3);
                while !u.is_char_boundary(cut) {
                    cut -= 1;
                }
                u.truncate(cut);
                u.push_str("...");
            }
            format!("{u} {origin}")
        }
    }
}

/// One rule in nft words (without its comment), and its `-m comment` text.
fn translate(
    rule: &Rule,
    family: Family,
    table: &str,
) -> Result<(String, Option<String>), Problem> {
    match &rule.body {
        Body::Options { args, target } => {
            let cargs: Vec<_> = args.iter().map(|a| a.as_catalog()).collect();
            let targs: Vec<_> = target
                .iter()
                .flat_map(|t| t.args().iter().map(|a| a.as_catalog()))
                .collect();
            let call = target.as_ref().map(|t| TargetCall {
                name: t.name(),
                kind: t.kind(),
                args: &targs,
            });
            let jump = |name: &str| chain_name(table, name);
            rule_to_nft(family, &cargs, call.as_ref(), &jump)
                .map(|r| (r.text, r.comment))
                .map_err(|e| Problem::NoNftForm {
                    what: e.what,
                    reason: e.reason,
                })
        }
        // The catalog knows nothing of what it uses: there is nothing to translate it from.
        Body::Raw {
            text,
            unchecked: true,
            ..
        } => Err(Problem::NoNftForm {
            what: format!(
                "the unchecked raw rule `{}`",
                pyptables_catalog::problem::shown(text)
            ),
            reason: "the nftables engine only translates what the catalog knows; write it \
                     with the catalog's matches and targets, or use the iptables engine"
                .into(),
        }),
        Body::Raw {
            text,
            extended: false,
            ..
        } => {
            let jump = |name: &str| chain_name(table, name);
            pyptables_catalog::nft::raw_to_nft(family, text, &jump)
                .map(|r| (r.text, r.comment))
                .map_err(|e| Problem::NoNftForm {
                    what: e.what,
                    reason: e.reason,
                })
        }
        // Validation reports a raw rule with options added to it.
        Body::Raw { .. } => Err(Problem::NoNftForm {
            what: "a raw rule with options added".into(),
            reason: "write it with options only".into(),
        }),
        Body::Invalid(p) => Err(p.clone()),
    }
}

/// The lines of one family's table.
fn render_family(tables: &Tables, name: &str, style: Style, out: &mut Rendered) {
    let family = tables.family();
    let fw = family_word(family);
    let mut line = |text: String, source: LineSource| {
        out.text.push_str(&text);
        out.text.push('\n');
        out.lines.push(source);
    };
    let annotated = style == Style::Annotated;
    if annotated {
        line(String::new(), LineSource::Other);
        line(
            format!("# {} rules: table {fw} {name}", family),
            LineSource::Other,
        );
    }
    // Create-then-delete: replaces our table whether or not it exists, in the same
    // transaction as the new one.
    line(format!("table {fw} {name} {{}}"), LineSource::Other);
    line(format!("delete table {fw} {name}"), LineSource::Other);
    line(format!("table {fw} {name} {{"), LineSource::Other);
    for table in tables.iter() {
        let tsrc = || LineSource::Table {
            table: table.name().to_string(),
            origin: table.origin(),
        };
        if annotated {
            line(
                format!("\t# {} table ({})", table.name(), table.origin()),
                LineSource::Other,
            );
        }
        for chain in table.chains() {
            render_chain(table, chain, family, annotated, &mut line);
        }
        let _ = tsrc;
    }
    line("}".into(), LineSource::Other);
}

fn render_chain(
    table: &Table,
    chain: &Chain,
    family: Family,
    annotated: bool,
    line: &mut dyn FnMut(String, LineSource),
) {
    let csrc = || LineSource::Chain {
        table: table.name().to_string(),
        chain: chain.name().to_string(),
        origin: chain.origin(),
    };
    if annotated {
        let mut header = match chain.kind() {
            ChainKind::Builtin(_) => format!("\t# Builtin Chain \"{}\"", chain.name()),
            ChainKind::User(c) => {
                let mut h = format!("\t# User Chain \"{}\"", chain.name());
                if let Some(c) = c {
                    let _ = write!(h, ": {c}");
                }
                h
            }
        };
        let _ = write!(header, " ({})", chain.origin());
        line(header.replace(['\n', '\r'], "?"), LineSource::Other);
    }
    line(
        format!("\tchain {} {{", chain_name(table.name(), chain.name())),
        csrc(),
    );
    if let (ChainKind::Builtin(_), Some((kind, hook, priority))) =
        (chain.kind(), base_chain(table.name(), chain.name()))
    {
        let policy = chain.policy().map_or("accept", |p| {
            if p.as_str() == "DROP" {
                "drop"
            } else {
                "accept"
            }
        });
        line(
            format!("\t\ttype {kind} hook {hook} priority {priority}; policy {policy};"),
            csrc(),
        );
    }
    for (index, rule) in chain.iter().enumerate() {
        let source = LineSource::Rule {
            table: table.name().to_string(),
            chain: chain.name().to_string(),
            index,
            origin: rule.origin(),
        };
        match translate(rule, family, table.name()) {
            Ok((text, user)) => {
                if annotated {
                    let mut c = String::from("\t\t# Rule: ");
                    if let Some(u) = &user {
                        c.push_str(u);
                        c.push(' ');
                    }
                    let _ = write!(c, "({})", rule.origin());
                    line(c.replace(['\n', '\r'], "?"), LineSource::Other);
                }
                let comment = quoted(&rule_comment(user.as_deref(), rule));
                // A rule without a target only counts, as in iptables; nft needs a statement.
                let text = if text.is_empty() { "counter" } else { &text };
                line(format!("\t\t{text} comment {comment}"), source);
            }
            // A statement nft refuses, saying why: never a rule silently left out.
            Err(problem) => line(
                format!("\t\tinvalid-rule comment {}", quoted(&problem.to_string())),
                source,
            ),
        }
    }
    line("\t}".into(), LineSource::Other);
}

/// The script of `families` for tables named `name`, with what each line came from.
pub(crate) fn render_families(families: &[&Tables], name: &str, style: Style) -> Rendered {
    render_all(families, name, style)
}

fn render_all(families: &[&Tables], name: &str, style: Style) -> Rendered {
    let mut out = Rendered::default();
    if style == Style::Annotated {
        out.text.push_str(&format!(
            "#!/usr/sbin/nft -f\n# Generated by pyptables {} for nft -f\n",
            env!("CARGO_PKG_VERSION")
        ));
        out.lines.push(LineSource::Other);
        out.lines.push(LineSource::Other);
    }
    for t in families.iter().filter(|t| !t.is_empty()) {
        render_family(t, name, style, &mut out);
    }
    out
}

/// Every problem the nftables engine has with `tables` beyond [`Tables::validate`]'s: rules
/// nft cannot express, chain names nft cannot write.
fn nft_problems(tables: &Tables, errors: &mut Vec<ValidationError>) {
    let family = tables.family();
    for table in tables.iter() {
        for chain in table.chains() {
            if !nft_identifier(chain.name()) {
                errors.push(ValidationError {
                    problem: Problem::NftName {
                        name: chain.name().to_string(),
                    },
                    family,
                    table: table.name().to_string(),
                    chain: Some(chain.name().to_string()),
                    rule: None,
                    option: None,
                    origin: chain.origin(),
                });
            }
            for (index, rule) in chain.iter().enumerate() {
                let foreign = match &rule.body {
                    Body::Options {
                        target: Some(t), ..
                    } if t.kind() != pyptables_catalog::TargetKind::Builtin
                        && table.is_foreign(t.name()) =>
                    {
                        Some(t.name().to_string())
                    }
                    _ => None,
                };
                let result = match foreign {
                    // A preserved chain is someone else's, in iptables' own table: an nft
                    // table of its own has no such chain to jump to.
                    Some(name) => Err(Problem::NoNftForm {
                        what: format!("the jump to preserved chain `{name}`"),
                        reason: "preserved chains belong to iptables' own tables, which the firewall's nft table cannot jump to; use the iptables engine".into(),
                    }),
                    None => translate(rule, family, table.name()).map(|_| ()),
                };
                if let Err(problem) = result {
                    errors.push(ValidationError {
                        problem,
                        family,
                        table: table.name().to_string(),
                        chain: Some(chain.name().to_string()),
                        rule: Some(index),
                        option: None,
                        origin: rule.origin(),
                    });
                }
            }
        }
    }
}

impl Tables {
    /// This family's rules as an annotated `nft -f` script for table `name` (see the
    /// [module documentation](crate::nft)).
    pub fn to_nft(&self, name: &str) -> String {
        render_all(&[self], name, Style::Annotated).text
    }

    /// [`Tables::validate`], plus what the nftables engine cannot express.
    pub fn validate_nft(&self) -> Result<(), ValidationErrors> {
        let mut errors = match self.validate() {
            Ok(()) => Vec::new(),
            Err(e) => e.0,
        };
        let before = errors.len();
        nft_problems(self, &mut errors);
        // A rule refused by the catalog already says so; keep one message per rule.
        let mut seen = Vec::new();
        let mut i = 0;
        errors.retain(|e| {
            let keep = i < before || !seen.contains(&(e.table.clone(), e.chain.clone(), e.rule));
            if i < before && e.rule.is_some() {
                seen.push((e.table.clone(), e.chain.clone(), e.rule));
            }
            i += 1;
            keep
        });
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }
}

impl Firewall {
    /// Both families as one `nft -f` script for tables named `name`, in `style`, with what
    /// each line came from.
    ///
    /// ```
    /// use pyptables::{firewall, Style};
    /// let fw = firewall! { filter { INPUT policy DROP { accept proto=tcp dport=22; } } };
    /// let script = fw.render_nft("pyptables", Style::Plain).text;
    /// assert!(script.starts_with("table ip pyptables {}\ndelete table ip pyptables\n"));
    /// assert!(script.contains("type filter hook input priority 0; policy drop;"));
    /// assert!(script.contains("tcp dport 22 accept comment"));
    /// ```
    pub fn render_nft(&self, name: &str, style: Style) -> Rendered {
        render_all(&[self.ipv4(), self.ipv6()], name, style)
    }

    /// The annotated script for the default table name.
    pub fn to_nft(&self) -> String {
        self.render_nft(DEFAULT_TABLE, Style::Annotated).text
    }

    /// [`Firewall::validate`] plus, for each rule nft cannot express, an error naming the
    /// rule, where it was written and the module (`nftables cannot express -m recent: …`).
    pub fn validate_nft(&self) -> Result<(), ValidationErrors> {
        let mut all = Vec::new();
        for t in [self.ipv4(), self.ipv6()] {
            if let Err(e) = t.validate_nft() {
                all.extend(e.0);
            }
        }
        if all.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(all))
        }
    }

    /// Validates, then loads both families with one `nft -f`: one kernel transaction, so a
    /// refusal leaves the previous tables (and everything else) as they were. The error
    /// names the rule and the line that wrote it.
    pub fn apply_nft(&self, options: &NftOptions) -> Result<(), RestoreError> {
        apply_families(&[self.ipv4(), self.ipv6()], options)
    }
}

impl Tables {
    /// [`Firewall::apply_nft`] for this family alone (the other family's table is left as it
    /// is).
    pub fn apply_nft(&self, options: &NftOptions) -> Result<(), RestoreError> {
        apply_families(&[self], options)
    }
}

fn apply_families(families: &[&Tables], options: &NftOptions) -> Result<(), RestoreError> {
    let mut errors = Vec::new();
    for t in families {
        if let Err(e) = t.validate_nft() {
            errors.extend(e.0);
        }
    }
    if !nft_identifier(&options.table) {
        errors.push(ValidationError {
            problem: Problem::NftName {
                name: options.table.clone(),
            },
            family: Family::V4,
            table: options.table.clone(),
            chain: None,
            rule: None,
            option: None,
            origin: crate::Origin::caller(),
        });
    }
    if !errors.is_empty() {
        return Err(RestoreError::Invalid(ValidationErrors(errors)));
    }
    let rendered = render_all(families, &options.table, Style::Plain);
    run_nft(options, &rendered.text).map_err(|e| map_line(e, &rendered))
}

/// Fills in the rule of a refusal from the line nft named.
fn map_line(e: RestoreError, rendered: &Rendered) -> RestoreError {
    match e {
        RestoreError::Rejected {
            program,
            line,
            message,
            ..
        } => {
            let rule = line
                .and_then(|l| rendered.source_of(l))
                .and_then(crate::restore::rule_ref)
                .map(Box::new);
            RestoreError::Rejected {
                program,
                line,
                rule,
                message,
            }
        }
        e => e,
    }
}

/// The first input line nft's message names (`/dev/stdin:7:3-20: Error: …`).
pub(crate) fn nft_error_line(message: &str) -> Option<usize> {
    message.lines().find_map(|l| {
        let rest = l.strip_prefix("/dev/stdin:")?;
        rest.split(':').next()?.parse().ok()
    })
}

/// Runs `nft -f -` (or `nft -c -f -`) on `script`.
pub fn run_nft(options: &NftOptions, script: &str) -> Result<(), RestoreError> {
    let mut cmd = command_in(options.netns.as_deref(), &options.program);
    if options.check {
        cmd.arg("-c");
    }
    cmd.args(["-f", "-"]);
    let out = run_bounded(cmd, &options.program, Some(script), options.timeout)?;
    if out.status.success() {
        return Ok(());
    }
    let message = match failure(&options.program, &out) {
        Ok(e) => return Err(e),
        Err(m) => m,
    };
    let lower = message.to_ascii_lowercase();
    if lower.contains("operation not permitted") || lower.contains("permission denied") {
        return Err(RestoreError::PermissionDenied {
            program: options.program.clone(),
            message,
        });
    }
    Err(RestoreError::Rejected {
        program: options.program.clone(),
        line: nft_error_line(&message),
        rule: None,
        message,
    })
}

/// Runs `nft ARGS` and returns its standard output.
fn nft_output(options: &NftOptions, args: &[&str]) -> Result<Result<String, String>, RestoreError> {
    let mut cmd = command_in(options.netns.as_deref(), &options.program);
    cmd.args(args);
    let out = run_bounded(cmd, &options.program, None, options.timeout)?;
    if out.status.success() {
        Ok(Ok(String::from_utf8_lossy(&out.stdout).into_owned()))
    } else {
        match failure(&options.program, &out) {
            Ok(e) => Err(e),
            Err(m) => Ok(Err(m)),
        }
    }
}

/// The running firewall tables (`nft list table`), one per family; `None` for a family
/// whose table does not exist.
pub fn list_tables(options: &NftOptions) -> Result<Vec<(Family, Option<String>)>, RestoreError> {
    let mut out = Vec::new();
    for f in [Family::V4, Family::V6] {
        let listed = nft_output(options, &["list", "table", family_word(f), &options.table])?;
        out.push((f, listed.ok()));
    }
    Ok(out)
}

/// A script that puts the running firewall tables back as [`list_tables`] found them: each
/// table replaced by its saved listing, or deleted when it did not exist.
pub fn snapshot(options: &NftOptions) -> Result<String, RestoreError> {
    let mut script = String::new();
    for (f, listed) in list_tables(options)? {
        let fw = family_word(f);
        let name = &options.table;
        let _ = writeln!(script, "table {fw} {name} {{}}\ndelete table {fw} {name}");
        if let Some(text) = listed {
            script.push_str(&text);
            script.push('\n');
        }
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_line_nft_names() {
        let m = "/dev/stdin:7:3-20: Error: Could not process rule: No such file or directory\n";
        assert_eq!(nft_error_line(m), Some(7));
        assert_eq!(nft_error_line("Error: something"), None);
    }

    #[test]
    fn a_long_comment_is_cut_before_the_source_location() {
        let rule = Rule::new().accept();
        let long = "é".repeat(100);
        let c = rule_comment(Some(&long), &rule);
        assert!(c.len() <= COMMENT_MAX, "{} bytes", c.len());
        assert!(c.ends_with(&format!("... ({})", rule.origin())), "{c}");
        assert_eq!(
            rule_comment(Some("say \"hi\""), &rule),
            format!("say 'hi' ({})", rule.origin())
        );
    }

    #[test]
    fn a_jump_to_a_preserved_chain_is_refused() {
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::new("filter");
        filter.preserve(["DOCKER*"]);
        filter.add_chain(Chain::builtin("FORWARD", crate::Policy::Drop));
        filter["FORWARD"].push(Rule::new().jump("DOCKER-USER"));
        v4.add(filter);
        assert!(v4.validate().is_ok());
        let e = v4.validate_nft().unwrap_err().to_string();
        assert!(
            e.contains("the jump to preserved chain `DOCKER-USER`"),
            "{e}"
        );
    }

    #[test]
    fn identifiers_nft_reads() {
        assert!(nft_identifier("filter.INPUT"));
        assert!(nft_identifier("a-b_c/d"));
        assert!(!nft_identifier("1abc"));
        assert!(!nft_identifier("a b"));
        assert!(!nft_identifier("a:b"));
    }
}
