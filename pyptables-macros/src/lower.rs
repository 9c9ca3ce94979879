//! Lowering the rules of a chain body: each rule, with the options of the blocks around it,
//! becomes a [`model::Rule`] of slots (see [`crate::model`]).
//!
//! What is decided here, before the catalog checks of [`crate::check`]:
//! - the verb: a catalog target (`accept` → `ACCEPT`), `jump`/`goto NAME`, or `raw "…"`;
//! - `match=NAME`: the options after it belong to module NAME when it has them;
//! - target options: after a verb, an option the target has (`log_prefix`) is the target's,
//!   unless the explicit `match=` module in force has it too;
//! - lists: an option that takes a list natively gets one value joined by commas; ports
//!   (`dport`, `sport`, and the multiport keys) become multiport chunks of at most 15 slots;
//!   on other options each element gives its own rule;
//! - `{expr}` values: registered once each, in source order, with how their values become
//!   options.

use std::collections::HashMap;
use std::rc::Rc;

use pyptables_catalog::limits::{multiport_chunks, MULTIPORT_SLOTS};
use pyptables_catalog::matches;
use pyptables_catalog::rule::{is_protocol_option, resolve};
use pyptables_catalog::suggest::did_you_mean;
use pyptables_catalog::ValueKind;
use pyptables_catalog::{
    targets, Arg, Family, MatchSpec, OptionSpec, Problem, TargetKind, TargetSpec,
};

use crate::ast::{self, ExprValue, Item, Opt, SpanRange, VerbKind};
use crate::errors::Errors;
use crate::model::{Alt, Body, Dynamic, Mode, Rule, Slot, SlotValue, Target};
use crate::zones::{self, Decls};

/// Where the rules being lowered are: the one context of lowering, zone rules included.
pub struct Where<'a> {
    /// The user chains of that table (for "write `jump NAME`" hints).
    pub user_chains: &'a [String],
    /// The family used to compute canonical value texts (IPv6 for `ip6`, else IPv4).
    pub family: Family,
    /// The families the rules are for (two in `inet { … }`).
    pub families: &'a [Family],
    /// The chain's name.
    pub chain: &'a str,
    /// Whether the chain is built in.
    pub builtin: bool,
}

/// Lowers rules, registering `{expr}` values.
pub struct Lowerer<'e> {
    errors: &'e mut Errors,
    /// Every `{expr}`, in the order first seen.
    pub dynamics: Vec<Dynamic>,
    seen: HashMap<*const ExprValue, usize>,
    /// The declared zones and host groups, for zone rules.
    pub decls: Decls,
}

impl<'e> Lowerer<'e> {
    /// A lowerer reporting to `errors`.
    pub fn new(errors: &'e mut Errors) -> Self {
        Lowerer {
            errors,
            dynamics: Vec::new(),
            seen: HashMap::new(),
            decls: Decls::default(),
        }
    }

    /// The errors, for the check stage to go on reporting.
    pub fn errors(&mut self) -> &mut Errors {
        self.errors
    }

    /// Lowers a chain body.
    pub fn chain(&mut self, items: &[Item], at: &Where<'_>) -> Vec<Rc<Rule>> {
        let mut out = Vec::new();
        self.items(items, &mut Vec::new(), at, &mut out);
        out
    }

