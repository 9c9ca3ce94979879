fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept uid_owner=0; } }
    };
}
