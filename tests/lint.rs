//! `Tables::lint` on hand-made fixtures and on every example, without root.
//!
//! The expected findings are worked out by hand from the rules (quoted next to each case);
//! `tests/lint_kernel.rs` sends each finding's witness through a namespace.

use pyptables::lint::{Finding, Kind};
use pyptables::value::not;
use pyptables::{
    default_tables, default_tables_v6, Chain, Family, Firewall, Match, Policy, Rule, Tables, Target,
};

#[path = "../examples/simple_stateful.rs"]
#[allow(dead_code)]
mod simple_stateful;

#[path = "../examples/ssh_template.rs"]
#[allow(dead_code)]
mod ssh_template;

#[path = "../examples/firewall_macro.rs"]
#[allow(dead_code)]
mod firewall_macro;

#[path = "../examples/zone_router.rs"]
#[allow(dead_code)]
mod zone_router;

#[path = "../examples/per_host.rs"]
#[allow(dead_code)]
mod per_host;

#[path = "../examples/docker_host.rs"]
#[allow(dead_code)]
mod docker_host;
#[path = "../examples/synproxy_web.rs"]
#[allow(dead_code)]
mod synproxy_web;

/// (kind, chain, position, by) of each finding, in order.
fn short(f: &[Finding]) -> Vec<(Kind, String, Option<usize>, Vec<usize>)> {
    f.iter()
        .map(|f| (f.kind, f.chain.clone(), f.position, f.by.clone()))
        .collect()
}

fn at(
    kind: Kind,
    chain: &str,
    pos: usize,
    by: &[usize],
) -> (Kind, String, Option<usize>, Vec<usize>) {
    (kind, chain.into(), Some(pos), by.to_vec())
}

/// The IPv4 fixture the kernel test also loads; each rule's fate is in its comment.
pub fn fixture_v4() -> Tables {
    let mut t = default_tables();
    let f = &mut t["filter"];
    f["INPUT"].set_policy(Policy::Drop).unwrap();
    f["INPUT"].push(vec![
        // 1: the covering rule.
        Rule::new()
            .proto("tcp")
            .dport("1:1024")
            .source("10.0.0.0/8")
            .accept(),
        // 2: shadowed by 1 (port 22 in 1:1024, 10.1/16 in 10/8), other action.
        Rule::new()
            .proto("tcp")
            .dport(22)
            .source("10.1.0.0/16")
            .drop(),
        // 3: not covered: port 2222 is outside 1:1024.
        Rule::new()
            .proto("tcp")
            .dport(2222)
            .source("10.1.0.0/16")
            .drop(),
        // 4: redundant with 1 (same ACCEPT), narrower interface too.
        Rule::new()
            .proto("tcp")
            .dport(80)
            .source("10.2.3.4")
            .in_interface("eth0")
            .accept(),
        // 5: not covered: the source is wider than 10/8.
        Rule::new()
            .proto("tcp")
            .dport(80)
            .source("0.0.0.0/0")
            .drop(),
        // 6: a rate limit cannot be decided: it covers nothing.
        Rule::new().proto("udp").dport(53).limit("5/s").accept(),
        // 7: so this is not shadowed by 6.
        Rule::new().proto("udp").dport(53).drop(),
        // 8: unconditional DROP.
        Rule::new().drop(),
        // 9: unreachable after 8.
        Rule::new().proto("udp").dport(123).accept(),
    ]);
    // A chain nothing jumps to.
    f.add_chain(Chain::user("orphan"))
        .push(Rule::new().accept());
    // A chain that is jumped to; the jump is a barrier for what follows in FORWARD.
    f.add_chain(Chain::user("used"))
        .push(Rule::new().proto("tcp").accept());
    f["FORWARD"].push(vec![
        // 1: leaves FORWARD for udp from 192.0.2.0/24.
        Rule::new().proto("udp").source("192.0.2.0/24").drop(),
        // 2: a jump may change the packet and come back.
        Rule::new().jump("used"),
        // 3: would be covered by 1, but the jump of 2 is between.
        Rule::new().proto("udp").source("192.0.2.7").accept(),
        // 4: negation on both sides: !10/8 excludes less than !10.1/16 … not covered (narrower
        // exclusion is a wider set).
        Rule::new().proto("tcp").source(not("10.1.0.0/16")).drop(),
        // 5: covered by 4: !10/8 is within !10.1/16.
        Rule::new()
            .proto("tcp")
            .source(not("10.0.0.0/8"))
            .dport(443)
            .accept(),
    ]);
    t
}

