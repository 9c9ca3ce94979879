fn main() {
    let _ = pyptables::firewall! {
        nat { POSTROUTING { snat out_interface=eth0; } }
    };
}
