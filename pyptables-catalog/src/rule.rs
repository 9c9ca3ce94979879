//! Checking one rule against the catalog, and finding which match each option belongs to.
//!
//! A rule is given in a neutral form — [`Arg`]s and an optional [`TargetCall`] — that both the
//! runtime model and the `firewall!` macro can produce, so both check with the same code and
//! report the same messages. Each finding says where in the rule it is ([`Place`]), so the
//! macro can point at the token and the runtime at the option.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::family::{Families, Family};
use crate::hooks::{Hook, Hooks};
use crate::matches::{self, BUILTIN_OPTIONS, MATCHES};
use crate::problem::{shown, Problem};
use crate::services;
use crate::spec::{eq_key, Constraint, Given, Implicit, MatchSpec, OptionSpec, Scope, BARE_MATCH};
use crate::suggest::did_you_mean;
use crate::targets::{self, TARGETS};
use crate::value::{protocol_name, ValueError};

/// One option of a rule, as written: `key=value`, `key!=value`, a flag, or `!flag`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arg<'a> {
    /// The match module it was explicitly given for (`match=recent`), if any.
    pub module: Option<&'a str>,
    /// The option name, with `_` or `-`.
    pub key: &'a str,
    /// Whether it is inverted with `!`.
    pub negated: bool,
    /// Its value; `None` for a flag.
    pub value: Option<&'a str>,
}

impl Arg<'_> {
    /// Whether it stands for its match given without any option (`-m socket` alone): an
    /// empty key with a module. It resolves to [`BARE_MATCH`].
    #[must_use]
    pub fn is_bare(&self) -> bool {
        self.key.is_empty() && self.module.is_some()
    }
}

/// What a rule does when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// A target from the catalog (`ACCEPT`, `LOG`, …).
    Builtin,
    /// `-j CHAIN`: a jump to a user chain.
    Jump,
    /// `-g CHAIN`: a goto to a user chain.
    Goto,
}

/// A rule's target with its options.
#[derive(Clone, Copy, Debug)]
pub struct TargetCall<'a> {
    /// The target or chain name.
    pub name: &'a str,
    /// Builtin, jump or goto.
    pub kind: TargetKind,
    /// The target's options.
    pub args: &'a [Arg<'a>],
}

/// Where a rule is: its family, table and chain, and which built-in chains reach that chain.
#[derive(Clone, Copy, Debug)]
pub struct RuleContext<'a> {
    /// The rule's family.
    pub family: Family,
    /// The table name.
    pub table: &'a str,
    /// The chain name.
    pub chain: &'a str,
    /// The hooks of the built-in chains that reach this chain (for a built-in chain: its own).
    pub reach: Hooks,
}

/// Where in a rule a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The rule as a whole.
    Rule,
    /// The option at this index of the rule's args.
    Arg(usize),
    /// The value of the option at this index.
    Value(usize),
    /// The target's name.
    Target,
    /// The target option at this index.
    TargetArg(usize),
    /// The value of the target option at this index.
    TargetValue(usize),
}

/// A problem and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Where in the rule.
    pub place: Place,
    /// What is wrong.
    pub problem: Problem,
}

/// Which match an option belongs to: `None` for the built-in rule options.
#[derive(Clone, Copy, Debug)]
pub struct Resolved {
    /// The match module, or `None` for `-s -d -i -o -p -f`.
    pub module: Option<&'static MatchSpec>,
    /// The option.
    pub option: &'static OptionSpec,
}

/// The rule's protocol, if it has a plain (not inverted) `-p`; a number the catalog knows is
/// given as its name (`6` → `tcp`).
pub fn protocol_of<'a>(args: &[Arg<'a>]) -> Option<&'a str> {
    args.iter()
        .find(|a| a.module.is_none() && !a.negated && is_protocol_option(a.key))
        .and_then(|a| a.value)
        .map(protocol_name)
}

fn builtin(key: &str) -> Option<&'static OptionSpec> {
    BUILTIN_OPTIONS.iter().find(|o| o.is_named(key))
}

/// The match whose options follow from protocol `proto` (`tcp` → `-m tcp`).
#[must_use]
pub fn protocol_match(proto: &str) -> Option<&'static MatchSpec> {
    MATCHES.iter().find(|m| {
        m.implicit == Implicit::ByProtocol
            && m.protocols
                .is_some_and(|p| p.iter().any(|p| p.eq_ignore_ascii_case(proto)))
    })
}

