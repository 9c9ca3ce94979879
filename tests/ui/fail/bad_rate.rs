fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept limit=5/fortnight; } }
    };
}
