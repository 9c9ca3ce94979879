//! Which iptables implementation and which address family a kernel test drives.

use std::fmt;

/// The two iptables implementations shipped by Debian's `iptables` package.
///
/// They program different kernel subsystems (`nf_tables` versus the old `x_tables`) and must
/// never be mixed in one namespace: [`Netns`](crate::Netns) refuses to load rules with a second
/// backend once it has loaded rules with the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// `iptables-nft`, installed as plain `iptables`, `iptables-restore`, … on Debian 12.
    Nft,
    /// `iptables-legacy`, installed as `iptables-legacy`, `iptables-legacy-restore`, …
    Legacy,
}

impl Backend {
    /// Both backends, for tests that must hold on either.
    pub const ALL: [Backend; 2] = [Backend::Nft, Backend::Legacy];

    /// The `*-restore` binary for `family`: `iptables-restore`, `ip6tables-legacy-restore`, …
    pub fn restore_bin(self, family: Family) -> &'static str {
        match (self, family) {
            (Backend::Nft, Family::V4) => "iptables-restore",
            (Backend::Nft, Family::V6) => "ip6tables-restore",
            (Backend::Legacy, Family::V4) => "iptables-legacy-restore",
            (Backend::Legacy, Family::V6) => "ip6tables-legacy-restore",
        }
    }

    /// The `*-save` binary for `family`: `iptables-save`, `ip6tables-legacy-save`, …
    pub fn save_bin(self, family: Family) -> &'static str {
        match (self, family) {
            (Backend::Nft, Family::V4) => "iptables-save",
            (Backend::Nft, Family::V6) => "ip6tables-save",
            (Backend::Legacy, Family::V4) => "iptables-legacy-save",
            (Backend::Legacy, Family::V6) => "ip6tables-legacy-save",
        }
    }

    /// The one-rule-at-a-time binary for `family`: `iptables`, `ip6tables-legacy`, …
    pub fn iptables_bin(self, family: Family) -> &'static str {
        match (self, family) {
            (Backend::Nft, Family::V4) => "iptables",
            (Backend::Nft, Family::V6) => "ip6tables",
            (Backend::Legacy, Family::V4) => "iptables-legacy",
            (Backend::Legacy, Family::V6) => "ip6tables-legacy",
        }
    }

    /// Every binary this backend provides, for both families.
    pub fn binaries(self) -> [&'static str; 6] {
        [
            self.restore_bin(Family::V4),
            self.restore_bin(Family::V6),
            self.save_bin(Family::V4),
            self.save_bin(Family::V6),
            self.iptables_bin(Family::V4),
            self.iptables_bin(Family::V6),
        ]
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Nft => "nft",
            Backend::Legacy => "legacy",
        })
    }
}

/// IPv4 (`iptables*`) or IPv6 (`ip6tables*`).
///
/// Deliberately local to the test kit, so that the harness does not depend on the crates it
/// tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// IPv4, `iptables`.
    V4,
    /// IPv6, `ip6tables`.
    V6,
}

impl Family {
    /// Both families.
    pub const ALL: [Family; 2] = [Family::V4, Family::V6];
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_names_follow_debian_packaging() {
        assert_eq!(Backend::Nft.restore_bin(Family::V4), "iptables-restore");
        assert_eq!(Backend::Nft.restore_bin(Family::V6), "ip6tables-restore");
        assert_eq!(
            Backend::Legacy.restore_bin(Family::V4),
            "iptables-legacy-restore"
        );
        assert_eq!(
            Backend::Legacy.restore_bin(Family::V6),
            "ip6tables-legacy-restore"
        );
        assert_eq!(Backend::Nft.save_bin(Family::V4), "iptables-save");
        assert_eq!(
            Backend::Legacy.save_bin(Family::V6),
            "ip6tables-legacy-save"
        );
        assert_eq!(Backend::Nft.iptables_bin(Family::V6), "ip6tables");
        assert_eq!(Backend::Legacy.iptables_bin(Family::V4), "iptables-legacy");
    }
}
