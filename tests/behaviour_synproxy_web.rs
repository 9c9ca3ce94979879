//! `examples/synproxy_web.rs` with real connections: loaded on the server of client
//! (192.0.2.2) — router — server (198.51.100.2), a connection to port 80 is still made, through
//! the proxy (SYNPROXY answers the SYN, the server sees the connection only after the client's
//! ACK), and other ports are not touched.
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_synproxy_web -- --include-ignored`.

mod behaviour_support;

use behaviour_support::{apply_firewall, on_both_backends};
use pyptables_testkit::{Backend, Netns, TcpOutcome::*, Topology};

#[path = "../examples/synproxy_web.rs"]
#[allow(dead_code)]
mod example;

/// The numbers of `/proc/net/stat/synproxy` in `ns` (per CPU), summed: `syn_received`,
/// `cookie_valid`.
fn synproxy_counts(ns: &Netns) -> (u64, u64) {
    let text = ns.exec_ok("cat", &["/proc/net/stat/synproxy"]).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
    let (syn, valid) = (col("syn_received"), col("cookie_valid"));
    let mut out = (0, 0);
    for line in lines {
        let v: Vec<u64> = line
            .split_whitespace()
            .map(|w| u64::from_str_radix(w, 16).unwrap())
            .collect();
        out.0 += v[syn];
        out.1 += v[valid];
    }
    out
}

fn the_web_server_is_reached_through_the_proxy(b: Backend) {
    let net = Topology::client_router_server("synproxy_web").unwrap();
    let server = net.ns("server");
    server
        .sysctl("net.netfilter.nf_conntrack_tcp_loose", "0")
        .unwrap();
    apply_firewall(&net, "server", b, &example::firewall());
    let before = synproxy_counts(server);

    let report = net.tcp_report("client", "server", 80, false);
    assert_eq!(
        report.outcome, Accepted,
        "{b}: client connects to server:80"
    );
    assert_eq!(
        report.source_seen(),
        Some(net.addr("client")),
        "{b}: the server accepted the proxied connection from the client"
    );
    let after = synproxy_counts(server);
    assert_eq!(
        (after.0 - before.0, after.1 - before.1),
        (1, 1),
        "{b}: SYNPROXY answered one SYN and took one valid cookie"
    );

    // Other ports do not go through the proxy.
    assert_eq!(net.tcp("client", "server", 22), Accepted, "{b}: server:22");
    assert_eq!(
        synproxy_counts(server),
        after,
        "{b}: no SYNPROXY work for port 22"
    );
}

on_both_backends!(the_web_server_is_reached_through_the_proxy);
