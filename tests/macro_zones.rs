//! Zones and host groups in `firewall!`: declared once, used by name in zone rules, expanded
//! by `pyptables::zones`. Expected lines are written by hand in the renderer's order
//! (`-s -d -i -o -p`, then the match modules in the order given).

use pyptables::firewall;

#[path = "../examples/zone_router.rs"]
#[allow(dead_code)]
mod zone_router;

fn rules(text: &str, chain: &str) -> Vec<String> {
    let prefix = format!("-A {chain} ");
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_zone_router_reads_as_its_policy() {
    let fw = firewall! {
        zones {
            lan = eth1;
            dmz = eth2;
            wan = ppp+;
            guests = br0 port=vif3;
        }
        hosts {
            web = [198.51.100.10, 198.51.100.20-198.51.100.21];
            admins = 192.0.2.0/28;
            blocklist = ipset blocklist;
        }
        filter {
            INPUT policy DROP {
                accept from=lan:admins tcp=ssh;
            }
            FORWARD policy DROP {
                drop from=wan:blocklist;
                // lan may reach the web servers on tcp 80 and 443, and log it
                accept from=lan to=dmz:web tcp=[80, 443] log="lan-web ";
                from=guests {
                    accept to=wan udp=[53, 1024:2048];
                    reject to=lan;
                }
                jump audit from=wan to=blocklist;
                log="rest ";
            }
            chain audit { drop comment="audited" icmp=echo-request; }
        }
    };
    fw.validate().unwrap();
    let text = fw.ipv4().to_iptables_plain();
    assert_eq!(
        rules(&text, "INPUT"),
        [
            r#"-s 192.0.2.0/28 -i eth1 -p tcp -m tcp --dport 22 -m comment --comment "lan:admins -> local, channel tcp, ports any -> 22" -j ACCEPT"#
        ]
    );
    assert_eq!(
        rules(&text, "FORWARD"),
        [
            r#"-i ppp+ -m set --match-set blocklist src -m comment --comment "wan:blocklist -> any" -j DROP"#,
            r#"-d 198.51.100.10 -i eth1 -o eth2 -p tcp -m multiport --dports 80,443 -m comment --comment "lan -> dmz:web, channel tcp, ports any -> 80,443" -j LOG --log-prefix "lan-web ""#,
            r#"-d 198.51.100.10 -i eth1 -o eth2 -p tcp -m multiport --dports 80,443 -m comment --comment "lan -> dmz:web, channel tcp, ports any -> 80,443" -j ACCEPT"#,
            r#"-i eth1 -o eth2 -p tcp -m iprange --dst-range 198.51.100.20-198.51.100.21 -m multiport --dports 80,443 -m comment --comment "lan -> dmz:web, channel tcp, ports any -> 80,443" -j LOG --log-prefix "lan-web ""#,
            r#"-i eth1 -o eth2 -p tcp -m iprange --dst-range 198.51.100.20-198.51.100.21 -m multiport --dports 80,443 -m comment --comment "lan -> dmz:web, channel tcp, ports any -> 80,443" -j ACCEPT"#,
            r#"-i br0 -o ppp+ -p udp -m physdev --physdev-in vif3 -m multiport --dports 53,1024:2048 -m comment --comment "guests -> wan, channel udp, ports any -> 53,1024:2048" -j ACCEPT"#,
            r#"-i br0 -o eth1 -m physdev --physdev-in vif3 -m comment --comment "guests -> lan" -j REJECT"#,
            r#"-i ppp+ -m set --match-set blocklist dst -m comment --comment "wan -> blocklist" -j audit"#,
            r#"-m comment --comment "any -> any" -j LOG --log-prefix "rest ""#,
        ]
    );
    assert_eq!(
        rules(&text, "audit"),
        [
            r#"-p icmp -m icmp --icmp-type echo-request -m comment --comment "audited: any -> any, channel icmp, type echo-request" -j DROP"#
        ]
    );
}

#[test]
fn in_inet_each_family_gets_the_entries_of_its_own() {
    let fw = firewall! {
        zones { lan = eth1; }
        hosts { dns = [192.0.2.53, "2001:db8::53"]; }
        inet {
            filter {
                FORWARD { accept from=lan to=dns udp=53 tcp=53; }
            }
        }
    };
    fw.validate().unwrap();
    assert_eq!(
        rules(&fw.ipv4().to_iptables_plain(), "FORWARD"),
        [
            r#"-d 192.0.2.53 -i eth1 -p udp -m udp --dport 53 -m comment --comment "lan -> dns, channel udp, ports any -> 53" -j ACCEPT"#,
            r#"-d 192.0.2.53 -i eth1 -p tcp -m tcp --dport 53 -m comment --comment "lan -> dns, channel tcp, ports any -> 53" -j ACCEPT"#,
        ]
    );
    assert_eq!(
        rules(&fw.ipv6().to_iptables_plain(), "FORWARD"),
        [
            r#"-d 2001:db8::53 -i eth1 -p udp -m udp --dport 53 -m comment --comment "lan -> dns, channel udp, ports any -> 53" -j ACCEPT"#,
            r#"-d 2001:db8::53 -i eth1 -p tcp -m tcp --dport 53 -m comment --comment "lan -> dns, channel tcp, ports any -> 53" -j ACCEPT"#,
        ]
    );
}

#[test]
fn zone_rules_mix_with_ordinary_rules_in_source_order() {
    let fw = firewall! {
        zones { lan = eth1; wan = eth0; }
        filter {
            FORWARD policy DROP {
                accept ctstate=[ESTABLISHED, RELATED];
                accept from=lan to=wan tcp=any;
                accept proto=udp dport=123;
                drop from=wan;
            }
        }
    };
    fw.validate().unwrap();
    assert_eq!(
        rules(&fw.ipv4().to_iptables_plain(), "FORWARD"),
        [
            "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
            r#"-i eth1 -o eth0 -p tcp -m comment --comment "lan -> wan, channel tcp, ports any -> any" -j ACCEPT"#,
            "-p udp -m udp --dport 123 -j ACCEPT",
            r#"-i eth0 -m comment --comment "wan -> any" -j DROP"#,
        ]
    );
}

#[test]
fn connection_states_go_to_every_channel() {
    let fw = firewall! {
        zones { lan = eth1; }
        filter {
            INPUT { accept from=lan tcp=22 icmp=any ctstate=NEW; }
        }
    };
    fw.validate().unwrap();
    assert_eq!(
        rules(&fw.ipv4().to_iptables_plain(), "INPUT"),
        [
            r#"-i eth1 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m comment --comment "lan -> local, channel tcp, NEW, ports any -> 22" -j ACCEPT"#,
            r#"-i eth1 -p icmp -m conntrack --ctstate NEW -m comment --comment "lan -> local, channel icmp, NEW, type any" -j ACCEPT"#,
        ]
    );
}

#[test]
fn a_comment_too_long_once_expanded_is_found_by_validate() {
    // The comment is checked at compile time on its own (at most 255 bytes), but the route
    // description is added at run time; validation catches the total.
    let fw = firewall! {
        zones { lan = eth1; }
        filter {
            FORWARD {
                accept from=lan comment="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
            }
        }
    };
    let errors = fw.validate().unwrap_err().to_string();
    assert!(errors.contains("comment"), "{errors}");
    assert!(errors.contains("macro_zones.rs"), "{errors}");
}

#[test]
fn service_names_with_a_dash_are_names_not_ranges() {
    let fw = firewall! {
        zones { lan = eth1; }
        filter { INPUT { accept from=lan tcp=ftp-data udp=netbios-ns; } }
    };
    let text = fw.ipv4().to_iptables_plain();
    // /etc/services: ftp-data 20/tcp, netbios-ns 137/udp.
    assert_eq!(
        rules(&text, "INPUT"),
        [
            r#"-i eth1 -p tcp -m tcp --dport 20 -m comment --comment "lan -> local, channel tcp, ports any -> 20" -j ACCEPT"#,
            r#"-i eth1 -p udp -m udp --dport 137 -m comment --comment "lan -> local, channel udp, ports any -> 137" -j ACCEPT"#,
        ]
    );
}

#[test]
fn a_zone_named_like_its_interface_is_that_interface_in_other_rules() {
    // `out_interface=wan` is refused when zone `wan` has another interface
    // (tests/ui/fail/zone_names_as_values.rs); here both mean the interface `wan`.
    let fw = firewall! {
        zones { wan = wan; }
        nat { POSTROUTING { masquerade out_interface=wan; } }
    };
    let text = fw.ipv4().to_iptables_plain();
    assert_eq!(rules(&text, "POSTROUTING"), ["-o wan -j MASQUERADE"]);
}

#[test]
fn the_firewall_macro_version_is_the_same_ruleset() {
    let dsl = zone_router::firewall();
    dsl.validate().unwrap();
    assert!(dsl.ipv6().is_empty());
    let builder = zone_router::tables().unwrap();
    assert_eq!(dsl.ipv4().to_iptables_plain(), builder.to_iptables_plain());
    // Each expanded rule is annotated with the line of the zone rule that wrote it.
    let annotated = dsl.ipv4().to_iptables();
    assert!(annotated.contains("# Rule: services: wan -> dmz:servers, channel udp, ports any -> 53 (tests/../examples/zone_router.rs:"), "{annotated}");
}
