use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filtre {
            INPUT { accept; }
        }
        ip6 {
            nat6 { POSTROUTING { masquerade; } }
        }
    };
}
