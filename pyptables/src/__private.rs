//! Support for code the `firewall!` macro generates. Not a public API: it may change in any
//! release.
//!
//! The macro turns rules whose values are all written in the source into static data
//! ([`StaticRule`]) that [`push_static`] turns into the model, so a big firewall costs the
//! compiler one constant per chain rather than a builder chain per rule. Rules with `{expr}`
//! values are built at run time with [`dynamic_rule`]; each `{expr}` is turned into its
//! values once by [`wrap`] (which picks how to read its type) and [`slot`]. Zone rules are
//! expanded by [`crate::zones`] from the declarations the macro checked ([`zone`], [`hosts`],
//! [`push_zone`]).

use crate::value::Text;
use pyptables_catalog::limits::multiport_chunks;
use std::borrow::Cow;
use std::fmt::Display;
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use pyptables_catalog::{Family, TargetKind};

use crate::model::rule::{Arg, Rule, Target};
use crate::model::{Chain, ChainKind, Policy, Table, Tables};
use crate::origin::Origin;
use crate::value::{
    AddressRange, CtState, Interface, IntoValue, IpNet, Ipv4Net, Ipv6Net, MarkValue, PortRange,
    Protocol, Rate, Value,
};
use crate::Firewall;

/// One option, as static data.
#[derive(Debug)]
pub struct StaticArg {
    /// Explicit match module.
    pub module: Option<&'static str>,
    /// Option name.
    pub key: &'static str,
    /// Inverted.
    pub negated: bool,
    /// Value, `None` for a flag.
    pub value: Option<&'static str>,
}

/// A target, as static data.
#[derive(Debug)]
pub struct StaticTarget {
    /// Target or chain name.
    pub name: &'static str,
    /// Builtin, jump or goto.
    pub kind: TargetKind,
    /// Target options.
    pub args: &'static [StaticArg],
}

/// A rule with no run-time values, as static data.
#[derive(Debug)]
pub struct StaticRule {
    /// Line in the macro's source file.
    pub line: u32,
    /// Column (1-based).
    pub column: u32,
    /// Options.
    pub args: &'static [StaticArg],
    /// Target.
    pub target: Option<StaticTarget>,
    /// Raw text, for a `raw "…"` rule.
    pub raw: Option<&'static str>,
    /// Whether the raw rule is `raw unchecked "…"`.
    pub unchecked: bool,
}

// Constructors for the static data, short so that the expansion of a big firewall stays small
// (the compiler's time grows with the tokens it reads); `const` so they run at compile time.

/// `key=value`.
pub const fn sa(key: &'static str, value: &'static str) -> StaticArg {
    StaticArg {
        module: None,
        key,
        negated: false,
        value: Some(value),
    }
}

/// A flag.
pub const fn sf(key: &'static str) -> StaticArg {
    StaticArg {
        module: None,
        key,
        negated: false,
        value: None,
    }
}

/// Any option: explicit module, negation, flag.
pub const fn sx(
    module: Option<&'static str>,
    key: &'static str,
    negated: bool,
    value: Option<&'static str>,
) -> StaticArg {
    StaticArg {
        module,
        key,
        negated,
        value,
    }
}

/// A rule without a target.
pub const fn sr(line: u32, column: u32, args: &'static [StaticArg]) -> StaticRule {
    StaticRule {
        line,
        column,
        args,
        target: None,
        raw: None,
        unchecked: false,
    }
}

/// A rule with a catalog target and its options.
pub const fn st(
    line: u32,
    column: u32,
    args: &'static [StaticArg],
    name: &'static str,
    target_args: &'static [StaticArg],
) -> StaticRule {
    StaticRule {
        line,
        column,
        args,
        target: Some(StaticTarget {
            name,
            kind: TargetKind::Builtin,
            args: target_args,
        }),
        raw: None,
        unchecked: false,
    }
}

