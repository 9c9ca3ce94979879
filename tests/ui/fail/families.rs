use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT { accept source="2001:db8::1"; accept proto=ipv6-icmp icmpv6_type=echo-request; }
        }
        ip6 {
            filter { INPUT { accept source=192.0.2.0/24; accept fragment; } }
        }
        inet {
            filter { INPUT { accept destination=198.51.100.7; accept proto=icmp icmp_type=echo-request; } }
        }
    };
}
