//! Differential test of `pyptables::explain` against the kernel.
//!
//! Random rulesets over the catalog (addresses and prefixes, negations, ports, ranges,
//! multiport, protocols, ICMP types, interfaces with wildcards, ctstate, marks, user chains
//! with jump, goto and RETURN, policies, DNAT, SNAT, MASQUERADE, MARK, NFLOG, REJECT) are
//! loaded into the router of a client — router — server topology; random TCP SYNs, UDP
//! datagrams and ICMP echo requests are sent from the client through the router, one at a
//! time, each of a new connection. After each packet the router's per-rule and per-policy
//! packet counters (`iptables-save -c`) say which rules the kernel matched; the simulator must
//! name exactly those rules and policies, in every definite answer.
//!
//! The rules sit in mangle FORWARD, nat PREROUTING, filter FORWARD (with user chains) and
//! nat POSTROUTING, which only forwarded traffic reaches; neighbour discovery is kept out of
//! nat with `CT --notrack` in the raw table (not part of the compared ruleset).
//!
//! Quick run (CI): `cargo test --test explain_kernel -- --include-ignored`. Full run, the
//! numbers in README: `benches/explain_kernel.sh` (30 rulesets of 100 packets per family and
//! backend; `PYPTABLES_EXPLAIN_SEED` picks another sequence).

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use pyptables::explain::{explain, Packet, Path, Verdict};
use pyptables::value::not;
use pyptables::{Chain, Family, Match, Policy, Rule, Table, Tables, Target};
use pyptables_testkit::{
    packet_counters, require_root_and_iptables, Backend, Family as TkFamily, Topology,
};

/// A small deterministic generator (xorshift64*): no dependency, reproducible from the seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Addresses of one family: the client's (sources) and those behind the server link.
struct Net {
    v6: bool,
}

impl Net {
    fn client(&self, i: usize) -> String {
        if self.v6 {
            format!("2001:db8:2::{:x}", 0x10 + i)
        } else {
            format!("192.0.2.{}", 16 + i)
        }
    }
    fn server(&self, i: usize) -> String {
        if self.v6 {
            format!("2001:db8:100::{:x}", 0x10 + i)
        } else {
            format!("198.51.100.{}", 16 + i)
        }
    }
    /// A prefix around a client or server address.
    fn prefix(&self, rng: &mut Rng, server: bool) -> String {
        let i = rng.below(8);
        let a = if server {
            self.server(i)
        } else {
            self.client(i)
        };
        let len = if self.v6 {
            *rng.pick(&[128, 126, 125, 124, 64, 48])
        } else {
            *rng.pick(&[32, 30, 29, 28, 24, 16])
        };
        format!("{a}/{len}")
    }
}

const PORTS: [u16; 6] = [22, 53, 80, 443, 1000, 8080];

fn port_value(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!(
            "{}:{}",
            rng.pick(&[20u16, 50, 79]),
            rng.pick(&[80u16, 443, 2000])
        ),
        _ => rng.pick(&PORTS).to_string(),
    }
}

