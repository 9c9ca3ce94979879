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
//! # Named sets
//!
//! Rules that use an ipset (`-m set --match-set NAME src`) or an xt_recent list
//! (`-m recent --name NAME`) refer to a named set `@NAME` of the firewall's table, which the
//! script declares before the chains (the catalog entries say which sets their forms need:
//! [`pyptables_catalog::nft::NftSet`]). A set's elements are not part of the firewall: they
//! are filled at run time (`nft add element ip pyptables NAME { 203.0.113.7 }`, or by the
//! recent rules themselves). So that replacing the table does not empty them,
//! [`Firewall::apply_nft`] reads the running table first (only when the new one declares
//! sets) and adds the elements of each set the new table declares again, with the same type
//! and flags, back inside the same transaction; [`put_back`] does the same for a rollback.
//!
//! ```
//! use pyptables::{Family, Firewall, Match, Rule, Style, Table, Tables};
//! let mut v4 = Tables::new(Family::V4);
//! let mut filter = Table::with_builtin_chains("filter").unwrap();
//! let blocklist = Match::new("set").opt("match-set", "blocklist src");
//! filter["INPUT"].push(Rule::new().with_match(blocklist).drop());
//! v4.add(filter);
//! let fw = Firewall::from_tables(v4, Tables::new(Family::V6));
//! let script = fw.render_nft("pyptables", Style::Plain).text;
//! assert!(script.contains("\tset blocklist { type ipv4_addr; flags interval; }\n"));
//! assert!(script.contains("ip saddr @blocklist drop comment"));
//! ```
//!
//! How the match and target forms are translated is the catalog's business
//! ([`pyptables_catalog::nft`]); what nft cannot express is a validation error
//! ([`Firewall::validate_nft`]).

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use pyptables_catalog::nft::{quoted, rule_to_nft, NftRule, NftSet};
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

