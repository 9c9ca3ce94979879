use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                accept source!=[192.0.2.1, 192.0.2.2];
                accept proto=tcp dport!=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
                accept match=[recent, limit];
                raw "-p tcp -j ACCEPT" proto=tcp;
            }
        }
    };
}
