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

use pyptables::explain::{explain, CtState, Packet, Path};
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

/// One TCP SYN (a connect abandoned at once) or UDP datagram from `src:sport` in host
/// `from`.
fn send(net: &Topology, from: &str, tcp: bool, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) {
    send_for(
        net,
        from,
        (tcp, src, sport, dst, dport),
        Duration::from_millis(200),
    )
}

/// [`send`], waiting `wait` for the packet to leave before closing the socket.
fn send_for(
    net: &Topology,
    from: &str,
    (tcp, src, sport, dst, dport): (bool, IpAddr, u16, IpAddr, u16),
    wait: Duration,
) {
    net.ns(from)
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
                std::thread::sleep(wait);
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
                    "client",
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

/// Random filter chains with deliberate shadowing, from a seed (xorshift64*: no dependency,
/// the same chain for the same seed everywhere).
mod generated {
    use pyptables::value::{not, CtState};
    use pyptables::{Chain, Family, Policy, Rule, Table, Tables};

    pub struct Rng(u64);

    impl Rng {
        pub fn new(seed: u64) -> Rng {
            Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
        }

        pub fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// 0..n
        pub fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// True with probability `percent`/100.
        pub fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }

        pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    /// Source prefixes that nest and split each other (both halves of several).
    const SOURCES_V4: &[&str] = &[
        "10.0.0.0/8",
        "10.0.0.0/9",
        "10.128.0.0/9",
        "10.1.0.0/16",
        "10.1.2.0/24",
        "10.1.2.0/25",
        "10.1.2.128/25",
        "10.1.2.3/32",
        "0.0.0.0/1",
        "128.0.0.0/1",
        "192.0.2.0/24",
        "192.0.2.0/25",
        "192.0.2.128/25",
        "203.0.113.0/24",
    ];
    const SOURCES_V6: &[&str] = &[
        "2001:db8:a::/48",
        "2001:db8:a::/49",
        "2001:db8:a:8000::/49",
        "2001:db8:a:1::/64",
        "2001:db8:a:1::/65",
        "2001:db8:a:1:8000::/65",
        "2001:db8:a:1::3/128",
        "::/1",
        "8000::/1",
        "2001:db8::/64",
        "2001:db8::/65",
        "2001:db8::8000:0:0:0/65",
        "2001:db8:113::/64",
    ];
    /// The router's address (the witnesses' default destination) and networks around it.
    pub const ROUTER_V4: &str = "198.51.100.1";
    pub const ROUTER_V6: &str = "2001:db8::2";
    const DESTINATIONS_V4: &[&str] = &["198.51.100.1", "198.51.100.0/24", "198.51.100.0/25"];
    const DESTINATIONS_V6: &[&str] = &["2001:db8::2", "2001:db8::/64", "2001:db8::/65"];
    const PORTS: &[&str] = &[
        "22",
        "53",
        "80",
        "443",
        "1000",
        "1001",
        "1:1000",
        "1001:65535",
        "0:1023",
        "1024:65535",
        "20:30",
        "80:443",
        "500:2000",
    ];
    const PORT_LISTS: &[&str] = &["22,80,443", "1:100,200:300", "53,1000:1001"];
    const SPORTS: &[&str] = &["1024:65535", "40000", "1:1023", "30000:50000"];
    const INTERFACES: &[&str] = &["eth0", "eth+", "e+", "wan0", "wan+"];

    fn states(rng: &mut Rng) -> Vec<CtState> {
        let sets: &[&[CtState]] = &[
            &[CtState::New],
            &[CtState::New, CtState::Established],
            &[CtState::Established, CtState::Related],
            &[CtState::Invalid],
        ];
        rng.pick(sets).to_vec()
    }

    /// One random rule (its target not set).
    fn rule(rng: &mut Rng, family: Family) -> Rule {
        let v6 = family == Family::V6;
        let mut r = Rule::new();
        let proto = match rng.below(20) {
            0..=8 => Some("tcp"),
            9..=15 => Some("udp"),
            16 => Some(if v6 { "ipv6-icmp" } else { "icmp" }),
            17 => {
                r = r.proto(not("tcp"));
                None
            }
            _ => None,
        };
        if let Some(p) = proto {
            r = r.proto(p);
        }
        if rng.chance(80) {
            let s = *rng.pick(if v6 { SOURCES_V6 } else { SOURCES_V4 });
            r = if rng.chance(15) {
                r.source(not(s))
            } else {
                r.source(s)
            };
        }
        if rng.chance(25) {
            let d = *rng.pick(if v6 { DESTINATIONS_V6 } else { DESTINATIONS_V4 });
            r = r.destination(d);
        }
        if matches!(proto, Some("tcp" | "udp")) {
            match rng.below(10) {
                0..=4 => {
                    let p = *rng.pick(PORTS);
                    r = if rng.chance(15) {
                        r.dport(not(p))
                    } else {
                        r.dport(p)
                    };
                }
                5 => r = r.dports(*rng.pick(PORT_LISTS)),
                _ => {}
            }
            if rng.chance(10) {
                let p = *rng.pick(SPORTS);
                r = if rng.chance(30) {
                    r.sport(not(p))
                } else {
                    r.sport(p)
                };
            }
        }
        if rng.chance(15) {
            let i = *rng.pick(INTERFACES);
            r = if rng.chance(30) {
                r.in_interface(not(i))
            } else {
                r.in_interface(i)
            };
        }
        if rng.chance(15) {
            let s = states(rng);
            r = if s.len() == 1 && rng.chance(40) {
                r.ctstate(not(s[0]))
            } else {
                r.ctstate(s)
            };
        }
        // Few unconditional rules: everything after one is merely unreachable.
        if r.args().is_empty() {
            r = r.source(*rng.pick(if v6 { SOURCES_V6 } else { SOURCES_V4 }));
        }
        r
    }

    fn verdict(rng: &mut Rng, r: Rule) -> Rule {
        match rng.below(20) {
            0..=8 => r.accept(),
            9..=16 => r.drop(),
            _ => r.reject(),
        }
    }

    /// The options of `r` with those of `extra` added, replacing options of the same name.
    fn and(r: &Rule, extra: Rule) -> Rule {
        let mut out = Rule::new();
        let replaced = |a: &pyptables::Arg| extra.args().iter().any(|e| e.key == a.key);
        for a in r.args().iter().filter(|a| !replaced(a)).chain(extra.args()) {
            out = out.arg(a.clone());
        }
        out
    }

    /// A chain of at least `n` rules: random ones, narrowed copies of earlier ones, and rules
    /// inside the union of two halves written just before.
    pub fn chain(seed: u64, family: Family, n: usize) -> Vec<Rule> {
        let mut rng = Rng::new(seed);
        let v6 = family == Family::V6;
        let mut rules: Vec<Rule> = Vec::new();
        while rules.len() < n {
            match rng.below(10) {
                // A copy of an earlier rule, narrowed by a port or a source inside.
                0..=2 if !rules.is_empty() => {
                    let base = rules[rng.below(rules.len())].clone();
                    let narrow = match base.args().iter().any(|a| a.key == "protocol") {
                        true => Rule::new(),
                        false => Rule::new().proto(if rng.chance(50) { "tcp" } else { "udp" }),
                    };
                    let narrow = if base.args().iter().any(|a| a.key == "source") {
                        narrow
                    } else {
                        narrow.source(*rng.pick(if v6 { SOURCES_V6 } else { SOURCES_V4 }))
                    };
                    let mut r = and(&base, narrow);
                    if !base.args().iter().any(|a| a.key.contains("port"))
                        && r.args().iter().any(|a| {
                            a.key == "protocol"
                                && matches!(a.value.as_deref(), Some("tcp" | "udp"))
                                && !a.negated
                        })
                    {
                        r = r.dport(*rng.pick(PORTS));
                    }
                    rules.push(verdict(&mut rng, r));
                }
                // Two halves (of the sources or of the ports), then a rule inside both.
                3 => {
                    let halves: &[(&str, &str, &str)] = if v6 {
                        &[
                            ("::/1", "8000::/1", "2001:db8:113::/64"),
                            (
                                "2001:db8:a::/49",
                                "2001:db8:a:8000::/49",
                                "2001:db8:a:1::/64",
                            ),
                            ("2001:db8::/65", "2001:db8::8000:0:0:0/65", "2001:db8::/64"),
                        ]
                    } else {
                        &[
                            ("0.0.0.0/1", "128.0.0.0/1", "203.0.113.0/24"),
                            ("10.0.0.0/9", "10.128.0.0/9", "10.1.0.0/16"),
                            ("192.0.2.0/25", "192.0.2.128/25", "192.0.2.0/24"),
                        ]
                    };
                    let (a, b, inside) = *rng.pick(halves);
                    let base = rule(&mut rng, family);
                    rules.push(verdict(&mut rng, and(&base, Rule::new().source(a))));
                    rules.push(verdict(&mut rng, and(&base, Rule::new().source(b))));
                    let tail = match rng.below(3) {
                        0 => Rule::new().source(inside),
                        1 => Rule::new().source(inside).proto("tcp").dport(22),
                        _ => Rule::new().proto("udp").dport(53),
                    };
                    let r = and(&base, tail);
                    rules.push(verdict(&mut rng, r));
                }
                4 => {
                    let p = if rng.chance(50) { "tcp" } else { "udp" };
                    let cut = *rng.pick(&[1000u16, 1023, 40000]);
                    let base = Rule::new().proto(p);
                    rules.push(verdict(&mut rng, base.clone().dport(format!("0:{cut}"))));
                    rules.push(verdict(
                        &mut rng,
                        base.clone().dport(format!("{}:65535", cut + 1)),
                    ));
                    let inside = and(&rule(&mut rng, family), base);
                    rules.push(verdict(&mut rng, inside));
                }
                _ => {
                    let r = rule(&mut rng, family);
                    rules.push(verdict(&mut rng, r));
                }
            }
        }
        // Sometimes an unconditional rule in the second half: the rules after it are
        // unreachable (or shadowed by earlier ones).
        if rng.chance(30) {
            let at = rules.len() / 2 + rng.below(rules.len() / 2);
            let all = Rule::new().comment("everything");
            rules.insert(at, verdict(&mut rng, all));
        }
        rules
    }

    /// filter: INPUT (policy ACCEPT) jumps to `gen`, which holds the generated chain. With
    /// `nd`, IPv6 INPUT accepts ICMPv6 first, so neighbour discovery works in the kernel.
    pub fn tables(seed: u64, family: Family, n: usize, nd: bool) -> Tables {
        let mut t = Tables::new(family);
        let filter = t.add(Table::new("filter"));
        let input = filter.add_chain(Chain::builtin("INPUT", Policy::Accept));
        if nd && family == Family::V6 {
            input.push(Rule::new().proto("ipv6-icmp").accept());
        }
        input.push(Rule::new().jump("gen"));
        filter
            .add_chain(Chain::user("gen"))
            .push(chain(seed, family, n));
        t
    }
}

/// The generated chains' rule findings in `gen`.
fn gen_findings(t: &Tables) -> Vec<pyptables::lint::Finding> {
    t.lint()
        .into_iter()
        .filter(|f| f.chain == "gen" && f.position.is_some())
        .collect()
}

/// A random packet from the generator's vocabulary (addresses inside its prefixes, ports at
/// its range edges, its interfaces, every state).
fn random_packet(rng: &mut generated::Rng, family: Family) -> Packet {
    let v6 = family == Family::V6;
    let nets: &[&str] = if v6 {
        &[
            "2001:db8:a::/48",
            "2001:db8:a:1::/64",
            "2001:db8::/64",
            "2001:db8:113::/64",
            "::/0",
        ]
    } else {
        &[
            "10.0.0.0/8",
            "10.1.2.0/24",
            "192.0.2.0/24",
            "203.0.113.0/24",
            "198.51.100.0/24",
            "0.0.0.0/0",
        ]
    };
    let addr = |rng: &mut generated::Rng| -> IpAddr {
        let n: pyptables::value::IpNet = rng.pick(nets).parse().unwrap();
        match n {
            pyptables::value::IpNet::V4(n) => {
                let host = rng.next() as u32 & !u32::from(n.netmask());
                std::net::Ipv4Addr::from(u32::from(n.network()) | host).into()
            }
            pyptables::value::IpNet::V6(n) => {
                let r = (u128::from(rng.next()) << 64) | u128::from(rng.next());
                let host = r & !u128::from(n.netmask());
                std::net::Ipv6Addr::from(u128::from(n.network()) | host).into()
            }
        }
    };
    let src = addr(rng);
    let dst = if rng.chance(60) {
        if v6 {
            generated::ROUTER_V6
        } else {
            generated::ROUTER_V4
        }
        .parse()
        .unwrap()
    } else {
        addr(rng)
    };
    const PORTS: &[u16] = &[
        0, 1, 20, 22, 30, 53, 80, 100, 101, 200, 300, 443, 500, 999, 1000, 1001, 1023, 1024, 2000,
        29999, 30000, 40000, 50000, 50001, 65535,
    ];
    let icmp = if v6 { 58 } else { 1 };
    let proto = *rng.pick(&[6u8, 6, 6, 17, 17, icmp, 47]);
    let mut p = Packet::new(proto, src, dst);
    if proto == 6 || proto == 17 {
        p.sport = Some(*rng.pick(PORTS));
        p.dport = Some(*rng.pick(PORTS));
    }
    if proto == 6 {
        p.tcp_flags = Some(*rng.pick(&[0x02u8, 0x02, 0x10, 0x12, 0x11, 0x04]));
    }
    if proto == icmp {
        p.icmp = Some(*rng.pick(&[(8u8, 0u8), (0, 0), (128, 0), (135, 0), (3, 3)]));
    }
    p.in_interface = Some(
        rng.pick(&["eth0", "eth1", "e0", "wan0", "wan1", "lo0"])
            .to_string(),
    );
    p.state = Some(*rng.pick(&[
        CtState::New,
        CtState::New,
        CtState::Established,
        CtState::Related,
        CtState::Invalid,
        CtState::Untracked,
    ]));
    p.mark = Some(0);
    p.ctmark = Some(0);
    p
}

/// Each flagged rule of `t`'s `gen`, alone in a chain of its own (so `explain` says whether
/// the rule matches a packet: it then decides it, as rule 1).
fn alone(t: &Tables, findings: &[pyptables::lint::Finding]) -> Vec<(usize, Tables)> {
    findings
        .iter()
        .map(|f| {
            let pos = f.position.unwrap();
            let mut one = Tables::new(t.family());
            let filter = one.add(pyptables::Table::new("filter"));
            filter
                .add_chain(Chain::builtin("INPUT", Policy::Accept))
                .push(Rule::new().jump("gen"));
            let rule = t["filter"]["gen"].get(pos - 1).unwrap().clone();
            filter.add_chain(Chain::user("gen")).push(rule);
            (pos, one)
        })
        .collect()
}

/// Who decides `p` in `gen`: its 1-based position, per `explain`.
fn decided_in_gen(t: &Tables, p: &Packet) -> Option<usize> {
    let e = explain(t, p, Path::Input);
    e.rule.filter(|r| r.chain == "gen").map(|r| r.position)
}

/// The seeds of the generated rulesets the offline check runs (the kernel test runs the
/// first few).
const OFFLINE_SEEDS: std::ops::RangeInclusive<u64> = 1..=40;

/// For generated rulesets: every finding's witness is decided (per `explain`) by a rule the
/// finding names; and random packets the flagged rule matches on its own are never decided
/// by it in the chain (no false positive), by the same evaluation.
#[test]
fn generated_findings_hold_offline() {
    let (mut findings, mut no_witness, mut in_flagged) = (0, 0, 0);
    let (mut not_flagged, mut not_flagged_reached) = (0, 0);
    let mut kinds = BTreeMap::new();
    for seed in OFFLINE_SEEDS {
        for family in [Family::V4, Family::V6] {
            let t = generated::tables(seed, family, 30, false);
            let what = |x: &dyn std::fmt::Display| format!("seed {seed} {family:?}: {x}");
            t.validate().unwrap_or_else(|e| panic!("{}", what(&e)));
            let fs = gen_findings(&t);
            findings += fs.len();
            for f in &fs {
                *kinds.entry(f.kind).or_insert(0) += 1;
                // A rule after an unconditional one, all of whose packets earlier rules decide
                // first, has no packet the unconditional rule decides.
                // (Or whose only such packets are later fragments, which `explain` cannot
                // decide against earlier port matches.)
                let Some(w) = f.witness.as_ref() else {
                    no_witness += 1;
                    continue;
                };
                let by = decided_in_gen(&t, w);
                assert!(
                    by.is_some_and(|b| f.by.contains(&b)),
                    "{}: witness {} decided by {by:?}",
                    what(f),
                    describe(w)
                );
            }
            // Each flagged rule alone, in a chain of its own.
            let alone = alone(&t, &fs);
            let mut rng = generated::Rng::new(seed ^ 0x5eed);
            let mut reached = std::collections::BTreeSet::new();
            for _ in 0..400 {
                let p = random_packet(&mut rng, family);
                let decided = decided_in_gen(&t, &p);
                reached.extend(decided);
                for (pos, one) in &alone {
                    if decided_in_gen(one, &p) == Some(1) {
                        in_flagged += 1;
                        assert_ne!(
                            decided,
                            Some(*pos),
                            "seed {seed} {family:?}: rule {pos} flagged, yet it decides {}",
                            describe(&p)
                        );
                    }
                }
            }
            // How many of the rules not flagged a random packet shows reachable (the rest are
            // narrow, or covered in ways the boxes cannot prove).
            let flagged: Vec<usize> = fs.iter().filter_map(|f| f.position).collect();
            let len = t["filter"]["gen"].len();
            let unflagged = (1..=len).filter(|p| !flagged.contains(p));
            not_flagged += unflagged.clone().count();
            not_flagged_reached += unflagged.filter(|p| reached.contains(p)).count();
        }
    }
    println!(
        "{findings} findings {kinds:?}, {no_witness} without a witness, {in_flagged} random \
         packets inside flagged rules; {not_flagged_reached} of {not_flagged} rules not \
         flagged decide a random packet"
    );
    // The check is not vacuous: findings of each kind, many packets inside flagged rules.
    assert!(findings >= 100, "{findings} findings: {kinds:?}");
    assert!(
        no_witness * 10 <= findings,
        "{no_witness} of {findings} without a witness"
    );
    assert!(
        kinds.contains_key(&Kind::Shadowed) && kinds.contains_key(&Kind::Redundant),
        "{kinds:?}"
    );
    assert!(
        in_flagged >= 1000,
        "{in_flagged} packets inside flagged rules"
    );
}

/// Seeds of the generated rulesets loaded into the kernel.
const KERNEL_SEEDS: [u64; 3] = [1, 2, 3];

/// A source address the router takes from a client: not loopback, multicast, reserved or
/// link-local.
fn usable_source(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(a) => {
            let o = a.octets()[0];
            !(o == 0 || o == 127 || o >= 224 || a.is_link_local() || a.is_broadcast())
        }
        IpAddr::V6(a) => {
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || (a.segments()[0] & 0xffc0) == 0xfe80
                || a.to_ipv4_mapped().is_some())
        }
    }
}

