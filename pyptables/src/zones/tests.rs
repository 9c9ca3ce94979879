//! Expansion of zone rules: order, products, comments, log rules and errors. Expected lines
//! are written by hand from python-pyptables' semantics and iptables' syntax.

use super::*;
use crate::value::CtState;
use crate::{default_tables, Family, Policy, Rule, Target};

fn lines(rules: &[Rule]) -> Vec<String> {
    rules.iter().map(Rule::to_string).collect()
}

fn lan() -> Zone {
    Zone::new("lan", "lan")
}
fn dmz() -> Zone {
    Zone::new("dmz", "dmz")
}
fn wan() -> Zone {
    Zone::new("wan", "wan")
}

#[test]
fn product_order_is_sources_then_destinations_then_channels() {
    let rules = ForwardingRule::accept()
        .from(lan())
        .from(wan())
        .to(dmz())
        .to(Hosts::parse("mail", "203.0.113.25").unwrap())
        .channel(TcpChannel::new().dport(25))
        .channel(UdpChannel::new().dport(53))
        .rules()
        .unwrap();
    assert_eq!(
        lines(&rules),
        [
            r#"-i lan -o dmz -p tcp -m tcp --dport 25 -m comment --comment "lan -> dmz, channel tcp, ports any -> 25" -j ACCEPT"#,
            r#"-i lan -o dmz -p udp -m udp --dport 53 -m comment --comment "lan -> dmz, channel udp, ports any -> 53" -j ACCEPT"#,
            r#"-d 203.0.113.25 -i lan -p tcp -m tcp --dport 25 -m comment --comment "lan -> mail, channel tcp, ports any -> 25" -j ACCEPT"#,
            r#"-d 203.0.113.25 -i lan -p udp -m udp --dport 53 -m comment --comment "lan -> mail, channel udp, ports any -> 53" -j ACCEPT"#,
            r#"-i wan -o dmz -p tcp -m tcp --dport 25 -m comment --comment "wan -> dmz, channel tcp, ports any -> 25" -j ACCEPT"#,
            r#"-i wan -o dmz -p udp -m udp --dport 53 -m comment --comment "wan -> dmz, channel udp, ports any -> 53" -j ACCEPT"#,
            r#"-d 203.0.113.25 -i wan -p tcp -m tcp --dport 25 -m comment --comment "wan -> mail, channel tcp, ports any -> 25" -j ACCEPT"#,
            r#"-d 203.0.113.25 -i wan -p udp -m udp --dport 53 -m comment --comment "wan -> mail, channel udp, ports any -> 53" -j ACCEPT"#,
        ]
    );
}

#[test]
fn a_log_rule_comes_right_before_each_verdict() {
    let rules = ForwardingRule::drop()
        .from(wan())
        .to(lan())
        .to(dmz())
        .log("FWD wan D ")
        .comment("no wan")
        .rules()
        .unwrap();
    assert_eq!(
        lines(&rules),
        [
            r#"-i wan -o lan -m comment --comment "no wan: wan -> lan" -j LOG --log-prefix "FWD wan D ""#,
            r#"-i wan -o lan -m comment --comment "no wan: wan -> lan" -j DROP"#,
            r#"-i wan -o dmz -m comment --comment "no wan: wan -> dmz" -j LOG --log-prefix "FWD wan D ""#,
            r#"-i wan -o dmz -m comment --comment "no wan: wan -> dmz" -j DROP"#,
        ]
    );
}

