//! Rules that can never match, and other mistakes the compiler does not see.
//!
//! [`Tables::lint`] reports, per rule:
//!
//! - **unreachable**: the rule follows an unconditional rule that leaves the chain (ACCEPT,
//!   DROP, REJECT, RETURN, a goto, NAT); or it is in a user chain no built-in chain reaches;
//! - **shadowed**: earlier rules of the same chain that leave the chain match, together,
//!   every packet this rule matches, and at least one of them that decides some of those
//!   packets has a *different* action;
//! - **redundant**: the same, where every one of them has the same action: removing the rule
//!   changes nothing;
//! - **return-only**: a jump or goto to a user chain that can only return — it has no
//!   rules, or each of its rules is a RETURN or a jump or goto to such a chain, and every
//!   match in them is one the catalog decides for a packet (a `limit`, `recent` or `quota`
//!   match keeps state, a side effect; a `set` match adds to the set's counters). A LOG, MARK or any other target, or a verdict, means
//!   the chain does something; so does a rule without target, whose only use is counting
//!   packets (an accounting chain: `iptables -L -v` reads its counters). The jump is reached, so this is
//!   its own kind rather than *unreachable*: a jump to such a chain does nothing, a goto acts
//!   as RETURN (from a built-in chain: the policy applies). Jumps inside such chains are
//!   not reported again;
//! - **dual-stack**: IPv6 rules whose INPUT drops neighbour discovery (IPv6 then stops
//!   working on the link).
//!
//! [`Firewall::lint`] adds, for a firewall with a filter table in both families, the
//! services whose IPv4 and IPv6 verdicts differ (also **dual-stack**). For each TCP and UDP
//! destination port the rules of either family name (the first port of each range, at most
//! 128 per protocol), a new connection into INPUT and one through FORWARD are walked with
//! [`crate::explain`] in each family. The probe comes from a source address no rule of its
//! family names (a client elsewhere), has no destination address nor a known source port
//! (the client picks it), and arrives on each
//! interface the rules name other than `lo` (or one no rule names, when none is named;
//! through FORWARD, pairs of them). Only definite verdicts compare: when either family's
//! walk meets a rule it cannot decide (a rate, a set, a rule on the destination address or
//! the source port, …)
//! the verdict is unknown and nothing is reported. A definite accept in one family and a drop
//! or reject in the other is a finding that says what each family decides and by which rule
//! or policy; it points at the deciding rule of one family (the one with a rule, the
//! accepting one when both have one). Ports decided by the same rules are one finding.
//!
//! # Coverage
//!
//! The check is sound and conservative: a finding is only made when coverage is certain.
//! Each rule's match set is a *box*: per packet field — protocol, source and destination
//! address (`-s`, `-d`, iprange), source and destination port (tcp, udp, sctp, dccp,
//! multiport `--sports`/`--dports`), ICMP type and code, TCP flags (`--syn`, `--tcp-flags`),
//! in and out interface (with `+` wildcards), conntrack state (`--ctstate`, `--state`),
//! fragment (`-f`), packet and connection mark (full masks, or masks of high bits) — the set
//! of values the rule allows; a negated option (`! -s 10.0.0.0/8`, `! -i eth0`,
//! `! --ctstate INVALID`, `! -p tcp`) is the complement of its set, so disjoint negations
//! cover too. Protocol, state, TCP flags and ICMP types are read from the catalog's
//! evaluators (those of [`crate::explain`]) value by value; the others are parsed as the
//! evaluators parse them.
//!
//! A later rule is covered when subtracting the boxes of the earlier rules that leave the
//! chain, in chain order, leaves nothing of its box (a box minus a box is a few boxes).
//! `by` then lists every earlier rule that decides some packet of the later rule first,
//! in chain order — not the ones whose packets were all decided before them.
//!
//! Only options whose evaluator is definite may cover: a rule with a rate, a set, a recent
//! list, `--ports`, a mark with another mask, or a raw rule neither covers nor is found
//! covered. The look-back stops at a rule that may change the packet and come back (a jump,
//! MARK, CONNMARK, a raw rule, an unknown target), because a later rule may then see a
//! different packet. The work per rule is capped (256 pieces, 16384 subtractions): past it
//! only one earlier rule that covers the whole rule on its own is reported (the rules that
//! decide parts before it are then not named), or nothing.
//!
//! Each finding carries a witness packet where one is found: a packet the flagged rule
//! matches and one covering rule decides (one with another action, for shadowed) — taken
//! from the part of the box that rule decides first, and checked with the same three-valued
//! evaluation [`crate::explain`] uses: the flagged rule and that rule match it, and every
//! earlier rule in the look-back that leaves the chain does not.
//! A return-only finding's witness is a packet the jump rule matches; a dual-stack verdict
//! finding's is the flagged family's probe (no destination address: send it to the host's
//! own).
//!
//! The per-host binary's `check` prints [`Firewall::lint`]'s findings; `pyptables lint FILE`
//! prints those of a saved ruleset, each naming its line in the file.
//!
//! ```
//! use pyptables::lint::Kind;
//! let fw = pyptables::firewall! {
//!     filter { INPUT policy DROP {
//!         accept proto=tcp dport="1:1024";
//!         drop proto=tcp dport=22 source="10.0.0.0/8";
//!     } }
//! };
//! let findings = fw.ipv4().lint();
//! assert_eq!(findings[0].kind, Kind::Shadowed);
//! assert_eq!((findings[0].position, findings[0].by.clone()), (Some(2), vec![1]));
//!
//! // Two rules together: each half of the address space is dropped.
//! let fw = pyptables::firewall! {
//!     filter { INPUT {
//!         drop source="0.0.0.0/1";
//!         drop source="128.0.0.0/1";
//!         accept proto=tcp dport=22;
//!     } }
//! };
//! let f = &fw.ipv4().lint()[0];
//! assert_eq!((f.kind, f.position, f.by.clone()), (Kind::Shadowed, Some(3), vec![1, 2]));
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use pyptables_catalog::packet::{parse_mark, protocol_number, CtState, Effect, OptionEval, Packet};
use pyptables_catalog::rule::{is_protocol_option, resolve};
use pyptables_catalog::value::protocol_name;
use pyptables_catalog::{targets, Family, TargetKind};

use crate::explain::{explain, rule_matches, Path, RuleAt, Verdict};
use crate::firewall::Firewall;
use crate::model::{Chain, Policy, Rule, Table, Tables};
use crate::origin::Origin;

mod boxes;

use boxes::Region;

