// Host group entries are read by the same parser at compile time and at start-up: what the
// runtime would refuse (or read as a wider network) is a compile error here.
fn main() {
    let _ = pyptables::firewall! {
        hosts {
            octal_prefix = [10.64.0.0/010];
            signed_prefix = ["10.0.0.0/+8"];
            octal_address = ["010.0.0.1"];
            v6 = [2001:db8::/064];
        }
        filter { FORWARD { accept from=octal_prefix; accept from=signed_prefix; accept from=octal_address; accept from=v6; } }
    };
}
