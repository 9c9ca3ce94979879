fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { goto nowhere; } }
    };
}
