//! The model API: tables, chains, rules, templates, targets, matches, raw and composite rules.

use pyptables::catalog::TargetKind;
use pyptables::value::{not, CtState, PortRange};
use pyptables::{
    default_tables, default_tables_v6, Chain, ChainKind, Error, Family, Match, Policy, Rule, Table,
    Tables, Target,
};

fn chain_names(table: &Table) -> Vec<&str> {
    table.chains().map(Chain::name).collect()
}

#[test]
fn default_tables_are_pyptables_filter_nat_mangle_with_accept_policies() {
    let tables = default_tables();
    assert_eq!(tables.family(), Family::V4);
    let names: Vec<&str> = tables.iter().map(Table::name).collect();
    assert_eq!(names, ["filter", "nat", "mangle"]);
    assert_eq!(
        chain_names(&tables["filter"]),
        ["INPUT", "FORWARD", "OUTPUT"]
    );
    assert_eq!(
        chain_names(&tables["nat"]),
        ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]
    );
    assert_eq!(
        chain_names(&tables["mangle"]),
        ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]
    );
    for chain in tables.iter().flat_map(Table::chains) {
        assert!(chain.is_builtin(), "{}", chain.name());
        assert_eq!(chain.policy(), Some(Policy::Accept), "{}", chain.name());
        assert_eq!(chain.kind(), &ChainKind::Builtin(Policy::Accept));
        assert!(chain.is_empty());
    }
    assert_eq!(tables.rule_count(), 0);

    let v6 = default_tables_v6();
    assert_eq!(v6.family(), Family::V6);
    assert_eq!(
        v6.iter().map(Table::name).collect::<Vec<_>>(),
        ["filter", "nat", "mangle"]
    );
}

#[test]
fn raw_and_security_tables_are_available_on_request() {
    let mut tables = default_tables();
    assert!(tables.table("raw").is_none());
    assert!(tables.table("security").is_none());
    let raw = tables.table_or_default("raw").unwrap();
    assert_eq!(chain_names(raw), ["PREROUTING", "OUTPUT"]);
    let security = tables.table_or_default("security").unwrap();
    assert_eq!(chain_names(security), ["INPUT", "FORWARD", "OUTPUT"]);
    // Asking again returns the same table rather than adding a second one.
    tables.table_or_default("raw").unwrap();
    assert_eq!(tables.iter().filter(|t| t.name() == "raw").count(), 1);
    assert_eq!(tables.iter().count(), 5);

    let err = tables.table_or_default("filtre").unwrap_err().to_string();
    assert!(err.contains("unknown table `filtre`"), "{err}");
    assert!(err.contains("filter"), "{err}");
    assert!(Table::with_builtin_chains("bogus").is_err());
}

#[test]
fn indexing_reaches_chains_and_the_checked_getters_do_not_panic() {
    let mut tables = default_tables();
    tables["filter"]["INPUT"].push(Rule::new().in_interface("lo").accept());
    assert_eq!(tables["filter"]["INPUT"].len(), 1);
    assert_eq!(
        tables
            .table("filter")
            .unwrap()
            .chain("INPUT")
            .unwrap()
            .len(),
        1
    );
    assert!(tables
        .table("filter")
        .unwrap()
        .chain("PREROUTING")
        .is_none());
    assert!(tables.table_mut("nope").is_none());

    let filter = tables.table_mut("filter").unwrap();
    assert!(filter.chain_mut("INPUT").is_some());
    filter
        .try_chain_mut("OUTPUT")
        .unwrap()
        .push(Rule::new().accept());
    let err = filter.try_chain_mut("INPTU").unwrap_err();
    match &err {
        Error::NoSuchChain {
            table,
            chain,
            suggestion,
        } => {
            assert_eq!(table, "filter");
            assert_eq!(chain, "INPTU");
            assert_eq!(suggestion.as_deref(), Some("INPUT"));
        }
        other => panic!("expected NoSuchChain, got {other:?}"),
    }
    assert!(err.to_string().contains("INPUT"), "{err}");
    assert_eq!(tables.rule_count(), 2);
}

#[test]
#[should_panic(expected = "no table `raw`")]
fn indexing_a_missing_table_panics_with_its_name() {
    let tables = default_tables();
    let _ = &tables["raw"];
}

#[test]
#[should_panic(expected = "has no chain `PREROUTING`")]
fn indexing_a_missing_chain_panics_with_its_name() {
    let mut tables = default_tables();
    tables["filter"]["PREROUTING"].push(Rule::new());
}

