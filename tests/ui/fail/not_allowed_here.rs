use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            FORWARD { masquerade out_interface=eth0; }
            INPUT { accept uid_owner=0; accept out_interface=eth0; }
        }
        nat {
            POSTROUTING { dnat proto=tcp dport=80 to_destination=192.0.2.1; drop; }
            PREROUTING { jump to_internet; }
            chain to_internet { masquerade; }
        }
    };
}
