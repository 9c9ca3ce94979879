//! Validation of the whole model against the catalog: every problem at once, each naming the
//! rule and where it was written.

use std::collections::HashSet;
use std::fmt;

use pyptables_catalog::chains::{check_table_preserving, ChainInfo, ChainPlace};
use pyptables_catalog::rule::{check_rule, RuleContext};
use pyptables_catalog::{targets, Family, Hook, Hooks, Place, Problem, TargetCall, TargetKind};

use crate::model::rule::{Arg, Body, Rule};
use crate::model::{Chain, Tables};
use crate::origin::Origin;
use crate::render::About;

/// One problem found by [`Tables::validate`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationError {
    /// What is wrong (the same message the `firewall!` macro gives at compile time).
    pub problem: Problem,
    /// The family of the tables.
    pub family: Family,
    /// The table.
    pub table: String,
    /// The chain, if the problem is in one.
    pub chain: Option<String>,
    /// The rule's index in the chain, if the problem is in a rule.
    pub rule: Option<usize>,
    /// The option of the rule the problem is about, if any.
    pub option: Option<String>,
    /// Where the rule, chain or table was written.
    pub origin: Origin,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.origin, self.family, self.table)?;
        if let Some(chain) = &self.chain {
            write!(f, " {chain}")?;
        }
        if let Some(rule) = self.rule {
            write!(f, " rule {}", rule + 1)?;
        }
        write!(f, ": {}", self.problem)
    }
}

/// Every problem [`Tables::validate`] found, in order; `Display` puts each on its own line.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    /// The problems.
    pub fn iter(&self) -> std::slice::Iter<'_, ValidationError> {
        self.0.iter()
    }

    /// How many.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ValidationErrors {}

impl<'a> IntoIterator for &'a ValidationErrors {
    type Item = &'a ValidationError;
    type IntoIter = std::slice::Iter<'a, ValidationError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

struct Collector<'a> {
    family: Family,
    table: &'a str,
    errors: Vec<ValidationError>,
}

impl Collector<'_> {
    fn push(
        &mut self,
        problem: Problem,
        chain: Option<&Chain>,
        rule: Option<(usize, &Rule)>,
        option: Option<String>,
        origin: Origin,
    ) {
        self.errors.push(ValidationError {
            problem,
            family: self.family,
            table: self.table.to_string(),
            chain: chain.map(|c| c.name().to_string()),
            rule: rule.map(|r| r.0),
            option,
            origin: rule.map_or(origin, |r| r.1.origin()),
        });
    }
}

impl Tables {
    /// Checks everything the catalog knows, reporting every problem at once.
    ///
    /// ```
    /// use pyptables::{default_tables, Rule, Target};
    /// let mut t = default_tables();
    /// t["filter"]["INPUT"].push(Rule::new().dport(22).accept());
    /// t["filter"]["INPUT"].push(Rule::new().jump("nosuch"));
    /// let errors = t.validate().unwrap_err();
    /// assert_eq!(errors.len(), 2);
    /// assert!(errors.to_string().contains("`dport` needs one of the protocols tcp|udp|sctp|dccp"));
    /// assert!(errors.to_string().contains("jump to undefined chain `nosuch`"));
    /// ```
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = Vec::new();
        for (i, table) in self.iter().enumerate() {
            let mut c = Collector {
                family: self.family(),
                table: table.name(),
                errors: Vec::new(),
            };
            if self.iter().take(i).any(|t| t.name() == table.name()) {
                c.push(
                    Problem::DuplicateTable {
                        table: table.name().to_string(),
                    },
                    None,
                    None,
                    None,
                    table.origin(),
                );
            }
            for pattern in table.preserved() {
                if let Some(problem) = pyptables_catalog::preserve::pattern_problem(pattern) {
                    c.push(problem, None, None, None, table.origin());
                }
            }
            let preserve: Vec<&str> = table.preserved().iter().map(String::as_str).collect();
            validate_table(table.chain_slice(), table.origin(), &preserve, &mut c);
            errors.extend(c.errors);
        }
        // Every line must reach iptables-restore as the one line it was written as.
        for (about, problem) in crate::render::check_lines(self) {
            errors.push(self.line_error(about, problem));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(errors))
        }
    }
}

impl Tables {
    /// The error for a problem of a rendered line, naming what the line is about.
    fn line_error(&self, about: About, problem: Problem) -> ValidationError {
        let (ti, ci, ri) = match about {
            About::File => (0, None, None),
            About::Table(t) => (t, None, None),
            About::Chain(t, c) => (t, Some(c), None),
            About::Rule(t, c, r) => (t, Some(c), Some(r)),
        };
        let table = self.iter().nth(ti);
        let chain = table.zip(ci).and_then(|(t, c)| t.chain_slice().get(c));
        let rule = chain.zip(ri).and_then(|(c, r)| c.get(r));
        ValidationError {
            problem,
            family: self.family(),
            table: table.map(|t| t.name().to_string()).unwrap_or_default(),
            chain: chain.map(|c| c.name().to_string()),
            rule: rule.and(ri),
            option: None,
            origin: rule
                .map(Rule::origin)
                .or(chain.map(Chain::origin))
                .or(table.map(|t| t.origin()))
                .unwrap_or_else(Origin::caller),
        }
    }
}

