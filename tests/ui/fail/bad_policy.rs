fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT policy REJECT { accept; } }
    };
}