/// For one option name: where it can come from when no match is named.
#[derive(Default)]
struct KeyEntry {
    builtin: Option<&'static OptionSpec>,
    by_protocol: Vec<(&'static MatchSpec, &'static OptionSpec)>,
    by_key: Option<(&'static MatchSpec, &'static OptionSpec)>,
}

/// FNV-1a: the keys are short, trusted catalog names, so a simple fast hash serves better
/// than the default DoS-resistant one on this hot path.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
        self.0 = h;
    }
}

type KeyIndex = HashMap<&'static str, KeyEntry, std::hash::BuildHasherDefault<Fnv>>;

/// Option names (with `-`) to where they come from; built once, so resolving an option is a
/// hash lookup rather than a walk over the catalog.
fn key_index() -> &'static KeyIndex {
    static INDEX: OnceLock<KeyIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = KeyIndex::default();
        for o in BUILTIN_OPTIONS.iter() {
            for name in std::iter::once(&o.name).chain(o.aliases) {
                index.entry(name).or_default().builtin.get_or_insert(o);
            }
        }
        for m in MATCHES.iter() {
            for o in m.options {
                for name in std::iter::once(&o.name).chain(o.aliases) {
                    let e = index.entry(name).or_default();
                    match m.implicit {
                        Implicit::ByProtocol => e.by_protocol.push((m, o)),
                        Implicit::ByKey => {
                            e.by_key.get_or_insert((m, o));
                        }
                        Implicit::Never => {}
                    }
                }
            }
        }
        index
    })
}

/// Finds the match (or built-in option) `arg` belongs to, given the rule's protocol.
pub fn resolve(arg: &Arg<'_>, protocol: Option<&str>) -> Result<Resolved, Problem> {
    let protocol = protocol.map(protocol_name);
    if arg.module.is_none() {
        let key: Cow<'_, str> = if arg.key.contains('_') {
            Cow::Owned(arg.key.replace('_', "-"))
        } else {
            Cow::Borrowed(arg.key)
        };
        if let Some(e) = key_index().get(key.as_ref()) {
            if let Some(option) = e.builtin {
                return Ok(Resolved {
                    module: None,
                    option,
                });
            }
            if let Some(p) = protocol {
                if let Some(&(m, option)) = e.by_protocol.iter().find(|(m, _)| {
                    m.protocols
                        .is_some_and(|ps| ps.iter().any(|q| q.eq_ignore_ascii_case(p)))
                }) {
                    return Ok(Resolved {
                        module: Some(m),
                        option,
                    });
                }
            }
            if e.by_protocol.is_empty() {
                if let Some((m, option)) = e.by_key {
                    return Ok(Resolved {
                        module: Some(m),
                        option,
                    });
                }
            }
        }
    }
    resolve_slow(arg, protocol)
}

