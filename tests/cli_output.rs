//! Output of the per-host CLI (`pyptables::cli`) that needs neither root nor iptables:
//! `print` in its forms, `--help`, usage errors and `check` without the kernel.

use pyptables::cli::run_with_args;
use pyptables::{Family, Firewall, Policy, Rule, Tables, Target};

/// IPv4: SSH in, everything else dropped; IPv6: loopback in.
fn firewall() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(Rule::new().proto("tcp").dport(22).accept());
    let mut v6 = Tables::new(Family::V6);
    v6.table_or_default("filter").unwrap()["INPUT"].push(Rule::new().in_interface("lo").accept());
    Firewall::from_tables(v4, v6)
}

const V4_PLAIN: &str = "\
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
COMMIT
";

const V6_PLAIN: &str = "\
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -i lo -j ACCEPT
COMMIT
";

/// Runs the CLI on `fw` with `args`; (exit status, stdout, stderr).
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
fn plain_print_of_one_family_is_exactly_the_restore_input() {
    let fw = firewall();
    assert_eq!(
        run(&fw, &["--plain", "--family", "4"]),
        (0, V4_PLAIN.to_string(), String::new())
    );
    assert_eq!(
        run(&fw, &["print", "--plain", "--family", "6"]),
        (0, V6_PLAIN.to_string(), String::new())
    );
}