/// A rule jumping (`goto` false) or going (`goto` true) to a user chain.
pub const fn sj(
    line: u32,
    column: u32,
    args: &'static [StaticArg],
    chain: &'static str,
    goto: bool,
) -> StaticRule {
    StaticRule {
        line,
        column,
        args,
        target: Some(StaticTarget {
            name: chain,
            kind: if goto {
                TargetKind::Goto
            } else {
                TargetKind::Jump
            },
            args: &[],
        }),
        raw: None,
        unchecked: false,
    }
}

/// A `raw "…"` rule.
pub const fn sw(line: u32, column: u32, text: &'static str) -> StaticRule {
    StaticRule {
        line,
        column,
        args: &[],
        target: None,
        raw: Some(text),
        unchecked: false,
    }
}

/// A `raw unchecked "…"` rule.
pub const fn su(line: u32, column: u32, text: &'static str) -> StaticRule {
    StaticRule {
        line,
        column,
        args: &[],
        target: None,
        raw: Some(text),
        unchecked: true,
    }
}

fn static_arg(a: &StaticArg) -> Arg {
    Arg {
        module: a.module.map(Text::const_new),
        key: Text::const_new(a.key),
        negated: a.negated,
        value: a.value.map(Text::const_new),
    }
}

/// Turns static rule data into a rule written at `file`.
pub fn rule(file: &'static str, r: &StaticRule) -> Rule {
    let origin = Origin::new(file, r.line, r.column);
    if let Some(raw) = r.raw {
        if r.unchecked {
            return Rule::raw_unchecked(raw).at(origin);
        }
        return Rule::raw(raw).at(origin);
    }
    let target = r.target.as_ref().map(|t| {
        Target::from_parts(
            Text::const_new(t.name),
            t.kind,
            t.args.iter().map(static_arg).collect(),
        )
    });
    Rule::from_parts(r.args.iter().map(static_arg).collect(), target, origin)
}

/// Appends static rules to a chain.
pub fn push_static(chain: &mut Chain, file: &'static str, rules: &'static [StaticRule]) {
    chain.reserve(rules.len());
    chain.extend(rules.iter().map(|r| rule(file, r)));
}

/// An option whose parts are all written in the source (in a rule that also has run-time
/// values).
pub fn arg(
    module: Option<&'static str>,
    key: &'static str,
    negated: bool,
    value: Option<&'static str>,
) -> Option<Arg> {
    Some(Arg {
        module: module.map(Text::const_new),
        key: Text::const_new(key),
        negated,
        value: value.map(Text::const_new),
    })
}

/// An option whose value is computed at run time. `negated` (written `key!=`) combines with a
/// value's own negation ([`not`](crate::value::not)). No value (from an empty negated list,
/// see [`slot`]) leaves the option out.
pub fn dynamic_arg(
    module: Option<&'static str>,
    key: &'static str,
    negated: bool,
    value: &Option<Value>,
) -> Option<Arg> {
    let mut a = Arg::new(key, value.clone()?);
    a.module = module.map(Text::const_new);
    a.negated ^= negated;
    Some(a)
}

