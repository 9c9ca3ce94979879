//! `-m socket` alone, with real packets: it matches a packet that belongs to a local socket,
//! not every packet.
//!
//! On `server` (of `client` — `router` — `server`), in both families:
//!
//! ```text
//! -A INPUT -m socket -j ACCEPT
//! -A INPUT -p tcp -j DROP
//! ```
//!
//! A TCP connection to a port the server listens on with its own address is accepted (xt_socket
//! finds the listener, then the connection); one to a port it listens on with the wildcard
//! address is not, since xt_socket without `--nowildcard` ignores wildcard-bound sockets; and
//! without the rules both connect, so it is the match that tells them apart.
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_socket -- --include-ignored`.

#[allow(unused_macros, unused_imports)]
mod behaviour_support;

use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use behaviour_support::apply_firewall;
use pyptables::{Family, Firewall, Match, Rule, Table, Tables};
use pyptables_testkit::{Backend, Topology};

const OWN: u16 = 7000;
/// The wildcard listener's port, one per family (`::` would also take the IPv4 port).
fn wildcard(s: IpAddr) -> u16 {
    if s.is_ipv6() {
        7002
    } else {
        7001
    }
}

fn tables(family: Family) -> Tables {
    let mut tables = Tables::new(family);
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter["INPUT"].push(Rule::new().with_match(Match::new("socket")).accept());
    filter["INPUT"].push(Rule::new().proto("tcp").drop());
    tables
}

/// Whether `client` connects to `server` at `addr`.
fn connects(net: &Topology, addr: SocketAddr) -> bool {
    net.ns("client")
        .run(move || TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok())
        .unwrap()
}

fn a_socket_alone_matches_only_packets_of_a_local_socket(b: Backend) {
    let net = Topology::client_router_server("socket").unwrap();
    let servers: [IpAddr; 2] = [
        "198.51.100.2".parse().unwrap(),
        "2001:db8:100::2".parse().unwrap(),
    ];
    let listeners = net
        .ns("server")
        .run(move || {
            let mut l = Vec::new();
            for s in servers {
                let any: IpAddr = if s.is_ipv6() {
                    "::".parse().unwrap()
                } else {
                    "0.0.0.0".parse().unwrap()
                };
                l.push(TcpListener::bind(SocketAddr::new(s, OWN)).unwrap());
                l.push(TcpListener::bind(SocketAddr::new(any, wildcard(s))).unwrap());
            }
            l
        })
        .unwrap();
    for s in servers {
        for port in [OWN, wildcard(s)] {
            assert!(
                connects(&net, SocketAddr::new(s, port)),
                "{s} port {port}: without rules the connection should be made"
            );
        }
    }
    let fw = Firewall::from_tables(tables(Family::V4), tables(Family::V6));
    apply_firewall(&net, "server", b, &fw);
    for s in servers {
        assert!(
            connects(&net, SocketAddr::new(s, OWN)),
            "{b} {s}: a listener on the server's own address is a socket -m socket finds"
        );
        assert!(
            !connects(&net, SocketAddr::new(s, wildcard(s))),
            "{b} {s}: a wildcard-bound listener is ignored by -m socket alone"
        );
    }
    drop(listeners);
}

// Both backends; not the nftables engine, which has no form of `-m socket` alone (see
// tests/nft_catalog.rs), so it is not `on_both_backends!`.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn nft() {
    pyptables_testkit::require_root_and_iptables();
    a_socket_alone_matches_only_packets_of_a_local_socket(Backend::Nft);
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn legacy() {
    pyptables_testkit::require_root_and_iptables();
    a_socket_alone_matches_only_packets_of_a_local_socket(Backend::Legacy);
}
