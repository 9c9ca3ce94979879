use pyptables::firewall;

// Zone and host group names are not interfaces or addresses: `out_interface=wan` would match
// an interface called `wan`, not the zone's `eth0`.
fn main() {
    let _fw = firewall! {
        zones { lan = eth1; wan = eth0; guests = br0 port=vif3; dmz = dmz; }
        hosts { servers = [198.51.100.2, 198.51.100.10-198.51.100.20]; }
        filter {
            FORWARD {
                // `dmz` is the zone's own interface name: fine.
                accept in_interface=lan out_interface=dmz;
                accept i=guests;
                accept match=physdev physdev_out=guests;
                accept destination=servers;
                accept source=lan;
            }
        }
        nat {
            POSTROUTING { masquerade out_interface=wan; masquerade out-interface=[eth1, wan]; }
            PREROUTING { dnat proto=tcp dport=80 to_destination=servers; }
        }
    };
}
