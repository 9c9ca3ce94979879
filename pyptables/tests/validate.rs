//! Validation: each mistake is its own error naming the line that wrote it, and every mistake
//! of a ruleset is reported at once.

use pyptables::value::not;
use pyptables::{
    default_tables, default_tables_v6, Chain, Family, Firewall, Policy, Problem, Rule, Table,
    Tables, Target, ValidationError,
};

/// The single error of `tables`, checked to name `line` of this file.
#[track_caller]
fn only_error(tables: &Tables, line: u32) -> ValidationError {
    let errors = match tables.validate() {
        Ok(()) => panic!("expected an error at line {line}, the tables are valid"),
        Err(e) => e,
    };
    assert_eq!(errors.len(), 1, "expected one error, got:\n{errors}");
    let error = errors.0[0].clone();
    assert_eq!(
        (error.origin.file, error.origin.line),
        (file!(), line),
        "{error}"
    );
    let shown = error.to_string();
    assert!(
        shown.starts_with(&format!("{}:{line}: ", file!())),
        "the message starts with the place: {shown}"
    );
    error
}

#[test]
fn jump_to_an_undefined_chain() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().proto("tcp").jump("nosuch"));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::UndefinedChain { chain, verb: "jump", .. } if chain == "nosuch"),
        "{e}"
    );
    assert_eq!((e.chain.as_deref(), e.rule), (Some("INPUT"), Some(0)));
    assert!(
        e.to_string().contains("jump to undefined chain `nosuch`"),
        "{e}"
    );

    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["FORWARD"].push(Rule::new().goto("elsewhere"));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::UndefinedChain { verb: "goto", .. }),
        "{e}"
    );
}

#[test]
fn a_misspelt_target_is_not_taken_for_a_chain() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().jump("ACCEPTT"));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::UnknownTarget { suggestion: Some(s), .. } if s == "ACCEPT"),
        "{e}"
    );
}

#[test]
fn masquerade_in_the_filter_table() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["FORWARD"].push(Rule::new().out_interface("eth0").masquerade());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::NotAllowedHere { what, table, .. } if what == "target MASQUERADE" && table == "filter"),
        "{e}"
    );
    assert_eq!(e.option.as_deref(), Some("MASQUERADE"));
    assert!(
        e.to_string().contains("nat"),
        "says where it is allowed: {e}"
    );
}

#[test]
fn owner_match_in_input() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().opt("uid-owner", 1000u32).accept());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::NotAllowedHere { what, chain, .. } if what == "match owner" && chain == "INPUT"),
        "{e}"
    );
    assert!(e.to_string().contains("OUTPUT, POSTROUTING"), "{e}");
    // The same rule in OUTPUT is fine.
    let mut t = default_tables();
    t["filter"]["OUTPUT"].push(Rule::new().opt("uid-owner", 1000u32).accept());
    t.validate().unwrap();
}

#[test]
fn dport_without_a_protocol() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().dport(22).accept());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::NeedsProtocol { what, have: None, .. } if what == "dport"),
        "{e}"
    );
    assert_eq!(e.option.as_deref(), Some("dport"));
    assert!(e.to_string().contains("add proto=tcp"), "{e}");

    // With the wrong protocol the message names it.
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().proto("icmp").dport(22).accept());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::NeedsProtocol { have: Some(p), .. } if p == "icmp"),
        "{e}"
    );
}

#[test]
fn comment_with_a_newline() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().comment("one\n-A INPUT -j DROP").accept());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::BadValue { key, .. } if key == "comment"),
        "{e}"
    );
    let shown = e.to_string();
    assert!(shown.contains("newline"), "{shown}");
    assert!(
        !shown.contains('\n'),
        "the message itself stays on one line: {shown:?}"
    );
}

#[test]
fn port_70000() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(70000u32).accept());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::BadValue { key, value, .. } if key == "dport" && value == "70000"),
        "{e}"
    );
    for bad in ["65536", "0:70000", "2000:1000", "http-ish", "-1"] {
        let mut t = default_tables();
        t["filter"]["INPUT"].push(Rule::new().proto("udp").dport(bad).accept());
        assert!(t.validate().is_err(), "{bad} should be refused");
    }
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::new().proto("udp").dport("0:65535").accept());
    t.validate().unwrap();
}

