//! A per-host firewall binary: a web server that accepts SSH from an admin network, HTTP and
//! HTTPS from anywhere, and ping; everything else inbound is dropped.
//!
//! ```text
//! cargo build --release --example per_host
//! target/release/examples/per_host                    # print the rules (the default)
//! target/release/examples/per_host check              # static checks + the kernel's verdict
//! target/release/examples/per_host diff               # running rules vs these
//! target/release/examples/per_host apply --confirm 30 # apply; roll back unless confirmed
//! target/release/examples/per_host confirm            # …from a second session
//! target/release/examples/per_host apply              # on a terminal: asks, 10 s to answer `y`
//! target/release/examples/per_host save               # the files loaded at boot
//! target/release/examples/per_host --plain --family 4 # iptables-restore input, IPv4
//! ```

use std::process::ExitCode;

use pyptables::value::CtState;
use pyptables::{Family, Firewall, Policy, Rule, Tables};

/// The admin network allowed to reach SSH.
pub const ADMIN_V4: &str = "198.51.100.0/24";
/// The admin network allowed to reach SSH, IPv6.
pub const ADMIN_V6: &str = "2001:db8:ad::/48";

/// The host's rules for `family`: SSH from `admin`, web, ping with `icmp`.
pub fn host(family: Family, admin: &'static str, icmp: &'static str) -> Tables {
    // Only the filter table: a per-host binary leaves nat, mangle and raw alone.
    let mut tables = Tables::new(family);
    let input = &mut tables
        .table_or_default("filter")
        .expect("filter is an iptables table")["INPUT"];
    input
        .set_policy(Policy::Drop)
        .expect("INPUT is a built-in chain");
    input.push(Rule::new().in_interface("lo").accept());
    input.push(Rule::new().ctstate(CtState::Established).accept());
    input.push(Rule::new().proto(icmp).accept());
    input.push(Rule::new().source(admin).proto("tcp").dport(22).accept());
    for port in [80, 443] {
        input.push(Rule::new().proto("tcp").dport(port).accept());
    }
    tables
}

fn main() -> ExitCode {
    pyptables::cli::run(Firewall::from_tables(
        host(Family::V4, ADMIN_V4, "icmp"),
        host(Family::V6, ADMIN_V6, "ipv6-icmp"),
    ))
}
