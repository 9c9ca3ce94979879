use pyptables::firewall;

fn main() {
    let _fw = firewall! {
        filter {
            INPUT {
                accept match=connlabel label=128;
                accept match=connbytes connbytes=10 connbytes_dir=orignal connbytes_mode=bytes;
                accept match=policy dir=out pol=ipsec;
                drop match=rpfilter invert;
            }
        }
    };
}