#[test]
fn a_loop_between_two_user_chains() {
    let mut t = default_tables();
    let filter = &mut t["filter"];
    filter.add_chain(Chain::user("ping"));
    filter.add_chain(Chain::user("pong"));
    filter["INPUT"].push(Rule::new().jump("ping"));
    filter["ping"].push(Rule::new().proto("tcp").jump("pong"));
    let line = line!() + 1;
    filter["pong"].push(Rule::new().jump("ping"));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::Loop { path } if path == "ping -> pong -> ping"),
        "{e}"
    );
    assert_eq!((e.chain.as_deref(), e.rule), (Some("pong"), Some(0)));
}

#[test]
fn a_chain_jumping_to_itself_is_a_loop() {
    let mut t = default_tables();
    t["filter"].add_chain(Chain::user("self"));
    let line = line!() + 1;
    t["filter"]["self"].push(Rule::new().goto("self"));
    let e = only_error(&t, line);
    assert!(matches!(&e.problem, Problem::Loop { .. }), "{e}");
}

#[test]
fn a_duplicate_chain() {
    let mut t = default_tables();
    t["filter"].add_chain(Chain::user("twice"));
    let line = line!() + 1;
    t["filter"].add_chain(Chain::user("twice"));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::DuplicateChain { chain, .. } if chain == "twice"),
        "{e}"
    );
    assert_eq!(e.rule, None);

    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"].add_chain(Chain::builtin("INPUT", Policy::Accept));
    let e = only_error(&t, line);
    assert!(matches!(&e.problem, Problem::DuplicateChain { .. }), "{e}");
}

#[test]
fn a_chain_name_too_long() {
    let mut t = default_tables();
    t["filter"].add_chain(Chain::user("c".repeat(28)));
    t.validate().expect("28 characters are allowed");
    let line = line!() + 1;
    t["filter"].add_chain(Chain::user("d".repeat(29)));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::BadChainName { reason, .. } if reason.contains("28")),
        "{e}"
    );
}

#[test]
fn other_bad_chain_names() {
    for name in [
        "", "-x", "!x", "a b", "ACCEPT", "LOG", "QUEUE", "INPUT_", "ü",
    ] {
        let mut t = default_tables();
        t["filter"].add_chain(Chain::user(name));
        let ok = t.validate().is_ok();
        assert_eq!(ok, name == "INPUT_", "chain name {name:?}");
    }
}

#[test]
fn ipv4_addresses_in_ipv6_tables_and_back() {
    let mut t = default_tables_v6();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().source("192.0.2.1").accept());
    let e = only_error(&t, line);
    assert!(
        matches!(
            &e.problem,
            Problem::WrongFamily {
                found: Family::V4,
                family: Family::V6,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.family, Family::V6);

    let mut t = default_tables();
    let line = line!() + 1;
    let dnat = Rule::new()
        .proto("tcp")
        .target(Target::new("DNAT").opt("to-destination", "[2001:db8::1]:80"));
    t["nat"]["PREROUTING"].push(dnat);
    let e = only_error(&t, line);
    assert!(
        matches!(
            &e.problem,
            Problem::WrongFamily {
                found: Family::V6,
                family: Family::V4,
                ..
            }
        ),
        "{e}"
    );

    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().destination(not("2001:db8::/32")).accept());
    let e = only_error(&t, line);
    assert!(matches!(&e.problem, Problem::WrongFamily { .. }), "{e}");
}

#[test]
fn ipv4_only_matches_in_ipv6_tables() {
    let mut t = default_tables_v6();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().proto("icmp").icmp_type("echo-request").accept());
    let errors = t.validate().unwrap_err();
    assert!(errors.iter().all(|e| e.origin.line == line), "{errors}");
    assert!(
        errors
            .iter()
            .any(|e| matches!(&e.problem, Problem::FamilyOnly { .. })),
        "{errors}"
    );
}

