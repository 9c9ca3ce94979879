//! What `firewall!` expands into, construct by construct: the rendered `-A` lines of each
//! chain (expected lines written by hand in iptables' syntax), chain declarations, policies,
//! families, and the source lines rules remember.

use std::cell::Cell;
use std::net::IpAddr;

use pyptables::value::IpNet;
use pyptables::{firewall, Firewall, Tables};

/// The `-A CHAIN …` lines of `chain` in `table`, without the `-A CHAIN ` prefix.
fn rules(tables: &Tables, table: &str, chain: &str) -> Vec<String> {
    let prefix = format!("-A {chain} ");
    let text = tables.to_iptables_plain();
    let mut in_table = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            in_table = name == table;
        } else if in_table {
            if let Some(rule) = line.strip_prefix(&prefix) {
                out.push(rule.to_string());
            }
        }
    }
    out
}

/// The chain declarations (`:NAME POLICY [0:0]`) of `table`.
fn declarations(tables: &Tables, table: &str) -> Vec<String> {
    let text = tables.to_iptables_plain();
    let mut in_table = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            in_table = name == table;
        } else if in_table && line.starts_with(':') {
            out.push(line.to_string());
        }
    }
    out
}

fn valid(fw: &Firewall) {
    if let Err(e) = fw.validate() {
        panic!("the firewall does not validate:\n{e}");
    }
}

#[test]
fn every_kind_of_verb() {
    let fw = firewall! {
        filter {
            INPUT {
                accept proto=tcp dport=22;
                drop source=192.0.2.1;
                reject proto=tcp reject_with=tcp-reset;
                reject;
                log log_prefix="in: " log_level=4;
                jump web proto=tcp dport=80;
                goto web proto=tcp dport=8080;
                proto=udp;
                raw "-p tcp --dport 25 -j DROP";
                return;
            }
            chain web { accept; }
        }
        nat {
            PREROUTING {
                dnat proto=tcp dport=80 to_destination=192.0.2.10:8080;
                redirect proto=tcp dport=81 to_ports=3128;
            }
            POSTROUTING {
                masquerade out_interface=eth0;
                snat out_interface=eth1 to_source=198.51.100.1;
            }
        }
        mangle { PREROUTING { mark set_mark=0x10; } }
        raw { PREROUTING { notrack proto=udp dport=53; ct proto=tcp dport=21 helper=ftp; } }
    };
    valid(&fw);
    let v4 = fw.ipv4();
    assert_eq!(
        rules(v4, "filter", "INPUT"),
        [
            "-p tcp -m tcp --dport 22 -j ACCEPT",
            "-s 192.0.2.1 -j DROP",
            "-p tcp -j REJECT --reject-with tcp-reset",
            "-j REJECT",
            "-j LOG --log-prefix \"in: \" --log-level 4",
            "-p tcp -m tcp --dport 80 -j web",
            "-p tcp -m tcp --dport 8080 -g web",
            "-p udp",
            "-p tcp --dport 25 -j DROP",
            "-j RETURN",
        ]
    );
    assert_eq!(rules(v4, "filter", "web"), ["-j ACCEPT"]);
    assert_eq!(
        rules(v4, "nat", "PREROUTING"),
        [
            "-p tcp -m tcp --dport 80 -j DNAT --to-destination 192.0.2.10:8080",
            "-p tcp -m tcp --dport 81 -j REDIRECT --to-ports 3128",
        ]
    );
    assert_eq!(
        rules(v4, "nat", "POSTROUTING"),
        [
            "-o eth0 -j MASQUERADE",
            "-o eth1 -j SNAT --to-source 198.51.100.1",
        ]
    );
    assert_eq!(
        rules(v4, "mangle", "PREROUTING"),
        ["-j MARK --set-mark 0x10"]
    );
    assert_eq!(
        rules(v4, "raw", "PREROUTING"),
        [
            "-p udp -m udp --dport 53 -j NOTRACK",
            "-p tcp -m tcp --dport 21 -j CT --helper ftp",
        ]
    );
    assert!(fw.ipv6().is_empty());
}