#[test]
fn fixture_findings() {
    let t = fixture_v4();
    t.validate().unwrap();
    let f = t.lint();
    assert_eq!(
        short(&f),
        vec![
            at(Kind::Shadowed, "INPUT", 2, &[1]),
            at(Kind::Redundant, "INPUT", 4, &[1]),
            at(Kind::Unreachable, "INPUT", 9, &[8]),
            at(Kind::Shadowed, "FORWARD", 5, &[4]),
            (Kind::Unreachable, "orphan".into(), None, vec![]),
        ]
    );
    // Every rule finding carries a witness its rule and the covering rule match.
    for x in f.iter().filter(|x| x.position.is_some()) {
        assert!(x.witness.is_some(), "{x}");
    }
    let w = f[0].witness.as_ref().unwrap();
    assert_eq!(w.dport, Some(22));
    assert!(matches!(w.src, Some(a) if a.to_string().starts_with("10.1.")));
    // The message names the covering rule and its different action.
    let text = f[0].to_string();
    assert!(
        text.contains("rule 1") && text.contains("ACCEPT instead of DROP"),
        "{text}"
    );
    assert!(f[0].origin.file.ends_with("lint.rs"));
}

#[test]
fn unknown_never_shadows() {
    // recent --update and a set are not decided offline: they cover nothing.
    let mut t = default_tables();
    t["filter"]["INPUT"].push(vec![
        Rule::new()
            .with_match(Match::new("recent").flag("update").opt("name", "ssh"))
            .drop(),
        Rule::new().proto("tcp").dport(22).drop(),
        Rule::new()
            .with_match(Match::new("set").opt("match-set", "blocked src"))
            .drop(),
        Rule::new().proto("tcp").dport(22).drop(),
    ]);
    t.validate().unwrap();
    // Neither rule 1 nor rule 3 covers anything; rule 4 repeats rule 2, which decides first.
    assert_eq!(
        short(&t.lint()),
        vec![at(Kind::Redundant, "INPUT", 4, &[2])]
    );
}

#[test]
fn raw_rule_after_unconditional_is_unreachable() {
    let mut t = default_tables();
    t["filter"]["OUTPUT"].push(vec![
        Rule::new().comment("all out").accept(),
        Rule::raw("-p tcp -j DROP"),
    ]);
    assert_eq!(
        short(&t.lint()),
        vec![at(Kind::Unreachable, "OUTPUT", 2, &[1])]
    );
}

#[test]
fn mark_between_is_a_barrier() {
    // 1 DROP mark 1; 2 MARK set 1; 3 DROP mark 1 — 3 sees packets 1 did not (marked by 2).
    let mut t = default_tables();
    t["mangle"]["PREROUTING"].push(vec![
        Rule::new().mark("0x1").drop(),
        Rule::new().target(pyptables::Target::new("MARK").opt("set-mark", "0x1")),
        Rule::new().mark("0x1").drop(),
    ]);
    t.validate().unwrap();
    assert_eq!(t.lint(), vec![]);
}

#[test]
fn dual_stack_neighbour_discovery() {
    // IPv6 INPUT policy DROP with only SSH accepted: neighbour solicitations are dropped.
    let mut t = default_tables_v6();
    t["filter"]["INPUT"].set_policy(Policy::Drop).unwrap();
    t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
    let f = t.lint();
    assert_eq!(
        short(&f),
        vec![(Kind::DualStack, "INPUT".into(), None, vec![])]
    );
    assert_eq!(f[0].witness.as_ref().unwrap().icmp, Some((135, 0)));
    // Accepting ICMPv6 fixes it.
    t["filter"]["INPUT"].push(Rule::new().proto("ipv6-icmp").accept());
    assert_eq!(t.lint(), vec![]);
    // IPv4 rules are not concerned.
    let mut v4 = default_tables();
    v4["filter"]["INPUT"].set_policy(Policy::Drop).unwrap();
    assert_eq!(v4.lint(), vec![]);
}

