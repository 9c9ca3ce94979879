fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept proto=tcp dport=2000:1000; } }
    };
}
