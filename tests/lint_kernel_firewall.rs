//! Return-only jumps and dual-stack verdicts (`Firewall::lint`) against the kernel.
//!
//! - A jump to a chain that can only return: a connection matching the jump is counted by
//!   the jump rule and, packet for packet, by the rule after it — the chain sent every one
//!   back. A goto from INPUT to such a chain: the rule after it never counts the packet
//!   and the policy (ACCEPT) applies.
//! - IPv4 accepts SSH, IPv6 (policy DROP) has no such rule: the finding names port 22, and
//!   a real connection to that port gets through over IPv4 and not over IPv6.
//!
//! Both backends, a client — host pair of namespaces.

use std::collections::BTreeMap;

use pyptables::lint::Kind;
use pyptables::{Chain, Family, Firewall, Policy, Rule, Tables};
use pyptables_testkit::{
    packet_counters, require_root_and_iptables, Backend, Family as TkFamily, TcpOutcome, Topology,
};

/// filter's packet counters by (chain, 1-based position), from `iptables-save -c`.
fn counters(save: &str) -> BTreeMap<(String, usize), u64> {
    packet_counters(save)
        .into_iter()
        .filter_map(|((table, chain, position), n)| {
            Some(((chain, position?), n)).filter(|_| table == "filter")
        })
        .collect()
}

/// INPUT (policy ACCEPT, so neighbour discovery works):
/// 1 tcp 8080 jump `noop`; 2 tcp 8080 ACCEPT; 3 tcp 8081 goto `empty`; 4 tcp 8081 DROP
/// (shadowed by the goto, which leaves INPUT); 5 tcp 8082 jump `acct`.
/// `noop`: 1 udp RETURN; 2 tcp 80 RETURN; 3 jump `empty`. `empty`: no rules. `acct`: 1 tcp
/// without target — it counts packets, so the jump to it does something and is not flagged.
fn return_only_fixture(family: Family) -> Tables {
    let mut t = match family {
        Family::V4 => pyptables::default_tables(),
        Family::V6 => pyptables::default_tables_v6(),
    };
    let f = &mut t["filter"];
    f.add_chain(Chain::user("empty"));
    f.add_chain(Chain::user("noop")).push(vec![
        Rule::new().proto("udp").ret(),
        Rule::new().proto("tcp").dport(80).ret(),
        Rule::new().jump("empty"),
    ]);
    f.add_chain(Chain::user("acct"))
        .push(Rule::new().proto("tcp"));
    f["INPUT"].push(vec![
        Rule::new().proto("tcp").dport(8080).jump("noop"),
        Rule::new().proto("tcp").dport(8080).accept(),
        Rule::new().proto("tcp").dport(8081).goto("empty"),
        Rule::new().proto("tcp").dport(8081).drop(),
        Rule::new().proto("tcp").dport(8082).jump("acct"),
    ]);
    t
}