#[test]
fn chains_are_list_like() {
    let mut chain = Chain::user("checks");
    assert!(chain.is_empty());
    chain.push(Rule::new().proto("tcp").accept());
    chain.append(Rule::new().proto("udp").accept());
    chain.insert(0, Rule::new().proto("icmp").accept()).unwrap();
    chain.insert(3, Rule::new().drop()).unwrap(); // at the end is allowed
    let protos: Vec<String> = chain.iter().map(|r| r.to_string()).collect();
    assert_eq!(
        protos,
        [
            "-p icmp -j ACCEPT",
            "-p tcp -j ACCEPT",
            "-p udp -j ACCEPT",
            "-j DROP"
        ]
    );
    assert_eq!(chain.len(), 4);
    assert_eq!(chain.get(1).unwrap().to_string(), "-p tcp -j ACCEPT");
    assert!(chain.get(4).is_none());

    let removed = chain.remove(1).unwrap();
    assert_eq!(removed.to_string(), "-p tcp -j ACCEPT");
    assert_eq!(chain.len(), 3);
    assert_eq!(chain.rules()[1].to_string(), "-p udp -j ACCEPT");
    assert_eq!((&chain).into_iter().count(), 3);

    match chain.insert(5, Rule::new()) {
        Err(Error::IndexOutOfRange { chain, index, len }) => {
            assert_eq!((chain.as_str(), index, len), ("checks", 5, 3));
        }
        other => panic!("expected IndexOutOfRange, got {other:?}"),
    }
    assert!(matches!(
        chain.remove(3),
        Err(Error::IndexOutOfRange {
            index: 3,
            len: 3,
            ..
        })
    ));
    assert_eq!(chain.len(), 3, "a failed insert or remove changes nothing");

    for rule in chain.iter_mut() {
        *rule = rule.clone().comment("x");
    }
    assert!(chain.iter().all(|r| r.comment_text() == Some("x")));
    chain.extend([Rule::new().ret()]);
    assert_eq!(chain.len(), 4);
}

#[test]
fn policies_belong_to_built_in_chains_only() {
    let mut input = Chain::builtin("INPUT", Policy::Accept);
    input.set_policy(Policy::Drop).unwrap();
    assert_eq!(input.policy(), Some(Policy::Drop));
    assert_eq!(input.comment(), None);

    let mut user = Chain::user_with_comment("ssh_guard", "rate-limits SSH");
    assert!(!user.is_builtin());
    assert_eq!(user.policy(), None);
    assert_eq!(user.comment(), Some("rate-limits SSH"));
    let err = user.set_policy(Policy::Drop).unwrap_err().to_string();
    assert!(
        err.contains("ssh_guard") && err.contains("cannot have a policy"),
        "{err}"
    );
    assert_eq!(Chain::user("x").comment(), None);
}

#[test]
fn policies_parse_only_from_accept_and_drop() {
    assert_eq!("ACCEPT".parse::<Policy>().unwrap(), Policy::Accept);
    assert_eq!("DROP".parse::<Policy>().unwrap(), Policy::Drop);
    assert_eq!(Policy::Drop.to_string(), "DROP");
    assert_eq!(Policy::default(), Policy::Accept);
    for bad in ["drop", "REJECT", "RETURN", ""] {
        let err = bad.parse::<Policy>().unwrap_err().to_string();
        assert!(err.contains("is not allowed"), "{bad}: {err}");
    }
    let err = "DORP".parse::<Policy>().unwrap_err().to_string();
    assert!(err.contains("DROP"), "suggests DROP: {err}");
}

#[test]
fn tables_and_chains_remember_where_they_were_created() {
    let (tables, line) = (default_tables(), line!());
    for table in &tables {
        assert_eq!(table.origin().file, file!());
        assert_eq!(table.origin().line, line, "{}", table.name());
        for chain in table.chains() {
            assert_eq!(chain.origin().line, line, "{}", chain.name());
        }
    }
    let (chain, line) = (Chain::user("mine"), line!());
    assert_eq!((chain.origin().file, chain.origin().line), (file!(), line));
    let (table, line) = (Table::new("filter"), line!());
    assert_eq!(table.origin().line, line);
    assert_eq!(table.origin().to_string(), format!("{}:{line}", file!()));
}

