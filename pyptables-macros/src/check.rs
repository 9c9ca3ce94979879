//! The check stage: the parsed [`ast::Firewall`] → the checked [`Model`], with every error
//! the catalog can find reported at its token (none stops the others).
//!
//! - Table names; each chain definition on its own (built-in chain of that table, user chain
//!   name, policy) and duplicate chains within one table block.
//! - Tables are merged per family: a table written in several sections (top level, `ip6`,
//!   `inet`) or several times in one is one table, whose chains are merged too (rules in
//!   source order; a policy or comment given twice must agree).
//! - Per family and table: jumps and gotos to undefined chains, loops, and which built-in
//!   chains reach each user chain (`chains::check_table`); then each rule, in every expansion
//!   of its lists, with `rule::check_rule` — options, values, protocols, families, where
//!   targets and matches are allowed.

use std::rc::Rc;

use pyptables_catalog::chains::{check_table, check_table_preserving, ChainInfo, ChainPlace};
use pyptables_catalog::limits::MAX_EXPANSION;
use pyptables_catalog::rule::{check_rule, protocol_of, resolve};
use pyptables_catalog::suggest::did_you_mean;
use pyptables_catalog::tables;
use pyptables_catalog::{
    targets, Arg, Family, Hook, Hooks, Place, Problem, RuleContext, TargetCall, TargetKind,
    ValueKind,
};
use syn::ext::IdentExt;

use crate::ast::{self, FamilyScope, SpanRange};
use crate::errors::{Errors, Found};
use crate::lower::{Lowerer, Where};
use crate::model::{combination, Body, Chain, Model, Rule, Slot, SlotValue, Table, Target};
use crate::zones::Decls;

/// Stands for a run-time value while checking (it never passes a value check, and findings
/// on it are dropped).
const RUNTIME_VALUE: &str = "\0";

/// One chain definition, lowered.
struct Def<'a> {
    chain: &'a ast::ChainDef,
    builtin: bool,
    rules: Vec<Rc<Rule>>,
}

/// One table block with its lowered chains.
struct Block<'a> {
    table: String,
    name: &'a syn::Ident,
    families: &'static [Family],
    inet: bool,
    defs: Vec<Def<'a>>,
    preserve: &'a [ast::PreservePattern],
}

/// A chain of one family's table, merged from its definitions.
struct Merged<'a> {
    name: String,
    builtin: bool,
    policy: Option<(String, &'a ast::Policy)>,
    comment: Option<&'a syn::LitStr>,
    line: usize,
    rules: Vec<(Rc<Rule>, bool)>,
}

/// A table of one family, merged from its blocks in every section.
struct MergedTable<'a> {
    name: String,
    /// The line of its first block.
    line: usize,
    chains: Vec<Merged<'a>>,
    /// The `preserve` patterns of all its blocks.
    preserve: Vec<String>,
}

