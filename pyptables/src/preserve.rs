//! Sharing tables with other software: what a table with `preserve` patterns owns, and the
//! one `iptables-restore` input that replaces only that.
//!
//! The mechanism is ferm's: save the running table, then load one full (flushing) restore of
//! it that holds the firewall's chains plus, copied line for line from the save, everything
//! the firewall does not own. The kernel swaps the whole table at once, so at no moment is a
//! foreign chain missing or a built-in chain half-built. What the firewall does not own:
//!
//! - chains matching a `preserve` pattern that the firewall does not define itself;
//! - built-in chains the firewall does not name (their policy and rules);
//! - in a built-in chain the firewall names, the rules that jump or go to a chain matching a
//!   pattern, unless the firewall's own rules of that chain jump there too (then they are its
//!   own). They stay before the firewall's rules, in their running order.
//!
//! Everything else in the table is the firewall's and is replaced.

use pyptables_catalog::preserve::any_matches;

use crate::model::Tables;

/// One rule line of a saved (or rendered) table.
#[derive(Clone, Debug)]
pub(crate) struct SavedRule<'a> {
    /// The whole line, counters included.
    pub line: &'a str,
    /// The chain it jumps or goes to (`-j X` where X is no built-in target, or `-g X`).
    pub target: Option<String>,
    /// Its 1-based line number in the text it was read from.
    pub at: usize,
}

/// One chain of a saved table.
#[derive(Clone, Debug)]
pub(crate) struct SavedChain<'a> {
    pub name: &'a str,
    /// The `:NAME POLICY [p:b]` line.
    pub decl: &'a str,
    pub builtin: bool,
    pub rules: Vec<SavedRule<'a>>,
    pub at: usize,
}

/// One `*table` … `COMMIT` block of `iptables-save` output or of rendered rules.
#[derive(Clone, Debug)]
pub(crate) struct SavedTable<'a> {
    pub name: &'a str,
    pub chains: Vec<SavedChain<'a>>,
    pub at: usize,
}

impl<'a> SavedTable<'a> {
    pub(crate) fn chain(&self, name: &str) -> Option<&SavedChain<'a>> {
        self.chains.iter().find(|c| c.name == name)
    }
}

/// The tables of `text` (iptables-save output or rendered rules); comments and unknown lines
/// are skipped.
pub(crate) fn parse(text: &str) -> Vec<SavedTable<'_>> {
    let mut tables: Vec<SavedTable<'_>> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let at = i + 1;
        let line = raw.trim_end();
        if let Some(name) = line.strip_prefix('*') {
            tables.push(SavedTable {
                name: name.trim(),
                chains: Vec::new(),
                at,
            });
            continue;
        }
        let Some(table) = tables.last_mut() else {
            continue;
        };
        if let Some(decl) = line.strip_prefix(':') {
            let mut words = decl.split_whitespace();
            let (Some(name), Some(policy)) = (words.next(), words.next()) else {
                continue;
            };
            table.chains.push(SavedChain {
                name,
                decl: line,
                builtin: policy != "-",
                rules: Vec::new(),
                at,
            });
            continue;
        }
        // `[p:b] -A CHAIN …` or `-A CHAIN …`
        let body = match line.strip_prefix('[') {
            Some(rest) => rest.split_once("] ").map_or("", |(_, r)| r),
            None => line,
        };
        let Some(rest) = body.strip_prefix("-A ") else {
            continue;
        };
        let chain_name = rest.split_whitespace().next().unwrap_or_default();
        let target = jump_target(rest);
        if let Some(chain) = table.chains.iter_mut().find(|c| c.name == chain_name) {
            chain.rules.push(SavedRule { line, target, at });
        }
    }
    tables
}

/// The words of a rule line as `iptables-restore` splits them (only `"` quotes; `\` inside
/// quotes takes the next character).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let (mut quoted, mut escaped) = (false, false);
    for c in line.chars() {
        if quoted {
            if escaped {
                word.push(c);
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                quoted = false;
            } else {
                word.push(c);
            }
        } else if c == '"' {
            quoted = true;
            started = true;
        } else if c.is_whitespace() {
            if started {
                out.push(std::mem::take(&mut word));
                started = false;
            }
        } else {
            word.push(c);
            started = true;
        }
    }
    if started {
        out.push(word);
    }
    out
}

/// The user chain a rule jumps or goes to.
fn jump_target(rule: &str) -> Option<String> {
    let words = words(rule);
    words.windows(2).find_map(|w| match w[0].as_str() {
        "-j" | "--jump" if pyptables_catalog::targets::find(&w[1]).is_none() => Some(w[1].clone()),
        "-g" | "--goto" => Some(w[1].clone()),
        _ => None,
    })
}

