//! The `firewall!` example (`examples/firewall_macro.rs`), with real packets, on a router with
//! three networks:
//!
//! ```text
//! lan 192.0.2.2 ──┐
//! dmz 198.51.100.2 ── router (.1 on each; interfaces lan, dmz, wan) ── wan 203.0.113.2
//! ```
//!
//! The example is written for a machine with interfaces `eth0` and `ppp0` and real networks,
//! which test hosts may not use (only documentation addresses are allowed inside the
//! namespaces). [`firewall`] below is the same firewall for this topology, rule for rule:
//!
//! | example | here | meaning |
//! |---|---|---|
//! | `10.0.0.0/8` | `192.0.2.0/24` | the LAN, allowed SSH |
//! | `10.0.0.2:80` | `192.0.2.2:80` | the LAN web server behind the port forward |
//! | `1.1.1.1` | `203.0.113.2` | the one outside host `ssh_guard` lets in |
//! | `ppp0` | `wan` | the uplink IPsec arrives on |
//! | `eth0` | `wan` | the uplink masqueraded traffic leaves on |
//! | `192.168.0.0/16` | `198.51.100.0/24` | the internal network that is masqueraded and exempt from the tcp-reset |
//!
//! The first test checks that correspondence on the rendered rules: the example's text with
//! these replacements is exactly this firewall's text.
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_firewall_macro -- --include-ignored`.

mod behaviour_support;

use std::net::{IpAddr, SocketAddr};

use behaviour_support::{apply_firewall, engine, on_both_backends, Engine};
use pyptables::{firewall, Firewall};
use pyptables_testkit::{Backend, PingOutcome, Tcp, TcpOutcome::*, Topology, UdpOutcome};

#[path = "../examples/firewall_macro.rs"]
#[allow(dead_code)]
mod example;

/// The example's addresses and interfaces, and what stands in for them here (see the table
/// above). Longer texts first, so that no replacement works on part of another's result.
const REPLACEMENTS: [(&str, &str); 6] = [
    ("10.0.0.0/8", "192.0.2.0/24"),
    ("10.0.0.2:80", "192.0.2.2:80"),
    ("192.168.0.0/16", "198.51.100.0/24"),
    ("1.1.1.1", "203.0.113.2"),
    ("ppp0", "wan"),
    ("eth0", "wan"),
];

/// `examples/firewall_macro.rs` with the replacements of [`REPLACEMENTS`].
fn firewall() -> Firewall {
    firewall! {
        filter {
            INPUT policy DROP {
                accept in_interface=lo;
                accept ctstate=[ESTABLISHED, RELATED];
                drop ctstate=INVALID;
                accept proto=icmp icmp_type=echo-request;
                accept proto=tcp dport=ssh source=192.0.2.0/24 comment="SSH from the LAN";
                jump ssh_guard proto=tcp dport=22;
                in_interface=wan {
                    accept proto=udp dport=500;
                    accept proto=[esp, ah];
                }
                log log_prefix="INPUT drop: " log_level=4;
            }
            FORWARD policy DROP {
                accept ctstate=ESTABLISHED;
                accept proto=tcp dport=[53, 80, 443];
                reject proto=tcp source!=198.51.100.0/24 reject_with=tcp-reset;
            }
            OUTPUT policy ACCEPT;
            chain ssh_guard "SSH from known hosts only" {
                accept source=203.0.113.2;
                match=recent name=ssh set;
                return;
            }
        }
        nat {
            POSTROUTING { masquerade out_interface=wan source=198.51.100.0/24; }
            PREROUTING { dnat proto=tcp dport=8080 to_destination=192.0.2.2:80; }
        }
        ip6 {
            filter {
                INPUT policy DROP { accept proto=ipv6-icmp; accept source="2001:db8::/32"; }
            }
        }
    }
}

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

#[test]
fn the_test_firewall_is_the_example_with_topology_names() {
    let mut expected = example::firewall().ipv4().to_iptables_plain();
    for (from, to) in REPLACEMENTS {
        assert!(expected.contains(from), "the example uses {from}");
        expected = expected.replace(from, to);
    }
    assert_eq!(firewall().ipv4().to_iptables_plain(), expected);
    assert_eq!(
        firewall().ipv6().to_iptables_plain(),
        example::firewall().ipv6().to_iptables_plain()
    );
}

fn router_keeps_its_promises(b: Backend) {
    let fw = firewall();
    let net = Topology::lan_dmz_wan("fw_macro").unwrap();
    apply_firewall(&net, "router", b, &fw);

    // INPUT: the router itself.
    assert_eq!(
        net.tcp("router", "router", 8022),
        Accepted,
        "{b}: loopback is accepted (router reaches its own 8022)"
    );
    assert_eq!(
        net.tcp("lan", "router", 8022),
        TimedOut,
        "{b}: lan cannot reach router:8022"
    );
    assert_eq!(
        net.ping("lan", "router"),
        PingOutcome::Reply,
        "{b}: echo requests are accepted"
    );
    assert_eq!(
        net.tcp("lan", "router", 22),
        Accepted,
        "{b}: SSH from the LAN is accepted"
    );
    assert_eq!(
        net.tcp("wan", "router", 22),
        Accepted,
        "{b}: SSH from the known host is accepted through ssh_guard"
    );
    assert_eq!(
        net.tcp("dmz", "router", 22),
        TimedOut,
        "{b}: SSH from anyone else returns from ssh_guard and is dropped"
    );
    // ssh_guard records the hosts it did not accept (`-m recent --set --name ssh`): in
    // xt_recent's list, or on the nftables engine in the set `ssh` of the firewall's table.
    let recorded = match engine() {
        Engine::Iptables => net
            .ns("router")
            .exec_ok("cat", &["/proc/net/xt_recent/ssh"])
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("src=")?.split(' ').next())
            .map(str::to_string)
            .collect::<Vec<_>>(),
        Engine::Nftables => {
            let listed = net
                .ns("router")
                .exec_ok("nft", &["list", "set", "ip", "pyptables", "ssh"])
                .unwrap();
            listed
                .split_once("elements = {")
                .map(|(_, e)| e.split('}').next().unwrap_or(""))
                .unwrap_or("")
                .split(',')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        }
    };
    assert_eq!(
        recorded,
        ["198.51.100.2"],
        "{b}: dmz is in the recent list, the accepted hosts are not"
    );
    assert_eq!(
        net.udp("wan", "router", 500),
        UdpOutcome::Delivered,
        "{b}: IKE (UDP 500) from the uplink is accepted"
    );
    assert_eq!(
        net.udp("lan", "router", 500),
        UdpOutcome::Dropped,
        "{b}: UDP 500 from the LAN is dropped"
    );
    // The router's own connections get their answers (ESTABLISHED,RELATED).
    assert_eq!(
        net.tcp("router", "wan", 80),
        Accepted,
        "{b}: router reaches wan:80"
    );

    // FORWARD.
    for port in [53, 443] {
        assert_eq!(
            net.tcp("lan", "wan", port),
            Accepted,
            "{b}: lan reaches wan:{port}"
        );
    }
    assert_eq!(
        net.tcp("wan", "lan", 22),
        Refused,
        "{b}: wan cannot reach lan:22 (tcp-reset)"
    );
    assert_eq!(
        net.tcp("dmz", "wan", 22),
        TimedOut,
        "{b}: dmz cannot reach wan:22 (exempt from the reset, dropped by policy)"
    );
    assert_eq!(
        net.udp("lan", "wan", 53),
        UdpOutcome::Dropped,
        "{b}: UDP is not forwarded"
    );

    // nat: masquerade from the dmz out of the uplink, nothing else.
    let masqueraded = net.tcp_report("dmz", "wan", 80, false);
    assert_eq!(masqueraded.outcome, Accepted, "{b}: dmz reaches wan:80");
    assert_eq!(
        masqueraded.source_seen(),
        Some(addr("203.0.113.1")),
        "{b}: wan sees the router's address for the dmz"
    );
    let plain = net.tcp_report("lan", "wan", 80, false);
    assert_eq!(plain.outcome, Accepted, "{b}: lan reaches wan:80");
    assert_eq!(
        plain.source_seen(),
        Some(addr("192.0.2.2")),
        "{b}: the lan is not masqueraded"
    );
    // nat: the router's 8080 is the lan web server's 80.
    let forwarded = net.tcp_probe(
        "wan",
        "lan",
        &Tcp::to(sock("203.0.113.1:8080")).listen_on(sock("0.0.0.0:80")),
    );
    assert_eq!(forwarded.outcome, Accepted, "{b}: wan reaches router:8080");
    assert_eq!(
        forwarded.server_local,
        Some(sock("192.0.2.2:80")),
        "{b}: router:8080 is lan:80"
    );
    assert_eq!(
        forwarded.source_seen(),
        Some(addr("203.0.113.2")),
        "{b}: the lan server sees the wan client"
    );

    // IPv6: ICMPv6 and the documentation prefix, which every host here is in.
    assert_eq!(
        net.tcp6("lan", "router", 8022),
        Accepted,
        "{b}: lan reaches router:8022 over IPv6"
    );
    assert_eq!(
        net.ping6("wan", "router"),
        PingOutcome::Reply,
        "{b}: wan pings the router over IPv6"
    );
}

on_both_backends!(router_keeps_its_promises);
