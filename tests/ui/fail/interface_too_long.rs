fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { accept in_interface=averyveryverylongname0; } }
    };
}
