//! Service names that may stand for port numbers: the whole list of Debian's `netbase`
//! `/etc/services` (file `services.netbase`, with its attribution), built in so that the result
//! does not depend on the machine that compiles or runs the firewall. Rules are always written
//! with the numbers, so the host's own `/etc/services` is never consulted.
//!
//! iptables resolves a name in one of two ways, and this module offers both:
//!
//! - [`port`]: TCP or UDP, as `getaddrinfo(3)` does with no hints — the TCP port if the name
//!   has one, else the UDP port. The `--sport`/`--dport` of the udp and dccp matches,
//!   conntrack's port options and the NAT and TPROXY targets' ports do this, so `-p udp --dport
//!   ssh` loads as `--dport 22` although `ssh` is TCP only.
//! - [`port_for`]: one protocol, as `getservbyname(3)` does. The matches in
//!   [`BY_PROTOCOL_MATCHES`] do this: `-p tcp --dport ntp`, `-p udp -m multiport --dports ssh`
//!   and `-p sctp --dport ssh` are refused by iptables (1.8.9, both backends).
//!
//! No name has different ports for TCP and UDP in netbase 6.4, but many are defined for one of
//! them only (`ssh` TCP, `ntp` UDP). Names that netbase lacks (`dns`, `rdp`, `wireguard`) are
//! not known here either, because iptables on a host would refuse them.

use std::collections::HashMap;
use std::sync::OnceLock;

/// netbase's data lines: `name port/protocol [alias …]`, in its order.
const NETBASE: &str = include_str!("services.netbase");

/// The protocols `getaddrinfo(3)` tries, in its order, for a service name without a protocol
/// (glibc's `gaih_inet_typeproto` entries marked as default).
const ANY_PROTOCOL: [&str; 2] = ["tcp", "udp"];

/// The match modules that resolve a service name for the rule's protocol only
/// (`getservbyname(name, protocol)`): a name of another protocol is refused by iptables.
pub const BY_PROTOCOL_MATCHES: &[&str] = &["tcp", "sctp", "multiport"];

/// A name's ports: `(protocol, port)`, the first line for each protocol.
type Entries = Vec<(&'static str, u16)>;

struct Table {
    by_name: HashMap<&'static str, Entries>,
    /// Every name and alias once, in netbase's order (for suggestions).
    names: Vec<&'static str>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Table {
            by_name: HashMap::new(),
            names: Vec::new(),
        };
        for (names, port, protocol) in lines() {
            for name in names {
                let entries = t.by_name.entry(name).or_insert_with(|| {
                    t.names.push(name);
                    Vec::new()
                });
                // getservbyname returns the first matching line.
                if !entries.iter().any(|(p, _)| *p == protocol) {
                    entries.push((protocol, port));
                }
            }
        }
        t
    })
}

/// The data lines as `(name and aliases, port, protocol)`; a line that is not of that form
/// is skipped (the tests check that none is).
fn lines() -> impl Iterator<Item = (Vec<&'static str>, u16, &'static str)> {
    NETBASE.lines().filter_map(|line| {
        if line.starts_with('#') {
            return None;
        }
        let mut words = line.split_whitespace();
        let name = words.next()?;
        let (port, protocol) = words.next()?.split_once('/')?;
        let port = port.parse().ok()?;
        Some((std::iter::once(name).chain(words).collect(), port, protocol))
    })
}

/// The port a service name stands for with TCP, else UDP (see the module docs).
///
/// ```
/// use pyptables_catalog::services::port;
/// assert_eq!(port("ssh"), Some(22));
/// assert_eq!(port("ntp"), Some(123)); // UDP only, but found all the same
/// assert_eq!(port("amqp"), Some(5672)); // TCP and SCTP
/// assert_eq!(port("nonsense"), None);
/// ```
#[must_use]
pub fn port(name: &str) -> Option<u16> {
    ANY_PROTOCOL.iter().find_map(|p| port_for(name, p))
}

/// The port a service name stands for with `protocol` (`tcp`, `udp`, `sctp`, … as netbase
/// writes them, lower case), or `None` if it is not defined for that protocol.
///
/// ```
/// use pyptables_catalog::services::port_for;
/// assert_eq!(port_for("ssh", "tcp"), Some(22));
/// assert_eq!(port_for("ssh", "udp"), None);
/// assert_eq!(port_for("domain", "udp"), Some(53));
/// ```
#[must_use]
pub fn port_for(name: &str, protocol: &str) -> Option<u16> {
    table()
        .by_name
        .get(name)?
        .iter()
        .find(|(p, _)| *p == protocol)
        .map(|&(_, port)| port)
}

