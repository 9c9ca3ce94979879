//! The SSH template firewall of `examples/ssh_template.rs`, with real packets: SSH to the host
//! from the workstation is accepted, from anywhere else refused (REJECT), and no SSH is routed
//! through the host; other traffic is untouched.
//!
//! The example names the workstation `1.1.1.1`, a real address that test hosts may not use
//! (only documentation addresses are allowed inside the namespaces, so that nothing can ever be
//! routed to a real network). The test therefore loads the example's own tables with
//! 203.0.113.2 in place of 1.1.1.1, and first checks that this is the only difference.
//!
//! ```text
//! ws 203.0.113.2 ── host 203.0.113.1 | 198.51.100.1 (forwarding) ── other 198.51.100.2
//! ```
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_ssh_template -- --include-ignored`.

mod behaviour_support;

use behaviour_support::{apply, on_both_backends, replace_address};
use pyptables::Tables;
use pyptables_testkit::{Backend, TcpOutcome::*, Topology};

#[path = "../examples/ssh_template.rs"]
#[allow(dead_code)]
mod ssh_template;

/// The documentation address that stands in for the example's workstation, 1.1.1.1.
const WORKSTATION: &str = "203.0.113.2";

/// The example's tables with the workstation at [`WORKSTATION`].
fn tables() -> Tables {
    let mut tables = ssh_template::tables();
    assert_eq!(
        replace_address(&mut tables, "1.1.1.1", WORKSTATION),
        1,
        "the example names 1.1.1.1 once"
    );
    // Nothing but the address changed: rule for rule the same text.
    assert_eq!(
        tables.to_iptables_plain(),
        ssh_template::tables()
            .to_iptables_plain()
            .replace("1.1.1.1", WORKSTATION)
    );
    tables
}

fn topology(b: Backend) -> Topology {
    Topology::builder(&format!("ssh_template_{b}"))
        .add_host("ws")
        .add_host("host")
        .add_host("other")
        .link("ws", "host", "203.0.113.2/24", "203.0.113.1/24")
        .link("host", "other", "198.51.100.1/24", "198.51.100.2/24")
        .route("ws", "default", "203.0.113.1")
        .route("other", "default", "198.51.100.1")
        .enable_forwarding("host")
        .build()
        .unwrap()
}

fn ssh_from_the_workstation_only_and_never_routed(b: Backend) {
    let tables = tables();
    let net = topology(b);
    assert_eq!(net.addr("ws").to_string(), WORKSTATION);
    apply(&net, "host", b, &tables);

    assert_eq!(
        net.tcp("ws", "host", 22),
        Accepted,
        "{b}: the workstation reaches host:22"
    );
    assert_eq!(
        net.tcp("other", "host", 22),
        Refused,
        "{b}: other is refused on host:22 (REJECT)"
    );
    // Only SSH is restricted: the chains' policies are ACCEPT.
    assert_eq!(
        net.tcp("other", "host", 80),
        Accepted,
        "{b}: other reaches host:80"
    );

    // No SSH is routed through the host, in either direction, workstation or not.
    assert_eq!(
        net.tcp("ws", "other", 22),
        Refused,
        "{b}: ws cannot reach other:22 through the host"
    );
    assert_eq!(
        net.tcp("other", "ws", 22),
        Refused,
        "{b}: other cannot reach ws:22 through the host"
    );
    assert_eq!(
        net.tcp("ws", "other", 80),
        Accepted,
        "{b}: ws reaches other:80 through the host"
    );
}

on_both_backends!(ssh_from_the_workstation_only_and_never_routed);
