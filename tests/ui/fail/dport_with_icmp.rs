fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept proto=icmp dport=22; } }
    };
}