/// Checks the whole invocation; the model is complete when `errors` stays empty.
pub fn check(fw: &ast::Firewall, errors: &mut Errors) -> Model {
    // User chains of each table, across all sections (for "write `jump NAME`" hints).
    let mut user_chains: Vec<(String, Vec<String>)> = Vec::new();
    for table in fw.sections.iter().flat_map(|s| &s.tables) {
        let name = table.name.unraw().to_string();
        let at = match user_chains.iter().position(|(t, _)| *t == name) {
            Some(i) => i,
            None => {
                user_chains.push((name, Vec::new()));
                user_chains.len() - 1
            }
        };
        for chain in table.chains.iter().filter(|c| c.user) {
            user_chains[at].1.push(chain.name.text.clone());
        }
    }

    let decls = Decls::check(&fw.zones, &fw.hosts, errors);
    let mut lowerer = Lowerer::new(errors);
    lowerer.decls = decls;
    let mut blocks: Vec<Block<'_>> = Vec::new();
    for section in &fw.sections {
        let (families, inet): (&'static [Family], bool) = match section.family {
            FamilyScope::V4 => (&[Family::V4], false),
            FamilyScope::V6 => (&[Family::V6], false),
            FamilyScope::Both => (&[Family::V4, Family::V6], true),
        };
        for table in &section.tables {
            let name = table.name.unraw().to_string();
            let span = SpanRange::single(table.name.span());
            if let Err(problem) = tables::lookup(&name) {
                lowerer.errors().error(span, problem);
                continue;
            }
            let users = user_chains
                .iter()
                .find(|(t, _)| *t == name)
                .map_or(&[][..], |(_, c)| c.as_slice());
            for pattern in &table.preserve {
                if let Some(problem) = pyptables_catalog::preserve::pattern_problem(&pattern.text) {
                    lowerer.errors().error(pattern.span, problem);
                }
            }
            let mut defs: Vec<Def<'_>> = Vec::new();
            for chain in &table.chains {
                let named_well = check_definition(&name, chain, lowerer.errors());
                let first = defs
                    .iter()
                    .find(|d| named_well && d.chain.name.text == chain.name.text);
                if let Some(first) = first {
                    let problem = Problem::DuplicateChain {
                        table: name.clone(),
                        chain: chain.name.text.clone(),
                    };
                    lowerer.errors().error(
                        chain.name.span,
                        format!(
                            "{problem} (first at line {}); write its rules in one place, or \
                             give the second chain another name",
                            first.chain.line
                        ),
                    );
                    continue;
                }
                // A chain written like a built-in one whose name is no built-in chain anywhere
                // (`ssh_guard { … }`) is reported above and then taken as the user chain it
                // most likely is, so jumps to it cause no more errors.
                let builtin = !chain.user && Hook::from_chain_name(&chain.name.text).is_some();
                let at = Where {
                    user_chains: users,
                    family: families[0],
                    families,
                    chain: &chain.name.text,
                    builtin,
                };
                defs.push(Def {
                    chain,
                    builtin,
                    rules: lowerer.chain(&chain.items, &at),
                });
            }
            blocks.push(Block {
                table: name,
                name: &table.name,
                families,
                inet,
                defs,
                preserve: &table.preserve,
            });
        }
    }

    let dynamics = std::mem::take(&mut lowerer.dynamics);
    let decls = std::mem::take(&mut lowerer.decls);
    let errors = lowerer.errors();
    let families = [Family::V4, Family::V6].map(|family| check_family(family, &blocks, errors));
    Model {
        dynamics,
        families,
        zones: decls.zones,
        hosts: decls.hosts,
    }
}

/// The checks of one chain definition on its own: a built-in chain of its table, a valid
/// user chain name, its policy. Returns whether the name is right.
fn check_definition(table: &str, chain: &ast::ChainDef, errors: &mut Errors) -> bool {
    let mut named_well = true;
    let policy = chain.policy.as_ref().map(|p| p.name.unraw().to_string());
    let info = ChainInfo {
        name: &chain.name.text,
        builtin: !chain.user,
        policy: policy.as_deref(),
        jumps: Vec::new(),
    };
    for (place, problem) in check_table(table, std::slice::from_ref(&info)).problems {
        match place {
            ChainPlace::Policy(_) => {
                let span = chain.policy.as_ref().map_or(chain.name.span, |p| {
                    if matches!(problem, Problem::PolicyOnUserChain { .. }) {
                        SpanRange {
                            first: p.keyword,
                            last: p.name.span(),
                        }
                    } else {
                        SpanRange::single(p.name.span())
                    }
                });
                errors.error(span, problem);
            }
            _ => {
                let message = match &problem {
                    Problem::UnknownBuiltinChain {
                        chain: name,
                        suggestion: None,
                        ..
                    } if Hook::from_chain_name(name).is_none() => {
                        format!("{problem}; to define a user chain, write `chain {name} {{ … }}`")
                    }
                    _ => problem.to_string(),
                };
                named_well = false;
                errors.error(chain.name.span, message);
            }
        }
    }
    named_well
}

