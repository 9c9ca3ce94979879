// Jumps to chains of other software compile when a `preserve` pattern names them; a chain the
// firewall defines itself is its own even when a pattern matches it.
fn main() {
    let fw = pyptables::firewall! {
        filter {
            preserve DOCKER*, f2b-*, "KUBE-SERVICES", LIBVIRT_*;
            INPUT policy DROP {
                jump f2b-sshd proto=tcp dport=22;
                jump KUBE-SERVICES;
                goto LIBVIRT_INP;
                accept in_interface=lo;
            }
            chain DOCKER-USER { jump DOCKER-FORWARD; return; }
        }
        inet { nat { preserve DOCKER; PREROUTING { jump DOCKER; } } }
    };
    let filter = fw.ipv4().table("filter").unwrap();
    assert_eq!(filter.preserved(), ["DOCKER*", "f2b-*", "KUBE-SERVICES", "LIBVIRT_*"]);
    assert!(filter.is_foreign("DOCKER-FORWARD") && !filter.is_foreign("DOCKER-USER"));
    // Only the built-in chains it names are the firewall's.
    assert!(filter.chain("FORWARD").is_none());
    assert_eq!(fw.ipv6().table("nat").unwrap().preserved(), ["DOCKER"]);
}
