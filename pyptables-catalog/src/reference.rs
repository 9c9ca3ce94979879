//! The reference page of every table, match, target and option, written from the catalog.
//!
//! [`markdown`] renders the page; the crate ships it as `REFERENCE.md` (read it below, in
//! [`page`]), and a test compares the two, so the page cannot drift from what the checks use. Regenerate it after changing
//! an entry:
//!
//! ```text
//! cargo run -p pyptables-catalog --example reference > pyptables-catalog/REFERENCE.md
//! ```
//!
//! ```
//! let page = pyptables_catalog::reference::markdown();
//! assert!(page.contains("### `-j MASQUERADE`"));
//! assert!(page.contains("| `--dport` |"));
//! ```

use std::fmt::Write as _;

/// The page as shipped (`REFERENCE.md`), for reading in the documentation.
#[doc = include_str!("../REFERENCE.md")]
pub mod page {}

use crate::family::{Families, Family};
use crate::hooks::Hooks;
use crate::matches::{BUILTIN_OPTIONS, MATCHES};
use crate::spec::{Constraint, Implicit, MatchSpec, OptionSpec, Scope, TargetSpec};
use crate::tables::TABLES;
use crate::targets::TARGETS;
use crate::value::ValueKind;

/// The whole reference page, in Markdown.
#[must_use]
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(HEADER);
    tables(&mut out);
    builtin_options(&mut out);
    let mut matches: Vec<&MatchSpec> = MATCHES.iter().collect();
    matches.sort_by_key(|m| m.name);
    let _ = writeln!(out, "\n## Matches ({})\n", matches.len());
    for m in matches {
        match_entry(&mut out, m);
    }
    let mut targets: Vec<&TargetSpec> = TARGETS.iter().collect();
    targets.sort_by_key(|t| t.name);
    let _ = writeln!(out, "\n## Targets ({})\n", targets.len());
    for t in targets {
        target_entry(&mut out, t);
    }
    out
}

const HEADER: &str = "\
# The iptables catalog

Every table, match module, target and option that `pyptables` and its `firewall!` macro know,
with the values each option takes and where the kernel allows it. This page is written by
`pyptables_catalog::reference::markdown()` from the same entries the checks use (do not edit it
by hand; a test fails when it is out of date).

How to read it:
- **DSL** is how `firewall!` spells an option: the long name with `_` for `-`
  (`log_prefix=\"…\"`, a flag alone: `syn`); the builder takes either spelling.
- **Implicit**: whether `firewall!` and the builder find the match from its options alone
  (`ctstate=…` adds `-m conntrack`), from the rule's protocol (`proto=tcp dport=22` adds
  `-m tcp`), or only when it is named (`match=recent name=ssh set`).
- **Where**: the tables and built-in chains (hooks) it may be used in, directly or through
  jumps from them, and the families (IPv4, IPv6).
- **nft**: whether the nftables engine has an exact translation. Some forms cover only some
  of the options or combinations (socket, cgroup, recent, …); a rule the engine cannot
  translate exactly is refused by name, with the reason.
- An extension the catalog does not know can still be written as an unchecked raw rule
  (`raw unchecked \"…\"`, `Rule::raw_unchecked`); the kernel is then its only check.
";

fn tables(out: &mut String) {
    out.push_str("\n## Tables\n\n| table | built-in chains |\n|---|---|\n");
    for t in TABLES {
        let _ = writeln!(out, "| `{}` | {} |", t.name, t.chains.join(", "));
    }
}

fn builtin_options(out: &mut String) {
    out.push_str("\n## Rule options\n\nOptions of every rule, before any match.\n\n");
    options_table(out, BUILTIN_OPTIONS);
}

fn match_entry(out: &mut String, m: &MatchSpec) {
    let _ = writeln!(out, "### `-m {}`\n", m.name);
    let implicit = match m.implicit {
        Implicit::ByKey => "from its options".to_string(),
        Implicit::ByProtocol => "from the rule's protocol".to_string(),
        Implicit::Never => format!("only when named: `match={}`", m.name),
    };
    let _ = writeln!(out, "- Implicit: {implicit}");
    let alone = if m.bare {
        format!("yes: `match={}` (`-m {}`)", m.name, m.name)
    } else {
        "no: iptables needs an option".to_string()
    };
    let _ = writeln!(out, "- Without options: {alone}");
    common(
        out,
        &m.scope,
        m.protocols,
        m.required,
        m.exclusive,
        m.constraints,
        m.nft.is_some(),
    );
    out.push('\n');
    options_table(out, m.options);
}

