//! Several namespaces ("hosts") joined by veth pairs, with addresses, routes and forwarding.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::time::{Duration, Instant};

use crate::netns::Netns;
use crate::probe::{Ping, PingOutcome, Tcp, TcpOutcome, TcpReport, Udp, UdpOutcome, UdpReport};

/// An address with its prefix length, e.g. `192.0.2.1/24` or `2001:db8:2::1/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    /// The address itself.
    pub addr: IpAddr,
    /// The prefix length.
    pub prefix: u8,
}

impl FromStr for Cidr {
    type Err = String;

    fn from_str(s: &str) -> Result<Cidr, String> {
        let (addr, prefix) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected address/prefix, e.g. 192.0.2.1/24"))?;
        let addr: IpAddr = addr.parse().map_err(|e| format!("{s:?}: {e}"))?;
        let prefix: u8 = prefix.parse().map_err(|e| format!("{s:?}: {e}"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(format!("{s:?}: prefix longer than {max}"));
        }
        Ok(Cidr { addr, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Whether `addr` is in the documentation ranges test hosts may use: RFC 5737's
/// 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24, and RFC 3849's 2001:db8::/32.
pub fn is_documentation_address(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(a) => matches!(
            a.octets(),
            [192, 0, 2, _] | [198, 51, 100, _] | [203, 0, 113, _]
        ),
        IpAddr::V6(a) => a.segments()[..2] == [0x2001, 0x0db8],
    }
}

#[derive(Debug, Clone)]
struct LinkSpec {
    a: String,
    b: String,
    /// Interface name in `a` (named after `b`) and in `b` (named after `a`).
    if_a: String,
    if_b: String,
    addrs_a: Vec<Cidr>,
    addrs_b: Vec<Cidr>,
}

#[derive(Debug, Clone)]
struct RouteSpec {
    host: String,
    dest: String,
    via: IpAddr,
}

/// Describes a topology; [`build`](Self::build) creates it.
///
/// Every host is a namespace of its own. [`link`](Self::link) joins two hosts with a veth
/// pair whose end in each host is **named after the other host**: on a router linked to
/// `lan`, `dmz` and `wan` the interfaces are `lan`, `dmz` and `wan`, so rules read
/// `-A FORWARD -i lan -o dmz …`. Host names must therefore be valid interface names (at most
/// 15 characters of `[A-Za-z0-9_-]`, not `lo`).
///
/// Addresses must come from the documentation ranges (see [`is_documentation_address`]);
/// anything else is refused, so no test can ever route to a real network.
///
/// Mistakes in the description (unknown host, bad address) panic at once with a message
/// naming them: they are bugs in the test, not conditions to handle.
///
/// ```no_run
/// use pyptables_testkit::Topology;
/// let topo = Topology::builder("my_test")
///     .add_host("lan")
///     .add_host("fw")
///     .add_host("wan")
///     .link("lan", "fw", "192.0.2.2/24", "192.0.2.1/24")
///     .link("fw", "wan", "203.0.113.1/24", "203.0.113.2/24")
///     .address("lan", "fw", "2001:db8:2::2/64")
///     .route("lan", "default", "192.0.2.1")
///     .route("wan", "192.0.2.0/24", "203.0.113.1")
///     .enable_forwarding("fw")
///     .build()
///     .unwrap();
/// # drop(topo);
/// ```
#[derive(Debug, Clone)]
#[must_use = "a topology builder does nothing until .build() is called"]
pub struct TopologyBuilder {
    test: String,
    hosts: Vec<String>,
    links: Vec<LinkSpec>,
    routes: Vec<RouteSpec>,
    forwarding: Vec<String>,
}

impl TopologyBuilder {
    /// An empty topology; `test_name` goes into the namespace names.
    pub fn new(test_name: &str) -> TopologyBuilder {
        TopologyBuilder {
            test: test_name.to_string(),
            hosts: Vec::new(),
            links: Vec::new(),
            routes: Vec::new(),
            forwarding: Vec::new(),
        }
    }

    /// Adds a host (a namespace with only `lo`).
    #[track_caller]
    pub fn add_host(mut self, name: &str) -> TopologyBuilder {
        assert!(
            valid_ifname(name),
            "host name {name:?} must be a valid interface name (1-15 of [A-Za-z0-9_-], not \
             \"lo\"), because the interfaces leading to it are named after it"
        );
        assert!(
            !self.hosts.iter().any(|h| h == name),
            "host {name:?} added twice"
        );
        self.hosts.push(name.to_string());
        self
    }

    /// Joins hosts `a` and `b` with a veth pair and gives `a`'s end `addr_a` and `b`'s end
    /// `addr_b` (e.g. `"192.0.2.1/24"`). IPv6 addresses are added with `nodad`, so they are
    /// usable at once. Add more addresses with [`address`](Self::address).
    #[track_caller]
    pub fn link(mut self, a: &str, b: &str, addr_a: &str, addr_b: &str) -> TopologyBuilder {
        self.known(a);
        self.known(b);
        assert_ne!(a, b, "cannot link host {a:?} to itself");
        assert!(
            self.find_link(a, b).is_none(),
            "hosts {a:?} and {b:?} are already linked; use .address() for more addresses"
        );
        self.links.push(LinkSpec {
            a: a.to_string(),
            b: b.to_string(),
            if_a: b.to_string(),
            if_b: a.to_string(),
            addrs_a: vec![cidr(addr_a)],
            addrs_b: vec![cidr(addr_b)],
        });
        self
    }

    /// Adds `addr` to `host`'s interface that leads to `peer` (the two must be linked).
    #[track_caller]
    pub fn address(mut self, host: &str, peer: &str, addr: &str) -> TopologyBuilder {
        let addr = cidr(addr);
        let i = self
            .find_link(host, peer)
            .unwrap_or_else(|| panic!("hosts {host:?} and {peer:?} are not linked"));
        let link = &mut self.links[i];
        if link.a == host {
            link.addrs_a.push(addr);
        } else {
            link.addrs_b.push(addr);
        }
        self
    }

    /// Adds a route in `host`: `dest` is `"default"` or a CIDR, `via` the gateway's address
    /// (its family selects IPv4 or IPv6; `"default"` means the default of that family).
    #[track_caller]
    pub fn route(mut self, host: &str, dest: &str, via: &str) -> TopologyBuilder {
        self.known(host);
        let via: IpAddr = via
            .parse()
            .unwrap_or_else(|e| panic!("route via {via:?}: {e}"));
        if dest != "default" {
            let d = cidr(dest);
            assert_eq!(
                d.addr.is_ipv4(),
                via.is_ipv4(),
                "route {dest} via {via}: families differ"
            );
        }
        self.routes.push(RouteSpec {
            host: host.to_string(),
            dest: dest.to_string(),
            via,
        });
        self
    }

    /// Turns on IPv4 and IPv6 forwarding in `host`, making it a router.
    #[track_caller]
    pub fn enable_forwarding(mut self, host: &str) -> TopologyBuilder {
        self.known(host);
        self.forwarding.push(host.to_string());
        self
    }

    /// Creates the namespaces, veth pairs (each created directly inside its namespaces, never
    /// in the machine's own), addresses, routes and sysctls, and returns once every link
    /// answers pings both ways in each family it has addresses of (usually well within a
    /// second; IPv6 takes the longest). The neighbour caches are then flushed, so a test's
    /// rules meet fresh ARP and neighbour discovery. Duplicate address detection is off in
    /// every namespace: it only delays fresh interfaces.
    ///
    /// On error everything created so far is removed again.
    pub fn build(self) -> io::Result<Topology> {
        let mut hosts = Vec::with_capacity(self.hosts.len());
        for name in &self.hosts {
            let ns = Netns::new(&format!("{name}-{}", self.test))?;
            hosts.push(Host {
                name: name.clone(),
                ns,
            });
        }
        let topo = Topology {
            hosts,
            links: self.links,
        };
        // Duplicate address detection only delays a fresh interface here: every address is
        // unique by construction. Set before the interfaces exist, so that they inherit it.
        // (A router whose link-local address is still tentative cannot resolve the next hop
        // of a forwarded IPv6 packet, so `nodad` on the global addresses is not enough.)
        for host in &topo.hosts {
            for key in [
                "net.ipv6.conf.all.accept_dad",
                "net.ipv6.conf.default.accept_dad",
            ] {
                host.ns.sysctl(key, "0")?;
            }
        }
        // The veth is created inside `a`'s namespace with its peer placed straight into `b`'s.
        for link in &topo.links {
            let ns_a = topo.ns(&link.a);
            let ns_b = topo.ns(&link.b);
            ns_a.ip(&[
                "link",
                "add",
                &link.if_a,
                "type",
                "veth",
                "peer",
                "name",
                &link.if_b,
                "netns",
                ns_b.name(),
            ])
            .map_err(io::Error::other)?;
        }
        for host in &topo.hosts {
            let mut batch = Vec::new();
            for (ifname, addrs) in topo.interfaces_of(&host.name) {
                for addr in addrs {
                    let nodad = if addr.addr.is_ipv6() { " nodad" } else { "" };
                    batch.push(format!("addr add {addr} dev {ifname}{nodad}"));
                }
                batch.push(format!("link set {ifname} up"));
            }
            for route in self.routes.iter().filter(|r| r.host == host.name) {
                // Batch lines take no options such as -6, so spell "default" per family.
                let dest = match (route.dest.as_str(), route.via.is_ipv4()) {
                    ("default", true) => "0.0.0.0/0",
                    ("default", false) => "::/0",
                    (dest, _) => dest,
                };
                batch.push(format!("route add {dest} via {}", route.via));
            }
            host.ns.ip_batch(&batch).map_err(io::Error::other)?;
            if self.forwarding.contains(&host.name) {
                host.ns.enable_forwarding()?;
            }
        }
        topo.wait_until_usable(READY_TIMEOUT)?;
        Ok(topo)
    }

    #[track_caller]
    fn known(&self, host: &str) {
        assert!(
            self.hosts.iter().any(|h| h == host),
            "unknown host {host:?}; add it with .add_host({host:?}) first (hosts: {:?})",
            self.hosts
        );
    }

    fn find_link(&self, a: &str, b: &str) -> Option<usize> {
        self.links
            .iter()
            .position(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
    }
}

/// How long a new topology may take until every link carries traffic.
const READY_TIMEOUT: Duration = Duration::from_secs(5);

#[track_caller]
fn cidr(s: &str) -> Cidr {
    let c: Cidr = s.parse().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        is_documentation_address(c.addr),
        "{s}: test hosts use documentation addresses only (192.0.2.0/24, 198.51.100.0/24, \
         203.0.113.0/24, 2001:db8::/32)"
    );
    c
}

fn valid_ifname(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name != "lo"
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[derive(Debug)]
struct Host {
    name: String,
    ns: Netns,
}

/// Namespaces joined by veth pairs; everything is deleted when this is dropped.
///
/// Made by [`Topology::builder`] or one of the ready-made layouts. Address conventions of the
/// ready-made layouts (the router, or the firewalled host, is always `.1`/`::1`; the other
/// end `.2`/`::2`; every IPv6 prefix mirrors the IPv4 one):
///
/// | link | IPv4 | IPv6 |
/// |---|---|---|
/// | client / lan side | 192.0.2.0/24 | 2001:db8:2::/64 |
/// | server / dmz side | 198.51.100.0/24 | 2001:db8:100::/64 |
/// | wan side | 203.0.113.0/24 | 2001:db8:113::/64 |
///
/// Probes name hosts, and a target host's address is chosen as described at
/// [`target_addr`](Self::target_addr).
#[derive(Debug)]
pub struct Topology {
    // Dropped in order; each `Netns` deletes its namespace, taking its veth ends with it.
    hosts: Vec<Host>,
    links: Vec<LinkSpec>,
}

impl Topology {
    /// Starts describing a topology of your own.
    pub fn builder(test_name: &str) -> TopologyBuilder {
        TopologyBuilder::new(test_name)
    }

    /// Two hosts on one link: `client` (192.0.2.2, 2001:db8:2::2) and `host` (192.0.2.1,
    /// 2001:db8:2::1), the machine whose INPUT/OUTPUT rules are under test. The interfaces
    /// are `host` (in `client`) and `client` (in `host`).
    pub fn single_host(test_name: &str) -> io::Result<Topology> {
        Topology::builder(test_name)
            .add_host("client")
            .add_host("host")
            .link("client", "host", "192.0.2.2/24", "192.0.2.1/24")
            .address("client", "host", "2001:db8:2::2/64")
            .address("host", "client", "2001:db8:2::1/64")
            .build()
    }

    /// `client` (192.0.2.2) — `router` (192.0.2.1 / 198.51.100.1, forwarding on) — `server`
    /// (198.51.100.2), with IPv6 alongside (2001:db8:2::/64 and 2001:db8:100::/64). Client
    /// and server route everything through the router. The router's interfaces are `client`
    /// and `server`; the others' are `router`.
    pub fn client_router_server(test_name: &str) -> io::Result<Topology> {
        Topology::builder(test_name)
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
            .enable_forwarding("router")
            .build()
    }

    /// A `router` (forwarding on) with three hosts: `lan` (192.0.2.2, 2001:db8:2::2), `dmz`
    /// (198.51.100.2, 2001:db8:100::2) and `wan` (203.0.113.2, 2001:db8:113::2); the router
    /// is `.1`/`::1` on each link and its interfaces are `lan`, `dmz` and `wan`. Every host
    /// routes everything through the router.
    pub fn lan_dmz_wan(test_name: &str) -> io::Result<Topology> {
        let mut b = Topology::builder(test_name).add_host("router");
        for (host, v4, v6) in [
            ("lan", "192.0.2", "2001:db8:2"),
            ("dmz", "198.51.100", "2001:db8:100"),
            ("wan", "203.0.113", "2001:db8:113"),
        ] {
            b = b
                .add_host(host)
                .link("router", host, &format!("{v4}.1/24"), &format!("{v4}.2/24"))
                .address("router", host, &format!("{v6}::1/64"))
                .address(host, "router", &format!("{v6}::2/64"))
                .route(host, "default", &format!("{v4}.1"))
                .route(host, "default", &format!("{v6}::1"));
        }
        b.enable_forwarding("router").build()
    }

    /// The namespace of `host`.
    #[track_caller]
    pub fn ns(&self, host: &str) -> &Netns {
        match self.hosts.iter().find(|h| h.name == host) {
            Some(h) => &h.ns,
            None => panic!(
                "no host {host:?} in this topology (hosts: {:?})",
                self.host_names()
            ),
        }
    }

    /// The host names, in the order they were added.
    pub fn host_names(&self) -> Vec<&str> {
        self.hosts.iter().map(|h| h.name.as_str()).collect()
    }

    /// The namespace names (as `ip netns list` shows them).
    pub fn netns_names(&self) -> Vec<String> {
        self.hosts.iter().map(|h| h.ns.name().to_string()).collect()
    }

    /// Every veth end as `(host, interface)`.
    pub fn interfaces(&self) -> Vec<(&str, &str)> {
        self.links
            .iter()
            .flat_map(|l| {
                [
                    (l.a.as_str(), l.if_a.as_str()),
                    (l.b.as_str(), l.if_b.as_str()),
                ]
            })
            .collect()
    }

    /// The name of `host`'s interface that leads to `peer` (which is `peer` itself).
    #[track_caller]
    pub fn iface(&self, host: &str, peer: &str) -> &str {
        let link = self.link(host, peer);
        if link.a == host {
            &link.if_a
        } else {
            &link.if_b
        }
    }

    /// `host`'s first IPv4 address (in the order the links were described).
    #[track_caller]
    pub fn addr(&self, host: &str) -> IpAddr {
        self.first_addr(host, true)
    }

    /// `host`'s first IPv6 address.
    #[track_caller]
    pub fn addr6(&self, host: &str) -> IpAddr {
        self.first_addr(host, false)
    }

    /// `host`'s first IPv4 (`v6 == false`) or IPv6 address on the interface leading to `peer`.
    #[track_caller]
    pub fn addr_toward(&self, host: &str, peer: &str, v6: bool) -> IpAddr {
        let link = self.link(host, peer);
        let addrs = if link.a == host {
            &link.addrs_a
        } else {
            &link.addrs_b
        };
        addrs
            .iter()
            .find(|c| c.addr.is_ipv6() == v6)
            .map(|c| c.addr)
            .unwrap_or_else(|| {
                panic!(
                    "{host} has no {} address toward {peer}",
                    if v6 { "IPv6" } else { "IPv4" }
                )
            })
    }

    /// The address probes from `from` use to reach `to`: `to`'s address on the link between
    /// the two if they are neighbours (so `wan → router` targets the router's wan address),
    /// otherwise `to`'s first address of the family.
    #[track_caller]
    pub fn target_addr(&self, from: &str, to: &str, v6: bool) -> IpAddr {
        if self.find_link(from, to).is_some() {
            self.addr_toward(to, from, v6)
        } else {
            self.first_addr(to, !v6)
        }
    }

    /// TCP from `from` to `to`'s IPv4 address, port `port`, with a listener in `to`.
    /// `assert_eq!(topo.tcp("lan", "dmz", 443), TcpOutcome::Accepted, "lan reaches dmz:443")`.
    #[track_caller]
    pub fn tcp(&self, from: &str, to: &str, port: u16) -> TcpOutcome {
        self.tcp_report(from, to, port, false).outcome
    }

    /// [`tcp`](Self::tcp) over IPv6.
    #[track_caller]
    pub fn tcp6(&self, from: &str, to: &str, port: u16) -> TcpOutcome {
        self.tcp_report(from, to, port, true).outcome
    }

    /// TCP to a port nobody listens on (no listener is started).
    #[track_caller]
    pub fn tcp_closed(&self, from: &str, to: &str, port: u16, v6: bool) -> TcpOutcome {
        let addr = SocketAddr::new(self.target_addr(from, to, v6), port);
        self.tcp_probe(from, to, &Tcp::to(addr).no_listener())
            .outcome
    }

    /// Like [`tcp`](Self::tcp), with the addresses both ends saw (for NAT tests).
    #[track_caller]
    pub fn tcp_report(&self, from: &str, to: &str, port: u16, v6: bool) -> TcpReport {
        let addr = SocketAddr::new(self.target_addr(from, to, v6), port);
        self.tcp_probe(from, to, &Tcp::to(addr))
    }

    /// Runs a custom [`Tcp`] probe from `from` with its listener in `to`. Panics if the probe
    /// itself cannot run (e.g. the listener's port is taken); a blocked connection is an
    /// outcome, not a failure.
    #[track_caller]
    pub fn tcp_probe(&self, from: &str, to: &str, probe: &Tcp) -> TcpReport {
        probe
            .run(self.ns(from), self.ns(to))
            .unwrap_or_else(|e| panic!("TCP probe {from} -> {to} could not run: {e}"))
    }

    /// A UDP datagram from `from` to `to`'s IPv4 address, port `port`, with a listener in `to`.
    #[track_caller]
    pub fn udp(&self, from: &str, to: &str, port: u16) -> UdpOutcome {
        self.udp_report(from, to, port, false).outcome
    }

    /// [`udp`](Self::udp) over IPv6.
    #[track_caller]
    pub fn udp6(&self, from: &str, to: &str, port: u16) -> UdpOutcome {
        self.udp_report(from, to, port, true).outcome
    }

    /// Like [`udp`](Self::udp), with the source the listener saw and whether its echo came back.
    #[track_caller]
    pub fn udp_report(&self, from: &str, to: &str, port: u16, v6: bool) -> UdpReport {
        let addr = SocketAddr::new(self.target_addr(from, to, v6), port);
        self.udp_probe(from, to, &Udp::to(addr))
    }

    /// Runs a custom [`Udp`] probe from `from` with its listener in `to`.
    #[track_caller]
    pub fn udp_probe(&self, from: &str, to: &str, probe: &Udp) -> UdpReport {
        probe
            .run(self.ns(from), self.ns(to))
            .unwrap_or_else(|e| panic!("UDP probe {from} -> {to} could not run: {e}"))
    }

    /// Pings `to`'s IPv4 address from `from`.
    #[track_caller]
    pub fn ping(&self, from: &str, to: &str) -> PingOutcome {
        self.ping_addr(from, self.target_addr(from, to, false))
    }

    /// Pings `to`'s IPv6 address from `from`.
    #[track_caller]
    pub fn ping6(&self, from: &str, to: &str) -> PingOutcome {
        self.ping_addr(from, self.target_addr(from, to, true))
    }

    /// Pings any address from `from`.
    #[track_caller]
    pub fn ping_addr(&self, from: &str, addr: IpAddr) -> PingOutcome {
        Ping::to(addr)
            .run(self.ns(from))
            .unwrap_or_else(|e| panic!("ping {from} -> {addr} could not run: {e}"))
    }

    /// Pings across every link, both ways and in both families, until each answers; then
    /// forgets the neighbour entries this created, so tests start from empty caches.
    ///
    /// A fresh veth end ignores IPv6 neighbour solicitations for a while after it comes up
    /// (measured here: 0.1 to 1 s; IPv4 works at once), and an unanswered solicitation is
    /// repeated only after a second; without this wait the first IPv6 probes of a test would
    /// time out although nothing blocks them.
    fn wait_until_usable(&self, timeout: Duration) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        for link in &self.links {
            for (from, to, addrs) in [
                (&link.a, &link.b, &link.addrs_b),
                (&link.b, &link.a, &link.addrs_a),
            ] {
                for v6 in [false, true] {
                    let Some(target) = addrs.iter().find(|c| c.addr.is_ipv6() == v6) else {
                        continue;
                    };
                    let probe = Ping::to(target.addr).timeout(Duration::from_millis(50));
                    let ns = self.ns(from);
                    while probe.run(ns)? != PingOutcome::Reply {
                        // An unanswered solicitation is only repeated after a second; forget
                        // it so that the next ping asks again at once.
                        ns.ip(&["neigh", "flush", "to", &target.addr.to_string()])
                            .map_err(io::Error::other)?;
                        if Instant::now() >= deadline {
                            return Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                format!(
                                    "{from} cannot ping {to} at {} within {timeout:?} of \
                                     setting up the link",
                                    target.addr
                                ),
                            ));
                        }
                    }
                }
            }
        }
        for host in &self.hosts {
            for family in ["-4", "-6"] {
                host.ns
                    .ip(&[family, "neigh", "flush", "all"])
                    .map_err(io::Error::other)?;
            }
        }
        Ok(())
    }

    #[track_caller]
    fn first_addr(&self, host: &str, v4: bool) -> IpAddr {
        self.ns(host);
        self.links
            .iter()
            .flat_map(|l| {
                let addrs: &[Cidr] = if l.a == host {
                    &l.addrs_a
                } else if l.b == host {
                    &l.addrs_b
                } else {
                    &[]
                };
                addrs.iter()
            })
            .find(|c| c.addr.is_ipv4() == v4)
            .map(|c| c.addr)
            .unwrap_or_else(|| panic!("{host} has no {} address", if v4 { "IPv4" } else { "IPv6" }))
    }

    #[track_caller]
    fn link(&self, host: &str, peer: &str) -> &LinkSpec {
        self.find_link(host, peer)
            .unwrap_or_else(|| panic!("hosts {host:?} and {peer:?} are not linked"))
    }

    fn find_link(&self, a: &str, b: &str) -> Option<&LinkSpec> {
        self.links
            .iter()
            .find(|l| (l.a == a && l.b == b) || (l.a == b && l.b == a))
    }

    fn interfaces_of(&self, host: &str) -> Vec<(&str, &[Cidr])> {
        self.links
            .iter()
            .filter_map(|l| {
                if l.a == host {
                    Some((l.if_a.as_str(), l.addrs_a.as_slice()))
                } else if l.b == host {
                    Some((l.if_b.as_str(), l.addrs_b.as_slice()))
                } else {
                    None
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_documentation_addresses_are_allowed() {
        for ok in [
            "192.0.2.7",
            "198.51.100.1",
            "203.0.113.255",
            "2001:db8:100::2",
        ] {
            assert!(is_documentation_address(ok.parse().unwrap()), "{ok}");
        }
        for bad in [
            "10.0.0.1",
            "192.0.3.1",
            "8.8.8.8",
            "2001:db9::1",
            "::1",
            "127.0.0.1",
        ] {
            assert!(!is_documentation_address(bad.parse().unwrap()), "{bad}");
        }
    }

    #[test]
    #[should_panic(expected = "documentation addresses only")]
    fn builder_refuses_real_addresses() {
        let _ = Topology::builder("t").add_host("a").add_host("b").link(
            "a",
            "b",
            "10.0.0.1/24",
            "10.0.0.2/24",
        );
    }

    #[test]
    #[should_panic(expected = "unknown host \"dmz\"")]
    fn builder_names_unknown_hosts() {
        let _ = Topology::builder("t").add_host("lan").link(
            "lan",
            "dmz",
            "192.0.2.1/24",
            "192.0.2.2/24",
        );
    }

    #[test]
    #[should_panic(expected = "valid interface name")]
    fn host_names_must_be_interface_names() {
        let _ = Topology::builder("t").add_host("a-host-name-too-long");
    }

    #[test]
    fn cidr_parses_and_checks_prefix() {
        let c: Cidr = "2001:db8:2::1/64".parse().unwrap();
        assert_eq!(c.prefix, 64);
        assert_eq!(c.to_string(), "2001:db8:2::1/64");
        assert!("192.0.2.1/33".parse::<Cidr>().is_err());
        assert!("192.0.2.1".parse::<Cidr>().is_err());
    }
}