/// Checks the tables of one family: merged from their blocks, then each checked.
fn check_family(family: Family, blocks: &[Block<'_>], errors: &mut Errors) -> Vec<Table> {
    merge_tables(family, blocks, errors)
        .into_iter()
        .map(|table| check_merged(family, table, errors))
        .collect()
}

/// The tables of `family`, each merged from its blocks in order of first appearance: chains of
/// one name are one chain, rules in source order; a second, different policy or comment is an
/// error.
fn merge_tables<'a>(
    family: Family,
    blocks: &[Block<'a>],
    errors: &mut Errors,
) -> Vec<MergedTable<'a>> {
    let mut merged: Vec<MergedTable<'a>> = Vec::new();
    for block in blocks.iter().filter(|b| b.families.contains(&family)) {
        let ti = match merged.iter().position(|t| t.name == block.table) {
            Some(i) => i,
            None => {
                merged.push(MergedTable {
                    name: block.table.clone(),
                    line: block.name.span().start().line,
                    chains: Vec::new(),
                    preserve: Vec::new(),
                });
                merged.len() - 1
            }
        };
        for pattern in block.preserve {
            if !merged[ti].preserve.contains(&pattern.text) {
                merged[ti].preserve.push(pattern.text.clone());
            }
        }
        let chains = &mut merged[ti].chains;
        for def in &block.defs {
            let chain = def.chain;
            let ci = match chains.iter().position(|c| c.name == chain.name.text) {
                Some(ci) => ci,
                None => {
                    chains.push(Merged {
                        name: chain.name.text.clone(),
                        builtin: def.builtin,
                        policy: None,
                        comment: None,
                        line: chain.line,
                        rules: Vec::new(),
                    });
                    chains.len() - 1
                }
            };
            let m = &mut chains[ci];
            if let Some(p) = &chain.policy {
                let text = p.name.unraw().to_string();
                match &m.policy {
                    Some((earlier, at)) if *earlier != text => errors.error(
                        SpanRange::single(p.name.span()),
                        format!(
                            "chain `{}` of the {} table ({family}) already has policy {earlier} \
                             (line {}); a chain has one policy",
                            m.name,
                            block.table,
                            at.name.span().start().line
                        ),
                    ),
                    Some(_) => {}
                    None => m.policy = Some((text, p)),
                }
            }
            if let Some(c) = &chain.comment {
                match m.comment {
                    Some(earlier) if earlier.value() != c.value() => errors.error(
                        SpanRange::single(c.span()),
                        format!(
                            "chain `{}` of the {} table ({family}) already has a comment (line \
                             {}); a chain has one comment",
                            m.name,
                            block.table,
                            earlier.span().start().line
                        ),
                    ),
                    Some(_) => {}
                    None => m.comment = Some(c),
                }
            }
            m.rules
                .extend(def.rules.iter().map(|r| (Rc::clone(r), block.inet)));
        }
    }
    merged
}