/// What is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// No packet can reach the rule (or chain).
    Unreachable,
    /// Earlier rules with another action decide every packet the rule matches.
    Shadowed,
    /// Earlier rules with the same action decide every packet the rule matches.
    Redundant,
    /// IPv6 rules that break IPv6 itself (neighbour discovery dropped), or a firewall whose
    /// IPv4 and IPv6 rules decide the same service differently ([`Firewall::lint`]).
    DualStack,
    /// A jump or goto to a user chain whose rules can only return: they never decide the
    /// packet nor change anything (see [`crate::lint`]).
    ReturnOnly,
}

impl Kind {
    /// `unreachable`, `shadowed`, `redundant`, `dual-stack` or `return-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Unreachable => "unreachable",
            Kind::Shadowed => "shadowed",
            Kind::Redundant => "redundant",
            Kind::DualStack => "dual-stack",
            Kind::ReturnOnly => "return-only",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// What is wrong.
    pub kind: Kind,
    /// IPv4 or IPv6 rules.
    pub family: Family,
    /// The table.
    pub table: String,
    /// The chain.
    pub chain: String,
    /// The flagged rule's 1-based position; `None` for a whole chain (an unreachable user
    /// chain, a policy).
    pub position: Option<usize>,
    /// Where the flagged rule (or chain) was written.
    pub origin: Origin,
    /// The 1-based positions, in the same chain, of the rules that decide first.
    pub by: Vec<usize>,
    /// Why, in words.
    pub evidence: String,
    /// A packet the flagged rule matches (and the rules in `by` decide), when one was found.
    pub witness: Option<Packet>,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let family = match self.family {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        };
        write!(f, "{}: {family} {}/{}", self.kind, self.table, self.chain)?;
        if let Some(p) = self.position {
            write!(f, " rule {p}")?;
        }
        write!(f, " ({}): {}", self.origin, self.evidence)?;
        if let Some(w) = &self.witness {
            write!(f, "; e.g. {}", describe(w))?;
        }
        Ok(())
    }
}

/// A packet in a few words: `tcp 192.0.2.1:40000 -> 198.51.100.1:22 in eth0`.
pub fn describe(p: &Packet) -> String {
    let proto = match p.protocol {
        Some(6) => "tcp".to_string(),
        Some(17) => "udp".to_string(),
        Some(1) => "icmp".to_string(),
        Some(58) => "icmpv6".to_string(),
        Some(n) => format!("proto {n}"),
        None => "any".to_string(),
    };
    let addr = |a: Option<IpAddr>, port: Option<u16>| {
        let a = a.map_or("?".to_string(), |a| a.to_string());
        match port {
            Some(port) if a.contains(':') => format!("[{a}]:{port}"),
            Some(port) => format!("{a}:{port}"),
            None => a,
        }
    };
    let mut s = format!(
        "{proto} {} -> {}",
        addr(p.src, p.sport),
        addr(p.dst, p.dport)
    );
    if let Some((t, c)) = p.icmp {
        s.push_str(&format!(" type {t}/{c}"));
    }
    if let Some(i) = &p.in_interface {
        s.push_str(&format!(" in {i}"));
    }
    if let Some(o) = &p.out_interface {
        s.push_str(&format!(" out {o}"));
    }
    if let Some(st) = p.state {
        s.push_str(&format!(" state {}", st.name()));
    }
    s
}

impl Tables {
    /// Unreachable, shadowed and redundant rules, dead user chains, jumps to chains that can
    /// only return and dual-stack traps; see [`crate::lint`]. Empty when nothing is found.
    /// [`Firewall::lint`] also compares the IPv4 and IPv6 verdicts.
    pub fn lint(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for table in self.iter() {
            for chain in table.chains() {
                lint_chain(self.family(), table, chain, &mut out);
            }
            dead_chains(self.family(), table, &mut out);
            return_only_jumps(self.family(), table, &mut out);
        }
        dual_stack(self, &mut out);
        out
    }
}

/// One option of a rule, resolved through the catalog.
struct Opt<'a> {
    module: Option<&'static str>,
    name: &'static str,
    negated: bool,
    value: &'a str,
    /// The catalog can decide it for a packet.
    definite: bool,
    /// The catalog's evaluator for it.
    eval: Option<OptionEval>,
}

/// A rule's options, or `None` for a rule that is not read (raw, unresolvable).
fn opts(rule: &Rule) -> Option<Vec<Opt<'_>>> {
    if rule.raw_text().is_some() {
        return None;
    }
    let protocol = rule
        .args()
        .iter()
        .find(|a| a.module.is_none() && !a.negated && is_protocol_option(&a.key))
        .and_then(|a| a.value.as_deref())
        .map(protocol_name);
    rule.args()
        .iter()
        .map(|a| {
            let r = resolve(&a.as_catalog(), protocol).ok()?;
            Some(Opt {
                module: r.module.map(|m| m.name),
                name: r.option.name,
                negated: a.negated,
                value: a.value.as_deref().unwrap_or(""),
                definite: r.option.eval.is_some(),
                eval: r.option.eval,
            })
        })
        .collect()
}

/// How a rule's target moves the packet through the chain.
#[derive(PartialEq, Eq)]
enum Flow {
    /// It leaves the chain for good when the rule matches.
    Leaves,
    /// It goes on with the next rule, unchanged.
    Continues,
    /// It may come back changed (a jump, MARK, an unknown target): stop looking back.
    Barrier,
}

fn flow(rule: &Rule) -> Flow {
    if rule.raw_text().is_some() {
        return Flow::Barrier;
    }
    let Some(t) = rule.get_target() else {
        return Flow::Continues;
    };
    match t.kind() {
        TargetKind::Goto => Flow::Leaves,
        TargetKind::Jump => Flow::Barrier,
        TargetKind::Builtin => match targets::find(t.name()).map(|s| s.effect) {
            Some(Effect::Accept | Effect::Drop | Effect::Reject | Effect::Return) => Flow::Leaves,
            Some(Effect::Nat(_)) => Flow::Leaves,
            Some(Effect::Continue) => Flow::Continues,
            _ => Flow::Barrier,
        },
    }
}

/// The target with its options, as a key for "same action".
fn action(rule: &Rule) -> String {
    match rule.get_target() {
        None => String::new(),
        Some(t) => {
            let mut s = format!("{:?} {}", t.kind(), t.name());
            for a in t.args() {
                s.push_str(&format!(
                    " {}{}={}",
                    if a.negated { "!" } else { "" },
                    a.key,
                    a.value.as_deref().unwrap_or("")
                ));
            }
            s
        }
    }
}

fn target_name(rule: &Rule) -> &str {
    rule.get_target().map_or("(no target)", |t| t.name())
}

/// Most pieces the uncovered rest of a rule may split into, and most piece subtractions
/// spent on one rule, before the search gives up on it (and reports nothing): box
/// differences can multiply, and a lint must stay fast on any chain.
const MAX_PIECES: usize = 256;
const MAX_WORK: usize = 16_384;

