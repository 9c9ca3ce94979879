//! # pyptables-testkit: firewall promises, checked against the kernel
//!
//! A firewall is only correct if packets do what its author promised: "lan reaches dmz:443",
//! "wan cannot reach lan:22", "the server sees the router's address". This crate lets a test
//! say exactly that and check it with real packets, inside throw-away network namespaces, with
//! either iptables backend:
//!
//! ```no_run
//! use pyptables_testkit::{require_root_and_iptables, Backend, Family, Topology};
//! use pyptables_testkit::{TcpOutcome::*, PingOutcome};
//!
//! #[test]
//! #[ignore = "needs root and iptables (kernel test)"]
//! fn dmz_is_reachable_from_lan_but_lan_is_closed_to_wan() {
//!     require_root_and_iptables();
//!     for backend in Backend::ALL {
//!         let net = Topology::lan_dmz_wan("dmz_reachable").unwrap();
//!         net.ns("router")
//!             .restore(backend, Family::V4, "*filter\n\
//!                 :FORWARD DROP [0:0]\n\
//!                 -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n\
//!                 -A FORWARD -i lan -o dmz -p tcp --dport 443 -j ACCEPT\n\
//!                 COMMIT\n", &[])
//!             .unwrap();
//!
//!         assert_eq!(net.tcp("lan", "dmz", 443), Accepted, "{backend}: lan reaches dmz:443");
//!         assert_eq!(net.tcp("wan", "lan", 22), TimedOut, "{backend}: wan cannot reach lan:22");
//!         assert_eq!(net.ping("lan", "dmz"), PingOutcome::NoReply, "{backend}: no ping to dmz");
//!     } // each topology is deleted here, also when an assertion fails
//! }
//! # fn main() {}
//! ```
//!
//! ## The parts
//!
//! - [`Backend`] (`Nft`, `Legacy`) and [`Family`] (`V4`, `V6`) name the iptables binaries.
//! - [`Netns`] is one namespace: created by [`Netns::new`], deleted on drop (with every
//!   process still running in it). It runs commands inside ([`Netns::exec`]), loads rules
//!   ([`Netns::restore`], [`Netns::iptables`]) and reads them back in a comparable form
//!   ([`Netns::save`], see [`normalise_save`]). It refuses to mix the nft and legacy backends.
//! - [`Topology`] is several namespaces ("hosts") joined by veth pairs, with IPv4 and IPv6
//!   addresses and routes: [`Topology::single_host`], [`Topology::client_router_server`],
//!   [`Topology::lan_dmz_wan`], or your own through [`Topology::builder`]. A host's interface
//!   toward another host is named after that host, so a router's rules read
//!   `-i lan -o dmz`. Probes name hosts: [`Topology::tcp`], [`Topology::udp`],
//!   [`Topology::ping`] and their IPv6 twins.
//! - [`Tcp`], [`Udp`] and [`Ping`] are the probes themselves, for namespaces you made yourself
//!   or for NAT tests that listen on one address and connect to another. Their reports tell
//!   which source address the server saw (SNAT, MASQUERADE) and which destination the client
//!   really reached (DNAT).
//!
//! ## What the outcomes mean
//!
//! A listener is always started before a TCP or UDP probe, so a blocked port and a closed one
//! differ: `DROP` gives [`TcpOutcome::TimedOut`], `REJECT` (port-unreachable or `tcp-reset`)
//! and "nobody listens" give [`TcpOutcome::Refused`], other ICMP errors give
//! [`TcpOutcome::Unreachable`]. The [`probe`] module has the full table. Every wait is bounded
//! (300 ms by default, `PYPTABLES_TESTKIT_TIMEOUT_MS` to change it), so a blocked probe costs
//! a third of a second.
//!
//! ## Rules for kernel tests
//!
//! - Mark them `#[ignore = "needs root and iptables (kernel test)"]`; run them with
//!   `cargo test -- --include-ignored` as root.
//! - Call [`require_root_and_iptables`] first: it panics with instructions instead of letting
//!   the test pass without having tested anything.
//! - Use one backend per namespace; to test both, build one topology per backend (as above).
//! - Only documentation addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
//!   2001:db8::/32) are accepted by the builder; nothing can leave the machine.
//! - Clean-up needs nothing from the test: namespaces go when their values are dropped,
//!   also on panic, and veth pairs are created inside the namespaces, never in the machine's
//!   own. Namespaces left by a killed test process are removed by the next run
//!   ([`remove_stale_namespaces`]).

#![warn(missing_docs)]

mod backend;
mod counters;
mod netns;
pub mod objects;
pub mod probe;
pub mod restore_syntax;
mod topology;

pub use backend::{Backend, Family};
pub use counters::{packet_counters, Counters};
pub use netns::{
    find_tool, normalise_save, remove_stale_namespaces, require_root_and_iptables, Netns,
};
pub use probe::{
    default_timeout, Ping, PingOutcome, Tcp, TcpOutcome, TcpReport, Udp, UdpOutcome, UdpReport,
};
pub use restore_syntax::restore_argv;
pub use topology::{is_documentation_address, Cidr, Topology, TopologyBuilder};