#[test]
fn a_missing_side_is_any_and_a_rule_without_channels_has_no_protocol() {
    assert_eq!(
        lines(&ForwardingRule::reject().to(wan()).rules().unwrap()),
        [r#"-o wan -m comment --comment "any -> wan" -j REJECT"#]
    );
    assert_eq!(
        lines(&ForwardingRule::accept().from(lan()).rules().unwrap()),
        [r#"-i lan -m comment --comment "lan -> any" -j ACCEPT"#]
    );
    assert_eq!(
        lines(&ForwardingRule::log_only().log("all ").rules().unwrap()),
        [r#"-m comment --comment "any -> any" -j LOG --log-prefix "all ""#]
    );
}

#[test]
fn host_groups_expand_per_entry_and_ranges_use_iprange() {
    let hosts = Hosts::parse(
        "web",
        "198.51.100.10 198.51.100.64/26,198.51.100.20-198.51.100.30",
    )
    .unwrap();
    let rules = ForwardingRule::accept()
        .from(lan().with(&hosts))
        .to(dmz().with(&hosts))
        .rules()
        .unwrap();
    assert_eq!(rules.len(), 9);
    let l = lines(&rules);
    assert_eq!(
        l[0],
        r#"-s 198.51.100.10 -d 198.51.100.10 -i lan -o dmz -m comment --comment "lan:web -> dmz:web" -j ACCEPT"#
    );
    assert_eq!(
        l[1],
        r#"-s 198.51.100.10 -d 198.51.100.64/26 -i lan -o dmz -m comment --comment "lan:web -> dmz:web" -j ACCEPT"#
    );
    assert_eq!(
        l[8],
        r#"-i lan -o dmz -m iprange --src-range 198.51.100.20-198.51.100.30 --dst-range 198.51.100.20-198.51.100.30 -m comment --comment "lan:web -> dmz:web" -j ACCEPT"#
    );
}

#[test]
fn ipsets_and_bridge_ports() {
    let guests = Zone::new("guests", "br0").bridge_port("vif3");
    let rules = ForwardingRule::drop()
        .from(&guests)
        .to(wan().with(IpSet::new("bad_hosts")))
        .rules()
        .unwrap();
    assert_eq!(
        lines(&rules),
        [
            r#"-i br0 -o wan -m physdev --physdev-in vif3 -m set --match-set bad_hosts dst -m comment --comment "guests -> wan:bad_hosts" -j DROP"#
        ]
    );
    let rules = InputRule::drop()
        .from(IpSet::new("blocklist"))
        .rules()
        .unwrap();
    assert_eq!(
        lines(&rules),
        [r#"-m set --match-set blocklist src -m comment --comment "blocklist -> local" -j DROP"#]
    );
}

#[test]
fn channels_ports_states_and_icmp() {
    let rules = InputRule::accept()
        .from(lan())
        .channel(
            TcpChannel::new()
                .sports([1024..=65535])
                .dports([22, 80])
                .dport(8000..=8080)
                .states([CtState::New]),
        )
        .channel(IcmpChannel::new().icmp_type("echo-request"))
        .channel(IcmpChannel::new())
        .rules()
        .unwrap();
    assert_eq!(
        lines(&rules),
        [
            r#"-i lan -p tcp -m tcp --sport 1024:65535 -m multiport --dports 22,80,8000:8080 -m conntrack --ctstate NEW -m comment --comment "lan -> local, channel tcp, NEW, ports 1024:65535 -> 22,80,8000:8080" -j ACCEPT"#,
            r#"-i lan -p icmp -m icmp --icmp-type echo-request -m comment --comment "lan -> local, channel icmp, type echo-request" -j ACCEPT"#,
            r#"-i lan -p icmp -m comment --comment "lan -> local, channel icmp, type any" -j ACCEPT"#,
        ]
    );
}

#[test]
fn any_target_and_the_rule_comment() {
    let rules = ForwardingRule::new(Target::jump("audit"))
        .from(lan())
        .to(wan())
        .comment("audited")
        .rules()
        .unwrap();
    assert_eq!(
        lines(&rules),
        [r#"-i lan -o wan -m comment --comment "audited: lan -> wan" -j audit"#]
    );
}

#[test]
fn bad_ranges_are_errors_not_output() {
    assert_eq!(
        Hosts::parse("x", "192.0.2.20-192.0.2.10").unwrap_err(),
        ZoneError::ReversedRange {
            start: "192.0.2.20".parse().unwrap(),
            end: "192.0.2.10".parse().unwrap()
        }
    );
    assert_eq!(
        Hosts::parse("x", "192.0.2.1-2001:db8::1")
            .unwrap_err()
            .to_string(),
        "address range 192.0.2.1-2001:db8::1 mixes IPv4 and IPv6"
    );
    assert_eq!(
        Hosts::parse("x", "192.0.2.300").unwrap_err().to_string(),
        "invalid host `192.0.2.300`: `192.0.2.300` is not a valid IP address"
    );
    assert_eq!(
        Hosts::parse("x", " , ").unwrap_err(),
        ZoneError::EmptyHosts { name: "x".into() }
    );
    // The same range is accepted the right way round.
    assert!(Hosts::parse("x", "192.0.2.10-192.0.2.20").is_ok());
}

#[test]
fn bad_channels_and_empty_rules_are_errors() {
    // Clippy flags a literal reversed range; ranges computed at run time are not caught.
    let (low, high) = (443, 80);
    let reversed = ForwardingRule::accept()
        .channel(TcpChannel::new().dport(low..=high))
        .rules();
    assert_eq!(
        reversed.unwrap_err(),
        ZoneError::ReversedPorts { low: 443, high: 80 }
    );
    let many = ForwardingRule::accept()
        .channel(UdpChannel::new().dports(1..=16u16))
        .rules();
    let many = many.unwrap_err();
    assert!(matches!(many, ZoneError::TooManyPorts { slots: 16, .. }));
    // The limit and its wording are the catalog's, as in the macro and the value checks.
    assert_eq!(
        many.to_string(),
        "channel `udp 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16`: -m multiport takes at most 15 \
         ports (a range counts two); this list needs 16: split it into several channels"
    );
    // 15 slots are fine: 13 ports and one range.
    assert!(ForwardingRule::accept()
        .channel(UdpChannel::new().dports(1..=13u16).dport(100..=200))
        .rules()
        .is_ok());
    assert_eq!(
        ForwardingRule::log_only().rules().unwrap_err(),
        ZoneError::NothingToDo
    );
}

#[test]
fn families_mixed_in_one_rule_are_errors_or_filtered() {
    let both = Hosts::parse("both", "192.0.2.0/24, 2001:db8::/64").unwrap();
    let v4_only = Hosts::parse("v4", "198.51.100.1").unwrap();
    let rule = ForwardingRule::accept().from(&both).to(&v4_only);
    assert_eq!(
        rule.rules().unwrap_err().to_string(),
        "`both -> v4` mixes IPv4 and IPv6; use rules_for(Family) to expand one family"
    );
    assert_eq!(
        lines(&rule.rules_for(Family::V4).unwrap()),
        [r#"-s 192.0.2.0/24 -d 198.51.100.1 -m comment --comment "both -> v4" -j ACCEPT"#]
    );
    assert!(rule.rules_for(Family::V6).unwrap().is_empty());
    let v6 = ForwardingRule::accept()
        .from(&both)
        .channel(IcmpChannel::new())
        .channel(TcpChannel::new().dport(22));
    assert_eq!(
        lines(&v6.rules_for(Family::V6).unwrap()),
        [
            r#"-s 2001:db8::/64 -p tcp -m tcp --dport 22 -m comment --comment "both -> any, channel tcp, ports any -> 22" -j ACCEPT"#
        ]
    );
}

#[test]
fn expanded_rules_go_through_catalog_validation() {
    let mut tables = default_tables();
    let forward = &mut tables["filter"]["FORWARD"];
    forward.set_policy(Policy::Drop).unwrap();
    forward.push(
        ForwardingRule::drop()
            .from(Zone::new("lan", "an-interface-name-too-long"))
            .log("this log prefix is much too long for iptables")
            .rules()
            .unwrap(),
    );
    let errors = tables.validate().unwrap_err();
    let text = errors.to_string();
    assert!(text.contains("an-interface-name-too-long"), "{text}");
    assert!(text.contains("log-prefix"), "{text}");
    // Both the LOG rule and the DROP rule carry the bad interface.
    assert!(
        errors.iter().filter(|e| e.rule == Some(1)).count() >= 1,
        "{text}"
    );
}

#[test]
fn rules_remember_where_they_were_expanded() {
    let line = line!() + 1;
    let rules = ForwardingRule::accept().log("x ").rules().unwrap();
    assert!(rules.iter().all(|r| r.origin().line == line));
    assert!(rules[0].origin().file.ends_with("tests.rs"));
}
