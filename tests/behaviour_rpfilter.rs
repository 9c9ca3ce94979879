//! `-m rpfilter --invert` drops spoofed packets on a router, with real packets.
//!
//! On `router` (of `client` — `router` — `server`), in both families:
//!
//! ```text
//! -t raw -A PREROUTING -m rpfilter --invert -j DROP
//! ```
//!
//! A datagram from `client`'s own address reaches `server`; one that `client` sends with an
//! address of the server's network as its source (an address the router would route out of
//! its server side, not the side it came in on) is dropped. Before the rule is loaded the
//! spoofed datagram does reach the server, so it is the rule that drops it, not the kernel's
//! own reverse path filter.
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_rpfilter -- --include-ignored`.

mod behaviour_support;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use behaviour_support::{apply_firewall, on_both_backends};
use pyptables::{Family, Firewall, Match, Rule, Table, Tables};
use pyptables_testkit::{Backend, Topology};

const PORT: u16 = 5353;

/// The raw table holding the anti-spoofing rule, in `family`.
fn tables(family: Family) -> Tables {
    let mut tables = Tables::new(family);
    let raw = tables.add(Table::with_builtin_chains("raw").unwrap());
    raw["PREROUTING"].push(
        Rule::new()
            .with_match(Match::new("rpfilter").flag("invert"))
            .drop(),
    );
    tables
}

/// Whether a datagram `client` sends from `source` reaches `server` at `dest`.
fn arrives(net: &Topology, source: IpAddr, dest: IpAddr) -> bool {
    let server = net
        .ns("server")
        .run(move || {
            let any: IpAddr = if dest.is_ipv6() {
                "::".parse().unwrap()
            } else {
                "0.0.0.0".parse().unwrap()
            };
            let s = UdpSocket::bind(SocketAddr::new(any, PORT)).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(300)))
                .unwrap();
            s
        })
        .unwrap();
    net.ns("client")
        .run(move || {
            let s = UdpSocket::bind(SocketAddr::new(source, 0)).unwrap();
            for _ in 0..3 {
                s.send_to(b"rpfilter", SocketAddr::new(dest, PORT)).unwrap();
            }
        })
        .unwrap();
    let mut buf = [0u8; 16];
    matches!(server.recv_from(&mut buf), Ok((_, from)) if from.ip() == source)
}

fn spoofed_sources_are_dropped_and_proper_ones_pass(b: Backend) {
    let net = Topology::client_router_server("rpfilter").unwrap();
    // The client also owns one address of the server's network: its spoofed source.
    let iface = net.iface("client", "router").to_string();
    let client = net.ns("client");
    client
        .ip(&["addr", "add", "198.51.100.77/32", "dev", &iface])
        .unwrap();
    client
        .ip(&[
            "addr",
            "add",
            "2001:db8:100::77/128",
            "dev",
            &iface,
            "nodad",
        ])
        .unwrap();
    let cases: [(&str, IpAddr, IpAddr, IpAddr); 2] = [
        (
            "IPv4",
            "192.0.2.2".parse().unwrap(),
            "198.51.100.77".parse().unwrap(),
            "198.51.100.2".parse().unwrap(),
        ),
        (
            "IPv6",
            "2001:db8:2::2".parse().unwrap(),
            "2001:db8:100::77".parse().unwrap(),
            "2001:db8:100::2".parse().unwrap(),
        ),
    ];
    for (family, _, spoofed, server) in cases {
        assert!(
            arrives(&net, spoofed, server),
            "{family}: without rules the spoofed datagram should reach the server"
        );
    }
    let fw = Firewall::from_tables(tables(Family::V4), tables(Family::V6));
    apply_firewall(&net, "router", b, &fw);
    for (family, proper, spoofed, server) in cases {
        assert!(
            arrives(&net, proper, server),
            "{b} {family}: a datagram from the client's own address should pass"
        );
        assert!(
            !arrives(&net, spoofed, server),
            "{b} {family}: the spoofed datagram should be dropped"
        );
    }
}

on_both_backends!(spoofed_sources_are_dropped_and_proper_ones_pass);