/// A rule built at run time from its options and target.
pub fn dynamic_rule<A, T>(
    file: &'static str,
    line: u32,
    column: u32,
    args: A,
    target: Option<(&'static str, TargetKind)>,
    target_args: T,
) -> Rule
where
    A: IntoIterator<Item = Option<Arg>>,
    T: IntoIterator<Item = Option<Arg>>,
{
    let target = target.map(|(name, kind)| {
        Target::from_parts(
            Text::const_new(name),
            kind,
            target_args.into_iter().flatten().collect(),
        )
    });
    Rule::from_parts(
        args.into_iter().flatten().collect(),
        target,
        Origin::new(file, line, column),
    )
}

/// Appends one rule to a chain.
pub fn push(chain: &mut Chain, rule: Rule) {
    chain.extend(std::iter::once(rule));
}

/// Whether a rule whose lists have `counts` alternatives each may be expanded: at most
/// [`MAX_EXPANSION`](pyptables_catalog::limits::MAX_EXPANSION) rules, the limit the macro
/// applies at compile time. If not, a rule that validation reports (and that iptables would
/// refuse) is pushed in their place.
pub fn expansion(
    chain: &mut Chain,
    file: &'static str,
    line: u32,
    column: u32,
    counts: &[usize],
) -> bool {
    let max = pyptables_catalog::limits::MAX_EXPANSION;
    let total = counts.iter().try_fold(1usize, |n, c| n.checked_mul(*c));
    if total.is_some_and(|t| t <= max) {
        return true;
    }
    let problem = pyptables_catalog::Problem::TooManyRules {
        count: total.map_or_else(|| "too many".to_string(), |t| t.to_string()),
        max,
    };
    push(
        chain,
        Rule::invalid(problem, Origin::new(file, line, column)),
    );
    false
}

// ---------------------------------------------------------------------------------------------
// `{expr}` values

/// How the values of one `{expr}` become options.
#[derive(Clone, Copy, Debug)]
pub enum ListMode {
    /// One rule per value.
    Each,
    /// One option with the values joined by commas (`ctstate`, `weekdays`, …).
    Join,
    /// Ports: one value stays `single` (`dport`); several become `multi` (`dports`, with
    /// `-m multiport`) in chunks of at most 15 slots (a range takes two), one rule per chunk.
    Ports {
        /// The key for one port.
        single: &'static str,
        /// The multiport key.
        multi: &'static str,
    },
}

/// The options one `{expr}` gives: `(key, value)` alternatives, one rule each.
///
/// An empty list gives no rule ("in the empty set" matches nothing), except negated
/// (`key!={expr}`): "not in the empty set" is every packet, so the rule stays and the option is
/// left out (value `None`). Leaving the rule out instead would remove a `drop` when the list of
/// what it spares is empty.
///
/// Negation, whether written `key!=` or carried by the values ([`not`](crate::value::not)),
/// cannot be split into rules without changing its meaning (each rule would match what the
/// others exclude), so negated values are joined into one option ("none of these") and
/// [`Tables::validate`](crate::Tables::validate)
/// reports the options that cannot say that (several addresses, a mix of negated and plain
/// values, more ports than one multiport match takes).
pub fn slot(
    values: Vec<Value>,
    key: &'static str,
    mode: ListMode,
    negated: bool,
) -> Vec<(&'static str, Option<Value>)> {
    if values.is_empty() {
        return if negated {
            vec![(key, None)]
        } else {
            Vec::new()
        };
    }
    let any_negated = negated || values.iter().any(|v| v.negated);
    let joined = |values: &[Value]| Some(crate::value::join_values(values));
    match mode {
        ListMode::Each if any_negated && values.len() > 1 => vec![(key, joined(&values))],
        ListMode::Each => values.into_iter().map(|v| (key, Some(v))).collect(),
        ListMode::Join => vec![(key, joined(&values))],
        ListMode::Ports { single, .. } if values.len() == 1 => {
            values.into_iter().map(|v| (single, Some(v))).collect()
        }
        ListMode::Ports { multi, .. } if any_negated => vec![(multi, joined(&values))],
        ListMode::Ports { multi, .. } => {
            // A range (`a:b`, as port values are written) takes two slots.
            let chunks = multiport_chunks(values, |v| 1 + usize::from(v.text.contains(':')));
            chunks.iter().map(|c| (multi, joined(c))).collect()
        }
    }
}

/// Carries the type of an `{expr}` value so method resolution can pick how to read it. The
/// generated code calls `(&&&wrap(&value)).__pyptables_kind().values(value)`; the receiver
/// shapes make the choices in this order: a `&str` of any lifetime ([`StrKind`]), an iterable
/// giving one value per item ([`IterKind`]), one [`IntoValue`] ([`ScalarKind`]), and anything
/// else, which must be [`Display`] ([`DisplayKind`]).
pub struct Wrap<T>(PhantomData<T>);

/// A [`Wrap`] of the type of `value`.
pub fn wrap<T>(_value: &T) -> Wrap<T> {
    Wrap(PhantomData)
}

/// How to read a `&str` `{expr}`.
pub struct StrTag;
/// How to read an iterable `{expr}`.
pub struct IterTag;
/// How to read an `{expr}` that is one [`IntoValue`].
pub struct ScalarTag;
/// How to read an `{expr}` that is one [`Display`] value.
pub struct DisplayTag;

/// First choice: a `&str` that need not be `'static` (`{name.as_str()}`).
pub trait StrKind {
    /// The tag.
    fn __pyptables_kind(&self) -> StrTag {
        StrTag
    }
}
impl StrKind for &&Wrap<&str> {}

/// Second choice: an iterable of values.
pub trait IterKind {
    /// The tag.
    fn __pyptables_kind(&self) -> IterTag {
        IterTag
    }
}
impl<I> IterKind for &&&Wrap<I>
where
    I: IntoIterator,
    I::Item: ItemValue,
{
}

/// Third choice: one [`IntoValue`].
pub trait ScalarKind {
    /// The tag.
    fn __pyptables_kind(&self) -> ScalarTag {
        ScalarTag
    }
}
impl<T: IntoValue> ScalarKind for &Wrap<T> {}

/// Last choice: one value written with [`Display`]. It applies to every type, so that a type
/// that is none of these is reported by [`DisplayTag::values`]'s bound, with its message.
pub trait DisplayKind {
    /// The tag.
    fn __pyptables_kind(&self) -> DisplayTag {
        DisplayTag
    }
}
impl<T> DisplayKind for Wrap<T> {}

/// A value shown with [`Display`]; the bound that reports a type `{expr}` cannot take.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be the value of a `firewall!` option",
    label = "`{{expr}}` takes an address, network, number, string or other `Display` value, or an iterable of them",
    note = "a value implements `pyptables::value::IntoValue` or `Display`; an iterable (`Vec`, array, slice, `Option`) gives one rule per item"
)]
pub trait DisplayValue {
    /// The value.
    fn display_value(self) -> Value;
}
impl<T: Display> DisplayValue for T {
    fn display_value(self) -> Value {
        self.to_string().into_value()
    }
}

