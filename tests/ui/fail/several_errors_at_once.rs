fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT policy REJECT { acept; accept proto=tcp dport=70000; jump nowhere; }
        }
    };
}
