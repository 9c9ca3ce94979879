//! `examples/zone_router.rs` against the kernel: loaded for real into a throw-away network
//! namespace with both iptables backends, and compared with what `iptables-save` prints,
//! written by hand in its canonical form (`-d 198.51.100.2/32`, `--icmp-type 8`,
//! `RELATED,ESTABLISHED`).
//!
//! Needs root, iptables (nft and legacy) and ipset:
//! `cargo test --test kernel_zone_router -- --include-ignored`.

use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

#[path = "../examples/zone_router.rs"]
#[allow(dead_code)]
mod zone_router;

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_zone_router_loads_and_the_kernel_has_what_was_meant() {
    require_root_and_iptables();
    let tables = zone_router::tables().unwrap();
    tables.validate().unwrap();
    let text = tables.to_iptables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("zone_router_kernel").unwrap();
        ns.exec_ok("ipset", &["create", zone_router::BLOCKLIST, "hash:ip"])
            .unwrap();
        ns.restore(b, tk::Family::V4, &text, &[])
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "filter").unwrap(),
            "*filter\n\
             :INPUT DROP\n\
             :FORWARD DROP\n\
             :OUTPUT ACCEPT\n\
             -A INPUT -i lo -j ACCEPT\n\
             -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
             -A INPUT -i lan -p tcp -m tcp --dport 22 -m comment --comment \"lan -> local, channel tcp, ports any -> 22\" -j ACCEPT\n\
             -A INPUT -i lan -p icmp -m icmp --icmp-type 8 -m comment --comment \"lan -> local, channel icmp, type echo-request\" -j ACCEPT\n\
             -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
             -A FORWARD -i wan -m set --match-set blocklist src -m comment --comment \"wan:blocklist -> any\" -j LOG --log-prefix \"FWD blocked \"\n\
             -A FORWARD -i wan -m set --match-set blocklist src -m comment --comment \"wan:blocklist -> any\" -j DROP\n\
             -A FORWARD -d 198.51.100.2/32 -i lan -o dmz -p tcp -m multiport --dports 80,443 -m comment --comment \"services: lan -> dmz:servers, channel tcp, ports any -> 80,443\" -j ACCEPT\n\
             -A FORWARD -d 198.51.100.2/32 -i lan -o dmz -p udp -m udp --dport 53 -m comment --comment \"services: lan -> dmz:servers, channel udp, ports any -> 53\" -j ACCEPT\n\
             -A FORWARD -i lan -o dmz -p tcp -m iprange --dst-range 198.51.100.10-198.51.100.20 -m multiport --dports 80,443 -m comment --comment \"services: lan -> dmz:servers, channel tcp, ports any -> 80,443\" -j ACCEPT\n\
             -A FORWARD -i lan -o dmz -p udp -m iprange --dst-range 198.51.100.10-198.51.100.20 -m udp --dport 53 -m comment --comment \"services: lan -> dmz:servers, channel udp, ports any -> 53\" -j ACCEPT\n\
             -A FORWARD -d 198.51.100.2/32 -i wan -o dmz -p tcp -m multiport --dports 80,443 -m comment --comment \"services: wan -> dmz:servers, channel tcp, ports any -> 80,443\" -j ACCEPT\n\
             -A FORWARD -d 198.51.100.2/32 -i wan -o dmz -p udp -m udp --dport 53 -m comment --comment \"services: wan -> dmz:servers, channel udp, ports any -> 53\" -j ACCEPT\n\
             -A FORWARD -i wan -o dmz -p tcp -m iprange --dst-range 198.51.100.10-198.51.100.20 -m multiport --dports 80,443 -m comment --comment \"services: wan -> dmz:servers, channel tcp, ports any -> 80,443\" -j ACCEPT\n\
             -A FORWARD -i wan -o dmz -p udp -m iprange --dst-range 198.51.100.10-198.51.100.20 -m udp --dport 53 -m comment --comment \"services: wan -> dmz:servers, channel udp, ports any -> 53\" -j ACCEPT\n\
             -A FORWARD -i lan -o wan -m comment --comment \"lan -> wan\" -j ACCEPT\n\
             -A FORWARD -m comment --comment \"any -> any\" -j LOG --log-prefix \"FWD drop \"\n\
             -A FORWARD -m comment --comment \"any -> any\" -j DROP\n\
             COMMIT\n",
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "nat").unwrap(),
            "*nat\n\
             :PREROUTING ACCEPT\n\
             :INPUT ACCEPT\n\
             :OUTPUT ACCEPT\n\
             :POSTROUTING ACCEPT\n\
             -A POSTROUTING -o wan -j MASQUERADE\n\
             COMMIT\n",
            "{b}"
        );
    }
}
