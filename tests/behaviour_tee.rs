//! TEE with real packets: on the router of lan (192.0.2.2) — router — wan (203.0.113.2), with
//! dmz (198.51.100.2) as the gateway that collects the copies, a UDP datagram from lan to wan
//! still reaches wan, and its copy arrives at dmz (still addressed to wan, as TEE sends it).
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_tee -- --include-ignored`.

mod behaviour_support;

use behaviour_support::{apply_firewall, on_both_backends};
use pyptables::firewall;
use pyptables_testkit::{Backend, Family, Topology, UdpOutcome};

/// The packets counted by the collector's one rule (UDP to wan:5140 arriving at dmz).
fn copies_seen(net: &Topology, b: Backend) -> u64 {
    let text = net
        .ns("dmz")
        .exec_ok(b.save_bin(Family::V4), &["-c", "-t", "raw"])
        .unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("-A PREROUTING") && l.contains("5140"))
        .unwrap_or_else(|| panic!("{b}: the collector's rule\n{text}"));
    // `[packets:bytes] -A PREROUTING …`
    line.trim_start_matches('[')
        .split(':')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn a_copy_goes_to_the_gateway_and_the_packet_goes_on(b: Backend) {
    let net = Topology::lan_dmz_wan("tee").unwrap();
    // The collector counts what arrives for wan:5140 (it does not forward, so it then drops it).
    net.ns("dmz")
        .restore(
            b,
            Family::V4,
            "*raw\n-A PREROUTING -d 203.0.113.2/32 -p udp -m udp --dport 5140\nCOMMIT\n",
            &[],
        )
        .unwrap();
    let fw = firewall! {
        mangle { PREROUTING { tee in_interface=lan proto=udp dport=5140 gateway=198.51.100.2; } }
    };
    apply_firewall(&net, "router", b, &fw);

    assert_eq!(copies_seen(&net, b), 0, "{b}: nothing yet");
    assert_eq!(
        net.udp("lan", "wan", 5140),
        UdpOutcome::Delivered,
        "{b}: the datagram itself still reaches wan"
    );
    assert_eq!(copies_seen(&net, b), 1, "{b}: one copy reached dmz");
    // Other ports are not copied.
    assert_eq!(net.udp("lan", "wan", 5141), UdpOutcome::Delivered, "{b}");
    assert_eq!(copies_seen(&net, b), 1, "{b}: no copy of port 5141");
}

on_both_backends!(a_copy_goes_to_the_gateway_and_the_packet_goes_on);