    fn items<'a>(
        &mut self,
        items: &'a [Item],
        prefix: &mut Vec<&'a Opt>,
        at: &Where<'_>,
        out: &mut Vec<Rc<Rule>>,
    ) {
        for item in items {
            match item {
                Item::Rule(rule) => {
                    if let Some(rule) = self.rule(prefix, rule, at) {
                        out.push(Rc::new(rule));
                    }
                }
                Item::Block(block) => {
                    let n = prefix.len();
                    prefix.extend(block.options.iter());
                    self.items(&block.items, prefix, at, out);
                    prefix.truncate(n);
                }
            }
        }
    }

    fn rule(&mut self, prefix: &[&Opt], rule: &ast::Rule, at: &Where<'_>) -> Option<Rule> {
        let start = rule.span.first.start();
        let (line, column) = (start.line, start.column + 1);
        let mut opts: Vec<&Opt> = prefix.to_vec();
        opts.extend(rule.options.iter());
        let protocol = primary_protocol(&opts);

        let verb_spec = rule
            .verb
            .as_ref()
            .filter(|v| matches!(v.kind, VerbKind::Target))
            .and_then(|v| targets::find_verb(&v.word.text));
        if zones::is_zone_rule(&opts, verb_spec) {
            let zone = zones::lower(&self.decls, rule.verb.as_ref(), &opts, at, self.errors)?;
            return Some(Rule {
                line,
                column,
                span: rule.span,
                body: Body::Zone(zone),
            });
        }

        let mut synthetic = None;
        let target = match &rule.verb {
            None => None,
            Some(verb) => match &verb.kind {
                VerbKind::Raw(lit, unchecked) => {
                    let body = self.raw(prefix, rule, verb, lit, *unchecked, at);
                    return Some(Rule {
                        line,
                        column,
                        span: rule.span,
                        body,
                    });
                }
                VerbKind::Jump(name) | VerbKind::Goto(name) => Some(Target {
                    name: name.text.clone(),
                    kind: if matches!(verb.kind, VerbKind::Jump(_)) {
                        TargetKind::Jump
                    } else {
                        TargetKind::Goto
                    },
                    span: name.span,
                }),
                VerbKind::Target => match targets::find_verb(&verb.word.text) {
                    Some(spec) => Some(Target {
                        name: spec.name.to_string(),
                        kind: TargetKind::Builtin,
                        span: verb.word.span,
                    }),
                    None => {
                        if is_flag_option(&verb.word.text, protocol.as_deref()) {
                            // `syn proto=tcp;`: a flag first, and no verb.
                            synthetic = Some(Opt {
                                key: verb.word.clone(),
                                bang: None,
                                value: None,
                                span: verb.word.span,
                            });
                        } else {
                            self.unknown_verb(&verb.word, protocol.as_deref(), at);
                        }
                        None
                    }
                },
            },
        };
        if let Some(flag) = &synthetic {
            opts.insert(prefix.len(), flag);
        }
        let spec = target
            .as_ref()
            .filter(|t| t.kind == TargetKind::Builtin)
            .and_then(|t| targets::find(&t.name));

        let mut slots = Vec::new();
        let mut dyn_protocol = false;
        // The explicit module in force (`match=NAME`).
        let mut active: Option<ActiveMatch> = None;
        for opt in opts {
            if opt.key.text == "match" {
                self.finish_match(active.take(), &mut slots);
                active = self.start_match(opt, slots.len());
                continue;
            }
            let key = opt.key.text.as_str();
            let module_has = active
                .as_ref()
                .is_some_and(|a| a.spec.is_some_and(|m| m.option(key).is_some()));
            let of_target = !module_has && spec.is_some_and(|s| s.option(key).is_some());
            if opt.value.is_none()
                && !opt.negated()
                && !module_has
                && !of_target
                && is_verb(key)
                && active.as_ref().is_none_or(|a| a.spec.is_some())
                && !resolves(key, protocol.as_deref())
            {
                // `accept proto=tcp drop proto=udp;`: the rest is most likely the next rule.
                let problem = Problem::UnknownOption {
                    key: key.to_string(),
                    owner: None,
                    suggestion: None,
                };
                self.errors.error(
                    opt.key.span,
                    format!(
                        "{problem}: `{key}` is a verb, which starts a rule — is a `;` missing \
                         before it?"
                    ),
                );
                break;
            }
            // An unknown module takes every option after it (its own problem is reported).
            let module = match &mut active {
                Some(a)
                    if !of_target
                        && (a.spec.is_none()
                            || module_has
                            || !resolves(key, protocol.as_deref())) =>
                {
                    a.used = true;
                    Some(a.name.clone())
                }
                _ => None,
            };
            let option = OptionRef {
                key,
                module: module.as_deref(),
                target: if of_target { spec } else { None },
                protocol: protocol.as_deref(),
                family: at.family,
            };
            self.misused_names(opt, &option, at);
            if matches!(opt.value, Some(ast::Value::Expr(_))) && is_protocol_option(key) {
                dyn_protocol = true;
            }
            let value = self.value(opt, &option);
            slots.push(Slot {
                key: key.to_string(),
                module,
                negated: opt.negated(),
                of_target,
                key_span: opt.key.span,
                bang: opt.bang,
                value,
            });
        }
        self.finish_match(active, &mut slots);
        Some(Rule {
            line,
            column,
            span: rule.span,
            body: Body::Options {
                slots,
                target,
                dyn_protocol,
            },
        })
    }

    /// Reports a zone or host group name written as an interface or address value.
    fn misused_names(&mut self, opt: &Opt, option: &OptionRef<'_>, at: &Where<'_>) {
        let Some(spec) = option.spec() else {
            return;
        };
        let written: Vec<&ast::Scalar> = match &opt.value {
            Some(ast::Value::Scalar(s)) => vec![s],
            Some(ast::Value::List(list)) => list.items.iter().collect(),
            _ => Vec::new(),
        };
        for s in written {
            if let Some(message) = zones::misused_name(&self.decls, option.key, spec, &s.text, at) {
                self.errors.explained(s.span, message);
            }
        }
    }

    /// The value of option `opt`: a flag, the alternatives written in the source, or an
    /// `{expr}` (registered).
    fn value(&mut self, opt: &Opt, option: &OptionRef<'_>) -> SlotValue {
        let key = option.key;
        match &opt.value {
            None => SlotValue::Flag,
            Some(ast::Value::Scalar(s)) => SlotValue::Static(vec![Alt {
                key: key.to_string(),
                canon: option.canonical(&s.text),
                text: s.text.clone(),
                elems: vec![(s.text.clone(), s.span)],
                list: None,
            }]),
            Some(ast::Value::List(list)) => {
                SlotValue::Static(self.list(opt, list, option, opt.negated()))
            }
            Some(ast::Value::Expr(e)) => {
                let index = self.dynamic(e, key, option.mode(), opt.negated());
                SlotValue::Dynamic {
                    index,
                    span: SpanRange::single(e.span),
                }
            }
        }
    }

    /// `raw "…"`: its text, checked as iptables reads it and against the restore line limits.
    fn raw(
        &mut self,
        prefix: &[&Opt],
        rule: &ast::Rule,
        verb: &ast::Verb,
        lit: &syn::LitStr,
        unchecked: bool,
        at: &Where<'_>,
    ) -> Body {
        if let Some(first) = rule.options.first() {
            self.errors.error(
                first.span,
                "a raw rule takes no options: write them in its text",
            );
        } else if !prefix.is_empty() {
            self.errors.error(
                verb.word.span,
                "a raw rule cannot take the options of the block around it: write \
                 them in its text, or move the rule out of the block",
            );
        }
        let text = lit.value();
        if let Err(reason) = pyptables_catalog::raw::tokens(&text) {
            self.errors.error(
                SpanRange::single(lit.span()),
                Problem::BadRawRule {
                    text: pyptables_catalog::problem::shown(&text),
                    reason,
                }
                .to_string(),
            );
        } else if let Some(problem) = pyptables_catalog::limits::line_problem(
            // The line the renderer writes for it.
            &format!("-A {} {text}", at.chain),
            true,
            "this raw rule",
        ) {
            self.errors
                .error(SpanRange::single(lit.span()), problem.to_string());
        }
        let jump = pyptables_catalog::raw::jump(&text);
        Body::Raw {
            text,
            span: SpanRange::single(lit.span()),
            jump,
            unchecked,
        }
    }

    /// `match=NAME`: the module in force from here on.
    fn start_match(&mut self, opt: &Opt, at: usize) -> Option<ActiveMatch> {
        if let Some(bang) = opt.bang {
            self.errors.error(
                SpanRange::single(bang),
                "`match` cannot be negated: negate the module's options instead (`key!=value`)",
            );
            return None;
        }
        let scalar = match &opt.value {
            None => {
                self.errors.error(
                    opt.key.span,
                    "`match` needs a module name, as in `match=recent`",
                );
                return None;
            }
            Some(ast::Value::Scalar(s)) => s,
            Some(other) => {
                self.errors.error(
                    other.span(),
                    "`match=` takes one module name written in the source, as in `match=recent`",
                );
                return None;
            }
        };
        let spec = matches::find(&scalar.text);
        if spec.is_none() {
            let problem = Problem::UnknownMatch {
                name: scalar.text.clone(),
                suggestion: did_you_mean(&scalar.text, matches::MATCHES.iter().map(|m| m.name))
                    .map(str::to_string),
            };
            self.errors.error(scalar.span, problem);
        }
        Some(ActiveMatch {
            name: scalar.text.clone(),
            spec,
            whole: opt.key.span.to(scalar.span),
            at,
            // An unknown module is reported once, as unknown.
            used: spec.is_none(),
        })
    }

    /// The end of a `match=` module's options: one that took none is the match alone
    /// (`match=socket`, `-m socket`), at its place among the options. The check stage refuses
    /// it, at `match=NAME`, where iptables needs options.
    fn finish_match(&mut self, active: Option<ActiveMatch>, slots: &mut Vec<Slot>) {
        if let Some(ActiveMatch {
            name,
            whole,
            at,
            used: false,
            ..
        }) = active
        {
            slots.insert(
                at,
                Slot {
                    key: String::new(),
                    module: Some(name),
                    negated: false,
                    of_target: false,
                    key_span: whole,
                    bang: None,
                    value: SlotValue::Flag,
                },
            );
        }
    }

    /// The alternatives of a list value.
    fn list(
        &mut self,
        opt: &Opt,
        list: &ast::List,
        option: &OptionRef<'_>,
        negated: bool,
    ) -> Vec<Alt> {
        let key = option.key;
        let elems: Vec<(String, SpanRange)> = list
            .items
            .iter()
            .map(|s| (s.text.clone(), s.span))
            .collect();
        let one = |key: &str, elems: Vec<(String, SpanRange)>| {
            let text = elems
                .iter()
                .map(|e| e.0.as_str())
                .collect::<Vec<_>>()
                .join(",");
            Alt {
                key: key.to_string(),
                canon: option.canonical(&text),
                text,
                elems,
                list: Some(list.span),
            }
        };
        match option.mode() {
            Mode::Join => vec![one(key, elems)],
            Mode::Ports { single, .. } if elems.len() == 1 => vec![one(&single, elems)],
            Mode::Ports { multi, .. } => {
                // A range takes two slots; a wrong value (reported by the check stage) one.
                let chunks = multiport_chunks(elems, |(text, _)| {
                    ValueKind::PortRange
                        .check(text, Family::V4)
                        .map_or(1, |canon| 1 + usize::from(canon.contains(':')))
                });
                if negated && chunks.len() > 1 {
                    self.errors.error(
                        SpanRange::single(list.span),
                        format!(
                            "a negated port list must fit in one multiport match (at most \
                             {MULTIPORT_SLOTS} ports, a range counting two): several negated \
                             rules would each match the ports the others exclude; use ranges, \
                             or a user chain that `return`s on the excluded ports"
                        ),
                    );
                }
                // Each chunk is a multiport list: its canonical text comes from that kind.
                chunks
                    .into_iter()
                    .map(|c| {
                        let mut alt = one(&multi, c);
                        if let Ok(canon) = ValueKind::PortList.check(&alt.text, Family::V4) {
                            alt.canon = canon.into_owned();
                        }
                        alt
                    })
                    .collect()
            }
            Mode::Each => {
                if negated && elems.len() > 1 {
                    self.errors.error(
                        opt.span,
                        format!(
                            "`{key}!=[…]` would give one rule per element, each matching what \
                             the others exclude; write one negated value per rule, or use a \
                             match that takes a list"
                        ),
                    );
                }
                elems.into_iter().map(|e| one(key, vec![e])).collect()
            }
        }
    }

    fn dynamic(&mut self, e: &ExprValue, key: &str, mode: Mode, negated: bool) -> usize {
        *self.seen.entry(e as *const ExprValue).or_insert_with(|| {
            self.dynamics.push(Dynamic {
                expr: e.expr.clone(),
                span: e.span,
                key: key.to_string(),
                mode,
                negated,
            });
            self.dynamics.len() - 1
        })
    }

    fn unknown_verb(&mut self, word: &ast::Name, protocol: Option<&str>, at: &Where<'_>) {
        let w = word.text.as_str();
        if at.user_chains.iter().any(|c| c == w) {
            self.errors.error(
                word.span,
                format!("unknown target `{w}`; to jump to user chain `{w}`, write `jump {w}`"),
            );
            return;
        }
        let lookup = Arg {
            module: None,
            key: w,
            negated: false,
            value: None,
        };
        if resolve(&lookup, protocol).is_ok() {
            self.errors.error(
                word.span,
                format!(
                    "`{w}` is an option, not a verb: write `{w}=value` (a rule without a target \
                     starts with its options)"
                ),
            );
            return;
        }
        let verbs: Vec<String> = targets::TARGETS
            .iter()
            .map(TargetSpec::verb)
            .chain(["jump", "goto", "raw"].map(String::from))
            .collect();
        let suggestion = did_you_mean(w, verbs.iter().map(String::as_str)).map(str::to_string);
        let more = if suggestion.is_none() {
            "; a rule starts with a verb (`accept`, `drop`, `reject`, `log`, `masquerade`, …, \
             `jump NAME`, `goto NAME`, `raw \"…\"`) or with its options"
        } else {
            ""
        };
        let problem = Problem::UnknownTarget {
            name: w.to_string(),
            suggestion,
        };
        self.errors.error(word.span, format!("{problem}{more}"));
    }
}