fn lint_chain(family: Family, table: &Table, chain: &Chain, out: &mut Vec<Finding>) {
    let rules = chain.rules();
    let parsed: Vec<Option<Vec<Opt<'_>>>> = rules.iter().map(opts).collect();
    let flows: Vec<Flow> = rules.iter().map(flow).collect();
    let mut cache = boxes::Cache::new();
    let regions: Vec<Option<Region>> = parsed
        .iter()
        .map(|o| Region::of(family, o.as_deref()?, &mut cache))
        .collect();
    // The earlier rules that leave the chain and are wholly definite, since the last
    // barrier: the only candidates to cover a later rule.
    let mut candidates = Candidates::default();
    // Rules since the last barrier that leave the chain but cannot be boxed: a witness
    // must be definitely not matched by them to be decided where the finding says.
    let mut opaque: Vec<usize> = Vec::new();
    // Every rule since the last barrier that leaves the chain.
    let mut leaving: Vec<usize> = Vec::new();
    let mut found: Vec<usize> = Vec::new();
    let ctx = Ctx {
        family,
        table,
        chain,
        rules,
        parsed: &parsed,
    };
    for j in 0..rules.len() {
        if let Some(&i) = candidates.unconditional.first() {
            // Every rule after an unconditional one is unreachable, read or not; but when
            // earlier rules decide all of its packets before that one, they are the better
            // answer (shadowed or redundant). Otherwise its witness is one the unconditional
            // rule decides: from the part of the rule no earlier rule decides, or else the
            // rule's own example, checked against the earlier rules (not too many: a witness
            // is an extra).
            let mut witness = None;
            if let Some(l) = regions[j]
                .as_ref()
                .map(Region::tight)
                .filter(|r| !r.is_empty())
            {
                candidates.possible(&l, &mut found);
                if let Some(cover) = covered(&l, &found, &regions) {
                    match cover.iter().find(|(k, _)| *k == i) {
                        Some((_, parts)) => {
                            witness = parts
                                .iter()
                                .find_map(|p| ctx.witness(j, i, Some(p), &found, &opaque));
                        }
                        None => {
                            out.push(ctx.covered_finding(j, cover, &found, &opaque));
                            continue_flow(
                                j,
                                &flows,
                                &regions,
                                &mut candidates,
                                &mut opaque,
                                &mut leaving,
                            );
                            continue;
                        }
                    }
                }
            } else if leaving.len() <= 1000 {
                witness = ctx.witness(j, i, None, &leaving, &[]);
            }
            out.push(ctx.unreachable(i, j, witness));
        } else if let Some(l) = regions[j]
            .as_ref()
            .map(Region::tight)
            .filter(|r| !r.is_empty())
        {
            candidates.possible(&l, &mut found);
            if let Some(cover) = covered(&l, &found, &regions) {
                out.push(ctx.covered_finding(j, cover, &found, &opaque));
            }
        }
        continue_flow(
            j,
            &flows,
            &regions,
            &mut candidates,
            &mut opaque,
            &mut leaving,
        );
    }
}

/// Rule `j`'s part in what the later rules look back at.
fn continue_flow(
    j: usize,
    flows: &[Flow],
    regions: &[Option<Region>],
    candidates: &mut Candidates,
    opaque: &mut Vec<usize>,
    leaving: &mut Vec<usize>,
) {
    match flows[j] {
        Flow::Barrier => {
            *candidates = Candidates::default();
            opaque.clear();
            leaving.clear();
        }
        Flow::Continues => {}
        Flow::Leaves => {
            leaving.push(j);
            match &regions[j] {
                Some(r) => candidates.add(j, r),
                None => opaque.push(j),
            }
        }
    }
}

/// The earlier rules whose boxes together hold all of `l`: each of them, in chain order,
/// with a part of `l` it decides first. `None` when some packet of `l` is left, or when the
/// search gives up (see [`MAX_PIECES`]) and no single rule holds `l`.
fn covered(
    l: &Region,
    found: &[usize],
    regions: &[Option<Region>],
) -> Option<Vec<(usize, Vec<Region>)>> {
    let mut rest = vec![l.clone()];
    let mut next = Vec::new();
    let mut by = Vec::new();
    let mut work = 0;
    for &i in found {
        let Some(c) = regions[i].as_ref() else {
            continue;
        };
        if !c.intersects(l) {
            continue;
        }
        // A few of the parts it decides, for the witness (some parts may hold no real
        // packet: the boxes' space is larger than real packets).
        let mut decided = Vec::new();
        for piece in rest.drain(..) {
            work += 1;
            if piece.minus(c, &mut next) && decided.len() < 4 {
                decided.push(piece.intersect(c));
            }
        }
        std::mem::swap(&mut rest, &mut next);
        if !decided.is_empty() {
            by.push((i, decided));
        }
        if rest.is_empty() {
            return Some(by);
        }
        if rest.len() > MAX_PIECES || work > MAX_WORK {
            // Too many pieces to be sure of the union: one rule that holds all of `l` on
            // its own is still certain (the earlier ones that decide parts are not named).
            return found
                .iter()
                .filter_map(|&i| Some((i, regions[i].as_ref()?)))
                .find(|(_, c)| {
                    next.clear();
                    l.minus(c, &mut next);
                    next.is_empty()
                })
                .map(|(i, _)| vec![(i, vec![l.clone()])]);
        }
    }
    None
}

/// Candidate covering rules, indexed so that a long chain of rules with distinct source
/// addresses is not checked pairwise: a rule whose source is one prefix can only share
/// packets with a later rule when its prefix contains an address the later rule matches, or
/// starts inside one of the later rule's source ranges.
#[derive(Default)]
struct Candidates {
    /// By their source prefix, as (first address, prefix length).
    by_prefix: HashMap<(u128, u8), Vec<usize>>,
    /// The same, by first address only.
    by_start: BTreeMap<u128, Vec<usize>>,
    /// The others (any source, a negated one, a range).
    other: Vec<usize>,
    /// Those that match every packet.
    unconditional: Vec<usize>,
    /// The longest prefix length seen (32 or 128).
    bits: u8,
}

impl Candidates {
    fn add(&mut self, i: usize, r: &Region) {
        if r.is_full() {
            self.unconditional.push(i);
        }
        match r.sources().and_then(|s| prefix(s, r.address_bits())) {
            Some((start, len)) => {
                self.bits = r.address_bits();
                self.by_prefix.entry((start, len)).or_default().push(i);
                self.by_start.entry(start).or_default().push(i);
            }
            None => self.other.push(i),
        }
    }

