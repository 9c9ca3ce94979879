//! The `firewall!` macro: the example program of the macro's design, printed for both
//! families in `iptables-restore` format.
//!
//! ```text
//! cargo run --example firewall_macro            # annotated, both families
//! cargo run --example firewall_macro -- ipv4    # plain IPv4 text, for iptables-restore
//! cargo run --example firewall_macro -- ipv6    # plain IPv6 text, for ip6tables-restore
//! ```

use pyptables::{firewall, Firewall};

/// The firewall (also loaded into the kernel by `tests/macro_kernel.rs`).
pub fn firewall() -> Firewall {
    firewall! {
        filter {
            INPUT policy DROP {
                accept in_interface=lo;
                accept ctstate=[ESTABLISHED, RELATED];
                drop ctstate=INVALID;
                accept proto=icmp icmp_type=echo-request;
                accept proto=tcp dport=ssh source=10.0.0.0/8 comment="SSH from the LAN";
                jump ssh_guard proto=tcp dport=22;
                in_interface=ppp0 {                 // a nested block: its matches prefix every inner rule
                    accept proto=udp dport=500;
                    accept proto=[esp, ah];         // a list on a non-port key: one rule per element
                }
                log log_prefix="INPUT drop: " log_level=4;
            }
            FORWARD policy DROP {
                accept ctstate=ESTABLISHED;
                accept proto=tcp dport=[53, 80, 443];   // ports: one rule with -m multiport (<= 15)
                reject proto=tcp source!=192.168.0.0/16 reject_with=tcp-reset;
            }
            OUTPUT policy ACCEPT;
            chain ssh_guard "SSH from known hosts only" {
                accept source=1.1.1.1;
                match=recent name=ssh set;              // a rule with no target (ferm's NOP)
                return;
            }
        }
        nat {
            POSTROUTING { masquerade out_interface=eth0 source=192.168.0.0/16; }
            PREROUTING { dnat proto=tcp dport=8080 to_destination=10.0.0.2:80; }
        }
        ip6 {
            filter {
                INPUT policy DROP { accept proto=ipv6-icmp; accept source="2001:db8::/32"; }
            }
        }
    }
}

fn main() {
    let fw = firewall();
    if let Err(errors) = fw.validate() {
        eprintln!("{errors}");
        std::process::exit(1);
    }
    match std::env::args().nth(1).as_deref() {
        Some("ipv4") => print!("{}", fw.ipv4().to_iptables_plain()),
        Some("ipv6") => print!("{}", fw.ipv6().to_iptables_plain()),
        _ => {
            println!("{}", fw.ipv4().to_iptables());
            println!("{}", fw.ipv6().to_iptables());
        }
    }
}
