//! Tests of the check and expand stages on inputs parsed from strings (spans carry real
//! line/column positions through proc-macro2's `span-locations`; positions below are 1-based
//! and counted by hand in the input texts).

use proc_macro2::TokenStream;

use crate::errors::Errors;
use crate::model::{Body, Mode, Model, SlotValue};
use crate::{check, firewall2, parse};

fn checked(src: &str) -> (Model, Vec<(usize, usize, String)>) {
    let tokens: TokenStream = src.parse().expect("test input lexes");
    let (fw, parse_errors) = parse::parse_firewall(tokens);
    assert!(parse_errors.is_empty(), "parse errors: {parse_errors:?}");
    let mut errors = Errors::default();
    let model = check::check(&fw, &mut errors);
    let errors = errors
        .into_errors()
        .iter()
        .map(|e| {
            let start = e.span().start();
            (start.line, start.column + 1, e.to_string())
        })
        .collect();
    (model, errors)
}

fn errors(src: &str) -> Vec<(usize, usize, String)> {
    checked(src).1
}

fn ok(src: &str) -> Model {
    let (model, errors) = checked(src);
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    model
}

#[test]
fn a_mistake_found_in_every_expansion_and_family_is_reported_once() {
    let src = "inet { filter { INPUT {\n    accept proto=[tcp, udp] dport=99999;\n} } }";
    assert_eq!(
        errors(src),
        [(
            2,
            35,
            "bad value `99999` for `dport`: port 99999 is out of range 0-65535".to_string()
        )]
    );
}

#[test]
fn a_mistake_of_one_family_of_an_inet_rule_says_which() {
    let src = "ip6 { filter { chain v6 { return; } } }\n\
               inet { filter { INPUT { jump v6; } } }";
    assert_eq!(
        errors(src),
        [(
            2,
            30,
            "jump to undefined chain `v6` in the filter table (for IPv4: rules in `inet { … }` \
             are added to both families)"
                .to_string()
        )]
    );
}

#[test]
fn errors_come_in_source_order_across_tables_and_stages() {
    let src = "filter { INPUT { accept dport=22; } }\nfiltre { }\nnat { FORWARD { } }";
    let found: Vec<(usize, usize)> = errors(src).iter().map(|e| (e.0, e.1)).collect();
    assert_eq!(found, [(1, 25), (2, 1), (3, 7)]);
    // Syntax and catalog errors together, in source order, in one expansion.
    let out = firewall2("filter { INPUT { acept; accept = ; } }".parse().unwrap()).to_string();
    let unknown = out.find("unknown target `acept`").expect("check error");
    let syntax = out.find("expected a value after `=`").expect("parse error");
    assert!(unknown < syntax, "{out}");
    assert!(out.contains(":: pyptables :: Firewall :: new ()"), "{out}");
}

#[test]
fn lists_are_joined_chunked_or_expanded_by_option() {
    let model = ok("filter { INPUT { accept proto=tcp dport=[ssh, 1000:2000] \
                    ctstate=[NEW, ESTABLISHED] source=[192.0.2.1, 192.0.2.2]; } }");
    let rule = &model.families[0][0].chains[0].rules[0];
    let Body::Options { slots, .. } = &rule.body else {
        panic!("options expected")
    };
    let alts = |i: usize| match &slots[i].value {
        SlotValue::Static(alts) => alts
            .iter()
            .map(|a| format!("{}={}", a.key, a.canon))
            .collect::<Vec<_>>(),
        _ => panic!("static values expected"),
    };
    assert_eq!(alts(0), ["proto=tcp"]);
    assert_eq!(alts(1), ["dports=22,1000:2000"]);
    assert_eq!(alts(2), ["ctstate=NEW,ESTABLISHED"]);
    assert_eq!(alts(3), ["source=192.0.2.1", "source=192.0.2.2"]);
}

#[test]
fn each_expr_is_registered_once_with_how_its_values_become_options() {
    let model = ok("inet { filter { INPUT {\n\
                    source={a} { accept proto=tcp dport={p}; accept ctstate={s}; }\n\
                    } } }");
    let modes: Vec<(String, Mode)> = model
        .dynamics
        .iter()
        .map(|d| (d.key.clone(), d.mode.clone()))
        .collect();
    assert_eq!(
        modes,
        [
            ("source".to_string(), Mode::Each),
            (
                "dport".to_string(),
                Mode::Ports {
                    single: "dport".into(),
                    multi: "dports".into()
                }
            ),
            ("ctstate".to_string(), Mode::Join),
        ]
    );
    // Both families' rules use the same three values.
    for family in &model.families {
        let rules = &family[0].chains[0].rules;
        assert_eq!(rules.len(), 2);
        assert!(rules.iter().all(|r| !r.is_static()));
    }
}

#[test]
fn target_options_are_told_from_match_options() {
    let model =
        ok("raw { PREROUTING { ct proto=tcp helper=ftp; ct match=helper helper=sip notrack; } }");
    let rules = &model.families[0][0].chains[0].rules;
    let of_target = |i: usize| match &rules[i].body {
        Body::Options { slots, .. } => slots
            .iter()
            .map(|s| (s.key.clone(), s.of_target, s.module.clone()))
            .collect::<Vec<_>>(),
        Body::Raw { .. } => panic!("options expected"),
    };
    assert_eq!(
        of_target(0),
        [
            ("proto".to_string(), false, None),
            ("helper".to_string(), true, None)
        ]
    );
    assert_eq!(
        of_target(1),
        [
            ("helper".to_string(), false, Some("helper".to_string())),
            ("notrack".to_string(), true, None),
        ]
    );
}

fn expansion_size(rules: usize, dynamic: bool) -> usize {
    let mut src = String::from("filter { INPUT {\n");
    for i in 0..rules {
        let port = if dynamic {
            "{p}".to_string()
        } else {
            (1000 + i).to_string()
        };
        src.push_str(&format!(
            "accept proto=tcp dport={port} source=192.0.2.{} comment=\"rule {i}\";\n",
            i % 250
        ));
    }
    src.push_str("} }");
    firewall2(src.parse().unwrap()).to_string().len()
}

#[test]
fn static_rules_become_static_data_that_grows_linearly() {
    let out = firewall2(
        "filter { INPUT { accept proto=tcp dport=22; } }"
            .parse()
            .unwrap(),
    )
    .to_string();
    assert!(out.contains("static __PYPTABLES_RULES"), "{out}");
    assert!(!out.contains("dynamic_rule"), "{out}");
    let (small, big) = (expansion_size(500, false), expansion_size(1000, false));
    let ratio = big as f64 / small as f64;
    assert!((1.9..2.1).contains(&ratio), "{small} → {big}");
    // A rule with a run-time value is built at run time.
    let out = firewall2(
        "filter { INPUT { accept dport={p} proto=tcp; } }"
            .parse()
            .unwrap(),
    )
    .to_string();
    assert!(out.contains("dynamic_rule"), "{out}");
    let (small, big) = (expansion_size(500, true), expansion_size(1000, true));
    let ratio = big as f64 / small as f64;
    assert!((1.9..2.1).contains(&ratio), "{small} → {big}");
}
