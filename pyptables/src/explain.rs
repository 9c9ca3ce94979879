//! Which rule decides a packet, offline: the tables walked as the kernel walks them.
//!
//! [`explain`] follows a [`Packet`] through the chains of one or more hooks — raw, mangle,
//! nat, filter, security in the kernel's priority order; nat only for the first packet of a
//! connection — with jumps, gotos, RETURN, policies and fall-through from user chains. NAT
//! and MARK/CONNMARK targets change what later rules see; LOG and the like are recorded.
//!
//! Each option is decided by the evaluator its catalog entry carries
//! ([`pyptables_catalog::packet`]). An option the catalog cannot decide offline (a rate, a
//! set, a recent list, a raw rule, …) is *unknown*: when a rule with such an option could
//! change the outcome, the walk stops and the verdict is [`Verdict::Unknown`] with the reason,
//! so a definite answer is never a guess. The differential tests (`tests/explain_kernel.rs`)
//! check definite answers against the kernel's own rule counters.
//!
//! ```
//! use pyptables::explain::{explain, Packet, Path, Verdict};
//! let fw = pyptables::firewall! {
//!     filter { INPUT policy DROP { accept proto=tcp dport=22 source=10.0.0.0/8; } }
//! };
//! let ssh = Packet::tcp("10.1.2.3".parse().unwrap(), "192.0.2.1".parse().unwrap(), 40000, 22);
//! let e = explain(fw.ipv4(), &ssh.in_interface("eth0"), Path::Input);
//! assert_eq!(e.verdict, Verdict::Accept);
//! assert_eq!(e.rule.unwrap().position, 1);
//! ```

use std::fmt;

pub use pyptables_catalog::packet::{CtState, Packet};
use pyptables_catalog::packet::{Effect, Truth};
use pyptables_catalog::rule::{is_protocol_option, protocol_of, resolve};
use pyptables_catalog::value::protocol_name;
use pyptables_catalog::{targets, Hook, TargetKind};

use crate::model::{Chain, Policy, Rule, Tables};
use crate::origin::Origin;

/// The hooks a packet passes, from where it enters to where it leaves the host's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// Received for this host: PREROUTING, then INPUT.
    Input,
    /// Routed through this host: PREROUTING, FORWARD, POSTROUTING.
    Forward,
    /// Sent by this host: OUTPUT, then POSTROUTING.
    Output,
    /// One hook only.
    Hook(Hook),
}

impl Path {
    /// The hooks in the order the packet passes them.
    pub fn hooks(self) -> Vec<Hook> {
        match self {
            Path::Input => vec![Hook::Prerouting, Hook::Input],
            Path::Forward => vec![Hook::Prerouting, Hook::Forward, Hook::Postrouting],
            Path::Output => vec![Hook::Output, Hook::Postrouting],
            Path::Hook(h) => vec![h],
        }
    }
}

/// The tables on `hook`, in the kernel's priority order (raw −300, mangle −150, nat DNAT −100,
/// filter 0, security 50, nat SNAT 100).
pub fn tables_at(hook: Hook) -> &'static [&'static str] {
    match hook {
        Hook::Prerouting => &["raw", "mangle", "nat"],
        Hook::Input => &["mangle", "filter", "security", "nat"],
        Hook::Forward => &["mangle", "filter", "security"],
        Hook::Output => &["raw", "mangle", "nat", "filter", "security"],
        Hook::Postrouting => &["mangle", "nat"],
    }
}

/// The outcome for the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// It passes every table of every hook walked.
    Accept,
    /// Dropped silently.
    Drop,
    /// Dropped with an error sent back.
    Reject,
    /// It cannot be decided offline; see [`Explanation::unknown`].
    Unknown,
}

