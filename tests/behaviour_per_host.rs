//! The per-host firewall binary of `examples/per_host.rs`, applied by the binary itself
//! (`per_host --netns NS --backend B apply`) on a web server, then checked with real packets:
//! SSH from the admin network only, HTTP and HTTPS and ping from anywhere, nothing else in;
//! the server's own connections get their answers.
//!
//! The example's admin networks are already documentation ranges (198.51.100.0/24 and
//! 2001:db8:ad::/48), so the topology uses them as they are:
//!
//! ```text
//! admin 198.51.100.2, 2001:db8:ad::2 ── web 198.51.100.1, 2001:db8:ad::1
//!                                        web 203.0.113.1, 2001:db8:113::1 ── other 203.0.113.2, 2001:db8:113::2
//! ```
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_per_host -- --include-ignored`. The example is built first
//! (`cargo build --example per_host`, in the profile and target directory of this test), so
//! what runs is always the current source.

mod behaviour_support;

use std::process::Command;

use behaviour_support::{engine_args, on_both_backends, per_host_binary};
use pyptables_testkit::{Backend, PingOutcome, TcpOutcome::*, Topology, UdpOutcome};

fn web_server(b: Backend) -> Topology {
    Topology::builder(&format!("per_host_{b}"))
        .add_host("admin")
        .add_host("web")
        .add_host("other")
        .link("admin", "web", "198.51.100.2/24", "198.51.100.1/24")
        .address("admin", "web", "2001:db8:ad::2/64")
        .address("web", "admin", "2001:db8:ad::1/64")
        .link("web", "other", "203.0.113.1/24", "203.0.113.2/24")
        .address("web", "other", "2001:db8:113::1/64")
        .address("other", "web", "2001:db8:113::2/64")
        .build()
        .unwrap()
}

fn web_server_takes_ssh_from_admins_only_and_web_from_anyone(b: Backend) {
    let binary = per_host_binary();
    let net = web_server(b);
    let out = Command::new(binary)
        .args(["--netns", net.ns("web").name(), "--backend", &b.to_string()])
        .args(engine_args())
        .arg("apply")
        // Not the terminal of whoever runs the tests: `apply` would ask there.
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{b}: per_host apply exited with {}: {}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // SSH: the admin network only.
    assert_eq!(
        net.tcp("admin", "web", 22),
        Accepted,
        "{b}: admin reaches web:22"
    );
    assert_eq!(
        net.tcp6("admin", "web", 22),
        Accepted,
        "{b}: admin reaches web:22 over IPv6"
    );
    assert_eq!(
        net.tcp("other", "web", 22),
        TimedOut,
        "{b}: other cannot reach web:22"
    );
    assert_eq!(
        net.tcp6("other", "web", 22),
        TimedOut,
        "{b}: other cannot reach web:22 over IPv6"
    );

    // HTTP and HTTPS: anyone.
    for port in [80, 443] {
        assert_eq!(
            net.tcp("other", "web", port),
            Accepted,
            "{b}: other reaches web:{port}"
        );
        assert_eq!(
            net.tcp6("other", "web", port),
            Accepted,
            "{b}: other reaches web:{port} over IPv6"
        );
    }

    // Ping: anyone (and ICMPv6, which neighbour discovery needs too).
    assert_eq!(
        net.ping("other", "web"),
        PingOutcome::Reply,
        "{b}: other pings web"
    );
    assert_eq!(
        net.ping6("other", "web"),
        PingOutcome::Reply,
        "{b}: other pings web over IPv6"
    );

    // Everything else in is dropped, admins included.
    assert_eq!(
        net.tcp("admin", "web", 8080),
        TimedOut,
        "{b}: admin cannot reach web:8080"
    );
    assert_eq!(
        net.udp("other", "web", 53),
        UdpOutcome::Dropped,
        "{b}: UDP to web:53 is dropped"
    );

    // The server's own connections: the answer comes in through ESTABLISHED (INPUT's
    // policy is DROP and no other rule matches a packet from port 80 to an ephemeral port).
    assert_eq!(
        net.tcp("web", "other", 80),
        Accepted,
        "{b}: web reaches other:80"
    );
    assert_eq!(
        net.tcp6("web", "admin", 8080),
        Accepted,
        "{b}: web reaches admin:8080 over IPv6"
    );
    // Loopback: anything.
    assert_eq!(
        net.tcp("web", "web", 8080),
        Accepted,
        "{b}: web reaches its own 8080 over lo"
    );
}

on_both_backends!(web_server_takes_ssh_from_admins_only_and_web_from_anyone);