/// Checks one merged table: its chains (jumps, loops, where each chain is reached from), then
/// every rule in every expansion; the checked table.
fn check_merged(family: Family, merged: MergedTable<'_>, errors: &mut Errors) -> Table {
    let MergedTable {
        name: table,
        line,
        chains,
        preserve,
    } = merged;
    let infos: Vec<ChainInfo<'_>> = chains
        .iter()
        .map(|c| ChainInfo {
            name: &c.name,
            builtin: c.builtin,
            policy: c.policy.as_ref().map(|(p, _)| p.as_str()),
            jumps: c
                .rules
                .iter()
                .enumerate()
                .filter_map(|(ri, (rule, _))| jump_of(rule).map(|(to, goto)| (to, goto, ri)))
                // An unchecked rule may jump to a target the catalog does not know.
                .filter(|(to, goto, ri)| {
                    !matches!(
                        c.rules[*ri].0.body,
                        Body::Raw {
                            unchecked: true,
                            ..
                        }
                    ) || *goto
                        || chains.iter().any(|d| d.name == *to)
                        || !pyptables_catalog::raw::may_be_unknown_target(to)
                })
                .collect(),
        })
        .collect();
    let patterns: Vec<&str> = preserve.iter().map(String::as_str).collect();
    let checked = check_table_preserving(&table, &infos, &patterns);
    for (place, problem) in checked.problems {
        // Problems of one chain definition were reported by `check_definition`.
        let ChainPlace::Rule { chain, rule } = place else {
            continue;
        };
        let (rule, inet) = &chains[chain].rules[rule];
        let span = match &rule.body {
            Body::Raw { span, .. } => *span,
            Body::Zone(z) => z.verdict.as_ref().map_or(rule.span, |t| t.span),
            Body::Options {
                target: Some(t), ..
            } => t.span,
            Body::Options { .. } => rule.span,
        };
        let message = match &problem {
            Problem::UndefinedChain { chain, .. } if targets::find_verb(chain).is_some() => {
                let spec = targets::find_verb(chain).map_or("", |t| t.name);
                format!(
                    "{problem}: `{spec}` is a target, not a user chain; write `{}` as the \
                         rule's verb",
                    spec.to_ascii_lowercase()
                )
            }
            _ => problem.to_string(),
        };
        errors.found(
            span,
            message,
            Found::In {
                family,
                inet: *inet,
            },
        );
    }

    let spec = tables::table(&table);
    for (ci, chain) in chains.iter().enumerate() {
        let valid_builtin = chain.builtin && spec.is_some_and(|s| s.has_builtin(&chain.name));
        let reach = match Hook::from_chain_name(&chain.name) {
            Some(hook) if valid_builtin => Hooks::of(hook),
            _ if chain.builtin => Hooks::NONE,
            _ => checked.reach.get(ci).copied().unwrap_or_default(),
        };
        let ctx = RuleContext {
            family,
            table: &table,
            chain: &chain.name,
            reach,
        };
        for (rule, inet) in &chain.rules {
            check_expansions(&ctx, rule, *inet, errors);
        }
    }
    Table {
        name: table,
        line,
        preserve,
        chains: chains
            .into_iter()
            .map(|c| Chain {
                name: c.name,
                builtin: c.builtin,
                policy: c.policy.map(|(p, _)| p),
                comment: c.comment.map(syn::LitStr::value),
                line: c.line,
                rules: c.rules.into_iter().map(|(r, _)| r).collect(),
            })
            .collect(),
    }
}

/// The user chain a rule jumps or goes to.
fn jump_of(rule: &Rule) -> Option<(&str, bool)> {
    match &rule.body {
        Body::Raw { jump, .. } => jump.as_ref().map(|(to, goto)| (to.as_str(), *goto)),
        Body::Zone(z) => z
            .verdict
            .as_ref()
            .filter(|t| t.kind != TargetKind::Builtin)
            .map(|t| (t.name.as_str(), t.kind == TargetKind::Goto)),
        Body::Options {
            target: Some(t), ..
        } if t.kind != TargetKind::Builtin => Some((&t.name, t.kind == TargetKind::Goto)),
        Body::Options { .. } => None,
    }
}

