use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT { jump a; }
            chain a { jump b; }
            chain b { jump a; }
            chain a { return; }
            chain INPUT { return; }
        }
    };
}
