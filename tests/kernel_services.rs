//! Service names against iptables itself: every name the catalog knows is written once by
//! name, as a person would write it for `iptables-restore` (`--dport ssh`), and once as
//! `pyptables` renders it (the number). Both are loaded into one chain each of a throw-away
//! namespace, with both backends, and `iptables-save` must show the same rules: the kernel, not
//! the catalog, says which port a name stands for. Names the catalog refuses for a protocol
//! must be refused by iptables too.
//!
//! Needs root, iptables (nft and legacy) and the machine's `/etc/services` (`netbase`), which
//! is what iptables resolves the names with:
//! `cargo test --test kernel_services -- --include-ignored`.

use pyptables::catalog::services;
use pyptables::{Chain, Family, Rule, Table, Tables, Target};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

/// The ways a rule can name a port, each with the protocol-dependent lookup iptables does:
/// `(protocol, option, whether the name must exist for that protocol)`.
const FORMS: &[(&str, &str, bool)] = &[
    ("tcp", "dport", true),
    ("udp", "sport", false),
    ("dccp", "dport", false),
    ("tcp", "dports", true),
    ("udp", "dports", true),
    ("sctp", "dports", true),
    ("sctp", "dport", true),
];

/// The names the catalog takes in `form`.
fn names(protocol: &str, by_protocol: bool) -> Vec<&'static str> {
    services::names()
        .filter(|n| {
            if by_protocol {
                services::port_for(n, protocol).is_some()
            } else {
                services::port(n).is_some()
            }
        })
        .collect()
}

/// The rules of chain `chain` in a saved ruleset, without the chain name.
fn rules_of<'a>(saved: &'a str, chain: &str) -> Vec<&'a str> {
    let prefix = format!("-A {chain} ");
    saved
        .lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn every_service_name_loads_as_the_port_pyptables_writes() {
    require_root_and_iptables();
    for backend in tk::Backend::ALL {
        let ns = Netns::new("services_by_name").unwrap();
        // pyptables' rendering, with the numbers, in chain OURS.
        let mut ours = Chain::user("OURS");
        let mut by_name = String::from("*filter\n:BYNAME - [0:0]\n");
        let mut count = 0;
        for &(protocol, option, by_protocol) in FORMS {
            for name in names(protocol, by_protocol) {
                ours.push(Rule::new().proto(protocol).opt(option, name).accept());
                let flag = if option == "dports" {
                    " -m multiport --dports"
                } else {
                    &format!(" --{option}")[..]
                };
                by_name.push_str(&format!("-A BYNAME -p {protocol}{flag} {name} -j ACCEPT\n"));
                count += 1;
            }
        }
        by_name.push_str("COMMIT\n");
        // The NAT targets' ports take a TCP or UDP name too, also one with a dash, where a
        // range is written `a-b`.
        let mut ours_nat = Chain::user("OURS");
        by_name.push_str("*nat\n:BYNAME - [0:0]\n");
        for name in names("tcp", false) {
            ours_nat.push(
                Rule::new()
                    .proto("tcp")
                    .target(Target::new("REDIRECT").opt("to-ports", name)),
            );
            by_name.push_str(&format!("-A BYNAME -p tcp -j REDIRECT --to-ports {name}\n"));
        }
        by_name.push_str("COMMIT\n");
        let mut table = Table::new("filter");
        table.add_chain(ours);
        let mut nat = Table::new("nat");
        nat.add_chain(ours_nat);
        let mut tables = Tables::new(Family::V4);
        tables.add(table);
        tables.add(nat);
        tables
            .validate()
            .expect("every name the catalog knows validates");
        let rendered = tables.to_iptables_plain();
        assert!(
            !rendered.lines().any(|l| l.starts_with("-A")
                && l.split_whitespace().any(|w| services::port(w).is_some())),
            "pyptables writes numbers, not names:\n{rendered}"
        );

        ns.restore(backend, tk::Family::V4, &rendered, &[])
            .unwrap_or_else(|e| panic!("{backend}: {e}"));
        ns.restore(backend, tk::Family::V4, &by_name, &["--noflush"])
            .unwrap_or_else(|e| panic!("{backend}: iptables refuses a name we accept: {e}"));
        let saved = ns.save_table(backend, tk::Family::V4, "filter").unwrap();
        let (named, numbered) = (rules_of(&saved, "BYNAME"), rules_of(&saved, "OURS"));
        assert_eq!(named.len(), count, "{backend}");
        assert_eq!(
            named, numbered,
            "{backend}: a name loads as another port than ours"
        );
        let saved = ns.save_table(backend, tk::Family::V4, "nat").unwrap();
        let (named, numbered) = (rules_of(&saved, "BYNAME"), rules_of(&saved, "OURS"));
        assert_eq!(named.len(), names("tcp", false).len(), "{backend}");
        assert_eq!(
            named, numbered,
            "{backend}: --to-ports NAME loads otherwise"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn names_refused_for_a_protocol_are_refused_by_iptables() {
    require_root_and_iptables();
    // (protocol, option, name): chosen by hand from /etc/services: ssh is TCP only, ntp and fsp
    // UDP only, amqp TCP and SCTP, rtmp AppleTalk (ddp) only, dns not there at all.
    let refused = [
        ("udp", "dports", "ssh"),
        ("tcp", "dports", "ntp"),
        ("tcp", "dport", "fsp"),
        ("tcp", "sport", "ntp"),
        ("sctp", "dport", "ssh"),
        ("sctp", "dports", "http"),
        ("udp", "dports", "amqp"),
        ("tcp", "dport", "rtmp"),
        ("tcp", "dport", "dns"),
        ("udp", "dport", "rdp"),
        ("udp", "dport", "wireguard"),
    ];
    for backend in tk::Backend::ALL {
        let ns = Netns::new("services_refused").unwrap();
        for (protocol, option, name) in refused {
            let mut args = vec!["-A", "INPUT", "-p", protocol];
            if option == "dports" {
                args.extend(["-m", "multiport"]);
            }
            let flag = format!("--{option}");
            args.extend([flag.as_str(), name]);
            assert!(
                ns.iptables(backend, tk::Family::V4, &args).is_err(),
                "{backend}: iptables takes {args:?}"
            );
            let mut table = Table::new("filter");
            table
                .add_chain(Chain::user("X"))
                .push(Rule::new().proto(protocol).opt(option, name).accept());
            let mut tables = Tables::new(Family::V4);
            tables.add(table);
            assert!(
                tables.validate().is_err(),
                "pyptables takes -p {protocol} {flag} {name}"
            );
        }
    }
}