impl Verdict {
    /// `ACCEPT`, `DROP`, `REJECT` or `UNKNOWN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "ACCEPT",
            Verdict::Drop => "DROP",
            Verdict::Reject => "REJECT",
            Verdict::Unknown => "UNKNOWN",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule, by where `iptables -L --line-numbers` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleAt {
    /// Its table.
    pub table: String,
    /// Its chain.
    pub chain: String,
    /// Its 1-based position in the chain.
    pub position: usize,
    /// Where in the source it was written.
    pub origin: Origin,
}

/// One step of the walk: a rule that matched, or a policy that applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The hook being walked.
    pub hook: Hook,
    /// The table.
    pub table: String,
    /// The chain.
    pub chain: String,
    /// The rule's 1-based position; `None` for the chain's policy.
    pub position: Option<usize>,
    /// Where the rule was written (the chain's origin for a policy).
    pub origin: Origin,
    /// What it did: the target or chain name, the policy, or nothing for a rule without one.
    pub action: String,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(n) => write!(
                f,
                "{}/{} rule {}: {} ({})",
                self.table,
                self.chain,
                n,
                if self.action.is_empty() {
                    "(no target)"
                } else {
                    &self.action
                },
                self.origin
            ),
            None => write!(f, "{}/{} policy {}", self.table, self.chain, self.action),
        }
    }
}

/// Why a packet gets its verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The outcome.
    pub verdict: Verdict,
    /// The deciding rule; `None` when a policy decided (or the verdict is unknown, or no
    /// table had the packet's chain).
    pub rule: Option<RuleAt>,
    /// The policy that decided, as (table, chain), when no rule did.
    pub policy: Option<(String, String)>,
    /// Every rule that matched and every policy applied, in order.
    pub path: Vec<Step>,
    /// What could not be decided offline (only the first that mattered stops the walk; a
    /// LOG rule that may or may not match is listed and walked past).
    pub unknown: Vec<String>,
    /// Rules whose match could not be decided but which decide nothing (LOG, no target):
    /// walked past; the kernel may or may not count them.
    pub maybe: Vec<Step>,
    /// What was assumed about the packet where it did not say (its state, its mark).
    pub assumptions: Vec<String>,
    /// The packet as the last table saw it (after NAT and marks).
    pub packet: Packet,
}

/// How one table's chain ended for the packet.
enum TableEnd {
    /// ACCEPT (or NAT): on to the next table; the rule, or `None` for the policy.
    Accept(Option<RuleAt>),
    /// DROP or REJECT.
    Stop(Verdict, Option<RuleAt>),
    /// Could not be decided.
    Unknown(String),
}

/// The kernel's limit on nested jumps is far above what a sane ruleset uses; a loop (which
/// validation refuses) must still not hang the walk.
const MAX_DEPTH: usize = 64;

