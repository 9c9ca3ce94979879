fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept proto=tcp dprot=22; } }
    };
}
