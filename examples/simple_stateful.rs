//! python-pyptables' first README example: a stateful forwarding firewall.
//!
//! Forwarded packets of established connections pass, new connections only to DNS, HTTP and
//! HTTPS (TCP ports 53, 80 and 443); everything else forwarded is dropped by the chain's policy.
//!
//! ```text
//! cargo run --example simple_stateful                 # print the rules
//! cargo run --example simple_stateful | iptables-restore   # load them (as root)
//! ```

use pyptables::value::CtState;
use pyptables::{default_tables, Policy, Rule, Tables};

/// The firewall of the example.
pub fn tables() -> Tables {
    // A default set of tables and chains: filter, nat and mangle, every policy ACCEPT.
    let mut tables = default_tables();

    // The FORWARD chain of the filter table.
    let forward = &mut tables["filter"]["FORWARD"];

    // Any packet of an established connection is allowed.
    forward.push(Rule::new().ctstate(CtState::Established).accept());

    // New connections to DNS, HTTP and HTTPS are allowed.
    forward.push(Rule::new().proto("tcp").dport(53).accept());
    forward.push(Rule::new().proto("tcp").dport(80).accept());
    forward.push(Rule::new().proto("tcp").dport(443).accept());

    // Any packet no rule accepted is dropped.
    forward
        .set_policy(Policy::Drop)
        .expect("FORWARD is a built-in chain");

    tables
}

fn main() {
    let tables = tables();
    // Check against the iptables catalog before printing (restore() would do the same).
    if let Err(problems) = tables.validate() {
        eprintln!("{problems}");
        std::process::exit(1);
    }
    // The annotated iptables-restore text: every rule is preceded by the line that wrote it.
    print!("{}", tables.to_iptables());
}
