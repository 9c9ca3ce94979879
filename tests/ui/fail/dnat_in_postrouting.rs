fn main() {
    let _ = pyptables::firewall! {
        nat { POSTROUTING { dnat proto=tcp dport=80 to_destination=192.0.2.1; } }
    };
}
