fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept comment!="no"; } }
    };
}
