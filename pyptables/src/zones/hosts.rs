//! Where packets come from and go to: [`Zone`]s, [`Hosts`], [`IpSet`]s and [`Location`]s.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use pyptables_catalog::hosts::{parse_host, HostEntry, HostError};
use pyptables_catalog::Family;

use crate::model::rule::{Match, Rule};
use crate::value::IpNet;
use crate::zones::ZoneError;

/// A network behind an interface of this machine, optionally one port of a bridge.
///
/// As a source it matches `-i INTERFACE` (plus `-m physdev --physdev-in PORT` for a bridge
/// port); as a destination `-o INTERFACE` (`--physdev-out PORT`).
///
/// ```
/// use pyptables::zones::Zone;
/// let lan = Zone::new("lan", "eth1");
/// let guests = Zone::new("guests", "br0").bridge_port("vif3");
/// assert_eq!(lan.name(), "lan");
/// assert_eq!(guests.interface(), "br0");
/// assert_eq!(guests.port(), Some("vif3"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Zone {
    name: String,
    interface: String,
    port: Option<String>,
}

impl Zone {
    /// The zone `name` behind `interface` (`eth1`, or `ppp+` for every `ppp…`). The interface
    /// name is checked with the catalog when the rules are validated.
    pub fn new(name: impl Into<String>, interface: impl Into<String>) -> Zone {
        Zone {
            name: name.into(),
            interface: interface.into(),
            port: None,
        }
    }

    /// The same zone restricted to one port of the bridge `interface` (`-m physdev`).
    #[must_use]
    pub fn bridge_port(mut self, port: impl Into<String>) -> Zone {
        self.port = Some(port.into());
        self
    }

    /// A part of this zone: `hosts` (or an ipset) behind its interface, named `zone:hosts`.
    ///
    /// ```
    /// use pyptables::zones::{Hosts, Zone};
    /// let dmz = Zone::new("dmz", "eth2");
    /// let web = dmz.with(Hosts::parse("web", "198.51.100.10").unwrap());
    /// assert_eq!(web.name(), "dmz:web");
    /// ```
    pub fn with(&self, addresses: impl Into<Addresses>) -> Location {
        let addresses = addresses.into();
        Location {
            name: format!("{}:{}", self.name, addresses.name()),
            zone: Some(self.clone()),
            addresses: Some(addresses),
        }
    }

    /// The zone's name (used in comments).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The interface.
    #[must_use]
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The bridge port, if the zone is one.
    #[must_use]
    pub fn port(&self) -> Option<&str> {
        self.port.as_deref()
    }

    fn apply(&self, rule: Rule, dir: Direction) -> Rule {
        let rule = match dir {
            Direction::Source => rule.in_interface(self.interface.clone()),
            Direction::Destination => rule.out_interface(self.interface.clone()),
        };
        match &self.port {
            None => rule,
            Some(port) => rule.with_match(Match::new("physdev").opt(
                match dir {
                    Direction::Source => "physdev-in",
                    Direction::Destination => "physdev-out",
                },
                port.clone(),
            )),
        }
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// An inclusive address range `start-end` of one family, matched with `-m iprange`.
///
/// ```
/// use pyptables::zones::IpRange;
/// let r: IpRange = "192.0.2.10-192.0.2.20".parse().unwrap();
/// assert_eq!(r.to_string(), "192.0.2.10-192.0.2.20");
/// assert!("192.0.2.20-192.0.2.10".parse::<IpRange>().is_err());
/// assert!("192.0.2.1-2001:db8::1".parse::<IpRange>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpRange {
    start: IpAddr,
    end: IpAddr,
}

impl IpRange {
    /// The range from `start` to `end`. A start after the end, or addresses of two families,
    /// is an error.
    pub fn new(start: IpAddr, end: IpAddr) -> Result<IpRange, ZoneError> {
        if start.is_ipv4() != end.is_ipv4() {
            return Err(ZoneError::MixedFamilyRange { start, end });
        }
        if start > end {
            return Err(ZoneError::ReversedRange { start, end });
        }
        Ok(IpRange { start, end })
    }

