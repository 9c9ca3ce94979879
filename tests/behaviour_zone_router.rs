//! `examples/zone_router.rs` with real packets: the router namespace of
//! `Topology::lan_dmz_wan` gets the example's rules (with each iptables backend in turn, and
//! each of its two versions: the `zones` builder and the `firewall!` DSL) and probes between
//! the lan, dmz and wan hosts check each promise the example makes.
//!
//! Host addresses: lan 192.0.2.2, dmz 198.51.100.2 (one of the example's servers), wan
//! 203.0.113.2; the router is .1 on each link.
//!
//! Each test runs with each iptables backend and on the nftables engine, where the blocklist
//! is a named set of the firewall's nft table (`-m set --match-set blocklist src` becomes
//! `ip saddr @blocklist`), filled with `nft add element` where the iptables runs use
//! `ipset add`.
//!
//! Needs root, iptables (nft and legacy), ipset and nftables:
//! `cargo test --test behaviour_zone_router -- --include-ignored`.

use std::fmt;
use std::net::IpAddr;

use pyptables::nft::NftOptions;
use pyptables_testkit::{
    require_root_and_iptables, Backend, Family, PingOutcome, TcpOutcome::*, Topology, UdpOutcome,
};

#[path = "../examples/zone_router.rs"]
#[allow(dead_code)]
mod zone_router;

/// The example's two versions: the `zones` builder and the `firewall!` DSL.
const VERSIONS: [&str; 2] = ["builder", "firewall!"];

/// How the rules are loaded: `iptables-restore` with a backend, or the nftables engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    Iptables(Backend),
    Nftables,
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Engine::Iptables(b) => write!(f, "{b}"),
            Engine::Nftables => f.write_str("nftables"),
        }
    }
}

/// Every engine and version, each run of a test.
fn runs() -> Vec<(Engine, &'static str)> {
    Backend::ALL
        .into_iter()
        .map(Engine::Iptables)
        .chain([Engine::Nftables])
        .flat_map(|e| VERSIONS.map(|v| (e, v)))
        .collect()
}

fn nft_options(net: &Topology) -> NftOptions {
    NftOptions {
        netns: Some(net.ns("router").name().to_string()),
        ..NftOptions::default()
    }
}

/// The LOG rules whose packets the tests count.
const LOGS: [&str; 2] = ["FWD blocked ", "FWD drop "];

fn router(test: &str, e: Engine, version: &str) -> Topology {
    let net = Topology::lan_dmz_wan(test).unwrap();
    if let Engine::Iptables(_) = e {
        net.ns("router")
            .exec_ok("ipset", &["create", zone_router::BLOCKLIST, "hash:ip"])
            .unwrap();
    }
    load(&net, e, version);
    net
}

/// Loads (or loads again) the router's rules.
fn load(net: &Topology, e: Engine, version: &str) {
    let ns = net.ns("router");
    match e {
        Engine::Iptables(b) => {
            let text = match version {
                "builder" => zone_router::tables().unwrap().to_iptables(),
                _ => zone_router::firewall().ipv4().to_iptables(),
            };
            ns.restore(b, Family::V4, &text, &[])
                .unwrap_or_else(|err| panic!("{e} {version}: {err}"));
        }
        Engine::Nftables => {
            // The engine declares the set itself, in the firewall's table.
            let fw = match version {
                "builder" => pyptables::Firewall::from_tables(
                    zone_router::tables().unwrap(),
                    pyptables::Tables::new(pyptables::Family::V6),
                ),
                _ => zone_router::firewall(),
            };
            fw.apply_nft(&nft_options(net))
                .unwrap_or_else(|err| panic!("{e} {version}: {err}"));
            // nft rules count only with a `counter`: give the LOG rules one, as iptables
            // counts every rule, so that the tests can see what was logged.
            for prefix in LOGS {
                count_nft_rule(net, &format!("log prefix \"{prefix}\""));
            }
        }
    }
}

/// Replaces the FORWARD rule of our nft table that contains `what` by the same rule with a
/// `counter` in front of `what` (nothing else changes).
fn count_nft_rule(net: &Topology, what: &str) {
    let ns = net.ns("router");
    let listing = ns
        .exec_ok(
            "nft",
            &["-a", "list", "chain", "ip", "pyptables", "filter.FORWARD"],
        )
        .unwrap();
    let line = listing
        .lines()
        .map(str::trim)
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no rule with `{what}` in\n{listing}"));
    let (rule, handle) = line.rsplit_once(" # handle ").unwrap();
    let counted = rule.replacen(what, &format!("counter {what}"), 1);
    ns.exec_ok(
        "nft",
        &[&format!(
            "replace rule ip pyptables filter.FORWARD handle {handle} {counted}"
        )],
    )
    .unwrap();
}