    /// The candidates that may share packets with `l`, in chain order, into `found`.
    fn possible(&self, l: &Region, found: &mut Vec<usize>) {
        found.clear();
        found.extend_from_slice(&self.other);
        if !self.by_start.is_empty() {
            match l.sources() {
                None => found.extend(self.by_start.values().flatten()),
                Some(ranges) => {
                    for &(a, b) in ranges {
                        found.extend(self.by_start.range(a..=b).flat_map(|(_, v)| v));
                        // Prefixes that start before `a` and hold it.
                        for len in 0..=self.bits {
                            let start = a & mask(len, self.bits);
                            if start < a {
                                if let Some(v) = self.by_prefix.get(&(start, len)) {
                                    found.extend_from_slice(v);
                                }
                            }
                        }
                    }
                }
            }
        }
        // `other` alone is in order already (a long chain without sources).
        if found.len() > self.other.len() {
            found.sort_unstable();
            found.dedup();
        }
    }
}

/// The network mask of a `len`-bit prefix among `bits`-bit addresses, as a number.
fn mask(len: u8, bits: u8) -> u128 {
    let all = if bits >= 128 {
        u128::MAX
    } else {
        (1u128 << bits) - 1
    };
    all & !all.checked_shr(len.into()).unwrap_or(0)
}

/// The (start, length) of the prefix the ranges are exactly, if they are one.
fn prefix(ranges: &[(u128, u128)], bits: u8) -> Option<(u128, u8)> {
    let [(a, b)] = ranges else {
        return None;
    };
    let size = b.checked_sub(*a)?.checked_add(1)?;
    if !size.is_power_of_two() || a & (size - 1) != 0 {
        return None;
    }
    let len = bits - size.trailing_zeros() as u8;
    Some((*a, len))
}

/// What a covered-rule finding needs of its chain.
struct Ctx<'a, 'r> {
    family: Family,
    table: &'a Table,
    chain: &'a Chain,
    rules: &'a [Rule],
    parsed: &'a [Option<Vec<Opt<'r>>>],
}

impl Ctx<'_, '_> {
    /// Rule `j`, after rule `i` that leaves the chain for every packet.
    fn unreachable(&self, i: usize, j: usize, witness: Option<Packet>) -> Finding {
        let rules = self.rules;
        Finding {
            kind: Kind::Unreachable,
            family: self.family,
            table: self.table.name().to_string(),
            chain: self.chain.name().to_string(),
            position: Some(j + 1),
            origin: rules[j].origin(),
            by: vec![i + 1],
            evidence: format!(
                "rule {} ({}, {}) leaves the chain for every packet",
                i + 1,
                target_name(&rules[i]),
                rules[i].origin()
            ),
            witness,
        }
    }

    /// Rule `j`, whose every packet the rules of `cover` decide first.
    fn covered_finding(
        &self,
        j: usize,
        cover: Vec<(usize, Vec<Region>)>,
        found: &[usize],
        opaque: &[usize],
    ) -> Finding {
        let rules = self.rules;
        let mine = action(&rules[j]);
        let differs = |i: usize| action(&rules[i]) != mine;
        let kind = if cover.iter().any(|(i, _)| differs(*i)) {
            Kind::Shadowed
        } else {
            Kind::Redundant
        };
        let by: Vec<usize> = cover.iter().map(|(i, _)| *i).collect();
        let names = |i: usize| {
            format!(
                "{} ({}, {})",
                i + 1,
                rules[i].origin(),
                target_name(&rules[i])
            )
        };
        let evidence = match (kind, by.as_slice()) {
            (Kind::Redundant, [i]) => format!(
                "rule {} already matches every packet this rule matches, with the same action \
                 {}",
                names(*i),
                target_name(&rules[j])
            ),
            (_, [i]) => format!(
                "rule {} matches every packet this rule matches and decides it first: {} \
                 instead of {}",
                names(*i),
                target_name(&rules[*i]),
                target_name(&rules[j])
            ),
            (Kind::Redundant, _) => format!(
                "rules {} together already match every packet this rule matches, with the \
                 same action {}",
                by.iter().map(|&i| names(i)).collect::<Vec<_>>().join(", "),
                target_name(&rules[j])
            ),
            _ => {
                let mut other: Vec<&str> = Vec::new();
                for &i in by.iter().filter(|&&i| differs(i)) {
                    if !other.contains(&target_name(&rules[i])) {
                        other.push(target_name(&rules[i]));
                    }
                }
                format!(
                    "rules {} together match every packet this rule matches and decide it \
                     first: {} instead of {}",
                    by.iter().map(|&i| names(i)).collect::<Vec<_>>().join(", "),
                    other.join(" or "),
                    target_name(&rules[j])
                )
            }
        };
        // A witness from the part of this rule one covering rule decides first (one with
        // another action when there is one), checked with the evaluator: this rule and
        // that rule match it, and every earlier rule that could decide it does not.
        let mut order: Vec<&(usize, Vec<Region>)> =
            cover.iter().filter(|(i, _)| differs(*i)).collect();
        order.extend(cover.iter().filter(|(i, _)| !differs(*i)));
        let witness = order.iter().find_map(|(k, parts)| {
            parts
                .iter()
                .find_map(|p| self.witness(j, *k, Some(p), found, opaque))
        });
        Finding {
            kind,
            family: self.family,
            table: self.table.name().to_string(),
            chain: self.chain.name().to_string(),
            position: Some(j + 1),
            origin: rules[j].origin(),
            by: by.iter().map(|i| i + 1).collect(),
            evidence,
            witness,
        }
    }

    /// A packet of rule `j` that rule `k` decides: from `part` (within both boxes, outside
    /// every earlier candidate's), or without one the example [`witness`] makes of rule `j`;
    /// checked with the evaluator: `j` and `k` match it, the rules of `found` and `opaque`
    /// before `k` do not.
    fn witness(
        &self,
        j: usize,
        k: usize,
        part: Option<&Region>,
        found: &[usize],
        opaque: &[usize],
    ) -> Option<Packet> {
        let rules = self.rules;
        let mut names: Vec<&str> = Vec::new();
        for o in [j, k]
            .iter()
            .filter_map(|&i| self.parsed[i].as_ref())
            .flatten()
        {
            if !o.negated && matches!(o.name, "in-interface" | "out-interface") {
                names.push(o.value);
            }
        }
        let w = match part {
            Some(part) => part.witness(&names)?,
            None => witness(self.family, &rules[j])?,
        };
        let matches = |i: usize| rule_matches(&rules[i], &w);
        let first = found
            .iter()
            .chain(opaque)
            .filter(|&&i| i < k)
            .all(|&i| matches(i) == Ok(false));
        (first && matches(k) == Ok(true) && matches(j) == Ok(true)).then_some(w)
    }
}