    /// The first address.
    #[must_use]
    pub fn start(&self) -> IpAddr {
        self.start
    }

    /// The last address.
    #[must_use]
    pub fn end(&self) -> IpAddr {
        self.end
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl FromStr for IpRange {
    type Err = ZoneError;
    fn from_str(s: &str) -> Result<IpRange, ZoneError> {
        match parse_host(s)? {
            HostEntry::Range(start, end) => Ok(IpRange { start, end }),
            _ => Err(ZoneError::BadHost {
                text: s.trim().to_string(),
                reason: "a range is `start-end`".into(),
            }),
        }
    }
}

impl From<HostError> for ZoneError {
    fn from(e: HostError) -> ZoneError {
        match e {
            HostError::Bad { text, reason } => ZoneError::BadHost { text, reason },
            HostError::Reversed { start, end } => ZoneError::ReversedRange { start, end },
            HostError::Mixed { start, end } => ZoneError::MixedFamilyRange { start, end },
        }
    }
}

/// One entry of a [`Hosts`] group: an address (`-s 192.0.2.7`), a network
/// (`-s 192.0.2.0/24`) or a range (`-m iprange --src-range a-b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Host {
    /// One address.
    Addr(IpAddr),
    /// A CIDR network.
    Net(IpNet),
    /// An address range.
    Range(IpRange),
}

impl Host {
    /// The entry's address family.
    #[must_use]
    pub fn family(&self) -> Family {
        let v4 = match self {
            Host::Addr(a) => a.is_ipv4(),
            Host::Net(n) => matches!(n, IpNet::V4(_)),
            Host::Range(r) => r.start.is_ipv4(),
        };
        if v4 {
            Family::V4
        } else {
            Family::V6
        }
    }

    fn apply(&self, rule: Rule, dir: Direction) -> Rule {
        match (self, dir) {
            (Host::Addr(a), Direction::Source) => rule.source(*a),
            (Host::Addr(a), Direction::Destination) => rule.destination(*a),
            (Host::Net(n), Direction::Source) => rule.source(*n),
            (Host::Net(n), Direction::Destination) => rule.destination(*n),
            (Host::Range(r), Direction::Source) => {
                rule.with_match(Match::new("iprange").opt("src-range", r.to_string()))
            }
            (Host::Range(r), Direction::Destination) => {
                rule.with_match(Match::new("iprange").opt("dst-range", r.to_string()))
            }
        }
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Host::Addr(a) => a.fmt(f),
            Host::Net(n) => n.fmt(f),
            Host::Range(r) => r.fmt(f),
        }
    }
}

impl FromStr for Host {
    type Err = ZoneError;
    /// `192.0.2.7`, `192.0.2.0/24` or `192.0.2.10-192.0.2.20`, read by the catalog's parser
    /// (the one the `firewall!` macro checks `hosts { … }` with).
    fn from_str(s: &str) -> Result<Host, ZoneError> {
        Ok(match parse_host(s)? {
            HostEntry::Addr(a) => Host::Addr(a),
            HostEntry::Net(a, len) => {
                Host::Net(IpNet::new(a, len).map_err(|e| ZoneError::BadHost {
                    text: s.trim().to_string(),
                    reason: e.to_string(),
                })?)
            }
            HostEntry::Range(start, end) => Host::Range(IpRange { start, end }),
        })
    }
}

impl From<IpAddr> for Host {
    fn from(a: IpAddr) -> Host {
        Host::Addr(a)
    }
}
impl From<IpNet> for Host {
    fn from(n: IpNet) -> Host {
        Host::Net(n)
    }
}
impl From<IpRange> for Host {
    fn from(r: IpRange) -> Host {
        Host::Range(r)
    }
}

/// A named group of addresses, networks and ranges, pyptables' `Hosts.from_ip_list`.
///
/// A rule from or to a group expands to one rule per entry, in order.
///
/// ```
/// use pyptables::zones::Hosts;
/// let web = Hosts::parse("web", "198.51.100.10, 198.51.100.64/26, 198.51.100.20-198.51.100.30").unwrap();
/// assert_eq!(web.entries().len(), 3);
/// assert_eq!(web.to_string(), "198.51.100.10,198.51.100.64/26,198.51.100.20-198.51.100.30");
///
/// let err = Hosts::parse("bad", "198.51.100.30-198.51.100.20").unwrap_err();
/// assert_eq!(err.to_string(), "address range 198.51.100.30-198.51.100.20 starts after its end");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Hosts {
    name: String,
    entries: Vec<Host>,
}

