//! The stateful forwarding firewall of `examples/simple_stateful.rs`, with real packets: loaded
//! on the router of client (192.0.2.2) — router — server (198.51.100.2), it lets new TCP
//! connections through to DNS, HTTP and HTTPS only, and the answers of the connections it let
//! through come back.
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_simple_stateful -- --include-ignored`.

mod behaviour_support;

use behaviour_support::{apply, on_both_backends};
use pyptables_testkit::{Backend, PingOutcome, TcpOutcome::*, Topology, UdpOutcome};

#[path = "../examples/simple_stateful.rs"]
#[allow(dead_code)]
mod simple_stateful;

fn forwards_new_connections_to_dns_http_https_only_and_their_replies(b: Backend) {
    let net = Topology::client_router_server("stateful_fwd").unwrap();
    apply(&net, "router", b, &simple_stateful::tables());

    // FORWARD's policy is DROP and the only rule that matches a server's answer (source
    // port 53/80/443, destination an ephemeral port) is the ESTABLISHED one: a completed
    // handshake therefore proves that the SYN went through on its port rule and the
    // SYN-ACK came back through conntrack.
    for port in [53, 80, 443] {
        assert_eq!(
            net.tcp("client", "server", port),
            Accepted,
            "{b}: client reaches server:{port} (and its answer comes back)"
        );
    }
    assert_eq!(
        net.tcp("client", "server", 22),
        TimedOut,
        "{b}: client cannot reach server:22 (dropped)"
    );
    assert_eq!(
        net.tcp("client", "server", 8080),
        TimedOut,
        "{b}: client cannot reach server:8080 (dropped)"
    );
    // Only TCP is allowed: DNS over UDP is not.
    assert_eq!(
        net.udp("client", "server", 53),
        UdpOutcome::Dropped,
        "{b}: UDP to server:53 is dropped"
    );
    assert_eq!(
        net.ping("client", "server"),
        PingOutcome::NoReply,
        "{b}: no ping through the router"
    );
    // The port rules do not look at the direction.
    assert_eq!(
        net.tcp("server", "client", 443),
        Accepted,
        "{b}: server reaches client:443"
    );
    assert_eq!(
        net.tcp("server", "client", 22),
        TimedOut,
        "{b}: server cannot reach client:22"
    );
    // The firewall is about forwarding only: INPUT keeps its ACCEPT policy.
    assert_eq!(
        net.tcp("client", "router", 22),
        Accepted,
        "{b}: the router itself is reachable on 22"
    );
}

/// The reply path really is the ESTABLISHED rule's doing: without it the same handshake fails.
fn without_the_established_rule_no_answer_comes_back(b: Backend) {
    let mut tables = simple_stateful::tables();
    let removed = tables["filter"]["FORWARD"].remove(0).unwrap();
    assert_eq!(
        removed.to_string(),
        "-m conntrack --ctstate ESTABLISHED -j ACCEPT",
        "the example's first FORWARD rule is the conntrack one"
    );
    let net = Topology::client_router_server("stateful_noest").unwrap();
    apply(&net, "router", b, &tables);
    // The SYN to port 80 is still accepted, but the SYN-ACK (from port 80 to an ephemeral
    // port) matches no rule and meets the DROP policy.
    assert_eq!(
        net.tcp("client", "server", 80),
        TimedOut,
        "{b}: without ESTABLISHED, client's connection to server:80 gets no answer"
    );
}

on_both_backends!(
    forwards_new_connections_to_dns_http_https_only_and_their_replies,
    without_the_established_rule_no_answer_comes_back
);
