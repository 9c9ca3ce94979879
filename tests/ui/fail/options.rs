use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                accept proto=tcp dprot=22;
                accept dport=22;
                accept proto=icmp dport=22;
                accept proto=tcp proto=udp;
                in_interface=eth0 { accept in_interface=eth1; }
                accept comment!="no";
                accept !log_uid;
                accept name=ssh;
                accept match=recnt name=ssh set;
                accept match=recent name=ssh sett;
                log log_prefx="x";
                reject proto=udp reject_with=tcp-reset;
            }
        }
    };
}
