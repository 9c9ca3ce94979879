//! What kind of traffic a rule is about: [`TcpChannel`], [`UdpChannel`], [`IcmpChannel`].

use std::fmt;
use std::ops::RangeInclusive;

use pyptables_catalog::limits::{port_slots, MULTIPORT_SLOTS};
use pyptables_catalog::Family;

use crate::model::rule::{Match, Rule};
use crate::value::CtState;
use crate::zones::ZoneError;

/// A port or an inclusive port range, for channel ports: `443` or `1024..=65535`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ports {
    low: u16,
    high: u16,
}

impl Ports {
    /// The first port.
    #[must_use]
    pub fn low(self) -> u16 {
        self.low
    }

    /// The last port (the same as [`low`](Ports::low) for a single port).
    #[must_use]
    pub fn high(self) -> u16 {
        self.high
    }

    fn slots(self) -> usize {
        port_slots(self.low, self.high)
    }
}

impl From<u16> for Ports {
    fn from(p: u16) -> Ports {
        Ports { low: p, high: p }
    }
}

impl From<RangeInclusive<u16>> for Ports {
    fn from(r: RangeInclusive<u16>) -> Ports {
        Ports {
            low: *r.start(),
            high: *r.end(),
        }
    }
}

/// `80` or `1024:65535`, as iptables writes it.
impl fmt::Display for Ports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}:{}", self.low, self.high)
        }
    }
}

fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Source and destination ports and connection states of a TCP or UDP channel.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct PortChannel {
    sports: Vec<Ports>,
    dports: Vec<Ports>,
    states: Vec<CtState>,
}

impl PortChannel {
    fn check(&self, proto: &'static str) -> Result<(), ZoneError> {
        for list in [&self.sports, &self.dports] {
            for p in list {
                if p.low > p.high {
                    return Err(ZoneError::ReversedPorts {
                        low: p.low,
                        high: p.high,
                    });
                }
            }
            let slots: usize = list.iter().map(|p| p.slots()).sum();
            if slots > MULTIPORT_SLOTS {
                return Err(ZoneError::TooManyPorts {
                    channel: format!("{proto} {}", join(list)),
                    slots,
                });
            }
        }
        Ok(())
    }

    fn apply(&self, proto: &'static str, mut rule: Rule) -> Rule {
        rule = rule.proto(proto);
        for (list, one, many) in [
            (&self.sports, "sport", "sports"),
            (&self.dports, "dport", "dports"),
        ] {
            match list.as_slice() {
                [] => {}
                [p] => rule = rule.opt(one, p.to_string()),
                _ => rule = rule.with_match(Match::new("multiport").opt(many, join(list))),
            }
        }
        if !self.states.is_empty() {
            rule = rule.ctstate(self.states.clone());
        }
        rule
    }

    fn describe(&self, proto: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(proto)?;
        if !self.states.is_empty() {
            write!(f, ", {}", join(&self.states))?;
        }
        let ports = |l: &[Ports]| {
            if l.is_empty() {
                "any".to_string()
            } else {
                join(l)
            }
        };
        write!(
            f,
            ", ports {} -> {}",
            ports(&self.sports),
            ports(&self.dports)
        )
    }
}

