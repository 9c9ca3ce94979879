use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        inet {
            filter {
                INPUT policy DROP { accept in_interface=lo; }
                chain guard "from inet" { return; }
            }
        }
        ip6 {
            filter {
                INPUT policy ACCEPT { accept proto=ipv6-icmp; }
                chain guard "from ip6" { return; }
            }
        }
        filter {
            INPUT policy DROP { raw "-p tcp -j nowhere"; }
            FORWARD { accept; }
            FORWARD { drop; }
        }
    };
}