#[test]
fn examples_lint_clean() {
    for (name, t) in [
        ("simple_stateful", simple_stateful::tables()),
        ("ssh_template", ssh_template::tables()),
        ("zone_router", zone_router::tables().unwrap()),
        (
            "per_host v4",
            per_host::host(Family::V4, "198.51.100.0/24", "icmp"),
        ),
        (
            "per_host v6",
            per_host::host(Family::V6, "2001:db8:ad::/48", "ipv6-icmp"),
        ),
    ] {
        let f = t.lint();
        assert_eq!(
            f,
            vec![],
            "{name}: {}",
            f.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // Firewall::lint: both families, and their verdicts compared where both have rules.
    for (name, fw) in [
        ("zone_router", zone_router::firewall()),
        ("docker_host", docker_host::firewall()),
        ("synproxy_web", synproxy_web::firewall()),
        (
            "per_host",
            Firewall::from_tables(
                per_host::host(Family::V4, "198.51.100.0/24", "icmp"),
                per_host::host(Family::V6, "2001:db8:ad::/48", "ipv6-icmp"),
            ),
        ),
    ] {
        let f = fw.lint();
        assert_eq!(
            f,
            vec![],
            "{name}: {}",
            f.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// The macro example's IPv6 part is a two-rule sketch (ICMPv6, and everything from
/// 2001:db8::/32, into INPUT; no FORWARD rules, so policy ACCEPT), while its IPv4 part
/// forwards only DNS and web and accepts IKE on ppp0. Worked by hand from
/// `examples/firewall_macro.rs`, for a new connection from a source no rule names:
/// - INPUT udp 500 in ppp0: IPv4 rule 7 (`in_interface=ppp0 { accept proto=udp dport=500 }`)
///   accepts, IPv6 drops by policy;
/// - FORWARD tcp 22: IPv4 rule 3 (`reject … source!=192.168.0.0/16`) rejects, IPv6 accepts
///   by policy;
/// - FORWARD udp 500: IPv4 drops by policy, IPv6 accepts by policy.
///
/// INPUT tcp 22 is not compared: IPv4's `ssh_guard` chain has a `recent` match, which cannot
/// be decided offline.
#[test]
fn macro_example_dual_stack_findings_are_explained() {
    let f = firewall_macro::firewall().lint();
    let got: Vec<_> = f
        .iter()
        .map(|f| {
            let port = f.witness.as_ref().and_then(|w| w.dport);
            (f.kind, f.family, f.chain.as_str(), f.position, port)
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Kind::DualStack, Family::V4, "INPUT", Some(7), Some(500)),
            (Kind::DualStack, Family::V4, "FORWARD", Some(3), Some(22)),
            (Kind::DualStack, Family::V6, "FORWARD", None, Some(500)),
        ],
        "{f:#?}"
    );
    assert!(f[0]
        .evidence
        .contains("IPv4 accepts by filter/INPUT rule 7"));
    assert!(f[0]
        .evidence
        .contains("IPv6 drops by the policy of filter/INPUT"));
    assert!(f[1]
        .evidence
        .contains("IPv4 rejects by filter/FORWARD rule 3"));
    assert!(f[2]
        .evidence
        .contains("IPv6 accepts by the policy of filter/FORWARD"));
}

/// Return-only chains, worked by hand: `empty` has no rules; `noop` has two RETURNs and a
/// jump to `empty`; `acct` has a rule without target (it counts packets: not return-only); `logs` logs (a side effect); `decides` may accept;
/// `limited` has a rule without target whose match keeps state (`-m limit`, not decidable
/// offline); `via` goes to `noop`.
fn return_only_fixture() -> Tables {
    let mut t = default_tables();
    let f = &mut t["filter"];
    f.add_chain(Chain::user("empty"));
    f.add_chain(Chain::user("noop")).push(vec![
        Rule::new().proto("udp").ret(),
        Rule::new().proto("tcp").dport(80).ret(),
        Rule::new().jump("empty"),
    ]);
    f.add_chain(Chain::user("acct"))
        .push(vec![Rule::new().source("10.0.0.1"), Rule::new().ret()]);
    f.add_chain(Chain::user("logs"))
        .push(Rule::new().target(Target::new("LOG").opt("log-prefix", "x: ")));
    f.add_chain(Chain::user("decides"))
        .push(Rule::new().proto("tcp").dport(22).accept());
    f.add_chain(Chain::user("limited"))
        .push(Rule::new().with_match(Match::new("limit").opt("limit", "1/second")));
    f.add_chain(Chain::user("via"))
        .push(Rule::new().goto("noop"));
    f["INPUT"].push(vec![
        // 1: flagged, `empty` has no rules.
        Rule::new().proto("tcp").jump("empty"),
        // 2: flagged, `noop` only returns.
        Rule::new().jump("noop"),
        // 3, 4, 5: not flagged: LOG, ACCEPT, a stateful match.
        Rule::new().jump("logs"),
        Rule::new().jump("decides"),
        Rule::new().jump("limited"),
        // 6: flagged, `via` only goes to `noop`.
        Rule::new().jump("via"),
        // 7: flagged, a goto from a built-in chain: the policy applies.
        Rule::new().proto("tcp").dport(443).goto("empty"),
        // 8: not flagged: `acct` counts.
        Rule::new().jump("acct"),
    ]);
    // A goto in a user chain that decides: acts as RETURN.
    f["decides"].push(Rule::new().goto("noop"));
    t
}

#[test]
fn jumps_to_chains_that_can_only_return() {
    let f = return_only_fixture().lint();
    assert_eq!(
        short(&f),
        vec![
            at(Kind::ReturnOnly, "INPUT", 1, &[]),
            at(Kind::ReturnOnly, "INPUT", 2, &[]),
            at(Kind::ReturnOnly, "INPUT", 6, &[]),
            at(Kind::ReturnOnly, "INPUT", 7, &[]),
            at(Kind::ReturnOnly, "decides", 2, &[]),
        ],
        "{f:#?}"
    );
    assert!(f[0].evidence.contains("`empty` has no rules"), "{}", f[0]);
    assert!(
        f[1].evidence
            .contains("every rule of `noop` (3 rules) returns or jumps to a chain that can only return (empty)"),
        "{}",
        f[1]
    );
    assert!(
        f[1].evidence.contains("so the jump does nothing"),
        "{}",
        f[1]
    );
    assert!(
        f[3].evidence
            .contains("comes back to the policy of INPUT, as if this rule were `-j ACCEPT`"),
        "{}",
        f[3]
    );
    assert!(f[4].evidence.contains("as `-j RETURN` would"), "{}", f[4]);
    // The witness is a packet the jump rule matches.
    let w = f[3].witness.as_ref().unwrap();
    assert_eq!((w.protocol, w.dport), (Some(6), Some(443)));
    assert_eq!(f[0].to_string().split(':').next(), Some("return-only"));
}

#[test]
fn return_only_chains_reached_from_nowhere_are_unreachable_only() {
    // `a` jumps to `b`, both only return, nothing reaches `a`: both chains are unreachable
    // (`b` only through `a`), and the jump inside `a` is not flagged again.
    let mut t = default_tables();
    let f = &mut t["filter"];
    f.add_chain(Chain::user("b"));
    f.add_chain(Chain::user("a")).push(Rule::new().jump("b"));
    let got = short(&t.lint());
    assert_eq!(
        got,
        vec![
            (Kind::Unreachable, "b".to_string(), None, vec![]),
            (Kind::Unreachable, "a".to_string(), None, vec![])
        ],
        "{got:?}"
    );
}

/// Both families: INPUT policy DROP, established connections accepted (and ICMPv6, so
/// IPv6 itself works), then `v4` and `v6` rules.
fn dual(v4: Vec<Rule>, v6: Vec<Rule>) -> Firewall {
    let mut a = default_tables();
    let mut b = default_tables_v6();
    for (t, extra, icmp) in [(&mut a, v4, "icmp"), (&mut b, v6, "ipv6-icmp")] {
        let input = &mut t["filter"]["INPUT"];
        input.set_policy(Policy::Drop).unwrap();
        input.push(
            Rule::new()
                .ctstate([pyptables::value::CtState::Established])
                .accept(),
        );
        input.push(Rule::new().proto(icmp).accept());
        input.push(extra);
    }
    Firewall::from_tables(a, b)
}

/// (kind, family, chain, position, witness port) of a finding.
type DualShort = (Kind, Family, String, Option<usize>, Option<u16>);

fn dual_short(f: &[Finding]) -> Vec<DualShort> {
    f.iter()
        .map(|f| {
            let port = f.witness.as_ref().and_then(|w| w.dport);
            (f.kind, f.family, f.chain.clone(), f.position, port)
        })
        .collect()
}

#[test]
fn dual_stack_verdicts_differ_for_a_port_open_in_one_family() {
    // IPv4 rule 3 accepts SSH; IPv6 has no such rule, its policy drops it.
    let fw = dual(vec![Rule::new().proto("tcp").dport(22).accept()], vec![]);
    let f = fw.lint();
    assert_eq!(
        dual_short(&f),
        vec![(
            Kind::DualStack,
            Family::V4,
            "INPUT".into(),
            Some(3),
            Some(22)
        )],
        "{f:#?}"
    );
    let e = &f[0].evidence;
    assert!(
        e.starts_with("new tcp connections to port 22 into INPUT"),
        "{e}"
    );
    assert!(
        e.contains("IPv4 accepts by filter/INPUT rule 3 (tests/lint.rs:"),
        "{e}"
    );
    assert!(
        e.contains("IPv6 drops by the policy of filter/INPUT (tests/lint.rs:"),
        "{e}"
    );
    // The same rule in both families: nothing to report.
    let same = dual(
        vec![Rule::new().proto("tcp").dport(22).accept()],
        vec![Rule::new().proto("tcp").dport(22).accept()],
    );
    assert_eq!(same.lint(), vec![]);
    // The flagged rule is the accepting one where both decide by a rule.
    let both = dual(
        vec![Rule::new().proto("udp").dport(53).reject()],
        vec![Rule::new().proto("udp").dport(53).accept()],
    );
    assert_eq!(
        dual_short(&both.lint()),
        vec![(
            Kind::DualStack,
            Family::V6,
            "INPUT".into(),
            Some(3),
            Some(53)
        )]
    );
}

#[test]
fn dual_stack_ports_decided_alike_make_one_finding() {
    // Ports 22, 80 and 443 are accepted by the same IPv4 rule and dropped by the same IPv6
    // policy: one finding, naming the others.
    let fw = dual(
        vec![Rule::new().proto("tcp").dports([22, 80, 443]).accept()],
        vec![],
    );
    let f = fw.lint();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert!(
        f[0].evidence
            .ends_with("(so do ports 80, 443 of the same protocol)"),
        "{}",
        f[0].evidence
    );
}

#[test]
fn dual_stack_source_restricted_in_one_family_only() {
    // SSH from 10.0.0.0/8 only over IPv4, from anywhere over IPv6: a client elsewhere is
    // dropped by the IPv4 policy and accepted by IPv6 rule 3.
    let fw = dual(
        vec![Rule::new()
            .proto("tcp")
            .dport(22)
            .source("10.0.0.0/8")
            .accept()],
        vec![Rule::new().proto("tcp").dport(22).accept()],
    );
    let f = fw.lint();
    assert_eq!(
        dual_short(&f),
        vec![(
            Kind::DualStack,
            Family::V6,
            "INPUT".into(),
            Some(3),
            Some(22)
        )],
        "{f:#?}"
    );
    let w = f[0].witness.as_ref().unwrap();
    assert!(w.src.unwrap().is_ipv6() && w.dst.is_none(), "{w:?}");
}

#[test]
fn dual_stack_unknown_verdicts_never_compare() {
    // IPv6 accepts SSH under a rate limit (not decidable offline); IPv4 always.
    let limited = dual(
        vec![Rule::new().proto("tcp").dport(22).accept()],
        vec![Rule::new()
            .proto("tcp")
            .dport(22)
            .with_match(Match::new("limit").opt("limit", "10/second"))
            .accept()],
    );
    assert_eq!(limited.lint(), vec![]);
    // A rule on the destination address: the probe has none, so the verdict is unknown.
    let to_host = dual(
        vec![Rule::new()
            .proto("tcp")
            .dport(22)
            .destination("192.0.2.10")
            .accept()],
        vec![],
    );
    assert_eq!(to_host.lint(), vec![]);
    // A rule on the client's source port: a client elsewhere picks any, so the verdict is
    // unknown. (The probe's port 40000 once made IPv4 "drop port 80" here, while every
    // client on another source port is accepted by both families.)
    let by_sport = dual(
        vec![
            Rule::new().proto("tcp").sport(40000).drop(),
            Rule::new().proto("tcp").dport(80).accept(),
        ],
        vec![Rule::new().proto("tcp").dport(80).accept()],
    );
    assert_eq!(by_sport.lint(), vec![]);
    // A source range (`-m iprange`) holding the probe's first choice (192.0.2.1): the probe
    // comes from an address no rule names, so outside it too, and both families accept.
    let by_range = dual(
        vec![
            Rule::new()
                .with_match(Match::new("iprange").opt("src-range", "192.0.2.0-192.0.2.255"))
                .drop(),
            Rule::new().proto("tcp").dport(80).accept(),
        ],
        vec![Rule::new().proto("tcp").dport(80).accept()],
    );
    assert_eq!(by_range.lint(), vec![]);
    // An interface the rules name is probed: SSH on eth0 is accepted by both.
    let on_eth0 = dual(
        vec![Rule::new()
            .proto("tcp")
            .dport(22)
            .in_interface("eth0")
            .accept()],
        vec![Rule::new().proto("tcp").dport(22).accept()],
    );
    assert_eq!(on_eth0.lint(), vec![]);
    // A firewall without IPv6 tables leaves IPv6 alone: nothing to compare.
    let v4_only = Firewall::from_tables(
        dual(vec![Rule::new().proto("tcp").dport(22).accept()], vec![])
            .ipv4()
            .clone(),
        Tables::new(Family::V6),
    );
    assert_eq!(v4_only.lint(), vec![]);
}

#[test]
fn dual_stack_forward() {
    // IPv4 forwards web traffic; IPv6 FORWARD has policy DROP and no rules.
    let mut fw = dual(vec![], vec![]);
    fw.ipv4_mut()["filter"]["FORWARD"]
        .set_policy(Policy::Drop)
        .unwrap();
    fw.ipv6_mut()["filter"]["FORWARD"]
        .set_policy(Policy::Drop)
        .unwrap();
    fw.ipv4_mut()["filter"]["FORWARD"].push(Rule::new().proto("tcp").dport(443).accept());
    let f = fw.lint();
    assert_eq!(
        dual_short(&f),
        vec![(
            Kind::DualStack,
            Family::V4,
            "FORWARD".into(),
            Some(1),
            Some(443)
        )],
        "{f:#?}"
    );
    assert!(
        f[0].evidence.contains("through FORWARD in eth0 out eth1"),
        "{}",
        f[0].evidence
    );
    // Into INPUT both drop port 443: no finding there.
}

/// filter INPUT of IPv4 tables holding `rules`, validated.
fn input(rules: Vec<Rule>) -> Tables {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(rules);
    t.validate().unwrap();
    t
}

#[test]
fn two_halves_of_the_address_space_shadow_together() {
    // 0/1 and 128/1 are every IPv4 source: rule 3's packets are all dropped by 1 or 2.
    let t = input(vec![
        Rule::new().source("0.0.0.0/1").drop(),
        Rule::new().source("128.0.0.0/1").drop(),
        Rule::new().proto("tcp").dport(22).accept(),
    ]);
    let f = t.lint();
    assert_eq!(short(&f), vec![at(Kind::Shadowed, "INPUT", 3, &[1, 2])]);
    let text = f[0].to_string();
    assert!(
        text.contains("rules 1 (") && text.contains("DROP instead of ACCEPT"),
        "{text}"
    );
    let w = f[0].witness.as_ref().unwrap();
    assert_eq!((w.protocol, w.dport), (Some(6), Some(22)));
    // With a gap (128.0.0.0/2 leaves 192/2 out) nothing is certain.
    let t = input(vec![
        Rule::new().source("0.0.0.0/1").drop(),
        Rule::new().source("128.0.0.0/2").drop(),
        Rule::new().proto("tcp").dport(22).accept(),
    ]);
    assert_eq!(t.lint(), vec![]);
    // The same in IPv6.
    let mut t = default_tables_v6();
    t["filter"]["INPUT"].push(vec![
        Rule::new().proto("ipv6-icmp").accept(),
        Rule::new().source("::/1").drop(),
        Rule::new().source("8000::/1").drop(),
        Rule::new().proto("udp").dport(53).accept(),
    ]);
    t.validate().unwrap();
    assert_eq!(
        short(&t.lint()),
        vec![at(Kind::Shadowed, "INPUT", 4, &[2, 3])]
    );
}

#[test]
fn port_ranges_and_protocols_cover_together() {
    let t = input(vec![
        // 1, 2: TCP ports 1-65535 (not port 0).
        Rule::new().proto("tcp").dport("1:1000").accept(),
        Rule::new().proto("tcp").dport("1001:65535").accept(),
        // 3: redundant with 1 and 2 (500-2000 straddles them), same action.
        Rule::new().proto("tcp").dport("500:2000").accept(),
        // 4: not covered: port 0 (and non-first fragments, which have no ports) are left.
        Rule::new().proto("tcp").accept(),
        // 5: covered by 1 alone: only 1 is named.
        Rule::new().proto("tcp").dport(22).accept(),
        // 6: every protocol but TCP from 10/8.
        Rule::new().proto(not("tcp")).source("10.0.0.0/8").drop(),
        // 7: TCP from 10/8: shadowed by 1, 2 and 4, which accept all TCP.
        Rule::new().proto("tcp").source("10.0.0.0/8").drop(),
        // 8: TCP is decided by 1, 2 (ports 1-65535) or 4 (the rest of TCP), everything else
        // by 6; 7 decides nothing of it (4 took all TCP first): two actions, both not REJECT.
        Rule::new().source("10.1.0.0/16").reject(),
    ]);
    let f = t.lint();
    assert_eq!(
        short(&f),
        vec![
            at(Kind::Redundant, "INPUT", 3, &[1, 2]),
            at(Kind::Redundant, "INPUT", 5, &[1]),
            at(Kind::Shadowed, "INPUT", 7, &[1, 2, 4]),
            at(Kind::Shadowed, "INPUT", 8, &[1, 2, 4, 6]),
        ]
    );
    // The witness of 8 is one rule 1 decides: TCP to a port in 1-1000.
    let w = f[3].witness.as_ref().unwrap();
    assert_eq!(w.protocol, Some(6));
    assert!((1..=1000).contains(&w.dport.unwrap()), "{w:?}");
    assert!(w.src.unwrap().to_string().starts_with("10.1."), "{w:?}");
    let text = f[3].to_string();
    assert!(text.contains("ACCEPT or DROP instead of REJECT"), "{text}");
    // Rule 3's witness, from the part rule 1 decides: a port in 500-1000.
    let w = f[0].witness.as_ref().unwrap();
    assert!((500..=1000).contains(&w.dport.unwrap()), "{w:?}");
}

#[test]
fn disjoint_negations_cover() {
    use pyptables::value::CtState;
    let mut t = default_tables();
    let f = &mut t["filter"];
    f["INPUT"].push(vec![
        // 1: everything not from 10/8 is dropped …
        Rule::new().source(not("10.0.0.0/8")).drop(),
        // 2: … so 192.168/16 (outside 10/8) never reaches this rule.
        Rule::new().source("192.168.0.0/16").accept(),
        // 3: inside 10/8: not covered.
        Rule::new().source("10.1.0.0/16").accept(),
    ]);
    f["FORWARD"].push(vec![
        // 1: UDP in on any interface but eth0.
        Rule::new().in_interface(not("eth0")).proto("udp").accept(),
        // 2: eth1 is one of them: shadowed.
        Rule::new()
            .in_interface("eth1")
            .proto("udp")
            .dport(53)
            .drop(),
        // 3: eth+ holds eth0: not covered.
        Rule::new().in_interface("eth+").proto("udp").drop(),
        // 4: wan+ lies outside eth0: redundant.
        Rule::new().in_interface("wan+").proto("udp").accept(),
    ]);
    f["OUTPUT"].push(vec![
        // 1: TCP in every state but INVALID.
        Rule::new()
            .proto("tcp")
            .ctstate(not(CtState::Invalid))
            .accept(),
        // 2: NEW or ESTABLISHED are among them: shadowed.
        Rule::new()
            .proto("tcp")
            .dport(80)
            .ctstate([CtState::New, CtState::Established])
            .drop(),
        // 3: INVALID is not: not covered.
        Rule::new().proto("tcp").ctstate(CtState::Invalid).drop(),
        // 4: the other protocols, all states: not covered …
        Rule::new().proto(not("tcp")).reject(),
        // 5: … but with 1 and 3 everything in state NEW is decided.
        Rule::new().ctstate(CtState::New).accept(),
    ]);
    t.validate().unwrap();
    let f = t.lint();
    assert_eq!(
        short(&f),
        vec![
            at(Kind::Shadowed, "INPUT", 2, &[1]),
            at(Kind::Shadowed, "FORWARD", 2, &[1]),
            at(Kind::Redundant, "FORWARD", 4, &[1]),
            at(Kind::Shadowed, "OUTPUT", 2, &[1]),
            at(Kind::Shadowed, "OUTPUT", 5, &[1, 4]),
        ]
    );
    for x in &f {
        assert!(x.witness.is_some(), "{x}");
    }
    assert_eq!(
        f[0].witness.as_ref().unwrap().src.unwrap().to_string(),
        "192.168.0.1"
    );
    assert_eq!(
        f[1].witness.as_ref().unwrap().in_interface.as_deref(),
        Some("eth1")
    );
}

#[test]
fn unknown_and_barriers_stop_coverage_together() {
    // A rate limit on one half: that half covers nothing.
    let t = input(vec![
        Rule::new().source("0.0.0.0/1").drop(),
        Rule::new().source("128.0.0.0/1").limit("5/s").drop(),
        Rule::new().proto("tcp").dport(22).accept(),
    ]);
    assert_eq!(t.lint(), vec![]);
    // A MARK between the halves: the look-back stops there.
    let mut t = default_tables();
    t["mangle"]["PREROUTING"].push(vec![
        Rule::new().source("0.0.0.0/1").drop(),
        Rule::new().target(pyptables::Target::new("MARK").opt("set-mark", "0x1")),
        Rule::new().source("128.0.0.0/1").drop(),
        Rule::new().proto("tcp").dport(22).accept(),
    ]);
    t.validate().unwrap();
    assert_eq!(t.lint(), vec![]);
}

#[test]
fn the_split_is_capped_and_one_covering_rule_still_found() {
    // 400 rules each take a different /24 and port out of TCP: the uncovered rest of rule
    // 402 splits into hundreds of pieces, past the cap; rule 401 alone still covers it.
    let mut rules: Vec<Rule> = (0..400u32)
        .map(|i| {
            Rule::new()
                .proto("tcp")
                .source(format!("10.{}.{}.0/24", i / 256, i % 256))
                .dport((i + 1) as u16)
                .drop()
        })
        .collect();
    rules.push(Rule::new().proto("tcp").accept());
    rules.push(Rule::new().proto("tcp").source("10.0.0.0/8").drop());
    let t = input(rules);
    let start = std::time::Instant::now();
    let f = t.lint();
    assert_eq!(short(&f), vec![at(Kind::Shadowed, "INPUT", 402, &[401])]);
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

#[test]
fn after_an_unconditional_rule() {
    let t = input(vec![
        Rule::new().proto("tcp").source("10.0.0.0/8").drop(),
        Rule::new().comment("everything").accept(),
        // Its witness: TCP not from 10/8 (rule 1 decides those first).
        Rule::new().proto("tcp").dport(22).drop(),
        // All of its packets are decided by rule 1, before rule 2: shadowed by 1.
        Rule::new().proto("tcp").source("10.1.0.0/16").reject(),
    ]);
    let f = t.lint();
    assert_eq!(
        short(&f),
        vec![
            at(Kind::Unreachable, "INPUT", 3, &[2]),
            at(Kind::Shadowed, "INPUT", 4, &[1]),
        ]
    );
    let w = f[0].witness.as_ref().expect("a witness");
    assert!(!w.src.unwrap().to_string().starts_with("10."), "{w:?}");
    assert!(f[1].witness.is_some());
}

#[test]
fn icmp_type_255_is_any_type() {
    // iptables keeps `--icmp-type 255` (with any code) as "any" (iptables-save prints
    // `--icmp-type any`; the nf_tables rule has no type test): rule 2 also matches echo
    // requests, which rule 1 does not decide.
    let t = input(vec![
        Rule::new()
            .proto("icmp")
            .icmp_type(not("echo-request"))
            .drop(),
        Rule::new().proto("icmp").icmp_type("255").accept(),
    ]);
    assert_eq!(t.lint(), vec![]);
}

/// A `set` match adds to the packet counters of the set's entry (a set created with
/// `counters`: checked in a namespace, `ipset list` counts every packet through such a
/// RETURN), and another rule's `--packets-gt` reads them: a chain whose only rule is a RETURN
/// on a set does something, so the jump to it is not return-only.
#[test]
fn a_set_match_updates_counters_so_its_chain_is_not_return_only() {
    let mut t = default_tables();
    let f = &mut t["filter"];
    f.add_chain(Chain::user("chk")).push(
        Rule::new()
            .with_match(Match::new("set").opt("match-set", "seen src"))
            .ret(),
    );
    f["INPUT"].push(Rule::new().jump("chk"));
    assert_eq!(t.lint(), vec![]);
}