/// Checks every rule a lowered rule expands into (each combination of its list elements).
fn check_expansions(ctx: &RuleContext<'_>, rule: &Rule, inet: bool, errors: &mut Errors) {
    let Body::Options {
        slots,
        target,
        dyn_protocol,
    } = &rule.body
    else {
        return;
    };
    let counts: Vec<usize> = slots.iter().map(Slot::alternatives).collect();
    let total = counts
        .iter()
        .try_fold(1usize, |n, c| n.checked_mul(*c))
        .unwrap_or(usize::MAX);
    if total > MAX_EXPANSION {
        let problem = Problem::TooManyRules {
            count: if total == usize::MAX {
                "too many".to_string()
            } else {
                total.to_string()
            },
            max: MAX_EXPANSION,
        };
        errors.error(rule.span, problem.to_string());
        return;
    }
    // Indices of the match options and of the target options among the slots.
    let (target_idx, match_idx): (Vec<usize>, Vec<usize>) =
        (0..slots.len()).partition(|&i| slots[i].of_target);
    let match_slots: Vec<&Slot> = match_idx.iter().map(|&i| &slots[i]).collect();
    let target_slots: Vec<&Slot> = target_idx.iter().map(|&i| &slots[i]).collect();
    let found = Found::In {
        family: ctx.family,
        inet,
    };
    let mut choice = vec![0usize; slots.len()];
    for n in 0..total {
        combination(n, &counts, &mut choice);
        let args: Vec<Arg<'_>> = match_idx
            .iter()
            .map(|&i| catalog_arg(&slots[i], choice[i]))
            .collect();
        let target_args: Vec<Arg<'_>> = target_idx
            .iter()
            .map(|&i| catalog_arg(&slots[i], choice[i]))
            .collect();
        let call = target.as_ref().map(|t| TargetCall {
            name: &t.name,
            kind: t.kind,
            args: &target_args,
        });
        let mut findings = Vec::new();
        check_rule(ctx, &args, call.as_ref(), &mut |f| findings.push(f));
        for finding in findings {
            let problem = finding.problem;
            let runtime = |s: &Slot| matches!(s.value, SlotValue::Dynamic { .. });
            let skip = match (&problem, finding.place) {
                // Already reported at `match=`.
                (Problem::UnknownMatch { .. }, _) => true,
                (Problem::NeedsProtocol { .. }, _) if *dyn_protocol => true,
                (_, Place::Value(i)) => runtime(match_slots[i]),
                (_, Place::TargetValue(i)) => runtime(target_slots[i]),
                _ => false,
            };
            if skip {
                continue;
            }
            let (span, message) = match finding.place {
                Place::Rule => (rule.span, problem.to_string()),
                Place::Target => (
                    target.as_ref().map_or(rule.span, |t| t.span),
                    problem.to_string(),
                ),
                Place::Arg(i) => arg_error(match_slots[i], &problem, target.as_ref()),
                Place::TargetArg(i) => arg_error(target_slots[i], &problem, target.as_ref()),
                Place::Value(i) => (
                    value_span(
                        match_slots[i],
                        choice[match_idx[i]],
                        &args,
                        None,
                        ctx.family,
                    ),
                    problem.to_string(),
                ),
                Place::TargetValue(i) => (
                    value_span(
                        target_slots[i],
                        choice[target_idx[i]],
                        &args,
                        target.as_ref().and_then(|t| targets::find(&t.name)),
                        ctx.family,
                    ),
                    problem.to_string(),
                ),
            };
            let address_match = matches!(finding.place, Place::Value(_));
            match family_message(&problem, inet, address_match) {
                Some(message) => errors.error(span, message),
                None => errors.found(span, message, found),
            }
        }
    }
}

/// The option as the catalog checks it, with alternative `alt` of its values.
fn catalog_arg(slot: &Slot, alt: usize) -> Arg<'_> {
    let (key, value) = match &slot.value {
        SlotValue::Flag => (slot.key.as_str(), None),
        SlotValue::Static(alts) => (alts[alt].key.as_str(), Some(alts[alt].text.as_str())),
        SlotValue::Dynamic { .. } => (slot.key.as_str(), Some(RUNTIME_VALUE)),
    };
    Arg {
        module: slot.module.as_deref(),
        key,
        negated: slot.negated,
        value,
    }
}

