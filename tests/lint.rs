//! `Tables::lint` on hand-made fixtures and on every example, without root.
//!
//! The expected findings are worked out by hand from the rules (quoted next to each case);
//! `tests/lint_kernel.rs` sends each finding's witness through a namespace.

use pyptables::lint::{Finding, Kind};
use pyptables::value::not;
use pyptables::{default_tables, default_tables_v6, Chain, Family, Match, Policy, Rule, Tables};

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
    for (name, fw) in [
        ("firewall_macro", firewall_macro::firewall()),
        ("zone_router", zone_router::firewall()),
        ("docker_host", docker_host::firewall()),
    ] {
        for t in [fw.ipv4(), fw.ipv6()] {
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
    }
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
