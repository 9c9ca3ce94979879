fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept source=10.0.0.0/33; } }
    };
}
