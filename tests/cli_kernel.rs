//! The per-host CLI (`pyptables::cli`) against the kernel, each test in its own network
//! namespace (`--netns`): apply, rollback, `--confirm`, `diff` and `check`.

use std::time::{Duration, Instant};

use pyptables::cli::run_with_args;
use pyptables::{Family, Firewall, Policy, Rule, Tables};
use pyptables_testkit::{require_root_and_iptables, Backend, Netns};

/// Runs the CLI on `fw` inside `ns` with `backend`; (exit status, stdout, stderr).
fn run(fw: &Firewall, ns: &Netns, backend: Backend, args: &[&str]) -> (u8, String, String) {
    let backend = match backend {
        Backend::Nft => "nft",
        Backend::Legacy => "legacy",
    };
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = ["web1-firewall", "--netns", ns.name(), "--backend", backend]
        .into_iter()
        .chain(args.iter().copied());
    let code = run_with_args(fw, argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// The rules of `family` exactly as the save program prints them, counters included, without
/// its `#` lines (they carry the time of the save).
fn saved(ns: &Netns, backend: Backend, family: Family) -> String {
    let family = match family {
        Family::V4 => pyptables_testkit::Family::V4,
        Family::V6 => pyptables_testkit::Family::V6,
    };
    let out = ns
        .exec_ok(backend.save_bin(family), &[] as &[&str])
        .unwrap();
    out.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The firewall under test: IPv4 SSH from one admin address, IPv6 loopback only.
fn desired() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(
        Rule::new()
            .source("192.0.2.1")
            .proto("tcp")
            .dport(22)
            .accept(),
    );
    let mut v6 = Tables::new(Family::V6);
    let input = &mut v6.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(Rule::new().in_interface("lo").accept());
    Firewall::from_tables(v4, v6)
}

/// What iptables-save prints for `desired()` (checked by hand against iptables 1.8.9: the
/// kernel adds `/32` and `-m tcp`).
const DESIRED_V4: &str = "*filter
:INPUT DROP
:FORWARD ACCEPT
:OUTPUT ACCEPT
-A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
";
const DESIRED_V6: &str = "*filter
:INPUT DROP
:FORWARD ACCEPT
:OUTPUT ACCEPT
-A INPUT -i lo -j ACCEPT
COMMIT
";

/// Rules that are running before the CLI is used.
fn load_old_rules(ns: &Netns, backend: Backend) {
    use pyptables_testkit::Family as F;
    ns.restore(
        backend,
        F::V4,
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:old-chain - [0:0]\n-A INPUT -s 203.0.113.7/32 -j old-chain\n-A old-chain -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n",
        &[],
    )
    .unwrap();
    ns.restore(
        backend,
        F::V6,
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::7/128 -j DROP\nCOMMIT\n",
        &[],
    )
    .unwrap();
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn apply_loads_exactly_the_desired_rules() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_apply").unwrap();
        load_old_rules(&ns, backend);
        let (code, out, err) = run(&desired(), &ns, backend, &["apply"]);
        assert_eq!(code, 0, "{backend}: {err}");
        assert_eq!(
            out, "applied IPv4: 1 rules\napplied IPv6: 1 rules\n",
            "{backend}"
        );
        assert_eq!(
            ns.save(backend, pyptables_testkit::Family::V4).unwrap(),
            DESIRED_V4,
            "{backend}"
        );
        assert_eq!(
            ns.save(backend, pyptables_testkit::Family::V6).unwrap(),
            DESIRED_V6,
            "{backend}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn diff_is_empty_after_apply_and_shows_a_rule_added_by_hand() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_diff").unwrap();
        load_old_rules(&ns, backend);
        let fw = desired();
        let (code, out, err) = run(&fw, &ns, backend, &["diff"]);
        assert_eq!(code, 1, "{backend}: before apply: {out}{err}");
        assert!(
            out.contains("+-A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT\n"),
            "{backend}: {out}"
        );
        assert!(
            out.contains("--- running IPv4\n+++ desired IPv4\n"),
            "{backend}: {out}"
        );

        assert_eq!(run(&fw, &ns, backend, &["apply"]).0, 0, "{backend}");
        assert_eq!(
            run(&fw, &ns, backend, &["diff"]),
            (0, String::new(), String::new()),
            "{backend}"
        );

        ns.iptables(
            backend,
            pyptables_testkit::Family::V4,
            &["-A", "INPUT", "-s", "198.51.100.9", "-j", "DROP"],
        )
        .unwrap();
        let (code, out, err) = run(&fw, &ns, backend, &["diff"]);
        assert_eq!(code, 1, "{backend}: {err}");
        assert_eq!(
            out,
            "--- running IPv4\n+++ desired IPv4\n@@ -3,5 +3,4 @@\n :FORWARD ACCEPT\n :OUTPUT ACCEPT\n -A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT\n--A INPUT -s 198.51.100.9/32 -j DROP\n COMMIT\n",
            "{backend}"
        );
    }
}

/// A raw rule the catalog lets through but the kernel has no module for.
fn kernel_rejects(fw: &mut Tables) -> u32 {
    let line = line!() + 1;
    let rule = Rule::raw("-p tcp -m nosuchmatch --nosuch 1 -j ACCEPT");
    fw.table_mut("filter").unwrap()["INPUT"].push(rule);
    line
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_rejected_ruleset_leaves_the_running_rules_untouched_and_names_the_source_line() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_rejected").unwrap();
        load_old_rules(&ns, backend);
        let before = (
            saved(&ns, backend, Family::V4),
            saved(&ns, backend, Family::V6),
        );
        let mut fw = desired();
        let line = kernel_rejects(fw.ipv4_mut());
        let (code, out, err) = run(&fw, &ns, backend, &["apply"]);
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert!(
            err.starts_with(&format!(
                "tests/cli_kernel.rs:{line}: filter INPUT rule 2 (IPv4): rejected by "
            )),
            "{backend}: {err}"
        );
        assert!(
            err.contains("the running IPv4 rules are unchanged"),
            "{backend}: {err}"
        );
        let after = (
            saved(&ns, backend, Family::V4),
            saved(&ns, backend, Family::V6),
        );
        assert_eq!(after, before, "{backend}");

        // check: the kernel's verdict from a scratch namespace, naming the same line.
        let (code, _, err) = run(&fw, &ns, backend, &["check"]);
        assert_eq!(code, 1, "{backend}: {err}");
        assert!(
            err.starts_with(&format!("tests/cli_kernel.rs:{line}: ")),
            "{backend}: {err}"
        );
        let (code, out, err) = run(&desired(), &ns, backend, &["check"]);
        assert_eq!(code, 0, "{backend}: {err}");
        assert!(
            out.contains("the kernel accepted them in a scratch network namespace"),
            "{out}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn ipv6_failure_after_ipv4_success_rolls_ipv4_back() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_v6_fails").unwrap();
        load_old_rules(&ns, backend);
        let before = (
            saved(&ns, backend, Family::V4),
            saved(&ns, backend, Family::V6),
        );
        let mut fw = desired();
        kernel_rejects(fw.ipv6_mut());
        let (code, out, err) = run(&fw, &ns, backend, &["apply"]);
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert_eq!(out, "applied IPv4: 1 rules\n", "{backend}");
        assert!(
            err.contains("rolled back: the previous IPv4 rules are back"),
            "{backend}: {err}"
        );
        let after = (
            saved(&ns, backend, Family::V4),
            saved(&ns, backend, Family::V6),
        );
        assert_eq!(after, before, "{backend}");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn confirm_timeout_brings_the_previous_rules_back_exactly() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_confirm_timeout").unwrap();
        load_old_rules(&ns, backend);
        let before = (
            saved(&ns, backend, Family::V4),
            saved(&ns, backend, Family::V6),
        );
        let start = Instant::now();
        let (code, out, err) = run(&desired(), &ns, backend, &["apply", "--confirm", "2"]);
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert!(start.elapsed() >= Duration::from_secs(2), "{backend}");
        assert!(
            err.contains("no confirmation within 2 s"),
            "{backend}: {err}"
        );
        let after = (
            saved(&ns, backend, Family::V4),
            saved(&ns, backend, Family::V6),
        );
        assert_eq!(after, before, "{backend}");
        // Too late now.
        assert_eq!(
            run(&desired(), &ns, backend, &["confirm"]).0,
            1,
            "{backend}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn confirmed_rules_stay() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_confirmed").unwrap();
        load_old_rules(&ns, backend);
        let (code, out, err) = std::thread::scope(|s| {
            let apply = s.spawn(|| run(&desired(), &ns, backend, &["apply", "--confirm", "10"]));
            // A second session confirms once the apply waits (before that, nothing is pending).
            let start = Instant::now();
            loop {
                let (code, out, err) = run(&desired(), &ns, backend, &["confirm"]);
                if code == 0 {
                    assert_eq!(out, "confirmed: the new rules stay\n");
                    break;
                }
                assert!(
                    err.contains("no `apply --confirm` is waiting"),
                    "{backend}: {err}"
                );
                assert!(
                    start.elapsed() < Duration::from_secs(8),
                    "{backend}: never pending"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            apply.join().unwrap()
        });
        assert_eq!(code, 0, "{backend}: {out}{err}");
        assert!(
            out.ends_with("confirmed: the new rules stay\n"),
            "{backend}: {out}"
        );
        assert_eq!(
            ns.save(backend, pyptables_testkit::Family::V4).unwrap(),
            DESIRED_V4,
            "{backend}"
        );
        assert_eq!(
            ns.save(backend, pyptables_testkit::Family::V6).unwrap(),
            DESIRED_V6,
            "{backend}"
        );
    }
}

/// Both families exactly as the save programs print them with `--counters`, without `#` lines.
fn saved_with_counters(ns: &Netns, backend: Backend) -> String {
    let mut text = String::new();
    for family in [pyptables_testkit::Family::V4, pyptables_testkit::Family::V6] {
        let out = ns
            .exec_ok(backend.save_bin(family), &["--counters"])
            .unwrap();
        for l in out.lines().filter(|l| !l.starts_with('#')) {
            text.push_str(l);
            text.push('\n');
        }
    }
    text
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn rollback_keeps_the_packet_and_byte_counters() {
    require_root_and_iptables();
    use pyptables_testkit::Family as F;
    for backend in Backend::ALL {
        let ns = Netns::new("cli_counters").unwrap();
        ns.restore(
            backend,
            F::V4,
            "*filter\n:INPUT ACCEPT [11:2200]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [7:700]\n[5:300] -A INPUT -s 203.0.113.7/32 -j DROP\n[3:180] -A INPUT -s 203.0.113.8/32 -j ACCEPT\nCOMMIT\n",
            &["--counters"],
        )
        .unwrap();
        ns.restore(
            backend,
            F::V6,
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n[9:900] -A INPUT -s 2001:db8::7/128 -j DROP\nCOMMIT\n",
            &["--counters"],
        )
        .unwrap();
        let before = saved_with_counters(&ns, backend);
        assert!(
            before.contains("[5:300] -A INPUT -s 203.0.113.7/32 -j DROP"),
            "{before}"
        );
        let (code, out, err) = run(&desired(), &ns, backend, &["apply", "--confirm", "1"]);
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert_eq!(saved_with_counters(&ns, backend), before, "{backend}");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn running_rules_that_cannot_be_restored_are_not_replaced() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_unrestorable").unwrap();
        load_old_rules(&ns, backend);
        // iptables-save prints the newline as it is, which iptables-restore refuses.
        ns.iptables(
            backend,
            pyptables_testkit::Family::V4,
            &[
                "-A",
                "INPUT",
                "-m",
                "comment",
                "--comment",
                "two\nlines",
                "-j",
                "ACCEPT",
            ],
        )
        .unwrap();
        let before = saved_with_counters(&ns, backend);
        let (code, out, err) = run(&desired(), &ns, backend, &["apply", "--confirm", "5"]);
        assert_eq!(code, 2, "{backend}: {out}{err}");
        assert!(
            err.contains("the running IPv4 rules could not be put back"),
            "{backend}: {err}"
        );
        assert!(err.contains("nothing was applied"), "{backend}: {err}");
        assert_eq!(out, "", "{backend}");
        assert_eq!(saved_with_counters(&ns, backend), before, "{backend}");
    }
}