/// What decides ownership in one table: its `preserve` patterns, and the chains treated as
/// owned although a pattern matches them.
pub(crate) struct Scope<'p> {
    pub patterns: Vec<&'p str>,
    /// Chains owned besides those the desired table declares (a rollback removes the chains
    /// the new rules created).
    pub also_owned: Vec<&'p str>,
}

impl Scope<'_> {
    fn matches(&self, chain: &str) -> bool {
        any_matches(self.patterns.iter().copied(), chain)
    }

    /// Whether a running chain belongs to other software, given the desired table.
    fn foreign(&self, chain: &str, desired: &SavedTable<'_>) -> bool {
        self.matches(chain) && desired.chain(chain).is_none() && !self.also_owned.contains(&chain)
    }

    /// Whether `rule` of the desired table's built-in chain `chain` is another program's
    /// (a jump to a chain a pattern matches that the desired chain does not jump to itself).
    fn foreign_rule(&self, rule: &SavedRule<'_>, desired_chain: &SavedChain<'_>) -> bool {
        rule.target.as_deref().is_some_and(|t| {
            self.matches(t)
                && !desired_chain
                    .rules
                    .iter()
                    .any(|r| r.target.as_deref() == Some(t))
        })
    }
}

/// `iptables-restore` input for one table, with for each line the line of the desired text it
/// came from (`None`: copied from the running table).
#[derive(Default)]
pub(crate) struct Merged {
    pub text: String,
    pub from: Vec<Option<usize>>,
}

impl Merged {
    fn push(&mut self, line: &str, from: Option<usize>) {
        self.text.push_str(line);
        self.text.push('\n');
        self.from.push(from);
    }
}

/// Appends to `out` the one full restore of a table that sets the desired table's chains and
/// keeps, from `running` (the running table, if it exists), what the desired table does not
/// own (see the module documentation). A chain a pattern matches that desired rules jump to
/// but that does not run is declared empty, so the jump loads.
pub(crate) fn merge(
    desired: &SavedTable<'_>,
    running: Option<&SavedTable<'_>>,
    scope: &Scope<'_>,
    out: &mut Merged,
) {
    out.push(&format!("*{}", desired.name), Some(desired.at));
    let running_chains = running.map_or(&[][..], |r| r.chains.as_slice());
    // Kept whole: built-in chains the desired table does not name, foreign chains, and — so
    // that what is kept still loads — running user chains that kept rules jump to (a chain
    // an earlier firewall left behind that a built-in chain kept as it runs still uses).
    let mut kept: Vec<&str> = running_chains
        .iter()
        .filter(|c| {
            if c.builtin {
                desired.chain(c.name).is_none()
            } else {
                scope.foreign(c.name, desired)
            }
        })
        .map(|c| c.name)
        .collect();
    let kept_jumps = |kept: &[&str]| -> Vec<String> {
        let mut targets = Vec::new();
        for chain in running_chains {
            let whole = kept.contains(&chain.name);
            let named = desired.chain(chain.name).filter(|_| chain.builtin);
            for rule in &chain.rules {
                let keep = whole || named.is_some_and(|d| scope.foreign_rule(rule, d));
                if let (true, Some(t)) = (keep, &rule.target) {
                    targets.push(t.clone());
                }
            }
        }
        targets
    };
    loop {
        let more: Vec<&str> = kept_jumps(&kept)
            .iter()
            .filter_map(|t| {
                running_chains
                    .iter()
                    .find(|c| c.name == t && !c.builtin && desired.chain(c.name).is_none())
                    .map(|c| c.name)
            })
            .filter(|name| !kept.contains(name))
            .collect();
        if more.is_empty() {
            break;
        }
        for name in more {
            if !kept.contains(&name) {
                kept.push(name);
            }
        }
    }
    let kept_whole = |c: &&SavedChain<'_>| kept.contains(&c.name);
    for chain in &desired.chains {
        out.push(chain.decl, Some(chain.at));
    }
    for chain in running_chains.iter().filter(kept_whole) {
        out.push(chain.decl, None);
    }
    let mut missing: Vec<&str> = Vec::new();
    for chain in &desired.chains {
        for rule in &chain.rules {
            if let Some(t) = rule.target.as_deref() {
                if scope.foreign(t, desired)
                    && !running_chains.iter().any(|c| c.name == t)
                    && !missing.contains(&t)
                {
                    missing.push(t);
                }
            }
        }
    }
    for name in missing {
        out.push(&format!(":{name} - [0:0]"), None);
    }
    for chain in &desired.chains {
        if chain.builtin {
            if let Some(running) = running_chains.iter().find(|c| c.name == chain.name) {
                for rule in running
                    .rules
                    .iter()
                    .filter(|r| scope.foreign_rule(r, chain))
                {
                    out.push(rule.line, None);
                }
            }
        }
        for rule in &chain.rules {
            out.push(rule.line, Some(rule.at));
        }
    }
    for chain in running_chains.iter().filter(kept_whole) {
        for rule in &chain.rules {
            out.push(rule.line, None);
        }
    }
    // A refusal the legacy backend reports at COMMIT is the table's.
    out.push("COMMIT", Some(desired.at));
}

