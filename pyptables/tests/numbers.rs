//! Numbers mean what they say: iptables reads them with `strtoul(…, 0)`, so `022` is octal 18
//! and `/010` a /8. A value with a leading zero is refused with a message, whether it comes from
//! the builder or from a `{expr}` of `firewall!`; hex is written in the form `iptables-save`
//! prints.

use pyptables::{default_tables, default_tables_v6, firewall, Match, Rule, Tables, Target};

/// The messages of validating `tables`, one per problem.
fn problems(tables: &Tables) -> Vec<String> {
    match tables.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e.iter().map(|e| e.problem.to_string()).collect(),
    }
}

fn with_rule(rule: Rule) -> Tables {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(rule);
    t
}

#[test]
fn a_port_with_a_leading_zero_is_refused() {
    let p = problems(&with_rule(Rule::new().proto("tcp").dport("022").accept()));
    assert_eq!(
        p,
        ["bad value `022` for `dport`: write `22` without the leading zero: iptables would read \
          `022` as octal, 18"]
    );
}

#[test]
fn a_prefix_with_a_leading_zero_is_refused() {
    let p = problems(&with_rule(Rule::new().source("10.64.0.0/010").accept()));
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(
        p[0].contains("iptables would read `010` as octal, 8"),
        "{p:?}"
    );
    let mut t = default_tables_v6();
    t["filter"]["INPUT"].push(Rule::new().source("2001:db8::/064").accept());
    let p = problems(&t);
    assert!(p.len() == 1 && p[0].contains("octal, 52"), "{p:?}");
}

#[test]
fn other_numbers_with_a_leading_zero_are_refused() {
    for rule in [
        Rule::new().opt("ttl-eq", "064").accept(),
        Rule::new().proto("icmp").icmp_type("010").accept(),
        Rule::new().mark("010").accept(),
        Rule::new().with_match(Match::new("length").opt("length", "010:020")),
        Rule::new().target(Target::new("LOG").opt("log-level", "04")),
        Rule::new().target(Target::new("NFQUEUE").opt("queue-num", "010")),
    ] {
        let text = rule.to_string();
        let p = problems(&with_rule(rule));
        assert!(
            p.len() == 1 && p[0].contains("leading zero"),
            "{text}: {p:?}"
        );
    }
}

#[test]
fn hex_is_written_as_iptables_save_writes_it() {
    let rule = Rule::new()
        .opt("ttl-eq", "0x40")
        .mark("16/0xFF")
        .target(Target::new("NFQUEUE").opt("queue-num", "0x10"));
    let t = with_rule(rule);
    assert_eq!(problems(&t), Vec::<String>::new());
    assert!(
        t.to_iptables_plain().contains(
            "-A INPUT -m ttl --ttl-eq 64 -m mark --mark 0x10/0xff -j NFQUEUE --queue-num 16"
        ),
        "{}",
        t.to_iptables_plain()
    );
}

#[test]
fn run_time_values_of_firewall_are_checked_alike() {
    let port = "022";
    let ttl = String::from("064");
    let fw = firewall! {
        filter { INPUT {
            accept proto=tcp dport={port};
            accept ttl_eq={ttl};
        } }
    };
    let e = fw.validate().expect_err("leading zeros are refused");
    let p: Vec<String> = e.iter().map(|e| e.problem.to_string()).collect();
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(
        p[0].contains("write `22`") && p[1].contains("write `64`"),
        "{p:?}"
    );
}

/// `IpNet`'s own parser (the `ipnet` crate) reads `/064` as decimal 64; what reaches the rule
/// is its display, `/64`, which iptables cannot misread.
#[test]
fn typed_networks_are_written_without_leading_zeros() {
    use pyptables::value::IpNet;
    let net: IpNet = "2001:db8::/064".parse().expect("ipnet reads it as /64");
    let mut t = default_tables_v6();
    t["filter"]["INPUT"].push(Rule::new().source(net).accept());
    assert_eq!(problems(&t), Vec::<String>::new());
    assert!(
        t.to_iptables_plain()
            .contains("-A INPUT -s 2001:db8::/64 -j ACCEPT"),
        "{}",
        t.to_iptables_plain()
    );
}
