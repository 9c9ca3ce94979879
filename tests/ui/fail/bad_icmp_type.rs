fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept proto=icmp icmp_type=echo-requst; } }
    };
}
