//! Support for code the `firewall!` macro generates. Not a public API: it may change in any
//! release.

use std::borrow::Cow;

pub use pyptables_catalog::{Family, TargetKind};

use crate::model::rule::{Arg, Rule, Target};
use crate::model::{Chain, ChainKind, Policy, Table, Tables};
use crate::origin::Origin;
use crate::value::IntoValue;
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
    /// Column.
    pub column: u32,
    /// Options.
    pub args: &'static [StaticArg],
    /// Target.
    pub target: Option<StaticTarget>,
    /// Raw text, for a `raw "…"` rule.
    pub raw: Option<&'static str>,
}

fn arg(a: &StaticArg) -> Arg {
    Arg {
        module: a.module.map(Cow::Borrowed),
        key: Cow::Borrowed(a.key),
        negated: a.negated,
        value: a.value.map(Cow::Borrowed),
    }
}

/// Turns static rule data into a rule written at `file`.
pub fn rule(file: &'static str, r: &StaticRule) -> Rule {
    let origin = Origin::new(file, r.line, r.column);
    if let Some(raw) = r.raw {
        return Rule::raw(raw).at(origin);
    }
    let target = r.target.as_ref().map(|t| {
        Target::from_parts(
            Cow::Borrowed(t.name),
            t.kind,
            t.args.iter().map(arg).collect(),
        )
    });
    Rule::from_parts(r.args.iter().map(arg).collect(), target, origin)
}

/// Appends static rules to a chain.
pub fn push_static(chain: &mut Chain, file: &'static str, rules: &'static [StaticRule]) {
    chain.reserve(rules.len());
    chain.extend(rules.iter().map(|r| rule(file, r)));
}

/// An option whose value is computed at run time.
pub fn dynamic_arg(
    module: Option<&'static str>,
    key: &'static str,
    negated: bool,
    value: impl IntoValue,
) -> Arg {
    let mut a = Arg::new(key, value);
    a.module = module.map(Cow::Borrowed);
    a.negated ^= negated;
    a
}

/// A static option (for rules that mix static and run-time values).
pub fn static_arg(a: &'static StaticArg) -> Arg {
    arg(a)
}

/// A rule built from options and a target at run time.
pub fn dynamic_rule(
    file: &'static str,
    line: u32,
    column: u32,
    args: Vec<Arg>,
    target: Option<StaticTarget>,
    target_args: Vec<Arg>,
) -> Rule {
    let target = target.map(|t| {
        let mut all: Vec<Arg> = t.args.iter().map(arg).collect();
        all.extend(target_args);
        Target::from_parts(Cow::Borrowed(t.name), t.kind, all)
    });
    Rule::from_parts(args, target, Origin::new(file, line, column))
}

/// Converts one run-time value (or each item of an iterable of them) into option values.
pub trait Values {
    /// The values, one per rule to write.
    fn values(self) -> Vec<crate::value::Value>;
}

impl<T: IntoValue> Values for T {
    fn values(self) -> Vec<crate::value::Value> {
        vec![self.into_value()]
    }
}

/// Wraps an iterable so each item gives its own rule.
pub struct Each<I>(pub I);

impl<I: IntoIterator> Values for Each<I>
where
    I::Item: IntoValue,
{
    fn values(self) -> Vec<crate::value::Value> {
        self.0.into_iter().map(IntoValue::into_value).collect()
    }
}

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

/// A new table: the named chains are added by the caller; missing built-in chains are added
/// with policy ACCEPT, in the kernel's order, so the table is complete.
pub fn table(name: &'static str, file: &'static str, line: u32) -> Table {
    Table::new(name).at(Origin::new(file, line, 1))
}

/// Adds the built-in chains a table lacks (policy ACCEPT) and puts built-in chains first in
/// the kernel's order.
pub fn complete_table(table: &mut Table) {
    let Some(spec) = pyptables_catalog::tables::table(table.name()) else {
        return;
    };
    let origin = table.origin();
    let mut chains: Vec<Chain> = Vec::new();
    for name in spec.chains {
        match table.chain(name) {
            Some(c) => chains.push(c.clone()),
            None => chains.push(Chain::builtin(*name, Policy::Accept).at(origin)),
        }
    }
    for c in table.chains() {
        if !c.is_builtin() || !spec.chains.contains(&c.name()) {
            chains.push(c.clone());
        }
    }
    let mut fresh = Table::new(table.name().to_string()).at(origin);
    for c in chains {
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