fn net(v: &str) -> Option<IpNet> {
    v.parse::<IpNet>()
        .ok()
        .map(|n| n.trunc())
        .or_else(|| v.parse::<IpAddr>().ok().map(IpNet::from))
}

fn port(v: &str) -> Option<u16> {
    v.parse()
        .ok()
        .or_else(|| pyptables_catalog::services::port(v))
}

fn port_list(v: &str) -> Option<Vec<(u16, u16)>> {
    v.split(',')
        .map(|item| match item.split_once(':') {
            None => port(item).map(|p| (p, p)),
            Some((a, b)) => {
                let lo = if a.is_empty() { 0 } else { port(a)? };
                let hi = if b.is_empty() { 65535 } else { port(b)? };
                Some((lo, hi))
            }
        })
        .collect()
}

/// A packet `rule` matches, built from its options; checked by the caller with the
/// evaluator. `None` when the rule is not read.
pub(crate) fn witness(family: Family, rule: &Rule) -> Option<Packet> {
    let opts = opts(rule)?;
    let v6 = family == Family::V6;
    let (src, dst): (IpAddr, IpAddr) = if v6 {
        ("2001:db8::1".parse().ok()?, "2001:db8::2".parse().ok()?)
    } else {
        ("192.0.2.1".parse().ok()?, "198.51.100.1".parse().ok()?)
    };
    let mut p = Packet::tcp(src, dst, 40000, 80);
    p.state = Some(CtState::New);
    p.mark = Some(0);
    p.ctmark = Some(0);
    for o in &opts {
        if o.name == "protocol" && !o.negated {
            match protocol_number(o.value) {
                Some(Some(n)) => {
                    p.protocol = Some(n);
                    if !matches!(n, 6 | 17 | 132 | 33) {
                        p.sport = None;
                        p.dport = None;
                    }
                    if n != 6 {
                        p.tcp_flags = None;
                    }
                    if n == 1 || n == 58 {
                        p.icmp = Some(if n == 1 { (8, 0) } else { (128, 0) });
                    }
                }
                Some(None) => {}
                None => return None,
            }
        }
    }
    for o in &opts {
        match (o.name, o.negated) {
            ("source", false) => p.src = Some(inside(o.value)?),
            ("destination", false) => p.dst = Some(inside(o.value)?),
            ("source", true) => p.src = Some(outside(o.value, v6)?),
            ("destination", true) => p.dst = Some(outside(o.value, v6)?),
            ("in-interface", false) => p.in_interface = Some(iface(o.value)),
            ("out-interface", false) => p.out_interface = Some(iface(o.value)),
            ("in-interface", true) => p.in_interface = Some("wit0".into()),
            ("out-interface", true) => p.out_interface = Some("wit1".into()),
            ("sport" | "sports", neg) => p.sport = Some(pick_port(o.value, neg)?),
            ("dport" | "dports" | "ports", neg) => p.dport = Some(pick_port(o.value, neg)?),
            ("ctstate" | "state", false) => {
                p.state = CtState::from_name(o.value.split(',').next()?.trim());
            }
            ("icmp-type" | "icmpv6-type", false) => {
                if let Some((t, c)) = icmp_number(o.value) {
                    p.icmp = Some((t, c));
                }
            }
            ("mark", false) => p.mark = parse_mark(o.value).map(|(v, _)| v),
            ("syn", false) => p.tcp_flags = Some(0x02),
            _ => {}
        }
    }
    Some(p)
}

fn inside(v: &str) -> Option<IpAddr> {
    let n = net(v)?;
    // A host address inside, not the network's own (it is still matched, but a real
    // host is a better example).
    Some(n.hosts().next().unwrap_or(n.addr()))
}

fn outside(v: &str, v6: bool) -> Option<IpAddr> {
    let n = net(v)?;
    let tries: &[&str] = if v6 {
        &["2001:db8::1", "2001:db8:ffff::1", "fd00::1"]
    } else {
        &["192.0.2.1", "198.51.100.77", "203.0.113.5", "10.255.255.1"]
    };
    tries
        .iter()
        .filter_map(|t| t.parse::<IpAddr>().ok())
        .find(|a| !n.contains(a))
}

fn iface(v: &str) -> String {
    match v.strip_suffix('+') {
        Some(prefix) => format!("{prefix}0"),
        None => v.to_string(),
    }
}

fn pick_port(v: &str, negated: bool) -> Option<u16> {
    let list = port_list(v)?;
    if !negated {
        return list.first().map(|r| r.0);
    }
    (1024..=65535u16)
        .chain(1..1024)
        .find(|p| !list.iter().any(|&(a, b)| a <= *p && *p <= b))
}

fn icmp_number(v: &str) -> Option<(u8, u8)> {
    if let Some((t, c)) = v.split_once('/') {
        return Some((t.parse().ok()?, c.parse().ok()?));
    }
    if let Ok(t) = v.parse() {
        return Some((t, 0));
    }
    Some(match v {
        "echo-request" => (8, 0),
        "echo-reply" => (0, 0),
        "neighbour-solicitation" | "neighbor-solicitation" => (135, 0),
        "neighbour-advertisement" | "neighbor-advertisement" => (136, 0),
        _ => return None,
    })
}

/// User chains that no built-in chain reaches through jumps and gotos.
fn dead_chains(family: Family, table: &Table, out: &mut Vec<Finding>) {
    // Rules outside this model may jump anywhere.
    if !table.preserved().is_empty() {
        return;
    }
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut todo: Vec<&Chain> = table.chains().filter(|c| c.is_builtin()).collect();
    while let Some(c) = todo.pop() {
        if !reached.insert(c.name()) {
            continue;
        }
        for rule in c.iter() {
            let mut names: Vec<&str> = Vec::new();
            if let Some(raw) = rule.raw_text() {
                names.extend(raw.split_whitespace());
            } else if let Some(t) = rule.get_target() {
                if matches!(t.kind(), TargetKind::Jump | TargetKind::Goto) {
                    names.push(t.name());
                }
            }
            for n in names {
                if let Some(next) = table.chain(n) {
                    if !reached.contains(next.name()) {
                        todo.push(next);
                    }
                }
            }
        }
    }
    for c in table.chains().filter(|c| !c.is_builtin()) {
        if !reached.contains(c.name()) {
            out.push(Finding {
                kind: Kind::Unreachable,
                family,
                table: table.name().to_string(),
                chain: c.name().to_string(),
                position: None,
                origin: c.origin(),
                by: Vec::new(),
                evidence: format!(
                    "no built-in chain of {} jumps or goes to {} (directly or through other chains)",
                    table.name(),
                    c.name()
                ),
                witness: None,
            });
        }
    }
}