impl Hosts {
    /// The group `name` of `entries`. An empty group is an error (it would match nothing, and
    /// an expansion would silently leave the rule out).
    pub fn new(
        name: impl Into<String>,
        entries: impl IntoIterator<Item = impl Into<Host>>,
    ) -> Result<Hosts, ZoneError> {
        let name = name.into();
        let entries: Vec<Host> = entries.into_iter().map(Into::into).collect();
        if entries.is_empty() {
            return Err(ZoneError::EmptyHosts { name });
        }
        Ok(Hosts { name, entries })
    }

    /// The group `name` from a list separated by commas or white space of addresses, CIDR
    /// networks and `start-end` ranges.
    pub fn parse(name: impl Into<String>, list: &str) -> Result<Hosts, ZoneError> {
        let entries = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .collect::<Result<Vec<Host>, _>>()?;
        Hosts::new(name, entries)
    }

    /// The group's name (used in comments).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The entries in order.
    #[must_use]
    pub fn entries(&self) -> &[Host] {
        &self.entries
    }
}

impl fmt::Display for Hosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, h) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            h.fmt(f)?;
        }
        Ok(())
    }
}

/// A Linux ipset, matched with `-m set --match-set NAME src` (or `dst`). The set itself is
/// created with `ipset`, not by these rules.
///
/// ```
/// use pyptables::zones::{ForwardingRule, IpSet};
/// let rules = ForwardingRule::drop().from(IpSet::new("blocklist")).rules().unwrap();
/// assert_eq!(rules[0].to_string(),
///     "-m set --match-set blocklist src -m comment --comment \"blocklist -> any\" -j DROP");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpSet {
    name: String,
}

impl IpSet {
    /// The set `name` (checked with the catalog when the rules are validated).
    pub fn new(name: impl Into<String>) -> IpSet {
        IpSet { name: name.into() }
    }

    /// The set's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    fn apply(&self, rule: Rule, dir: Direction) -> Rule {
        let dir = match dir {
            Direction::Source => "src",
            Direction::Destination => "dst",
        };
        rule.with_match(Match::new("set").opt("match-set", format!("{} {dir}", self.name)))
    }
}

/// The addresses part of a [`Location`]: a [`Hosts`] group or an [`IpSet`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Addresses {
    /// Listed addresses, networks and ranges.
    Hosts(Hosts),
    /// An ipset.
    Set(IpSet),
}

impl Addresses {
    fn name(&self) -> &str {
        match self {
            Addresses::Hosts(h) => h.name(),
            Addresses::Set(s) => s.name(),
        }
    }
}

impl From<Hosts> for Addresses {
    fn from(h: Hosts) -> Addresses {
        Addresses::Hosts(h)
    }
}
impl From<&Hosts> for Addresses {
    fn from(h: &Hosts) -> Addresses {
        Addresses::Hosts(h.clone())
    }
}
impl From<IpSet> for Addresses {
    fn from(s: IpSet) -> Addresses {
        Addresses::Set(s)
    }
}
impl From<&IpSet> for Addresses {
    fn from(s: &IpSet) -> Addresses {
        Addresses::Set(s.clone())
    }
}