macro_rules! port_channel {
    ($(#[$doc:meta])* $name:ident, $proto:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(PortChannel);

        impl $name {
            #[doc = concat!("All ", $proto, " traffic (add ports and states to narrow it).")]
            pub fn new() -> $name {
                $name::default()
            }

            /// Adds destination ports: one gives `--dport`, several `-m multiport --dports`.
            #[must_use]
            pub fn dports(mut self, ports: impl IntoIterator<Item = impl Into<Ports>>) -> $name {
                self.0.dports.extend(ports.into_iter().map(Into::into));
                self
            }

            /// Adds one destination port or range.
            #[must_use]
            pub fn dport(self, port: impl Into<Ports>) -> $name {
                self.dports([port])
            }

            /// Adds source ports: one gives `--sport`, several `-m multiport --sports`.
            #[must_use]
            pub fn sports(mut self, ports: impl IntoIterator<Item = impl Into<Ports>>) -> $name {
                self.0.sports.extend(ports.into_iter().map(Into::into));
                self
            }

            /// Adds one source port or range.
            #[must_use]
            pub fn sport(self, port: impl Into<Ports>) -> $name {
                self.sports([port])
            }

            /// Adds connection states (`-m conntrack --ctstate`).
            #[must_use]
            pub fn states(mut self, states: impl IntoIterator<Item = CtState>) -> $name {
                self.0.states.extend(states);
                self
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.describe($proto, f)
            }
        }
    };
}

port_channel!(
    /// TCP traffic, pyptables' `TCPChannel`: ports and connection states.
    ///
    /// ```
    /// use pyptables::zones::TcpChannel;
    /// let web = TcpChannel::new().dports([80, 443]);
    /// assert_eq!(web.to_string(), "tcp, ports any -> 80,443");
    /// let high = TcpChannel::new().sport(1024..=65535).dport(22);
    /// assert_eq!(high.to_string(), "tcp, ports 1024:65535 -> 22");
    /// ```
    TcpChannel,
    "tcp"
);

port_channel!(
    /// UDP traffic, pyptables' `UDPChannel`: ports and connection states.
    ///
    /// ```
    /// use pyptables::zones::UdpChannel;
    /// assert_eq!(UdpChannel::new().dport(53).to_string(), "udp, ports any -> 53");
    /// ```
    UdpChannel,
    "udp"
);

/// ICMP (IPv4) traffic, pyptables' `ICMPChannel`: an optional type and connection states.
///
/// ```
/// use pyptables::zones::IcmpChannel;
/// assert_eq!(IcmpChannel::new().icmp_type("echo-request").to_string(), "icmp, type echo-request");
/// assert_eq!(IcmpChannel::new().to_string(), "icmp, type any");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct IcmpChannel {
    icmp_type: Option<String>,
    states: Vec<CtState>,
}

impl IcmpChannel {
    /// All ICMP traffic.
    #[must_use]
    pub fn new() -> IcmpChannel {
        IcmpChannel::default()
    }

    /// Only this type (`echo-request`, `8`, `3/4`); checked with the catalog when the rules
    /// are validated.
    #[must_use]
    pub fn icmp_type(mut self, icmp_type: impl Into<String>) -> IcmpChannel {
        self.icmp_type = Some(icmp_type.into());
        self
    }

    /// Adds connection states (`-m conntrack --ctstate`).
    #[must_use]
    pub fn states(mut self, states: impl IntoIterator<Item = CtState>) -> IcmpChannel {
        self.states.extend(states);
        self
    }
}

impl fmt::Display for IcmpChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("icmp")?;
        if !self.states.is_empty() {
            write!(f, ", {}", join(&self.states))?;
        }
        write!(f, ", type {}", self.icmp_type.as_deref().unwrap_or("any"))
    }
}

/// Any channel; rules take each kind through `Into<Channel>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Channel {
    /// TCP.
    Tcp(TcpChannel),
    /// UDP.
    Udp(UdpChannel),
    /// ICMP (IPv4 only).
    Icmp(IcmpChannel),
}

impl Channel {
    /// The family the channel exists in, if only one (ICMP is IPv4's).
    #[must_use]
    pub fn family(&self) -> Option<Family> {
        match self {
            Channel::Icmp(_) => Some(Family::V4),
            Channel::Tcp(_) | Channel::Udp(_) => None,
        }
    }

    pub(crate) fn check(&self) -> Result<(), ZoneError> {
        match self {
            Channel::Tcp(c) => c.0.check("tcp"),
            Channel::Udp(c) => c.0.check("udp"),
            Channel::Icmp(_) => Ok(()),
        }
    }

    pub(crate) fn apply(&self, rule: Rule) -> Rule {
        match self {
            Channel::Tcp(c) => c.0.apply("tcp", rule),
            Channel::Udp(c) => c.0.apply("udp", rule),
            Channel::Icmp(c) => {
                let mut rule = rule.proto("icmp");
                if let Some(t) = &c.icmp_type {
                    rule = rule.icmp_type(t.clone());
                }
                if !c.states.is_empty() {
                    rule = rule.ctstate(c.states.clone());
                }
                rule
            }
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Channel::Tcp(c) => c.fmt(f),
            Channel::Udp(c) => c.fmt(f),
            Channel::Icmp(c) => c.fmt(f),
        }
    }
}

impl From<TcpChannel> for Channel {
    fn from(c: TcpChannel) -> Channel {
        Channel::Tcp(c)
    }
}
impl From<UdpChannel> for Channel {
    fn from(c: UdpChannel) -> Channel {
        Channel::Udp(c)
    }
}
impl From<IcmpChannel> for Channel {
    fn from(c: IcmpChannel) -> Channel {
        Channel::Icmp(c)
    }
}