/// Only what `desired` owns of a saved table (see the module documentation), as
/// `iptables-restore` input: for comparing the running rules with the desired ones, and for
/// putting back the firewall's previous rules without undoing other software's changes.
pub(crate) fn owned_part(
    saved: &SavedTable<'_>,
    desired: &SavedTable<'_>,
    scope: &Scope<'_>,
) -> String {
    let mut out = String::new();
    out.push_str(&format!("*{}\n", saved.name));
    let owned = |c: &&SavedChain<'_>| {
        if c.builtin {
            desired.chain(c.name).is_some()
        } else {
            !scope.foreign(c.name, desired)
        }
    };
    for chain in saved.chains.iter().filter(owned) {
        out.push_str(chain.decl);
        out.push('\n');
    }
    for chain in saved.chains.iter().filter(owned) {
        let desired_chain = desired.chain(chain.name).filter(|_| chain.builtin);
        for rule in &chain.rules {
            if desired_chain.is_some_and(|d| scope.foreign_rule(rule, d)) {
                continue;
            }
            out.push_str(rule.line);
            out.push('\n');
        }
    }
    out.push_str("COMMIT\n");
    out
}

/// The plain rendering of `tables`, for [`parse`].
pub(crate) fn desired_text(tables: &Tables) -> String {
    tables.to_iptables_plain()
}

/// The scope of the table `name` of `tables`, if it preserves anything.
pub(crate) fn scope_of<'t>(tables: &'t Tables, name: &str) -> Option<Scope<'t>> {
    let table = tables.table(name)?;
    if table.preserved().is_empty() {
        return None;
    }
    Some(Scope {
        patterns: table.preserved().iter().map(String::as_str).collect(),
        also_owned: Vec::new(),
    })
}

/// The running chains of `saved` that belong to well-known other software
/// ([`pyptables_catalog::preserve::FOREIGN_OWNERS`]).
pub(crate) fn well_known_foreign<'a>(saved: &SavedTable<'a>) -> Vec<&'a str> {
    saved
        .chains
        .iter()
        .filter(|c| !c.builtin && pyptables_catalog::preserve::foreign_owner(c.name).is_some())
        .map(|c| c.name)
        .collect()
}

/// The `*table` … `COMMIT` blocks of `text` with their table names, in order; lines outside
/// a block (comments) are left out.
fn blocks(text: &str) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            out.push((name.trim(), String::new()));
            open = true;
        }
        if open {
            if let Some((_, block)) = out.last_mut() {
                block.push_str(line);
                block.push('\n');
            }
            if line.trim_end() == "COMMIT" {
                open = false;
            }
        }
    }
    out
}

/// `saved` (iptables-save output) with each table `tables` preserves in reduced to what it
/// owns; other tables as they are. For `diff`: other software's chains and jumps are no
/// difference.
pub(crate) fn owned_rules(saved: &str, tables: &Tables) -> String {
    let desired_text = desired_text(tables);
    let desired = parse(&desired_text);
    let mut out = String::new();
    for (name, block) in blocks(saved) {
        match (
            scope_of(tables, name),
            desired.iter().find(|d| d.name == name),
        ) {
            (Some(scope), Some(d)) => {
                if let Some(r) = parse(&block).first() {
                    out.push_str(&owned_part(r, d, &scope));
                }
            }
            _ => out.push_str(&block),
        }
    }
    out
}