fn resolve_slow(arg: &Arg<'_>, protocol: Option<&str>) -> Result<Resolved, Problem> {
    if let Some(module) = arg.module {
        let spec = matches::find(module).ok_or_else(|| Problem::UnknownMatch {
            name: module.to_string(),
            suggestion: did_you_mean(module, MATCHES.iter().map(|m| m.name)).map(str::to_string),
        })?;
        if arg.is_bare() {
            return Ok(Resolved {
                module: Some(spec),
                option: &BARE_MATCH,
            });
        }
        return spec
            .option(arg.key)
            .map(|option| Resolved {
                module: Some(spec),
                option,
            })
            .ok_or_else(|| Problem::UnknownOption {
                key: arg.key.to_string(),
                owner: Some(format!("match {}", spec.name)),
                suggestion: did_you_mean(arg.key, spec.options.iter().map(|o| o.name))
                    .map(str::to_string),
            });
    }
    if let Some(option) = builtin(arg.key) {
        return Ok(Resolved {
            module: None,
            option,
        });
    }
    if let Some(spec) = protocol.and_then(protocol_match) {
        if let Some(option) = spec.option(arg.key) {
            return Ok(Resolved {
                module: Some(spec),
                option,
            });
        }
    }
    // An option of a protocol match, but the rule has another protocol or none.
    let by_protocol: Vec<&MatchSpec> = MATCHES
        .iter()
        .filter(|m| m.implicit == Implicit::ByProtocol && m.option(arg.key).is_some())
        .collect();
    if !by_protocol.is_empty() {
        let protocols = by_protocol
            .iter()
            .filter_map(|m| m.protocols.map(|p| p[0].to_string()))
            .collect();
        return Err(Problem::NeedsProtocol {
            what: arg.key.to_string(),
            protocols,
            have: protocol.map(str::to_string),
        });
    }
    if let Some((spec, option)) = MATCHES
        .iter()
        .filter(|m| m.implicit == Implicit::ByKey)
        .find_map(|m| m.option(arg.key).map(|o| (m, o)))
    {
        return Ok(Resolved {
            module: Some(spec),
            option,
        });
    }
    let explicit_only = MATCHES
        .iter()
        .filter(|m| m.implicit == Implicit::Never)
        .find(|m| m.option(arg.key).is_some());
    let suggestion = did_you_mean(arg.key, implicit_option_names());
    Err(match explicit_only {
        Some(m) if suggestion.is_none() => Problem::UnknownOption {
            key: arg.key.to_string(),
            owner: None,
            suggestion: Some(format!("match={} {}", m.name, arg.key)),
        },
        _ => Problem::UnknownOption {
            key: arg.key.to_string(),
            owner: None,
            suggestion: suggestion.map(str::to_string),
        },
    })
}

/// Every option name usable without `match=` (for suggestions).
pub fn implicit_option_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_OPTIONS
        .iter()
        .flat_map(|o| std::iter::once(o.name).chain(o.aliases.iter().copied()))
        .chain(
            MATCHES
                .iter()
                .filter(|m| m.implicit != Implicit::Never)
                .flat_map(|m| m.options.iter().map(|o| o.name)),
        )
}