#[test]
fn a_rule_is_a_template_and_each_clone_remembers_its_own_line() {
    let (ssh, template_line) = (Rule::new().proto("tcp").dport(22), line!());
    let (allow, allow_line) = (ssh.clone().source("1.1.1.1").accept(), line!());
    let (deny, deny_line) = (ssh.clone().reject(), line!());

    assert_eq!(ssh.origin().line, template_line);
    assert_eq!(allow.origin().line, allow_line);
    assert_eq!(deny.origin().line, deny_line);
    assert_eq!(allow.origin().file, file!());

    // The template itself is unchanged by its uses.
    assert_eq!(ssh.to_string(), "-p tcp -m tcp --dport 22");
    assert_eq!(ssh.get_target(), None);
    assert_eq!(
        allow.to_string(),
        "-s 1.1.1.1 -p tcp -m tcp --dport 22 -j ACCEPT"
    );
    assert_eq!(deny.to_string(), "-p tcp -m tcp --dport 22 -j REJECT");

    // Adding a target to a template that has one replaces it.
    let ret = allow.clone().drop();
    assert_eq!(ret.get_target().unwrap().name(), "DROP");
    // Default works as new().
    let (d, line) = (Rule::default(), line!());
    assert_eq!(d.origin().line, line);
    assert_eq!(d.to_string(), "");
}

#[test]
fn rule_accessors_show_what_was_built() {
    let rule = Rule::new()
        .proto("tcp")
        .dport(PortRange::new(1024, 2048).unwrap())
        .comment("high ports")
        .target(Target::new("LOG").opt("log-prefix", "high: "));
    let keys: Vec<&str> = rule.args().iter().map(|a| a.key.as_ref()).collect();
    assert_eq!(keys, ["protocol", "dport", "comment"]);
    assert_eq!(rule.args()[1].value.as_deref(), Some("1024:2048"));
    assert_eq!(rule.comment_text(), Some("high ports"));
    assert_eq!(rule.raw_text(), None);
    let target = rule.get_target().unwrap();
    assert_eq!(target.name(), "LOG");
    assert_eq!(target.kind(), TargetKind::Builtin);
    assert_eq!(target.args()[0].key, "log-prefix");
    assert_eq!(target.args()[0].value.as_deref(), Some("high: "));
    assert_eq!(Rule::new().comment_text(), None);
}

#[test]
fn negation_marks_the_option() {
    let rule = Rule::new().source(not("10.0.0.0/8")).proto(not(not("udp")));
    assert!(rule.args()[0].negated);
    assert!(!rule.args()[1].negated, "double negation cancels");
    assert_eq!(rule.to_string(), "! -s 10.0.0.0/8 -p udp");
    let flags = Rule::new().proto("tcp").not_flag("syn").accept();
    assert_eq!(flags.to_string(), "-p tcp -m tcp ! --syn -j ACCEPT");
}

#[test]
fn target_new_resolves_catalog_targets_and_otherwise_names_a_chain() {
    for name in [
        "ACCEPT",
        "DROP",
        "REJECT",
        "RETURN",
        "LOG",
        "MASQUERADE",
        "SNAT",
        "MARK",
    ] {
        let t = Target::new(name);
        assert_eq!(t.kind(), TargetKind::Builtin, "{name}");
        assert_eq!(t.name(), name);
    }
    for name in ["ssh_guard", "accept", "Log", "MY_CHAIN"] {
        assert_eq!(Target::new(name).kind(), TargetKind::Jump, "{name}");
    }
    assert_eq!(
        Target::new(String::from("DROP")).kind(),
        TargetKind::Builtin
    );

    let chain = Chain::user("ssh_guard");
    let jump = Target::jump(&chain);
    assert_eq!((jump.name(), jump.kind()), ("ssh_guard", TargetKind::Jump));
    let goto = Target::goto("ssh_guard");
    assert_eq!(goto.kind(), TargetKind::Goto);
    assert_eq!(Target::jump(String::from("x")).name(), "x");

    assert_eq!(Target::ACCEPT, Target::new("ACCEPT"));
    assert_eq!(Target::DROP.name(), "DROP");
    assert_eq!(Target::REJECT.name(), "REJECT");
    assert_eq!(Target::RETURN.name(), "RETURN");
    assert_eq!(Target::LOG.name(), "LOG");
    assert_eq!(Target::MASQUERADE.name(), "MASQUERADE");
    assert_eq!(Target::REDIRECT.name(), "REDIRECT");

    // The rule-level jump behaves the same way.
    assert_eq!(Rule::new().jump("ACCEPT").to_string(), "-j ACCEPT");
    assert_eq!(
        Rule::new().jump("ssh_guard").get_target().unwrap().kind(),
        TargetKind::Jump
    );
    assert_eq!(Rule::new().jump(&chain).to_string(), "-j ssh_guard");
    assert_eq!(Rule::new().goto(&chain).to_string(), "-g ssh_guard");
}

