fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT {
                raw "-p tcp -j ACCEPT -F";
                raw "-m comment --comment \"unclosed -j ACCEPT";
            }
        }
    };
}
