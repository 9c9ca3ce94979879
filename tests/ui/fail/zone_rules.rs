fn main() {
    let _ = pyptables::firewall! {
        zones { lan = eth1; dmz = eth2; }
        hosts { v6 = "2001:db8::/64"; }
        filter {
            INPUT { accept from=lan to=dmz; }
            OUTPUT { accept to=lan; }
            FORWARD {
                accept from=lan tcp=[443:80, 70000];
                accept from=lan proto=tcp;
                masquerade from=lan;
                accept from=v6;
                from=lan;
                accept from=lan ctstate=NEW;
                accept from=lan tcp=any ctstate=NEWW;
                drop from=lan log="a log prefix longer than 29 bytes";
            }
        }
    };
}
