// Targets from iptables-extensions(8), refused as the kernel refuses them: a window scale
// beyond TCP's 14, SYNPROXY outside INPUT/FORWARD or without `proto=tcp`, a target removed
// from the kernel, an NPT prefix longer than /64.
fn main() {
    let _ = pyptables::firewall! {
        filter { INPUT { synproxy proto=tcp wscale=15; synproxy sack_perm; } }
        nat { PREROUTING { synproxy proto=tcp; } }
        mangle { INPUT { clusterip new; } }
        ip6 { mangle { POSTROUTING { snpt src_pfx=2001:db8::/80 dst_pfx=2001:db8:1::/64; } } }
    };
}
