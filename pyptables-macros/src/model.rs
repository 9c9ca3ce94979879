//! The checked model: what the check stage ([`crate::check`]) hands to the expansion
//! ([`crate::expand`]).
//!
//! Tables are merged per family (a table written in several sections is one table), chains are
//! merged per table, and every rule is lowered: the options of the blocks around it come first,
//! `match=` is resolved into the module of the options after it, target options are told apart
//! from match options, and lists become alternatives (one rule each) or one joined value.
//! Spans are kept so the check stage can point at tokens; the expansion ignores them.

use std::rc::Rc;

use proc_macro2::Span;
use pyptables_catalog::TargetKind;

use crate::ast::SpanRange;

/// Everything the expansion needs.
pub struct Model {
    /// Every `{expr}` value, in source order; each is evaluated once.
    pub dynamics: Vec<Dynamic>,
    /// The IPv4 tables, then the IPv6 tables.
    pub families: [Vec<Table>; 2],
    /// The declared zones.
    pub zones: Vec<Zone>,
    /// The declared host groups.
    pub hosts: Vec<Hosts>,
}

/// A zone of `zones { … }`, checked.
pub struct Zone {
    /// Its name.
    pub name: String,
    /// The interface.
    pub interface: String,
    /// The bridge port.
    pub port: Option<String>,
}

/// A host group of `hosts { … }`, checked.
pub struct Hosts {
    /// Its name.
    pub name: String,
    /// What it holds.
    pub value: HostsValue,
}

/// The addresses of a host group.
pub enum HostsValue {
    /// Entries (addresses, networks, ranges), each valid, with its family.
    List(Vec<(String, pyptables_catalog::Family)>),
    /// An ipset's name.
    Set(String),
}

/// A zone rule (`accept from=lan to=dmz tcp=443;`), expanded at run time by
/// `pyptables::zones`.
pub struct ZoneRule {
    /// In `INPUT` (an input rule) rather than `FORWARD` or a user chain (a forwarding rule).
    pub input: bool,
    /// The verdict; `None` for a rule that only logs.
    pub verdict: Option<Target>,
    /// `from=` locations.
    pub from: Vec<Place>,
    /// `to=` locations.
    pub to: Vec<Place>,
    /// The channels, in order.
    pub channels: Vec<Channel>,
    /// `ctstate=`: connection states every channel matches (canonical names).
    pub states: Vec<String>,
    /// `log=` prefix.
    pub log: Option<String>,
    /// `comment=`.
    pub comment: Option<String>,
}

/// A location named in a zone rule: indices into [`Model::zones`] and [`Model::hosts`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Place {
    /// The zone, if any.
    pub zone: Option<usize>,
    /// The host group, if any.
    pub hosts: Option<usize>,
}

/// A channel of a zone rule.
pub enum Channel {
    /// `tcp=…`: destination ports (`(low, high)`), none for any.
    Tcp(Vec<(u16, u16)>),
    /// `udp=…`.
    Udp(Vec<(u16, u16)>),
    /// `icmp=TYPE` or `icmp=any` (`None`).
    Icmp(Option<String>),
}

/// A table of one family, merged from every block that names it.
pub struct Table {
    /// `filter`, `nat`, …
    pub name: String,
    /// Line of the first block that names it.
    pub line: usize,
    /// Chains in order of first appearance.
    pub chains: Vec<Chain>,
    /// `preserve` patterns, from every block of the table that applies to this family.
    pub preserve: Vec<String>,
}

/// A chain, merged from every definition of it in its table's blocks.
pub struct Chain {
    /// The name.
    pub name: String,
    /// Built-in (`INPUT`) rather than user-defined (`chain NAME`).
    pub builtin: bool,
    /// `ACCEPT` or `DROP`, if written.
    pub policy: Option<String>,
    /// A user chain's comment.
    pub comment: Option<String>,
    /// Line of its first definition.
    pub line: usize,
    /// The rules, in source order (a rule of an `inet` section is shared by both families).
    pub rules: Vec<Rc<Rule>>,
}

/// One rule as written, lowered; it may expand into several rules.
pub struct Rule {
    /// Line of its first token.
    pub line: usize,
    /// 1-based column of its first token.
    pub column: usize,
    /// From its first token to its `;`.
    pub span: SpanRange,
    /// What it holds.
    pub body: Body,
}

