fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { jump FORWARD; } }
    };
}
