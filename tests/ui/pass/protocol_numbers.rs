// Protocols by number count as their names for the options that need them.
fn main() {
    let fw = pyptables::firewall! {
        filter { INPUT { accept proto=6 dport=22; accept pkt_type=host; } }
        ip6 { filter { INPUT { accept proto=58 icmpv6_type=echo-request; } } }
    };
    let _ = fw;
}
