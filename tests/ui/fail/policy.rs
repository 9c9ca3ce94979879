use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT policy REJECT { accept; }
            OUTPUT policy drop;
            chain guard policy DROP { return; }
        }
        nat {
            POSTROUTING policy DROP;
        }
    };
}
