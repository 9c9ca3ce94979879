//! The nftables engine against the kernel: one transaction for both families, refusals that
//! change nothing and name the rule, other tables left alone, and the one trap of several
//! tables on one hook (an accept is not final, a drop is).
//!
//! `cargo test --test nft_kernel -- --include-ignored` (root, nftables, iptables).

use pyptables::nft::{run_nft, NftOptions};
use pyptables::{firewall, Firewall, RestoreError, Style};
use pyptables_testkit::{require_root_and_iptables, Netns, TcpOutcome::*, Topology};

fn opts(ns: &Netns) -> NftOptions {
    NftOptions {
        netns: Some(ns.name().to_string()),
        ..NftOptions::default()
    }
}

fn ruleset(ns: &Netns) -> String {
    ns.exec_ok("nft", &["list", "ruleset"]).unwrap()
}

/// The ruleset without the firewall's own tables.
fn foreign(ns: &Netns) -> String {
    let text = ruleset(ns);
    let mut out = String::new();
    let mut skip = false;
    for line in text.lines() {
        if line.starts_with("table ") {
            skip = line.ends_with(" pyptables {");
        }
        if !skip {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn first() -> Firewall {
    firewall! {
        filter { INPUT policy DROP { accept proto=tcp dport=22; } }
        ip6 { filter { INPUT policy DROP { accept proto=tcp dport=22; } } }
    }
}

#[test]
#[ignore = "needs root and nftables (kernel test)"]
fn a_refused_ipv6_table_leaves_both_families_as_they_were() {
    require_root_and_iptables();
    let ns = Netns::new("nft_atomic").unwrap();
    first().apply_nft(&opts(&ns)).unwrap();
    let before = ruleset(&ns);
    assert!(before.contains("table ip6 pyptables"), "{before}");

    // A jump loop in the IPv6 table only: nft sends it, the kernel refuses it. (Validation
    // would refuse it earlier, so the script is loaded as rendered, without it.)
    let v4 = firewall! { filter { INPUT policy ACCEPT { accept proto=tcp dport=80; } } };
    let mut v6 = pyptables::Tables::new(pyptables::Family::V6);
    let mut filter = pyptables::Table::with_builtin_chains("filter").unwrap();
    filter.add_chain(pyptables::Chain::user("a"));
    filter.add_chain(pyptables::Chain::user("b"));
    filter["INPUT"].push(pyptables::Rule::new().jump("a"));
    filter["a"].push(pyptables::Rule::new().jump("b"));
    filter["b"].push(pyptables::Rule::new().jump("a"));
    v6.add(filter);
    let second = Firewall::from_tables(v4.ipv4().clone(), v6);
    assert!(second.validate().is_err(), "validation sees the loop");
    let script = second.render_nft("pyptables", Style::Plain).text;
    let err = run_nft(&opts(&ns), &script).unwrap_err();
    assert!(
        matches!(err, RestoreError::Rejected { .. }),
        "refused by the kernel: {err}"
    );
    assert!(
        err.to_string().contains("Too many links"),
        "the kernel's loop check refused it: {err}"
    );
    assert_eq!(
        ruleset(&ns),
        before,
        "nothing changed, the IPv4 table included"
    );
}

#[test]
#[ignore = "needs root and nftables (kernel test)"]
fn a_refusal_names_the_rule_and_its_source_line() {
    require_root_and_iptables();
    let ns = Netns::new("nft_refusal").unwrap();
    first().apply_nft(&opts(&ns)).unwrap();
    let before = ruleset(&ns);
    let line = line!() + 4;
    let fw = firewall! {
        filter { OUTPUT {
            accept proto=tcp dport=22;
            accept uid_owner=no_such_user_here;
        } }
    };
    let err = fw.apply_nft(&opts(&ns)).unwrap_err();
    assert!(
        matches!(&err, RestoreError::Rejected { rule: Some(_), .. }),
        "nft refused it and the line maps to a rule: {err}"
    );
    let text = err.to_string();
    assert!(
        text.contains(&format!("tests/nft_kernel.rs:{line}")) && text.contains("filter OUTPUT"),
        "names the rule and where it was written: {text}"
    );
    assert_eq!(ruleset(&ns), before, "nothing changed");
}

#[test]
#[ignore = "needs root, nftables and iptables (kernel test)"]
fn other_tables_and_iptables_nft_rules_stay_as_they_are() {
    require_root_and_iptables();
    let ns = Netns::new("nft_foreign").unwrap();
    ns.exec_ok(
        "nft",
        &["add table ip other; add chain ip other c { type filter hook input priority 5; }; add rule ip other c tcp dport 23 drop"],
    )
    .unwrap();
    ns.exec_ok(
        "nft",
        &["add table inet other6; add chain inet other6 c { type filter hook forward priority -5; policy accept; }; add rule inet other6 c meta l4proto udp counter"],
    )
    .unwrap();
    ns.exec_ok(
        "iptables-nft",
        &["-A", "INPUT", "-s", "192.0.2.9", "-j", "DROP"],
    )
    .unwrap();
    ns.exec_ok(
        "ip6tables-nft",
        &[
            "-t",
            "nat",
            "-A",
            "POSTROUTING",
            "-o",
            "lo",
            "-j",
            "MASQUERADE",
        ],
    )
    .unwrap();
    let before = foreign(&ns);
    assert!(before.contains("table ip filter") && before.contains("table inet other6"));
    // First apply creates our tables, the second replaces them.
    first().apply_nft(&opts(&ns)).unwrap();
    let second = firewall! { filter { INPUT policy ACCEPT { drop proto=udp dport=53; } } };
    second.apply_nft(&opts(&ns)).unwrap();
    assert_eq!(foreign(&ns), before, "foreign tables are untouched");
    let saved = ns.exec_ok("iptables-nft-save", &[] as &[&str]).unwrap();
    assert!(
        saved.contains("-A INPUT -s 192.0.2.9/32 -j DROP"),
        "{saved}"
    );
    // Our IPv6 table was left as the first apply made it: the second firewall has no IPv6.
    let all = ruleset(&ns);
    assert!(all.contains("table ip6 pyptables {"), "{all}");
    assert!(all.contains("udp dport 53 drop"), "{all}");
}

fn pair(name: &str) -> Topology {
    Topology::builder(name)
        .add_host("client")
        .add_host("server")
        .link("client", "server", "192.0.2.2/24", "192.0.2.1/24")
        .build()
        .unwrap()
}

#[test]
#[ignore = "needs root and nftables (kernel test)"]
fn an_accept_is_final_in_its_table_only_and_a_drop_anywhere_is_final() {
    require_root_and_iptables();
    let net = pair("nft_trap");
    let server = net.ns("server");
    let fw = firewall! { filter { INPUT policy DROP { accept proto=tcp dport=[22, 80]; } } };
    fw.apply_nft(&opts(server)).unwrap();
    assert_eq!(net.tcp("client", "server", 22), Accepted);
    // Another table on the same hook, after ours (priority 10 > 0), drops port 22: our accept
    // ended our base chain only, the packet still goes through theirs.
    server
        .exec_ok(
            "nft",
            &["add table ip other; add chain ip other c { type filter hook input priority 10; }; add rule ip other c tcp dport 22 drop"],
        )
        .unwrap();
    assert_eq!(net.tcp("client", "server", 22), TimedOut, "their drop wins");
    assert_eq!(net.tcp("client", "server", 80), Accepted);
    // Before ours (priority -10), an accept there does not get past our policy DROP either.
    server
        .exec_ok(
            "nft",
            &["delete table ip other; add table ip other; add chain ip other c { type filter hook input priority -10; }; add rule ip other c tcp dport 8080 accept"],
        )
        .unwrap();
    assert_eq!(
        net.tcp("client", "server", 8080),
        TimedOut,
        "their accept is not final: our policy drops it"
    );
    assert_eq!(net.tcp("client", "server", 22), Accepted);
}

/// Every iptables table's built-in chains load as base chains with the hook and the priority
/// iptables uses, which the kernel lists by name (raw −300, mangle −150, dstnat −100, filter 0,
/// security 50, srcnat 100).
#[test]
#[ignore = "needs root and nftables (kernel test)"]
fn built_in_chains_become_base_chains_with_the_iptables_priorities() {
    require_root_and_iptables();
    let ns = Netns::new("nft_prio").unwrap();
    let mut v4 = pyptables::Tables::new(pyptables::Family::V4);
    for t in ["raw", "mangle", "nat", "filter", "security"] {
        v4.add(pyptables::Table::with_builtin_chains(t).unwrap());
    }
    let fw = Firewall::from_tables(v4, pyptables::Tables::new(pyptables::Family::V6));
    fw.apply_nft(&NftOptions {
        table: "prio".into(),
        ..opts(&ns)
    })
    .unwrap();
    let listed = ns.exec_ok("nft", &["list", "table", "ip", "prio"]).unwrap();
    let expect = [
        (
            "raw.PREROUTING",
            "type filter hook prerouting priority raw;",
        ),
        ("raw.OUTPUT", "type filter hook output priority raw;"),
        (
            "mangle.PREROUTING",
            "type filter hook prerouting priority mangle;",
        ),
        ("mangle.OUTPUT", "type route hook output priority mangle;"),
        (
            "mangle.POSTROUTING",
            "type filter hook postrouting priority mangle;",
        ),
        (
            "nat.PREROUTING",
            "type nat hook prerouting priority dstnat;",
        ),
        ("nat.INPUT", "type nat hook input priority 100;"),
        ("nat.OUTPUT", "type nat hook output priority -100;"),
        (
            "nat.POSTROUTING",
            "type nat hook postrouting priority srcnat;",
        ),
        ("filter.INPUT", "type filter hook input priority filter;"),
        (
            "filter.FORWARD",
            "type filter hook forward priority filter;",
        ),
        (
            "security.OUTPUT",
            "type filter hook output priority security;",
        ),
    ];
    for (chain, decl) in expect {
        let at = listed
            .find(&format!("chain {chain} {{"))
            .unwrap_or_else(|| panic!("no {chain} in\n{listed}"));
        let line = listed[at..].lines().nth(1).unwrap().trim();
        assert!(line.starts_with(decl), "{chain}: {line}");
    }
}
