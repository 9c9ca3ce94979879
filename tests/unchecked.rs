//! The escape hatch for extensions the catalog does not know: `Rule::raw_unchecked` and
//! `raw unchecked "…"`. The text is still read as iptables-restore reads it, jumps to chains
//! are still checked, `check` and `print` name every unchecked rule, and the kernel loads it.

use pyptables::cli::run_with_args;
use pyptables::{default_tables, firewall, Chain, Family, Firewall, Problem, Rule, Tables};
use pyptables_testkit::{require_root_and_iptables, Backend, Netns};

/// A target the catalog does not know (nor does iptables: its name is made up, so the kernel
/// refuses it).
const UNKNOWN_TARGET: &str = "-p tcp --syn -j FROBNICATE --frob 1";

/// An option the catalog leaves out on purpose (it "has never worked", iptables warns, and
/// is ignored), which both backends load.
const NFLOG_RANGE: &str = "-p udp -j NFLOG --nflog-group 5 --nflog-range 64";

#[test]
fn an_unchecked_rule_may_use_a_target_the_catalog_does_not_know() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(UNKNOWN_TARGET));
    let errors = t
        .validate()
        .expect_err("a checked raw rule jumping to FROBNICATE");
    assert!(
        matches!(&errors.0[0].problem, Problem::UndefinedChain { .. }),
        "{errors}"
    );

    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw_unchecked(UNKNOWN_TARGET));
    t.validate().unwrap();
    assert!(t["filter"]["INPUT"].iter().next().unwrap().is_unchecked());

    // An option the catalog does not know, of a target it does.
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw_unchecked(NFLOG_RANGE));
    t.validate().unwrap();
}

#[test]
fn unchecked_text_still_cannot_break_the_file_or_jump_to_a_missing_chain() {
    for text in [
        "-j ACCEPT\n-A INPUT -j DROP",
        "-p tcp -A INPUT -j ACCEPT",
        "--app INPUT",
        "-t nat -j FROBNICATE",
        "-m comment --comment \"unclosed -j FROBNICATE",
        "-j no_such_chain",
        "-g NOSUCH",
    ] {
        let mut t = default_tables();
        let line = line!() + 1;
        t["filter"]["INPUT"].push(Rule::raw_unchecked(text));
        let errors = t.validate().expect_err(text);
        assert_eq!(errors.len(), 1, "{text}: {errors}");
        let e = &errors.0[0];
        assert_eq!(e.origin.line, line, "{text}: {e}");
        assert!(
            matches!(
                &e.problem,
                Problem::BadRawRule { .. } | Problem::UndefinedChain { .. }
            ),
            "{text}: {e}"
        );
    }
    // The restore line limits still apply.
    let mut t = default_tables();
    let long = format!(
        "-j FROBNICATE -m comment --comment \"{}\"",
        "x".repeat(9000)
    );
    t["filter"]["INPUT"].push(Rule::raw_unchecked(long));
    let errors = t
        .validate()
        .expect_err("a line longer than iptables-restore reads");
    assert!(errors.to_string().contains("bytes"), "{errors}");
    // A jump to a defined chain is a jump (the chain is reached, not reported as unused).
    let mut t = default_tables();
    t["filter"].add_chain(Chain::user("SYN_GUARD"));
    t["filter"]["INPUT"].push(Rule::raw_unchecked("-p tcp -j SYN_GUARD"));
    t.validate().unwrap();
}

#[test]
fn the_macro_writes_unchecked_rules_too() {
    let fw = firewall! {
        filter {
            INPUT {
                raw unchecked "-p udp -j NFLOG --nflog-group 5 --nflog-range 64";
                raw "-j ACCEPT";
            }
        }
    };
    let rules: Vec<&Rule> = fw.ipv4()["filter"]["INPUT"].iter().collect();
    assert!(rules[0].is_unchecked());
    assert!(!rules[1].is_unchecked());
    fw.validate().unwrap();
}

#[test]
fn the_nftables_engine_refuses_an_unchecked_rule() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw_unchecked(NFLOG_RANGE));
    let errors = t
        .validate_nft()
        .expect_err("nft cannot translate --nflog-range");
    assert!(
        matches!(&errors.0[0].problem, Problem::NoNftForm { what, .. } if what.contains("unchecked")),
        "{errors}"
    );
}