#[test]
fn a_log_prefix_of_30_characters() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::new().target(Target::LOG.opt("log-prefix", "p".repeat(29))));
    t.validate().expect("29 characters are allowed");
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().target(Target::LOG.opt("log-prefix", "p".repeat(30))));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::BadValue { key, .. } if key == "log-prefix"),
        "{e}"
    );
    assert_eq!(e.rule, Some(1));
    assert_eq!(e.option.as_deref(), Some("log-prefix"));
}

#[test]
fn a_comment_of_256_bytes() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::new().comment("c".repeat(255)));
    t.validate().expect("255 bytes are allowed");
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().comment("é".repeat(128)));
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::BadValue { key, .. } if key == "comment"),
        "{e}"
    );
}

#[test]
fn an_interface_of_16_characters() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::new().in_interface("i".repeat(15)).accept());
    t["filter"]["INPUT"].push(Rule::new().in_interface("eth+").accept());
    t.validate()
        .expect("15 characters and a wildcard are allowed");
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().in_interface("i".repeat(16)).accept());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::BadValue { key, .. } if key == "in-interface"),
        "{e}"
    );
}

#[test]
fn in_interface_in_output_and_out_interface_in_input() {
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["OUTPUT"].push(Rule::new().in_interface("eth0").accept());
    let e = only_error(&t, line);
    assert!(matches!(&e.problem, Problem::NotAllowedHere { .. }), "{e}");
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::new().out_interface("eth0").accept());
    only_error(&t, line);
}

#[test]
fn a_drop_policy_in_the_nat_table() {
    let mut t = default_tables();
    let line = line!() + 1;
    let mut prerouting = Chain::builtin("PREROUTING", Policy::Drop);
    prerouting.push(Rule::new().accept());
    let mut nat = Table::new("nat");
    nat.add_chain(prerouting);
    let mut tables = Tables::new(Family::V4);
    tables.add(nat);
    let e = only_error(&tables, line);
    assert!(matches!(e.problem, Problem::NatPolicyDrop), "{e}");
    assert_eq!(e.rule, None);

    // Setting it on the default nat table is found just the same.
    t["nat"]["POSTROUTING"].set_policy(Policy::Drop).unwrap();
    let errors = t.validate().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    assert!(matches!(errors.0[0].problem, Problem::NatPolicyDrop));
    assert_eq!(errors.0[0].chain.as_deref(), Some("POSTROUTING"));
}

