//! `pyptables::explain` on every example's firewall and on the traversal rules, without root.
//!
//! Expected verdicts and rules are worked out by hand from the rulesets (the rendered rules are
//! quoted next to each case); the goto/RETURN ruleset's outcomes are those the kernel gives in
//! `tests/behaviour_goto_return.rs`.

use std::net::IpAddr;

use pyptables::explain::{explain, CtState, Explanation, Packet, Path, Verdict};
use pyptables::{default_tables, Chain, Family, Match, Policy, Rule, Tables, Target};

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

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn tcp(src: &str, dst: &str, dport: u16) -> Packet {
    Packet::tcp(ip(src), ip(dst), 40000, dport)
}

fn udp(src: &str, dst: &str, dport: u16) -> Packet {
    Packet::udp(ip(src), ip(dst), 40000, dport)
}

/// The verdict and the deciding rule as (table, chain, position), or the policy's
/// (table, chain, 0).
fn decided(e: &Explanation) -> (Verdict, (String, String, usize)) {
    let at = match (&e.rule, &e.policy) {
        (Some(r), _) => (r.table.clone(), r.chain.clone(), r.position),
        (None, Some((t, c))) => (t.clone(), c.clone(), 0),
        (None, None) => (String::new(), String::new(), 0),
    };
    (e.verdict, at)
}

fn by(
    verdict: Verdict,
    table: &str,
    chain: &str,
    position: usize,
) -> (Verdict, (String, String, usize)) {
    (verdict, (table.into(), chain.into(), position))
}

fn fwd(tables: &Tables, p: Packet, i: &str, o: &str) -> Explanation {
    explain(tables, &p.in_interface(i).out_interface(o), Path::Forward)
}

fn input(tables: &Tables, p: Packet, i: &str) -> Explanation {
    explain(tables, &p.in_interface(i), Path::Input)
}

#[test]
fn simple_stateful() {
    // FORWARD DROP: 1 ESTABLISHED, 2 tcp 53, 3 tcp 80, 4 tcp 443 (all ACCEPT).
    let t = simple_stateful::tables();
    let web = tcp("192.0.2.2", "198.51.100.2", 80);
    assert_eq!(
        decided(&fwd(&t, web.clone(), "a", "b")),
        by(Verdict::Accept, "filter", "FORWARD", 3)
    );
    assert_eq!(
        decided(&fwd(&t, tcp("192.0.2.2", "198.51.100.2", 22), "a", "b")),
        by(Verdict::Drop, "filter", "FORWARD", 0)
    );
    assert_eq!(
        decided(&fwd(&t, udp("192.0.2.2", "198.51.100.2", 53), "a", "b")),
        by(Verdict::Drop, "filter", "FORWARD", 0)
    );
    let answer = tcp("198.51.100.2", "192.0.2.2", 40000).state(CtState::Established);
    assert_eq!(
        decided(&fwd(&t, answer, "b", "a")),
        by(Verdict::Accept, "filter", "FORWARD", 1)
    );
    // The rule's source line is the example's.
    let e = fwd(&t, web, "a", "b");
    assert!(e.rule.unwrap().origin.file.ends_with("simple_stateful.rs"));
}