#[test]
fn return_only_fixture_offline() {
    for family in [Family::V4, Family::V6] {
        let f = return_only_fixture(family).lint();
        let got: Vec<_> = f
            .iter()
            .map(|f| (f.kind, f.chain.as_str(), f.position))
            .collect();
        assert_eq!(
            got,
            vec![
                // The goto leaves INPUT for every tcp 8081 packet.
                (Kind::Shadowed, "INPUT", Some(4)),
                (Kind::ReturnOnly, "INPUT", Some(1)),
                (Kind::ReturnOnly, "INPUT", Some(3)),
            ],
            "{family:?}: {f:#?}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn chains_that_can_only_return_send_every_packet_back() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        for family in [Family::V4, Family::V6] {
            let v6 = family == Family::V6;
            let tk = if v6 { TkFamily::V6 } else { TkFamily::V4 };
            let tables = return_only_fixture(family);
            let findings = tables.lint();
            assert_eq!(findings.len(), 3, "{findings:#?}");
            let net = Topology::single_host(&format!(
                "lintret{}{}",
                if v6 { 6 } else { 4 },
                backend as u8
            ))
            .expect("topology");
            let host = net.ns("host");
            let text = tables.to_iptables_plain();
            host.restore(backend, tk, &text, &[])
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            let save = || counters(&host.exec_ok(backend.save_bin(tk), &["-c"]).unwrap());
            for f in &findings {
                let port = f.witness.as_ref().and_then(|w| w.dport).unwrap();
                let pos = f.position.unwrap();
                let before = save();
                let outcome = if v6 {
                    net.tcp6("client", "host", port)
                } else {
                    net.tcp("client", "host", port)
                };
                let after = save();
                let delta = |p: usize| {
                    let k = ("INPUT".to_string(), p);
                    after[&k] - before.get(&k).copied().unwrap_or(0)
                };
                let what = format!("{backend} {family:?}: {f}\n{text}");
                assert_eq!(outcome, TcpOutcome::Accepted, "{what}");
                if f.kind == Kind::Shadowed {
                    assert_eq!(delta(pos), 0, "false positive: {what}");
                    assert!(delta(f.by[0]) >= 3, "{what}");
                    continue;
                }
                assert!(delta(pos) >= 3, "the handshake took the jump: {what}");
                if pos == 1 {
                    // Every packet that jumped came back to rule 2.
                    assert_eq!(delta(2), delta(1), "{what}");
                } else {
                    // The goto ended INPUT: rule 4 (DROP) never saw them, the policy let
                    // them in.
                    assert_eq!(delta(4), 0, "{what}");
                }
            }
            // The jump to `acct` is not flagged: its rule without target counts every packet
            // that jumps (an accounting chain), which a finding saying the jump does nothing
            // would have had removed.
            let before = save();
            let outcome = if v6 {
                net.tcp6("client", "host", 8082)
            } else {
                net.tcp("client", "host", 8082)
            };
            let after = save();
            let k = ("acct".to_string(), 1);
            let counted = after[&k] - before.get(&k).copied().unwrap_or(0);
            assert_eq!(
                outcome,
                TcpOutcome::Accepted,
                "{backend} {family:?}\n{text}"
            );
            assert!(
                counted >= 3,
                "{backend} {family:?}: acct counted {counted}\n{text}"
            );
        }
    }
}

/// Both families: INPUT policy DROP, established connections accepted; IPv4 accepts SSH
/// (rule 2), IPv6 accepts ICMPv6 (so neighbour discovery works) and, with `ssh6`, SSH.
fn dual_stack_fixture(ssh6: bool) -> Firewall {
    let mut v4 = pyptables::default_tables();
    let mut v6 = pyptables::default_tables_v6();
    for t in [&mut v4, &mut v6] {
        let input = &mut t["filter"]["INPUT"];
        input.set_policy(Policy::Drop).unwrap();
        input.push(
            Rule::new()
                .ctstate([
                    pyptables::value::CtState::Established,
                    pyptables::value::CtState::Related,
                ])
                .accept(),
        );
    }
    v4["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
    v6["filter"]["INPUT"].push(Rule::new().proto("ipv6-icmp").accept());
    if ssh6 {
        v6["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
    }
    Firewall::from_tables(v4, v6)
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_dual_stack_finding_names_a_port_open_over_one_family_only() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let fw = dual_stack_fixture(false);
        let findings = fw.lint();
        assert_eq!(findings.len(), 1, "{findings:#?}");
        let f = &findings[0];
        assert_eq!(
            (f.kind, f.family, f.chain.as_str(), f.position),
            (Kind::DualStack, Family::V4, "INPUT", Some(2)),
            "{f}"
        );
        let port = f.witness.as_ref().and_then(|w| w.dport).unwrap();
        assert_eq!(port, 22, "{f}");
        let net = Topology::single_host(&format!("lintdual{}", backend as u8)).expect("topology");
        let host = net.ns("host");
        let load = |fw: &Firewall| {
            host.restore(backend, TkFamily::V4, &fw.ipv4().to_iptables_plain(), &[])
                .unwrap();
            host.restore(backend, TkFamily::V6, &fw.ipv6().to_iptables_plain(), &[])
                .unwrap();
        };
        load(&fw);
        let over4 = net.tcp("client", "host", port);
        let over6 = net.tcp6("client", "host", port);
        assert_eq!(over4, TcpOutcome::Accepted, "{backend}: {f}");
        assert_eq!(over6, TcpOutcome::TimedOut, "{backend}: {f}");
        // With the same rule in IPv6, the lint is clean and the port answers over both.
        let fixed = dual_stack_fixture(true);
        assert_eq!(fixed.lint(), vec![]);
        load(&fixed);
        assert_eq!(
            net.tcp6("client", "host", port),
            TcpOutcome::Accepted,
            "{backend}"
        );
    }
}
