fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept dport=22; } }
    };
}
