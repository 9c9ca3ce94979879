fn main() {
    let _ = pyptables::firewall! {
        ip6 { filter { INPUT { accept ttl_eq=1; } } }
    };
}
