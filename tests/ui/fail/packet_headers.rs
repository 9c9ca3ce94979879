use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                drop u32="0>>22&0x3C@12=0x10&&";
                drop u32="1=2&&2=3&&3=4&&4=5&&5=6&&6=7&&7=8&&8=9&&9=10&&10=11&&11=12";
                drop match=frag fragfirst;
                accept ahspi=5;
                accept proto=esp espspi="5:1";
            }
        }
        ip6 {
            filter {
                INPUT {
                    accept proto=ah ahspi=5;
                    accept rt_0_res rt_type=0;
                    accept proto=sctp chunk_types="any INIT:T";
                }
            }
        }
    };
}
