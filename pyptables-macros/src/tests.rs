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
        Body::Raw { .. } | Body::Zone(_) => panic!("options expected"),
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

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// A random firewall made of real words: tables, chains, verbs, keys and values, right and
/// wrong, in every combination.
fn random_firewall(rng: &mut Rng) -> String {
    const SECTIONS: &[&str] = &["", "", "ip6", "inet", "ip"];
    const TABLES: &[&str] = &["filter", "nat", "mangle", "raw", "security", "filtre"];
    const CHAINS: &[&str] = &[
        "INPUT",
        "FORWARD",
        "OUTPUT",
        "PREROUTING",
        "POSTROUTING",
        "chain a",
        "chain b \"b\"",
        "INPUT policy DROP",
        "chain a policy DROP",
        "nat_chain",
    ];
    const VERBS: &[&str] = &[
        "",
        "accept",
        "drop",
        "reject",
        "return",
        "log",
        "masquerade",
        "snat",
        "dnat",
        "mark",
        "ct",
        "jump a",
        "goto b",
        "jump c",
        "acept",
        "syn",
        "raw \"-j a\"",
    ];
    const OPTIONS: &[&str] = &[
        "proto=tcp",
        "proto=[tcp, udp]",
        "proto={p}",
        "dport=22",
        "dport=[ssh, 1:2, 99999]",
        "dport={ports}",
        "sport=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]",
        "dport!=[1, 2]",
        "source=10.0.0.0/8",
        "source=[192.0.2.1, \"2001:db8::1\"]",
        "source!=[192.0.2.1, 192.0.2.2]",
        "destination={hosts}",
        "ctstate=[NEW, ESTABLISHD]",
        "in_interface=eth0",
        "out_interface!=ppp0",
        "match=recent",
        "match=recnt",
        "match={m}",
        "name=ssh",
        "set",
        "!syn",
        "!fragment",
        "comment=\"x\"",
        "comment!=\"x\"",
        "log_prefix=\"p: \"",
        "reject_with=tcp-reset",
        "to_destination=10.0.0.1:80",
        "to_source={addr}",
        "set_mark=0x1",
        "helper=ftp",
        "uid_owner=0",
        "icmp_type=echo-request",
        "limit=5/fortnight",
        "drop",
    ];
    let mut src = String::new();
    for _ in 0..(1 + rng.next() % 3) {
        let section = rng.pick(SECTIONS);
        if !section.is_empty() {
            src.push_str(section);
            src.push_str(" { ");
        }
        src.push_str(rng.pick(TABLES));
        src.push_str(" { ");
        for _ in 0..(rng.next() % 4) {
            src.push_str(rng.pick(CHAINS));
            src.push_str(" { ");
            for _ in 0..(rng.next() % 4) {
                let block = rng.next().is_multiple_of(5);
                if block {
                    src.push_str(rng.pick(OPTIONS));
                    src.push_str(" { ");
                }
                src.push_str(rng.pick(VERBS));
                for _ in 0..(rng.next() % 4) {
                    src.push(' ');
                    src.push_str(rng.pick(OPTIONS));
                }
                src.push_str("; ");
                if block {
                    src.push_str("} ");
                }
            }
            src.push_str("} ");
        }
        src.push_str("} ");
        if !section.is_empty() {
            src.push_str("} ");
        }
    }
    src
}

#[test]
fn random_firewalls_never_panic_and_errors_point_into_the_input() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    for _ in 0..400 {
        let src = random_firewall(&mut rng);
        let tokens: TokenStream = src.parse().expect("generated input lexes");
        let (fw, parse_errors) = parse::parse_firewall(tokens.clone());
        let mut errors = Errors::default();
        check::check(&fw, &mut errors);
        for e in parse_errors.iter().chain(&errors.into_errors()) {
            let start = e.span().start();
            assert!(
                start.line == 1 && start.column < src.len(),
                "error outside the input: {e} in {src}"
            );
        }
        // And the whole macro produces tokens.
        assert!(!firewall2(tokens).is_empty(), "{src}");
    }
}

const ZONES: &str = "zones {\n\
                     lan = lan;\n\
                     dmz = dmz;\n\
                     guests = br0 port=vif3;\n\
                     }\n\
                     hosts {\n\
                     web = [198.51.100.10, 198.51.100.20-198.51.100.30];\n\
                     bad = ipset blocklist;\n\
                     v6 = \"2001:db8::/64\";\n\
                     }\n";