/// One random rule's matches (no target yet).
/// `ins`/`outs`: whether `-i`/`-o` are allowed in the chain's hook.
fn random_matches(
    rng: &mut Rng,
    net: &Net,
    proto: &mut Option<&'static str>,
    (ins, outs): (bool, bool),
) -> Rule {
    let mut r = Rule::new();
    if rng.chance(60) {
        let p = *rng.pick(&["tcp", "udp", "tcp", "udp", "icmp"]);
        let p = if p == "icmp" && net.v6 {
            "ipv6-icmp"
        } else {
            p
        };
        if rng.chance(15) {
            r = r.proto(not(p));
        } else {
            r = r.proto(p);
            *proto = Some(p);
        }
    }
    // Each option at most once in a rule (iptables refuses a repeated one).
    let mut used = [false; 9];
    // Now and then a match the simulator cannot decide: its answer must then be unknown.
    if rng.chance(4) {
        r = r.with_match(
            Match::new("statistic")
                .opt("mode", "random")
                .opt("probability", "0.5"),
        );
    }
    for _ in 0..rng.below(3) {
        let kind = rng.below(9);
        let kind = if kind == 5 { 4 } else { kind };
        if std::mem::replace(&mut used[kind], true) {
            continue;
        }
        match kind {
            0 => {
                let v = net.prefix(rng, false);
                r = if rng.chance(25) {
                    r.source(not(v))
                } else {
                    r.source(v)
                };
            }
            1 => {
                let v = net.prefix(rng, true);
                r = if rng.chance(25) {
                    r.destination(not(v))
                } else {
                    r.destination(v)
                };
            }
            2 if ins => {
                let v = *rng.pick(&["client", "server", "cli+", "eth0"]);
                r = if rng.chance(25) {
                    r.in_interface(not(v))
                } else {
                    r.in_interface(v)
                };
            }
            3 if outs => {
                let v = *rng.pick(&["server", "client", "serv+", "eth1"]);
                r = if rng.chance(25) {
                    r.out_interface(not(v))
                } else {
                    r.out_interface(v)
                };
            }
            4 if matches!(proto, Some("tcp" | "udp")) => {
                let key = if rng.chance(70) { "dport" } else { "sport" };
                let v = port_value(rng);
                r = if rng.chance(20) {
                    r.opt(key, not(v))
                } else {
                    r.opt(key, v)
                };
            }
            6 if matches!(proto, Some("tcp" | "udp")) => {
                let v = format!("{},{}", rng.pick(&PORTS), port_value(rng));
                r = if rng.chance(20) {
                    r.opt("dports", not(v))
                } else {
                    r.opt("dports", v)
                };
            }
            4 if matches!(proto, Some("icmp" | "ipv6-icmp")) => {
                let (key, v) = if net.v6 {
                    (
                        "icmpv6-type",
                        *rng.pick(&[
                            "echo-request",
                            "128",
                            "echo-reply",
                            "destination-unreachable",
                        ]),
                    )
                } else {
                    (
                        "icmp-type",
                        *rng.pick(&["echo-request", "8", "8/0", "echo-reply", "any"]),
                    )
                };
                r = if rng.chance(20) {
                    r.opt(key, not(v))
                } else {
                    r.opt(key, v)
                };
            }
            7 => {
                let v = *rng.pick(&["NEW", "ESTABLISHED,RELATED", "NEW,ESTABLISHED", "INVALID"]);
                r = if rng.chance(25) {
                    r.opt("ctstate", not(v))
                } else {
                    r.opt("ctstate", v)
                };
            }
            8 => {
                let v = *rng.pick(&["0x1", "0x2/0x2", "0x0"]);
                let m = Match::new("mark");
                r = r.with_match(if rng.chance(25) {
                    m.opt("mark", not(v))
                } else {
                    m.opt("mark", v)
                });
            }
            _ => {}
        }
    }
    r
}