/// A firewall with one unchecked rule in filter INPUT: (the firewall, the rule's line).
fn unchecked_firewall(text: &'static str) -> (Firewall, u32) {
    let mut v4 = Tables::new(Family::V4);
    let line = line!() + 2;
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.push(Rule::raw_unchecked(text));
    input.push(Rule::raw("-m conntrack --ctstate INVALID -j DROP"));
    (Firewall::from_tables(v4, Tables::new(Family::V6)), line)
}

fn run(fw: &Firewall, ns: &Netns, backend: Backend, args: &[&str]) -> (u8, String, String) {
    let backend = match backend {
        Backend::Nft => "nft",
        Backend::Legacy => "legacy",
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let argv = ["host", "--netns", ns.name(), "--backend", backend]
        .into_iter()
        .chain(args.iter().copied());
    let code = run_with_args(fw, argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn print_names_every_unchecked_rule_with_its_line() {
    let (fw, line) = unchecked_firewall(UNKNOWN_TARGET);
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run_with_args(&fw, ["host", "print", "--family", "4"], &mut out, &mut err);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        format!(
            "note: tests/unchecked.rs:{line}: unchecked rule (the catalog does not know \
             `-j FROBNICATE`, `--frob`) in IPv4 filter INPUT: only the kernel checks it\n"
        )
    );
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("-j FROBNICATE --frob 1"));
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn an_unknown_option_loads_unchecked_and_check_reports_it() {
    require_root_and_iptables();
    let (fw, line) = unchecked_firewall(NFLOG_RANGE);
    for backend in Backend::ALL {
        let ns = Netns::new("unchecked").unwrap();
        let (code, _, err) = run(&fw, &ns, backend, &["check"]);
        assert_eq!(code, 0, "{backend}: {err}");
        assert!(
            err.contains(&format!(
                "note: tests/unchecked.rs:{line}: unchecked rule (the catalog does not know \
                 `--nflog-range`)"
            )),
            "{backend}: {err}"
        );
        let (code, _, err) = run(&fw, &ns, backend, &["apply"]);
        assert_eq!(code, 0, "{backend}: {err}");
        let saved = ns.save(backend, pyptables_testkit::Family::V4).unwrap();
        // iptables-nft-save leaves the ignored `--nflog-range` out; legacy prints it.
        for expected in [
            "-A INPUT -p udp -j NFLOG --nflog-group 5",
            "-A INPUT -m conntrack --ctstate INVALID -j DROP",
        ] {
            assert!(saved.contains(expected), "{backend}: {expected}\n{saved}");
        }
    }
}

/// With the catalog's checks skipped, the kernel's verdict is the check: `check` refuses
/// what iptables cannot load, and says where.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn check_refuses_an_unchecked_rule_the_kernel_refuses() {
    require_root_and_iptables();
    let (fw, _) = unchecked_firewall(UNKNOWN_TARGET);
    for backend in Backend::ALL {
        let ns = Netns::new("unchecked").unwrap();
        let (code, _, err) = run(&fw, &ns, backend, &["check"]);
        assert_ne!(code, 0, "{backend}: {err}");
        assert!(err.contains("FROBNICATE"), "{backend}: {err}");
    }
}

#[test]
fn explain_and_lint_treat_an_unchecked_rule_as_unknown() {
    use pyptables::explain::{explain, Packet, Path, Verdict};
    let packet = Packet::tcp(
        "192.0.2.2".parse().unwrap(),
        "192.0.2.1".parse().unwrap(),
        40000,
        22,
    )
    .in_interface("eth0");
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw_unchecked(UNKNOWN_TARGET));
    assert_eq!(explain(&t, &packet, Path::Input).verdict, Verdict::Unknown);

    // A catch-all DROP shadows what follows; the same in unchecked text is not read.
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::new().drop());
    t["filter"]["INPUT"].push(Rule::new().accept());
    assert!(!t.lint().is_empty());
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw_unchecked("-j DROP"));
    t["filter"]["INPUT"].push(Rule::new().accept());
    assert!(t.lint().is_empty(), "{:?}", t.lint());
}
