//! `goto` (`-g`) against `jump` (`-j`) into a user chain that returns, with real packets.
//!
//! After a jump, `RETURN` goes back to the rule after the jump. After a goto, the calling
//! chain is not remembered: `RETURN` goes back to the rule after the one that jumped to the
//! *calling* chain, or, when a built-in chain made the goto, ends in that chain's policy
//! (iptables(8), TARGETS). The ruleset below is built so that each difference decides
//! whether a port is open:
//!
//! ```text
//! :INPUT DROP
//! -A INPUT -p tcp --dport 8080:8081 -j outer
//! -A INPUT -p tcp --dport 9090 -g inner      goto from a built-in chain
//! -A INPUT -p tcp --dport 9091 -j inner      jump from a built-in chain
//! -A INPUT -p tcp --dport 8080 -j ACCEPT     (the same four ports are accepted here)
//! -A INPUT -p tcp --dport 8081 -j ACCEPT
//! -A INPUT -p tcp --dport 9090 -j ACCEPT
//! -A INPUT -p tcp --dport 9091 -j ACCEPT
//! -A outer -p tcp --dport 8080 -g inner      goto from a user chain
//! -A outer -p tcp --dport 8081 -j inner      jump from a user chain
//! -A outer -j DROP
//! -A inner -j RETURN
//! ```
//!
//! | port | path | verdict |
//! |---|---|---|
//! | 8080 | INPUT → outer → goto inner → RETURN to INPUT after `-j outer` → ACCEPT | open |
//! | 8081 | INPUT → outer → jump inner → RETURN to outer after `-j inner` → DROP | dropped |
//! | 9090 | INPUT → goto inner → RETURN with nothing to return to → INPUT's policy DROP | dropped |
//! | 9091 | INPUT → jump inner → RETURN to INPUT after `-j inner` → ACCEPT | open |
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test behaviour_goto_return -- --include-ignored`.

mod behaviour_support;

use behaviour_support::{apply, on_both_backends};
use pyptables::{default_tables, Chain, Policy, Rule, Tables};
use pyptables_testkit::{Backend, TcpOutcome::*, Topology};

fn tables() -> Tables {
    let mut tables = default_tables();
    let filter = &mut tables["filter"];
    filter
        .add_chain(Chain::user("outer"))
        .push(Rule::new().proto("tcp").dport(8080).goto("inner"))
        .push(Rule::new().proto("tcp").dport(8081).jump("inner"))
        .push(Rule::new().drop());
    filter
        .add_chain(Chain::user("inner"))
        .push(Rule::new().ret());
    let input = &mut filter["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input
        .push(Rule::new().proto("tcp").dport("8080:8081").jump("outer"))
        .push(Rule::new().proto("tcp").dport(9090).goto("inner"))
        .push(Rule::new().proto("tcp").dport(9091).jump("inner"));
    for port in [8080, 8081, 9090, 9091] {
        input.push(Rule::new().proto("tcp").dport(port).accept());
    }
    tables
}

fn return_after_goto_skips_the_calling_chain_and_after_jump_does_not(b: Backend) {
    let tables = tables();
    // The rules are the ones described above (iptables-restore's own spelling).
    let filter = tables.to_iptables_plain();
    for line in [
        "-A INPUT -p tcp -m tcp --dport 8080:8081 -j outer",
        "-A INPUT -p tcp -m tcp --dport 9090 -g inner",
        "-A INPUT -p tcp -m tcp --dport 9091 -j inner",
        "-A outer -p tcp -m tcp --dport 8080 -g inner",
        "-A outer -p tcp -m tcp --dport 8081 -j inner",
        "-A outer -j DROP",
        "-A inner -j RETURN",
    ] {
        assert!(filter.contains(&format!("{line}\n")), "{line} in\n{filter}");
    }
    let net = Topology::single_host("goto_return").unwrap();
    apply(&net, "host", b, &tables);

    assert_eq!(
        net.tcp("client", "host", 8080),
        Accepted,
        "{b}: goto from outer: RETURN goes back to INPUT, which accepts host:8080"
    );
    assert_eq!(
        net.tcp("client", "host", 8081),
        TimedOut,
        "{b}: jump from outer: RETURN goes back to outer, which drops host:8081"
    );
    assert_eq!(
        net.tcp("client", "host", 9090),
        TimedOut,
        "{b}: goto from INPUT: RETURN ends in INPUT's DROP policy for host:9090"
    );
    assert_eq!(
        net.tcp("client", "host", 9091),
        Accepted,
        "{b}: jump from INPUT: RETURN goes back to INPUT, which accepts host:9091"
    );
}

on_both_backends!(return_after_goto_skips_the_calling_chain_and_after_jump_does_not);
