//! `examples/zone_router.rs` with real packets: the router namespace of
//! `Topology::lan_dmz_wan` gets the example's rules (with each iptables backend in turn, and
//! each of its two versions: the `zones` builder and the `firewall!` DSL) and probes between
//! the lan, dmz and wan hosts check each promise the example makes.
//!
//! Host addresses: lan 192.0.2.2, dmz 198.51.100.2 (one of the example's servers), wan
//! 203.0.113.2; the router is .1 on each link.
//!
//! Needs root, iptables (nft and legacy) and ipset:
//! `cargo test --test behaviour_zone_router -- --include-ignored`.

use std::net::IpAddr;

use pyptables_testkit::{
    require_root_and_iptables, Backend, Family, PingOutcome, TcpOutcome::*, Topology, UdpOutcome,
};

#[path = "../examples/zone_router.rs"]
#[allow(dead_code)]
mod zone_router;

/// The example's two versions: the `zones` builder and the `firewall!` DSL.
const VERSIONS: [&str; 2] = ["builder", "firewall!"];

fn router(test: &str, b: Backend, version: &str) -> Topology {
    let net = Topology::lan_dmz_wan(test).unwrap();
    let ns = net.ns("router");
    ns.exec_ok("ipset", &["create", zone_router::BLOCKLIST, "hash:ip"])
        .unwrap();
    let text = match version {
        "builder" => zone_router::tables().unwrap().to_iptables(),
        _ => zone_router::firewall().ipv4().to_iptables(),
    };
    ns.restore(b, Family::V4, &text, &[])
        .unwrap_or_else(|e| panic!("{b} {version}: {e}"));
    net
}