/// Whether nft reads `name` as one identifier (and not as one of its keywords).
fn nft_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !pyptables_catalog::nft::nft_keyword(name)
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
fn translate(rule: &Rule, family: Family, table: &str) -> Result<NftRule, Problem> {
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
            rule_to_nft(family, &cargs, call.as_ref(), &jump).map_err(|e| Problem::NoNftForm {
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
            pyptables_catalog::nft::raw_to_nft(family, text, &jump).map_err(|e| {
                Problem::NoNftForm {
                    what: e.what,
                    reason: e.reason,
                }
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

/// One family's rules translated once, for validation and rendering alike: each rule's nft
/// form (or why it has none) and the named sets the forms refer to.
struct Translated<'t> {
    tables: &'t Tables,
    /// Per table, per chain, per rule, in the order of [`Tables::iter`] and
    /// [`Table::chains`].
    rules: Vec<Vec<Vec<Result<NftRule, Problem>>>>,
    /// Each named set once, with the first rule that refers to it.
    sets: Vec<(NftSet, LineSource)>,
    /// Problems with the sets: names nft cannot write, one name used for two kinds of set.
    set_problems: Vec<ValidationError>,
}

impl<'t> Translated<'t> {
    fn new(tables: &'t Tables) -> Self {
        let family = tables.family();
        let mut out = Translated {
            tables,
            rules: Vec::new(),
            sets: Vec::new(),
            set_problems: Vec::new(),
        };
        // Sets of one rule's own are numbered in table order (`connlimit0`, `connlimit1`).
        let mut numbered = 0;
        for table in tables.iter() {
            let mut chains = Vec::new();
            for chain in table.chains() {
                let mut rules = Vec::new();
                for (index, rule) in chain.iter().enumerate() {
                    let mut result = translate(rule, family, table.name());
                    if let Ok(r) = &mut result {
                        numbered = r.number_own_sets(numbered);
                    }
                    if let Ok(r) = &result {
                        for set in &r.sets {
                            if let Some(problem) = out.declare(set, table, chain, index, rule) {
                                let at = (family, table, chain, index, rule);
                                out.set_problems.push(rule_error(problem, at));
                            }
                        }
                    }
                    rules.push(result);
                }
                chains.push(rules);
            }
            out.rules.push(chains);
        }
        out
    }

    /// Adds `set` (used by rule `index` of `chain`) to the sets to declare; the problem when
    /// its name cannot be written or is already a set of another kind.
    fn declare(
        &mut self,
        set: &NftSet,
        table: &Table,
        chain: &Chain,
        index: usize,
        rule: &Rule,
    ) -> Option<Problem> {
        if !nft_identifier(&set.name) {
            return Some(Problem::NftName {
                what: "set",
                name: set.name.clone(),
            });
        }
        let at = |first: &LineSource| match first {
            LineSource::Rule { origin, .. } => format!(" ({origin})"),
            _ => String::new(),
        };
        if let Some((s, first)) = self.sets.iter_mut().find(|(s, _)| s.name == set.name) {
            if s.key == set.key
                && s.flags == set.flags
                && s.template == set.template
                && !s.per_rule
                && !set.per_rule
            {
                // One timeout for the set: a rule that works with any takes the others'.
                if set.any_timeout || (!s.any_timeout && s.timeout == set.timeout) {
                    return None;
                }
                if s.any_timeout {
                    s.timeout = set.timeout;
                    s.any_timeout = false;
                    // The rule the set's timeout comes from, for the messages.
                    *first = LineSource::Rule {
                        table: table.name().to_string(),
                        chain: chain.name().to_string(),
                        index,
                        origin: rule.origin(),
                    };
                    return None;
                }
                let window = |t: Option<u64>| match t {
                    Some(t) => format!("--seconds {t}"),
                    None => "no --seconds (or --remove)".to_string(),
                };
                return Some(Problem::NoNftForm {
                    what: format!("the set `{}` of {}", set.name, set.by),
                    reason: format!(
                        "{} here, {} in an earlier rule{}: xt_recent checks \
                         each rule's own time window against an address's last hit, but an \
                         nft set has one timeout for its elements (and after it the address \
                         is gone, where xt_recent still finds it without --seconds or with \
                         --remove); give every rule that checks `{}` the same --seconds",
                        window(set.timeout),
                        window(s.timeout),
                        at(first),
                        set.name
                    ),
                });
            }
        }
        match self.sets.iter().find(|(s, _)| s.name == set.name) {
            Some((s, first)) if set.per_rule => Some(Problem::NoNftForm {
                what: format!("the set `{}` of {}", set.name, set.by),
                reason: format!(
                    "the engine names this rule's own set `{}`, which is already the {} set \
                     of {}{}: rename that one",
                    set.name,
                    s.flags,
                    s.by,
                    match first {
                        LineSource::Rule { origin, .. } => format!(" ({origin})"),
                        _ => String::new(),
                    }
                ),
            }),
            Some((s, first)) if s.key == set.key && s.flags == set.flags && !s.per_rule => {
                Some(Problem::NoNftForm {
                    what: format!("the set `{}` of {}", set.name, set.by),
                    reason: format!(
                        "the rules that share it must agree on what its elements carry: \
                         `{}` here, `{}` in the rule that first uses it{}",
                        set.template,
                        s.template,
                        match first {
                            LineSource::Rule { origin, .. } => format!(" ({origin})"),
                            _ => String::new(),
                        }
                    ),
                })
            }
            Some((s, first)) => Some(Problem::NoNftForm {
                what: format!("the set `{}` of {}", set.name, set.by),
                reason: format!(
                    "the name is already the {}{} set of {}{}; the firewall's table has one \
                     set of each name: rename one of them",
                    if s.per_rule { "rule's own " } else { "" },
                    s.flags,
                    s.by,
                    match first {
                        LineSource::Rule { origin, .. } => format!(" ({origin})"),
                        _ => String::new(),
                    }
                ),
            }),
            None => {
                self.sets.push((
                    set.clone(),
                    LineSource::Rule {
                        table: table.name().to_string(),
                        chain: chain.name().to_string(),
                        index,
                        origin: rule.origin(),
                    },
                ));
                None
            }
        }
    }
}

/// The lines of one family's table; `kept` are the elements of its sets to put back
/// (see [`kept_elements`]).
fn render_family(
    tr: &Translated<'_>,
    name: &str,
    style: Style,
    kept: &[(String, String)],
    out: &mut Rendered,
) {
    let tables = tr.tables;
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
    if annotated && !tr.sets.is_empty() {
        line(
            "\t# Named sets: their elements are filled at run time (nft add element)".into(),
            LineSource::Other,
        );
    }
    // Before the chains that refer to them; a refused declaration names the first rule
    // that uses the set.
    for (set, source) in &tr.sets {
        line(format!("\t{}", set.declaration()), source.clone());
    }
    for (ti, table) in tables.iter().enumerate() {
        if annotated {
            line(
                format!("\t# {} table ({})", table.name(), table.origin()),
                LineSource::Other,
            );
        }
        for (ci, chain) in table.chains().enumerate() {
            render_chain(table, chain, &tr.rules[ti][ci], annotated, &mut line);
        }
    }
    line("}".into(), LineSource::Other);
    for (set, elements) in kept {
        if let Some((_, source)) = tr.sets.iter().find(|(s, _)| &s.name == set) {
            line(
                format!("add element {fw} {name} {set} {{ {elements} }}"),
                source.clone(),
            );
        }
    }
}

fn render_chain(
    table: &Table,
    chain: &Chain,
    translated: &[Result<NftRule, Problem>],
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
    for ((index, rule), result) in chain.iter().enumerate().zip(translated) {
        let source = LineSource::Rule {
            table: table.name().to_string(),
            chain: chain.name().to_string(),
            index,
            origin: rule.origin(),
        };
        match result {
            Ok(r) => {
                let user = r.comment.as_deref();
                if annotated {
                    let mut c = String::from("\t\t# Rule: ");
                    if let Some(u) = user {
                        c.push_str(u);
                        c.push(' ');
                    }
                    let _ = write!(c, "({})", rule.origin());
                    line(c.replace(['\n', '\r'], "?"), LineSource::Other);
                }
                let comment = quoted(&rule_comment(user, rule));
                // A rule without a target only counts, as in iptables; nft needs a statement.
                let text = if r.text.is_empty() {
                    "counter"
                } else {
                    &r.text
                };
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

fn render_all(families: &[&Tables], name: &str, style: Style) -> Rendered {
    let translated: Vec<_> = families.iter().map(|t| Translated::new(t)).collect();
    let all: Vec<&Translated<'_>> = translated.iter().collect();
    render_translated(&all, name, style, &[])
}

/// The script of families already translated; `kept[i]` holds the set elements to put back
/// into family `i`'s table.
fn render_translated(
    translated: &[&Translated<'_>],
    name: &str,
    style: Style,
    kept: &[Vec<(String, String)>],
) -> Rendered {
    let mut out = Rendered::default();
    if style == Style::Annotated {
        out.text.push_str(&format!(
            "#!/usr/sbin/nft -f\n# Generated by pyptables {} for nft -f\n",
            env!("CARGO_PKG_VERSION")
        ));
        out.lines.push(LineSource::Other);
        out.lines.push(LineSource::Other);
    }
    for (i, tr) in translated.iter().enumerate() {
        if !tr.tables.is_empty() {
            render_family(tr, name, style, kept.get(i).map_or(&[], |k| k), &mut out);
        }
    }
    out
}

/// Every problem the nftables engine has with `tables` beyond [`Tables::validate`]'s: rules
/// nft cannot express, chain and set names nft cannot write.
fn nft_problems(tr: &Translated<'_>, errors: &mut Vec<ValidationError>) {
    let tables = tr.tables;
    let family = tables.family();
    for (ti, table) in tables.iter().enumerate() {
        for (ci, chain) in table.chains().enumerate() {
            if !nft_identifier(chain.name()) {
                errors.push(ValidationError {
                    problem: Problem::NftName {
                        what: "chain",
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
            for ((index, rule), result) in chain.iter().enumerate().zip(&tr.rules[ti][ci]) {
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
                let problem = match foreign {
                    // A preserved chain is someone else's, in iptables' own table: an nft
                    // table of its own has no such chain to jump to.
                    Some(name) => Some(Problem::NoNftForm {
                        what: format!("the jump to preserved chain `{name}`"),
                        reason: "preserved chains belong to iptables' own tables, which the firewall's nft table cannot jump to; use the iptables engine".into(),
                    }),
                    None => result.as_ref().err().cloned(),
                };
                if let Some(problem) = problem {
                    errors.push(rule_error(problem, (family, table, chain, index, rule)));
                }
            }
        }
    }
    errors.extend(tr.set_problems.iter().cloned());
}

/// [`Tables::validate`] and the nftables engine's own problems, from one translation.
fn validate_translated(tr: &Translated<'_>) -> Vec<ValidationError> {
    let mut errors = match tr.tables.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.0,
    };
    let before = errors.len();
    nft_problems(tr, &mut errors);
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
    errors
}

impl Tables {
    /// This family's rules as an annotated `nft -f` script for table `name` (see the
    /// [module documentation](crate::nft)).
    pub fn to_nft(&self, name: &str) -> String {
        render_all(&[self], name, Style::Annotated).text
    }

    /// [`Tables::validate`], plus what the nftables engine cannot express.
    pub fn validate_nft(&self) -> Result<(), ValidationErrors> {
        let errors = validate_translated(&Translated::new(self));
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
    ///
    /// The elements of the running table's named sets that the new table declares again
    /// (same name, type and flags) are kept: they are read first and added back in the same
    /// transaction (see [Named sets](crate::nft#named-sets)).
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
    prepare(families, &options.table)
        .map_err(RestoreError::Invalid)?
        .apply(options)
}

/// Families translated and validated once, ready to render and apply: the same forms are
/// checked and then written.
pub(crate) struct Prepared<'t> {
    translated: Vec<Translated<'t>>,
}

/// Translates `families` once and validates them ([`Tables::validate`], what nft cannot
/// express, and the table name `table`).
pub(crate) fn prepare<'t>(
    families: &[&'t Tables],
    table: &str,
) -> Result<Prepared<'t>, ValidationErrors> {
    let translated: Vec<_> = families.iter().map(|t| Translated::new(t)).collect();
    let mut errors = Vec::new();
    for tr in &translated {
        errors.extend(validate_translated(tr));
    }
    if !nft_identifier(table) {
        errors.push(ValidationError {
            problem: Problem::NftName {
                what: "table",
                name: table.to_string(),
            },
            family: Family::V4,
            table: table.to_string(),
            chain: None,
            rule: None,
            option: None,
            origin: crate::Origin::caller(),
        });
    }
    if errors.is_empty() {
        Ok(Prepared { translated })
    } else {
        Err(ValidationErrors(errors))
    }
}

impl Prepared<'_> {
    /// The script for tables named `name`, of `family` only if given.
    pub(crate) fn render(&self, name: &str, style: Style, family: Option<Family>) -> Rendered {
        let only: Vec<&Translated<'_>> = self
            .translated
            .iter()
            .filter(|tr| family.is_none_or(|f| tr.tables.family() == f))
            .collect();
        render_translated(&only, name, style, &[])
    }

    /// Loads the families with one `nft -f`, keeping the elements of the sets declared
    /// again (see [Named sets](crate::nft#named-sets)).
    pub(crate) fn apply(&self, options: &NftOptions) -> Result<(), RestoreError> {
        let mut kept = Vec::new();
        for tr in &self.translated {
            kept.push(kept_elements(tr, options)?);
        }
        let all: Vec<&Translated<'_>> = self.translated.iter().collect();
        let rendered = render_translated(&all, &options.table, Style::Plain, &kept);
        run_nft(options, &rendered.text).map_err(|e| map_line(e, &rendered))
    }
}

/// A named set as `nft list table` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct ListedSet {
    name: String,
    /// The `type` line's value: `ipv4_addr`.
    key: String,
    /// The `flags` line's value: `interval`, `dynamic`.
    flags: String,
    /// The `timeout` line's value: `1m`.
    timeout: Option<String>,
    /// What is between the braces of `elements = { … }`, on one line; `None` when empty.
    elements: Option<String>,
}

/// The named sets of one table's listing (`nft list table ip pyptables`).
fn listed_sets(listing: &str) -> Vec<ListedSet> {
    let mut sets = Vec::new();
    let mut current: Option<ListedSet> = None;
    let mut elements: Option<String> = None;
    for line in listing.lines() {
        let t = line.trim();
        if let Some(e) = &mut elements {
            // Continuation lines of `elements = { a, b,` … `c }`.
            e.push(' ');
            e.push_str(t);
            if t.ends_with('}') {
                let text = e.trim_end_matches('}').trim().to_string();
                if let Some(set) = &mut current {
                    set.elements = Some(text);
                }
                elements = None;
            }
            continue;
        }
        if let Some(name) = t.strip_prefix("set ").and_then(|r| r.strip_suffix(" {")) {
            current = Some(ListedSet {
                name: name.to_string(),
                key: String::new(),
                flags: String::new(),
                timeout: None,
                elements: None,
            });
        } else if let Some(set) = &mut current {
            if let Some(k) = t.strip_prefix("type ") {
                set.key = k.to_string();
            } else if let Some(f) = t.strip_prefix("flags ") {
                set.flags = f.to_string();
            } else if let Some(f) = t.strip_prefix("timeout ") {
                set.timeout = Some(f.to_string());
            } else if let Some(rest) = t.strip_prefix("elements = {") {
                if rest.ends_with('}') {
                    set.elements = Some(rest.trim_end_matches('}').trim().to_string());
                } else {
                    elements = Some(rest.to_string());
                }
            } else if t == "}" {
                sets.extend(current.take());
            }
        }
    }
    sets
}

/// Whether a listed set is the same kind of set as `set` (so its elements fit it).
fn same_kind(listed: &ListedSet, set: &NftSet) -> bool {
    listed.key == set.key
        && listed.flags == set.listed_flags()
        && listed.timeout == set.listed_timeout()
}

/// The elements of the running table's sets that the new table declares again (same name,
/// type and flags), to add back in the same transaction: replacing the table must not empty
/// a blocklist that is filled at run time. Nothing is read when the new table has no sets.
fn kept_elements(
    tr: &Translated<'_>,
    options: &NftOptions,
) -> Result<Vec<(String, String)>, RestoreError> {
    if tr.sets.is_empty() || tr.tables.is_empty() {
        return Ok(Vec::new());
    }
    let fw = family_word(tr.tables.family());
    let listing = match nft_output(options, &["list", "table", fw, &options.table])? {
        Ok(text) => text,
        // No such table yet: nothing to keep.
        Err(_) => return Ok(Vec::new()),
    };
    Ok(listed_sets(&listing)
        .into_iter()
        .filter(|l| {
            tr.sets
                .iter()
                .any(|(s, _)| s.name == l.name && same_kind(l, s) && s.keep_elements)
        })
        .filter_map(|l| Some((l.name, l.elements?)))
        .collect())
}

/// Puts a [`snapshot`] back, keeping the current elements of each set that is in both the
/// snapshot and the running table (same name, type and flags): a rollback brings back the
/// previous rules, not the previous contents of a blocklist, so an address added in the
/// meantime stays. A set whose elements carry a state of their own (hashlimit's buckets,
/// connlimit's counts) comes back empty: its elements would keep the rate or limit being
/// rolled back.
pub fn put_back(options: &NftOptions, saved: &str) -> Result<(), RestoreError> {
    let running: Vec<(&str, Vec<ListedSet>)> = list_tables(options)?
        .into_iter()
        .map(|(f, l)| {
            (
                family_word(f),
                l.map(|l| listed_sets(&l)).unwrap_or_default(),
            )
        })
        .collect();
    // The snapshot's own sets, per family: its table listings are the lines from
    // `table FAMILY NAME {` to the closing `}`.
    let mut snapshot_sets: Vec<(&str, Vec<ListedSet>)> = Vec::new();
    let mut block: Option<(&str, String)> = None;
    for line in saved.lines() {
        if let Some((_, text)) = &mut block {
            text.push_str(line);
            text.push('\n');
            if line == "}" {
                let (fw, text) = block.take().unwrap_or_default();
                snapshot_sets.push((fw, listed_sets(&text)));
            }
        } else if let Some(fw) = listing_family(line) {
            block = Some((fw, String::new()));
        }
    }
    let find = |sets: &[(&str, Vec<ListedSet>)], fw: &str, name: &str| -> Option<ListedSet> {
        sets.iter()
            .filter(|(f, _)| *f == fw)
            .flat_map(|(_, s)| s.iter())
            .find(|s| s.name == name)
            .cloned()
    };
    let mut script = String::new();
    let mut adds = String::new();
    let mut family: Option<&str> = None;
    let mut set: Option<String> = None;
    let mut dropping = false;
    for line in saved.lines() {
        let t = line.trim();
        if dropping {
            dropping = !t.ends_with('}');
            continue;
        }
        if let Some(fw) = listing_family(line) {
            family = Some(fw);
        } else if let Some(name) = t.strip_prefix("set ").and_then(|r| r.strip_suffix(" {")) {
            set = Some(name.to_string());
        } else if t.starts_with("elements = {") {
            if let (Some(fw), Some(name)) = (family, set.as_deref()) {
                let now = find(&running, fw, name);
                let was = find(&snapshot_sets, fw, name);
                if let (Some(now), Some(was)) = (now, was) {
                    if now.key == was.key && now.flags == was.flags && now.timeout == was.timeout {
                        if let Some(e) = now.elements.as_deref().filter(|e| !carries_state(e)) {
                            let _ = writeln!(
                                adds,
                                "add element {fw} {} {name} {{ {e} }}",
                                options.table
                            );
                        }
                        dropping = !t.ends_with('}');
                        continue;
                    }
                }
            }
        }
        script.push_str(line);
        script.push('\n');
    }
    // Sets that were empty in the snapshot get the running elements too.
    for (fw, sets) in &snapshot_sets {
        for was in sets.iter().filter(|s| s.elements.is_none()) {
            if let Some(now) = find(&running, fw, &was.name) {
                if let (true, Some(e)) = (
                    now.key == was.key && now.flags == was.flags && now.timeout == was.timeout,
                    now.elements.as_deref().filter(|e| !carries_state(e)),
                ) {
                    let _ = writeln!(
                        adds,
                        "add element {fw} {} {} {{ {e} }}",
                        options.table, was.name
                    );
                }
            }
        }
    }
    script.push_str(&adds);
    run_nft(options, &script)
}

/// Whether listed elements carry a state of their own: hashlimit's token bucket
/// (`192.0.2.9 limit rate over 10/second …`) or connlimit's count (`… ct count over 3`). The
/// kernel applies an element's own limit, not the rule's, so such elements are not put back
/// under other rules: their set starts empty, as on a re-apply ([`NftSet::keep_elements`]).
fn carries_state(elements: &str) -> bool {
    // Outside the quoted comments, which are the operator's words (nft's strings hold no `"`).
    let syntax: String = elements.split('"').step_by(2).collect();
    syntax.contains(" limit rate ") || syntax.contains(" ct count ")
}

/// The family of a table listing's first line (`table ip pyptables {`).
fn listing_family(line: &str) -> Option<&'static str> {
    let rest = line.strip_prefix("table ")?.strip_suffix(" {")?;
    match rest.split(' ').next()? {
        "ip" => Some("ip"),
        "ip6" => Some("ip6"),
        _ => None,
    }
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

/// The error of rule `index` of `chain` (a rule of `table` in `family`).
fn rule_error(
    problem: Problem,
    (family, table, chain, index, rule): (Family, &Table, &Chain, usize, &Rule),
) -> ValidationError {
    ValidationError {
        problem,
        family,
        table: table.name().to_string(),
        chain: Some(chain.name().to_string()),
        rule: Some(index),
        option: None,
        origin: rule.origin(),
    }
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
    fn a_set_name_nft_cannot_write_or_used_for_two_kinds_of_set_is_refused() {
        use crate::Match;
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        let set = |name: &str| Match::new("set").opt("match-set", format!("{name} src"));
        filter["INPUT"].push(Rule::new().with_match(set("1bad")).drop());
        filter["INPUT"].push(Rule::new().with_match(set("seen")).drop());
        filter["INPUT"].push(
            Rule::new()
                .with_match(Match::new("recent").opt("name", "seen").flag("set"))
                .accept(),
        );
        filter["INPUT"].push(Rule::new().with_match(set("seen")).accept());
        v4.add(filter);
        assert!(v4.validate().is_ok());
        let e = v4.validate_nft().unwrap_err();
        let text = e.to_string();
        assert_eq!(e.0.len(), 2, "{text}");
        assert!(
            text.contains("rule 1") && text.contains("the set `1bad`"),
            "{text}"
        );
        assert!(
            text.contains("rule 3")
                && text.contains("the set `seen` of -m recent")
                && text.contains("already the interval set of -m set"),
            "{text}"
        );
        // Declared once, before the chains.
        let script = v4.to_nft("t");
        assert_eq!(script.matches("set seen {").count(), 1, "{script}");
        assert!(script.find("set seen {") < script.find("chain filter.INPUT"));
    }

    #[test]
    fn each_connlimit_rule_has_a_set_of_its_own() {
        use crate::Match;
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        let limit = || Match::new("connlimit").opt("connlimit-above", 3);
        filter["INPUT"].push(Rule::new().with_match(limit()).drop());
        filter["FORWARD"].push(Rule::new().with_match(limit()).drop());
        v4.add(filter);
        assert!(v4.validate_nft().is_ok());
        let script = render_all(&[&v4], "t", Style::Plain).text;
        for n in [0, 1] {
            assert!(
                script.contains(&format!(
                    "\tset connlimit{n} {{ type ipv4_addr; flags dynamic; }}\n"
                )) && script.contains(&format!(
                    "add @connlimit{n} {{ ip saddr ct count over 3 }} drop"
                )),
                "{script}"
            );
        }
        // A recent list of one of those names is another set.
        v4.table_mut("filter").unwrap()["INPUT"].push(
            Rule::new().with_match(Match::new("recent").opt("name", "connlimit1").flag("set")),
        );
        let e = v4.validate_nft().unwrap_err().to_string();
        assert!(
            e.contains("FORWARD rule 1")
                && e.contains(
                    "the engine names this rule's own set `connlimit1`, which is already \
                     the dynamic set of -m recent"
                )
                && e.contains("rename that one"),
            "{e}"
        );
    }

    #[test]
    fn hashlimit_rules_of_one_name_share_its_set_and_must_agree() {
        use crate::Match;
        let limit = |rate: &'static str, expire: u32| {
            Rule::new()
                .with_match(
                    Match::new("hashlimit")
                        .opt("hashlimit-upto", rate)
                        .opt("hashlimit-mode", "srcip")
                        .opt("hashlimit-name", "web")
                        .opt("hashlimit-htable-expire", expire),
                )
                .accept()
        };
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        filter["INPUT"].push(limit("10/second", 1500));
        filter["FORWARD"].push(limit("10/second", 1500));
        v4.add(filter);
        assert!(v4.validate_nft().is_ok());
        let script = render_all(&[&v4], "t", Style::Plain).text;
        assert_eq!(
            script
                .matches("\tset web { type ipv4_addr; flags dynamic,timeout; }\n")
                .count(),
            1,
            "{script}"
        );
        assert_eq!(
            script
                .matches("update @web { ip saddr timeout 1s500ms limit rate 10/second }")
                .count(),
            2,
            "{script}"
        );
        v4.table_mut("filter").unwrap()["OUTPUT"].push(limit("20/second", 1500));
        let e = v4.validate_nft().unwrap_err().to_string();
        assert!(
            e.contains("OUTPUT rule 1")
                && e.contains("must agree on what its elements carry")
                && e.contains("limit rate 20/second"),
            "{e}"
        );
    }

    #[test]
    fn a_recent_list_takes_the_timeout_of_its_checks_which_must_agree() {
        use crate::Match;
        let recent = |command: &'static str, seconds: Option<u32>| {
            let m = Match::new("recent").opt("name", "knock").flag(command);
            let m = match seconds {
                Some(s) => m.opt("seconds", s),
                None => m,
            };
            Rule::new().with_match(m).accept()
        };
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        filter["INPUT"].push(recent("set", None));
        filter["INPUT"].push(recent("rcheck", Some(30)));
        filter["INPUT"].push(recent("update", Some(30)));
        v4.add(filter);
        assert!(v4.validate_nft().is_ok(), "{:?}", v4.validate_nft());
        let script = render_all(&[&v4], "t", Style::Plain).text;
        assert!(
            script
                .contains("\tset knock { type ipv4_addr; flags dynamic,timeout; timeout 30s; }\n")
                && script.contains("update @knock { ip saddr } accept")
                && script.contains("ip saddr @knock accept")
                && script.contains("ip saddr @knock update @knock { ip saddr } accept"),
            "{script}"
        );
        // Another window on the same list, or a check without one, cannot share the set.
        v4.table_mut("filter").unwrap()["FORWARD"].push(recent("rcheck", Some(60)));
        v4.table_mut("filter").unwrap()["OUTPUT"].push(recent("remove", None));
        let e = v4.validate_nft().unwrap_err();
        let text = e.to_string();
        assert_eq!(e.0.len(), 2, "{text}");
        assert!(
            text.contains("FORWARD rule 1")
                && text.contains("--seconds 60 here, --seconds 30 in an earlier rule")
                && text.contains("OUTPUT rule 1")
                && text.contains("no --seconds (or --remove) here, --seconds 30"),
            "{text}"
        );
    }

    /// The ssh brute-force guard (`--update --seconds 60 --hitcount 4`) has no nft form:
    /// the refusal says why and points at the rate limit that has one.
    #[test]
    fn a_hitcount_refusal_names_the_alternatives() {
        use crate::Match;
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        filter["INPUT"].push(
            Rule::new()
                .proto("tcp")
                .dport(22)
                .with_match(Match::new("recent").opt("name", "ssh").flag("set")),
        );
        filter["INPUT"].push(
            Rule::new()
                .proto("tcp")
                .dport(22)
                .with_match(
                    Match::new("recent")
                        .opt("name", "ssh")
                        .flag("update")
                        .opt("seconds", 60)
                        .opt("hitcount", 4),
                )
                .drop(),
        );
        v4.add(filter);
        assert!(v4.validate().is_ok());
        let e = v4.validate_nft().unwrap_err().to_string();
        assert!(
            e.contains("rule 2")
                && e.contains("--hitcount: nft sets keep no count of hits per element")
                && e.contains("-m hashlimit --hashlimit-mode srcip --hashlimit-above")
                && e.contains("the iptables engine"),
            "{e}"
        );
    }

    #[test]
    fn the_elements_of_a_listed_set_are_read_over_several_lines() {
        let listing = "table ip pyptables {\n\tset bl {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 192.0.2.1, 192.0.2.7,\n\t\t\t     198.51.100.0/24 }\n\t}\n\n\tset empty {\n\t\ttype ipv4_addr\n\t\tsize 65535\n\t\tflags dynamic\n\t}\n\n\tchain filter.INPUT {\n\t}\n}\n";
        let sets = listed_sets(listing);
        assert_eq!(
            sets,
            vec![
                ListedSet {
                    name: "bl".into(),
                    key: "ipv4_addr".into(),
                    flags: "interval".into(),
                    timeout: None,
                    elements: Some("192.0.2.1, 192.0.2.7, 198.51.100.0/24".into()),
                },
                ListedSet {
                    name: "empty".into(),
                    key: "ipv4_addr".into(),
                    flags: "dynamic".into(),
                    timeout: None,
                    elements: None,
                },
            ]
        );
    }

    /// Only the element syntax says whether elements carry a state: an operator's comment
    /// that reads like it (`comment "ct count over 3"`) must not cost a blocklist its
    /// elements on a rollback.
    #[test]
    fn state_is_read_from_the_elements_not_their_comments() {
        assert!(carries_state(
            "192.0.2.9 limit rate over 10/second burst 5 packets"
        ));
        assert!(carries_state("192.0.2.9 ct count over 3"));
        assert!(!carries_state("192.0.2.9, 198.51.100.0/24"));
        assert!(!carries_state(
            "192.0.2.9 comment \"ct count over 3 seen\", 192.0.2.10 comment \"a limit rate here\""
        ));
    }

    #[test]
    fn identifiers_nft_reads() {
        assert!(nft_identifier("filter.INPUT"));
        assert!(nft_identifier("a-b_c/d"));
        assert!(!nft_identifier("1abc"));
        assert!(!nft_identifier("a b"));
        assert!(!nft_identifier("a:b"));
        // Words of nft's language: nft 1.0.6 refuses `set counter { … }` and
        // `table ip timeout { … }` with "syntax error, unexpected counter, expecting string";
        // its keywords are case-sensitive, so `Counter` is a name.
        for keyword in [
            "counter", "ip", "set", "timeout", "dynamic", "elements", "flags", "ll", "nh",
        ] {
            assert!(!nft_identifier(keyword), "{keyword}");
        }
        assert!(nft_identifier("Counter"));
        assert!(nft_identifier("DEFAULT"));
        assert!(nft_identifier("ih"));
    }

    #[test]
    fn a_set_named_like_an_nft_keyword_is_refused_before_nft_sees_it() {
        use crate::Match;
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        filter["INPUT"].push(
            Rule::new()
                .with_match(Match::new("set").opt("match-set", "counter src"))
                .drop(),
        );
        filter["INPUT"].push(
            Rule::new()
                .with_match(Match::new("recent").opt("name", "timeout").flag("set"))
                .accept(),
        );
        v4.add(filter);
        assert!(v4.validate().is_ok());
        let e = v4.validate_nft().unwrap_err();
        let text = e.to_string();
        assert_eq!(e.0.len(), 2, "{text}");
        assert!(
            text.contains("rule 1")
                && text.contains("the set `counter`")
                && text.contains("rule 2")
                && text.contains("the set `timeout`")
                && text.contains("not a word of nft's language"),
            "{text}"
        );
    }
}