fn random_tables(rng: &mut Rng, net: &Net, family: Family) -> Tables {
    let mut tables = Tables::new(family);
    // mangle FORWARD: marks for filter to match.
    let mut mangle = Table::with_builtin_chains("mangle").unwrap();
    for _ in 0..rng.below(3) {
        let mut p = None;
        let r = random_matches(rng, net, &mut p, (true, true));
        let v = *rng.pick(&["0x1", "0x2/0x2", "0x3/0x1"]);
        mangle["FORWARD"].push(r.target(Target::new("MARK").opt("set-xmark", v)));
    }
    tables.add(mangle);
    // nat PREROUTING: DNAT to another server address and port; POSTROUTING: SNAT/MASQUERADE.
    let mut nat = Table::with_builtin_chains("nat").unwrap();
    for _ in 0..rng.below(3) {
        let mut p = None;
        let mut r = random_matches(rng, net, &mut p, (true, false));
        let to = net.server(rng.below(8));
        let target = match rng.below(4) {
            0 => Target::ACCEPT,
            1 => Target::RETURN,
            _ if p.is_some() && p != Some("icmp") && p != Some("ipv6-icmp") && rng.chance(50) => {
                let to = if net.v6 {
                    format!("[{to}]:{}", rng.pick(&PORTS))
                } else {
                    format!("{to}:{}", rng.pick(&PORTS))
                };
                Target::new("DNAT").opt("to-destination", to)
            }
            _ => {
                if !r.args().iter().any(|a| a.key == "protocol") && rng.chance(30) {
                    r = r.proto("tcp");
                }
                Target::new("DNAT").opt("to-destination", to)
            }
        };
        nat["PREROUTING"].push(r.target(target));
    }
    for _ in 0..rng.below(3) {
        let mut p = None;
        let r = random_matches(rng, net, &mut p, (false, true));
        let target = match rng.below(3) {
            0 => Target::ACCEPT,
            1 => Target::MASQUERADE,
            _ => Target::new("SNAT").opt(
                "to-source",
                if net.v6 {
                    "2001:db8:100::1"
                } else {
                    "198.51.100.1"
                },
            ),
        };
        nat["POSTROUTING"].push(r.target(target));
    }
    tables.add(nat);
    // filter FORWARD and user chains u0..u2; a chain jumps only to later ones (no loops).
    let mut filter = Table::with_builtin_chains("filter").unwrap();
    let users = rng.below(4);
    for u in 0..users {
        filter.add_chain(Chain::user(format!("u{u}")));
    }
    let chains: Vec<String> = std::iter::once("FORWARD".to_string())
        .chain((0..users).map(|u| format!("u{u}")))
        .collect();
    for (ci, chain) in chains.iter().enumerate() {
        for _ in 0..1 + rng.below(6) {
            let mut p = None;
            let r = random_matches(rng, net, &mut p, (true, true));
            let later: Vec<&String> = chains[ci + 1..].iter().collect();
            let target = match rng.below(10) {
                0 | 1 => Some(Target::ACCEPT),
                2 => Some(Target::DROP),
                3 => Some(Target::REJECT),
                4 => Some(Target::RETURN),
                5 => Some(Target::new("NFLOG").opt("nflog-group", "7")),
                6 | 7 if !later.is_empty() => Some(Target::jump(rng.pick(&later).to_string())),
                8 if !later.is_empty() => Some(Target::goto(rng.pick(&later).to_string())),
                _ => None,
            };
            let r = match target {
                Some(t) => r.target(t),
                None => r,
            };
            filter[chain.as_str()].push(r);
        }
    }
    if rng.chance(50) {
        filter["FORWARD"].set_policy(Policy::Drop).unwrap();
    }
    tables.add(filter);
    tables
}

/// Only what the random rulesets hold, which only forwarded packets reach.
fn compared(key: &(String, String, Option<usize>)) -> bool {
    let (t, c, p) = key;
    match (t.as_str(), c.as_str()) {
        ("filter", "FORWARD") | ("mangle", "FORWARD") => true,
        ("nat", "PREROUTING") | ("nat", "POSTROUTING") => true,
        ("filter", c) if c.starts_with('u') => p.is_some(),
        _ => false,
    }
}

/// Sends one TCP SYN (a connect abandoned at once, so nothing is retransmitted) or one UDP
/// datagram from `src:sport` to `dst:dport` inside the client's namespace.
/// The protocols sent.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Proto {
    Tcp,
    Udp,
    /// An echo request from a ping socket; `sport` is its identifier.
    Ping,
}

fn send(net: &Topology, proto: Proto, src: IpAddr, sport: u16, dst: IpAddr, dport: u16) {
    let tcp = proto == Proto::Tcp;
    net.ns("client")
        .run(move || {
            let domain = if src.is_ipv6() {
                libc::AF_INET6
            } else {
                libc::AF_INET
            };
            let (socktype, protocol) = match proto {
                Proto::Tcp => (libc::SOCK_STREAM, 0),
                Proto::Udp => (libc::SOCK_DGRAM, 0),
                Proto::Ping if src.is_ipv6() => (libc::SOCK_DGRAM, libc::IPPROTO_ICMPV6),
                Proto::Ping => (libc::SOCK_DGRAM, libc::IPPROTO_ICMP),
            };
            // SAFETY: plain socket calls on a descriptor owned and closed here; the sockaddr
            // buffers outlive the calls.
            unsafe {
                let fd = libc::socket(domain, socktype | libc::SOCK_NONBLOCK, protocol);
                assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
                let one: libc::c_int = 1;
                libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_REUSEADDR,
                    &one as *const _ as *const libc::c_void,
                    std::mem::size_of::<libc::c_int>() as u32,
                );
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
                    // A UDP payload, or an echo request (the kernel sets the identifier and
                    // the checksum of a ping socket's message).
                    let echo = if src.is_ipv6() { 128u8 } else { 8 };
                    let msg: &[u8] = if proto == Proto::Ping {
                        &[echo, 0, 0, 0, 0, 0, 0, 1]
                    } else {
                        b"x"
                    };
                    libc::sendto(
                        fd,
                        msg.as_ptr() as *const libc::c_void,
                        msg.len(),
                        0,
                        &da as *const _ as *const libc::sockaddr,
                        len,
                    );
                }
                // Let the packet cross the router before the connect is abandoned.
                std::thread::sleep(Duration::from_millis(3));
                libc::close(fd);
            }
        })
        .unwrap();
}