/// IPv6 INPUT that drops neighbour discovery: the host cannot resolve its neighbours, so
/// IPv6 stops working on the link. Decided by [`explain`] for a neighbour solicitation.
fn dual_stack(tables: &Tables, out: &mut Vec<Finding>) {
    if tables.family() != Family::V6 {
        return;
    }
    let Some(filter) = tables.table("filter") else {
        return;
    };
    let Some(input) = filter.chain("INPUT") else {
        return;
    };
    if input.policy() != Some(Policy::Drop) {
        return;
    }
    let (Ok(src), Ok(dst)) = (
        "fe80::1".parse::<IpAddr>(),
        "ff02::1:ff00:2".parse::<IpAddr>(),
    ) else {
        return;
    };
    for (ty, name) in [
        (135u8, "neighbour solicitation"),
        (136, "neighbour advertisement"),
    ] {
        let mut ns = Packet::new(58, src, dst).in_interface("eth0").icmp(ty, 0);
        // Neighbour discovery is not tracked as a connection: conntrack calls it UNTRACKED
        // on some kernels and NEW on others; NEW is what most rules test.
        ns.state = Some(CtState::New);
        let e = explain(tables, &ns, Path::Hook(pyptables_catalog::Hook::Input));
        if !matches!(e.verdict, Verdict::Drop | Verdict::Reject) {
            continue;
        }
        let (position, origin, by) = match &e.rule {
            Some(r) if r.chain == "INPUT" && r.table == "filter" => {
                (Some(r.position), r.origin, vec![r.position])
            }
            _ => (None, input.origin(), Vec::new()),
        };
        out.push(Finding {
            kind: Kind::DualStack,
            family: Family::V6,
            table: "filter".into(),
            chain: "INPUT".into(),
            position,
            origin,
            by,
            evidence: format!(
                "IPv6 INPUT {} ICMPv6 {name} (type {ty}): without neighbour discovery IPv6 \
                 stops working on the link; accept icmpv6 types 133-136 before",
                match &e.rule {
                    Some(r) => format!("drops, by rule {} of {},", r.position, r.chain),
                    None => "drops, by its policy DROP,".to_string(),
                }
            ),
            witness: Some(e.packet.clone()),
        });
        // One finding says it; the advertisement almost always shares the fate.
        break;
    }
}

// Jumps to chains that can only return.

/// Why a user chain can only return, or `None` when one of its rules may decide the packet
/// or change something. Memoised per chain name; a chain being worked out (a loop, which
/// validation refuses) counts as "may decide", so the answer stays conservative.
fn return_only<'t>(
    table: &'t Table,
    name: &'t str,
    memo: &mut HashMap<&'t str, Option<String>>,
) -> Option<String> {
    if let Some(known) = memo.get(name) {
        return known.clone();
    }
    let chain = table.chain(name).filter(|c| !c.is_builtin())?;
    memo.insert(chain.name(), None);
    let mut through: Vec<String> = Vec::new();
    let mut all = true;
    for rule in chain.iter() {
        match passes(table, rule, memo) {
            Some(Some(via)) => {
                if !through.contains(&via) {
                    through.push(via);
                }
            }
            Some(None) => {}
            None => {
                all = false;
                break;
            }
        }
    }
    let why = all.then(|| {
        if chain.is_empty() {
            format!("`{}` has no rules", chain.name())
        } else {
            let mut why = format!(
                "every rule of `{}` ({}) returns or jumps to a chain that can only return",
                chain.name(),
                match chain.len() {
                    1 => "1 rule".to_string(),
                    n => format!("{n} rules"),
                }
            );
            if !through.is_empty() {
                why.push_str(&format!(" ({})", through.join(", ")));
            }
            why
        }
    });
    memo.insert(chain.name(), why.clone());
    why
}

/// Whether `rule` lets the packet go on unchanged and undecided: `Some(None)` for a RETURN,
/// `Some(Some(chain))` for a jump or goto to a chain that can only return, `None` otherwise
/// — also for a rule without target: it is there to count packets, a side effect. Its
/// matches must all be decidable offline: those the catalog cannot decide (a rate,
/// `recent`, a quota, …) may keep state, a side effect too.
fn passes<'t>(
    table: &'t Table,
    rule: &'t Rule,
    memo: &mut HashMap<&'t str, Option<String>>,
) -> Option<Option<String>> {
    // A `set` match adds to the counters of the set's entry, which `--packets-gt` reads.
    if !opts(rule)?
        .iter()
        .all(|o| o.definite && o.module != Some("set"))
    {
        return None;
    }
    // A rule without target counts packets: an accounting chain does something.
    let t = rule.get_target()?;
    match t.kind() {
        TargetKind::Jump | TargetKind::Goto => {
            return_only(table, t.name(), memo).map(|_| Some(t.name().to_string()))
        }
        TargetKind::Builtin => {
            (targets::find(t.name()).map(|s| s.effect) == Some(Effect::Return)).then_some(None)
        }
    }
}

/// Jumps and gotos to user chains that can only return. A jump to such a chain does
/// nothing; a goto acts as RETURN (in a built-in chain: its policy applies). Rules inside
/// such chains are not flagged again: the jump that reaches them is.
fn return_only_jumps(family: Family, table: &Table, out: &mut Vec<Finding>) {
    let mut memo: HashMap<&str, Option<String>> = HashMap::new();
    for chain in table.chains() {
        if !chain.is_builtin() && return_only(table, chain.name(), &mut memo).is_some() {
            continue;
        }
        for (j, rule) in chain.iter().enumerate() {
            let Some(t) = rule.get_target() else {
                continue;
            };
            if rule.raw_text().is_some() || !matches!(t.kind(), TargetKind::Jump | TargetKind::Goto)
            {
                continue;
            }
            let Some(why) = return_only(table, t.name(), &mut memo) else {
                continue;
            };
            let evidence = if t.kind() == TargetKind::Jump {
                format!(
                    "jumps to `{}`, whose rules never decide the packet nor change it: {why}; \
                     every packet comes back to the next rule, so the jump does nothing",
                    t.name()
                )
            } else if chain.is_builtin() {
                format!(
                    "goes to `{}`, whose rules never decide the packet nor change it: {why}; \
                     the packet comes back to the policy of {}, as if this rule were `-j {}`",
                    t.name(),
                    chain.name(),
                    chain.policy().unwrap_or(Policy::Accept).as_str()
                )
            } else {
                format!(
                    "goes to `{}`, whose rules never decide the packet nor change it: {why}; \
                     the goto only leaves {}, as `-j RETURN` would",
                    t.name(),
                    chain.name()
                )
            };
            let witness = witness(family, rule).filter(|w| rule_matches(rule, w) == Ok(true));
            out.push(Finding {
                kind: Kind::ReturnOnly,
                family,
                table: table.name().to_string(),
                chain: chain.name().to_string(),
                position: Some(j + 1),
                origin: rule.origin(),
                by: Vec::new(),
                evidence,
                witness,
            });
        }
    }
}