/// Packets the `FWD drop ` LOG rule counted.
fn logged_drops(net: &Topology, b: Backend) -> u64 {
    let listing = net
        .ns("router")
        .iptables(b, Family::V4, &["-L", "FORWARD", "-n", "-v", "-x"])
        .unwrap();
    let line = listing
        .lines()
        .find(|l| l.contains("LOG") && l.contains("FWD drop"))
        .unwrap_or_else(|| panic!("{b}: no `FWD drop` LOG rule in\n{listing}"));
    line.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn services_in_the_dmz_are_reachable_from_lan_and_wan_and_nothing_else_is() {
    require_root_and_iptables();
    for (b, v) in Backend::ALL
        .into_iter()
        .flat_map(|b| VERSIONS.map(|v| (b, v)))
    {
        let net = router("zone_router_dmz", b, v);
        let b = format!("{b} {v}");
        assert_eq!(net.tcp("lan", "dmz", 443), Accepted, "{b}: lan -> dmz:443");
        assert_eq!(net.tcp("lan", "dmz", 80), Accepted, "{b}: lan -> dmz:80");
        assert_eq!(net.tcp("wan", "dmz", 80), Accepted, "{b}: wan -> dmz:80");
        assert_eq!(net.tcp("wan", "dmz", 443), Accepted, "{b}: wan -> dmz:443");
        assert_eq!(
            net.udp("lan", "dmz", 53),
            UdpOutcome::Delivered,
            "{b}: lan -> dmz udp 53"
        );
        assert_eq!(
            net.udp("wan", "dmz", 53),
            UdpOutcome::Delivered,
            "{b}: wan -> dmz udp 53"
        );
        // Only the listed services.
        assert_eq!(net.tcp("lan", "dmz", 22), TimedOut, "{b}: lan -> dmz:22");
        assert_eq!(
            net.tcp("wan", "dmz", 8080),
            TimedOut,
            "{b}: wan -> dmz:8080"
        );
        assert_eq!(
            net.udp("wan", "dmz", 123),
            UdpOutcome::Dropped,
            "{b}: wan -> dmz udp 123"
        );
        // The dmz starts nothing.
        assert_eq!(net.tcp("dmz", "lan", 22), TimedOut, "{b}: dmz -> lan:22");
        assert_eq!(net.tcp("dmz", "wan", 80), TimedOut, "{b}: dmz -> wan:80");
        // No NAT toward the dmz: the server sees the wan client itself.
        let seen = net.tcp_report("wan", "dmz", 443, false).source_seen();
        assert_eq!(seen, Some(net.addr("wan")), "{b}: dmz sees the wan client");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn lan_reaches_wan_masqueraded_and_wan_cannot_reach_lan() {
    require_root_and_iptables();
    for (backend, v) in Backend::ALL
        .into_iter()
        .flat_map(|b| VERSIONS.map(|v| (b, v)))
    {
        let net = router("zone_router_wan", backend, v);
        let b = format!("{backend} {v}");
        let report = net.tcp_report("lan", "wan", 80, false);
        assert_eq!(report.outcome, Accepted, "{b}: lan -> wan:80");
        let router_wan: IpAddr = "203.0.113.1".parse().unwrap();
        assert_eq!(
            report.source_seen(),
            Some(router_wan),
            "{b}: the wan host sees the router's address"
        );
        assert_eq!(
            net.udp("lan", "wan", 53),
            UdpOutcome::Delivered,
            "{b}: lan -> wan udp"
        );

        let before = logged_drops(&net, backend);
        assert_eq!(net.tcp("wan", "lan", 22), TimedOut, "{b}: wan -> lan:22");
        assert_eq!(net.tcp("wan", "lan", 80), TimedOut, "{b}: wan -> lan:80");
        assert!(
            logged_drops(&net, backend) > before,
            "{b}: the dropped forwards were logged"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_router_answers_the_lan_only_and_the_blocklist_shuts_wan_hosts_out() {
    require_root_and_iptables();
    for (b, v) in Backend::ALL
        .into_iter()
        .flat_map(|b| VERSIONS.map(|v| (b, v)))
    {
        let net = router("zone_router_input", b, v);
        let b = format!("{b} {v}");
        assert_eq!(
            net.ping("lan", "router"),
            PingOutcome::Reply,
            "{b}: lan pings router"
        );
        assert_eq!(
            net.ping("wan", "router"),
            PingOutcome::NoReply,
            "{b}: wan pings router"
        );
        assert_eq!(
            net.tcp("lan", "router", 22),
            Accepted,
            "{b}: lan -> router:22"
        );
        assert_eq!(
            net.tcp("wan", "router", 22),
            TimedOut,
            "{b}: wan -> router:22"
        );

        assert_eq!(
            net.tcp("wan", "dmz", 80),
            Accepted,
            "{b}: before the blocklist"
        );
        let wan = net.addr("wan").to_string();
        net.ns("router")
            .exec_ok("ipset", &["add", zone_router::BLOCKLIST, wan.as_str()])
            .unwrap();
        assert_eq!(
            net.tcp("wan", "dmz", 80),
            TimedOut,
            "{b}: blocklisted wan host"
        );
        assert_eq!(
            net.tcp("lan", "dmz", 80),
            Accepted,
            "{b}: the lan is not affected"
        );
    }
}

/// The nftables engine cannot run this router: its blocklist is an ipset (`-m set`), which
/// nft rules cannot reference. Both versions are refused before anything is loaded, naming
/// the rule, where it was written and the module, never loaded without the blocklist.
#[test]
fn the_nftables_engine_refuses_the_ipset_rules_by_name() {
    for v in VERSIONS {
        let fw = match v {
            "builder" => pyptables::Firewall::from_tables(
                zone_router::tables().unwrap(),
                pyptables::Tables::new(pyptables::Family::V6),
            ),
            _ => zone_router::firewall(),
        };
        assert!(fw.validate().is_ok(), "{v}: valid for iptables");
        let e = fw.validate_nft().unwrap_err().to_string();
        assert!(
            e.contains("examples/zone_router.rs:")
                && e.contains("FORWARD rule")
                && e.contains("nftables cannot express -m set"),
            "{v}: {e}"
        );
        assert!(fw.to_nft().contains("invalid-rule"), "{v}");
    }
}
