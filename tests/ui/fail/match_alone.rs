use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                accept match=tos;
                accept proto=udp match=conntrack dport=53;
                log match=hashlimit log_prefix="x ";
                accept match=tcp;
            }
        }
        mangle {
            PREROUTING {
                accept match=socket;
                accept match=rpfilter;
            }
        }
    };
}