// IPv4 and IPv6 verdicts for the same service.

/// At most this many destination ports per protocol are compared (the lowest), so that a
/// firewall with thousands of port rules still lints in a fraction of a second.
const MAX_DUAL_STACK_PORTS: usize = 128;

/// At most this many interfaces (or, through FORWARD, interface pairs) per port.
const MAX_DUAL_STACK_INTERFACES: usize = 8;

impl Firewall {
    /// Both families' [`Tables::lint`] findings, then, when the firewall has a filter table
    /// for each family, the services whose IPv4 and IPv6 verdicts differ (kind
    /// [`Kind::DualStack`]; see [`crate::lint`]).
    ///
    /// ```
    /// use pyptables::lint::Kind;
    /// let fw = pyptables::firewall! {
    ///     inet { filter { INPUT policy DROP { accept proto=tcp dport=80; } } }
    ///     filter { INPUT { accept proto=tcp dport=22; } }
    ///     ip6 { filter { INPUT { accept proto=ipv6-icmp; } } }
    /// };
    /// let f = fw.lint();
    /// assert_eq!(f.len(), 1, "{f:?}");
    /// assert_eq!((f[0].kind, f[0].position), (Kind::DualStack, Some(2)));
    /// assert!(f[0].evidence.contains("tcp connections to port 22"), "{}", f[0].evidence);
    /// ```
    pub fn lint(&self) -> Vec<Finding> {
        let mut out = self.ipv4().lint();
        out.extend(self.ipv6().lint());
        dual_stack_verdicts(self, &mut out);
        out
    }
}

/// How one family decides a probe: the verdict and what decided it.
struct Decision {
    verdict: Verdict,
    /// The deciding rule, or `None` for a policy.
    rule: Option<RuleAt>,
    /// (table, chain, origin) of the policy that decided, when no rule did.
    policy: Option<(String, String, Origin)>,
    /// The probe, as it entered.
    packet: Packet,
}

impl Decision {
    fn new(tables: &Tables, packet: Packet, path: Path) -> Decision {
        let e = explain(tables, &packet, path);
        let policy = e.policy.as_ref().map(|(t, c)| {
            let origin = tables
                .table(t)
                .and_then(|t| t.chain(c))
                .map_or(Origin::new("?", 0, 0), |c| c.origin());
            (t.clone(), c.clone(), origin)
        });
        Decision {
            verdict: e.verdict,
            rule: e.rule,
            policy,
            packet,
        }
    }

    /// `accepts (filter/INPUT rule 3, rules.v4:7)`.
    fn describe(&self) -> String {
        let what = match self.verdict {
            Verdict::Accept => "accepts",
            Verdict::Drop => "drops",
            Verdict::Reject => "rejects",
            Verdict::Unknown => "cannot decide",
        };
        match (&self.rule, &self.policy) {
            (Some(r), _) => format!(
                "{what} by {}/{} rule {} ({})",
                r.table, r.chain, r.position, r.origin
            ),
            (None, Some((t, c, o))) => format!("{what} by the policy of {t}/{c} ({o})"),
            (None, None) => format!("{what} (no chain on its way)"),
        }
    }
}

/// The destination ports (per protocol, 6 or 17) the rules of both families name, the
/// first of each range; at most [`MAX_DUAL_STACK_PORTS`] each, the lowest.
fn probe_ports(fw: &Firewall) -> Vec<(u8, u16)> {
    let mut ports: BTreeSet<(u8, u16)> = BTreeSet::new();
    for rule in [fw.ipv4(), fw.ipv6()]
        .into_iter()
        .flat_map(|t| t.iter())
        .flat_map(|t| t.chains())
        .flat_map(|c| c.iter())
    {
        let Some(o) = opts(rule) else { continue };
        let proto = o
            .iter()
            .find(|o| o.name == "protocol" && !o.negated)
            .and_then(|o| protocol_number(o.value))
            .flatten();
        let Some(proto @ (6 | 17)) = proto else {
            continue;
        };
        for o in o
            .iter()
            .filter(|o| matches!(o.name, "dport" | "dports" | "ports"))
        {
            for (lo, _) in port_list(o.value).unwrap_or_default() {
                ports.insert((proto, lo));
            }
        }
    }
    let mut out = Vec::new();
    for proto in [6u8, 17] {
        out.extend(
            ports
                .iter()
                .filter(|p| p.0 == proto)
                .take(MAX_DUAL_STACK_PORTS),
        );
    }
    out
}

/// The interface names `option` (`in-interface`, `out-interface`) has in the rules of both
/// families, `lo` left out (loopback traffic is the host talking to itself); a `+`
/// wildcard becomes one name it matches. With none, one name no rule mentions.
fn probe_interfaces(fw: &Firewall, option: &str, fallback: &[&str]) -> Vec<String> {
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut mentioned: BTreeSet<String> = BTreeSet::new();
    for rule in [fw.ipv4(), fw.ipv6()]
        .into_iter()
        .flat_map(|t| t.iter())
        .flat_map(|t| t.chains())
        .flat_map(|c| c.iter())
    {
        for o in opts(rule).unwrap_or_default() {
            if o.name == option {
                mentioned.insert(o.value.to_string());
                if !o.negated && o.value != "lo" && !o.value.is_empty() {
                    named.insert(iface(o.value));
                }
            }
        }
    }
    if named.is_empty() {
        let free = fallback.iter().chain(&["wit0", "wit1", "wit2"]).find(|n| {
            !mentioned
                .iter()
                .any(|m| m == *n || m.strip_suffix('+').is_some_and(|p| n.starts_with(p)))
        });
        return free.map(|n| n.to_string()).into_iter().collect();
    }
    named.into_iter().take(MAX_DUAL_STACK_INTERFACES).collect()
}