impl StrTag {
    /// One value, copied.
    pub fn values(self, value: &str) -> Vec<Value> {
        vec![value.to_string().into_value()]
    }
}

impl IterTag {
    /// One value per item.
    pub fn values<I>(self, value: I) -> Vec<Value>
    where
        I: IntoIterator,
        I::Item: ItemValue,
    {
        value.into_iter().map(ItemValue::item_value).collect()
    }
}

impl ScalarTag {
    /// One value.
    pub fn values<T: IntoValue>(self, value: T) -> Vec<Value> {
        vec![value.into_value()]
    }
}

impl DisplayTag {
    /// One value, its `Display` text.
    pub fn values<T: DisplayValue>(self, value: T) -> Vec<Value> {
        vec![value.display_value()]
    }
}

/// An item of an iterable `{expr}`: any [`IntoValue`], or a reference to a common value type
/// (so `&[IpAddr]` and `&Vec<u16>` work as well as `Vec<IpAddr>`).
pub trait ItemValue {
    /// The value.
    fn item_value(self) -> Value;
}

impl<T: IntoValue> ItemValue for T {
    fn item_value(self) -> Value {
        self.into_value()
    }
}

macro_rules! ref_items {
    ($($t:ty),* $(,)?) => {$(
        impl ItemValue for &$t {
            fn item_value(self) -> Value {
                self.clone().into_value()
            }
        }
    )*};
}
ref_items!(
    u8,
    u16,
    u32,
    u64,
    usize,
    i32,
    IpAddr,
    Ipv4Addr,
    Ipv6Addr,
    IpNet,
    Ipv4Net,
    Ipv6Net,
    &'static str,
    Cow<'static, str>,
    Value,
    CtState,
    PortRange,
    Interface,
    Protocol,
    MarkValue,
    Rate,
    AddressRange,
);

// ---------------------------------------------------------------------------------------------
// Tables and chains