#[test]
fn ssh_template() {
    // INPUT: 1 tcp 22 from 1.1.1.1 ACCEPT, 2 tcp 22 REJECT; FORWARD: 1 tcp 22 REJECT.
    let t = ssh_template::tables();
    assert_eq!(
        decided(&input(&t, tcp("1.1.1.1", "192.0.2.1", 22), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 1)
    );
    assert_eq!(
        decided(&input(&t, tcp("1.1.1.2", "192.0.2.1", 22), "eth0")),
        by(Verdict::Reject, "filter", "INPUT", 2)
    );
    assert_eq!(
        decided(&input(&t, tcp("1.1.1.2", "192.0.2.1", 80), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 0)
    );
    assert_eq!(
        decided(&fwd(&t, tcp("1.1.1.1", "192.0.2.9", 22), "a", "b")),
        by(Verdict::Reject, "filter", "FORWARD", 1)
    );
}

#[test]
fn firewall_macro() {
    let fw = firewall_macro::firewall();
    let t = fw.ipv4();
    // INPUT DROP: 1 lo, 2 ESTABLISHED,RELATED, 3 INVALID drop, 4 echo-request, 5 ssh from
    // 10/8, 6 -j ssh_guard tcp 22, 7 ppp0 udp 500, 8 ppp0 esp, 9 ppp0 ah, 10 LOG.
    // ssh_guard: 1 accept 1.1.1.1, 2 recent --set (no target), 3 RETURN.
    assert_eq!(
        decided(&input(t, tcp("10.1.1.1", "192.0.2.1", 22), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 5)
    );
    assert_eq!(
        decided(&input(t, tcp("1.1.1.1", "192.0.2.1", 22), "eth0")),
        by(Verdict::Accept, "filter", "ssh_guard", 1)
    );
    // recent --set cannot be decided, but a rule without a target decides nothing: the walk
    // goes on through RETURN and the LOG rule to the policy.
    let e = input(t, tcp("8.8.8.8", "192.0.2.1", 22), "eth0");
    assert_eq!(decided(&e), by(Verdict::Drop, "filter", "INPUT", 0));
    assert!(e.unknown[0].contains("recent"), "{:?}", e.unknown);
    let path: Vec<String> = e
        .path
        .iter()
        .map(|s| format!("{}/{:?}/{}", s.chain, s.position, s.action))
        .collect();
    assert_eq!(
        path,
        [
            "PREROUTING/None/ACCEPT",
            "INPUT/Some(6)/ssh_guard",
            "ssh_guard/Some(3)/RETURN",
            "INPUT/Some(10)/LOG",
            "INPUT/None/DROP"
        ]
    );
    assert_eq!(
        decided(&input(t, udp("203.0.113.1", "192.0.2.1", 500), "ppp0")),
        by(Verdict::Accept, "filter", "INPUT", 7)
    );
    assert_eq!(
        decided(&input(t, udp("203.0.113.1", "192.0.2.1", 500), "eth0")),
        by(Verdict::Drop, "filter", "INPUT", 0)
    );
    let ping = Packet::ping(ip("203.0.113.1"), ip("192.0.2.1"));
    assert_eq!(
        decided(&input(t, ping, "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 4)
    );
    // FORWARD DROP: 1 ESTABLISHED, 2 tcp multiport 53,80,443, 3 tcp ! -s 192.168/16 REJECT.
    // nat PREROUTING DNATs tcp 8080 to 10.0.0.2:80, so FORWARD sees port 80.
    let e = fwd(t, tcp("10.9.9.9", "192.0.2.1", 8080), "eth1", "eth2");
    assert_eq!(decided(&e), by(Verdict::Accept, "filter", "FORWARD", 2));
    assert_eq!(
        (e.packet.dst, e.packet.dport),
        (Some(ip("10.0.0.2")), Some(80))
    );
    assert_eq!(e.path[0].action, "DNAT");
    assert_eq!(
        decided(&fwd(t, tcp("10.9.9.9", "192.0.2.1", 8081), "eth1", "eth2")),
        by(Verdict::Reject, "filter", "FORWARD", 3)
    );
    assert_eq!(
        decided(&fwd(t, tcp("192.168.1.1", "192.0.2.1", 25), "eth1", "eth2")),
        by(Verdict::Drop, "filter", "FORWARD", 0)
    );
    // POSTROUTING MASQUERADEs 192.168/16 out of eth0, after filter accepted it.
    let e = fwd(t, tcp("192.168.1.1", "192.0.2.1", 443), "eth1", "eth0");
    assert_eq!(decided(&e), by(Verdict::Accept, "filter", "FORWARD", 2));
    assert_eq!(e.path.last().unwrap().action, "MASQUERADE");
    // IPv6 INPUT DROP: 1 ipv6-icmp, 2 from 2001:db8::/32.
    let t6 = fw.ipv6();
    assert_eq!(
        decided(&input(t6, tcp("2001:db8::1", "2001:db8::2", 22), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 2)
    );
    assert_eq!(
        decided(&input(t6, tcp("2001:db9::1", "2001:db8::2", 22), "eth0")),
        by(Verdict::Drop, "filter", "INPUT", 0)
    );
    let ping6 = Packet::ping(ip("2001:db9::1"), ip("2001:db8::2"));
    assert_eq!(
        decided(&input(t6, ping6, "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 1)
    );
}

#[test]
fn zone_router() {
    // FORWARD DROP: 1 ESTABLISHED,RELATED; 2 LOG, 3 DROP wan:blocklist (ipset); 4-7 lan ->
    // dmz servers (4 .2 tcp 80,443, 5 .2 udp 53, 6 range tcp, 7 range udp); 8-11 the same from
    // wan; 12 lan -> wan; 13 LOG, 14 DROP.
    for t in [
        zone_router::tables().unwrap(),
        zone_router::firewall().ipv4().clone(),
    ] {
        assert_eq!(
            decided(&fwd(
                &t,
                tcp("192.0.2.2", "198.51.100.15", 443),
                "lan",
                "dmz"
            )),
            by(Verdict::Accept, "filter", "FORWARD", 6)
        );
        assert_eq!(
            decided(&fwd(&t, udp("192.0.2.2", "198.51.100.2", 53), "lan", "dmz")),
            by(Verdict::Accept, "filter", "FORWARD", 5)
        );
        assert_eq!(
            decided(&fwd(
                &t,
                tcp("192.0.2.2", "198.51.100.21", 443),
                "lan",
                "dmz"
            )),
            by(Verdict::Drop, "filter", "FORWARD", 14)
        );
        assert_eq!(
            decided(&fwd(&t, tcp("192.0.2.2", "203.0.113.9", 25), "lan", "wan")),
            by(Verdict::Accept, "filter", "FORWARD", 12)
        );
        // From wan, the blocklist (an ipset) decides first: not known offline.
        let e = fwd(&t, tcp("203.0.113.2", "198.51.100.2", 80), "wan", "dmz");
        assert_eq!(e.verdict, Verdict::Unknown);
        assert!(
            e.unknown.iter().any(|u| u.contains("match-set")),
            "{:?}",
            e.unknown
        );
        let answer = tcp("203.0.113.2", "192.0.2.2", 40000).state(CtState::Established);
        assert_eq!(
            decided(&fwd(&t, answer, "wan", "lan")),
            by(Verdict::Accept, "filter", "FORWARD", 1)
        );
    }
}

#[test]
fn per_host() {
    // INPUT DROP: 1 lo, 2 ESTABLISHED, 3 icmp, 4 ssh from the admin network, 5 80, 6 443.
    let t = per_host::host(Family::V4, "198.51.100.0/24", "icmp");
    assert_eq!(
        decided(&input(&t, tcp("198.51.100.7", "192.0.2.1", 22), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 4)
    );
    assert_eq!(
        decided(&input(&t, tcp("203.0.113.7", "192.0.2.1", 22), "eth0")),
        by(Verdict::Drop, "filter", "INPUT", 0)
    );
    assert_eq!(
        decided(&input(&t, tcp("203.0.113.7", "192.0.2.1", 443), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 6)
    );
    assert_eq!(
        decided(&input(&t, udp("203.0.113.7", "192.0.2.1", 53), "lo")),
        by(Verdict::Accept, "filter", "INPUT", 1)
    );
    let t6 = per_host::host(Family::V6, "2001:db8:ad::/48", "ipv6-icmp");
    let ping6 = Packet::ping(ip("2001:db8:1::1"), ip("2001:db8::2"));
    assert_eq!(
        decided(&input(&t6, ping6, "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 3)
    );
}

/// The ruleset of `tests/behaviour_goto_return.rs`, whose outcomes the kernel gives there.
#[test]
fn goto_and_return_as_the_kernel_does() {
    let mut t = default_tables();
    let filter = &mut t["filter"];
    filter.add_chain(Chain::user("outer"));
    filter.add_chain(Chain::user("inner"));
    let input = &mut filter["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(Rule::new().proto("tcp").dport("8080:8081").jump("outer"));
    input.push(Rule::new().proto("tcp").dport(9090).goto("inner"));
    input.push(Rule::new().proto("tcp").dport(9091).jump("inner"));
    for port in [8080, 8081, 9090, 9091] {
        input.push(Rule::new().proto("tcp").dport(port).accept());
    }
    filter["outer"].push(Rule::new().proto("tcp").dport(8080).goto("inner"));
    filter["outer"].push(Rule::new().proto("tcp").dport(8081).jump("inner"));
    filter["outer"].push(Rule::new().drop());
    filter["inner"].push(Rule::new().target(Target::RETURN));
    let open = |port| input_verdict(&t, port);
    assert_eq!(open(8080), by(Verdict::Accept, "filter", "INPUT", 4));
    assert_eq!(open(8081), by(Verdict::Drop, "filter", "outer", 3));
    assert_eq!(open(9090), by(Verdict::Drop, "filter", "INPUT", 0));
    assert_eq!(open(9091), by(Verdict::Accept, "filter", "INPUT", 7));
}

fn input_verdict(t: &Tables, port: u16) -> (Verdict, (String, String, usize)) {
    decided(&input(t, tcp("192.0.2.2", "192.0.2.1", port), "eth0"))
}

#[test]
fn marks_set_in_mangle_are_seen_by_filter() {
    let mut t = default_tables();
    t["mangle"]["FORWARD"].push(
        Rule::new()
            .proto("tcp")
            .dport(22)
            .target(Target::new("MARK").opt("set-xmark", "0x5/0xff")),
    );
    t["filter"]["FORWARD"].push(
        Rule::new()
            .with_match(Match::new("mark").opt("mark", "0x4/0x4"))
            .drop(),
    );
    assert_eq!(
        decided(&fwd(&t, tcp("192.0.2.2", "198.51.100.2", 22), "a", "b")),
        by(Verdict::Drop, "filter", "FORWARD", 1)
    );
    assert_eq!(
        decided(&fwd(&t, tcp("192.0.2.2", "198.51.100.2", 23), "a", "b")),
        by(Verdict::Accept, "filter", "FORWARD", 0)
    );
    // A mark the packet does not say, with no assumption possible (a later packet), is still
    // assumed 0 and said so.
    let e = fwd(&t, tcp("192.0.2.2", "198.51.100.2", 23), "a", "b");
    assert!(e.assumptions.iter().any(|a| a.contains("mark 0")));
}

#[test]
fn nat_is_only_for_the_first_packet() {
    let mut t = default_tables();
    t["nat"]["PREROUTING"].push(
        Rule::new()
            .proto("tcp")
            .dport(80)
            .target(Target::new("DNAT").opt("to-destination", "10.0.0.2:8080")),
    );
    t["filter"]["FORWARD"].push(Rule::new().proto("tcp").dport(8080).drop());
    let new = tcp("192.0.2.2", "198.51.100.2", 80);
    assert_eq!(
        decided(&fwd(&t, new.clone(), "a", "b")),
        by(Verdict::Drop, "filter", "FORWARD", 1)
    );
    // A later packet of the connection does not pass nat (its mapping is conntrack's, which
    // the packet given here already shows).
    let later = new.state(CtState::Established);
    assert_eq!(
        decided(&fwd(&t, later, "a", "b")),
        by(Verdict::Accept, "filter", "FORWARD", 0)
    );
}

/// A match given alone (`-m socket`, `-p tcp -m tcp`) is not "every packet": it tests a
/// socket, a route, or that the packet is not a later fragment, which a packet description
/// does not say.
#[test]
fn a_match_alone_is_unknown_not_every_packet() {
    for m in ["socket", "rpfilter", "tcp", "limit"] {
        let mut t = default_tables();
        t.add(pyptables::Table::with_builtin_chains("raw").unwrap());
        let mut rule = Rule::new();
        if m == "tcp" {
            rule = rule.proto("tcp");
        }
        t["raw"]["PREROUTING"].push(rule.with_match(Match::new(m)).drop());
        let e = input_verdict_e(&t);
        assert_eq!(e.verdict, Verdict::Unknown, "{m}: {e:?}");
        assert_eq!(
            e.unknown[0],
            format!("raw/PREROUTING rule 1: -m {m} (without options) cannot be decided offline")
        );
    }
}

#[test]
fn what_cannot_be_known_is_unknown_never_guessed() {
    let mut t = default_tables();
    let chain = &mut t["filter"]["INPUT"];
    chain.push(
        Rule::new()
            .with_match(Match::new("limit").opt("limit", "5/min"))
            .accept(),
    );
    chain.push(Rule::new().drop());
    let e = input_verdict_e(&t);
    assert_eq!(e.verdict, Verdict::Unknown);
    assert_eq!(e.rule, None);
    assert!(e.unknown[0].contains("limit"), "{:?}", e.unknown);
    // A raw rule is not read.
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw("-p tcp -j DROP"));
    assert_eq!(input_verdict_e(&t).verdict, Verdict::Unknown);
    // An address the packet does not have (the CLI without --src).
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::new().source("10.0.0.0/8").drop());
    let mut p = tcp("10.0.0.1", "192.0.2.1", 22);
    p.src = None;
    assert_eq!(input(&t, p, "eth0").verdict, Verdict::Unknown);
    // A target the catalog does not describe.
    let mut t = default_tables();
    t["mangle"]["INPUT"].push(Rule::new().target(Target::new("TTL").opt("ttl-set", "5")));
    assert_eq!(input_verdict_e(&t).verdict, Verdict::Unknown);
}

fn input_verdict_e(t: &Tables) -> Explanation {
    input(t, tcp("192.0.2.2", "192.0.2.1", 22), "eth0")
}

/// The README's example, word for word.
#[test]
fn ssh_only_from_the_lan() {
    let fw = pyptables::firewall! {
        filter {
            INPUT policy DROP {
                accept in_interface=lo;
                accept ctstate=[ESTABLISHED, RELATED];
                accept proto=tcp dport=22 source=10.0.0.0/8;
            }
        }
    };
    let ssh = |src: &str| {
        Packet::tcp(
            src.parse().unwrap(),
            "192.0.2.1".parse().unwrap(),
            40000,
            22,
        )
        .in_interface("eth0")
    };
    let lan = explain(fw.ipv4(), &ssh("10.1.2.3"), Path::Input);
    assert_eq!(lan.verdict, Verdict::Accept);
    assert_eq!(lan.rule.unwrap().position, 3); // as `iptables -L --line-numbers` counts
    let wan = explain(fw.ipv4(), &ssh("203.0.113.9"), Path::Input);
    assert_eq!(wan.verdict, Verdict::Drop);
    assert!(wan.rule.is_none(), "INPUT's policy decided");
}

#[path = "../examples/docker_host.rs"]
#[allow(dead_code)]
mod docker_host;

#[test]
fn docker_host() {
    // INPUT DROP: 1 lo, 2 ESTABLISHED,RELATED, 3 icmp, 4 ssh from the admins. FORWARD is
    // Docker's (the table preserves DOCKER*; FORWARD is not in these rules): unknown.
    let fw = docker_host::firewall();
    let t = fw.ipv4();
    assert_eq!(
        decided(&input(t, tcp("198.51.100.9", "192.0.2.1", 22), "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 4)
    );
    assert_eq!(
        decided(&input(t, tcp("203.0.113.9", "192.0.2.1", 22), "eth0")),
        by(Verdict::Drop, "filter", "INPUT", 0)
    );
    let e = fwd(t, tcp("203.0.113.9", "172.17.0.2", 8080), "eth0", "docker0");
    assert_eq!(e.verdict, Verdict::Unknown);
    assert!(e.unknown[0].contains("preserve"), "{:?}", e.unknown);
    let t6 = fw.ipv6();
    let ping6 = Packet::ping(ip("2001:db8:1::1"), ip("2001:db8::2"));
    assert_eq!(
        decided(&input(t6, ping6, "eth0")),
        by(Verdict::Accept, "filter", "INPUT", 3)
    );
}

/// With the legacy backend the kernel tracks connections only once a rule needs conntrack
/// (found by tests/explain_kernel.rs: nat counters did not move); nat's walk is then a maybe.
#[test]
fn nat_without_conntrack_rules_may_not_be_walked() {
    let mut t = default_tables();
    t["nat"]["PREROUTING"].push(Rule::new().proto("udp").dport(80).target(Target::RETURN));
    let e = fwd(&t, udp("192.0.2.2", "198.51.100.2", 80), "a", "b");
    assert_eq!(decided(&e), by(Verdict::Accept, "filter", "FORWARD", 0));
    assert!(e.path.iter().all(|s| s.table != "nat"), "{:?}", e.path);
    assert_eq!(e.maybe[0].position, Some(1));
    // A rule that needs conntrack anywhere makes nat's walk certain.
    t["filter"]["INPUT"].push(Rule::new().opt("ctstate", "NEW").accept());
    let e = fwd(&t, udp("192.0.2.2", "198.51.100.2", 80), "a", "b");
    assert!(e.path.iter().any(|s| s.table == "nat"), "{:?}", e.path);
}

/// connlabel and cluster need conntrack too (with the legacy backend, a rule of either made
/// the kernel track a datagram that a plain rule did not: /proc/net/nf_conntrack), and so does
/// ipvs (xt_ipvs asks for it like them, nf_ct_netns_get).
#[test]
fn connlabel_cluster_and_ipvs_make_nat_certain() {
    let uses: [Match; 3] = [
        Match::new("connlabel").opt("label", 1),
        Match::new("cluster")
            .opt("cluster-total-nodes", 2)
            .opt("cluster-local-node", 1)
            .opt("cluster-hash-seed", 1),
        Match::new("ipvs").flag("ipvs"),
    ];
    for m in uses {
        let mut t = default_tables();
        t["nat"]["PREROUTING"].push(Rule::new().proto("udp").dport(80).target(Target::RETURN));
        t["filter"]["INPUT"].push(Rule::new().with_match(m.clone()).accept());
        let e = fwd(&t, udp("192.0.2.2", "198.51.100.2", 80), "a", "b");
        assert!(
            e.path.iter().any(|s| s.table == "nat"),
            "{m:?}: {:?}",
            e.path
        );
    }
}

fn cli(args: &[&str]) -> (u8, String, String) {
    let fw = per_host_firewall();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = pyptables::cli::run_with_args(
        &fw,
        std::iter::once("per_host").chain(args.iter().copied()),
        &mut out,
        &mut err,
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn per_host_firewall() -> pyptables::Firewall {
    pyptables::Firewall::from_tables(
        per_host::host(Family::V4, "198.51.100.0/24", "icmp"),
        per_host::host(Family::V6, "2001:db8:ad::/48", "ipv6-icmp"),
    )
}

/// The line of per_host's SSH rule (INPUT rule 4), as the model records it.
fn ssh_rule_line() -> u32 {
    let t = per_host::host(Family::V4, "198.51.100.0/24", "icmp");
    t.table("filter")
        .unwrap()
        .chain("INPUT")
        .unwrap()
        .get(3)
        .unwrap()
        .origin()
        .line
}

#[test]
fn cli_explain() {
    let ssh = [
        "explain",
        "--hook",
        "input",
        "--in",
        "eth0",
        "--proto",
        "tcp",
        "--src",
        "198.51.100.3",
        "--dst",
        "192.0.2.1",
        "--dport",
        "22",
    ];
    let (code, out, _) = cli(&ssh);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("verdict: ACCEPT\nrule: filter/INPUT rule 4 (")
            && out.contains(&format!("per_host.rs:{})\n", ssh_rule_line())),
        "{out}"
    );
    let mut json = ssh.to_vec();
    let last = json.len() - 1;
    json[last] = "25";
    json.push("--json");
    let (code, out, _) = cli(&json);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(r#"{"verdict": "DROP", "rule": null, "policy": {"table": "filter", "chain": "INPUT"}, "path": [{"hook": "INPUT", "table": "filter", "chain": "INPUT", "position": null, "#),
        "{out}"
    );
    assert!(out.ends_with("]}\n"), "{out}");
    // IPv6 from the addresses; the family's own rules.
    let (code, out, _) = cli(&[
        "explain",
        "--hook",
        "input",
        "--in",
        "eth0",
        "--proto",
        "ipv6-icmp",
        "--src",
        "2001:db8::1",
        "--dst",
        "2001:db8::2",
    ]);
    assert_eq!(
        (code, out.lines().next()),
        (0, Some("verdict: ACCEPT")),
        "{out}"
    );
    // Mixed families are refused, with what is wrong.
    let (code, _, err) = cli(&["explain", "--family", "4", "--src", "2001:db8::1"]);
    assert_eq!(code, 2);
    assert!(err.contains("2001:db8::1 is not an IPv4 address"), "{err}");
    // Undecidable: no source address given, and rule 4 asks for one.
    let (code, out, _) = cli(&[
        "explain", "--hook", "input", "--in", "eth0", "--dport", "22",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("verdict: UNKNOWN\n"), "{out}");
    assert!(
        out.contains(
            "unknown: filter/INPUT rule 4: --source 198.51.100.0/24 cannot be decided offline"
        ),
        "{out}"
    );
}

#[test]
fn set_membership_when_the_packet_says() {
    // zone_router FORWARD: 2 LOG and 3 DROP from wan members of the ipset blocklist.
    let t = zone_router::tables().unwrap();
    let web = tcp("203.0.113.2", "198.51.100.2", 80);
    let blocked = fwd(&t, web.clone().in_set("blocklist", true), "wan", "dmz");
    assert_eq!(decided(&blocked), by(Verdict::Drop, "filter", "FORWARD", 3));
    let allowed = fwd(&t, web.clone().in_set("blocklist", false), "wan", "dmz");
    assert_eq!(
        decided(&allowed),
        by(Verdict::Accept, "filter", "FORWARD", 8)
    );
    // Another set's answer says nothing about this one.
    let other = fwd(&t, web.in_set("allowlist", true), "wan", "dmz");
    assert_eq!(other.verdict, Verdict::Unknown);
}

/// TEE sends a copy and lets the packet go on; SYNPROXY consumes a SYN and the ACK that
/// completes the handshake and lets the rest go on, which depends on the packet: unknown.
#[test]
fn tee_goes_on_and_synproxy_is_unknown() {
    let mut t = default_tables();
    t["mangle"]["INPUT"].push(Rule::new().target(Target::new("TEE").opt("gateway", "192.0.2.9")));
    t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).drop());
    let e = input_verdict_e(&t);
    assert_eq!(decided(&e), by(Verdict::Drop, "filter", "INPUT", 1));

    let mut t = default_tables();
    t["filter"]["INPUT"].push(
        Rule::new()
            .proto("tcp")
            .target(Target::new("SYNPROXY").opt("mss", "1460")),
    );
    t["filter"]["INPUT"].push(Rule::new().drop());
    assert_eq!(input_verdict_e(&t).verdict, Verdict::Unknown);
}
