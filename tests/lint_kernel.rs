//! The lint's findings against the kernel: no false positives.
//!
//! A fixture with shadowed, redundant and unreachable rules (both families) is loaded into
//! the router of a client — router pair (both backends). For every finding, its witness
//! packet is sent from the client (from the witness's own source address, added to the
//! client) to the router; the router's counters (`iptables-save -c`) must show the flagged
//! rule did not count it and the rule named in `by` did — so the witness really reached the
//! chain and was decided first, as the finding says.
//!
//! Also shows the dual-stack trap: IPv6 INPUT with policy DROP and only SSH accepted, and SSH
//! over IPv6 fails, because neighbour discovery is dropped.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use pyptables::lint::{describe, Kind};
use pyptables::{Chain, Family, Policy, Rule, Tables};
use pyptables_testkit::{
    require_root_and_iptables, Backend, Family as TkFamily, TcpOutcome, Topology,
};

/// The router's address on the client link, and source prefixes inside that link.
pub struct Addrs {
    router: &'static str,
    /// (covering prefix, narrower prefix or host inside it) for each case.
    shadow: (&'static str, &'static str),
    redundant: (&'static str, &'static str),
    iface: (&'static str, &'static str),
    late: (&'static str, &'static str),
}

const V4: Addrs = Addrs {
    router: "192.0.2.1",
    shadow: ("192.0.2.64/26", "192.0.2.80/28"),
    redundant: ("192.0.2.128/26", "192.0.2.130"),
    iface: ("192.0.2.192/27", "192.0.2.200"),
    late: ("192.0.2.224/27", "192.0.2.230"),
};

const V6: Addrs = Addrs {
    router: "2001:db8:2::1",
    shadow: ("2001:db8:2::40/122", "2001:db8:2::50/124"),
    redundant: ("2001:db8:2::80/122", "2001:db8:2::82"),
    iface: ("2001:db8:2::c0/123", "2001:db8:2::c8"),
    late: ("2001:db8:2::e0/123", "2001:db8:2::e6"),
};

/// filter INPUT (policy ACCEPT, so neighbour discovery works):
/// 1 DROP tcp 1:1024 from the shadow prefix; 2 ACCEPT tcp 22 from inside it (shadowed by 1);
/// 3 ACCEPT udp from the redundant prefix; 4 ACCEPT udp 53 from a host in it (redundant, 3);
/// 5 DROP all from the iface prefix; 6 ACCEPT tcp -i client from a host in it (shadowed, 5);
/// 7 jump `late` from the late prefix. late: 1 DROP; 2 ACCEPT tcp 80 (unreachable, 1).
pub fn fixture(family: Family, a: &Addrs) -> Tables {
    let mut t = match family {
        Family::V4 => pyptables::default_tables(),
        Family::V6 => pyptables::default_tables_v6(),
    };
    let f = &mut t["filter"];
    let r = || Rule::new().destination(a.router);
    f["INPUT"].push(vec![
        r().proto("tcp").source(a.shadow.0).dport("1:1024").drop(),
        r().proto("tcp").source(a.shadow.1).dport(22).accept(),
        r().proto("udp").source(a.redundant.0).accept(),
        r().proto("udp").source(a.redundant.1).dport(53).accept(),
        r().source(a.iface.0).drop(),
        r().proto("tcp")
            .source(a.iface.1)
            .in_interface("client")
            .accept(),
        r().source(a.late.0).jump("late"),
    ]);
    f.add_chain(Chain::user("late")).push(vec![
        Rule::new().drop(),
        r().proto("tcp").source(a.late.1).dport(80).accept(),
    ]);
    t
}

#[test]
fn fixture_findings_offline() {
    for (family, a) in [(Family::V4, &V4), (Family::V6, &V6)] {
        let f = fixture(family, a).lint();
        let got: Vec<_> = f
            .iter()
            .map(|f| (f.kind, f.chain.as_str(), f.position, f.by.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Kind::Shadowed, "INPUT", Some(2), vec![1]),
                (Kind::Redundant, "INPUT", Some(4), vec![3]),
                (Kind::Shadowed, "INPUT", Some(6), vec![5]),
                (Kind::Unreachable, "late", Some(2), vec![1]),
            ],
            "{family:?}"
        );
    }
}

type Counters = BTreeMap<(String, Option<usize>), u64>;

/// filter's packet counters per (chain, position).
fn counters(save: &str) -> Counters {
    let mut out = Counters::new();
    let mut in_filter = false;
    let mut positions: BTreeMap<String, usize> = BTreeMap::new();
    for line in save.lines() {
        if let Some(t) = line.strip_prefix('*') {
            in_filter = t == "filter";
        } else if let (true, Some(rest)) = (in_filter, line.strip_prefix('[')) {
            let (count, rule) = rest.split_once("] ").expect("[p:b] -A …");
            let n: u64 = count.split(':').next().unwrap().parse().unwrap();
            let chain = rule
                .strip_prefix("-A ")
                .and_then(|r| r.split_whitespace().next())
                .unwrap();
            let pos = positions.entry(chain.to_string()).or_insert(0);
            *pos += 1;
            out.insert((chain.to_string(), Some(*pos)), n);
        }
    }
    out
}

