fn main() {
    let _ = pyptables::firewall! {
        ip6 { filter { INPUT { accept source=192.0.2.0/24; } } }
    };
}
