use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                accept proto=tcp dport=70000;
                accept proto=tcp dport=2000:1000;
                accept proto=tcp dport=sssh;
                accept proto=tcp dport=[22, 80, 99999];
                accept ctstate=[ESTABLISHD, RELATED];
                accept proto=icmp icmp_type=echo-requst;
                accept in_interface=averyveryverylongname0;
                accept source=10.0.0.0/33;
                accept source=10.0.0.300;
                accept limit=5/fortnight;
                log log_prefix="this prefix is much too long for the kernel";
                accept proto=tcsp;
            }
        }
    };
}