#[test]
fn plain_print_of_both_families_labels_each() {
    let (code, out, _) = run(&firewall(), &["print", "--plain"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        format!(
            "# IPv4: input for iptables-restore\n{V4_PLAIN}\n# IPv6: input for ip6tables-restore\n{V6_PLAIN}"
        )
    );
}

#[test]
fn a_family_without_tables_is_left_out() {
    let fw = Firewall::from_tables(firewall().ipv4().clone(), Tables::new(Family::V6));
    assert_eq!(run(&fw, &["--plain"]).1, V4_PLAIN);
}

#[test]
fn line_numbers_match_the_lines_iptables_restore_counts() {
    let (code, out, _) = run(&firewall(), &["--plain", "--line-numbers", "--family", "4"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "1: *filter\n2: :INPUT DROP [0:0]\n3: :FORWARD ACCEPT [0:0]\n4: :OUTPUT ACCEPT [0:0]\n\
         5: -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n6: COMMIT\n"
    );
}

#[test]
fn the_annotated_print_names_the_source_line_of_each_rule() {
    let mut v4 = Tables::new(Family::V4);
    let line = line!() + 1;
    let rule = Rule::new().proto("udp").dport(53).accept();
    v4.table_or_default("filter").unwrap()["INPUT"].push(rule);
    let fw = Firewall::from_tables(v4, Tables::new(Family::V6));
    let (code, out, _) = run(&fw, &[]);
    assert_eq!(code, 0);
    let at = format!("tests/cli_output.rs:{line}");
    let comment = out
        .lines()
        .position(|l| l.starts_with('#') && l.contains(&at))
        .unwrap_or_else(|| panic!("no comment naming {at} in:\n{out}"));
    assert_eq!(
        out.lines().nth(comment + 1),
        Some("-A INPUT -p udp -m udp --dport 53 -j ACCEPT")
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let fw = firewall();
    let (_, always, _) = run(&fw, &["--plain", "--family", "4", "--color", "always"]);
    assert!(
        always.contains("\x1b[36m:INPUT DROP [0:0]\x1b[0m\n"),
        "{always:?}"
    );
    assert!(
        always.contains(
            "-A \x1b[34mINPUT\x1b[0m -p tcp -m tcp --dport 22 -j \x1b[32mACCEPT\x1b[0m\n"
        ),
        "{always:?}"
    );
    assert!(always.starts_with("\x1b[1m*filter\x1b[0m\n"), "{always:?}");
    // Output to a pipe or buffer is not a terminal: `auto` (the default) does not colour.
    for args in [
        &["--plain", "--color", "never"][..],
        &["--plain"][..],
        &[][..],
    ] {
        let (code, out, _) = run(&fw, args);
        assert_eq!(code, 0);
        assert!(!out.contains('\x1b'), "{args:?}: {out:?}");
    }
}

#[test]
fn colour_and_line_numbers_together_number_the_coloured_lines() {
    let (_, out, _) = run(
        &firewall(),
        &[
            "--plain",
            "--family",
            "6",
            "--color=always",
            "--line-numbers",
        ],
    );
    assert!(out.starts_with("1: \x1b[1m*filter\x1b[0m\n"), "{out:?}");
    assert!(out.ends_with("6: \x1b[1mCOMMIT\x1b[0m\n"), "{out:?}");
}

#[test]
fn help_documents_the_commands_and_exit_codes() {
    let (code, out, err) = run(&firewall(), &["--help"]);
    assert_eq!(code, 0);
    assert!(err.is_empty());
    for word in [
        "print",
        "check",
        "apply",
        "confirm",
        "diff",
        "--confirm",
        "--netns",
        "--backend",
    ] {
        assert!(out.contains(word), "--help lacks {word}:\n{out}");
    }
    assert!(out.contains("Exit status:"), "{out}");
    assert!(out.contains("3  a rollback failed"), "{out}");
    let (code, out, _) = run(&firewall(), &["apply", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--confirm <SECONDS>"), "{out}");
    let (code, out, _) = run(&firewall(), &["diff", "--help"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("--family <FAMILY>") && out.contains("--color <WHEN>"),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_2() {
    let fw = firewall();
    for args in [
        &["frobnicate"][..],
        &["--family", "5"][..],
        &["--color", "sometimes"][..],
        &["--backend", "ebpf"][..],
        &["apply", "--confirm", "soon"][..],
        &["diff", "--color", "sometimes"][..],
        &["diff", "--family", "5"][..],
    ] {
        let (code, out, err) = run(&fw, args);
        assert_eq!(code, 2, "{args:?}");
        assert!(out.is_empty(), "{args:?}");
        assert!(err.contains("error:"), "{args:?}: {err}");
    }
}

#[test]
fn check_without_the_kernel_says_the_kernel_was_not_asked() {
    let (code, out, _) = run(&firewall(), &["check", "--no-netns"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("ok: IPv4: 1 rules in filter; IPv6: 1 rules in filter "),
        "{out}"
    );
    assert!(out.contains("the kernel was not asked"), "{out}");
}

#[test]
fn check_reports_each_problem_on_its_own_line_naming_the_source_line() {
    let mut v4 = Tables::new(Family::V4);
    let filter = v4.table_or_default("filter").unwrap();
    let first = line!() + 1;
    filter["INPUT"].push(Rule::new().target(Target::new("MASQUERADE")));
    let second = line!() + 1;
    filter["FORWARD"].push(Rule::new().jump("NO_SUCH_CHAIN"));
    let fw = Firewall::from_tables(v4, Tables::new(Family::V6));
    for args in [&["check"][..], &["check", "--no-netns"][..], &["apply"][..]] {
        let (code, out, err) = run(&fw, args);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(out.is_empty(), "{args:?}: {out}");
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 3, "{args:?}: {err}");
        // Validation reports in chain order (FORWARD before INPUT), not in source order.
        let masquerade = format!("tests/cli_output.rs:{first}: IPv4 filter INPUT rule 1: ");
        let undefined = format!("tests/cli_output.rs:{second}: IPv4 filter FORWARD rule 1: ");
        assert!(
            lines[..2]
                .iter()
                .any(|l| l.starts_with(&masquerade) && l.contains("MASQUERADE")),
            "{err}"
        );
        assert!(
            lines[..2]
                .iter()
                .any(|l| l.starts_with(&undefined) && l.contains("NO_SUCH_CHAIN")),
            "{err}"
        );
        assert_eq!(
            lines[2],
            "2 problems found; the kernel was not asked and no rules were changed"
        );
    }
}

#[test]
fn confirm_without_a_waiting_apply_fails() {
    let (code, _, err) = run(
        &firewall(),
        &["--netns", "cli-output-no-such-ns", "confirm"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("no `apply --confirm` is waiting"), "{err}");
}

#[test]
fn check_and_diff_refuse_a_network_namespace_that_does_not_exist() {
    for args in [&["check"][..], &["check", "--no-netns"][..], &["diff"][..]] {
        let argv: Vec<&str> = ["--netns", "cli-output-no-such-ns"]
            .iter()
            .chain(args)
            .copied()
            .collect();
        assert_eq!(
            run(&firewall(), &argv),
            (
                2,
                String::new(),
                "error: the network namespace `cli-output-no-such-ns` does not exist \
                 (`ip netns list` names those there are)\n"
                    .to_string()
            ),
            "{args:?}"
        );
    }
}