#[test]
fn a_policy_that_is_not_accept_or_drop() {
    let err = "REJECT".parse::<Policy>().unwrap_err();
    match err {
        pyptables::Error::Problem(Problem::BadPolicy { policy, .. }) => {
            assert_eq!(policy, "REJECT")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_restricted_target_in_a_user_chain_reached_from_a_wrong_built_in_chain() {
    fn nat_with_masq_chain(from: &[&str]) -> (Tables, u32) {
        let mut t = default_tables();
        let nat = &mut t["nat"];
        let masq = nat.add_chain(Chain::user("masq"));
        let line = line!() + 1;
        masq.push(Rule::new().out_interface("eth0").masquerade());
        for chain in from {
            nat[chain].push(Rule::new().jump("masq"));
        }
        (t, line)
    }
    // Reached only from POSTROUTING: allowed.
    nat_with_masq_chain(&["POSTROUTING"]).0.validate().unwrap();
    // Reached from nowhere: the kernel loads it, and so does validation.
    nat_with_masq_chain(&[]).0.validate().unwrap();
    // Reached from PREROUTING too: the rule in the user chain is reported.
    let (t, line) = nat_with_masq_chain(&["POSTROUTING", "PREROUTING"]);
    let errors = t.validate().unwrap_err();
    let masq: Vec<_> = errors
        .iter()
        .filter(|e| matches!(&e.problem, Problem::NotAllowedHere { what, .. } if what == "target MASQUERADE"))
        .collect();
    assert_eq!(masq.len(), 1, "{errors}");
    let e = masq[0];
    assert_eq!(e.origin.line, line, "{e}");
    assert_eq!(e.chain.as_deref(), Some("masq"));
    match &e.problem {
        Problem::NotAllowedHere { via, .. } => assert_eq!(via.as_deref(), Some("PREROUTING")),
        _ => unreachable!(),
    }
    assert!(e.to_string().contains("reached from PREROUTING"), "{e}");
    // `-o eth0` in a user chain reached from PREROUTING is no error: iptables refuses `-o`
    // only in PREROUTING itself (both backends load it through a jump).
    assert_eq!(errors.len(), 1, "{errors}");
}

#[test]
fn reach_passes_through_several_chains() {
    let mut t = default_tables();
    let filter = &mut t["filter"];
    filter.add_chain(Chain::user("a"));
    filter.add_chain(Chain::user("b"));
    filter["INPUT"].push(Rule::new().jump("a"));
    filter["a"].push(Rule::new().goto("b"));
    let line = line!() + 1;
    filter["b"].push(Rule::new().opt("uid-owner", 0u32).drop());
    let e = only_error(&t, line);
    assert!(
        matches!(&e.problem, Problem::NotAllowedHere { via: Some(v), .. } if v == "INPUT"),
        "{e}"
    );
}

#[test]
fn raw_rules_that_would_break_the_file() {
    let cases = [
        ("-p tcp\n-A INPUT -j DROP", r"'\n'"),
        ("-A INPUT -j DROP", "`-A` is a command"),
        ("-p tcp --flush", "`--flush` is a command"),
        ("-m comment --comment \"open", "not closed"),
        ("", "empty"),
        ("   ", "empty"),
        ("-j ACCEPT\rx", r"'\r'"),
    ];
    for (text, why) in cases {
        let mut t = default_tables();
        let line = line!() + 1;
        t["filter"]["INPUT"].push(Rule::raw(text));
        let e = only_error(&t, line);
        assert!(
            matches!(&e.problem, Problem::BadRawRule { .. }),
            "{text:?}: {e}"
        );
        assert!(e.to_string().contains(why), "{text:?}: {e}");
        assert!(!e.to_string().contains('\n'), "{e:?}");
    }
    // Options added to a raw rule afterwards are refused rather than guessed at.
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::raw("-p tcp").accept());
    let e = only_error(&t, line);
    assert!(matches!(&e.problem, Problem::BadRawRule { .. }), "{e}");
    // A raw rule that jumps to a missing chain is found like any jump.
    let mut t = default_tables();
    let line = line!() + 1;
    t["filter"]["INPUT"].push(Rule::raw("-p tcp -j missing_chain"));
    let e = only_error(&t, line);
    assert!(matches!(&e.problem, Problem::UndefinedChain { .. }), "{e}");
}

#[test]
fn valid_raw_rules_pass() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(
        "-p tcp -m tcp --dport 22 -m comment --comment \"a \\\"quoted\\\" word\" -j ACCEPT",
    ));
    t["filter"]["INPUT"].push(Rule::raw("-m recent --name x --set"));
    t.validate().unwrap();
}

