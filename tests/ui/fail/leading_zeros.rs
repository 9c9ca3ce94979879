// iptables reads a number with a leading zero as octal: each of these would load as something
// else than it says (`022` as port 18, `/010` as a /8), so each is a compile error.
fn main() {
    let _ = pyptables::firewall! {
        filter {
            INPUT {
                accept proto=tcp dport=022;
                accept source=10.64.0.0/010;
                accept ttl_eq=064;
                accept proto=icmp icmp_type=010;
                accept mark=010;
                accept proto=tcp dport=08;
            }
        }
        ip6 { filter { INPUT { accept source=2001:db8::/064; } } }
    };
}