/// What puts the firewall's previous rules back: `saved` (the running tables before the new
/// rules, as iptables-save printed them) for tables without `preserve`; for the others, the
/// firewall's part of `saved` merged with what other software has now in `current` (a fresh
/// save), so that a rollback does not undo their changes made meanwhile.
pub(crate) fn rollback_input(saved: &str, current: &str, tables: &Tables) -> String {
    let desired_text = desired_text(tables);
    let desired = parse(&desired_text);
    let current = parse(current);
    let mut out = Merged::default();
    for (name, block) in blocks(saved) {
        let (Some(mut scope), Some(d)) = (
            scope_of(tables, name),
            desired.iter().find(|d| d.name == name),
        ) else {
            out.text.push_str(&block);
            continue;
        };
        let Some(before) = parse(&block).into_iter().next() else {
            continue;
        };
        let previous = owned_part(&before, d, &scope);
        let previous = parse(&previous);
        // Chains the new rules created are the firewall's even where a pattern matches them.
        scope.also_owned = d
            .chains
            .iter()
            .filter(|c| !c.builtin)
            .map(|c| c.name)
            .collect();
        if let Some(p) = previous.first() {
            merge(p, current.iter().find(|c| c.name == name), &scope, &mut out);
        }
    }
    out.text
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNNING: &str = "*filter
:INPUT ACCEPT [10:20]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
:f2b-sshd - [0:0]
:old - [0:0]
[1:2] -A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A INPUT -s 192.0.2.9/32 -m comment --comment \"-j f2b-x\" -j DROP
-A INPUT -j old
-A FORWARD -j DOCKER-USER
-A DOCKER -d 172.17.0.2/32 -j ACCEPT
-A DOCKER-USER -j RETURN
-A f2b-sshd -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
-A old -j ACCEPT
COMMIT
";

    const DESIRED: &str = "*filter
:INPUT DROP [0:0]
:DOCKER-USER - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -j DOCKER
-A DOCKER-USER -s 192.0.2.0/24 -j RETURN
-A DOCKER-USER -j DROP
COMMIT
";

    fn scope() -> Scope<'static> {
        Scope {
            patterns: vec!["DOCKER*", "f2b-*"],
            also_owned: Vec::new(),
        }
    }

    #[test]
    fn targets_are_found_outside_quotes_only() {
        let t = parse(RUNNING);
        let input = &t[0].chains[0];
        assert_eq!(input.rules[0].target.as_deref(), Some("f2b-sshd"));
        assert_eq!(input.rules[1].target, None);
        assert_eq!(input.rules[2].target.as_deref(), Some("old"));
    }

    #[test]
    fn merge_keeps_foreign_chains_jumps_and_unnamed_builtins() {
        let (d, r) = (parse(DESIRED), parse(RUNNING));
        let mut out = Merged::default();
        merge(&d[0], Some(&r[0]), &scope(), &mut out);
        assert_eq!(
            out.text,
            "*filter
:INPUT DROP [0:0]
:DOCKER-USER - [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:f2b-sshd - [0:0]
[1:2] -A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A INPUT -i lo -j ACCEPT
-A INPUT -j DOCKER
-A DOCKER-USER -s 192.0.2.0/24 -j RETURN
-A DOCKER-USER -j DROP
-A FORWARD -j DOCKER-USER
-A DOCKER -d 172.17.0.2/32 -j ACCEPT
-A f2b-sshd -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
COMMIT
"
        );
        // The desired lines keep their numbers, for error messages.
        assert_eq!(out.from[8], Some(4));
        assert_eq!(out.from[7], None);
    }

    #[test]
    fn owned_part_leaves_out_what_merge_keeps() {
        let (d, r) = (parse(DESIRED), parse(RUNNING));
        assert_eq!(
            owned_part(&r[0], &d[0], &scope()),
            "*filter
:INPUT ACCEPT [10:20]
:DOCKER-USER - [0:0]
:old - [0:0]
-A INPUT -s 192.0.2.9/32 -m comment --comment \"-j f2b-x\" -j DROP
-A INPUT -j old
-A DOCKER-USER -j RETURN
-A old -j ACCEPT
COMMIT
"
        );
    }

    #[test]
    fn a_chain_a_kept_rule_jumps_to_is_kept() {
        // FORWARD is not named, so it is kept as it runs — with its jump to `fwd_guard`, which
        // an earlier firewall defined and this one does not.
        let running = "*filter\n:FORWARD ACCEPT [0:0]\n:fwd_guard - [0:0]\n:unused - [0:0]\n\
                       -A FORWARD -j fwd_guard\n-A fwd_guard -j DROP\nCOMMIT\n";
        let (d, r) = (parse(DESIRED), parse(running));
        let mut out = Merged::default();
        merge(&d[0], Some(&r[0]), &scope(), &mut out);
        assert!(out.text.contains(":fwd_guard - [0:0]\n"), "{}", out.text);
        assert!(out.text.contains("-A fwd_guard -j DROP\n"), "{}", out.text);
        assert!(!out.text.contains("unused"), "{}", out.text);
    }

    #[test]
    fn a_jump_to_a_missing_preserved_chain_declares_it_empty() {
        let d = parse(DESIRED);
        let mut out = Merged::default();
        merge(&d[0], None, &scope(), &mut out);
        assert!(out.text.contains("\n:DOCKER - [0:0]\n"), "{}", out.text);
    }

    #[test]
    fn the_annotated_text_says_what_is_kept() {
        let mut tables = Tables::new(pyptables_catalog::Family::V4);
        tables
            .add(crate::Table::new("filter"))
            .preserve(["DOCKER*", "f2b-*"]);
        assert!(tables.to_iptables().contains(
            "# Kept as they run: chains DOCKER*, f2b-*, the jumps to them, and the built-in \
             chains not listed here\n*filter\n"
        ));
        assert_eq!(tables.to_iptables_plain(), "*filter\nCOMMIT\n");
    }
}
