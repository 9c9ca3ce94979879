//! The shapes of catalog entries: options, matches, targets and where each is allowed.

use crate::family::{Families, Family};
use crate::hooks::Hooks;
use crate::nft::{NftForm, NftSets};
use crate::packet::{Effect, OptionEval};
use crate::rule::Arg;
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
    #[must_use]
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
    /// For options some of whose values need a protocol: which values, and the protocols
    /// (`reject-with tcp-reset`, a NAT address with a port).
    pub value_needs_protocol: Option<ValueNeeds>,
    /// Protocols the option needs (`to-ports` needs a protocol with ports).
    pub protocols: Option<&'static [&'static str]>,
    /// Families it exists in (`-f` is IPv4 only).
    pub families: Families,
    /// How it is decided for a packet offline; `None`: it cannot be (a rate, a set, …).
    pub eval: Option<OptionEval>,
    /// Whether [`hooks`](OptionSpec::hooks) restricts only rules in the built-in chains
    /// themselves: iptables refuses `-i` in OUTPUT itself, but not in a user chain reached
    /// from OUTPUT (the kernel has no such check), where it simply never matches.
    pub hooks_direct_only: bool,
    /// Its nftables form, for the built-in rule options (`-s` → `ip saddr`); match and
    /// target options are translated by their match or target's form.
    pub nft: Option<NftForm>,
    /// Tables it is allowed in, where its match or target allows more; empty means every
    /// table its owner allows (SET's `--map-set` works in mangle only).
    pub tables: &'static [&'static str],
    /// For options whose values are allowed in different hooks (policy's `--dir in` not in
    /// OUTPUT/POSTROUTING): the hooks a (valid) value is allowed in.
    pub value_hooks: Option<fn(&str) -> Hooks>,
}

impl OptionSpec {
    /// An option with no restrictions: not negatable, allowed in every chain.
    #[must_use]
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
            eval: None,
            hooks_direct_only: false,
            nft: None,
            tables: &[],
            value_hooks: None,
        }
    }

    /// The same option, each of whose values is allowed only in the hooks `hooks` gives.
    #[must_use]
    pub const fn value_hooks(mut self, hooks: fn(&str) -> Hooks) -> Self {
        self.value_hooks = Some(hooks);
        self
    }

    /// The same option, decided for a packet by `eval`.
    pub const fn eval(mut self, eval: OptionEval) -> Self {
        self.eval = Some(eval);
        self
    }

    /// The same option, with its nftables form.
    pub const fn nft(mut self, form: NftForm) -> Self {
        self.nft = Some(form);
        self
    }

    /// The same option, its [`hooks`](OptionSpec::hooks) checked only in built-in chains.
    pub const fn hooks_direct_only(mut self) -> Self {
        self.hooks_direct_only = true;
        self
    }

    /// The same option, existing only in `families`.
    #[must_use]
    pub const fn families(mut self, families: Families) -> Self {
        self.families = families;
        self
    }

    /// The same option, invertible with `!`.
    #[must_use]
    pub const fn negatable(mut self) -> Self {
        self.negatable = true;
        self
    }

    /// The same option with other accepted names.
    #[must_use]
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    /// The same option, written with `flag` instead of `--name`.
    #[must_use]
    pub const fn flag(mut self, flag: &'static str) -> Self {
        self.flag = Some(flag);
        self
    }

    /// The same option, allowed only in `tables`.
    #[must_use]
    pub const fn tables(mut self, tables: &'static [&'static str]) -> Self {
        self.tables = tables;
        self
    }

    /// The same option, allowed only in `hooks`.
    #[must_use]
    pub const fn hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// The same option, needing one of `protocols`.
    #[must_use]
    pub const fn protocols(mut self, protocols: &'static [&'static str]) -> Self {
        self.protocols = Some(protocols);
        self
    }

    /// The same option, whose values for which `applies` is true need one of `protocols`.
    #[must_use]
    pub const fn value_needs(
        mut self,
        applies: fn(&str) -> bool,
        protocols: &'static [&'static str],
    ) -> Self {
        self.value_needs_protocol = Some(ValueNeeds { applies, protocols });
        self
    }

    /// Whether `key` (with `_` or `-`) names this option.
    #[must_use]
    pub fn is_named(&self, key: &str) -> bool {
        eq_key(self.name, key) || self.aliases.iter().any(|a| eq_key(a, key))
    }
}

/// Values of an option that need the rule to have a protocol.
#[derive(Clone, Copy, Debug)]
pub struct ValueNeeds {
    /// Whether a (valid) value is one of them.
    pub applies: fn(&str) -> bool,
    /// The protocols that would do.
    pub protocols: &'static [&'static str],
}