#[derive(Default)]
struct Tally {
    rulesets: usize,
    packets: usize,
    definite: usize,
    agreed: usize,
}

fn run(backend: Backend, v6: bool, seed: u64, tally: &mut Tally) {
    let net_addrs = Net { v6 };
    let family = if v6 { Family::V6 } else { Family::V4 };
    let tk_family = if v6 { TkFamily::V6 } else { TkFamily::V4 };
    let rulesets = env("PYPTABLES_EXPLAIN_RULESETS", 5);
    let packets = env("PYPTABLES_EXPLAIN_PACKETS", 30);
    let mut rng = Rng(seed | 1);
    let name = format!("explain{}{}", if v6 { 6 } else { 4 }, backend as u8);
    let mut b = Topology::builder(&name)
        .add_host("client")
        .add_host("router")
        .add_host("server")
        .link("client", "router", "192.0.2.2/24", "192.0.2.1/24")
        .address("client", "router", "2001:db8:2::2/64")
        .address("router", "client", "2001:db8:2::1/64")
        .link("router", "server", "198.51.100.1/24", "198.51.100.2/24")
        .address("router", "server", "2001:db8:100::1/64")
        .address("server", "router", "2001:db8:100::2/64")
        .route("client", "default", "192.0.2.1")
        .route("client", "default", "2001:db8:2::1")
        .route("server", "default", "198.51.100.1")
        .route("server", "default", "2001:db8:100::1")
        .enable_forwarding("router");
    for i in 0..8 {
        b = b.address(
            "client",
            "router",
            &format!("{}/{}", net_addrs.client(i), if v6 { 64 } else { 24 }),
        );
    }
    let net = b.build().expect("topology");
    // Ping sockets for root in the client (the identifier is then the bound "port").
    net.ns("client")
        .sysctl("net.ipv4.ping_group_range", "0 2147483647")
        .unwrap();
    let router = net.ns("router");
    // Neighbour discovery and MLD stay out of conntrack (and so out of nat); echo requests,
    // which the test sends, do not.
    let raw = if v6 {
        let mut raw = String::from("*raw\n");
        for chain in ["PREROUTING", "OUTPUT"] {
            for ty in [130, 131, 132, 133, 134, 135, 136, 137, 143] {
                raw += &format!(
                    "-A {chain} -p ipv6-icmp -m icmp6 --icmpv6-type {ty} -j CT --notrack\n"
                );
            }
        }
        raw + "COMMIT\n"
    } else {
        "*raw\nCOMMIT\n".to_string()
    };
    router.restore(backend, tk_family, &raw, &[]).unwrap();
    // The client resolves the router's address now, so that no probe waits for it.
    let first: IpAddr = net_addrs.server(0).parse().unwrap();
    send(
        &net,
        Proto::Udp,
        net_addrs.client(0).parse().unwrap(),
        19999,
        first,
        9,
    );
    std::thread::sleep(Duration::from_millis(300));
    let mut sport = 20000u16;
    for _ in 0..rulesets {
        let tables = random_tables(&mut rng, &net_addrs, family);
        tables
            .validate()
            .unwrap_or_else(|e| panic!("{e}\n{}", tables.to_iptables_plain()));
        let text = tables.to_iptables_plain();
        // Replaces the tables it names (filter, nat, mangle) whole; raw stays.
        router
            .restore(backend, tk_family, &text, &[])
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        tally.rulesets += 1;
        let save_bin = backend.save_bin(tk_family);
        let mut before = packet_counters(&router.exec_ok(save_bin, &["-c"]).unwrap());
        for _ in 0..packets {
            let proto = *rng.pick(&[Proto::Tcp, Proto::Tcp, Proto::Udp, Proto::Udp, Proto::Ping]);
            let src: IpAddr = net_addrs.client(rng.below(8)).parse().unwrap();
            let dst: IpAddr = net_addrs.server(rng.below(8)).parse().unwrap();
            sport = if sport >= 60000 { 20000 } else { sport + 1 };
            let dport = if rng.chance(80) {
                *rng.pick(&PORTS)
            } else {
                1 + rng.below(3000) as u16
            };
            let dport = if proto == Proto::Ping { 0 } else { dport };
            send(&net, proto, src, sport, dst, dport);
            let after = packet_counters(&router.exec_ok(save_bin, &["-c"]).unwrap());
            let kernel: Vec<_> = after
                .iter()
                .filter(|(k, n)| compared(k) && **n > before.get(*k).copied().unwrap_or(0))
                .map(|(k, n)| (k.clone(), n - before.get(k).copied().unwrap_or(0)))
                .collect();
            before = after;
            tally.packets += 1;
            let packet = match proto {
                Proto::Tcp => Packet::tcp(src, dst, sport, dport),
                Proto::Udp => Packet::udp(src, dst, sport, dport),
                Proto::Ping => Packet::ping(src, dst),
            }
            .in_interface("client")
            .out_interface("server");
            let e = explain(&tables, &packet, Path::Forward);
            if e.verdict == Verdict::Unknown {
                continue;
            }
            tally.definite += 1;
            let mut simulated: BTreeMap<(String, String, Option<usize>), u64> = BTreeMap::new();
            for s in &e.path {
                let key = (s.table.clone(), s.chain.clone(), s.position);
                if compared(&key) {
                    *simulated.entry(key).or_default() += 1;
                }
            }
            // iptables-nft creates a built-in chain only once it has a rule or a DROP policy:
            // an empty ACCEPT chain has no counter to read (and accepts either way).
            let unobservable = |(t, c, p): &(String, String, Option<usize>)| {
                p.is_none()
                    && tables
                        .table(t)
                        .and_then(|t| t.chain(c))
                        .is_some_and(|c| c.is_empty() && c.policy() == Some(Policy::Accept))
            };
            simulated.retain(|k, _| !unobservable(k));
            // A rule the simulator could not decide but that decides nothing (LOG, no
            // target) may or may not have counted.
            let maybe: Vec<_> = e
                .maybe
                .iter()
                .map(|s| (s.table.clone(), s.chain.clone(), s.position))
                .collect();
            let unobservable =
                |k: &(String, String, Option<usize>)| unobservable(k) || maybe.contains(k);
            let kernel: BTreeMap<_, _> = kernel
                .into_iter()
                .filter(|(k, _)| !unobservable(k))
                .collect();
            if kernel != simulated && std::env::var_os("PYPTABLES_EXPLAIN_DEBUG").is_some() {
                let ct = router
                    .exec_ok("cat", &["/proc/net/nf_conntrack"])
                    .unwrap_or_default();
                eprintln!("{} conntrack entries:", ct.lines().count());
                for l in ct.lines().filter(|l| {
                    l.contains("=924 ") || l.contains("198.51.100.22 ") && l.contains("192.0.2.19 ")
                }) {
                    eprintln!("ct: {l}");
                }
            }
            assert_eq!(
                kernel,
                simulated,
                "{backend} IPv{}: {proto:?} {src}:{sport} -> {dst}:{dport}: kernel (left) and \
                 simulator (right, verdict {}) disagree on the rules matched\n{text}",
                if v6 { 6 } else { 4 },
                e.verdict
            );
            tally.agreed += 1;
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn simulator_agrees_with_the_kernel_on_random_rulesets() {
    require_root_and_iptables();
    let seed = env("PYPTABLES_EXPLAIN_SEED", 0x5eed_1234) as u64;
    for backend in Backend::ALL {
        for v6 in [false, true] {
            // PYPTABLES_EXPLAIN_ONLY=legacy-6 (say) reruns one backend and family.
            let only = std::env::var("PYPTABLES_EXPLAIN_ONLY").unwrap_or_default();
            if !only.is_empty() && only != format!("{backend}-{}", if v6 { 6 } else { 4 }) {
                continue;
            }
            let mut tally = Tally::default();
            run(
                backend,
                v6,
                seed ^ (backend as u64) << 8 ^ u64::from(v6),
                &mut tally,
            );
            println!(
                "{backend} IPv{}: {} rulesets, {} packets, {} definite, {} agreed with the kernel",
                if v6 { 6 } else { 4 },
                tally.rulesets,
                tally.packets,
                tally.definite,
                tally.agreed
            );
            assert_eq!(tally.definite, tally.agreed);
            assert!(tally.definite > 0, "no definite answer was checked");
        }
    }
}
