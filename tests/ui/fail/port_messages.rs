use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        zones { lan = eth1; }
        filter {
            INPUT {
                accept proto=tcp dport=8080-8090;
                accept proto=tcp dport=[22, 8080-8090];
                // -m multiport resolves names for the rule's protocol: ssh is TCP only.
                accept proto=udp dport=[domain, ssh];
                accept proto=tcp dport=dns;
                accept from=lan tcp=ntp;
            }
        }
        nat { PREROUTING { redirect proto=tcp dport=80 to_ports=8080:8090; } }
        inet { filter { INPUT { accept source=192.0.2.1; } } }
    };
}