/// A rule on how the options of one match or target combine, beyond
/// [`MatchSpec::required`] and [`MatchSpec::exclusive`].
#[derive(Clone, Copy, Debug)]
pub enum Constraint {
    /// The option needs one of the others in the same match or target
    /// (`recent --reap` needs `--seconds`).
    Needs(&'static str, &'static [&'static str]),
    /// The option cannot be used with any of the others (`recent --set` with `--seconds`).
    Conflicts(&'static str, &'static [&'static str]),
    /// A computed check of the whole set (statistic's modes, a rate and its burst).
    Check(fn(&Given<'_>) -> Result<(), Violation>),
}

/// What a [`Constraint::Check`] sees: the options given to one match or target.
#[derive(Clone, Copy, Debug)]
pub struct Given<'a> {
    /// The rule's family.
    pub family: Family,
    /// The options of this match or target: catalog option name, value, negated.
    pub options: &'a [(&'static str, Option<&'a str>, bool)],
    /// Every option of the rule (for a target that needs a match, such as TCPMSS).
    pub rule: &'a [Arg<'a>],
}

impl<'a> Given<'a> {
    /// Whether option `name` is given.
    #[must_use]
    pub fn has(&self, name: &str) -> bool {
        self.options.iter().any(|o| o.0 == name)
    }

    /// The value of option `name`, if it is given with one.
    #[must_use]
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.options.iter().find(|o| o.0 == name).and_then(|o| o.1)
    }
}

/// Why a [`Constraint::Check`] refuses a combination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The option to point at; `None` for the match or target as a whole.
    pub option: Option<&'static str>,
    /// What is wrong and what would be right.
    pub reason: String,
}

impl Violation {
    /// A violation at `option` (or the whole match or target).
    pub fn new(option: Option<&'static str>, reason: impl Into<String>) -> Self {
        Violation {
            option,
            reason: reason.into(),
        }
    }
}

/// Compares option names treating `_` and `-` alike.
#[must_use]
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
    /// Further rules on how its options combine.
    pub constraints: &'static [Constraint],
    /// Its nftables form; `None` when nft has no equivalent (see [`crate::nft`]).
    pub nft: Option<NftForm>,
    /// The named sets its nft form refers to, which the nftables engine declares in the
    /// firewall's table (`-m set`, `-m recent`); `None` for a form that needs none.
    pub nft_sets: Option<NftSets>,
    /// Whether iptables and the kernel accept it without any option (`-m socket` alone,
    /// `-p tcp -m tcp`); `false` unless the entry says [`MatchSpec::bare`]. Checked against
    /// the kernel by `tests/kernel_catalog.rs`.
    pub bare: bool,
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
    /// Further rules on how its options combine.
    pub constraints: &'static [Constraint],
    /// What it does to a packet that reaches it (for explaining a packet's fate offline).
    pub effect: Effect,
    /// Its nftables form; `None` when nft has no equivalent (see [`crate::nft`]).
    pub nft: Option<NftForm>,
    /// Why no current kernel can load it (the kernel module was removed), if so: the catalog
    /// still describes it, and validation refuses it with this reason.
    pub removed: Option<&'static str>,
}

impl MatchSpec {
    /// The same match, with `constraints` on how its options combine.
    #[must_use]
    pub const fn constrained(mut self, constraints: &'static [Constraint]) -> Self {
        self.constraints = constraints;
        self
    }

    /// The same match, with its nftables form.
    pub const fn nft(mut self, form: NftForm) -> Self {
        self.nft = Some(form);
        self
    }

    /// The same match, declaring the named sets its nftables form refers to.
    pub const fn nft_sets(mut self, sets: NftSets) -> Self {
        self.nft_sets = Some(sets);
        self
    }

    /// The same match, usable without any option (`-m NAME` alone).
    #[must_use]
    pub const fn bare(mut self) -> Self {
        self.bare = true;
        self
    }

    /// The option called `key`.
    #[must_use]
    pub fn option(&self, key: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.is_named(key))
    }
}

/// What a match given without options resolves to: the rule's
/// [`crate::rule::Arg`] for `-m NAME` alone has this empty key (see
/// [`Arg::is_bare`](crate::rule::Arg::is_bare)). It has no flag, value or evaluator, so
/// nothing writes it, translates it or decides it for a packet.
pub static BARE_MATCH: OptionSpec = OptionSpec::new("", crate::value::ValueKind::Flag);

impl TargetSpec {
    /// The same target, doing `effect` to a packet.
    pub const fn effect(mut self, effect: Effect) -> Self {
        self.effect = effect;
        self
    }

    /// The same target, with `constraints` on how its options combine.
    #[must_use]
    pub const fn constrained(mut self, constraints: &'static [Constraint]) -> Self {
        self.constraints = constraints;
        self
    }

    /// The same target, with its nftables form.
    pub const fn nft(mut self, form: NftForm) -> Self {
        self.nft = Some(form);
        self
    }

    /// The same target, which no current kernel can load, for `reason` (when and why its
    /// module was removed, and what to use instead).
    #[must_use]
    pub const fn removed(mut self, reason: &'static str) -> Self {
        self.removed = Some(reason);
        self
    }

    /// The option called `key`.
    #[must_use]
    pub fn option(&self, key: &str) -> Option<&'static OptionSpec> {
        self.options.iter().find(|o| o.is_named(key))
    }

    /// The lower-case verb the `firewall!` macro uses for it (`accept`, `masquerade`).
    #[must_use]
    pub fn verb(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}
