//! `{expr}` lists in `firewall!` at run time: what an empty list means (an empty negated list
//! must never remove a rule), values negated one by one, and the cap on how many rules one rule
//! may expand into.

use std::net::IpAddr;

use pyptables::value::{not, IntoValue, Value};
use pyptables::{firewall, Problem, Tables};

/// The `-A INPUT …` lines of the filter table, without the prefix.
fn input(tables: &Tables) -> Vec<String> {
    tables
        .to_iptables_plain()
        .lines()
        .filter_map(|l| l.strip_prefix("-A INPUT "))
        .map(str::to_string)
        .collect()
}

#[test]
fn an_empty_negated_list_matches_every_packet_and_keeps_the_rule() {
    // "Not from any allowed address", with none allowed: every packet. The drop stays, without
    // the option; it is never left out (which would let everything through).
    let allowed: Vec<IpAddr> = Vec::new();
    let ports: Vec<u16> = Vec::new();
    let states: Vec<&str> = Vec::new();
    let fw = firewall! {
        filter {
            INPUT {
                drop source!={allowed.clone()};
                drop proto=tcp dport!={ports.clone()};
                drop ctstate!={states.clone()};
                accept source={allowed.clone()};
            }
        }
    };
    fw.validate().unwrap();
    assert_eq!(input(fw.ipv4()), ["-j DROP", "-p tcp -j DROP", "-j DROP"]);
}

#[test]
fn values_negated_one_by_one_in_a_run_time_list() {
    // Each port negated: "none of these", one multiport match however long the list.
    let closed: Vec<Value> = (1..=20u16).map(|p| not(p).into_value()).collect();
    let one = vec![not("10.0.0.0/8")];
    let fw = firewall! {
        filter {
            INPUT {
                drop proto=tcp dport={closed[..2].to_vec()};
                drop source={one.clone()};
            }
        }
    };
    fw.validate().unwrap();
    assert_eq!(
        input(fw.ipv4()),
        [
            "-p tcp -m multiport ! --dports 1,2 -j DROP",
            "! -s 10.0.0.0/8 -j DROP"
        ]
    );
    // Twenty do not fit one multiport match: refused, not split into rules that would each
    // match the ports the others exclude.
    let fw = firewall! { filter { INPUT { drop proto=tcp dport={closed.clone()}; } } };
    let errors = fw.validate().unwrap_err();
    assert!(errors.to_string().contains("at most 15 ports"), "{errors}");
    assert_eq!(input(fw.ipv4()).len(), 1);
    // Several negated addresses: iptables has no "none of these addresses" in one rule.
    let two = vec![not("10.0.0.0/8"), not("192.168.0.0/16")];
    let fw = firewall! { filter { INPUT { drop source={two.clone()}; } } };
    let errors = fw.validate().unwrap_err();
    assert!(
        errors.to_string().contains("several negated addresses"),
        "{errors}"
    );
    // Negated and plain values mixed: refused.
    let mixed: Vec<Value> = vec![not(22u16).into_value(), 80u16.into_value()];
    let fw = firewall! { filter { INPUT { drop proto=tcp dport={mixed.clone()}; } } };
    let errors = fw.validate().unwrap_err();
    assert!(
        errors.to_string().contains("mixes negated and plain"),
        "{errors}"
    );
}

#[test]
fn run_time_lists_are_capped_like_compile_time_lists() {
    // Three lists of 1,000: a billion rules (this aborted on a 1.7 GB allocation).
    let ifaces: Vec<String> = (0..1000).map(|i| format!("e{i}")).collect();
    let hosts: Vec<String> = (0..1000)
        .map(|i| format!("10.0.{}.{}", i / 256, i % 256))
        .collect();
    let line = line!() + 4;
    let fw = firewall! {
        filter {
            INPUT {
                accept in_interface={ifaces.clone()} source={hosts.clone()} destination={hosts.clone()};
                accept proto=tcp dport=22;
            }
        }
    };
    let errors = fw.validate().unwrap_err();
    assert_eq!(errors.len(), 1, "{errors}");
    let e = &errors.0[0];
    assert_eq!(e.origin.line, line, "{e}");
    assert!(
        matches!(&e.problem, Problem::TooManyRules { count, max: 100_000 } if count == "1000000000"),
        "{e}"
    );
    assert_eq!(
        e.problem.to_string(),
        "this rule's lists expand into 1000000000 rules (at most 100000); use fewer or shorter lists"
    );
    // The rules after it are still there; the refused one loads nowhere (iptables refuses its
    // line too).
    let rules = input(fw.ipv4());
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert_eq!(rules[1], "-p tcp -m tcp --dport 22 -j ACCEPT");
    // A static list counts too.
    let fw = firewall! {
        filter { INPUT { accept in_interface={ifaces.clone()} source={hosts.clone()} destination=[192.0.2.1, 192.0.2.2, 192.0.2.3]; } }
    };
    assert!(fw
        .validate()
        .unwrap_err()
        .to_string()
        .contains("3000000 rules"));
}
