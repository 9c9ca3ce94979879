//! The benchmark ruleset through `firewall!` with run-time values, for sizes too big to write
//! out (100,000 rules would be about 8 MB of source; the root package's `build.rs` writes
//! 1k and 10k).
//!
//! One `firewall!` rule whose source, destination, port and comment are `{expr}`s is expanded
//! once per rule and the rule is moved into one FORWARD chain. This measures the macro's
//! run-time path (`{expr}` values, rules built at run time) plus a small firewall per rule;
//! written-out rules (`fw_1k.rs`, `fw_10k.rs` of `build.rs`) take the static path instead.

use std::net::Ipv4Addr;

use pyptables::value::Ipv4Net;
use pyptables::{firewall, Firewall};

/// Rule `i` of the benchmark ruleset, alone in filter FORWARD.
pub fn rule_firewall(i: usize) -> Firewall {
    let source = Ipv4Net::new(
        Ipv4Addr::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8),
        32,
    )
    .expect("32 is a valid prefix");
    let destination = Ipv4Net::new(Ipv4Addr::new(192, 0, 2, (i % 250 + 1) as u8), 32)
        .expect("32 is a valid prefix");
    let port = (1024 + i % 60000) as u16;
    let comment = format!("rule {i}");
    firewall! {
        filter {
            FORWARD policy DROP {
                accept source={source} destination={destination} proto=tcp dport={port}
                    ctstate=NEW comment={comment};
            }
        }
    }
}

/// Rules `1..=n` (`n` ≥ 1): rule 1's firewall with the rules of the others appended.
pub fn firewall(n: usize) -> Firewall {
    let mut fw = rule_firewall(1);
    let forward = &mut fw.ipv4_mut()["filter"]["FORWARD"];
    forward.reserve(n.saturating_sub(1));
    for i in 2..=n {
        let mut one = rule_firewall(i);
        let rule = one.ipv4_mut()["filter"]["FORWARD"]
            .remove(0)
            .expect("the firewall holds one rule");
        forward.extend(std::iter::once(rule));
    }
    fw
}