#[test]
fn zone_rules_resolve_names_and_keep_what_was_written() {
    let model = ok(&format!(
        "{ZONES}filter {{ FORWARD {{\n\
         accept from=[lan, bad] to=dmz:web tcp=[http, 8000:8080] udp=53 icmp=any log=\"x \";\n\
         jump audit from=guests;\n\
         }} chain audit {{ drop log=\"audit \" comment=\"audited\"; }} }}"
    ));
    assert_eq!(model.zones.len(), 3);
    assert_eq!(model.zones[2].port.as_deref(), Some("vif3"));
    assert_eq!(model.hosts.len(), 3);
    let rules = &model.families[0][0].chains;
    let forward = rules.iter().find(|c| c.name == "FORWARD").unwrap();
    let Body::Zone(z) = &forward.rules[0].body else {
        panic!("a zone rule expected");
    };
    assert!(!z.input);
    assert_eq!(z.verdict.as_ref().unwrap().name, "ACCEPT");
    assert_eq!(
        z.from,
        [
            crate::model::Place {
                zone: Some(0),
                hosts: None
            },
            crate::model::Place {
                zone: None,
                hosts: Some(1)
            }
        ]
    );
    assert_eq!(
        z.to,
        [crate::model::Place {
            zone: Some(1),
            hosts: Some(0)
        }]
    );
    let channels: Vec<String> = z
        .channels
        .iter()
        .map(|c| match c {
            crate::model::Channel::Tcp(p) => format!("tcp {p:?}"),
            crate::model::Channel::Udp(p) => format!("udp {p:?}"),
            crate::model::Channel::Icmp(t) => format!("icmp {t:?}"),
        })
        .collect();
    assert_eq!(
        channels,
        [
            "tcp [(80, 80), (8000, 8080)]",
            "udp [(53, 53)]",
            "icmp None"
        ]
    );
    assert_eq!(z.log.as_deref(), Some("x "));
    let Body::Zone(j) = &forward.rules[1].body else {
        panic!("a zone rule expected");
    };
    assert_eq!(j.verdict.as_ref().unwrap().name, "audit");
}