/// One TCP SYN (a connect abandoned at once) or UDP datagram from `src:sport` in the client.
fn send(net: &Topology, tcp: bool, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) {
    net.ns("client")
        .run(move || {
            let domain = if src.is_ipv6() {
                libc::AF_INET6
            } else {
                libc::AF_INET
            };
            let socktype = if tcp {
                libc::SOCK_STREAM
            } else {
                libc::SOCK_DGRAM
            };
            // SAFETY: plain socket calls on a descriptor owned and closed here; the sockaddr
            // buffers outlive the calls.
            unsafe {
                let fd = libc::socket(domain, socktype | libc::SOCK_NONBLOCK, 0);
                assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
                let (sa, len) = pyptables_testkit::probe::sockaddr(src, sport);
                let rc = libc::bind(fd, &sa as *const _ as *const libc::sockaddr, len);
                assert_eq!(
                    rc,
                    0,
                    "bind {src}:{sport}: {}",
                    std::io::Error::last_os_error()
                );
                let (da, len) = pyptables_testkit::probe::sockaddr(dst, dport);
                if tcp {
                    libc::connect(fd, &da as *const _ as *const libc::sockaddr, len);
                } else {
                    let msg = b"x";
                    libc::sendto(
                        fd,
                        msg.as_ptr() as *const libc::c_void,
                        msg.len(),
                        0,
                        &da as *const _ as *const libc::sockaddr,
                        len,
                    );
                }
                // Let the packet reach the router (neighbour resolution first) before closing.
                std::thread::sleep(Duration::from_millis(200));
                libc::close(fd);
            }
        })
        .unwrap();
}

fn pair(name: &str, extra: &[String]) -> Topology {
    let mut b = Topology::builder(name)
        .add_host("client")
        .add_host("router")
        .link("client", "router", "192.0.2.2/24", "192.0.2.1/24")
        .address("client", "router", "2001:db8:2::2/64")
        .address("router", "client", "2001:db8:2::1/64");
    for a in extra {
        b = b.address("client", "router", a);
    }
    b.build().expect("topology")
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn witnesses_are_never_counted_by_the_flagged_rule() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        for (family, a) in [(Family::V4, &V4), (Family::V6, &V6)] {
            let tables = fixture(family, a);
            let findings = tables.lint();
            assert_eq!(findings.len(), 4);
            let v6 = family == Family::V6;
            let tk = if v6 { TkFamily::V6 } else { TkFamily::V4 };
            // The witnesses' sources become the client's addresses (on the link's prefix).
            let extra: Vec<String> = findings
                .iter()
                .map(|f| {
                    let src = f.witness.as_ref().unwrap().src.unwrap();
                    format!("{src}/{}", if v6 { 64 } else { 24 })
                })
                .collect();
            let net = pair(
                &format!("lint{}{}", if v6 { 6 } else { 4 }, backend as u8),
                &extra,
            );
            let router = net.ns("router");
            let text = tables.to_iptables_plain();
            router
                .restore(backend, tk, &text, &[])
                .unwrap_or_else(|e| panic!("{e}\n{text}"));
            let save = backend.save_bin(tk);
            for f in &findings {
                let w = f.witness.as_ref().unwrap();
                let before = counters(&router.exec_ok(save, &["-c"]).unwrap());
                send(
                    &net,
                    w.protocol == Some(6),
                    w.src.unwrap(),
                    w.sport.unwrap(),
                    w.dst.unwrap(),
                    w.dport.unwrap(),
                );
                let after = counters(&router.exec_ok(save, &["-c"]).unwrap());
                let delta = |chain: &str, pos: usize| {
                    let k = (chain.to_string(), Some(pos));
                    after.get(&k).copied().unwrap_or(0) - before.get(&k).copied().unwrap_or(0)
                };
                let what = format!(
                    "{backend} {family:?}: {f} (witness {})\n{text}",
                    describe(w)
                );
                assert_eq!(
                    delta(&f.chain, f.position.unwrap()),
                    0,
                    "false positive: {what}"
                );
                assert!(
                    delta(&f.chain, f.by[0]) >= 1,
                    "witness not decided by rule {}: {what}",
                    f.by[0]
                );
            }
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn ipv6_breaks_when_input_drops_neighbour_discovery() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let mut t = pyptables::default_tables_v6();
        t["filter"]["INPUT"].set_policy(Policy::Drop).unwrap();
        t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
        let findings = t.lint();
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, Kind::DualStack);
        let net = pair(&format!("lintnd{}", backend as u8), &[]);
        net.ns("router")
            .restore(backend, TkFamily::V6, &t.to_iptables_plain(), &[])
            .unwrap();
        // SSH is accepted, yet the client cannot reach it: its neighbour solicitations for
        // the router's address get no answer.
        let ssh = net.tcp6("client", "router", 22);
        assert_ne!(ssh, TcpOutcome::Accepted, "{backend}: {ssh:?}");
        // With ICMPv6 accepted too, the same SSH works: the finding was the cause.
        t["filter"]["INPUT"].push(Rule::new().proto("ipv6-icmp").accept());
        assert_eq!(t.lint(), vec![]);
        net.ns("router")
            .restore(backend, TkFamily::V6, &t.to_iptables_plain(), &[])
            .unwrap();
        // Neighbour entries that failed under the first rules are forgotten.
        for host in ["client", "router"] {
            net.ns(host).ip(&["-6", "neigh", "flush", "all"]).unwrap();
        }
        let ssh = net.tcp6("client", "router", 22);
        assert_eq!(ssh, TcpOutcome::Accepted, "{backend}: {ssh:?}");
    }
}
