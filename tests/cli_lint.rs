//! The lint step of the per-host CLI's `check`: warnings, `--deny-warnings`, `--json`.
//! Uses `check --no-netns` (no scratch namespace; `iptables-restore --test` where present).

use pyptables::cli::run_with_args;
use pyptables::{Family, Firewall, Policy, Rule, Tables};

/// IPv4: rule 2 (DROP tcp 22 from 10.1/16) is shadowed by rule 1 (ACCEPT tcp 1:1024 from
/// 10/8); IPv6: nothing (ICMPv6 accepted, SSH only from fd00::/8, so a client elsewhere is
/// dropped by both families).
fn shadowing() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(
        Rule::new()
            .proto("tcp")
            .dport("1:1024")
            .source("10.0.0.0/8")
            .accept(),
    );
    input.push(
        Rule::new()
            .proto("tcp")
            .dport(22)
            .source("10.1.0.0/16")
            .drop(),
    );
    let mut v6 = Tables::new(Family::V6);
    let input = &mut v6.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(Rule::new().in_interface("lo").accept());
    input.push(Rule::new().proto("ipv6-icmp").accept());
    input.push(
        Rule::new()
            .proto("tcp")
            .dport("1:1024")
            .source("fd00::/8")
            .accept(),
    );
    Firewall::from_tables(v4, v6)
}

fn clean() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    v4.table_or_default("filter").unwrap()["INPUT"]
        .push(Rule::new().proto("tcp").dport(22).accept());
    Firewall::from_tables(v4, Tables::new(Family::V6))
}

fn run(fw: &Firewall, args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("web1-firewall").chain(args.iter().copied());
    let code = run_with_args(fw, argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn findings_are_warnings_and_do_not_change_the_exit_status() {
    let (code, _, err) = run(&shadowing(), &["check", "--no-netns"]);
    assert_eq!(code, 0, "{err}");
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    let w = warnings[0];
    assert!(
        w.starts_with("warning: shadowed: ipv4 filter/INPUT rule 2 (tests/cli_lint.rs:"),
        "{w}"
    );
    assert!(
        w.contains("rule 1 (tests/cli_lint.rs:") && w.contains("ACCEPT instead of DROP"),
        "{w}"
    );
    assert!(
        w.contains("e.g. tcp 10.1.0.1:40000 -> 198.51.100.1:22"),
        "{w}"
    );
}

#[test]
fn deny_warnings_fails_on_findings_only() {
    let (code, _, err) = run(&shadowing(), &["check", "--no-netns", "--deny-warnings"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("error: 1 lint finding(s) and --deny-warnings"),
        "{err}"
    );
    let (code, _, err) = run(&clean(), &["check", "--no-netns", "--deny-warnings"]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn json_is_the_only_thing_on_standard_output() {
    let (code, out, _) = run(&shadowing(), &["check", "--no-netns", "--json"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("{\"findings\": [{\"kind\": \"shadowed\", \"family\": \"ipv4\", \"table\": \"filter\", \"chain\": \"INPUT\", \"position\": 2, \"origin\": \"tests/cli_lint.rs:"), "{out}");
    assert!(out.contains("\"by\": [1]"), "{out}");
    assert!(out.contains("\"witness\": {\"family\": \"ipv4\", \"protocol\": 6, \"src\": \"10.1.0.1\", \"dst\": \"198.51.100.1\", \"sport\": 40000, \"dport\": 22,"), "{out}");
    assert!(out.ends_with("}]}\n"), "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    let (_, out, _) = run(&clean(), &["check", "--no-netns", "--json"]);
    assert_eq!(out, "{\"findings\": []}\n");
}
