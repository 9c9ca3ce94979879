//! A web server shielded from SYN floods by SYNPROXY, as iptables-extensions(8) sets it up:
//! the SYNs to port 80 are left untracked in the raw table, SYNPROXY answers them itself with
//! a SYN cookie and opens the connection to the server only once the client has completed
//! the handshake; what conntrack then still finds INVALID is dropped.
//!
//! The kernel must also be told not to pick up connections from a stray ACK, so that the
//! client's ACK reaches SYNPROXY (as INVALID): `sysctl -w net.netfilter.nf_conntrack_tcp_loose=0`.
//!
//! ```text
//! cargo run --example synproxy_web            # print the rules
//! cargo run --example synproxy_web | iptables-restore   # load them (as root)
//! ```

use pyptables::{firewall, Firewall};

/// The firewall (loaded with real connections by `tests/behaviour_synproxy_web.rs`).
pub fn firewall() -> Firewall {
    firewall! {
        raw {
            PREROUTING { ct proto=tcp dport=80 syn notrack; }
        }
        filter {
            INPUT {
                synproxy proto=tcp dport=80 ctstate=[INVALID, UNTRACKED]
                    sack_perm timestamp wscale=7 mss=1460;
                drop ctstate=INVALID;
            }
        }
    }
}

fn main() {
    let fw = firewall();
    if let Err(errors) = fw.validate() {
        eprintln!("{errors}");
        std::process::exit(1);
    }
    print!("{}", fw.ipv4().to_iptables_plain());
}