/// The module of a `match=NAME` in force in a rule.
struct ActiveMatch {
    /// The name as written.
    name: String,
    /// Its catalog entry, `None` for a module the catalog does not know.
    spec: Option<&'static MatchSpec>,
    /// Where `match=NAME` is.
    whole: SpanRange,
    /// The index its options start at among the rule's options.
    at: usize,
    /// Whether an option was given to it.
    used: bool,
}

/// An option as far as lowering knows it.
struct OptionRef<'a> {
    key: &'a str,
    module: Option<&'a str>,
    target: Option<&'static TargetSpec>,
    protocol: Option<&'a str>,
    family: Family,
}

impl OptionRef<'_> {
    fn spec(&self) -> Option<&'static OptionSpec> {
        if let Some(spec) = self.target {
            return spec.option(self.key);
        }
        let arg = Arg {
            module: self.module,
            key: self.key,
            negated: false,
            value: None,
        };
        resolve(&arg, self.protocol).ok().map(|r| r.option)
    }

    fn kind(&self) -> Option<ValueKind> {
        self.spec().map(|o| o.kind)
    }

    /// The canonical text of `text`, or `text` when it does not check (the check stage
    /// reports it).
    fn canonical(&self, text: &str) -> String {
        match self.kind().filter(|k| !k.is_flag()) {
            Some(kind) => kind
                .check(text, self.family)
                .map(|c| c.into_owned())
                .unwrap_or_else(|_| text.to_string()),
            None => text.to_string(),
        }
    }

    /// How several values of this option become options.
    fn mode(&self) -> Mode {
        if self.target.is_none() && self.module.is_none() {
            if let Some(name) = port_option(self.key) {
                return Mode::Ports {
                    single: self.key.to_string(),
                    multi: format!("{name}s"),
                };
            }
        }
        match self.kind() {
            Some(
                ValueKind::ChoiceList(_)
                | ValueKind::FamilyChoiceList { .. }
                | ValueKind::TcpOptionList
                | ValueKind::Weekdays
                | ValueKind::Monthdays,
            ) => Mode::Join,
            Some(ValueKind::PortList) => Mode::Ports {
                single: self.key.to_string(),
                multi: self.key.to_string(),
            },
            _ => Mode::Each,
        }
    }
}

