fn main() {
    let _ = pyptables::firewall! {
        filter {
            chain a { return; }
            chain a { return; }
        }
    };
}