fn target_entry(out: &mut String, t: &TargetSpec) {
    let _ = writeln!(out, "### `-j {}`\n", t.name);
    let _ = writeln!(out, "- DSL: `{}`", t.verb());
    if let Some(reason) = t.removed {
        let _ = writeln!(out, "- **No current kernel loads it** (refused): {reason}");
    }
    common(
        out,
        &t.scope,
        t.protocols,
        t.required,
        t.exclusive,
        t.constraints,
        t.nft.is_some(),
    );
    out.push('\n');
    if !t.options.is_empty() {
        options_table(out, t.options);
    }
}

fn common(
    out: &mut String,
    scope: &Scope,
    protocols: Option<&[&str]>,
    required: &[&[&str]],
    exclusive: &[&[&str]],
    constraints: &[Constraint],
    nft: bool,
) {
    let _ = writeln!(
        out,
        "- Where: {}",
        where_(scope.tables, scope.hooks, scope.families)
    );
    if let Some(p) = protocols {
        let _ = writeln!(out, "- Needs protocol: {}", words(p, " or "));
    }
    for group in required {
        let _ = writeln!(out, "- Needs one of: {}", options(group));
    }
    for group in exclusive {
        let _ = writeln!(out, "- At most one of: {}", options(group));
    }
    for c in constraints {
        match c {
            Constraint::Needs(option, others) => {
                let _ = writeln!(out, "- `--{option}` needs {}", options_or(others));
            }
            Constraint::Conflicts(option, others) => {
                let _ = writeln!(
                    out,
                    "- `--{option}` cannot be used with {}",
                    options_or(others)
                );
            }
            // A computed check has no text of its own; its messages say what it refuses.
            Constraint::Check(_) => {}
        }
    }
    if constraints
        .iter()
        .any(|c| matches!(c, Constraint::Check(_)))
    {
        out.push_str("- Further combinations are checked (see the error messages)\n");
    }
    let _ = writeln!(
        out,
        "- nft: {}",
        if nft {
            "yes, where exact"
        } else {
            "no exact form"
        }
    );
}

fn options_table(out: &mut String, options: &[OptionSpec]) {
    out.push_str("| option | DSL | value | `!` | notes |\n|---|---|---|---|---|\n");
    for o in options {
        let flag = match o.flag {
            Some(flag) => format!("`{flag}`"),
            None => format!("`--{}`", o.name),
        };
        let mut dsl = vec![format!("`{}`", o.name.replace('-', "_"))];
        dsl.extend(
            o.aliases
                .iter()
                .map(|a| format!("`{}`", a.replace('-', "_"))),
        );
        let mut notes = Vec::new();
        if o.hooks != Hooks::ALL {
            let direct = if o.hooks_direct_only {
                " (checked in built-in chains)"
            } else {
                ""
            };
            notes.push(format!("only in {}{direct}", o.hooks.names()));
        }
        if o.families != Families::BOTH {
            notes.push(format!("{} only", families(o.families)));
        }
        if !o.tables.is_empty() {
            notes.push(format!("only in {}", words(o.tables, ", ")));
        }
        if let Some(p) = o.protocols {
            notes.push(format!("needs protocol {}", words(p, " or ")));
        }
        if let Some(needs) = &o.value_needs_protocol {
            notes.push(format!(
                "some values need protocol {}",
                words(needs.protocols, " or ")
            ));
        }
        if let Some(hooks) = o.value_hooks {
            match o.kind {
                ValueKind::Choice(c) => {
                    for v in c {
                        let h = hooks(v);
                        if h != Hooks::ALL {
                            notes.push(format!("`{v}` only in {}", h.names()));
                        }
                    }
                }
                _ => notes.push("some values only in some chains".into()),
            }
        }
        let _ = writeln!(
            out,
            "| {flag} | {} | {} | {} | {} |",
            dsl.join(", "),
            value(o.kind),
            if o.negatable { "yes" } else { "" },
            notes.join("; ")
        );
    }
    out.push('\n');
}

