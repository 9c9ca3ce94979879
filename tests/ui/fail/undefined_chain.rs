use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                jump ssh_gaurd proto=tcp dport=22;
                goto nowhere;
                jump ACCEPT;
                jump FORWARD;
            }
            chain ssh_guard { return; }
        }
        ip6 {
            filter { chain only_v6 { return; } }
        }
        inet {
            filter { INPUT { jump only_v6; } }
        }
    };
}