/// Whether the test's client can send `w` as the first packet of a connection through the
/// router's `eth0`: TCP SYN or UDP, real ports, state NEW, no marks, no other interface.
fn sendable(w: &Packet) -> bool {
    matches!(w.protocol, Some(6 | 17))
        && w.sport.is_some_and(|p| p != 0)
        && w.dport.is_some_and(|p| p != 0)
        && w.state == Some(CtState::New)
        && (w.protocol != Some(6) || w.tcp_flags == Some(0x02))
        && w.in_interface.as_deref().is_none_or(|i| i == "eth0")
        && w.out_interface.is_none()
        && w.mark.unwrap_or(0) == 0
        && w.ctmark.unwrap_or(0) == 0
        && !w.fragment
}

/// Generated rulesets in the kernel: for every finding whose witness can be sent, the
/// witness goes from a client to the router, whose INPUT jumps to the generated chain; the
/// flagged rule's counter stays 0 and a rule of `by` counts it. At the end every flagged
/// rule's counter is still 0 (nothing sent, neighbour discovery included, reached it).
///
/// The client host is named `eth0`, so that the router's interface toward it is `eth0`,
/// the interface the witnesses name.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn generated_witnesses_are_never_counted_by_the_flagged_rule() {
    require_root_and_iptables();
    let mut sent = 0;
    let mut skipped = 0;
    let mut sent_extra = 0;
    for seed in KERNEL_SEEDS {
        for family in [Family::V4, Family::V6] {
            let v6 = family == Family::V6;
            let tk = if v6 { TkFamily::V6 } else { TkFamily::V4 };
            let tables = generated::tables(seed, family, 30, true);
            let findings = gen_findings(&tables);
            let (client_addr, router_addr): (IpAddr, IpAddr) = if v6 {
                (
                    "2001:db8::1".parse().unwrap(),
                    generated::ROUTER_V6.parse().unwrap(),
                )
            } else {
                (
                    "198.51.100.2".parse().unwrap(),
                    generated::ROUTER_V4.parse().unwrap(),
                )
            };
            // One packet per connection: a repeated flow would not be NEW.
            let mut flows = std::collections::BTreeSet::new();
            let mut to_send = Vec::new();
            for f in &findings {
                let Some(w) = f.witness.as_ref() else {
                    skipped += 1;
                    continue;
                };
                let (src, dst) = (w.src.unwrap(), w.dst.unwrap());
                let broadcast = !v6 && src.to_string().ends_with(".255");
                if !sendable(w)
                    || src == dst
                    || src == router_addr
                    || dst == client_addr
                    || broadcast
                    || !flows.insert((w.protocol, src, w.sport, dst, w.dport))
                {
                    skipped += 1;
                    continue;
                }
                to_send.push(f);
            }
            // Besides the witnesses, random packets that some flagged rule matches on its
            // own (per `explain`), made sendable: they must not reach it either. This does
            // not rely on the lint's own witness search.
            let mut extra = Vec::new();
            let alone = alone(&tables, &findings);
            let mut rng = generated::Rng::new(seed ^ 0x6e7);
            for _ in 0..3000 {
                if extra.len() >= 12 {
                    break;
                }
                let mut p = random_packet(&mut rng, family);
                if !matches!(p.protocol, Some(6 | 17)) || p.sport == Some(0) || p.dport == Some(0) {
                    continue;
                }
                p.state = Some(CtState::New);
                p.in_interface = Some("eth0".into());
                p.dst = Some(router_addr);
                if p.protocol == Some(6) {
                    p.tcp_flags = Some(0x02);
                }
                let src = p.src.unwrap();
                let bad_src = src == router_addr
                    || (!v6
                        && (src.to_string().ends_with(".255") || src.to_string().ends_with(".0")))
                    || !usable_source(src);
                if bad_src || !flows.insert((p.protocol, src, p.sport, router_addr, p.dport)) {
                    continue;
                }
                if alone
                    .iter()
                    .any(|(_, one)| decided_in_gen(one, &p) == Some(1))
                {
                    extra.push(p);
                }
            }
            let mut srcs: Vec<IpAddr> = to_send
                .iter()
                .map(|f| f.witness.as_ref().unwrap().src.unwrap())
                .chain(extra.iter().map(|p| p.src.unwrap()))
                .collect();
            let mut dsts: Vec<IpAddr> = to_send
                .iter()
                .map(|f| f.witness.as_ref().unwrap().dst.unwrap())
                .collect();
            srcs.sort();
            srcs.dedup();
            dsts.sort();
            dsts.dedup();
            for backend in Backend::ALL {
                let what = |x: &dyn std::fmt::Display| {
                    format!(
                        "seed {seed} {family:?} {backend}: {x}\n{}",
                        tables.to_iptables_plain()
                    )
                };
                let (link_c, link_r, gw_r) = if v6 {
                    ("2001:db8::1/64", "2001:db8::2/64", "2001:db8::1")
                } else {
                    ("198.51.100.2/24", "198.51.100.1/24", "198.51.100.2")
                };
                let net = Topology::builder(&format!("lg{seed}{}{}", u8::from(v6), backend as u8))
                    .add_host("eth0")
                    .add_host("router")
                    .link("eth0", "router", link_c, link_r)
                    .route("router", "default", gw_r)
                    .build()
                    .expect("topology");
                let (client, router) = (net.ns("eth0"), net.ns("router"));
                let host = if v6 { 128 } else { 32 };
                let nodad = if v6 { " nodad" } else { "" };
                // The witnesses' sources on the client, their destinations on the router (and
                // on the client's link, so it sends them there).
                let lines = |addrs: &[IpAddr], skip: IpAddr, cmd: &str, dev: &str, extra: &str| {
                    addrs
                        .iter()
                        .filter(|a| **a != skip)
                        .map(|a| format!("{cmd} {a}/{host} dev {dev}{extra}"))
                        .collect::<Vec<_>>()
                };
                let mut c = lines(&srcs, client_addr, "addr add", "router", nodad);
                c.extend(lines(&dsts, router_addr, "route add", "router", ""));
                client.ip_batch(&c).unwrap();
                router
                    .ip_batch(&lines(&dsts, router_addr, "addr add", "eth0", nodad))
                    .unwrap();
                let text = tables.to_iptables_plain();
                router
                    .restore(backend, tk, &text, &[])
                    .unwrap_or_else(|e| panic!("{}", what(&e)));
                let save = backend.save_bin(tk);
                let read = || counters(&router.exec_ok(save, &["-c"]).unwrap());
                let mut before = read();
                for f in &to_send {
                    let w = f.witness.as_ref().unwrap();
                    let flow = (
                        w.protocol == Some(6),
                        w.src.unwrap(),
                        w.sport.unwrap(),
                        w.dst.unwrap(),
                        w.dport.unwrap(),
                    );
                    // The neighbour is resolved within milliseconds on a veth pair.
                    send_for(&net, "eth0", flow, Duration::from_millis(60));
                    let after = read();
                    let delta = |pos: usize| {
                        let k = ("gen".to_string(), Some(pos));
                        after.get(&k).copied().unwrap_or(0) - before.get(&k).copied().unwrap_or(0)
                    };
                    let msg = || what(&format!("{f} (witness {})", describe(w)));
                    assert_eq!(delta(f.position.unwrap()), 0, "false positive: {}", msg());
                    assert!(
                        f.by.iter().any(|&b| delta(b) >= 1),
                        "witness not counted by any of rules {:?}: {}",
                        f.by,
                        msg()
                    );
                    sent += 1;
                    before = after;
                }
                for p in &extra {
                    let flow = (
                        p.protocol == Some(6),
                        p.src.unwrap(),
                        p.sport.unwrap(),
                        router_addr,
                        p.dport.unwrap(),
                    );
                    send_for(&net, "eth0", flow, Duration::from_millis(60));
                    sent_extra += 1;
                }
                let before = read();
                for f in &findings {
                    let k = ("gen".to_string(), f.position);
                    assert_eq!(
                        before.get(&k).copied().unwrap_or(0),
                        0,
                        "false positive: {}",
                        what(f)
                    );
                }
            }
        }
    }
    println!(
        "{sent} witnesses sent, {skipped} findings not sendable, {sent_extra} random packets \
         inside flagged rules sent"
    );
    assert!(
        sent_extra >= 20,
        "only {sent_extra} random packets inside flagged rules"
    );
    assert!(
        sent >= 30,
        "only {sent} witnesses sent ({skipped} not sendable)"
    );
}
