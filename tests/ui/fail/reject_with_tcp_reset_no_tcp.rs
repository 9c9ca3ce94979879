fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { reject proto=udp reject_with=tcp-reset; } }
    };
}
