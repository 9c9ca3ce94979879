//! Negation in lists: a list whose values are all negated means "none of these", written as one
//! negated option where iptables has that meaning (`! --dports 22,80`, `! --ctstate NEW,INVALID`);
//! otherwise, and for lists mixing negated and plain values, validation refuses it. An empty list
//! is refused: the builder has no rule to leave out.

use pyptables::value::{not, CtState, IntoValue};
use pyptables::{default_tables, Rule, Tables};

fn line(rule: Rule) -> String {
    rule.to_string()
}

/// The validation messages of a one-rule INPUT chain.
fn errors(rule: Rule) -> String {
    let mut t: Tables = default_tables();
    t["filter"]["INPUT"].push(rule);
    t.validate().expect_err("the rule is refused").to_string()
}

fn valid(rule: Rule) {
    let mut t: Tables = default_tables();
    t["filter"]["INPUT"].push(rule);
    t.validate().unwrap();
}

#[test]
fn a_list_of_negated_values_is_one_negated_option() {
    let r = Rule::new().source(vec![not("10.0.0.0/8")]).drop();
    assert_eq!(line(r.clone()), "! -s 10.0.0.0/8 -j DROP");
    valid(r);
    let r = Rule::new()
        .proto("tcp")
        .dports([not(22u16), not(80u16)])
        .drop();
    assert_eq!(
        line(r.clone()),
        "-p tcp -m multiport ! --dports 22,80 -j DROP"
    );
    valid(r);
    let r = Rule::new()
        .ctstate([not(CtState::New), not(CtState::Invalid)])
        .drop();
    assert_eq!(
        line(r.clone()),
        "-m conntrack ! --ctstate NEW,INVALID -j DROP"
    );
    valid(r);
    // Negating a list of negations gives the plain list back.
    let r = Rule::new()
        .proto("tcp")
        .dports(not([not(22u16), not(80u16)]))
        .accept();
    assert_eq!(line(r), "-p tcp -m multiport --dports 22,80 -j ACCEPT");
}

#[test]
fn lists_iptables_cannot_negate_as_meant_are_refused() {
    // `! -s a,b` is no "none of these": iptables refuses `!` with several addresses.
    let msg = errors(
        Rule::new()
            .source(vec![not("10.0.0.0/8"), not("192.168.0.0/16")])
            .drop(),
    );
    assert!(msg.contains("several negated addresses"), "{msg}");
    let msg = errors(
        Rule::new()
            .destination(not(vec!["192.0.2.1", "192.0.2.2"]))
            .drop(),
    );
    assert!(msg.contains("several negated addresses"), "{msg}");
    // Some negated, some not: no single option means that.
    let mixed = vec![not(22u16).into_value(), 80u16.into_value()];
    let msg = errors(Rule::new().proto("tcp").dports(mixed).drop());
    assert!(msg.contains("mixes negated and plain values"), "{msg}");
    let mixed = vec![not("10.0.0.0/8").into_value(), "10.1.0.0/16".into_value()];
    let msg = errors(Rule::new().source(mixed).drop());
    assert!(msg.contains("mixes negated and plain values"), "{msg}");
    // A `!` written in the text.
    let msg = errors(Rule::new().proto("!tcp").drop());
    assert!(
        msg.contains("`!` negates an option, not a value: write `not(value)`"),
        "{msg}"
    );
}

#[test]
fn an_empty_list_is_refused() {
    let msg = errors(Rule::new().source(not(Vec::<&str>::new())).drop());
    assert!(msg.contains("empty list"), "{msg}");
    let msg = errors(Rule::new().proto("tcp").dports(Vec::<u16>::new()).drop());
    assert!(msg.contains("empty list"), "{msg}");
}
