//! The builder and `validate()` follow the catalog's verdicts on what iptables and the kernel
//! refuse (each case was loaded in a namespace, both backends; `tests/kernel_catalog.rs` at
//! the workspace root proves whole classes of them in the kernel).

use pyptables::{Chain, Family, Match, Problem, Rule, Table, Tables, Target};

fn filter(family: Family) -> Tables {
    let mut tables = Tables::new(family);
    tables.add(Table::with_builtin_chains("filter").unwrap());
    tables
}

/// The problems `validate()` finds in `rule` in filter INPUT.
fn problems(family: Family, rule: Rule) -> Vec<Problem> {
    let mut tables = filter(family);
    tables["filter"]["INPUT"].push(rule);
    match tables.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| e.problem).collect(),
    }
}

#[test]
fn a_protocol_number_counts_as_its_name() {
    let rule = Rule::new().proto("6").dport(22).accept();
    assert_eq!(problems(Family::V4, rule.clone()), vec![]);
    let mut tables = filter(Family::V4);
    tables["filter"]["INPUT"].push(rule);
    assert!(
        tables
            .to_iptables_plain()
            .contains("-A INPUT -p 6 -m tcp --dport 22 -j ACCEPT\n"),
        "{}",
        tables.to_iptables_plain()
    );
    let icmp6 = Rule::new()
        .proto("58")
        .opt("icmpv6-type", "echo-request")
        .accept();
    assert_eq!(problems(Family::V6, icmp6), vec![]);
}

#[test]
fn log_levels_iptables_does_not_know() {
    for level in ["err", "warn", "WARNING"] {
        let found = problems(
            Family::V4,
            Rule::new().target(Target::new("LOG").opt("log-level", level)),
        );
        assert!(
            matches!(found.as_slice(), [Problem::BadValue { key, .. }] if key == "log-level"),
            "{level}: {found:?}"
        );
    }
}

#[test]
fn tcp_reset_in_any_spelling_needs_tcp() {
    for with in ["tcp-rst", "TCP-RESET"] {
        let found = problems(
            Family::V4,
            Rule::new().target(Target::REJECT.opt("reject-with", with)),
        );
        assert!(
            matches!(found.as_slice(), [Problem::NeedsProtocol { .. }]),
            "{with}: {found:?}"
        );
    }
}

#[test]
fn options_that_do_not_go_together() {
    let found = problems(
        Family::V4,
        Rule::new().with_match(
            Match::new("recent")
                .opt("name", "ssh")
                .flag("set")
                .opt("seconds", "60"),
        ),
    );
    assert!(
        matches!(found.as_slice(), [Problem::Combination { owner, reason }]
            if owner == "match recent" && reason.contains("`seconds` cannot be used with `set`")),
        "{found:?}"
    );
}

#[test]
fn sixteen_nested_user_chains_are_too_deep_for_nf_tables() {
    let mut tables = filter(Family::V4);
    let t = &mut tables["filter"];
    t["INPUT"].push(Rule::new().jump("c1"));
    for i in 1..=16 {
        t.add_chain(Chain::user(format!("c{i}")));
    }
    for i in 1..16 {
        t[format!("c{i}").as_str()].push(Rule::new().jump(format!("c{}", i + 1)));
    }
    let errors = tables.validate().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    let e = &errors.0[0];
    assert!(
        matches!(&e.problem, Problem::JumpTooDeep { chain, max: 15, .. } if chain == "c16"),
        "{e}"
    );
    assert_eq!((e.chain.as_deref(), e.rule), (Some("c15"), Some(0)), "{e}");
}
