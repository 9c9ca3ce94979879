//! NAT on a router, with real packets: MASQUERADE makes the server see the router's address,
//! a port forward (DNAT) brings the router's port 8080 to the server's port 80 and the server
//! sees the real client. Rulesets built with the pyptables builder and loaded by `restore`.
//!
//! ```text
//! client 192.0.2.2 ── router 192.0.2.1 | 198.51.100.1 ── server 198.51.100.2
//! ```
//!
//! Needs root and iptables (nft and legacy): `cargo test --test behaviour_nat -- --include-ignored`.

mod behaviour_support;

use std::net::{IpAddr, SocketAddr};

use behaviour_support::{apply, on_both_backends};
use pyptables::value::CtState;
use pyptables::{default_tables, Policy, Rule, Tables, Target};
use pyptables_testkit::{Backend, Tcp, TcpOutcome::*, Topology, Udp};

fn addr(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn sock(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The client network leaves toward the server under the router's address.
fn masquerade() -> Tables {
    let mut tables = default_tables();
    tables["nat"]["POSTROUTING"].push(
        Rule::new()
            .out_interface("server")
            .source("192.0.2.0/24")
            .masquerade(),
    );
    tables
}

/// The router's 192.0.2.1:8080 forwards to the server's port 80; FORWARD lets only that (and
/// the answers) through.
fn port_forward() -> Tables {
    let mut tables = default_tables();
    tables["nat"]["PREROUTING"].push(
        Rule::new()
            .in_interface("client")
            .destination("192.0.2.1")
            .proto("tcp")
            .dport(8080)
            .target(Target::new("DNAT").opt("to-destination", "198.51.100.2:80")),
    );
    let forward = &mut tables["filter"]["FORWARD"];
    forward.set_policy(Policy::Drop).unwrap();
    forward.push(Rule::new().ctstate(CtState::Established).accept());
    // The filter table sees the translated destination; `ctstate DNAT` admits only
    // connections that came through the port forward, not ones addressed to the server.
    forward.push(
        Rule::new()
            .in_interface("client")
            .out_interface("server")
            .destination("198.51.100.2")
            .proto("tcp")
            .dport(80)
            .ctstate(CtState::Dnat)
            .accept(),
    );
    tables
}

fn masquerade_shows_the_router_to_the_server(b: Backend) {
    let net = Topology::client_router_server("nat_masq").unwrap();
    apply(&net, "router", b, &masquerade());
    let router_server_side = net.addr_toward("router", "server", false);
    assert_eq!(router_server_side, addr("198.51.100.1"));

    let tcp = net.tcp_report("client", "server", 80, false);
    assert_eq!(tcp.outcome, Accepted, "{b}: client reaches server:80");
    assert_eq!(
        tcp.source_seen(),
        Some(router_server_side),
        "{b}: server sees the router, not the client"
    );
    assert_eq!(
        tcp.client_local.map(|a| a.ip()),
        Some(addr("192.0.2.2")),
        "{b}: the client used its own address"
    );

    let udp = net.udp_report("client", "server", 53, false);
    assert_eq!(
        udp.server_saw_peer.map(|a| a.ip()),
        Some(router_server_side),
        "{b}: a UDP datagram is masqueraded too"
    );
    assert!(
        udp.answered,
        "{b}: the answer is translated back to the client"
    );

    // Only traffic from the client network is masqueraded.
    let back = net.tcp_report("server", "client", 80, false);
    assert_eq!(back.outcome, Accepted, "{b}: server reaches client:80");
    assert_eq!(
        back.source_seen(),
        Some(addr("198.51.100.2")),
        "{b}: the client sees the server itself"
    );
}

fn router_8080_reaches_server_80_and_the_server_sees_the_client(b: Backend) {
    let net = Topology::client_router_server("nat_dnat").unwrap();
    apply(&net, "router", b, &port_forward());

    let forwarded = net.tcp_probe(
        "client",
        "server",
        &Tcp::to(sock("192.0.2.1:8080")).listen_on(sock("0.0.0.0:80")),
    );
    assert_eq!(
        forwarded.outcome, Accepted,
        "{b}: client reaches router:8080"
    );
    assert_eq!(
        forwarded.server_local,
        Some(sock("198.51.100.2:80")),
        "{b}: the connection ends at server:80"
    );
    assert_eq!(
        forwarded.source_seen(),
        Some(addr("192.0.2.2")),
        "{b}: server sees the original client"
    );

    // Other ports of the router are not forwarded: the router answers itself (nothing
    // listens there), the server's listener gets nothing.
    let other_port = net.tcp_probe(
        "client",
        "server",
        &Tcp::to(sock("192.0.2.1:8081")).listen_on(sock("0.0.0.0:80")),
    );
    assert_eq!(other_port.outcome, Refused, "{b}: router:8081 is closed");
    assert_eq!(other_port.server_saw_peer, None, "{b}: not forwarded");

    // UDP to 8080 is not forwarded either.
    let udp = net.udp_probe(
        "client",
        "server",
        &Udp::to(sock("192.0.2.1:8080")).listen_on(sock("0.0.0.0:80")),
    );
    assert_eq!(
        udp.server_saw_peer, None,
        "{b}: UDP router:8080 not forwarded"
    );

    // Only the forwarded connection passes FORWARD: server:80 itself is not open to the
    // client, nor is the server's 8080.
    assert_eq!(
        net.tcp("client", "server", 80),
        TimedOut,
        "{b}: client cannot reach server:80 directly"
    );
    assert_eq!(
        net.tcp("client", "server", 8080),
        TimedOut,
        "{b}: client cannot reach server:8080 directly"
    );
}

on_both_backends!(
    masquerade_shows_the_router_to_the_server,
    router_8080_reaches_server_80_and_the_server_sees_the_client
);
