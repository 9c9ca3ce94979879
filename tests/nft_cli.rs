//! The per-host CLI on the nftables engine (`--engine nftables`): print writes the script
//! `nft -f` loads, check/apply/diff use our tables only, `apply --confirm` puts the saved
//! tables back without a confirmation.
//!
//! `cargo test --test nft_cli -- --include-ignored` (root, nftables for the kernel tests).

#[allow(unused_macros, unused_imports)]
mod behaviour_support;

use std::process::{Command, Output, Stdio};

use behaviour_support::per_host_binary;
use pyptables::cli::run_with_args;
use pyptables::firewall;
use pyptables_testkit::{require_root_and_iptables, Netns};

fn run(fw: &pyptables::Firewall, args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with_args(fw, args, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn print_writes_the_nft_script_of_both_families() {
    let fw = firewall! {
        filter { INPUT policy DROP { accept proto=tcp dport=22; } }
        ip6 { filter { INPUT policy DROP { accept proto=tcp dport=22; } } }
    };
    let (code, out, err) = run(
        &fw,
        &[
            "fw",
            "--engine",
            "nftables",
            "--nft-table",
            "web1",
            "print",
            "--plain",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("table ip web1 {}\ndelete table ip web1\ntable ip web1 {\n"),
        "{out}"
    );
    assert!(
        out.contains("table ip6 web1 {}\ndelete table ip6 web1\n"),
        "{out}"
    );
    assert!(!out.contains('#'), "plain has no comment lines: {out}");
    assert!(!out.contains("flush ruleset"));
    let (_, annotated, _) = run(&fw, &["fw", "--engine", "nftables"]);
    assert!(
        annotated.contains("# Rule: (tests/nft_cli.rs:"),
        "{annotated}"
    );
}

#[test]
fn print_and_check_refuse_what_nft_cannot_express() {
    let fw = firewall! {
        filter { INPUT { match=recent name=ssh rcheck hitcount=3; } }
    };
    for command in ["print", "check"] {
        let (code, out, err) = run(&fw, &["fw", "--engine", "nftables", command]);
        assert_eq!(code, 1, "{command}: {out}{err}");
        assert!(
            err.contains("tests/nft_cli.rs:") && err.contains("nftables cannot express -m recent"),
            "{command}: {err}"
        );
    }
    // The iptables engine (the default) takes it.
    assert_eq!(run(&fw, &["fw", "print", "--plain"]).0, 0);
}

fn binary(ns: &Netns, args: &[&str]) -> Output {
    Command::new(per_host_binary())
        .args(["--netns", ns.name(), "--engine", "nftables"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn listing(ns: &Netns) -> String {
    ns.exec_ok("nft", &["list", "ruleset"]).unwrap()
}

#[test]
#[ignore = "needs root and nftables (kernel test)"]
fn apply_diff_and_a_rollback_without_confirmation() {
    require_root_and_iptables();
    let ns = Netns::new("nft_cli").unwrap();
    let out = binary(&ns, &["check"]);
    assert!(out.status.success(), "{out:?}");

    let out = binary(&ns, &["diff"]);
    assert_eq!(out.status.code(), Some(1), "differs before apply: {out:?}");
    let out = binary(&ns, &["apply"]);
    assert!(out.status.success(), "{out:?}");
    let out = binary(&ns, &["diff"]);
    assert_eq!(out.status.code(), Some(0), "same after apply: {out:?}");

    // A change by hand, then apply --confirm without a confirmation: the hand-changed
    // table comes back, exactly.
    ns.exec_ok(
        "nft",
        &["add rule ip pyptables filter.INPUT tcp dport 9 drop"],
    )
    .unwrap();
    let before = listing(&ns);
    let out = binary(&ns, &["apply", "--confirm", "1"]);
    assert_eq!(out.status.code(), Some(1), "not confirmed: {out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("rolled back"));
    assert_eq!(listing(&ns), before);
}

/// `apply --confirm` without a confirmation puts the previous rules back but keeps the
/// blocklist as it is at that moment: an address the operator added while the new rules
/// waited for their confirmation stays listed.
#[test]
#[ignore = "needs root and nftables (kernel test)"]
fn a_rollback_keeps_what_was_added_to_a_set_meanwhile() {
    use pyptables::{Family, Match, Rule, Table, Tables};
    require_root_and_iptables();
    let ns = Netns::new("nft_cli_set").unwrap();
    let blocklisted = |port: u16| {
        let mut v4 = Tables::new(Family::V4);
        let mut filter = Table::with_builtin_chains("filter").unwrap();
        filter["INPUT"].push(
            Rule::new()
                .with_match(Match::new("set").opt("match-set", "blocklist src"))
                .drop(),
        );
        filter["INPUT"].push(Rule::new().proto("tcp").dport(port).accept());
        v4.add(filter);
        pyptables::Firewall::from_tables(v4, Tables::new(Family::V6))
    };
    let args = |extra: &[&'static str]| -> Vec<String> {
        let mut a: Vec<String> = ["fw", "--netns", ns.name(), "--engine", "nftables", "apply"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let first = args(&["--yes"]);
    let first: Vec<&str> = first.iter().map(String::as_str).collect();
    let (code, out, err) = run(&blocklisted(22), &first);
    assert_eq!(code, 0, "{out}{err}");
    ns.exec_ok("nft", &["add element ip pyptables blocklist { 192.0.2.7 }"])
        .unwrap();

    let name = ns.name().to_string();
    let meanwhile = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(500));
        let status = Command::new("ip")
            .args(["netns", "exec", &name, "nft"])
            .arg("add element ip pyptables blocklist { 198.51.100.9 }")
            .status()
            .unwrap();
        assert!(status.success());
    });
    let second = args(&["--confirm", "2"]);
    let second: Vec<&str> = second.iter().map(String::as_str).collect();
    let (code, out, err) = run(&blocklisted(80), &second);
    meanwhile.join().unwrap();
    assert_eq!(code, 1, "not confirmed: {out}{err}");
    assert!(err.contains("rolled back"), "{err}");
    let listed = ns
        .exec_ok("nft", &["list", "table", "ip", "pyptables"])
        .unwrap();
    assert!(
        listed.contains("tcp dport 22 accept") && !listed.contains("tcp dport 80 accept"),
        "the previous rules: {listed}"
    );
    assert!(
        listed.contains("elements = { 192.0.2.7, 198.51.100.9 }"),
        "both addresses: {listed}"
    );
}
