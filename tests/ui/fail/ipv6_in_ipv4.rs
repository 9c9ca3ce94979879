fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept source="2001:db8::1"; } }
    };
}
