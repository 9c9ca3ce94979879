fn main() {
    let _ = pyptables::firewall! {
        filter { FORWARD { masquerade out_interface=eth0; } }
    };
}