fn validate_table(
    chains: &[Chain],
    table_origin: Origin,
    preserve: &[&str],
    c: &mut Collector<'_>,
) {
    // Every chain name, for the look-ups of each jump (a table may have many chains).
    let names: HashSet<&str> = chains.iter().map(Chain::name).collect();
    // A jump whose name is neither a chain nor a target, but close to a target, is a
    // misspelt target rather than a missing chain.
    let raw_jumps: Vec<Vec<(String, bool, usize)>> = chains
        .iter()
        .map(|chain| {
            chain
                .iter()
                .enumerate()
                .filter_map(|(ri, rule)| match &rule.body {
                    Body::Raw {
                        text, unchecked, ..
                    } => pyptables_catalog::raw::jump(text)
                        // An unchecked rule may jump to a target the catalog does not know.
                        .filter(|(name, goto)| {
                            !*unchecked
                                || *goto
                                || names.contains(name.as_str())
                                || !pyptables_catalog::raw::may_be_unknown_target(name)
                        })
                        .map(|(name, goto)| (name, goto, ri)),
                    Body::Options { .. } | Body::Invalid(_) => None,
                })
                .collect()
        })
        .collect();
    let mut infos = Vec::with_capacity(chains.len());
    for (chain, raw) in chains.iter().zip(&raw_jumps) {
        let mut jumps = Vec::new();
        for (ri, rule) in chain.iter().enumerate() {
            match &rule.body {
                Body::Options {
                    target: Some(t), ..
                } if t.kind() != TargetKind::Builtin => {
                    let name = t.name();
                    if t.kind() == TargetKind::Jump
                        && !names.contains(name)
                        && !pyptables_catalog::preserve::any_matches(preserve.iter().copied(), name)
                    {
                        if let Some(s) = pyptables_catalog::suggest::did_you_mean(
                            name,
                            targets::TARGETS.iter().map(|t| t.name),
                        ) {
                            c.push(
                                Problem::UnknownTarget {
                                    name: name.to_string(),
                                    suggestion: Some(s.to_string()),
                                },
                                Some(chain),
                                Some((ri, rule)),
                                None,
                                rule.origin(),
                            );
                            continue;
                        }
                    }
                    jumps.push((name, t.kind() == TargetKind::Goto, ri));
                }
                _ => {}
            }
        }
        jumps.extend(
            raw.iter()
                .map(|(name, goto, ri)| (name.as_str(), *goto, *ri)),
        );
        jumps.sort_by_key(|j| j.2);
        infos.push(ChainInfo {
            name: chain.name(),
            builtin: chain.is_builtin(),
            policy: chain.policy().map(|p| p.as_str()),
            jumps,
        });
    }
    let checked = check_table_preserving(c.table, &infos, preserve);
    for (place, problem) in checked.problems {
        match place {
            ChainPlace::Table => c.push(problem, None, None, None, table_origin),
            ChainPlace::Chain(i) | ChainPlace::Policy(i) => {
                c.push(problem, Some(&chains[i]), None, None, chains[i].origin())
            }
            ChainPlace::Rule { chain, rule } => {
                let ch = &chains[chain];
                let r = ch.get(rule).map(|r| (rule, r));
                c.push(problem, Some(ch), r, None, ch.origin());
            }
        }
    }
    if tables_unknown(c.table) {
        return;
    }
    for (ci, chain) in chains.iter().enumerate() {
        let reach = match Hook::from_chain_name(chain.name()) {
            Some(h) if chain.is_builtin() => Hooks::of(h),
            _ => checked.reach.get(ci).copied().unwrap_or_default(),
        };
        let ctx = RuleContext {
            family: c.family,
            table: c.table,
            chain: chain.name(),
            reach,
        };
        for (ri, rule) in chain.iter().enumerate() {
            validate_rule(&ctx, chain, ri, rule, c);
        }
    }
}

fn tables_unknown(table: &str) -> bool {
    pyptables_catalog::tables::table(table).is_none()
}

fn validate_rule(
    ctx: &RuleContext<'_>,
    chain: &Chain,
    ri: usize,
    rule: &Rule,
    c: &mut Collector<'_>,
) {
    match &rule.body {
        Body::Raw { text, extended, .. } => {
            let problem = match pyptables_catalog::raw::tokens(text) {
                Err(reason) => Some(reason),
                Ok(_) if *extended => Some(
                    "options or a target were added to a raw rule; write them in its text".into(),
                ),
                Ok(_) => None,
            };
            if let Some(reason) = problem {
                c.push(
                    Problem::BadRawRule {
                        text: pyptables_catalog::problem::shown(text),
                        reason,
                    },
                    Some(chain),
                    Some((ri, rule)),
                    None,
                    rule.origin(),
                );
            }
        }
        Body::Invalid(problem) => c.push(
            problem.clone(),
            Some(chain),
            Some((ri, rule)),
            None,
            rule.origin(),
        ),
        Body::Options { args, target } => {
            let cat_args: Vec<_> = args.iter().map(Arg::as_catalog).collect();
            let target_args: Vec<_> = target
                .as_ref()
                .map(|t| t.args().iter().map(Arg::as_catalog).collect())
                .unwrap_or_default();
            let call = target.as_ref().map(|t| TargetCall {
                name: t.name(),
                kind: t.kind(),
                args: &target_args,
            });
            let mut found = Vec::new();
            check_rule(ctx, &cat_args, call.as_ref(), &mut |f| found.push(f));
            for f in found {
                let option = match f.place {
                    Place::Arg(i) | Place::Value(i) => args.get(i).map(|a| a.key.to_string()),
                    Place::TargetArg(i) | Place::TargetValue(i) => target
                        .as_ref()
                        .and_then(|t| t.args().get(i))
                        .map(|a| a.key.to_string()),
                    Place::Target => target.as_ref().map(|t| t.name().to_string()),
                    Place::Rule => None,
                };
                c.push(
                    f.problem,
                    Some(chain),
                    Some((ri, rule)),
                    option,
                    rule.origin(),
                );
            }
        }
    }
}