/// Every mistake above in one ruleset: all of them come back, in one report, each with its
/// own line.
#[test]
fn every_problem_is_reported_at_once() {
    let mut t = default_tables();
    let mut lines = Vec::new();
    let filter = &mut t["filter"];
    filter.add_chain(Chain::user("ping"));
    filter.add_chain(Chain::user("pong"));
    filter["INPUT"].push(Rule::new().jump("ping"));
    filter["ping"].push(Rule::new().jump("pong"));
    lines.push(line!() + 1);
    filter["pong"].push(Rule::new().jump("ping"));
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().jump("nosuch"));
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().masquerade());
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().opt("uid-owner", 0u32).accept());
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().dport(22).accept());
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().comment("a\nb").accept());
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().proto("tcp").dport(70000u32).accept());
    lines.push(line!() + 1);
    filter.add_chain(Chain::user("ping"));
    lines.push(line!() + 1);
    filter.add_chain(Chain::user("x".repeat(29)));
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().target(Target::LOG.opt("log-prefix", "p".repeat(30))));
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::new().in_interface("i".repeat(16)));
    lines.push(line!() + 1);
    filter["INPUT"].push(Rule::raw("-A INPUT -j DROP"));
    lines.push(line!() + 1);
    t["nat"]["PREROUTING"].set_policy(Policy::Drop).unwrap();

    let errors = t.validate().unwrap_err();
    let mut found: Vec<u32> = errors.iter().map(|e| e.origin.line).collect();
    found.sort_unstable();
    // The nat policy error names the line that created the nat table (default_tables()).
    let nat_line = t["nat"]["PREROUTING"].origin().line;
    let mut expected: Vec<u32> = lines[..lines.len() - 1].to_vec();
    expected.push(nat_line);
    expected.sort_unstable();
    assert_eq!(found, expected, "\n{errors}");
    assert!(errors.iter().all(|e| e.origin.file == file!()));
    // One message a line.
    assert_eq!(errors.to_string().lines().count(), errors.len());
    assert_eq!(errors.iter().count(), (&errors).into_iter().count());
}

#[test]
fn validation_covers_both_families_of_a_firewall() {
    let mut v4 = default_tables();
    let l4 = line!() + 1;
    v4["filter"]["INPUT"].push(Rule::new().dport(1).accept());
    let mut v6 = default_tables_v6();
    let l6 = line!() + 1;
    v6["filter"]["INPUT"].push(Rule::new().source("192.0.2.1").accept());
    let fw = Firewall::from_tables(v4, v6);
    let errors = fw.validate().unwrap_err();
    let got: Vec<(Family, u32)> = errors.iter().map(|e| (e.family, e.origin.line)).collect();
    assert_eq!(got, [(Family::V4, l4), (Family::V6, l6)]);
}

#[test]
fn a_clean_ruleset_has_no_errors() {
    let mut t = default_tables();
    let filter = &mut t["filter"];
    filter["INPUT"].set_policy(Policy::Drop).unwrap();
    filter.add_chain(Chain::user_with_comment("ssh_guard", "SSH"));
    filter["INPUT"].push(Rule::new().in_interface("lo").accept());
    filter["INPUT"].push(Rule::new().proto("tcp").dport(22).jump("ssh_guard"));
    filter["ssh_guard"].push(Rule::new().source("192.0.2.0/24").accept());
    filter["ssh_guard"].push(Rule::new().reject());
    filter["OUTPUT"].push(Rule::new().opt("uid-owner", 0u32).accept());
    t["nat"]["POSTROUTING"].push(Rule::new().out_interface("eth0").masquerade());
    t["mangle"]["FORWARD"].push(
        Rule::new()
            .proto("tcp")
            .flag("syn")
            .target(Target::new("TCPMSS").flag("clamp-mss-to-pmtu")),
    );
    assert_eq!(t.validate(), Ok(()));
}

/// iptables refuses `-i` in OUTPUT and POSTROUTING (and `-o` in PREROUTING and INPUT) only in
/// the built-in chain itself: in a user chain reached from there, the kernel and both
/// backends accept it (checked with iptables-restore 1.8.9, nft and legacy), and Docker's
/// nat rules rely on it (`-A OUTPUT … -j DOCKER`, `-A DOCKER -i docker0 -j RETURN`).
#[test]
fn interfaces_in_user_chains_reached_from_any_hook_are_allowed() {
    let mut tables = pyptables::Tables::new(pyptables::Family::V4);
    let nat = tables.table_or_default("nat").unwrap();
    nat.add_chain(pyptables::Chain::user("DOCKER"));
    nat["OUTPUT"].push(Rule::new().jump("DOCKER"));
    nat["PREROUTING"].push(Rule::new().jump("DOCKER"));
    nat["DOCKER"].push(Rule::new().in_interface("docker0").ret());
    nat["DOCKER"].push(Rule::new().out_interface("docker0").ret());
    tables.validate().unwrap();
    // Directly in the built-in chain it stays an error.
    let mut tables = pyptables::Tables::new(pyptables::Family::V4);
    let nat = tables.table_or_default("nat").unwrap();
    nat["OUTPUT"].push(Rule::new().in_interface("docker0").ret());
    assert!(tables.validate().is_err());
}

