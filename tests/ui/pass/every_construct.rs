// Every construct of the language in one firewall, with run-time values of each kind.
#![deny(warnings)]

use std::net::{IpAddr, Ipv4Addr};

use pyptables::firewall;
use pyptables::value::IpNet;

fn main() {
    let admin = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
    let lan: IpNet = "198.51.100.0/24".parse().unwrap();
    let ssh_port: u16 = 22;
    let uplink = String::from("eth0");
    let peers: Vec<IpAddr> = vec![admin];
    let web_ports = [80u16, 443];
    let fw = firewall! {
        filter {
            INPUT policy DROP {
                accept in_interface=lo;
                accept ctstate=[ESTABLISHED, RELATED];
                drop ctstate=INVALID;
                accept proto=tcp dport={ssh_port} source={admin};
                accept proto=tcp dport={web_ports} source={lan};
                accept source={&peers};
                in_interface={uplink.clone()} {
                    proto=tcp syn {
                        accept dport=[smtp, submission, imaps];
                        drop !fragment;
                    }
                    accept proto=[esp, ah];
                }
                drop proto=tcp !syn ctstate=NEW;
                jump guard proto=tcp dport=ssh;
                goto guard proto=udp dport=1194;
                match=recent name=scan set;
                raw "-p tcp --dport 9 -j DROP";
                log log_prefix="INPUT drop: " log_level=warning;
            }
            FORWARD policy DROP {
                accept proto=tcp dport=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
                reject proto=tcp source!=192.168.0.0/16 reject_with=tcp-reset;
            }
            OUTPUT policy ACCEPT;
            chain guard "SSH and VPN from known hosts" {
                accept source=[192.0.2.1, 192.0.2.2] limit=5/minute;
                return;
            }
        }
        nat {
            POSTROUTING { masquerade out_interface=eth0 source=192.168.0.0/16; }
            PREROUTING { dnat proto=tcp dport=8080 to_destination=10.0.0.2:80; }
        }
        mangle { FORWARD { tcpmss proto=tcp tcp_flags="SYN,RST SYN" clamp_mss_to_pmtu; } }
        inet {
            raw { PREROUTING { notrack in_interface=lo; } }
        }
        ip6 {
            filter {
                INPUT policy DROP {
                    accept proto=ipv6-icmp icmpv6_type=echo-request;
                    accept source="2001:db8::/32";
                }
            }
        }
    };
    fw.validate().unwrap();
    print!("{}", fw.to_iptables());
}