/// A source or destination of a rule: a whole [`Zone`], some addresses anywhere, or some
/// addresses in a zone (`zone.with(hosts)`).
///
/// Zones, host groups and ipsets convert into locations, so rules take any of them.
///
/// ```
/// use pyptables::zones::{Hosts, Location, Zone};
/// let wan = Zone::new("wan", "eth0");
/// assert_eq!(Location::from(&wan).name(), "wan");
/// let admins = Hosts::parse("admins", "192.0.2.10-192.0.2.19").unwrap();
/// assert_eq!(Location::from(&admins).name(), "admins");
/// assert_eq!(Location::new("office", Some(wan), Some(admins.into())).name(), "office");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Location {
    name: String,
    zone: Option<Zone>,
    addresses: Option<Addresses>,
}

impl Location {
    /// A location called `name` (used in comments). With neither a zone nor addresses it
    /// matches every packet.
    pub fn new(
        name: impl Into<String>,
        zone: Option<Zone>,
        addresses: Option<Addresses>,
    ) -> Location {
        Location {
            name: name.into(),
            zone,
            addresses,
        }
    }

    /// The location's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The zone, if it is in one.
    #[must_use]
    pub fn zone(&self) -> Option<&Zone> {
        self.zone.as_ref()
    }

    /// The addresses, if it is narrower than its zone.
    #[must_use]
    pub fn addresses(&self) -> Option<&Addresses> {
        self.addresses.as_ref()
    }

    /// The location's entries: one per host of its group, or one for a whole zone or a set.
    pub(crate) fn endpoints(&self) -> Vec<Endpoint<'_>> {
        match &self.addresses {
            Some(Addresses::Hosts(h)) => h
                .entries
                .iter()
                .map(|host| Endpoint {
                    location: self,
                    host: Some(host),
                })
                .collect(),
            _ => vec![Endpoint {
                location: self,
                host: None,
            }],
        }
    }
}

impl From<Zone> for Location {
    fn from(zone: Zone) -> Location {
        Location {
            name: zone.name.clone(),
            zone: Some(zone),
            addresses: None,
        }
    }
}
impl From<&Zone> for Location {
    fn from(zone: &Zone) -> Location {
        zone.clone().into()
    }
}
impl From<Hosts> for Location {
    fn from(hosts: Hosts) -> Location {
        Addresses::from(hosts).into()
    }
}
impl From<&Hosts> for Location {
    fn from(hosts: &Hosts) -> Location {
        Addresses::from(hosts).into()
    }
}
impl From<IpSet> for Location {
    fn from(set: IpSet) -> Location {
        Addresses::from(set).into()
    }
}
impl From<&IpSet> for Location {
    fn from(set: &IpSet) -> Location {
        Addresses::from(set).into()
    }
}
impl From<Addresses> for Location {
    fn from(addresses: Addresses) -> Location {
        Location {
            name: addresses.name().to_string(),
            zone: None,
            addresses: Some(addresses),
        }
    }
}
impl From<&Location> for Location {
    fn from(l: &Location) -> Location {
        l.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Source,
    Destination,
}

/// One entry of a location: what one expanded rule matches on one side.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Endpoint<'a> {
    pub(crate) location: &'a Location,
    host: Option<&'a Host>,
}

impl Endpoint<'_> {
    /// The family its address pins the rule to, if any.
    pub(crate) fn family(&self) -> Option<Family> {
        self.host.map(Host::family)
    }

    pub(crate) fn apply(&self, mut rule: Rule, dir: Direction) -> Rule {
        if let Some(zone) = &self.location.zone {
            rule = zone.apply(rule, dir);
        }
        if let Some(host) = self.host {
            rule = host.apply(rule, dir);
        } else if let Some(Addresses::Set(set)) = &self.location.addresses {
            rule = set.apply(rule, dir);
        }
        rule
    }
}
