//! Host group entries: an address, a network or an address range, read the way iptables
//! reads them (no leading zeros, no signs). The one parser used by the `firewall!` macro's
//! `hosts { … }` check and by `pyptables::zones::Host` at run time, so that what compiles
//! also starts.

use std::fmt;
use std::net::IpAddr;

use crate::family::Family;
use crate::value::{parse_ip, prefix_len, reversed_range, ValueError};

/// One entry of a host group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostEntry {
    /// One address: `192.0.2.7`.
    Addr(IpAddr),
    /// A network: the address as written and the prefix length, `192.0.2.0/24`.
    Net(IpAddr, u8),
    /// An inclusive range of one family, start not after end: `192.0.2.10-192.0.2.20`.
    Range(IpAddr, IpAddr),
}

impl HostEntry {
    /// The entry's family.
    #[must_use]
    pub fn family(&self) -> Family {
        let a = match self {
            HostEntry::Addr(a) | HostEntry::Net(a, _) | HostEntry::Range(a, _) => a,
        };
        if a.is_ipv4() {
            Family::V4
        } else {
            Family::V6
        }
    }
}

/// Why a host entry was refused. `Display` is the message both the macro and the runtime give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostError {
    /// Not an address, network or range; `reason` says why.
    Bad {
        /// The entry as written.
        text: String,
        /// Why it is refused.
        reason: String,
    },
    /// A range whose start is after its end.
    Reversed {
        /// The first address.
        start: IpAddr,
        /// The last address.
        end: IpAddr,
    },
    /// A range from one family to the other.
    Mixed {
        /// The first address.
        start: IpAddr,
        /// The last address.
        end: IpAddr,
    },
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Bad { text, reason } => write!(f, "invalid host `{text}`: {reason}"),
            HostError::Reversed { start, end } => {
                f.write_str(&reversed_range("address range", start, '-', end))
            }
            HostError::Mixed { start, end } => {
                write!(f, "address range {start}-{end} mixes IPv4 and IPv6")
            }
        }
    }
}

impl std::error::Error for HostError {}

/// Reads a host entry: `192.0.2.7`, `192.0.2.0/24` or `192.0.2.10-192.0.2.20` (surrounding
/// white space is ignored).
///
/// ```
/// use pyptables_catalog::hosts::{parse_host, HostEntry};
/// assert_eq!(parse_host("10.0.0.0/8").unwrap(), HostEntry::Net("10.0.0.0".parse().unwrap(), 8));
/// // iptables would read `/010` as `/8`, a wider network than the `/10` it looks like.
/// assert!(parse_host("10.64.0.0/010").is_err());
/// assert!(parse_host("10.0.0.0/+8").is_err());
/// ```
pub fn parse_host(text: &str) -> Result<HostEntry, HostError> {
    let text = text.trim();
    let bad = |e: ValueError| HostError::Bad {
        text: text.to_string(),
        reason: match e {
            ValueError::Invalid(r) => r,
            ValueError::WrongFamily { found } => format!("an {found} value"),
        },
    };
    if let Some((a, b)) = text.split_once('-') {
        let start = parse_ip(a.trim()).map_err(bad)?;
        let end = parse_ip(b.trim()).map_err(bad)?;
        if start.is_ipv4() != end.is_ipv4() {
            return Err(HostError::Mixed { start, end });
        }
        if start > end {
            return Err(HostError::Reversed { start, end });
        }
        Ok(HostEntry::Range(start, end))
    } else if let Some((a, len)) = text.split_once('/') {
        let a = parse_ip(a).map_err(bad)?;
        let len = prefix_len(len, if a.is_ipv4() { 32 } else { 128 }).map_err(bad)?;
        Ok(HostEntry::Net(a, len))
    } else {
        parse_ip(text).map(HostEntry::Addr).map_err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_their_messages() {
        let msg = |t: &str| parse_host(t).unwrap_err().to_string();
        assert_eq!(
            parse_host(" 192.0.2.1 ").unwrap(),
            HostEntry::Addr("192.0.2.1".parse().unwrap())
        );
        assert_eq!(parse_host("2001:db8::/64").unwrap().family(), Family::V6);
        assert_eq!(
            msg("192.0.2.0/33"),
            "invalid host `192.0.2.0/33`: prefix length /33 is out of range 0-32"
        );
        assert_eq!(
            msg("2001:db8::/064"),
            "invalid host `2001:db8::/064`: write `64` without the leading zero: iptables would \
             read `064` as octal, 52"
        );
        assert_eq!(
            msg("192.0.2.20-192.0.2.10"),
            "address range 192.0.2.20-192.0.2.10 starts after its end"
        );
        assert_eq!(
            msg("192.0.2.1-2001:db8::1"),
            "address range 192.0.2.1-2001:db8::1 mixes IPv4 and IPv6"
        );
        assert_eq!(
            msg("web"),
            "invalid host `web`: `web` is not an address (host names are not resolved: write an \
             address)"
        );
    }
}
