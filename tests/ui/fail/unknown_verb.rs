use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                acept proto=tcp;
                guard proto=tcp;
                frobnicate;
                comment;
                accept proto=tcp dport=22 drop proto=udp;
            }
            chain guard { return; }
        }
    };
}
