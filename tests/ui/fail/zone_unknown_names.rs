fn main() {
    let _ = pyptables::firewall! {
        zones {
            lan = eth1;
            dmz = eth2;
        }
        hosts {
            servers = [198.51.100.10, 198.51.100.20-198.51.100.30];
        }
        filter {
            FORWARD {
                accept from=lam to=dmz:server tcp=443;
                accept from=dnz:servers;
                accept to=internet;
            }
        }
    };
}
