//! A Docker host's firewall that shares the host with Docker, fail2ban and Kubernetes.
//!
//! The firewall owns INPUT (policy DROP: SSH from the admin network, ping, loopback, answers)
//! and `DOCKER-USER`, where Docker wants users' rules on forwarded traffic: the published port
//! 8080 only from the trusted network. Everything else Docker, fail2ban and kube-proxy put in
//! the filter table — their chains (`preserve DOCKER*, f2b-*, KUBE-*;`), their jumps in INPUT
//! and FORWARD, FORWARD itself with its policy — stays as it runs. The nat table, with
//! Docker's DNAT and MASQUERADE rules, is not named, so it is not touched at all.
//!
//! Rules in `DOCKER-USER` see packets after Docker's DNAT, in both directions: match the
//! published port with `ctorigdstport` (the port before DNAT) and the client with `ctorigsrc`
//! (the connection's original source, also on the container's answers), as Docker's
//! documentation says — not with `dport` and `source`.
//!
//! ```text
//! cargo build --release --example docker_host
//! target/release/examples/docker_host diff               # other software's chains are no difference
//! target/release/examples/docker_host apply --confirm 30
//! ```

use std::process::ExitCode;

use pyptables::{firewall, Firewall};

/// Who may log in with SSH.
pub const ADMIN_V4: &str = "198.51.100.0/24";
/// Who may log in with SSH, IPv6.
pub const ADMIN_V6: &str = "2001:db8:ad::/48";
/// Who may reach the published container port.
pub const TRUSTED_V4: &str = "198.51.100.0/26";
/// Who may reach the published container port, IPv6.
pub const TRUSTED_V6: &str = "2001:db8:ad::/64";
/// The port Docker publishes (`docker run -p 8080:80 …`).
pub const PUBLISHED_PORT: u16 = 8080;

/// The firewall, both families.
pub fn firewall() -> Firewall {
    firewall! {
        ip {
            filter {
                preserve DOCKER*, f2b-*, KUBE-*;
                INPUT policy DROP {
                    accept in_interface=lo;
                    accept ctstate=[ESTABLISHED, RELATED];
                    accept proto=icmp;
                    accept proto=tcp dport=ssh source={ADMIN_V4} comment="SSH from the admins";
                }
                chain DOCKER-USER "published ports: the trusted network only" {
                    drop proto=tcp ctorigdstport={PUBLISHED_PORT} ctorigsrc!={TRUSTED_V4};
                    return;
                }
            }
        }
        ip6 {
            filter {
                preserve DOCKER*, f2b-*, KUBE-*;
                INPUT policy DROP {
                    accept in_interface=lo;
                    accept ctstate=[ESTABLISHED, RELATED];
                    accept proto=ipv6-icmp;
                    accept proto=tcp dport=ssh source={ADMIN_V6} comment="SSH from the admins";
                }
                chain DOCKER-USER "published ports: the trusted network only" {
                    drop proto=tcp ctorigdstport={PUBLISHED_PORT} ctorigsrc!={TRUSTED_V6};
                    return;
                }
            }
        }
    }
}

#[allow(dead_code)] // the tests include this file for `firewall()`
fn main() -> ExitCode {
    pyptables::cli::run(firewall())
}