#[test]
fn jumps_to_preserved_chains_are_valid_and_patterns_are_checked() {
    let mut tables = Tables::new(Family::V4);
    let mut filter = Table::new("filter");
    filter.preserve(["DOCKER*", "f2b-*"]);
    let input = filter.add_chain(Chain::builtin("INPUT", Policy::Drop));
    input.push(Rule::new().jump("f2b-sshd"));
    input.push(Rule::new().goto("DOCKER-USER"));
    tables.add(filter);
    tables.validate().unwrap();

    // Not preserved: still an undefined chain, with the preserve line that would keep it.
    let line = line!() + 1;
    tables["filter"]["INPUT"].push(Rule::new().jump("KUBE-SERVICES"));
    let e = only_error(&tables, line);
    assert!(
        e.to_string().ends_with(
            "jump to undefined chain `KUBE-SERVICES` in the filter table; if it is Kubernetes's \
             chain, keep it with `preserve KUBE-*;` in the table"
        ),
        "{e}"
    );
    tables["filter"]["INPUT"].remove(2).unwrap();

    tables["filter"].preserve(["OUT*PUT", "*"]);
    let errors = tables.validate().unwrap_err();
    assert_eq!(errors.len(), 2, "{errors}");
    assert!(
        matches!(&errors.0[0].problem, Problem::BadPreservePattern { pattern, .. } if pattern == "OUT*PUT"),
        "{errors}"
    );
}

/// A match given no options is never silently left out (`-m socket -j ACCEPT` written as
/// `-j ACCEPT` would accept every packet): where iptables takes it alone it is written alone
/// at its place among the matches (checked against iptables-save in
/// `tests/macro_matches_alone.rs`), elsewhere validation refuses it and names the options it
/// needs.
#[test]
fn a_match_without_options_is_written_alone_or_refused() {
    let mut t = Tables::new(Family::V4);
    let mangle = t.add(Table::with_builtin_chains("mangle").unwrap());
    mangle["PREROUTING"].push(
        Rule::new()
            .proto("tcp")
            .with_match(pyptables::Match::new("tcp"))
            .with_match(pyptables::Match::new("socket"))
            .comment("tproxy")
            .accept(),
    );
    mangle["PREROUTING"].push(
        Rule::new()
            .with_match(pyptables::Match::new("rpfilter"))
            .with_match(pyptables::Match::new("limit"))
            .drop(),
    );
    t.validate().unwrap();
    let text = t.to_iptables_plain();
    assert!(
        text.contains(
            "-A PREROUTING -p tcp -m tcp -m socket -m comment --comment tproxy -j ACCEPT\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("-A PREROUTING -m rpfilter -m limit -j DROP\n"),
        "{text}"
    );

    let line = line!() + 1;
    let rule = Rule::new()
        .with_match(pyptables::Match::new("tos"))
        .accept();
    t["mangle"]["PREROUTING"].push(rule);
    let e = only_error(&t, line);
    let shown = e.to_string();
    assert!(
        shown
            .contains("match tos: iptables refuses `-m tos` without options; give it option `tos`"),
        "{shown}"
    );
    assert!(!t.to_iptables_plain().contains("-A PREROUTING -j ACCEPT"));
}

/// The options named for a match refused alone are its required groups, each.
#[test]
fn a_match_refused_alone_names_each_required_group() {
    let mut t = Tables::new(Family::V4);
    let filter = t.add(Table::with_builtin_chains("filter").unwrap());
    let line = line!() + 1;
    let rule = Rule::new().with_match(pyptables::Match::new("hashlimit"));
    filter["INPUT"].push(rule.drop());
    let shown = only_error(&t, line).to_string();
    assert!(
        shown.contains(
            "give it option `hashlimit-name` and one of the options `hashlimit-upto`, `hashlimit-above`"
        ),
        "{shown}"
    );
}