#[test]
fn the_rule_verbs_set_the_predefined_targets() {
    let cases = [
        (Rule::new().accept(), "ACCEPT"),
        (Rule::new().drop(), "DROP"),
        (Rule::new().reject(), "REJECT"),
        (Rule::new().ret(), "RETURN"),
        (Rule::new().log(), "LOG"),
        (Rule::new().masquerade(), "MASQUERADE"),
    ];
    for (rule, name) in cases {
        assert_eq!(rule.to_string(), format!("-j {name}"));
    }
}

#[test]
fn explicit_matches_carry_their_module() {
    let rule = Rule::new().proto("tcp").dport(22).with_match(
        Match::new("recent")
            .opt("name", "ssh")
            .flag("update")
            .opt("seconds", 60u32)
            .opt("hitcount", 4u32),
    );
    let recent: Vec<_> = rule
        .args()
        .iter()
        .filter(|a| a.module.as_deref() == Some("recent"))
        .collect();
    assert_eq!(recent.len(), 4);
    assert_eq!(
        rule.drop().to_string(),
        "-p tcp -m tcp --dport 22 -m recent --name ssh --update --seconds 60 --hitcount 4 -j DROP"
    );
    let inverted = Rule::new().with_match(Match::new("recent").opt("name", "x").not_flag("rcheck"));
    assert_eq!(inverted.to_string(), "-m recent --name x ! --rcheck");
    let ct = Rule::new().with_match(
        Match::new("conntrack").opt("ctstate", [CtState::Related, CtState::Established]),
    );
    assert_eq!(ct.to_string(), "-m conntrack --ctstate RELATED,ESTABLISHED");
}

#[test]
fn raw_rules_keep_their_text() {
    let (raw, line) = (Rule::raw("-p tcp --dport 22 -j ACCEPT"), line!());
    assert_eq!(raw.raw_text(), Some("-p tcp --dport 22 -j ACCEPT"));
    assert_eq!(raw.origin().line, line);
    assert!(raw.args().is_empty());
    assert!(raw.get_target().is_none());
    assert_eq!(raw.to_string(), "-p tcp --dport 22 -j ACCEPT");
    let mut chain = Chain::builtin("INPUT", Policy::Accept);
    chain.push(raw);
    assert_eq!(chain.len(), 1);
}

#[test]
fn a_group_of_rules_is_added_as_one() {
    let mut chain = Chain::user("group");
    chain.push([
        Rule::new().proto("tcp").accept(),
        Rule::new().proto("udp").accept(),
    ]);
    chain.push(vec![Rule::new().proto("icmp").accept()]);
    chain.push(Vec::<Rule>::new());
    assert_eq!(chain.len(), 3);
    chain
        .insert(1, [Rule::new().log(), Rule::new().drop()])
        .unwrap();
    let rendered: Vec<String> = chain.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "-p tcp -j ACCEPT",
            "-j LOG",
            "-j DROP",
            "-p udp -j ACCEPT",
            "-p icmp -j ACCEPT"
        ]
    );
}

#[test]
fn user_chains_are_added_to_tables_in_order() {
    let mut tables = Tables::new(Family::V4);
    assert!(tables.is_empty());
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter.add_chain(Chain::user("b_second"));
    filter.append(Chain::user("a_third"));
    assert_eq!(
        chain_names(filter),
        ["INPUT", "FORWARD", "OUTPUT", "b_second", "a_third"]
    );
    filter["b_second"].push(Rule::new().ret());
    assert_eq!(tables["filter"]["b_second"].len(), 1);
    assert!(!tables.is_empty());
    assert_eq!(tables.iter_mut().count(), 1);
}

#[test]
fn tables_compare_by_content() {
    fn build() -> Tables {
        let mut t = default_tables();
        t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
        t
    }
    // Same function, same lines: equal. A different rule: not equal.
    assert_eq!(build(), build());
    let mut other = build();
    other["filter"]["INPUT"].push(Rule::new().drop());
    assert_ne!(build(), other);
}