#[test]
fn negation_and_flags() {
    let fw = firewall! {
        filter {
            INPUT {
                accept source!=10.0.0.0/8;
                drop proto=tcp !syn;
                accept proto=tcp syn dport!=22;
                drop fragment;
                accept in_interface!=eth0 ctstate!=INVALID;
                accept proto!=udp;
                drop !fragment;
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "! -s 10.0.0.0/8 -j ACCEPT",
            "-p tcp -m tcp ! --syn -j DROP",
            "-p tcp -m tcp --syn ! --dport 22 -j ACCEPT",
            "-f -j DROP",
            "! -i eth0 -m conntrack ! --ctstate INVALID -j ACCEPT",
            "! -p udp -j ACCEPT",
            "! -f -j DROP",
        ]
    );
}

#[test]
fn a_flag_may_start_a_rule_without_a_target() {
    let fw = firewall! {
        filter { INPUT { syn proto=tcp; } }
    };
    valid(&fw);
    assert_eq!(rules(fw.ipv4(), "filter", "INPUT"), ["-p tcp -m tcp --syn"]);
}

#[test]
fn nested_blocks_prefix_every_inner_rule_outer_first() {
    let fw = firewall! {
        filter {
            FORWARD {
                in_interface=eth0 {
                    out_interface=eth1 {
                        accept proto=tcp dport=443;
                        accept proto=udp dport=53;
                    }
                    drop;
                }
                proto=tcp source=[192.0.2.1, 192.0.2.2] {
                    accept dport=22;
                }
                reject;
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "FORWARD"),
        [
            "-i eth0 -o eth1 -p tcp -m tcp --dport 443 -j ACCEPT",
            "-i eth0 -o eth1 -p udp -m udp --dport 53 -j ACCEPT",
            "-i eth0 -j DROP",
            "-s 192.0.2.1 -p tcp -m tcp --dport 22 -j ACCEPT",
            "-s 192.0.2.2 -p tcp -m tcp --dport 22 -j ACCEPT",
            "-j REJECT",
        ]
    );
}

#[test]
fn lists_native_multiport_and_one_rule_per_element() {
    let fw = firewall! {
        filter {
            INPUT {
                accept ctstate=[ESTABLISHED, RELATED];
                accept proto=tcp dport=[ssh, http, https];
                accept proto=udp sport=[1024:2048, 5000];
                accept proto=tcp dport=[22];
                accept proto=[tcp, udp] dport=53;
                accept proto=[esp, ah];
                accept weekdays=[Mon, Tue] monthdays=[1, 15];
                accept proto=tcp match=multiport dports=[80, 443];
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
            "-p tcp -m multiport --dports 22,80,443 -j ACCEPT",
            "-p udp -m multiport --sports 1024:2048,5000 -j ACCEPT",
            "-p tcp -m tcp --dport 22 -j ACCEPT",
            "-p tcp -m tcp --dport 53 -j ACCEPT",
            "-p udp -m udp --dport 53 -j ACCEPT",
            "-p esp -j ACCEPT",
            "-p ah -j ACCEPT",
            "-m time --weekdays Mon,Tue --monthdays 1,15 -j ACCEPT",
            "-p tcp -m multiport --dports 80,443 -j ACCEPT",
        ]
    );
}

#[test]
fn long_port_lists_split_into_multiport_chunks_of_fifteen_slots() {
    let fw = firewall! {
        filter {
            INPUT {
                // 14 ports, then a range (two slots) that no longer fits.
                accept proto=tcp dport=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 100:200, 15];
                // 20 ports: 15 + 5.
                drop proto=udp dport=[
                    1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, 1009, 1010,
                    1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, 1019, 1020,
                ];
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14 -j ACCEPT",
            "-p tcp -m multiport --dports 100:200,15 -j ACCEPT",
            "-p udp -m multiport --dports \
             1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014,1015 -j DROP",
            "-p udp -m multiport --dports 1016,1017,1018,1019,1020 -j DROP",
        ]
    );
}

#[test]
fn several_lists_give_their_cartesian_product_first_list_outermost() {
    let fw = firewall! {
        filter {
            INPUT {
                accept source=[192.0.2.1, 192.0.2.2] destination=[198.51.100.1, 198.51.100.2];
                accept proto=tcp in_interface=[eth0, eth1] dport=[
                    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                ];
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-s 192.0.2.1 -d 198.51.100.1 -j ACCEPT",
            "-s 192.0.2.1 -d 198.51.100.2 -j ACCEPT",
            "-s 192.0.2.2 -d 198.51.100.1 -j ACCEPT",
            "-s 192.0.2.2 -d 198.51.100.2 -j ACCEPT",
            "-i eth0 -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j ACCEPT",
            "-i eth0 -p tcp -m multiport --dports 16 -j ACCEPT",
            "-i eth1 -p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j ACCEPT",
            "-i eth1 -p tcp -m multiport --dports 16 -j ACCEPT",
        ]
    );
}

#[test]
fn service_names_become_port_numbers() {
    let fw = firewall! {
        filter {
            INPUT {
                accept proto=tcp dport=ssh;
                accept proto=udp sport=domain dport=1024:65535;
                accept proto=tcp dport=[smtp, auth, https];
            }
        }
        nat {
            PREROUTING { redirect proto=tcp dport=http to_ports=https; }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-p tcp -m tcp --dport 22 -j ACCEPT",
            "-p udp -m udp --sport 53 --dport 1024:65535 -j ACCEPT",
            "-p tcp -m multiport --dports 25,113,443 -j ACCEPT",
        ]
    );
    assert_eq!(
        rules(fw.ipv4(), "nat", "PREROUTING"),
        ["-p tcp -m tcp --dport 80 -j REDIRECT --to-ports 443"]
    );
}

#[test]
fn explicit_match_modules_and_target_options() {
    let fw = firewall! {
        filter {
            INPUT {
                match=recent name=ssh set;
                drop match=recent name=ssh rcheck seconds=60 hitcount=4;
                accept match=recent name=web rcheck proto=tcp;
                accept match=connmark mark=0x1;
                accept mark=0x2;
                accept helper=ftp;
            }
        }
        raw {
            PREROUTING {
                ct proto=tcp dport=21 helper=ftp;
                ct match=helper helper=sip notrack;
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-m recent --name ssh --set",
            "-m recent --name ssh --rcheck --seconds 60 --hitcount 4 -j DROP",
            // `proto` is not an option of `recent`, so it is the rule's own.
            "-p tcp -m recent --name web --rcheck -j ACCEPT",
            "-m connmark --mark 0x1 -j ACCEPT",
            "-m mark --mark 0x2 -j ACCEPT",
            "-m helper --helper ftp -j ACCEPT",
        ]
    );
    assert_eq!(
        rules(fw.ipv4(), "raw", "PREROUTING"),
        [
            // After a verb, an option of its target is the target's …
            "-p tcp -m tcp --dport 21 -j CT --helper ftp",
            // … unless the `match=` module in force has it.
            "-m helper --helper sip -j CT --notrack",
        ]
    );
}

#[test]
fn user_chains_policies_and_missing_builtin_chains() {
    let fw = firewall! {
        filter {
            INPUT policy DROP { jump guard; }
            OUTPUT policy ACCEPT;
            chain guard "Known hosts only" { accept source=192.0.2.10; return; }
            chain empty { }
        }
        nat {
            POSTROUTING { masquerade out_interface=eth0; }
        }
    };
    valid(&fw);
    let v4 = fw.ipv4();
    assert_eq!(
        declarations(v4, "filter"),
        [
            ":INPUT DROP [0:0]",
            ":FORWARD ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":guard - [0:0]",
            ":empty - [0:0]",
        ]
    );
    assert_eq!(
        declarations(v4, "nat"),
        [
            ":PREROUTING ACCEPT [0:0]",
            ":INPUT ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":POSTROUTING ACCEPT [0:0]",
        ]
    );
    assert_eq!(
        rules(v4, "filter", "guard"),
        ["-s 192.0.2.10 -j ACCEPT", "-j RETURN"]
    );
    let guard = v4["filter"].chain("guard").unwrap();
    assert_eq!(guard.comment(), Some("Known hosts only"));
    assert!(v4
        .to_iptables()
        .contains("# User Chain \"guard\": Known hosts only (tests/macro_expand.rs:"));
    // Only the tables the source names.
    assert_eq!(
        v4.iter().map(|t| t.name()).collect::<Vec<_>>(),
        ["filter", "nat"]
    );
}

#[test]
fn inet_rules_go_to_both_families_and_tables_merge() {
    let fw = firewall! {
        inet {
            filter {
                INPUT policy DROP {
                    accept ctstate=[ESTABLISHED, RELATED];
                    accept proto=tcp dport=22;
                }
            }
        }
        ip6 {
            filter {
                INPUT { accept proto=ipv6-icmp; accept source="2001:db8::/32"; }
            }
        }
        filter {
            INPUT { accept proto=icmp; }
        }
        ip {
            filter { INPUT { accept source=192.0.2.0/24; } }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
            "-p tcp -m tcp --dport 22 -j ACCEPT",
            "-p icmp -j ACCEPT",
            "-s 192.0.2.0/24 -j ACCEPT",
        ]
    );
    assert_eq!(
        rules(fw.ipv6(), "filter", "INPUT"),
        [
            "-m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
            "-p tcp -m tcp --dport 22 -j ACCEPT",
            "-p ipv6-icmp -j ACCEPT",
            "-s 2001:db8::/32 -j ACCEPT",
        ]
    );
    // The policy written in `inet` holds for the merged IPv6 chain too.
    assert_eq!(declarations(fw.ipv6(), "filter")[0], ":INPUT DROP [0:0]");
    assert_eq!(fw.ipv4().iter().count(), 1);
    assert_eq!(fw.ipv6().iter().count(), 1);
}

#[test]
fn ip6_tables_render_for_ip6tables() {
    let fw = firewall! {
        ip6 {
            filter {
                INPUT policy DROP {
                    accept proto=ipv6-icmp icmpv6_type=echo-request;
                    reject proto=tcp reject_with=icmp6-adm-prohibited;
                }
            }
        }
    };
    valid(&fw);
    assert!(fw.ipv4().is_empty());
    assert_eq!(
        rules(fw.ipv6(), "filter", "INPUT"),
        [
            "-p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j ACCEPT",
            "-p tcp -j REJECT --reject-with icmp6-adm-prohibited",
        ]
    );
    assert!(fw.ipv6().to_iptables().contains("for ip6tables-restore"));
}

#[test]
fn scalar_run_time_values() {
    let admin: IpAddr = "192.0.2.7".parse().unwrap();
    let lan: IpNet = "198.51.100.0/24".parse().unwrap();
    let port: u16 = 8443;
    let iface = String::from("wg0");
    let prefix = format!("host {}: ", 7);
    let fw = firewall! {
        filter {
            INPUT {
                accept source={admin} proto=tcp dport={port};
                accept source={lan} in_interface={iface.clone()};
                accept in_interface={"lo"};
                drop source!={admin};
                log log_prefix={prefix};
                accept proto=tcp dport={port + 1};
                accept in_interface={iface.as_str()};
                accept proto=udp dport={53};
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-s 192.0.2.7 -p tcp -m tcp --dport 8443 -j ACCEPT",
            "-s 198.51.100.0/24 -i wg0 -j ACCEPT",
            "-i lo -j ACCEPT",
            "! -s 192.0.2.7 -j DROP",
            "-j LOG --log-prefix \"host 7: \"",
            "-p tcp -m tcp --dport 8444 -j ACCEPT",
            "-i wg0 -j ACCEPT",
            "-p udp -m udp --dport 53 -j ACCEPT",
        ]
    );
}

#[test]
fn iterable_run_time_values_give_one_rule_per_item() {
    let hosts: Vec<IpAddr> = vec!["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()];
    let web = [80u16, 443];
    let none: Option<IpAddr> = None;
    let fw = firewall! {
        filter {
            INPUT {
                accept source={hosts.clone()} proto=tcp dport=22;
                accept proto=tcp dport={web};
                accept proto=tcp dport={&web[..1]};
                accept source={&hosts} destination=[198.51.100.1, 198.51.100.2];
                accept destination=[198.51.100.1, 198.51.100.2] source={&hosts};
                accept ctstate={vec!["NEW", "ESTABLISHED"]};
                accept source={none};
                accept proto=tcp dport={(1..=16u16).collect::<Vec<_>>()};
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-s 192.0.2.1 -p tcp -m tcp --dport 22 -j ACCEPT",
            "-s 192.0.2.2 -p tcp -m tcp --dport 22 -j ACCEPT",
            // Ports: several give one multiport rule, one stays `--dport`.
            "-p tcp -m multiport --dports 80,443 -j ACCEPT",
            "-p tcp -m tcp --dport 80 -j ACCEPT",
            // Static and run-time lists multiply in source order.
            "-s 192.0.2.1 -d 198.51.100.1 -j ACCEPT",
            "-s 192.0.2.1 -d 198.51.100.2 -j ACCEPT",
            "-s 192.0.2.2 -d 198.51.100.1 -j ACCEPT",
            "-s 192.0.2.2 -d 198.51.100.2 -j ACCEPT",
            "-s 192.0.2.1 -d 198.51.100.1 -j ACCEPT",
            "-s 192.0.2.2 -d 198.51.100.1 -j ACCEPT",
            "-s 192.0.2.1 -d 198.51.100.2 -j ACCEPT",
            "-s 192.0.2.2 -d 198.51.100.2 -j ACCEPT",
            // A list option takes the items joined.
            "-m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT",
            // An empty iterable gives no rule.
            "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j ACCEPT",
            "-p tcp -m multiport --dports 16 -j ACCEPT",
        ]
    );
}

#[test]
fn each_run_time_value_is_evaluated_once_in_source_order() {
    let calls = Cell::new(0);
    let order = std::cell::RefCell::new(Vec::new());
    let next = |name: &'static str| {
        calls.set(calls.get() + 1);
        order.borrow_mut().push(name);
        name
    };
    let fw = firewall! {
        inet {
            filter {
                INPUT {
                    in_interface={next("eth0")} {
                        accept proto=tcp dport=22;
                        accept proto=udp dport=53;
                    }
                    accept in_interface={next("eth1")};
                }
            }
        }
    };
    valid(&fw);
    assert_eq!(
        calls.get(),
        2,
        "one call per {{expr}}, not per rule or family"
    );
    assert_eq!(*order.borrow(), ["eth0", "eth1"]);
    for tables in [fw.ipv4(), fw.ipv6()] {
        assert_eq!(
            rules(tables, "filter", "INPUT"),
            [
                "-i eth0 -p tcp -m tcp --dport 22 -j ACCEPT",
                "-i eth0 -p udp -m udp --dport 53 -j ACCEPT",
                "-i eth1 -j ACCEPT",
            ]
        );
    }
}

#[test]
fn run_time_values_are_checked_by_validate() {
    let bad: u32 = 70000;
    let fw = firewall! {
        filter { INPUT { accept proto=tcp dport={bad}; } }
    };
    let errors = fw.validate().unwrap_err().to_string();
    assert!(
        errors.contains("bad value `70000` for `dport`: port 70000 is out of range 0-65535"),
        "{errors}"
    );
}

#[test]
fn rules_remember_their_source_line_and_column() {
    let here = line!();
    let fw = firewall! {
        filter {
            INPUT {
                accept;
                drop proto=[tcp, udp];
                    reject;
            }
        }
    };
    let input = fw.ipv4()["filter"].chain("INPUT").unwrap();
    let lines: Vec<(u32, u32)> = input
        .iter()
        .map(|r| (r.origin().line, r.origin().column))
        .collect();
    assert_eq!(
        lines,
        [
            (here + 4, 17),
            (here + 5, 17),
            (here + 5, 17),
            (here + 6, 21)
        ]
    );
    assert_eq!(input.get(0).unwrap().origin().file, "tests/macro_expand.rs");
    let annotated = fw.ipv4().to_iptables();
    assert!(annotated.contains(&format!(
        "# Rule: (tests/macro_expand.rs:{})\n-A INPUT -j ACCEPT\n",
        here + 4
    )));
    assert!(annotated.contains(&format!(
        "# Builtin Chain \"INPUT\" (tests/macro_expand.rs:{})",
        here + 3
    )));
    assert!(annotated.contains(&format!(
        "# filter table (tests/macro_expand.rs:{}) #",
        here + 2
    )));
}

#[test]
fn run_time_rules_remember_their_source_line_too() {
    let port: u16 = 22;
    let here = line!();
    let fw = firewall! {
        filter {
            INPUT {
                accept proto=tcp dport={port};
            }
        }
    };
    let rule = fw.ipv4()["filter"]["INPUT"].get(0).unwrap();
    assert_eq!((rule.origin().line, rule.origin().column), (here + 4, 17));
}

#[test]
fn an_empty_firewall_and_tables_without_chains() {
    let fw = firewall! {};
    assert!(fw.ipv4().is_empty() && fw.ipv6().is_empty());
    let fw = firewall! { ip6 { nat {} } };
    valid(&fw);
    assert!(fw.ipv4().is_empty());
    assert_eq!(
        declarations(fw.ipv6(), "nat"),
        [
            ":PREROUTING ACCEPT [0:0]",
            ":INPUT ACCEPT [0:0]",
            ":OUTPUT ACCEPT [0:0]",
            ":POSTROUTING ACCEPT [0:0]",
        ]
    );
}

#[test]
fn a_run_time_protocol_leaves_protocol_checks_to_validate() {
    let protocols = ["tcp", "udp"];
    let fw = firewall! {
        filter { INPUT { accept proto={protocols} dport=53; } }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-p tcp -m tcp --dport 53 -j ACCEPT",
            "-p udp -m udp --dport 53 -j ACCEPT",
        ]
    );
    let icmp = "icmp";
    let fw = firewall! {
        filter { INPUT { accept proto={icmp} dport=53; } }
    };
    let errors = fw.validate().unwrap_err().to_string();
    assert!(
        errors.contains("`dport` needs one of the protocols"),
        "{errors}"
    );
}

#[test]
fn address_types_in_a_list_are_one_option_and_protocol_numbers_count() {
    let fw = firewall! {
        filter { INPUT { accept dst_type=[LOCAL, UNICAST]; accept proto=6 dport=22; } }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-m addrtype --dst-type LOCAL,UNICAST -j ACCEPT",
            "-p 6 -m tcp --dport 22 -j ACCEPT",
        ]
    );
}

#[test]
fn packet_header_matches() {
    let fw = firewall! {
        filter {
            INPUT {
                accept proto=esp espspi=5;
                accept proto=ah ahspi="256:511";
                accept proto=ipcomp ipcompspi=7;
                drop proto=tcp ecn_tcp_cwr;
                drop ecn_ip_ect=3;
                drop u32="0>>22&0x3C@12>>26&0x3C@0=0x1F90";
                accept proto=sctp chunk_types="any INIT,data:Be";
                accept proto=dccp dccp_types="sync,RESET" dccp_option=4;
                accept match=bpf bytecode="4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0";
            }
        }
        ip6 {
            filter {
                INPUT {
                    drop match=frag fragid="1:10" fragfirst;
                    drop fragmore;
                    accept ahspi=5 ahlen=24;
                    accept match=ipv6header header="hop,frag" soft;
                    accept proto=mh mh_type=bu;
                    accept hbh_opts="1:2,5";
                    accept rt_type=0 rt_0_addrs="2001:db8::1,2001:db8::2";
                    accept srh_psid="2001:db8::/64" srh_tag=7;
                }
            }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-p esp -m esp --espspi 5 -j ACCEPT",
            "-p ah -m ah --ahspi 256:511 -j ACCEPT",
            "-p ipcomp -m ipcomp --ipcompspi 7 -j ACCEPT",
            "-p tcp -m ecn --ecn-tcp-cwr -j DROP",
            "-m ecn --ecn-ip-ect 3 -j DROP",
            "-m u32 --u32 \"0>>22&0x3C@12>>26&0x3C@0=0x1F90\" -j DROP",
            "-p sctp -m sctp --chunk-types any INIT,DATA:Be -j ACCEPT",
            "-p dccp -m dccp --dccp-types SYNC,RESET --dccp-option 4 -j ACCEPT",
            "-m bpf --bytecode \"4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0\" -j ACCEPT",
        ]
    );
    assert_eq!(
        rules(fw.ipv6(), "filter", "INPUT"),
        [
            "-m frag --fragid 1:10 --fragfirst -j DROP",
            "-m frag --fragmore -j DROP",
            "-m ah --ahspi 5 --ahlen 24 -j ACCEPT",
            "-m ipv6header --header hop,frag --soft -j ACCEPT",
            // Mobility header types are written in numbers, as ip6tables-save prints them.
            "-p mh -m mh --mh-type 5 -j ACCEPT",
            "-m hbh --hbh-opts 1:2,5 -j ACCEPT",
            "-m rt --rt-type 0 --rt-0-addrs 2001:db8::1,2001:db8::2 -j ACCEPT",
            "-m srh --srh-psid 2001:db8::/64 --srh-tag 7 -j ACCEPT",
        ]
    );
}

/// The targets added for iptables-extensions(8): verbs named like the target, flags and
/// options after the verb are the target's (`mss` is SYNPROXY's, not tcpmss's).
#[test]
fn extension_targets() {
    let fw = firewall! {
        raw { PREROUTING { ct proto=tcp dport=80 syn notrack; } }
        filter {
            INPUT {
                synproxy proto=tcp dport=80 ctstate=[INVALID, UNTRACKED] sack_perm timestamp wscale=7 mss=1460;
                drop ctstate=INVALID;
            }
        }
        mangle {
            PREROUTING { tee gateway=192.0.2.9 oif=lo proto=udp dport=514; }
            INPUT { secmark proto=tcp dport=22 selctx="system_u:object_r:ssh_packet_t:s0"; }
            POSTROUTING { tcpoptstrip proto=tcp strip_options=[sack-permitted, timestamp]; }
        }
        ip6 {
            mangle { POSTROUTING { snpt src_pfx=2001:db8:1::/64 dst_pfx=2001:db8:2::/64; } }
        }
    };
    valid(&fw);
    assert_eq!(
        rules(fw.ipv4(), "filter", "INPUT"),
        [
            "-p tcp -m tcp --dport 80 -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY \
             --sack-perm --timestamp --wscale 7 --mss 1460",
            "-m conntrack --ctstate INVALID -j DROP",
        ]
    );
    assert_eq!(
        rules(fw.ipv4(), "raw", "PREROUTING"),
        ["-p tcp -m tcp --dport 80 --syn -j CT --notrack"]
    );
    assert_eq!(
        rules(fw.ipv4(), "mangle", "PREROUTING"),
        ["-p udp -m udp --dport 514 -j TEE --gateway 192.0.2.9 --oif lo"]
    );
    assert_eq!(
        rules(fw.ipv4(), "mangle", "INPUT"),
        ["-p tcp -m tcp --dport 22 -j SECMARK --selctx system_u:object_r:ssh_packet_t:s0"]
    );
    assert_eq!(
        rules(fw.ipv4(), "mangle", "POSTROUTING"),
        ["-p tcp -j TCPOPTSTRIP --strip-options sack-permitted,timestamp"]
    );
    assert_eq!(
        rules(fw.ipv6(), "mangle", "POSTROUTING"),
        ["-j SNPT --src-pfx 2001:db8:1::/64 --dst-pfx 2001:db8:2::/64"]
    );
}
