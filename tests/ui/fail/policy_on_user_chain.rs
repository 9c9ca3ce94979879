fn main() {
    let _ = pyptables::firewall! {
        filter { chain guard policy DROP { return; } }
    };
}
