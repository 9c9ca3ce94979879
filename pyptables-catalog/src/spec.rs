//! The shapes of catalog entries: options, matches, targets and where each is allowed.

use crate::family::Families;
use crate::hooks::Hooks;
use crate::value::ValueKind;

/// Where a target, match or option may be used.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    /// Tables it may be used in; empty means every table.
    pub tables: &'static [&'static str],
    /// Built-in chains (hooks) it may be used in, directly or through jumps.
    pub hooks: Hooks,
    /// Families it exists in.
    pub families: Families,
}

impl Scope {
    /// Everywhere, both families.
    pub const ANYWHERE: Scope = Scope {
        tables: &[],
        hooks: Hooks::ALL,
        families: Families::BOTH,
    };

    /// Whether `table` is allowed.
    pub fn allows_table(&self, table: &str) -> bool {
        self.tables.is_empty() || self.tables.contains(&table)
    }
}

/// One option of a match or target, or of the built-in rule options (`-s`, `-p`, …).
#[derive(Debug)]
pub struct OptionSpec {
    /// The long option name without dashes: `dport`, `ctstate`, `log-prefix`.
    pub name: &'static str,
    /// Other names accepted for it (pyptables' and iptables' short names, e.g. `proto`, `p`).
    pub aliases: &'static [&'static str],
    /// The flag written to the file, when it is not `--name` (`-p`, `-s`, …).
    pub flag: Option<&'static str>,
    /// What its value may be.
    pub kind: ValueKind,
    /// Whether `!` may invert it.
    pub negatable: bool,
    /// Hooks it is allowed in (e.g. `-i` not in OUTPUT/POSTROUTING).
    pub hooks: Hooks,
    /// For options whose one value needs a protocol: `(value, protocols)` (`reject-with tcp-reset`).
    pub value_needs_protocol: Option<(&'static str, &'static [&'static str])>,
    /// Protocols the option needs (`to-ports` needs a protocol with ports).
    pub protocols: Option<&'static [&'static str]>,
    /// Families it exists in (`-f` is IPv4 only).
    pub families: Families,
}

impl OptionSpec {
    /// An option with no restrictions: not negatable, allowed in every chain.
    pub const fn new(name: &'static str, kind: ValueKind) -> Self {
        OptionSpec {
            name,
            aliases: &[],
            flag: None,
            kind,
            negatable: false,
            hooks: Hooks::ALL,
            value_needs_protocol: None,
            protocols: None,
            families: Families::BOTH,
        }
    }

    /// The same option, existing only in `families`.
    pub const fn families(mut self, families: Families) -> Self {
        self.families = families;
        self
    }

    /// The same option, invertible with `!`.
    pub const fn negatable(mut self) -> Self {
        self.negatable = true;
        self
    }

    /// The same option with other accepted names.
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    /// The same option, written with `flag` instead of `--name`.
    pub const fn flag(mut self, flag: &'static str) -> Self {
        self.flag = Some(flag);
        self
    }

    /// The same option, allowed only in `hooks`.
    pub const fn hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The same option, needing one of `protocols`.
    pub const fn protocols(mut self, protocols: &'static [&'static str]) -> Self {
        self.protocols = Some(protocols);
        self
    }

    /// The same option, whose value `value` needs one of `protocols`.
    pub const fn value_needs(
        mut self,
        value: &'static str,
        protocols: &'static [&'static str],
    ) -> Self {
        self.value_needs_protocol = Some((value, protocols));
        self
    }

    /// Whether `key` (with `_` or `-`) names this option.
    pub fn is_named(&self, key: &str) -> bool {
        eq_key(self.name, key) || self.aliases.iter().any(|a| eq_key(a, key))
    }
}

/// Compares option names treating `_` and `-` alike.
pub fn eq_key(name: &str, key: &str) -> bool {
    name.len() == key.len()
        && name
            .bytes()
            .zip(key.bytes())
            .all(|(a, b)| a == b || (a == b'-' && b == b'_') || (a == b'_' && b == b'-'))
}

/// How the options of a match are found when a rule does not name the match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Implicit {
    /// Its options are found by name alone (`ctstate` → `-m conntrack`).
    ByKey,
    /// It is the match named like the rule's protocol (`dport` with `proto=tcp` → `-m tcp`).
    ByProtocol,
    /// Only with an explicit `match=NAME` (`recent`'s `name`, `set` are too generic).
    Never,
}

/// A match module (`-m NAME`).
#[derive(Debug)]
pub struct MatchSpec {
    /// The module name after `-m`.
    pub name: &'static str,
    /// Its options.
    pub options: &'static [OptionSpec],
    /// Where it may be used.
    pub scope: Scope,
    /// Protocols the rule must have (`-p`), if any.
    pub protocols: Option<&'static [&'static str]>,
    /// How its options are found without `match=NAME`.
    pub implicit: Implicit,
    /// Groups of options of which at least one must be given.
    pub required: &'static [&'static [&'static str]],
    /// Groups of options of which at most one may be given.
    pub exclusive: &'static [&'static [&'static str]],
}

/// A target (`-j NAME`).
#[derive(Debug)]
pub struct TargetSpec {
    /// The name after `-j`: `ACCEPT`, `MASQUERADE`.
    pub name: &'static str,
    /// Its options.
    pub options: &'static [OptionSpec],
    /// Where it may be used.
    pub scope: Scope,
    /// Protocols the rule must have (`-p`), if any.
    pub protocols: Option<&'static [&'static str]>,
    /// Groups of options of which at least one must be given.
    pub required: &'static [&'static [&'static str]],
    /// Groups of options of which at most one may be given.
    pub exclusive: &'static [&'static [&'static str]],
}

impl MatchSpec {
    /// The option called `key`.
    pub fn option(&self, key: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.is_named(key))
    }
}

impl TargetSpec {
    /// The option called `key`.
    pub fn option(&self, key: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.is_named(key))
    }

    /// The lower-case verb the `firewall!` macro uses for it (`accept`, `masquerade`).
    pub fn verb(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}
