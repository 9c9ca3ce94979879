//! A zone-based router with the `pyptables::zones` layer: three zones, servers in the dmz,
//! NAT to the wan, a blocklist ipset and logging of dropped forwards.
//!
//! ```text
//!            lan 192.0.2.0/24 ── [lan]
//!                                       router ── [wan] ── wan 203.0.113.0/24
//!       dmz 198.51.100.0/24 ── [dmz]
//! ```
//!
//! The interfaces are named after the networks behind them (`lan`, `dmz`, `wan`), as in the
//! test kit's `Topology::lan_dmz_wan`, which `tests/behaviour_zone_router.rs` runs it in.
//!
//! - lan and wan reach the dmz servers on tcp 80 and 443 and udp 53;
//! - lan reaches the wan, masqueraded behind the router's wan address;
//! - wan hosts in the `blocklist` ipset reach nothing (and are logged);
//! - everything else forwarded — the wan to the lan, the dmz to anywhere — is logged and
//!   dropped;
//! - the router itself answers ssh and ping from the lan only.
//!
//! The router is written twice: with the `pyptables::zones` builder ([`tables`]) and in the
//! `firewall!` DSL ([`firewall`]), whose zone rules expand through the same module; the tests
//! check that the two are the same rules.
//!
//! The `blocklist` set must exist before the rules are loaded:
//!
//! ```text
//! ipset create blocklist hash:ip
//! cargo run --example zone_router | iptables-restore            # the builder version
//! cargo run --example zone_router -- dsl | iptables-restore     # the firewall! version
//! ```
//!
//! On the nftables engine (`Firewall::apply_nft`) the blocklist is a named set that the
//! engine declares in the firewall's own table; it is filled the nft way, and applying the
//! firewall again keeps its elements:
//!
//! ```text
//! nft add element ip pyptables blocklist { 203.0.113.7 }
//! ```

use pyptables::value::CtState;
use pyptables::zones::{
    ForwardingRule, Hosts, IcmpChannel, InputRule, IpSet, TcpChannel, UdpChannel, Zone, ZoneError,
};
use pyptables::{default_tables, firewall, Firewall, Policy, Rule, Tables};

/// The ipset of wan hosts that get nothing through (`ipset create blocklist hash:ip`).
pub const BLOCKLIST: &str = "blocklist";

/// The router's tables.
pub fn tables() -> Result<Tables, ZoneError> {
    let lan = Zone::new("lan", "lan");
    let dmz = Zone::new("dmz", "dmz");
    let wan = Zone::new("wan", "wan");
    // A single server and a range of them.
    let servers = Hosts::parse("servers", "198.51.100.2, 198.51.100.10-198.51.100.20")?;
    let blocklist = IpSet::new(BLOCKLIST);
    let web = TcpChannel::new().dports([80, 443]);
    let dns = UdpChannel::new().dport(53);
    let established = Rule::new()
        .ctstate([CtState::Established, CtState::Related])
        .accept();

    let mut tables = default_tables();
    let filter = &mut tables["filter"];

    let input = &mut filter["INPUT"];
    input.set_policy(Policy::Drop).expect("INPUT is built in");
    input.push(Rule::new().in_interface("lo").accept());
    input.push(established.clone());
    input.push(
        InputRule::accept()
            .from(&lan)
            .channel(TcpChannel::new().dport(22))
            .channel(IcmpChannel::new().icmp_type("echo-request"))
            .rules()?,
    );

    let forward = &mut filter["FORWARD"];
    forward
        .set_policy(Policy::Drop)
        .expect("FORWARD is built in");
    forward.push(established);
    forward.push(
        ForwardingRule::drop()
            .from(wan.with(&blocklist))
            .log("FWD blocked ")
            .rules()?,
    );
    forward.push(
        ForwardingRule::accept()
            .from(&lan)
            .from(&wan)
            .to(dmz.with(&servers))
            .channel(web)
            .channel(dns)
            .comment("services")
            .rules()?,
    );
    forward.push(ForwardingRule::accept().from(&lan).to(&wan).rules()?);
    forward.push(ForwardingRule::drop().log("FWD drop ").rules()?);

    tables["nat"]["POSTROUTING"].push(
        Rule::new()
            .out_interface(wan.interface().to_string())
            .masquerade(),
    );
    Ok(tables)
}

/// The same router in the `firewall!` DSL: zones and host groups declared once, used by name.
pub fn firewall() -> Firewall {
    firewall! {
        zones {
            lan = lan;
            dmz = dmz;
            wan = wan;
        }
        hosts {
            servers = [198.51.100.2, 198.51.100.10-198.51.100.20];
            blocklist = ipset blocklist;
        }
        filter {
            INPUT policy DROP {
                accept in_interface=lo;
                accept ctstate=[ESTABLISHED, RELATED];
                accept from=lan tcp=ssh icmp=echo-request;
            }
            FORWARD policy DROP {
                accept ctstate=[ESTABLISHED, RELATED];
                drop from=wan:blocklist log="FWD blocked ";
                accept from=[lan, wan] to=dmz:servers tcp=[http, https] udp=domain comment="services";
                accept from=lan to=wan;
                drop log="FWD drop ";
            }
        }
        nat { POSTROUTING { masquerade out_interface=wan; } }
        mangle {}
    }
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("dsl") {
        let fw = firewall();
        if let Err(problems) = fw.validate() {
            eprintln!("{problems}");
            std::process::exit(1);
        }
        print!("{}", fw.ipv4().to_iptables_plain());
        return;
    }
    let tables = match tables() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    if let Err(problems) = tables.validate() {
        eprintln!("{problems}");
        std::process::exit(1);
    }
    print!("{}", tables.to_iptables_plain());
}