#[test]
fn unknown_zone_and_group_names_suggest_the_nearest() {
    let src = format!(
        "{ZONES}filter {{ FORWARD {{\n\
         accept from=lam to=dmz:webb;\n\
         accept from=dnz:web to=nowhere;\n\
         }} }}"
    );
    assert_eq!(
        errors(&src),
        [
            (
                12,
                13,
                "unknown zone or host group `lam`; did you mean `lan`?".to_string()
            ),
            (
                12,
                20,
                "unknown host group `webb` in `dmz:webb`; did you mean `web`?".to_string()
            ),
            (
                13,
                13,
                "unknown zone `dnz` in `dnz:web`; did you mean `dmz`?".to_string()
            ),
            (
                13,
                24,
                "unknown zone or host group `nowhere`; declare it in `zones { … }` or \
                 `hosts { … }`"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn declarations_are_checked() {
    let src = "zones {\n\
               lan = an-interface-name-too-long;\n\
               lan = eth0;\n\
               }\n\
               hosts {\n\
               r = [192.0.2.20-192.0.2.10, \"192.0.2.1-2001:db8::1\"];\n\
               n = 192.0.2.0/33;\n\
               lan = 192.0.2.1;\n\
               }";
    assert_eq!(
        errors(src),
        [
            (
                2,
                7,
                "invalid interface `an-interface-name-too-long`: interface name \
                 `an-interface-name-too-long` is 26 characters long; the kernel allows at most 15"
                    .to_string()
            ),
            (
                3,
                1,
                "zone `lan` is declared twice (first at line 2)".to_string()
            ),
            (
                6,
                6,
                "address range 192.0.2.20-192.0.2.10 starts after its end".to_string()
            ),
            (
                6,
                29,
                "address range 192.0.2.1-2001:db8::1 mixes IPv4 and IPv6".to_string()
            ),
            (
                7,
                5,
                "invalid host `192.0.2.0/33`: prefix length /33 is out of range 0-32".to_string()
            ),
            (
                8,
                1,
                "`lan` is already declared (line 2); zones and host groups share one namespace"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn a_zone_channel_with_more_ports_than_multiport_takes_is_an_error() {
    // 14 ports and a range: 16 slots.
    let src = format!(
        "{ZONES}filter {{ FORWARD {{\n\
         accept from=lan tcp=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 20:30];\n\
         accept from=lan tcp=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 20:30];\n\
         }} }}"
    );
    assert_eq!(
        errors(&src),
        [(
            12,
            22,
            "-m multiport takes at most 15 ports (a range counts two); this list needs 16: \
             write the key again with the rest, as in `tcp=[…] tcp=[…]`"
                .to_string()
        )]
    );
}

#[test]
fn zone_rules_are_checked_where_they_are_and_what_they_take() {
    let src = format!(
        "{ZONES}filter {{\n\
         INPUT {{ accept to=dmz; }}\n\
         OUTPUT {{ accept from=lan; }}\n\
         FORWARD {{\n\
         masquerade from=lan;\n\
         accept from=lan tcp=[443:80];\n\
         accept from=v6 proto=tcp;\n\
         from=lan;\n\
         }} }}\n\
         ip6 {{ filter {{ FORWARD {{ accept from=web icmp=any; }} }} }}"
    );
    assert_eq!(
        errors(&src),
        [
            (
                12,
                16,
                "`to=` in INPUT: traffic in INPUT is for this machine; write the rule in \
                 FORWARD, or leave `to=` out"
                    .to_string()
            ),
            (
                13,
                17,
                "zone rules (`from=`, `to=`, `tcp=`, …) go in INPUT, FORWARD or a user chain, \
                 not in OUTPUT"
                    .to_string()
            ),
            (
                15,
                1,
                "a zone rule's verb is `accept`, `drop`, `reject`, `jump NAME` or `goto NAME` (or \
                 none, to only log), not `masquerade`"
                    .to_string()
            ),
            (16, 22, "port range 443:80 starts after its end".to_string()),
            (
                17,
                13,
                "host group `v6` has no IPv4 addresses, so this IPv4 rule would match nothing; \
                 move it into `ip6 { … }`"
                    .to_string()
            ),
            (
                17,
                16,
                "`proto` cannot be used in a zone rule: it takes `from=`, `to=`, `tcp=`, `udp=`, \
                 `icmp=`, `ctstate=`, `log=` and `comment=`"
                    .to_string()
            ),
            (
                18,
                1,
                "this zone rule has neither a verb nor `log=`, so it would do nothing".to_string()
            ),
            (
                20,
                38,
                "host group `web` has no IPv6 addresses, so this IPv6 rule would match nothing; \
                 move it into `ip { … }` (or a top-level table)"
                    .to_string()
            ),
            (
                20,
                42,
                "`icmp=` is IPv4 only, but this rule is for IPv6".to_string()
            ),
        ]
    );
}

#[test]
fn numbers_with_a_leading_zero_are_compile_errors() {
    let src = "filter { INPUT {\n\
               accept ttl_eq=064;\n\
               accept proto=icmp icmp_type=010;\n\
               accept mark=010;\n\
               accept proto=tcp dport=022;\n\
               } }\n\
               ip6 { filter { INPUT { accept source=2001:db8::/064; } } }";
    let found = errors(src);
    let lines: Vec<usize> = found.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 3, 4, 5, 7], "{found:#?}");
    assert_eq!(
        found[0].2,
        "bad value `064` for `ttl_eq`: write `64` without the leading zero: iptables would read \
         `064` as octal, 52"
    );
    for e in &found {
        assert!(e.2.contains("leading zero"), "{e:?}");
    }
}

#[test]
fn host_entries_are_read_as_iptables_reads_them() {
    // The runtime parses the entries again at start-up: what it would refuse (or read
    // differently) must be a compile error here.
    let src = "hosts {\n\
               a = [10.64.0.0/010];\n\
               b = [10.0.0.0/+8];\n\
               c = [\"010.0.0.1\"];\n\
               }";
    let found = errors(src);
    let lines: Vec<usize> = found.iter().map(|e| e.0).collect();
    assert_eq!(lines, [2, 3, 4], "{found:#?}");
    assert_eq!(
        found[0].2,
        "invalid host `10.64.0.0/010`: write `10` without the leading zero: iptables would read \
         `010` as octal, 8"
    );
}

#[test]
fn a_raw_rule_too_long_for_one_restore_line_is_an_error_at_its_text() {
    let text = format!("-j ACCEPT{}", " ".repeat(10_300));
    let src = format!("filter {{ INPUT {{\n    raw \"{text}\";\n}} }}");
    let errs = errors(&src);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0, errs[0].1), (2, 9));
    assert!(
        errs[0]
            .2
            .contains("this raw rule is written as a line of 10318 bytes"),
        "{}",
        errs[0].2
    );
}
