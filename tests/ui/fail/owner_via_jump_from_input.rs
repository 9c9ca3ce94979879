fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT { jump by_user; }
            chain by_user { accept uid_owner=0; }
        }
    };
}
