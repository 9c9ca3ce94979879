//! Zone-based rules, python-pyptables' higher-level layer: say "lan may reach the web
//! servers in the dmz on tcp 80 and 443, and log it" once, and get the iptables rules.
//!
//! - [`Zone`]: a network behind an interface (optionally one port of a bridge, `-m physdev`).
//! - [`Hosts`]: a named group of addresses, CIDR networks and `a-b` ranges (`-m iprange`);
//!   [`IpSet`]: an ipset (`-m set --match-set NAME src|dst`).
//! - [`Location`]: a zone, some addresses, or addresses in a zone (`dmz.with(web)`).
//! - Channels: [`TcpChannel`] and [`UdpChannel`] (ports, through `-m multiport` when several,
//!   and connection states), [`IcmpChannel`] (a type).
//! - [`ForwardingRule`] (for `FORWARD`) and [`InputRule`] (for `INPUT`): a verdict for
//!   traffic from sources (to destinations) on channels. [`rules`](ForwardingRule::rules)
//!   expands one into the cartesian product sources × destinations × channels, in that
//!   order, each rule with a comment describing its route and, when logging, a LOG rule
//!   right before it.
//!
//! The result is plain [`Rule`](crate::Rule)s: put them in a chain and
//! [`validate`](crate::Tables::validate) the tables, which checks interface names, ipset names,
//! log prefixes and comments with the same catalog as every other rule. What the catalog
//! cannot see — a range that starts after its end or mixes families, ports in the wrong order,
//! more ports than `-m multiport` takes, a rule pairing IPv4 with IPv6 addresses — is a
//! [`ZoneError`] from the constructors or from `rules`.
//!
//! ```
//! use pyptables::zones::{ForwardingRule, Hosts, TcpChannel, UdpChannel, Zone};
//! use pyptables::{default_tables, Policy};
//!
//! let lan = Zone::new("lan", "eth1");
//! let dmz = Zone::new("dmz", "eth2");
//! let web = Hosts::parse("web", "198.51.100.10, 198.51.100.20-198.51.100.30").unwrap();
//!
//! let mut tables = default_tables();
//! let forward = &mut tables["filter"]["FORWARD"];
//! forward.set_policy(Policy::Drop).unwrap();
//! forward.push(
//!     ForwardingRule::accept()
//!         .from(&lan)
//!         .to(dmz.with(&web))
//!         .channel(TcpChannel::new().dports([80, 443]))
//!         .channel(UdpChannel::new().dport(53))
//!         .rules()
//!         .unwrap(),
//! );
//! tables.validate().unwrap();
//! let text = tables.to_iptables_plain();
//! assert!(text.contains("-A FORWARD -d 198.51.100.10 -i eth1 -o eth2 -p tcp -m multiport --dports 80,443 \
//!     -m comment --comment \"lan -> dmz:web, channel tcp, ports any -> 80,443\" -j ACCEPT"));
//! assert!(text.contains("-A FORWARD -i eth1 -o eth2 -p udp -m iprange --dst-range 198.51.100.20-198.51.100.30 \
//!     -m udp --dport 53 -m comment --comment \"lan -> dmz:web, channel udp, ports any -> 53\" -j ACCEPT"));
//! assert_eq!(tables["filter"]["FORWARD"].len(), 4); // 1 source × 2 hosts × 2 channels
//! ```
//!
//! The `firewall!` macro has the same layer: zones and host groups declared once and used by
//! name in rules (`accept from=lan to=dmz:web tcp=[80, 443];`), checked at compile time and
//! expanded by this module.
//!
//! Differences from python-pyptables: the LOG rule comes right before its own verdict (not all
//! LOG rules first), a host group expands to one rule per entry instead of a comma list in
//! `-s`, a destination range matches `--dst-range` (python-pyptables wrote `--src-range`), and
//! the comment reads `lan -> dmz, channel …` (prefixed by the rule's own comment, if any).

mod channel;
mod hosts;
mod rules;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use pyptables_catalog::hosts::HostError;
use pyptables_catalog::limits::too_many_ports;
use pyptables_catalog::value::reversed_range;

pub use channel::{Channel, IcmpChannel, Ports, TcpChannel, UdpChannel};
pub use hosts::{Addresses, Host, Hosts, IpRange, IpSet, Location, Zone};
pub use rules::{ForwardingRule, InputRule};

/// A zone rule or address that cannot become iptables rules.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// An address range whose start is after its end.
    #[error("{}", HostError::Reversed { start: *start, end: *end })]
    ReversedRange {
        /// The first address given.
        start: IpAddr,
        /// The last address given.
        end: IpAddr,
    },
    /// An address range from one family to the other.
    #[error("{}", HostError::Mixed { start: *start, end: *end })]
    MixedFamilyRange {
        /// The first address given.
        start: IpAddr,
        /// The last address given.
        end: IpAddr,
    },
    /// Text that is not an address, network or range.
    #[error("{}", HostError::Bad { text: text.clone(), reason: reason.clone() })]
    BadHost {
        /// The text.
        text: String,
        /// Why it was refused.
        reason: String,
    },
    /// A host group without entries.
    #[error("host group `{name}` is empty")]
    EmptyHosts {
        /// The group's name.
        name: String,
    },
    /// A port range whose first port is after its last.
    #[error("{}", reversed_range("port range", low, ':', high))]
    ReversedPorts {
        /// The first port given.
        low: u16,
        /// The last port given.
        high: u16,
    },
    /// More ports than one `-m multiport` option takes.
    #[error("channel `{channel}`: {}: split it into several channels", too_many_ports(*slots))]
    TooManyPorts {
        /// The channel's protocol and ports.
        channel: String,
        /// The slots needed.
        slots: usize,
    },
    /// One combination of the product pairs IPv4 with IPv6 (addresses or an ICMP channel);
    /// [`ForwardingRule::rules_for`] leaves such combinations out instead.
    #[error("`{route}` mixes IPv4 and IPv6; use rules_for(Family) to expand one family")]
    MixedFamilies {
        /// The combination, as its comment would read.
        route: String,
    },
    /// A rule with neither a verdict nor a log.
    #[error("the rule has neither a verdict nor a log prefix, so it would produce nothing")]
    NothingToDo,
}
