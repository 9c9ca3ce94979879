// Rules iptables or the kernel refuse (checked in a namespace with both backends).
fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT {
                reject reject_with=tcp-rst;
                accept match=recent name=ssh set seconds=60;
                log log_level=err;
                accept match=statistic mode=nth every=3 packet=3;
                jump standard;
            }
            chain standard { return; }
        }
        nat { PREROUTING { dnat to_destination="192.0.2.1:80"; } }
        ip6 { filter { INPUT { accept dst_type=BROADCAST; } } }
    };
}
