fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { log log_prefix="this prefix is much too long for the kernel"; } }
    };
}