/// Follows `packet` through `path` in `tables` and says which rule decides it.
pub fn explain(tables: &Tables, packet: &Packet, path: Path) -> Explanation {
    let mut packet = packet.clone();
    let mut assumptions = Vec::new();
    if packet.state.is_none() {
        packet.state = Some(CtState::New);
        assumptions.push("conntrack state NEW (the first packet of a connection)".to_string());
    }
    if packet.mark.is_none() {
        packet.mark = Some(0);
        assumptions.push("mark 0 (no mark set before these rules)".to_string());
    }
    if packet.ctmark.is_none() && packet.state == Some(CtState::New) {
        packet.ctmark = Some(0);
        assumptions.push("connection mark 0 (a new connection)".to_string());
    }
    let mut e = Explanation {
        verdict: Verdict::Accept,
        rule: None,
        policy: None,
        path: Vec::new(),
        unknown: Vec::new(),
        maybe: Vec::new(),
        assumptions,
        packet: packet.clone(),
    };
    let mut accepted_by: Option<(String, Option<RuleAt>, String)> = None;
    // Read every rule only when a nat chain is about to be walked.
    let conntrack_used = std::cell::OnceCell::new();
    for hook in path.hooks() {
        for &table_name in tables_at(hook) {
            // nat sees only the first packet of a connection; later ones follow its mapping.
            if table_name == "nat" && packet.state != Some(CtState::New) {
                continue;
            }
            let Some(table) = tables.table(table_name) else {
                assume(
                    &mut e.assumptions,
                    format!(
                        "no {table_name} table in these rules: assumed empty (loading them leaves \
                         the running one as it is)"
                    ),
                );
                continue;
            };
            let Some(chain) = table.chain(hook.chain_name()) else {
                if !table.preserved().is_empty() {
                    // A preserving table leaves the built-in chains it lacks as they run.
                    e.verdict = Verdict::Unknown;
                    e.unknown.push(format!(
                        "{table_name}/{} is not in these rules and is kept as it runs (preserve)",
                        hook.chain_name()
                    ));
                    e.packet = packet;
                    return e;
                }
                assume(
                    &mut e.assumptions,
                    format!(
                        "{table_name}/{}: not in these rules, assumed empty with policy ACCEPT",
                        hook.chain_name()
                    ),
                );
                continue;
            };
            // Without a rule that needs conntrack, the kernel may not track the packet at all
            // (the legacy backend tracks only for such a rule; nf_tables' nat chains do), and
            // untracked packets skip nat: its walk may or may not happen.
            if table_name == "nat" && !*conntrack_used.get_or_init(|| uses_conntrack(tables)) {
                let before = (e.path.len(), packet.clone());
                let end = walk(tables, table_name, chain, hook, &mut packet, &mut e);
                let steps: Vec<Step> = e.path.drain(before.0..).collect();
                e.maybe.extend(steps);
                if matches!(end, TableEnd::Unknown(_)) || packet != before.1 {
                    e.verdict = Verdict::Unknown;
                    e.unknown.push(format!(
                        "nat/{} changes the packet, but no rule needs conntrack, so whether nat \
                         sees it depends on the backend and on other rules",
                        hook.chain_name()
                    ));
                    e.packet = packet;
                    return e;
                }
                assume(
                    &mut e.assumptions,
                    "no rule needs conntrack: the nat chains may not see the packet (listed as maybe)".into(),
                );
                continue;
            }
            match walk(tables, table_name, chain, hook, &mut packet, &mut e) {
                TableEnd::Accept(rule) => {
                    accepted_by = Some((table_name.to_string(), rule, chain.name().to_string()))
                }
                TableEnd::Stop(verdict, rule) => {
                    e.verdict = verdict;
                    if rule.is_none() {
                        e.policy = Some((table_name.to_string(), chain.name().to_string()));
                    }
                    e.rule = rule;
                    e.packet = packet;
                    return e;
                }
                TableEnd::Unknown(why) => {
                    e.verdict = Verdict::Unknown;
                    e.unknown.push(why);
                    e.packet = packet;
                    return e;
                }
            }
        }
    }
    // Accepted everywhere: the filter table's decision is the one people ask about; without
    // one, the last table's.
    if let Some((_, rule, chain)) = accepted_by.clone() {
        let filter = e
            .path
            .iter()
            .rev()
            .find(|s| s.table == "filter" && is_final(&s.action))
            .cloned();
        match filter {
            Some(s) => {
                e.rule = s.position.map(|position| RuleAt {
                    table: s.table.clone(),
                    chain: s.chain.clone(),
                    position,
                    origin: s.origin,
                });
                if s.position.is_none() {
                    e.policy = Some((s.table, s.chain));
                }
            }
            None => {
                let table = accepted_by.map(|a| a.0).unwrap_or_default();
                if rule.is_none() {
                    e.policy = Some((table, chain));
                }
                e.rule = rule;
            }
        }
    }
    e.packet = packet;
    e
}

/// Matches and targets that make the kernel track connections (`nf_ct_netns_get`).
const CONNTRACK_MATCHES: &[&str] = &[
    "conntrack",
    "state",
    "connmark",
    "helper",
    "connlimit",
    "connbytes",
    "connlabel",
    "cluster",
    "ipvs",
];
const CONNTRACK_TARGETS: &[&str] = &[
    "DNAT",
    "SNAT",
    "MASQUERADE",
    "REDIRECT",
    "NETMAP",
    "CONNMARK",
    "CT",
    "NOTRACK",
    "TPROXY",
];

