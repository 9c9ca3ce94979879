fn main() {
    let _ = pyptables::firewall! {
        nat { FORWARD { accept; } }
    };
}