/// A new chain.
pub fn chain(
    name: &'static str,
    builtin: bool,
    policy: Option<&'static str>,
    comment: Option<&'static str>,
    file: &'static str,
    line: u32,
) -> Chain {
    let origin = Origin::new(file, line, 1);
    let kind = if builtin {
        ChainKind::Builtin(if policy == Some("DROP") {
            Policy::Drop
        } else {
            Policy::Accept
        })
    } else {
        ChainKind::User(comment.map(str::to_string))
    };
    let c = match kind {
        ChainKind::Builtin(p) => Chain::builtin(name, p),
        ChainKind::User(Some(c)) => Chain::user_with_comment(name, c),
        ChainKind::User(None) => Chain::user(name),
    };
    c.at(origin)
}

/// A new table: the named chains are added by the caller; [`complete_table`] then adds the
/// missing built-in chains.
pub fn table(name: &'static str, file: &'static str, line: u32) -> Table {
    Table::new(name).at(Origin::new(file, line, 1))
}

/// Adds the built-in chains a table lacks (policy ACCEPT) — unless it preserves other
/// software's chains: then the built-in chains it does not name are not its own — and puts
/// built-in chains first in the kernel's order. Chains are moved, not cloned, so rules keep
/// their origins.
pub fn complete_table(table: &mut Table) {
    let Some(spec) = pyptables_catalog::tables::table(table.name()) else {
        return;
    };
    let origin = table.origin();
    let mut taken: Vec<Option<Chain>> = table
        .chains_mut()
        .map(|c| Some(std::mem::replace(c, Chain::user(String::new()))))
        .collect();
    let mut fresh = Table::new(table.name().to_string()).at(origin);
    for name in spec.chains {
        let found = taken.iter_mut().find(|c| {
            c.as_ref()
                .is_some_and(|c| c.is_builtin() && c.name() == *name)
        });
        match found.and_then(Option::take) {
            Some(c) => {
                fresh.add_chain(c);
            }
            None if !table.preserved().is_empty() => {}
            None => {
                fresh.add_chain(Chain::builtin(*name, Policy::Accept).at(origin));
            }
        };
    }
    fresh.preserve(table.preserved().iter().cloned());
    for c in taken.into_iter().flatten() {
        fresh.add_chain(c);
    }
    *table = fresh;
}

/// A firewall from two sets of tables.
pub fn firewall(v4: Tables, v6: Tables) -> Firewall {
    Firewall::from_tables(v4, v6)
}

/// New tables for a family.
pub fn tables(family: Family) -> Tables {
    Tables::new(family)
}

/// A zone of a `zones { … }` declaration.
pub fn zone(
    name: &'static str,
    interface: &'static str,
    port: Option<&'static str>,
) -> crate::zones::Zone {
    let zone = crate::zones::Zone::new(name, interface);
    match port {
        Some(port) => zone.bridge_port(port),
        None => zone,
    }
}

