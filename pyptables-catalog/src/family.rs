//! Address families and sets of them.

use std::fmt;

/// An address family: what `iptables` (IPv4) or `ip6tables` (IPv6) handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// IPv4, `iptables`.
    V4,
    /// IPv6, `ip6tables`.
    V6,
}

impl Family {
    /// Both families, IPv4 first.
    pub const ALL: [Family; 2] = [Family::V4, Family::V6];

    /// `"IPv4"` or `"IPv6"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Family::V4 => "IPv4",
            Family::V6 => "IPv6",
        }
    }

    /// The other family.
    #[must_use]
    pub fn other(self) -> Family {
        match self {
            Family::V4 => Family::V6,
            Family::V6 => Family::V4,
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of families: where a target, match or option exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Families(u8);

impl Families {
    /// IPv4 only (e.g. the `ttl` match, `icmp`).
    pub const V4: Families = Families(1);
    /// IPv6 only (e.g. the `hl` match, `icmp6`).
    pub const V6: Families = Families(2);
    /// Both families.
    pub const BOTH: Families = Families(3);

    /// Whether `family` is in the set.
    #[must_use]
    pub const fn contains(self, family: Family) -> bool {
        match family {
            Family::V4 => self.0 & 1 != 0,
            Family::V6 => self.0 & 2 != 0,
        }
    }

    /// The only family in the set, if there is exactly one.
    #[must_use]
    pub fn only(self) -> Option<Family> {
        match self.0 {
            1 => Some(Family::V4),
            2 => Some(Family::V6),
            _ => None,
        }
    }
}
