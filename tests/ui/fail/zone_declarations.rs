fn main() {
    let _ = pyptables::firewall! {
        zones {
            lan = eth1;
            lan = eth2;
            wan = an-interface-name-too-long;
            dmz eth3;
        }
        hosts {
            reversed = 192.0.2.20-192.0.2.10;
            mixed = ["192.0.2.1-2001:db8::1"];
            bad = 192.0.2.300;
        }
        // Wrong declarations are reported once, not again where they are used.
        filter { FORWARD { accept from=wan to=reversed; accept from=bad; } }
    };
}