/// Puts `addr` on the blocklist: `ipset add`, or `nft add element` into the engine's set.
fn block(net: &Topology, e: Engine, addr: &str) {
    let ns = net.ns("router");
    match e {
        Engine::Iptables(_) => ns
            .exec_ok("ipset", &["add", zone_router::BLOCKLIST, addr])
            .map(|_| ()),
        Engine::Nftables => ns
            .exec_ok(
                "nft",
                &[&format!(
                    "add element ip pyptables {} {{ {addr} }}",
                    zone_router::BLOCKLIST
                )],
            )
            .map(|_| ()),
    }
    .unwrap();
}

/// Packets the FORWARD LOG rule with `prefix` counted.
fn logged(net: &Topology, e: Engine, prefix: &str) -> u64 {
    let ns = net.ns("router");
    match e {
        Engine::Iptables(b) => {
            let listing = ns
                .iptables(b, Family::V4, &["-L", "FORWARD", "-n", "-v", "-x"])
                .unwrap();
            let line = listing
                .lines()
                .find(|l| l.contains("LOG") && l.contains(prefix.trim_end()))
                .unwrap_or_else(|| panic!("{e}: no `{prefix}` LOG rule in\n{listing}"));
            line.split_whitespace().next().unwrap().parse().unwrap()
        }
        Engine::Nftables => {
            let listing = ns
                .exec_ok(
                    "nft",
                    &["list", "chain", "ip", "pyptables", "filter.FORWARD"],
                )
                .unwrap();
            let line = listing
                .lines()
                .find(|l| l.contains(&format!("log prefix \"{prefix}\"")))
                .unwrap_or_else(|| panic!("{e}: no `{prefix}` log rule in\n{listing}"));
            let packets = line.split("counter packets ").nth(1).unwrap();
            packets.split(' ').next().unwrap().parse().unwrap()
        }
    }
}

#[test]
#[ignore = "needs root, iptables, ipset and nftables (kernel test)"]
fn services_in_the_dmz_are_reachable_from_lan_and_wan_and_nothing_else_is() {
    require_root_and_iptables();
    for (b, v) in runs() {
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
#[ignore = "needs root, iptables, ipset and nftables (kernel test)"]
fn lan_reaches_wan_masqueraded_and_wan_cannot_reach_lan() {
    require_root_and_iptables();
    for (backend, v) in runs() {
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

        let before = logged(&net, backend, "FWD drop ");
        assert_eq!(net.tcp("wan", "lan", 22), TimedOut, "{b}: wan -> lan:22");
        assert_eq!(net.tcp("wan", "lan", 80), TimedOut, "{b}: wan -> lan:80");
        assert!(
            logged(&net, backend, "FWD drop ") > before,
            "{b}: the dropped forwards were logged"
        );
    }
}

#[test]
#[ignore = "needs root, iptables, ipset and nftables (kernel test)"]
fn the_router_answers_the_lan_only_and_the_blocklist_shuts_wan_hosts_out() {
    require_root_and_iptables();
    for (e, v) in runs() {
        let net = router("zone_router_input", e, v);
        let b = format!("{e} {v}");
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
        block(&net, e, &net.addr("wan").to_string());
        let before = logged(&net, e, "FWD blocked ");
        assert_eq!(
            net.tcp("wan", "dmz", 80),
            TimedOut,
            "{b}: blocklisted wan host"
        );
        assert_eq!(
            net.udp("wan", "dmz", 53),
            UdpOutcome::Dropped,
            "{b}: blocklisted wan host, udp"
        );
        assert!(
            logged(&net, e, "FWD blocked ") > before,
            "{b}: the blocked packets were logged"
        );
        // Loading the rules again leaves the blocklist as it is (on the nftables engine the
        // set is part of the replaced table; its elements are carried over).
        load(&net, e, v);
        assert_eq!(
            net.tcp("wan", "dmz", 80),
            TimedOut,
            "{b}: still blocklisted after loading the rules again"
        );
        assert_eq!(
            net.tcp("lan", "dmz", 80),
            Accepted,
            "{b}: the lan is not affected"
        );
    }
}