/// Whether `word` starts a rule.
fn is_verb(word: &str) -> bool {
    targets::find_verb(word).is_some() || matches!(word, "jump" | "goto" | "raw")
}

/// `dport`/`sport` (by any of their names): the option a port list turns into multiport.
fn port_option(key: &str) -> Option<&'static str> {
    matches::find("tcp")
        .and_then(|m| m.option(key))
        .map(|o| o.name)
        .filter(|n| *n == "dport" || *n == "sport")
}

/// The rule's protocol as written (the first element of a list), for resolving options.
fn primary_protocol(opts: &[&Opt]) -> Option<String> {
    opts.iter()
        .filter(|o| !o.negated() && is_protocol_option(&o.key.text))
        .find_map(|o| match &o.value {
            Some(ast::Value::Scalar(s)) => Some(s.text.clone()),
            Some(ast::Value::List(l)) => l.items.first().map(|s| s.text.clone()),
            _ => None,
        })
}

/// Whether `key` is an option found without `match=` (given the rule's protocol).
fn resolves(key: &str, protocol: Option<&str>) -> bool {
    let arg = Arg {
        module: None,
        key,
        negated: false,
        value: None,
    };
    resolve(&arg, protocol).is_ok()
}

fn is_flag_option(key: &str, protocol: Option<&str>) -> bool {
    let arg = Arg {
        module: None,
        key,
        negated: false,
        value: None,
    };
    resolve(&arg, protocol).is_ok_and(|r| r.option.kind.is_flag())
}