/// Checks one rule and reports every problem found through `report`.
///
/// Chain-level problems (undefined jump targets, loops) are found by [`crate::chains`]; this
/// checks options, values, protocols, families and where targets and matches are allowed.
pub fn check_rule(
    ctx: &RuleContext<'_>,
    args: &[Arg<'_>],
    target: Option<&TargetCall<'_>>,
    report: &mut dyn FnMut(Finding),
) {
    let protocol = protocol_of(args);
    let mut seen: Vec<(Option<&str>, &str)> = Vec::new();
    let mut used_modules: Vec<&'static MatchSpec> = Vec::new();
    let mut module_opts: Vec<(&'static MatchSpec, &'static str, usize)> = Vec::new();

    for (i, arg) in args.iter().enumerate() {
        let resolved = match resolve(arg, protocol) {
            Ok(r) => r,
            Err(problem) => {
                report(Finding {
                    place: Place::Arg(i),
                    problem,
                });
                continue;
            }
        };
        let key = resolved.option.name;
        let module_name = resolved.module.map(|m| m.name);
        if seen.contains(&(module_name, key)) {
            report(Finding {
                place: Place::Arg(i),
                problem: Problem::DuplicateOption {
                    key: match (arg.is_bare(), module_name) {
                        (true, Some(m)) => format!("-m {m}"),
                        _ => arg.key.to_string(),
                    },
                },
            });
        }
        seen.push((module_name, key));
        check_option(
            ctx,
            resolved.option,
            arg,
            protocol,
            Place::Arg(i),
            Place::Value(i),
            report,
        );
        if let Some(module) = resolved.module {
            if let Some(problem) = service_protocol(module, arg, protocol) {
                report(Finding {
                    place: Place::Value(i),
                    problem,
                });
            }
            module_opts.push((module, key, i));
            if !used_modules.iter().any(|m| std::ptr::eq(*m, module)) {
                used_modules.push(module);
                // The names in messages are only formatted for a problem to report.
                let what = || format!("match {}", module.name);
                if !scope_ok(ctx, &module.scope) {
                    check_scope(ctx, &what(), &module.scope, Place::Arg(i), report);
                }
                if let Some(protocols) = module.protocols {
                    if (module.implicit != Implicit::ByProtocol || arg.module.is_some())
                        && !protocol_ok(protocols, protocol)
                    {
                        check_protocol(&what(), protocols, protocol, Place::Arg(i), report);
                    }
                }
            }
        }
    }
    for module in &used_modules {
        if let Some(&(_, _, bare_at)) = module_opts
            .iter()
            .find(|(m, k, _)| std::ptr::eq(*m, *module) && k.is_empty())
        {
            bare_match_options(module, &module_opts, bare_at, report);
        }
        if module.required.is_empty()
            && module.exclusive.is_empty()
            && module.constraints.is_empty()
        {
            continue;
        }
        // The options given, without the marker of a match given alone.
        let given: Vec<(&'static str, usize)> = module_opts
            .iter()
            .filter(|(m, k, _)| std::ptr::eq(*m, *module) && !k.is_empty())
            .map(|(_, k, i)| (*k, *i))
            .collect();
        if given.is_empty() && !module.bare {
            // Reported once, by bare_match_options.
            continue;
        }
        let first = given.first().map_or(0, |g| g.1);
        let owner = format!("match {}", module.name);
        check_groups(
            &owner,
            module.required,
            module.exclusive,
            &given,
            Place::Arg(first),
            Place::Arg,
            report,
        );
        if !module.constraints.is_empty() {
            let on = Options {
                given: &given,
                args,
                family: ctx.family,
                rule: args,
            };
            check_constraints(
                &owner,
                module.constraints,
                &on,
                Place::Arg(first),
                Place::Arg,
                report,
            );
        }
    }

    if let Some(target) = target {
        check_target(ctx, target, args, protocol, report);
    }
}

/// A match written without options (`-m NAME` alone, at `bare_at`): refused with the options
/// it needs unless the catalog says iptables accepts it so ([`MatchSpec::bare`]).
fn bare_match_options(
    module: &'static MatchSpec,
    module_opts: &[(&'static MatchSpec, &'static str, usize)],
    bare_at: usize,
    report: &mut dyn FnMut(Finding),
) {
    let has_options = module_opts
        .iter()
        .any(|(m, k, _)| std::ptr::eq(*m, module) && !k.is_empty());
    if module.bare || has_options {
        return;
    }
    report(Finding {
        place: Place::Arg(bare_at),
        problem: bare_refusal(module),
    });
}

/// Why iptables refuses `-m NAME` with no option, naming the options it needs: each of its
/// required groups, or else any one of its options.
#[must_use]
pub fn bare_refusal(module: &MatchSpec) -> Problem {
    let one_of = |names: &mut dyn Iterator<Item = &str>| {
        let names: Vec<String> = names.map(|n| format!("`{n}`")).collect();
        match names.as_slice() {
            [one] => format!("option {one}"),
            _ => format!("one of the options {}", names.join(", ")),
        }
    };
    let needs = if module.required.is_empty() {
        one_of(&mut module.options.iter().map(|o| o.name))
    } else {
        module
            .required
            .iter()
            .map(|g| one_of(&mut g.iter().copied()))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    Problem::Combination {
        owner: format!("match {}", module.name),
        reason: format!(
            "iptables refuses `-m {}` without options; give it {needs}",
            module.name
        ),
    }
}

fn check_target(
    ctx: &RuleContext<'_>,
    target: &TargetCall<'_>,
    rule_args: &[Arg<'_>],
    protocol: Option<&str>,
    report: &mut dyn FnMut(Finding),
) {
    if target.kind != TargetKind::Builtin {
        for (i, _) in target.args.iter().enumerate() {
            report(Finding {
                place: Place::TargetArg(i),
                problem: Problem::UnknownOption {
                    key: target.args[i].key.to_string(),
                    owner: Some(format!(
                        "a jump to chain `{}` (a jump takes no options)",
                        target.name
                    )),
                    suggestion: None,
                },
            });
        }
        return;
    }
    let Some(spec) = targets::find(target.name) else {
        report(Finding {
            place: Place::Target,
            problem: Problem::UnknownTarget {
                name: target.name.to_string(),
                suggestion: did_you_mean(target.name, TARGETS.iter().map(|t| t.name))
                    .map(str::to_string),
            },
        });
        return;
    };
    if let Some(reason) = spec.removed {
        report(Finding {
            place: Place::Target,
            problem: Problem::RemovedTarget {
                name: spec.name.to_string(),
                reason: reason.to_string(),
            },
        });
    }
    let what = || format!("target {}", spec.name);
    if !scope_ok(ctx, &spec.scope) {
        check_scope(ctx, &what(), &spec.scope, Place::Target, report);
    }
    if let Some(protocols) = spec.protocols {
        if !protocol_ok(protocols, protocol) {
            check_protocol(&what(), protocols, protocol, Place::Target, report);
        }
    }
    let mut given: Vec<(&'static str, usize)> = Vec::new();
    for (i, arg) in target.args.iter().enumerate() {
        let Some(option) = spec.option(arg.key) else {
            report(Finding {
                place: Place::TargetArg(i),
                problem: Problem::UnknownOption {
                    key: arg.key.to_string(),
                    owner: Some(what()),
                    suggestion: did_you_mean(arg.key, spec.options.iter().map(|o| o.name))
                        .map(str::to_string),
                },
            });
            continue;
        };
        if given.iter().any(|(k, _)| *k == option.name) {
            report(Finding {
                place: Place::TargetArg(i),
                problem: Problem::DuplicateOption {
                    key: arg.key.to_string(),
                },
            });
        }
        given.push((option.name, i));
        check_option(
            ctx,
            option,
            arg,
            protocol,
            Place::TargetArg(i),
            Place::TargetValue(i),
            report,
        );
    }
    if spec.required.is_empty() && spec.exclusive.is_empty() && spec.constraints.is_empty() {
        return;
    }
    check_groups(
        &what(),
        spec.required,
        spec.exclusive,
        &given,
        Place::Target,
        Place::TargetArg,
        report,
    );
    if !spec.constraints.is_empty() {
        let on = Options {
            given: &given,
            args: target.args,
            family: ctx.family,
            rule: rule_args,
        };
        check_constraints(
            &what(),
            spec.constraints,
            &on,
            Place::Target,
            Place::TargetArg,
            report,
        );
    }
}

/// The options of one match or target, for [`check_constraints`].
struct Options<'s, 'a> {
    /// Option names with the index of their arg in `args`.
    given: &'s [(&'static str, usize)],
    /// The args `given` indexes (the rule's for a match, the target's for a target).
    args: &'s [Arg<'a>],
    family: Family,
    /// Every option of the rule.
    rule: &'s [Arg<'a>],
}

fn check_constraints(
    owner: &str,
    constraints: &[Constraint],
    on: &Options<'_, '_>,
    owner_at: Place,
    arg_at: fn(usize) -> Place,
    report: &mut dyn FnMut(Finding),
) {
    let index = |name: &str| on.given.iter().find(|g| g.0 == name).map(|g| g.1);
    let mut combination = |at: Place, reason: String| {
        report(Finding {
            place: at,
            problem: Problem::Combination {
                owner: owner.to_string(),
                reason,
            },
        })
    };
    let options: Vec<(&'static str, Option<&str>, bool)> = on
        .given
        .iter()
        .map(|&(name, i)| (name, on.args[i].value, on.args[i].negated))
        .collect();
    for constraint in constraints {
        match *constraint {
            Constraint::Needs(option, others) => {
                if let Some(i) = index(option) {
                    if !others.iter().any(|o| index(o).is_some()) {
                        let wanted: Vec<String> = others.iter().map(|o| format!("`{o}`")).collect();
                        combination(
                            arg_at(i),
                            format!("`{option}` needs {}", wanted.join(" or ")),
                        );
                    }
                }
            }
            Constraint::Conflicts(option, others) => {
                if let Some(i) = index(option) {
                    if let Some(other) = others.iter().find(|o| index(o).is_some()) {
                        combination(
                            arg_at(i),
                            format!("`{option}` cannot be used with `{other}`"),
                        );
                    }
                }
            }
            Constraint::Check(check) => {
                let given = Given {
                    family: on.family,
                    options: &options,
                    rule: on.rule,
                };
                if let Err(v) = check(&given) {
                    let at = v.option.and_then(index).map_or(owner_at, arg_at);
                    combination(at, v.reason);
                }
            }
        }
    }
}

fn check_option(
    ctx: &RuleContext<'_>,
    option: &'static OptionSpec,
    arg: &Arg<'_>,
    protocol: Option<&str>,
    at: Place,
    value_at: Place,
    report: &mut dyn FnMut(Finding),
) {
    let key = option.name;
    if arg.negated && !option.negatable {
        report(Finding {
            place: at,
            problem: Problem::NotNegatable {
                key: arg.key.to_string(),
            },
        });
    }
    if !option.families.contains(ctx.family) {
        report(Finding {
            place: at,
            problem: Problem::FamilyOnly {
                what: arg.key.to_string(),
                family: ctx.family,
                alternative: None,
            },
        });
    }
    // The family was checked just above; the scope adds the hooks.
    let in_user_chain = Hook::from_chain_name(ctx.chain).is_none();
    let scope = Scope {
        tables: option.tables,
        hooks: if option.hooks_direct_only && in_user_chain {
            Hooks::ALL
        } else {
            option.hooks
        },
        families: Families::BOTH,
    };
    if !scope_ok(ctx, &scope) {
        check_scope(ctx, &format!("option `{key}`"), &scope, at, report);
    }
    if let Some(protocols) = option.protocols {
        check_protocol(key, protocols, protocol, at, report);
    }
    match (option.kind.is_flag(), arg.value) {
        (true, Some(_)) | (false, None) => report(Finding {
            place: at,
            problem: Problem::ValueShape {
                key: arg.key.to_string(),
                flag: option.kind.is_flag(),
                expected: option.kind.expected(),
            },
        }),
        (true, None) => {}
        (false, Some(value)) => {
            if let Some(problem) = list_problem(option, arg, value) {
                report(Finding {
                    place: value_at,
                    problem,
                });
            } else if let Err(e) = option.kind.check(value, ctx.family) {
                report(Finding {
                    place: value_at,
                    problem: value_problem(arg.key, value, ctx.family, e),
                });
            } else {
                if let Some(needs) = option.value_needs_protocol {
                    if (needs.applies)(value) {
                        check_protocol(
                            &format!("{key} {value}"),
                            needs.protocols,
                            protocol,
                            value_at,
                            report,
                        );
                    }
                }
                if let Some(hooks) = option.value_hooks {
                    let scope = Scope {
                        tables: &[],
                        hooks: hooks(value),
                        families: Families::BOTH,
                    };
                    if !scope_ok(ctx, &scope) {
                        let what = format!("option `{key} {value}`");
                        check_scope(ctx, &what, &scope, value_at, report);
                    }
                }
            }
        }
    }
}

/// For a match that resolves service names for the rule's protocol only
/// ([`services::BY_PROTOCOL_MATCHES`]): a name in `arg`'s value that the protocol lacks.
/// Names unknown to every protocol are left to the value check.
fn service_protocol(module: &MatchSpec, arg: &Arg<'_>, protocol: Option<&str>) -> Option<Problem> {
    if !services::BY_PROTOCOL_MATCHES.contains(&module.name) {
        return None;
    }
    let value = arg.value?;
    let protocol = services::protocol_name(protocol?)?;
    let reason = value
        .split([',', ':'])
        .filter(|item| !item.bytes().all(|b| b.is_ascii_digit()))
        .find_map(|item| services::not_for_protocol(item, protocol))?;
    Some(Problem::BadValue {
        key: arg.key.to_string(),
        value: shown(value),
        reason,
    })
}

/// What is wrong with a list as the value of `option`, beyond what its kind checks: empty, mixing
/// negated (`!value`) and plain values, or several negated addresses.
fn list_problem(option: &OptionSpec, arg: &Arg<'_>, value: &str) -> Option<Problem> {
    let key = || arg.key.to_string();
    if matches!(
        option.kind,
        crate::ValueKind::Text { .. } | crate::ValueKind::Any
    ) {
        return None;
    }
    if value.is_empty() {
        return Some(Problem::EmptyList { key: key() });
    }
    if !value.contains(',') && value.starts_with('!') {
        return Some(Problem::BadValue {
            key: key(),
            value: shown(value),
            reason: "`!` negates an option, not a value: write `not(value)` (`key!=value` in \
                     `firewall!`)"
                .into(),
        });
    }
    if value.split(',').any(|v| v.starts_with('!')) {
        return Some(Problem::MixedNegation { key: key() });
    }
    if arg.negated && option.kind == crate::ValueKind::Address && value.contains(',') {
        return Some(Problem::NegatedAddresses { key: key() });
    }
    None
}

/// The problem for a value refused by [`crate::ValueKind::check`].
#[must_use]
pub fn value_problem(key: &str, value: &str, family: Family, error: ValueError) -> Problem {
    match error {
        ValueError::Invalid(reason) => Problem::BadValue {
            key: key.to_string(),
            value: shown(value),
            reason,
        },
        ValueError::WrongFamily { found } => Problem::WrongFamily {
            value: shown(value),
            found,
            family,
        },
    }
}

/// Whether `protocol` is one of `protocols`: [`check_protocol`] reports nothing.
fn protocol_ok(protocols: &[&str], protocol: Option<&str>) -> bool {
    protocol.is_some_and(|p| protocols.iter().any(|q| q.eq_ignore_ascii_case(p)))
}

fn check_protocol(
    what: &str,
    protocols: &[&str],
    protocol: Option<&str>,
    at: Place,
    report: &mut dyn FnMut(Finding),
) {
    if protocol_ok(protocols, protocol) {
        return;
    }
    report(Finding {
        place: at,
        problem: Problem::NeedsProtocol {
            what: what.to_string(),
            protocols: protocols.iter().map(|p| p.to_string()).collect(),
            have: protocol.map(str::to_string),
        },
    });
}

/// Whether `scope` allows `ctx`: [`check_scope`] reports nothing.
fn scope_ok(ctx: &RuleContext<'_>, scope: &Scope) -> bool {
    scope.families.contains(ctx.family)
        && scope.allows_table(ctx.table)
        && ctx.reach.minus(scope.hooks).is_empty()
}

/// Checks family, table and hooks of something with a [`Scope`] at `ctx`.
pub fn check_scope(
    ctx: &RuleContext<'_>,
    what: &str,
    scope: &Scope,
    at: Place,
    report: &mut dyn FnMut(Finding),
) {
    if !scope.families.contains(ctx.family) {
        let alternative = family_alternative(what);
        report(Finding {
            place: at,
            problem: Problem::FamilyOnly {
                what: what.to_string(),
                family: ctx.family,
                alternative,
            },
        });
        return;
    }
    let table_ok = scope.allows_table(ctx.table);
    let bad_hooks = ctx.reach.minus(scope.hooks);
    if table_ok && bad_hooks.is_empty() {
        return;
    }
    let mut allowed = String::new();
    if !scope.tables.is_empty() {
        allowed.push_str(&format!(
            "the {} table{}",
            scope.tables.join("/"),
            if scope.tables.len() > 1 { "s" } else { "" }
        ));
    }
    if scope.hooks != Hooks::ALL {
        if !allowed.is_empty() {
            allowed.push(' ');
        }
        allowed.push_str(&scope.hooks.names());
    }
    let builtin = Hook::from_chain_name(ctx.chain).is_some();
    let via = (!builtin && !bad_hooks.is_empty()).then(|| bad_hooks.names());
    report(Finding {
        place: at,
        problem: Problem::NotAllowedHere {
            what: what.to_string(),
            table: ctx.table.to_string(),
            chain: ctx.chain.to_string(),
            via,
            allowed,
        },
    });
}

fn family_alternative(what: &str) -> Option<String> {
    let pairs = [
        ("match ttl", "match hl"),
        ("match hl", "match ttl"),
        ("target TTL", "target HL"),
        ("target HL", "target TTL"),
        ("match icmp", "match icmp6"),
        ("match icmp6", "match icmp"),
    ];
    pairs
        .iter()
        .find(|(a, _)| *a == what)
        .map(|(_, b)| (*b).to_string())
}

fn check_groups(
    owner: &str,
    required: &[&[&str]],
    exclusive: &[&[&str]],
    given: &[(&str, usize)],
    owner_at: Place,
    arg_at: fn(usize) -> Place,
    report: &mut dyn FnMut(Finding),
) {
    for group in required {
        if !given.iter().any(|(k, _)| group.contains(k)) {
            report(Finding {
                place: owner_at,
                problem: Problem::MissingOption {
                    owner: owner.to_string(),
                    options: group.iter().map(|s| s.to_string()).collect(),
                },
            });
        }
    }
    for group in exclusive {
        let hits: Vec<&(&str, usize)> = given.iter().filter(|(k, _)| group.contains(k)).collect();
        if let [first, second, ..] = hits.as_slice() {
            report(Finding {
                place: arg_at(second.1),
                problem: Problem::Exclusive {
                    owner: owner.to_string(),
                    first: first.0.to_string(),
                    second: second.0.to_string(),
                },
            });
        }
    }
}

/// Appends the text written for an option, its flag (`-s`, `--dport`), to `out`.
pub fn write_flag(option: &OptionSpec, out: &mut String) {
    match option.flag {
        Some(f) => out.push_str(f),
        None => {
            out.push_str("--");
            out.push_str(option.name);
        }
    }
}

/// Whether `key` names the rule's protocol (`-p`: `protocol`, `proto`, `p`).
#[must_use]
pub fn is_protocol_option(key: &str) -> bool {
    builtin(key).is_some_and(|o| o.name == "protocol")
}

/// Whether `a` and `b` name the same option.
#[must_use]
pub fn same_key(a: &str, b: &str) -> bool {
    eq_key(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_option_of_the_other_family_is_reported_once() {
        let ctx = RuleContext {
            family: Family::V6,
            table: "filter",
            chain: "INPUT",
            reach: Hooks::INPUT,
        };
        let args = [Arg {
            module: None,
            key: "fragment",
            negated: false,
            value: None,
        }];
        let mut found = Vec::new();
        check_rule(&ctx, &args, None, &mut |f| found.push(f));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            found[0].problem.to_string(),
            "`fragment` is IPv4 only; this rule is in an IPv6 table"
        );
    }

    fn problems(protocol: &str, module: Option<&str>, key: &str, value: &str) -> Vec<String> {
        let ctx = RuleContext {
            family: Family::V4,
            table: "filter",
            chain: "INPUT",
            reach: Hooks::INPUT,
        };
        let args = [
            Arg {
                module: None,
                key: "protocol",
                negated: false,
                value: Some(protocol),
            },
            Arg {
                module,
                key,
                negated: false,
                value: Some(value),
            },
        ];
        let mut found = Vec::new();
        check_rule(&ctx, &args, None, &mut |f| {
            found.push(f.problem.to_string())
        });
        found
    }

    #[test]
    fn service_names_are_resolved_as_iptables_resolves_them() {
        // Checked with iptables 1.8.9, both backends: udp's `--dport` takes a TCP or UDP
        // name, tcp, multiport and sctp only one of the rule's protocol.
        assert!(problems("udp", None, "dport", "ssh").is_empty());
        assert!(problems("udp", None, "dport", "ntp").is_empty());
        assert_eq!(problems("tcp", None, "dport", "ntp").len(), 1);
        assert!(problems("tcp", None, "dports", "ssh,http:https").is_empty());
        assert!(problems("sctp", None, "dport", "amqp").is_empty());
        assert_eq!(
            problems("udp", None, "dports", "domain,ssh"),
            [
                "bad value `domain,ssh` for `dports`: service `ssh` is defined for tcp only, \
              not for udp (iptables resolves it for the rule's protocol here); write its port \
              22"
            ]
        );
        assert_eq!(problems("UDP", None, "dports", "ssh:ntp").len(), 1);
        assert_eq!(problems("tcp", None, "sports", "ntp").len(), 1);
        assert_eq!(problems("sctp", None, "dport", "ssh").len(), 1);
        assert_eq!(problems("udp", Some("multiport"), "ports", "ssh").len(), 1);
    }

    #[test]
    fn an_option_needing_a_protocol_is_named_in_single_backticks() {
        let ctx = RuleContext {
            family: Family::V4,
            table: "nat",
            chain: "PREROUTING",
            reach: Hooks::PREROUTING,
        };
        let target_args = [Arg {
            module: None,
            key: "to-ports",
            negated: false,
            value: Some("3128"),
        }];
        let target = TargetCall {
            name: "REDIRECT",
            kind: TargetKind::Builtin,
            args: &target_args,
        };
        let mut found = Vec::new();
        check_rule(&ctx, &[], Some(&target), &mut |f| found.push(f));
        assert_eq!(found.len(), 1, "{found:?}");
        let message = found[0].problem.to_string();
        assert!(
            message.starts_with("`to-ports` needs one of the protocols "),
            "{message}"
        );
    }
}
