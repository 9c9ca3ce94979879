//! The code `firewall!` generates is clean under `#![deny(warnings)]` (clippy's pedantic
//! lints included), assumes no prelude, and its names cannot clash with the user's.
#![deny(warnings, clippy::all, clippy::pedantic)]

#[no_implicit_prelude]
mod no_prelude {
    // Names the expansion must not pick up in place of its own.
    #[allow(dead_code)]
    struct Option;
    #[allow(dead_code)]
    struct Some;
    #[allow(dead_code)]
    struct None;
    #[allow(dead_code)]
    struct Vec;
    #[allow(dead_code)]
    fn file() {}
    #[allow(dead_code)]
    mod pyptables {}

    /// Every construct, static and run-time, with user variables named like the expansion's.
    pub fn build(
        port: u16,
        hosts: &[::std::net::IpAddr],
        __pyptables_chain: &'static str,
    ) -> ::pyptables::Firewall {
        let __pyptables_value = "eth9";
        let __pyptables_d0 = port;
        ::pyptables::firewall! {
            filter {
                INPUT policy DROP {
                    accept in_interface=lo;
                    accept ctstate=[ESTABLISHED, RELATED];
                    accept proto=tcp dport=[22, 80, 443];
                    accept proto=[tcp, udp] dport={__pyptables_d0};
                    accept source={hosts} in_interface={__pyptables_value};
                    in_interface={__pyptables_chain} {
                        accept proto=tcp dport={port} source=[192.0.2.1, 192.0.2.2];
                        jump guard;
                    }
                    raw "-p udp --dport 53 -j ACCEPT";
                    log log_prefix="dropped: ";
                }
                chain guard "guard" { return; }
            }
            inet {
                filter { OUTPUT { accept out_interface=lo; } }
            }
            ip6 {
                filter { INPUT { accept proto=ipv6-icmp; } }
            }
        }
    }
}

#[test]
fn expands_without_the_prelude_and_without_clashes() {
    let hosts = ["192.0.2.7".parse().unwrap()];
    let fw = no_prelude::build(2222, &hosts, "eth1");
    fw.validate().unwrap();
    let text = fw.ipv4().to_iptables_plain();
    for line in [
        "-A INPUT -p tcp -m tcp --dport 2222 -j ACCEPT",
        "-A INPUT -p udp -m udp --dport 2222 -j ACCEPT",
        "-A INPUT -s 192.0.2.7 -i eth9 -j ACCEPT",
        "-A INPUT -s 192.0.2.2 -i eth1 -p tcp -m tcp --dport 2222 -j ACCEPT",
        "-A INPUT -i eth1 -j guard",
        "-A OUTPUT -o lo -j ACCEPT",
    ] {
        assert!(
            text.contains(&format!("{line}\n")),
            "missing {line:?} in\n{text}"
        );
    }
    assert!(fw
        .ipv6()
        .to_iptables_plain()
        .contains("-A OUTPUT -o lo -j ACCEPT\n"));
}
