//! A line longer than `iptables-restore` reads is cut, and the rest runs as a new line: shown in
//! the kernel (both backends), and refused by validation, so `restore` (and the CLI's `check`,
//! `apply` and `diff`, which validate first) never sends it.
//!
//! Needs root and iptables: `cargo test --test kernel_limits -- --include-ignored`.

use pyptables::{default_tables, Backend, Policy, RestoreError, RestoreOptions, Rule, Tables};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

fn options(ns: &Netns, b: tk::Backend) -> RestoreOptions {
    RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: match b {
            tk::Backend::Nft => Backend::Nft,
            tk::Backend::Legacy => Backend::Legacy,
        },
        ..RestoreOptions::default()
    }
}

/// INPUT policy DROP, and in FORWARD a raw rule whose line (`-A FORWARD …`) puts
/// `-PINPUT ACCEPT` at byte 10,239, where iptables-restore cuts it. The raw-rule check reads
/// `x-PINPUT` as the value of `--comment` (and `ACCEPT` as a word it cannot place, which
/// iptables would refuse on one line).
fn cut_at_policy() -> Tables {
    let mut t = default_tables();
    t["filter"]["INPUT"].set_policy(Policy::Drop).unwrap();
    let head = "-j ACCEPT";
    let tail = "-m comment --comment x-PINPUT ACCEPT";
    let cut = 10_239 - "-A FORWARD ".len() - head.len() - "-m comment --comment x".len();
    t["filter"]["FORWARD"].push(Rule::raw(format!("{head}{}{tail}", " ".repeat(cut))));
    t
}

fn input_policy(ns: &Netns, b: tk::Backend) -> String {
    let save = ns.save_table(b, tk::Family::V4, "filter").unwrap();
    save.lines()
        .find(|l| l.starts_with(":INPUT "))
        .unwrap_or_else(|| panic!("no INPUT in {save}"))
        .to_string()
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_line_cut_by_iptables_restore_is_refused_before_it_reaches_the_kernel() {
    require_root_and_iptables();
    let tables = cut_at_policy();
    let line = tables
        .to_iptables_plain()
        .lines()
        .find(|l| l.starts_with("-A FORWARD"))
        .unwrap()
        .to_string();
    assert_eq!(
        &line[10_239..10_241],
        "-P",
        "the policy starts where the line is cut"
    );
    for b in tk::Backend::ALL {
        // What the text does when it reaches iptables-restore: INPUT, meant to be DROP, is
        // ACCEPT.
        let ns = Netns::new("limits_cut").unwrap();
        let unchecked = RestoreOptions {
            skip_validation: true,
            ..options(&ns, b)
        };
        tables
            .restore(&unchecked)
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(input_policy(&ns, b), ":INPUT ACCEPT", "{b}");

        // Validated, it never gets there: the error names the rule, and the running rules stay.
        let ns = Netns::new("limits_refused").unwrap();
        let mut before = default_tables();
        before["filter"]["INPUT"].set_policy(Policy::Drop).unwrap();
        before.restore(&options(&ns, b)).unwrap();
        match tables.restore(&options(&ns, b)) {
            Err(RestoreError::Invalid(errors)) => {
                assert_eq!(errors.len(), 1, "{b}: {errors}");
                let e = &errors.0[0];
                assert_eq!(
                    (e.chain.as_deref(), e.rule),
                    (Some("FORWARD"), Some(0)),
                    "{b}"
                );
                assert!(e.to_string().contains("a line of 10253 bytes"), "{b}: {e}");
            }
            other => panic!("{b}: expected a validation error, got {other:?}"),
        }
        assert_eq!(input_policy(&ns, b), ":INPUT DROP", "{b}");
        assert!(tables.validate().is_err());
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_limits_are_the_kernels_for_both_backends_and_families() {
    use pyptables::catalog::limits::{MAX_LINE_BYTES, MAX_RULE_WORDS, MAX_WORD_BYTES};
    require_root_and_iptables();
    // Each limit and one more, with a rule line built to that size.
    let spaces = |len: usize| {
        let head = "-A FORWARD -j ACCEPT";
        format!("{head}{}", " ".repeat(len - head.len()))
    };
    let words = |n: usize| {
        let mut w = vec!["-A", "FORWARD"];
        w.resize(n - 2, "-v");
        w.extend(["-j", "ACCEPT"]);
        w.join(" ")
    };
    let word = |n: usize| {
        format!(
            "-A FORWARD -m comment --comment {} -j ACCEPT",
            "x".repeat(n)
        )
    };
    let cases = [
        (spaces(MAX_LINE_BYTES), true),
        (spaces(MAX_LINE_BYTES + 2), false),
        (words(MAX_RULE_WORDS), true),
        (words(MAX_RULE_WORDS + 1), false),
        (word(MAX_WORD_BYTES), true),
        (word(MAX_WORD_BYTES + 1), false),
    ];
    for b in tk::Backend::ALL {
        for family in tk::Family::ALL {
            let ns = Netns::new("limits_kernel").unwrap();
            for (line, loads) in &cases {
                let text = format!("*filter\n:FORWARD ACCEPT [0:0]\n{line}\nCOMMIT\n");
                let result = ns.restore(b, family, &text, &[]);
                assert_eq!(
                    result.is_ok(),
                    *loads,
                    "{b} {family} {}: {result:?}",
                    line.len()
                );
            }
        }
    }
}

#[test]
fn the_cli_check_refuses_the_cut_line_naming_the_rule() {
    // `check`, `apply` and `diff` all validate first; `check` is the one that cannot touch the
    // host's rules whatever happens.
    let fw = pyptables::Firewall::from_tables(cut_at_policy(), Tables::new(pyptables::Family::V6));
    for args in [&["check", "--no-netns"][..], &["check"][..]] {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let argv = std::iter::once("fw").chain(args.iter().copied());
        let code = pyptables::cli::run_with_args(&fw, argv, &mut out, &mut err);
        let err = String::from_utf8(err).unwrap();
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(
            err.contains(
                "IPv4 filter FORWARD rule 1: this rule is written as a line of 10253 bytes"
            ),
            "{args:?}: {err}"
        );
    }
}
