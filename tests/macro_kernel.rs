//! `firewall!` output against the kernel: loaded for real into throw-away network namespaces
//! with both iptables backends, and compared with what `iptables-save` prints, written by hand
//! in its canonical form (`-s 1.1.1.1/32`, `--icmp-type 8`, the default log level left out, …).
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test macro_kernel -- --include-ignored`.

use pyptables::{firewall, Firewall};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

#[path = "../examples/firewall_macro.rs"]
#[allow(dead_code)]
mod example;

fn load(ns: &Netns, b: tk::Backend, fw: &Firewall) {
    ns.restore(b, tk::Family::V4, &fw.ipv4().to_iptables(), &[])
        .unwrap_or_else(|e| panic!("{b} IPv4: {e}"));
    if !fw.ipv6().is_empty() {
        ns.restore(b, tk::Family::V6, &fw.ipv6().to_iptables(), &[])
            .unwrap_or_else(|e| panic!("{b} IPv6: {e}"));
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_example_loads_and_the_kernel_has_what_was_written() {
    require_root_and_iptables();
    let fw = example::firewall();
    fw.validate().unwrap();
    for b in tk::Backend::ALL {
        let ns = Netns::new("macro_example").unwrap();
        load(&ns, b, &fw);
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "filter").unwrap(),
            "*filter\n\
             :INPUT DROP\n\
             :FORWARD DROP\n\
             :OUTPUT ACCEPT\n\
             :ssh_guard -\n\
             -A INPUT -i lo -j ACCEPT\n\
             -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
             -A INPUT -m conntrack --ctstate INVALID -j DROP\n\
             -A INPUT -p icmp -m icmp --icmp-type 8 -j ACCEPT\n\
             -A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -m comment --comment \"SSH from the LAN\" -j ACCEPT\n\
             -A INPUT -p tcp -m tcp --dport 22 -j ssh_guard\n\
             -A INPUT -i ppp0 -p udp -m udp --dport 500 -j ACCEPT\n\
             -A INPUT -i ppp0 -p esp -j ACCEPT\n\
             -A INPUT -i ppp0 -p ah -j ACCEPT\n\
             -A INPUT -j LOG --log-prefix \"INPUT drop: \"\n\
             -A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT\n\
             -A FORWARD -p tcp -m multiport --dports 53,80,443 -j ACCEPT\n\
             -A FORWARD ! -s 192.168.0.0/16 -p tcp -j REJECT --reject-with tcp-reset\n\
             -A ssh_guard -s 1.1.1.1/32 -j ACCEPT\n\
             -A ssh_guard -m recent --set --name ssh --mask 255.255.255.255 --rsource\n\
             -A ssh_guard -j RETURN\n\
             COMMIT\n",
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "nat").unwrap(),
            "*nat\n\
             :PREROUTING ACCEPT\n\
             :INPUT ACCEPT\n\
             :OUTPUT ACCEPT\n\
             :POSTROUTING ACCEPT\n\
             -A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.2:80\n\
             -A POSTROUTING -s 192.168.0.0/16 -o eth0 -j MASQUERADE\n\
             COMMIT\n",
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V6, "filter").unwrap(),
            "*filter\n\
             :INPUT DROP\n\
             :FORWARD ACCEPT\n\
             :OUTPUT ACCEPT\n\
             -A INPUT -p ipv6-icmp -j ACCEPT\n\
             -A INPUT -s 2001:db8::/32 -j ACCEPT\n\
             COMMIT\n",
            "{b}"
        );
    }
}

/// Every construct at once; the kernel must take every rule (none dropped or merged).
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn every_construct_loads_rule_for_rule() {
    require_root_and_iptables();
    let hosts: Vec<std::net::IpAddr> =
        vec!["192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap()];
    let port: u16 = 2222;
    let fw = firewall! {
        inet {
            filter {
                INPUT policy DROP {
                    accept in_interface=lo;
                    accept ctstate=[ESTABLISHED, RELATED];
                    drop proto=tcp !syn ctstate=NEW;
                    accept proto=tcp dport=[
                        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 100:200, 15,
                    ];
                    accept proto=[tcp, udp] dport={port};
                    in_interface=eth0 {
                        proto=tcp syn { accept dport=[smtp, submission]; }
                        jump guard;
                        goto guard proto=udp;
                    }
                    match=recent name=scan set;
                    accept limit=5/minute limit_burst=10 weekdays=[Mon, Fri];
                    raw "-p tcp --dport 9 -j DROP";
                    log log_prefix="INPUT drop: " log_level=warning;
                }
                chain guard "known hosts" {
                    reject proto=tcp reject_with=tcp-reset in_interface!=[eth9] comment="x";
                    return;
                }
            }
        }
        filter {
            INPUT { accept source={&hosts}; accept proto=icmp icmp_type=echo-request; }
            FORWARD { reject reject_with=icmp-host-prohibited; accept fragment; }
        }
        ip6 {
            filter {
                INPUT { accept proto=ipv6-icmp icmpv6_type=echo-request; }
                FORWARD { reject reject_with=icmp6-adm-prohibited; }
            }
        }
        nat {
            PREROUTING {
                dnat proto=tcp dport=8080 to_destination=192.0.2.10:80;
                redirect proto=tcp dport=3129 to_ports=3128;
            }
            POSTROUTING {
                masquerade out_interface=eth0 source=198.51.100.0/24;
                snat out_interface=eth1 to_source=203.0.113.1;
            }
        }
        mangle {
            PREROUTING { mark set_mark=0x10 in_interface=eth0; }
            FORWARD { tcpmss proto=tcp tcp_flags="SYN,RST SYN" clamp_mss_to_pmtu; }
        }
        raw { PREROUTING { notrack proto=udp dport=53; } }
    };
    fw.validate().unwrap();
    for b in tk::Backend::ALL {
        let ns = Netns::new("macro_every").unwrap();
        load(&ns, b, &fw);
        for (family, tables) in [(tk::Family::V4, fw.ipv4()), (tk::Family::V6, fw.ipv6())] {
            let saved = ns.save(b, family).unwrap();
            let written = tables.to_iptables_plain();
            let count = |text: &str| text.lines().filter(|l| l.starts_with("-A ")).count();
            assert_eq!(count(&saved), count(&written), "{b} {family:?}:\n{saved}");
            assert_eq!(count(&written), tables.rule_count(), "{family:?}");
        }
    }
}