/// The content of a rule.
pub enum Body {
    /// `raw "…"`.
    Raw {
        /// The text.
        text: String,
        /// The string literal.
        span: SpanRange,
        /// The user chain it jumps to (`-j NAME`/`-g NAME` of a non-target), and whether by goto.
        jump: Option<(String, bool)>,
        /// `raw unchecked "…"`: what the catalog does not know is left to the kernel.
        unchecked: bool,
    },
    /// A zone rule.
    Zone(ZoneRule),
    /// Options and a target.
    Options {
        /// Match and target options in source order (the blocks' options first).
        slots: Vec<Slot>,
        /// The target, if the rule has one.
        target: Option<Target>,
        /// Whether the protocol is a run-time value (protocol checks are left to run time).
        dyn_protocol: bool,
    },
}

impl Rule {
    /// Whether the rule has no run-time values.
    pub fn is_static(&self) -> bool {
        match &self.body {
            Body::Raw { .. } => true,
            Body::Zone(_) => false,
            Body::Options { slots, .. } => slots
                .iter()
                .all(|s| !matches!(s.value, SlotValue::Dynamic { .. })),
        }
    }
}

/// A rule's target.
pub struct Target {
    /// The catalog target (`ACCEPT`) or the user chain.
    pub name: String,
    /// Target, jump or goto.
    pub kind: TargetKind,
    /// The verb, or the chain name of `jump`/`goto`.
    pub span: SpanRange,
}

/// One option of a rule.
pub struct Slot {
    /// The key as written (`in_interface`, `proto`).
    pub key: String,
    /// The explicit match module (`match=recent`).
    pub module: Option<String>,
    /// Written with `!`.
    pub negated: bool,
    /// An option of the target rather than of a match.
    pub of_target: bool,
    /// The key's tokens.
    pub key_span: SpanRange,
    /// The `!`, if negated.
    pub bang: Option<Span>,
    /// The value.
    pub value: SlotValue,
}

impl Slot {
    /// How many rules this option's values give: one each for a list of values written in the
    /// source, else one.
    pub fn alternatives(&self) -> usize {
        match &self.value {
            SlotValue::Static(alts) => alts.len(),
            SlotValue::Flag | SlotValue::Dynamic { .. } => 1,
        }
    }
}

/// Combination `n` of lists of `counts` elements: the index chosen in each list, the first
/// list outermost (mixed radix), so that `0..product` visits every combination in source
/// order.
pub fn combination(mut n: usize, counts: &[usize], choice: &mut [usize]) {
    for (i, count) in counts.iter().enumerate().rev() {
        choice[i] = n % count;
        n /= count;
    }
}

/// The value(s) of an option.
pub enum SlotValue {
    /// A flag.
    Flag,
    /// One or more values written in the source; several give one rule each.
    Static(Vec<Alt>),
    /// A run-time value: index into [`Model::dynamics`].
    Dynamic {
        /// The index.
        index: usize,
        /// The `{ … }`.
        span: SpanRange,
    },
}

/// One value written in the source (or several joined, for options that take lists).
pub struct Alt {
    /// The key for this value (a port list becomes `dports`).
    pub key: String,
    /// The text as written (list elements joined by `,`).
    pub text: String,
    /// The canonical text to render (service names → port numbers), or `text`.
    pub canon: String,
    /// The elements it was made of, with their spans.
    pub elems: Vec<(String, SpanRange)>,
    /// The `[ … ]` it came from, if any.
    pub list: Option<Span>,
}

/// A run-time `{expr}` value.
pub struct Dynamic {
    /// The expression.
    pub expr: syn::Expr,
    /// The `{ … }` it was written in.
    pub span: Span,
    /// The option's key.
    pub key: String,
    /// How its values become options.
    pub mode: Mode,
    /// Written with `!=`.
    pub negated: bool,
}

/// How several values of one option become options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One rule per value.
    Each,
    /// One option, values joined by commas.
    Join,
    /// Ports: one value keeps `single`; several become `multi` in chunks of ≤ 15 slots.
    Ports {
        /// The key for one port (`dport`).
        single: String,
        /// The multiport key (`dports`).
        multi: String,
    },
}
