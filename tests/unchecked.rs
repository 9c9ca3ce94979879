//! The escape hatch for extensions the catalog does not know: `Rule::raw_unchecked` and
//! `raw unchecked "…"`. The text is still read as iptables-restore reads it, jumps to chains
//! are still checked, `check` and `print` name every unchecked rule, and the kernel loads it.

use pyptables::cli::run_with_args;
use pyptables::{default_tables, firewall, Chain, Family, Firewall, Problem, Rule, Tables};
use pyptables_testkit::{require_root_and_iptables, Backend, Netns};

/// SYNPROXY, which the catalog does not know, as iptables-extensions(8) sets it up.
const SYNPROXY: &str = "-p tcp --syn -m conntrack --ctstate UNTRACKED,INVALID -j SYNPROXY \
                        --sack-perm --timestamp --wscale 7 --mss 1460";

#[test]
fn an_unchecked_rule_may_use_a_target_the_catalog_does_not_know() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(SYNPROXY));
    let errors = t
        .validate()
        .expect_err("a checked raw rule jumping to SYNPROXY");
    assert!(
        matches!(&errors.0[0].problem, Problem::UndefinedChain { .. }),
        "{errors}"
    );

    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw_unchecked(SYNPROXY));
    t.validate().unwrap();
    assert!(t["filter"]["INPUT"].iter().next().unwrap().is_unchecked());
}

#[test]
fn unchecked_text_still_cannot_break_the_file_or_jump_to_a_missing_chain() {
    for text in [
        "-j ACCEPT\n-A INPUT -j DROP",
        "-p tcp -A INPUT -j ACCEPT",
        "--app INPUT",
        "-t nat -j SYNPROXY",
        "-m comment --comment \"unclosed -j SYNPROXY",
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
    let long = format!("-j SYNPROXY -m comment --comment \"{}\"", "x".repeat(9000));
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
                raw unchecked "-p tcp -m conntrack --ctstate UNTRACKED,INVALID -j SYNPROXY --mss 1460";
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
    t["filter"]["INPUT"].push(Rule::raw_unchecked(SYNPROXY));
    let errors = t.validate_nft().expect_err("nft cannot translate SYNPROXY");
    assert!(
        matches!(&errors.0[0].problem, Problem::NoNftForm { what, .. } if what.contains("unchecked")),
        "{errors}"
    );
}

/// The SYNPROXY setup: untracked SYNs in the raw table, SYNPROXY for them and INVALID
/// packets in filter INPUT; (the firewall, the line of the unchecked rule).
fn synproxy_firewall() -> (Firewall, u32) {
    let mut v4 = Tables::new(Family::V4);
    v4.table_or_default("raw").unwrap()["PREROUTING"]
        .push(Rule::raw("-p tcp -m tcp --syn -j CT --notrack"));
    let line = line!() + 2;
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.push(Rule::raw_unchecked(SYNPROXY));
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
    let (fw, line) = synproxy_firewall();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run_with_args(&fw, ["host", "print", "--family", "4"], &mut out, &mut err);
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        err,
        format!(
            "note: tests/unchecked.rs:{line}: unchecked rule (the catalog does not know \
             `-j SYNPROXY`, `--sack-perm`, `--timestamp`, `--wscale`, `--mss`) in IPv4 filter \
             INPUT: only the kernel checks it\n"
        )
    );
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("-j SYNPROXY --sack-perm"));
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn synproxy_loads_unchecked_and_check_reports_it() {
    require_root_and_iptables();
    let (fw, line) = synproxy_firewall();
    for backend in Backend::ALL {
        let ns = Netns::new("unchecked").unwrap();
        let (code, _, err) = run(&fw, &ns, backend, &["check"]);
        assert_eq!(code, 0, "{backend}: {err}");
        assert!(
            err.contains(&format!(
                "note: tests/unchecked.rs:{line}: unchecked rule (the catalog does not know `-j SYNPROXY`"
            )),
            "{backend}: {err}"
        );
        let (code, _, err) = run(&fw, &ns, backend, &["apply"]);
        assert_eq!(code, 0, "{backend}: {err}");
        let saved = ns.save(backend, pyptables_testkit::Family::V4).unwrap();
        // As iptables-save 1.8.9 prints them (`--syn` is written out as its flags).
        for expected in [
            "-A PREROUTING -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j CT --notrack",
            "-A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460",
            "-A INPUT -m conntrack --ctstate INVALID -j DROP",
        ] {
            assert!(saved.contains(expected), "{backend}: {expected}\n{saved}");
        }
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
    t["filter"]["INPUT"].push(Rule::raw_unchecked(SYNPROXY));
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