/// Names that are not in netbase but that people write, with what to write instead.
const NOT_IN_NETBASE: &[(&str, &str)] = &[
    ("dns", "`domain` (53)"),
    ("rdp", "`ms-wbt-server` (3389)"),
    (
        "wireguard",
        "the port number (WireGuard's usual port, 51820, has no service name)",
    ),
];

/// Why `text` is not a service name, with what to write instead (for a value that is neither
/// a port number nor a known name).
///
/// ```
/// use pyptables_catalog::services::unknown;
/// assert_eq!(unknown("dns"), "unknown service name `dns` (not in /etc/services); write `domain` (53)");
/// assert_eq!(unknown("htps"), "unknown service name `htps`; did you mean `https`?");
/// ```
#[must_use]
pub fn unknown(text: &str) -> String {
    if let Some((_, instead)) = NOT_IN_NETBASE.iter().find(|(n, _)| *n == text) {
        return format!("unknown service name `{text}` (not in /etc/services); write {instead}");
    }
    format!(
        "unknown service name `{text}`{}",
        crate::suggest::hint(crate::suggest::did_you_mean(text, names()))
    )
}

/// Why service `name` cannot stand for a port of `protocol` where iptables looks it up for
/// that protocol only, or `None` when it can (or when no protocol knows it: that is for the
/// value check to report).
///
/// ```
/// use pyptables_catalog::services::not_for_protocol;
/// assert_eq!(not_for_protocol("ssh", "tcp"), None);
/// assert_eq!(
///     not_for_protocol("ssh", "udp").unwrap(),
///     "service `ssh` is defined for tcp only, not for udp (iptables resolves it for the \
///      rule's protocol here); write its port 22"
/// );
/// ```
#[must_use]
pub fn not_for_protocol(name: &str, protocol: &str) -> Option<String> {
    let any = port(name)?;
    if port_for(name, protocol).is_some() {
        return None;
    }
    let defined: Vec<&str> = protocols(name).collect();
    Some(format!(
        "service `{name}` is defined for {} only, not for {protocol} (iptables resolves it for \
         the rule's protocol here); write its port {any}",
        defined.join("/")
    ))
}

/// The protocols a service name is defined for, in netbase's order.
pub fn protocols(name: &str) -> impl Iterator<Item = &'static str> {
    table()
        .by_name
        .get(name)
        .into_iter()
        .flatten()
        .map(|&(p, _)| p)
}

/// Every service name and alias, once each.
pub fn names() -> impl Iterator<Item = &'static str> {
    table().names.iter().copied()
}

/// The name a protocol is looked up with: netbase's lower-case name, also for a protocol
/// given by number (`17` → `udp`), as iptables does before it looks a service name up.
#[must_use]
pub fn protocol_name(protocol: &str) -> Option<&'static str> {
    let lower = protocol.to_ascii_lowercase();
    let by_number = [
        ("6", "tcp"),
        ("17", "udp"),
        ("33", "dccp"),
        ("132", "sctp"),
        ("136", "udplite"),
    ];
    by_number
        .iter()
        .find(|(n, name)| *n == lower || *name == lower)
        .map(|&(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_line_is_read() {
        let data = NETBASE.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(lines().count(), data);
        assert!(data > 300, "{data}");
    }

    #[test]
    fn the_first_line_of_a_name_wins() {
        // `dicom` is an alias of acr-nema 104/tcp before its own line 11112/tcp.
        assert_eq!(port_for("dicom", "tcp"), Some(104));
        // `echo` has a ddp line, which no iptables lookup uses.
        assert_eq!(protocols("echo").collect::<Vec<_>>(), ["tcp", "udp", "ddp"]);
        assert_eq!(port("rtmp"), None);
    }

    #[test]
    fn protocols_by_number_are_looked_up_by_name() {
        assert_eq!(protocol_name("17"), Some("udp"));
        assert_eq!(protocol_name("UDP"), Some("udp"));
        assert_eq!(protocol_name("icmp"), None);
    }
}