/// A source address outside every source prefix and `iprange` source range the rules of
/// `tables` name: a client elsewhere, that no rule singles out. `None` when none of a few
/// tries is.
fn probe_source(tables: &Tables) -> Option<IpAddr> {
    let v6 = tables.family() == Family::V6;
    let all: Vec<Opt> = tables
        .iter()
        .flat_map(|t| t.chains())
        .flat_map(|c| c.iter())
        .flat_map(|r| opts(r).unwrap_or_default())
        .collect();
    let nets: Vec<IpNet> = all
        .iter()
        .filter(|o| o.name == "source")
        .filter_map(|o| net(o.value))
        .filter(|n| n.prefix_len() > 0)
        .collect();
    // iprange's source ranges name addresses too.
    let ranges: Vec<(IpAddr, IpAddr)> = all
        .iter()
        .filter(|o| o.module == Some("iprange") && o.name == "src-range")
        .filter_map(|o| {
            let (lo, hi) = o.value.split_once('-')?;
            Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?))
        })
        .collect();
    let tries: &[&str] = if v6 {
        &["2001:db8::1", "2001:db8:ffff::1", "2a00::1", "fd00::1"]
    } else {
        &[
            "192.0.2.1",
            "198.51.100.77",
            "203.0.113.5",
            "100.64.0.1",
            "10.255.255.1",
        ]
    };
    tries
        .iter()
        .filter_map(|t| t.parse::<IpAddr>().ok())
        .find(|a| {
            !nets.iter().any(|n| n.contains(a)) && !ranges.iter().any(|(lo, hi)| lo <= a && a <= hi)
        })
}

/// New TCP/UDP connections to the same port, into INPUT and through FORWARD, that one
/// family accepts and the other drops or rejects. Each family's packet comes from a source
/// no rule of it names and has no destination address (a rule that tests it makes the
/// verdict unknown); only definite verdicts are compared.
fn dual_stack_verdicts(fw: &Firewall, out: &mut Vec<Finding>) {
    let (v4, v6) = (fw.ipv4(), fw.ipv6());
    // A family without a filter table keeps whatever runs: nothing to compare.
    if v4.table("filter").is_none() || v6.table("filter").is_none() {
        return;
    }
    let ports = probe_ports(fw);
    if ports.is_empty() {
        return;
    }
    let ins = probe_interfaces(fw, "in-interface", &["eth0", "eth1"]);
    let outs = probe_interfaces(fw, "out-interface", &["eth1", "eth0"]);
    let mut pairs: Vec<(String, String)> = ins
        .iter()
        .flat_map(|i| outs.iter().map(move |o| (i.clone(), o.clone())))
        .filter(|(i, o)| i != o)
        .take(MAX_DUAL_STACK_INTERFACES)
        .collect();
    if pairs.is_empty() {
        // The same name in and out: routed back out of the interface it came in on.
        pairs.extend(ins.first().map(|i| (i.clone(), i.clone())));
    }
    let (src4, src6) = (probe_source(v4), probe_source(v6));
    let probe = |src: Option<IpAddr>, v6: bool, proto: u8, port: u16| {
        let placeholder: IpAddr = if v6 {
            IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 0])
        } else {
            IpAddr::from([0u8, 0, 0, 0])
        };
        let mut p = if proto == 6 {
            Packet::tcp(placeholder, placeholder, 40000, port)
        } else {
            Packet::udp(placeholder, placeholder, 40000, port)
        };
        p.src = src;
        p.dst = None;
        // A client elsewhere picks any source port: a rule on it makes the verdict unknown
        // rather than decided by the one port a probe would carry.
        p.sport = None;
        p.state = Some(CtState::New);
        p
    };
    // The witness shows a port; no rule on the way read it, so any port gives this verdict.
    let with_port = |mut d: Decision| {
        d.packet.sport = Some(40000);
        d
    };
    // Ports with the same deciding rules (or policies) in both families make one finding.
    let mut found: Vec<(String, Finding, Vec<u16>)> = Vec::new();
    for (path, name) in [(Path::Input, "INPUT"), (Path::Forward, "FORWARD")] {
        let ifaces: Vec<(String, Option<String>)> = match path {
            Path::Input => ins.iter().map(|i| (i.clone(), None)).collect(),
            _ => pairs
                .iter()
                .map(|(i, o)| (i.clone(), Some(o.clone())))
                .collect(),
        };
        for &(proto, port) in &ports {
            for (i, o) in &ifaces {
                let with = |mut p: Packet| {
                    p.in_interface = Some(i.clone());
                    p.out_interface = o.clone();
                    p
                };
                let d4 = Decision::new(v4, with(probe(src4, false, proto, port)), path);
                if d4.verdict == Verdict::Unknown {
                    continue;
                }
                let d6 = Decision::new(v6, with(probe(src6, true, proto, port)), path);
                let open = |d: &Decision| d.verdict == Verdict::Accept;
                if d6.verdict == Verdict::Unknown || open(&d4) == open(&d6) {
                    continue;
                }
                let (d4, d6) = (with_port(d4), with_port(d6));
                let key = format!(
                    "{name} {proto} {i} {o:?} {} {}",
                    d4.describe(),
                    d6.describe()
                );
                match found.iter_mut().find(|f| f.0 == key) {
                    Some(f) => f.2.push(port),
                    None => {
                        let f = dual_stack_finding(name, proto, port, i, o.as_deref(), d4, d6);
                        found.push((key, f, Vec::new()));
                    }
                }
                // One finding per service and path: the first interface that shows it.
                break;
            }
        }
    }
    for (_, mut f, also) in found {
        if !also.is_empty() {
            let list: Vec<String> = also.iter().map(u16::to_string).collect();
            f.evidence.push_str(&format!(
                " (so do ports {} of the same protocol)",
                list.join(", ")
            ));
        }
        out.push(f);
    }
}

fn dual_stack_finding(
    path: &str,
    proto: u8,
    port: u16,
    in_iface: &str,
    out_iface: Option<&str>,
    d4: Decision,
    d6: Decision,
) -> Finding {
    // Point at a rule where there is one (the rule one family has and the other lacks),
    // the accepting family's where both have one.
    let v4_flagged = match (&d4.rule, &d6.rule) {
        (Some(_), None) => true,
        (None, Some(_)) => false,
        _ => d4.verdict == Verdict::Accept,
    };
    let (family, flagged) = if v4_flagged {
        (Family::V4, &d4)
    } else {
        (Family::V6, &d6)
    };
    let (table, chain, position, origin) = match (&flagged.rule, &flagged.policy) {
        (Some(r), _) => (r.table.clone(), r.chain.clone(), Some(r.position), r.origin),
        (None, Some((t, c, o))) => (t.clone(), c.clone(), None, *o),
        (None, None) => ("filter".into(), path.into(), None, Origin::new("?", 0, 0)),
    };
    let route = match out_iface {
        None => format!("into INPUT in {in_iface}"),
        Some(o) => format!("through FORWARD in {in_iface} out {o}"),
    };
    let proto_name = if proto == 6 { "tcp" } else { "udp" };
    let evidence = format!(
        "new {proto_name} connections to port {port} {route}, from a source no rule names: \
         IPv4 {}, IPv6 {}; the same service gets a different verdict in each family",
        d4.describe(),
        d6.describe()
    );
    Finding {
        kind: Kind::DualStack,
        family,
        table,
        chain,
        position,
        origin,
        by: Vec::new(),
        evidence,
        witness: Some(flagged.packet.clone()),
    }
}