/// Where and how to report a problem of an option as a whole.
fn arg_error(slot: &Slot, problem: &Problem, target: Option<&Target>) -> (SpanRange, String) {
    match problem {
        Problem::NotNegatable { .. } => {
            let span = match slot.bang {
                // `!flag`
                Some(bang) if bang.start() < slot.key_span.first.start() => SpanRange {
                    first: bang,
                    last: slot.key_span.last,
                },
                // `key!=value`
                Some(bang) => SpanRange {
                    first: slot.key_span.first,
                    last: bang,
                },
                None => slot.key_span,
            };
            (span, problem.to_string())
        }
        Problem::UnknownOption {
            key,
            owner: None,
            suggestion: None,
        } => {
            // Not a match option: maybe a misspelt option of the rule's target, or an option
            // of another target.
            let spec = target
                .filter(|t| t.kind == TargetKind::Builtin)
                .and_then(|t| targets::find(&t.name));
            let near = spec.and_then(|s| did_you_mean(key, s.options.iter().map(|o| o.name)));
            if let Some(near) = near {
                let problem = Problem::UnknownOption {
                    key: key.clone(),
                    owner: None,
                    suggestion: Some(near.replace('-', "_")),
                };
                return (slot.key_span, problem.to_string());
            }
            let message = match targets::TARGETS.iter().find(|t| t.option(key).is_some()) {
                Some(t) => format!(
                    "{problem}; `{key}` is an option of target {} (verb `{}`)",
                    t.name,
                    t.verb()
                ),
                None => problem.to_string(),
            };
            (slot.key_span, message)
        }
        _ => (slot.key_span, problem.to_string()),
    }
}

/// The span of the value of `slot` (alternative `alt`): the list element that is wrong when
/// a list was joined into one value.
fn value_span(
    slot: &Slot,
    alt: usize,
    args: &[Arg<'_>],
    target: Option<&'static pyptables_catalog::TargetSpec>,
    family: Family,
) -> SpanRange {
    let SlotValue::Static(alts) = &slot.value else {
        if let SlotValue::Dynamic { span, .. } = &slot.value {
            return *span;
        }
        return slot.key_span;
    };
    let alt = &alts[alt];
    if alt.elems.len() == 1 {
        return alt.elems[0].1;
    }
    let lookup = Arg {
        module: slot.module.as_deref(),
        key: &alt.key,
        negated: false,
        value: None,
    };
    let kind: Option<ValueKind> = match target {
        Some(spec) => spec.option(&alt.key).map(|o| o.kind),
        None => resolve(&lookup, protocol_of(args))
            .ok()
            .map(|r| r.option.kind),
    };
    let bad = kind.and_then(|kind| {
        alt.elems
            .iter()
            .find(|(text, _)| kind.check(text, family).is_err())
    });
    match (bad, alt.list) {
        (Some((_, span)), _) => *span,
        (None, Some(list)) => SpanRange::single(list),
        (None, None) => slot.key_span,
    }
}

/// For a rule in `inet { … }`: the message for a value or feature of one family only.
/// `address_match`: the value is a match's (`source=`), for which a host group would do.
fn family_message(problem: &Problem, inet: bool, address_match: bool) -> Option<String> {
    if !inet {
        return None;
    }
    let home = |family: Family| match family {
        Family::V4 => "`ip { … }` (or a top-level table)",
        Family::V6 => "`ip6 { … }`",
    };
    match problem {
        Problem::WrongFamily { value, found, .. } => Some(format!(
            "`{value}` is an {found} value, but rules in `inet {{ … }}` are added to both \
             families: move this rule into {}{}",
            home(*found),
            if address_match {
                ", or put the addresses of both families in a host group (`hosts { … }`) and \
                 match it with `from=`/`to=` (a zone rule), which gives each family its own"
            } else {
                ""
            }
        )),
        Problem::FamilyOnly { what, family, .. } => Some(format!(
            "`{what}` is {} only, but rules in `inet {{ … }}` are added to both families: move \
             this rule into {}",
            family.other(),
            home(family.other())
        )),
        _ => None,
    }
}