/// Whether some rule needs conntrack (a raw rule is read for the names).
fn uses_conntrack(tables: &Tables) -> bool {
    tables
        .iter()
        .flat_map(|t| t.chains())
        .flat_map(|c| c.iter())
        .any(|rule| {
            if let Some(raw) = rule.raw_text() {
                return CONNTRACK_MATCHES
                    .iter()
                    .chain(CONNTRACK_TARGETS)
                    .any(|n| raw.contains(n));
            }
            let args: Vec<pyptables_catalog::Arg<'_>> =
                rule.args().iter().map(|a| a.as_catalog()).collect();
            let protocol = protocol_of(&args);
            args.iter().any(|a| {
                resolve(a, protocol)
                    .ok()
                    .and_then(|r| r.module)
                    .is_some_and(|m| CONNTRACK_MATCHES.contains(&m.name))
            }) || rule
                .get_target()
                .is_some_and(|t| CONNTRACK_TARGETS.contains(&t.name()))
        })
}

fn assume(assumptions: &mut Vec<String>, what: String) {
    if !assumptions.contains(&what) {
        assumptions.push(what);
    }
}

fn is_final(action: &str) -> bool {
    matches!(action, "ACCEPT" | "DROP" | "REJECT")
}

/// One rule's matches: all options must hold.
pub(crate) fn rule_matches(rule: &Rule, packet: &Packet) -> Result<bool, String> {
    if let Some(raw) = rule.raw_text() {
        return Err(format!("raw rule `{raw}` is not evaluated offline"));
    }
    // The hot path: no allocation unless something is unknown.
    let protocol = rule
        .args()
        .iter()
        .find(|a| a.module.is_none() && !a.negated && is_protocol_option(&a.key))
        .and_then(|a| a.value.as_deref())
        .map(protocol_name);
    let mut truth = Truth::True;
    let mut unknown = None;
    for arg in rule.args().iter().map(|a| a.as_catalog()) {
        let arg = &arg;
        let t = match resolve(arg, protocol) {
            Ok(r) => match r.option.eval {
                Some(eval) => eval(packet, arg.value.unwrap_or("")),
                None => Truth::Unknown,
            },
            Err(_) => Truth::Unknown,
        };
        let t = if arg.negated { !t } else { t };
        if t == Truth::Unknown && unknown.is_none() {
            let module = resolve(arg, protocol)
                .ok()
                .and_then(|r| r.module)
                .map_or(String::new(), |m| format!("-m {} ", m.name));
            unknown = Some(if arg.is_bare() {
                // A match given alone tests something of its own (a socket, a route, that
                // the packet is not a later fragment): never taken as "every packet".
                format!("{module}(without options) cannot be decided offline")
            } else {
                format!(
                    "{module}--{}{} cannot be decided offline",
                    arg.key,
                    arg.value.map(|v| format!(" {v}")).unwrap_or_default()
                )
            });
        }
        truth = truth.and(t);
        if truth == Truth::False {
            return Ok(false);
        }
    }
    match truth {
        Truth::True => Ok(true),
        Truth::False => Ok(false),
        Truth::Unknown => Err(unknown.unwrap_or_default()),
    }
}