/// What a value of `kind` is, with every word of a fixed list (messages shorten long lists).
fn value(kind: ValueKind) -> String {
    let text = match kind {
        ValueKind::Choice(c) => format!("one of {}", words(c, ", ")),
        ValueKind::ChoiceList(c) => format!("a comma list of {}", words(c, ", ")),
        ValueKind::FamilyChoice { v4, v6 } => {
            format!(
                "IPv4: one of {}; IPv6: one of {}",
                words(v4, ", "),
                words(v6, ", ")
            )
        }
        ValueKind::FamilyChoiceList { v4, v6 } => format!(
            "IPv4: a comma list of {}; IPv6: a comma list of {}",
            words(v4, ", "),
            words(v6, ", ")
        ),
        other => other.expected(),
    };
    // A `|` would end the table cell.
    text.replace('|', "\\|")
}

fn where_(tables: &[&str], hooks: Hooks, families_: Families) -> String {
    let tables = if tables.is_empty() {
        "every table".to_string()
    } else {
        words(tables, ", ")
    };
    let hooks = if hooks == Hooks::ALL {
        "every chain".to_string()
    } else {
        hooks.names()
    };
    format!("{tables}; {hooks}; {}", families(families_))
}

fn families(f: Families) -> &'static str {
    match f.only() {
        Some(Family::V4) => "IPv4",
        Some(Family::V6) => "IPv6",
        None => "IPv4 and IPv6",
    }
}

fn words(items: &[&str], sep: &str) -> String {
    items
        .iter()
        .map(|w| format!("`{w}`"))
        .collect::<Vec<_>>()
        .join(sep)
}

fn options(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`--{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn options_or(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`--{n}`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shipped page is the one the catalog writes.
    #[test]
    fn reference_page_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/REFERENCE.md");
        let shipped = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            shipped == markdown(),
            "{path} is out of date: run `cargo run -p pyptables-catalog --example reference > \
             pyptables-catalog/REFERENCE.md` and review the diff"
        );
    }

    /// Every entry and every option appears, so a new entry cannot be left out.
    #[test]
    fn every_entry_and_option_is_listed() {
        let page = markdown();
        for m in MATCHES {
            assert!(
                page.contains(&format!("### `-m {}`\n", m.name)),
                "{}",
                m.name
            );
            for o in m.options {
                assert!(page.contains(&format!("| `--{}` |", o.name)), "{}", o.name);
            }
        }
        for t in TARGETS {
            assert!(
                page.contains(&format!("### `-j {}`\n", t.name)),
                "{}",
                t.name
            );
            for o in t.options {
                assert!(page.contains(&format!("| `--{}` |", o.name)), "{}", o.name);
            }
        }
    }

    /// Hand-checked facts: where MASQUERADE is allowed, that `--dport` is negatable and needs
    /// `-p tcp` through its match, that SNAT's choice lists are complete.
    #[test]
    fn the_page_says_what_the_man_page_says() {
        let page = markdown();
        let masq = section(&page, "### `-j MASQUERADE`");
        assert!(
            masq.contains("- Where: `nat`; POSTROUTING; IPv4 and IPv6"),
            "{masq}"
        );
        let tcp = section(&page, "### `-m tcp`");
        assert!(tcp.contains("- Needs protocol: `tcp`"), "{tcp}");
        assert!(
            tcp.contains(
                "| `--dport` | `dport`, `destination_port` | a port or a range `low:high` | yes |"
            ),
            "{tcp}"
        );
        let conntrack = section(&page, "### `-m conntrack`");
        assert!(conntrack.contains("`UNTRACKED`"), "{conntrack}");
        let rules = section(&page, "## Rule options");
        assert!(rules.contains("| `-s` |"), "{rules}");
    }

    fn section<'a>(page: &'a str, heading: &str) -> &'a str {
        let start = page.find(heading).expect(heading);
        let rest = &page[start + heading.len()..];
        let end = rest.find("\n#").unwrap_or(rest.len());
        &rest[..end]
    }
}