/// A host group of a `hosts { … }` declaration. The macro checked its entries with the same
/// parser, so this fails only if the two ever disagree; then the error goes to [`push_zone`].
pub fn hosts(
    name: &'static str,
    entries: &[&'static str],
) -> Result<crate::zones::Hosts, crate::zones::ZoneError> {
    let entries = entries
        .iter()
        .map(|e| e.parse::<crate::zones::Host>())
        .collect::<Result<Vec<_>, _>>()?;
    crate::zones::Hosts::new(name, entries)
}

/// Pushes the expansion of a zone rule, recorded as written at `line`:`column` of `file`.
///
/// An expansion that failed (the macro checks what makes one fail, so this is a disagreement
/// between the two) becomes a rule that validation reports and iptables-restore refuses: never
/// a panic, and never a rule silently left out.
pub fn push_zone(
    chain: &mut Chain,
    rules: Result<Vec<Rule>, crate::zones::ZoneError>,
    file: &'static str,
    line: u32,
    column: u32,
) {
    let origin = Origin::new(file, line, column);
    match rules {
        Ok(rules) => chain.extend(rules.into_iter().map(|r| r.at(origin))),
        Err(e) => {
            chain.push(Rule::unbuilt(e.to_string()).at(origin));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(v: &[(&'static str, Option<Value>)]) -> Vec<String> {
        v.iter()
            .map(|(k, v)| match v {
                Some(v) if v.negated => format!("{k}!={}", v.text),
                Some(v) => format!("{k}={}", v.text),
                None => format!("{k} left out"),
            })
            .collect()
    }

    fn vals(items: &[&'static str]) -> Vec<Value> {
        items.iter().map(|s| s.into_value()).collect()
    }

    // The `&&` receivers are how generated code picks the reading; clippy sees them as noise.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn kinds_pick_iterables_then_values_then_display() {
        let hosts: Vec<IpAddr> = vec!["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()];
        let v = (&&&wrap(&hosts)).__pyptables_kind().values(hosts.clone());
        assert_eq!(v.len(), 2);
        let slice: &[IpAddr] = &hosts;
        assert_eq!((&&&wrap(&slice)).__pyptables_kind().values(slice).len(), 2);
        let one: u16 = 22;
        assert_eq!((&&&wrap(&one)).__pyptables_kind().values(one)[0].text, "22");
        let s = String::from("eth0");
        assert_eq!((&&&wrap(&s)).__pyptables_kind().values(s)[0].text, "eth0");
        let n: i64 = -1;
        assert_eq!((&&&wrap(&n)).__pyptables_kind().values(n)[0].text, "-1");
        let none: Option<u16> = None;
        assert!((&&&wrap(&none)).__pyptables_kind().values(none).is_empty());
        let name = String::from("wg0");
        let short: &str = name.as_str();
        assert_eq!(
            (&&&wrap(&short)).__pyptables_kind().values(short)[0].text,
            "wg0"
        );
    }

    #[test]
    fn ports_split_into_multiport_chunks_of_fifteen_slots() {
        let one = slot(
            vals(&["22"]),
            "dport",
            ListMode::Ports {
                single: "dport",
                multi: "dports",
            },
            false,
        );
        assert_eq!(texts(&one), ["dport=22"]);
        let ports: Vec<Value> = (1..=16u16).map(IntoValue::into_value).collect();
        let split = slot(
            ports,
            "dport",
            ListMode::Ports {
                single: "dport",
                multi: "dports",
            },
            false,
        );
        assert_eq!(
            texts(&split),
            ["dports=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15", "dports=16"]
        );
        // A range takes two slots.
        let mut v = vals(&["1000:2000"]);
        v.extend((1..=14u16).map(IntoValue::into_value));
        let split = slot(
            v,
            "dport",
            ListMode::Ports {
                single: "dport",
                multi: "dports",
            },
            false,
        );
        assert_eq!(split.len(), 2);
        assert_eq!(split[1].1.as_ref().unwrap().text, "14");
    }

    #[test]
    fn join_each_and_negation() {
        assert_eq!(
            texts(&slot(
                vals(&["NEW", "ESTABLISHED"]),
                "ctstate",
                ListMode::Join,
                false
            )),
            ["ctstate=NEW,ESTABLISHED"]
        );
        assert_eq!(
            texts(&slot(vals(&["a", "b"]), "source", ListMode::Each, false)),
            ["source=a", "source=b"]
        );
        assert_eq!(
            texts(&slot(vals(&["a", "b"]), "source", ListMode::Each, true)),
            ["source=a,b"]
        );
        assert!(slot(Vec::new(), "source", ListMode::Join, false).is_empty());
        assert_eq!(
            texts(&slot(Vec::new(), "source", ListMode::Each, true)),
            ["source left out"]
        );
        let negated: Vec<Value> = (1..=16u16)
            .map(|p| crate::value::not(p).into_value())
            .collect();
        let ports = ListMode::Ports {
            single: "dport",
            multi: "dports",
        };
        assert_eq!(
            texts(&slot(negated, "dport", ports, false)),
            ["dports!=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"]
        );
        assert!(expansion(&mut Chain::user("c"), "f", 1, 1, &[1000, 100]));
        let mut c = Chain::user("c");
        assert!(!expansion(&mut c, "f", 1, 1, &[1000, 1000, 1000]));
        assert!(!expansion(&mut c, "f", 1, 1, &[usize::MAX, 2]));
        assert_eq!(c.len(), 2);
    }
}