fn walk(
    tables: &Tables,
    table_name: &str,
    start: &Chain,
    hook: Hook,
    packet: &mut Packet,
    e: &mut Explanation,
) -> TableEnd {
    let Some(table) = tables.table(table_name) else {
        return TableEnd::Accept(None);
    };
    // (chain, index of the next rule); a goto replaces the top frame.
    let mut stack: Vec<(&Chain, usize)> = vec![(start, 0)];
    let step = |chain: &Chain, position: Option<usize>, origin: Origin, action: &str| Step {
        hook,
        table: table_name.to_string(),
        chain: chain.name().to_string(),
        position,
        origin,
        action: action.to_string(),
    };
    while let Some(&mut (chain, ref mut index)) = stack.last_mut() {
        let Some(rule) = chain.get(*index) else {
            // End of the chain: a user chain returns to its caller, a built-in one applies
            // its policy.
            if stack.len() > 1 {
                stack.pop();
                continue;
            }
            break;
        };
        *index += 1;
        let position = *index;
        let at = || RuleAt {
            table: table_name.to_string(),
            chain: chain.name().to_string(),
            position,
            origin: rule.origin(),
        };
        let target = rule.get_target();
        let action = target.map_or("", |t| t.name());
        let matched = match rule_matches(rule, packet) {
            Ok(m) => m,
            Err(why) => {
                // A raw rule's target is in its text, unread: never harmless.
                let harmless = rule.raw_text().is_none()
                    && target.is_none_or(|t| {
                        t.kind() == TargetKind::Builtin
                            && targets::find(t.name()).is_some_and(|s| s.effect == Effect::Continue)
                    });
                let why = format!("{table_name}/{} rule {position}: {why}", chain.name());
                if harmless {
                    e.maybe
                        .push(step(chain, Some(position), rule.origin(), action));
                    e.unknown.push(format!(
                        "{why} (it may or may not match; it does not decide)"
                    ));
                    continue;
                }
                return TableEnd::Unknown(why);
            }
        };
        if !matched {
            continue;
        }
        e.path
            .push(step(chain, Some(position), rule.origin(), action));
        let Some(target) = target else {
            continue;
        };
        match target.kind() {
            TargetKind::Jump | TargetKind::Goto => {
                let Some(next) = table.chain(target.name()) else {
                    return TableEnd::Unknown(format!(
                        "{table_name}/{} rule {position}: chain {} does not exist",
                        chain.name(),
                        target.name()
                    ));
                };
                if stack.len() >= MAX_DEPTH {
                    return TableEnd::Unknown("jumps nested too deep (a loop?)".into());
                }
                if target.kind() == TargetKind::Goto {
                    stack.pop();
                    // A goto from the built-in chain: its end still applies the policy, so
                    // keep a frame for the built-in chain at its end.
                    if stack.is_empty() {
                        stack.push((start, start.len()));
                    }
                }
                stack.push((next, 0));
            }
            TargetKind::Builtin => {
                let Some(spec) = targets::find(target.name()) else {
                    return TableEnd::Unknown(format!("target {} is unknown", target.name()));
                };
                match spec.effect {
                    Effect::Accept => return TableEnd::Accept(Some(at())),
                    Effect::Drop => return TableEnd::Stop(Verdict::Drop, Some(at())),
                    Effect::Reject => return TableEnd::Stop(Verdict::Reject, Some(at())),
                    Effect::Return => {
                        if stack.len() > 1 {
                            stack.pop();
                        } else {
                            break;
                        }
                    }
                    Effect::Continue => {}
                    Effect::Mark | Effect::ConnMark | Effect::Nat(_) => {
                        let opts: Vec<(&str, Option<&str>)> = target
                            .args()
                            .iter()
                            .map(|a| (a.key.as_str(), a.value.as_deref()))
                            .collect();
                        if let Err(why) = packet.apply(spec.effect, &opts) {
                            return TableEnd::Unknown(format!(
                                "{table_name}/{} rule {position}: {why}",
                                chain.name()
                            ));
                        }
                        if matches!(spec.effect, Effect::Nat(_)) {
                            return TableEnd::Accept(Some(at()));
                        }
                    }
                    Effect::Unknown => {
                        return TableEnd::Unknown(format!(
                            "{table_name}/{} rule {position}: what -j {} does is not known offline",
                            chain.name(),
                            target.name()
                        ))
                    }
                }
            }
        }
    }
    // The built-in chain's policy.
    let policy = start.policy().unwrap_or(Policy::Accept);
    e.path
        .push(step(start, None, start.origin(), policy.as_str()));
    match policy {
        Policy::Accept => TableEnd::Accept(None),
        Policy::Drop => TableEnd::Stop(Verdict::Drop, None),
    }
}
