//! Value kinds: what an option's value may be, how it is checked, and its canonical text.
//!
//! Every check returns the text to write into the `iptables-restore` file (service names become
//! port numbers, ranges are spelt `a:b`), or a [`ValueError`] whose message is shared by the
//! `firewall!` macro (at compile time) and the runtime validation.
//!
//! Numbers are read the way iptables reads them and written so that it cannot read them
//! otherwise. iptables parses most numbers with `strtoul(…, 0)`, where `022` is octal 18 and
//! `08` is an error, so a decimal with a leading zero (or a sign) is refused with a message
//! saying what to write; `0x` hex is accepted where iptables takes it. The canonical text is
//! what `iptables-save` prints: decimal, hex for marks and TOS values.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::IpAddr;

use crate::family::Family;
use crate::limits;
use crate::suggest::did_you_mean;

/// What an option's value may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueKind {
    /// No value: the option is a flag (`--syn`, `--set`).
    Flag,
    /// A protocol name (`tcp`, `ipv6-icmp`, …), a number 0–255, or `all`.
    Protocol,
    /// An address or network in the rule's family: `10.0.0.0/8`, `1.1.1.1`, `2001:db8::/32`,
    /// or an IPv4 netmask `10.0.0.0/255.0.0.0`.
    Address,
    /// An address range `a-b` (or one address), both ends in the rule's family, `a <= b`.
    AddressRange,
    /// An interface name, at most 15 characters, `+` at the end as a wildcard.
    Interface,
    /// One port: 0–65535 or a service name.
    Port,
    /// A port or a range `a:b`, `a:` or `:b`.
    PortRange,
    /// A comma-separated list of ports and ranges, at most 15 slots (a range takes two).
    PortList,
    /// `to-ports`: a port or a range `a-b`.
    ToPorts,
    /// An unsigned integer in `min..=max`.
    UInt {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// An unsigned integer or a range `a:b` within `min..=max`.
    UIntRange {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// A 32-bit value with an optional mask: `0x10`, `5/0xff`.
    Mark,
    /// A rate `N/second|minute|hour|day` (also `sec`, `min`, `s`, `m`, `h`, `d`), at most 10000/s.
    Rate,
    /// Free text written to the file quoted; no control characters; `min..=max` bytes.
    Text {
        /// Fewest bytes.
        min: usize,
        /// Most bytes.
        max: usize,
    },
    /// A name made of letters, digits and `_ - . :`; at most `max` bytes.
    Name {
        /// Most bytes.
        max: usize,
    },
    /// One of a fixed set of words.
    Choice(&'static [&'static str]),
    /// One of a fixed set of words that differs between the families (`reject-with`).
    FamilyChoice {
        /// The words for IPv4.
        v4: &'static [&'static str],
        /// The words for IPv6.
        v6: &'static [&'static str],
    },
    /// A comma-separated list of words from a fixed set (`ESTABLISHED,RELATED`).
    ChoiceList(&'static [&'static str]),
    /// An ICMP type name, `type` or `type/code`, or `any` (IPv4).
    IcmpType,
    /// An ICMPv6 type name, `type` or `type/code` (IPv6).
    Icmp6Type,
    /// A syslog level 0–7 or its name.
    LogLevel,
    /// `--tcp-flags`: two comma lists, the mask and the flags that must be set, e.g. `SYN,ACK SYN`.
    TcpFlags,
    /// A NAT destination `[addr[-addr]][:port[-port]]` (IPv6 addresses in brackets with a port).
    NatAddress,
    /// A network with a prefix length, `10.0.0.0/24` (NETMAP).
    Network,
    /// A MAC address `aa:bb:cc:dd:ee:ff`.
    Mac,
    /// A time of day `hh:mm[:ss]`.
    TimeOfDay,
    /// A date `YYYY-MM-DD[Thh:mm[:ss]]`.
    Date,
    /// Weekdays: comma list of `Mon`…`Sun` or 1–7.
    Weekdays,
    /// Days of the month: comma list of 1–31.
    Monthdays,
    /// An ipset reference `NAME src|dst[,src|dst…]` (at most 6 directions).
    SetRef,
    /// A TOS value `v[/mask]` or one of the names.
    Tos,
    /// A traffic-control class `MAJOR:MINOR` in hex.
    TcClass,
    /// A user or group: a name, an id, or a range of ids `a-b` (`--uid-owner`).
    Owner,
    /// Anything without control characters (for options whose syntax is not modelled).
    Any,
    /// One address of the rule's family, without a prefix (`--on-ip`, recent's `--mask`).
    Host,
    /// A prefix length: 0-32 in IPv4, 0-128 in IPv6.
    PrefixLength,
    /// A comma-separated list of words from a fixed set that differs between the families
    /// (addrtype's types).
    FamilyChoiceList {
        /// The words for IPv4.
        v4: &'static [&'static str],
        /// The words for IPv6.
        v6: &'static [&'static str],
    },
    /// The string match's pattern with `|hex|` blocks, at most 128 bytes once decoded.
    HexString,
    /// A probability from 0 to 1 in decimal (`0.25`, `.5`, `1`).
    Probability,
    /// A comma list of TCP option kinds, each once: a name of [`TCP_OPTION_NAMES`] or a
    /// number 2-255 (TCPOPTSTRIP's `--strip-options`; iptables-save prints the numbers).
    TcpOptionList,
    /// A conntrack zone 0-65535, or `mark`: the zone is the packet's mark (CT's `--zone`).
    CtZone,
    /// A range `low:high` with `low < high`, both within `min..=max` (`queue-balance`).
    AscendingRange {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value.
        max: u64,
    },
    /// u32's tests, `location=value[,value…][&&location=value…]`: see [`check_u32`].
    U32,
    /// sctp's `--chunk-types`: `all`, `any` or `only`, then chunk types with optional flags
    /// (`DATA:Be,INIT`), or `ALL` / `NONE`; two words.
    SctpChunks,
    /// hbh's and dst's `--*-opts`: at most 16 `type[:length]`, comma-separated, 0-255 each.
    Ip6Options,
    /// rt's `--rt-0-addrs`: at most 16 IPv6 addresses, comma-separated.
    Ip6AddressList,
    /// A mobility header type (a name or 0-255), or a range `a:b` of them.
    MhType,
    /// bpf's `--bytecode`: a classic BPF program as `nfbpf_compile` prints it, see
    /// [`check_bpf`].
    BpfBytecode,
    /// A [`ValueKind::Name`] the kernel also makes a file of (`/proc/net/xt_recent/NAME`,
    /// xt_hashlimit's proc file, xt_IDLETIMER's sysfs timer), so neither `.` nor `..`.
    FileName {
        /// Most bytes.
        max: usize,
    },
    /// A [`ValueKind::Mark`], or a name iptables-save prints for a value without a mask
    /// (from iproute2's `/etc/iproute2/rt_realms` or `group`), written as its number.
    NamedMark(&'static [(&'static str, u32)]),
    /// A rate in bits per second as rateest's `--rateest-bps` reads it: a number of bits, or
    /// with a unit (`kbit`, `Mbit`, `KBps`, …, as iptables-save prints it), a whole number of
    /// bytes per second up to 2^32 - 1 (the kernel keeps bytes). Written as the plain number.
    BitRate,
}

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueError {
    /// The value is malformed or out of range; the text says why and what would be right.
    Invalid(String),
    /// The value is an address of the other family.
    WrongFamily {
        /// The family the value belongs to.
        found: Family,
    },
}

impl ValueError {
    fn new(msg: impl Into<String>) -> Self {
        ValueError::Invalid(msg.into())
    }
}

type Checked<'a> = Result<Cow<'a, str>, ValueError>;

/// Protocol names accepted by `-p` (those in `/etc/protocols` that firewalls use).
pub const PROTOCOLS: &[&str] = &[
    "all",
    "tcp",
    "udp",
    "udplite",
    "icmp",
    "icmpv6",
    "ipv6-icmp",
    "esp",
    "ah",
    "sctp",
    "dccp",
    "gre",
    "igmp",
    "ipip",
    "ipv6",
    "ospf",
    "pim",
    "vrrp",
    "l2tp",
    "mh",
    "ipv6-mh",
    "mobility-header",
    "ipcomp",
    "ipencap",
    "encap",
];

/// An ipset's name: at most 31 characters (`IPSET_MAXNAMELEN` 32 with its NUL), as `-m set
/// --match-set` and a host group's `ipset NAME` take it.
pub const IPSET_NAME: ValueKind = ValueKind::Name { max: 31 };

/// Protocols with ports (what `--dport`/`--sport` need).
pub const PORT_PROTOCOLS: &[&str] = &["tcp", "udp", "sctp", "dccp"];

/// Protocols `-m multiport` accepts.
pub const MULTIPORT_PROTOCOLS: &[&str] = &["tcp", "udp", "udplite", "sctp", "dccp"];

/// Conntrack states for `--ctstate`.
pub const CT_STATES: &[&str] = &[
    "INVALID",
    "NEW",
    "ESTABLISHED",
    "RELATED",
    "UNTRACKED",
    "SNAT",
    "DNAT",
];

/// States for the older `-m state --state` (no SNAT/DNAT).
pub const STATES: &[&str] = &["INVALID", "NEW", "ESTABLISHED", "RELATED", "UNTRACKED"];

/// Conntrack status bits for `--ctstatus`.
pub const CT_STATUSES: &[&str] = &["NONE", "EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED"];

/// TCP flag names.
pub const TCP_FLAGS: &[&str] = &["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ALL", "NONE"];

/// Syslog level names accepted by `--log-level`, in lower case only (libxtables looks them up
/// case-sensitively and knows neither `err` nor `warn`).
pub const LOG_LEVELS: &[&str] = &[
    "emerg", "alert", "crit", "error", "warning", "notice", "info", "debug", "panic",
];

/// Protocol numbers of the protocols whose companion matches and options the catalog knows
/// (`-p 6 --dport 22` is `-p tcp --dport 22`); from `/etc/protocols`.
pub const PROTOCOL_NUMBERS: &[(&str, &str)] = &[
    ("1", "icmp"),
    ("6", "tcp"),
    ("17", "udp"),
    ("33", "dccp"),
    ("50", "esp"),
    ("51", "ah"),
    ("58", "ipv6-icmp"),
    ("108", "ipcomp"),
    ("132", "sctp"),
    ("135", "mh"),
    ("136", "udplite"),
];

/// The protocol name `-p text` stands for: a number in [`PROTOCOL_NUMBERS`] becomes its name,
/// anything else is returned as it is.
///
/// ```
/// use pyptables_catalog::value::protocol_name;
/// assert_eq!(protocol_name("6"), "tcp");
/// assert_eq!(protocol_name("udp"), "udp");
/// ```
#[must_use]
pub fn protocol_name(text: &str) -> &str {
    PROTOCOL_NUMBERS
        .iter()
        .find(|(n, _)| *n == text)
        .map_or(text, |(_, name)| name)
}

/// ICMP type names (IPv4).
pub const ICMP_TYPES: &[&str] = &[
    "any",
    "echo-reply",
    "pong",
    "destination-unreachable",
    "network-unreachable",
    "host-unreachable",
    "protocol-unreachable",
    "port-unreachable",
    "fragmentation-needed",
    "source-route-failed",
    "network-unknown",
    "host-unknown",
    "network-prohibited",
    "host-prohibited",
    "TOS-network-unreachable",
    "TOS-host-unreachable",
    "communication-prohibited",
    "host-precedence-violation",
    "precedence-cutoff",
    "source-quench",
    "redirect",
    "network-redirect",
    "host-redirect",
    "TOS-network-redirect",
    "TOS-host-redirect",
    "echo-request",
    "ping",
    "router-advertisement",
    "router-solicitation",
    "time-exceeded",
    "ttl-exceeded",
    "ttl-zero-during-transit",
    "ttl-zero-during-reassembly",
    "parameter-problem",
    "ip-header-bad",
    "required-option-missing",
    "timestamp-request",
    "timestamp-reply",
    "address-mask-request",
    "address-mask-reply",
];

/// ICMPv6 type names.
pub const ICMP6_TYPES: &[&str] = &[
    "destination-unreachable",
    "no-route",
    "communication-prohibited",
    "beyond-scope",
    "address-unreachable",
    "port-unreachable",
    "failed-policy",
    "reject-route",
    "packet-too-big",
    "time-exceeded",
    "ttl-exceeded",
    "ttl-zero-during-transit",
    "ttl-zero-during-reassembly",
    "parameter-problem",
    "bad-header",
    "unknown-header-type",
    "unknown-option",
    "echo-request",
    "ping",
    "echo-reply",
    "pong",
    "router-solicitation",
    "router-advertisement",
    "neighbour-solicitation",
    "neighbor-solicitation",
    "neighbour-advertisement",
    "neighbor-advertisement",
    "redirect",
];

/// TOS names accepted by `-m tos --tos` and `-j TOS --set-tos`.
pub const TOS_NAMES: &[&str] = &[
    "Minimize-Delay",
    "Maximize-Throughput",
    "Maximize-Reliability",
    "Minimize-Cost",
    "Normal-Service",
];

const WEEKDAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl ValueKind {
    /// Whether the option takes no value.
    #[must_use]
    pub fn is_flag(self) -> bool {
        self == ValueKind::Flag
    }

    /// Whether the canonical text is several command-line words (written unquoted, split on spaces).
    #[must_use]
    pub fn is_multi_word(self) -> bool {
        matches!(
            self,
            ValueKind::TcpFlags | ValueKind::SetRef | ValueKind::SctpChunks
        )
    }

    /// Whether values of this kind hold numbers that iptables parses (ports, lengths, prefix
    /// lengths, marks, address octets, …): the kinds whose canonical text must mean to iptables
    /// the number that was checked. Every kind is listed, so a new one needs a decision.
    #[must_use]
    pub fn has_numbers(self) -> bool {
        match self {
            ValueKind::Protocol
            | ValueKind::Address
            | ValueKind::AddressRange
            | ValueKind::Port
            | ValueKind::PortRange
            | ValueKind::PortList
            | ValueKind::ToPorts
            | ValueKind::UInt { .. }
            | ValueKind::UIntRange { .. }
            | ValueKind::Mark
            | ValueKind::NamedMark(_)
            | ValueKind::BitRate
            | ValueKind::Rate
            | ValueKind::IcmpType
            | ValueKind::Icmp6Type
            | ValueKind::LogLevel
            | ValueKind::NatAddress
            | ValueKind::Network
            | ValueKind::TimeOfDay
            | ValueKind::Date
            | ValueKind::Weekdays
            | ValueKind::Monthdays
            | ValueKind::Tos
            | ValueKind::TcClass
            | ValueKind::Owner
            | ValueKind::Host
            | ValueKind::PrefixLength
            | ValueKind::TcpOptionList
            | ValueKind::CtZone
            | ValueKind::AscendingRange { .. }
            | ValueKind::U32
            | ValueKind::Ip6Options
            | ValueKind::Ip6AddressList
            | ValueKind::MhType => true,
            // Read with sscanf's %u: always decimal, a leading zero changes nothing.
            ValueKind::BpfBytecode
            | ValueKind::SctpChunks
            | ValueKind::Flag
            | ValueKind::Interface
            | ValueKind::Text { .. }
            | ValueKind::Name { .. }
            | ValueKind::FileName { .. }
            | ValueKind::Choice(_)
            | ValueKind::FamilyChoice { .. }
            | ValueKind::ChoiceList(_)
            | ValueKind::TcpFlags
            | ValueKind::Mac
            | ValueKind::SetRef
            | ValueKind::FamilyChoiceList { .. }
            | ValueKind::HexString
            // Read with strtod: always decimal, a leading zero changes nothing.
            | ValueKind::Probability
            | ValueKind::Any => false,
        }
    }

    /// Whether the value is free text that is written to the file quoted.
    #[must_use]
    pub fn is_text(self) -> bool {
        matches!(self, ValueKind::Text { .. })
    }

    /// A short description of what is expected, for messages.
    #[must_use]
    pub fn expected(self) -> String {
        match self {
            ValueKind::Flag => "no value (a flag)".into(),
            ValueKind::Protocol => "a protocol name such as `tcp`, a number 0-255, or `all`".into(),
            ValueKind::Address => "an address or network such as `10.0.0.0/8`".into(),
            ValueKind::AddressRange => "an address range such as `192.0.2.10-192.0.2.20`".into(),
            ValueKind::Interface => {
                "an interface name of at most 15 characters (`eth+` matches a prefix)".into()
            }
            ValueKind::Port => "a port 0-65535 or a service name".into(),
            ValueKind::PortRange => "a port or a range `low:high`".into(),
            ValueKind::PortList => {
                format!("up to {} ports or ranges", limits::MULTIPORT_SLOTS)
            }
            ValueKind::ToPorts => "a port or a range `low-high`".into(),
            ValueKind::UInt { min, max } => format!("a number from {min} to {max}"),
            ValueKind::UIntRange { min, max } => {
                format!("a number or range `low:high` within {min}-{max}")
            }
            ValueKind::Mark => "a 32-bit value with optional mask, such as `0x10/0xff`".into(),
            ValueKind::BitRate => {
                "bits per second, a multiple of 8, such as `8000` or `64kbit`".into()
            }
            ValueKind::NamedMark(names) => format!(
                "a 32-bit value with optional mask, such as `0x10/0xff`, or {}",
                names
                    .iter()
                    .map(|(n, v)| format!("`{n}` ({v})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ValueKind::Rate => "a rate such as `5/minute`".into(),
            ValueKind::Text { max, .. } => format!("text of at most {max} bytes"),
            ValueKind::Name { max } => format!("a name of at most {max} characters"),
            ValueKind::FileName { max } => {
                format!("a name of at most {max} characters, not `.` or `..`")
            }
            ValueKind::Choice(c) | ValueKind::ChoiceList(c) => format!("one of {}", list(c)),
            ValueKind::FamilyChoice { v4, .. } => format!("one of {}", list(v4)),
            ValueKind::IcmpType => {
                "an ICMP type name such as `echo-request`, or `type[/code]`".into()
            }
            ValueKind::Icmp6Type => {
                "an ICMPv6 type name such as `echo-request`, or `type[/code]`".into()
            }
            ValueKind::LogLevel => "a log level 0-7 or a name such as `warning`".into(),
            ValueKind::TcpFlags => {
                "two flag lists, the mask and the set flags: `SYN,ACK SYN`".into()
            }
            ValueKind::NatAddress => "`addr[-addr][:port[-port]]`".into(),
            ValueKind::Network => "a network with a prefix length, such as `10.0.0.0/24`".into(),
            ValueKind::Mac => "a MAC address such as `00:11:22:33:44:55`".into(),
            ValueKind::TimeOfDay => "a time `hh:mm[:ss]`".into(),
            ValueKind::Date => "a date `YYYY-MM-DD[Thh:mm[:ss]]`".into(),
            ValueKind::Weekdays => "weekdays such as `Mon,Tue` or `1,2`".into(),
            ValueKind::Monthdays => "days of the month 1-31".into(),
            ValueKind::SetRef => "a set name and directions, such as `blocklist src`".into(),
            ValueKind::Tos => "a TOS value `v[/mask]` or a TOS name".into(),
            ValueKind::TcClass => "a class `MAJOR:MINOR` in hex".into(),
            ValueKind::Owner => "a user or group name, an id, or a range of ids `a-b`".into(),
            ValueKind::Any => "a value".into(),
            ValueKind::Host => "one address such as `192.0.2.1`".into(),
            ValueKind::PrefixLength => "a prefix length, 0-32 (IPv4) or 0-128 (IPv6)".into(),
            ValueKind::FamilyChoiceList { v4, .. } => format!("one or more of {}", list(v4)),
            ValueKind::HexString => {
                "a pattern of at most 128 bytes, with `|hex|` blocks such as `GET |20|/`".into()
            }
            ValueKind::Probability => "a probability from 0 to 1, such as `0.25`".into(),
            ValueKind::CtZone => "a zone 0-65535, or `mark` for the packet's mark".into(),
            ValueKind::TcpOptionList => format!(
                "a comma list of TCP options, each {} or a number 2-255",
                list(&TCP_OPTION_NAMES.map(|(n, _)| n))
            ),
            ValueKind::AscendingRange { min, max } => {
                format!("a range `low:high` with low < high, within {min}-{max}")
            }
            ValueKind::U32 => "u32 tests such as `0>>22&0x3C@0>>16=0x1F90`".into(),
            ValueKind::SctpChunks => {
                "`all`, `any` or `only` and chunk types, such as `any INIT,DATA:Be`".into()
            }
            ValueKind::Ip6Options => {
                "up to 16 option types `type[:length]`, such as `1:2,5`".into()
            }
            ValueKind::Ip6AddressList => "up to 16 IPv6 addresses, comma-separated".into(),
            ValueKind::MhType => {
                "a mobility header type name or number 0-255, or a range `low:high`".into()
            }
            ValueKind::BpfBytecode => {
                "a classic BPF program `N,code jt jf k,…` such as `1,6 0 0 0`".into()
            }
        }
    }

    /// Checks `text` as a value of this kind in `family` and returns its canonical text.
    ///
    /// ```
    /// use pyptables_catalog::{Family, ValueKind};
    /// assert_eq!(ValueKind::Port.check("ssh", Family::V4).unwrap(), "22");
    /// assert!(ValueKind::Port.check("70000", Family::V4).is_err());
    /// ```
    pub fn check(self, text: &str, family: Family) -> Checked<'_> {
        no_control_chars(text)?;
        match self {
            ValueKind::Flag => Err(ValueError::new("this option is a flag and takes no value")),
            ValueKind::Protocol => protocol(text),
            ValueKind::Address => address(text, family).map(|()| Cow::Borrowed(text)),
            ValueKind::AddressRange => address_range(text, family).map(|()| Cow::Borrowed(text)),
            ValueKind::Interface => interface(text),
            ValueKind::Port => port_text(text),
            ValueKind::PortRange => port_range(text, ':').map(|(r, _)| r),
            ValueKind::PortList => port_list(text),
            ValueKind::ToPorts => port_range(text, '-').map(|(r, _)| r),
            ValueKind::UInt { min, max } => uint_text(text, min, max),
            ValueKind::UIntRange { min, max } => uint_range(text, min, max),
            ValueKind::Mark => mark(text),
            ValueKind::BitRate => bit_rate(text),
            ValueKind::NamedMark(names) => match names.iter().find(|(n, _)| *n == text) {
                Some((_, v)) => Ok(Cow::Owned(format!("{v:#x}"))),
                None => mark(text),
            },
            ValueKind::Rate => rate(text),
            ValueKind::Text { min, max } => text_len(text, min, max),
            ValueKind::Name { max } => name(text, max),
            ValueKind::FileName { max } => file_name(text, max),
            ValueKind::Choice(choices) => choice(text, choices),
            ValueKind::FamilyChoice { v4, v6 } => match family {
                Family::V4 if !v4.contains(&text) && v6.contains(&text) => {
                    Err(ValueError::WrongFamily { found: Family::V6 })
                }
                Family::V6 if !v6.contains(&text) && v4.contains(&text) => {
                    Err(ValueError::WrongFamily { found: Family::V4 })
                }
                Family::V4 => choice(text, v4),
                Family::V6 => choice(text, v6),
            },
            ValueKind::ChoiceList(choices) => choice_list(text, choices),
            ValueKind::IcmpType => icmp_type(text, ICMP_TYPES, 255),
            ValueKind::Icmp6Type => icmp_type(text, ICMP6_TYPES, 255),
            ValueKind::LogLevel => log_level(text),
            ValueKind::TcpFlags => tcp_flags(text),
            ValueKind::NatAddress => nat_address(text, family),
            ValueKind::Network => network(text, family),
            ValueKind::Mac => mac(text),
            ValueKind::TimeOfDay => time_of_day(text).map(|()| Cow::Borrowed(text)),
            ValueKind::Date => date(text),
            ValueKind::Weekdays => weekdays(text),
            ValueKind::Monthdays => monthdays(text),
            ValueKind::SetRef => set_ref(text),
            ValueKind::Tos => tos(text),
            ValueKind::TcClass => tc_class(text),
            ValueKind::Owner => owner(text),
            ValueKind::Any => {
                if text.is_empty() {
                    Err(ValueError::new("the value is empty"))
                } else {
                    Ok(Cow::Borrowed(text))
                }
            }
            ValueKind::Host => host(text, family).map(|()| Cow::Borrowed(text)),
            ValueKind::PrefixLength => {
                let max = match family {
                    Family::V4 => 32,
                    Family::V6 => 128,
                };
                uint_text(text, 0, max)
            }
            ValueKind::FamilyChoiceList { v4, v6 } => {
                let (mine, other) = match family {
                    Family::V4 => (v4, v6),
                    Family::V6 => (v6, v4),
                };
                if let Some(item) = text.split(',').find(|item| {
                    !mine.iter().any(|c| c.eq_ignore_ascii_case(item))
                        && other.iter().any(|c| c.eq_ignore_ascii_case(item))
                }) {
                    return Err(ValueError::new(format!(
                        "`{item}` exists only in {}; {family} has {}",
                        family.other(),
                        list(mine)
                    )));
                }
                choice_list(text, mine)
            }
            ValueKind::HexString => hex_string(text).map(|_| Cow::Borrowed(text)),
            ValueKind::Probability => probability(text).map(|_| Cow::Borrowed(text)),
            ValueKind::CtZone if text.eq_ignore_ascii_case("mark") => {
                Ok(same_or(text, "mark".into()))
            }
            ValueKind::CtZone => uint_text(text, 0, 65535),
            ValueKind::TcpOptionList => tcp_option_list(text),
            ValueKind::AscendingRange { min, max } => ascending_range(text, min, max),
            ValueKind::U32 => check_u32(text).map(|()| Cow::Borrowed(text)),
            ValueKind::SctpChunks => sctp_chunks(text),
            ValueKind::Ip6Options => ip6_options(text).map(|()| Cow::Borrowed(text)),
            ValueKind::Ip6AddressList => ip6_address_list(text),
            ValueKind::MhType => mh_type(text),
            ValueKind::BpfBytecode => check_bpf(text).map(|()| Cow::Borrowed(text)),
        }
    }

    /// The text to write for a value already known to be valid: the same as [`check`]'s
    /// result, but skipping checks that cannot change the text (fast path for rendering).
    ///
    /// [`check`]: ValueKind::check
    #[must_use]
    pub fn canonical(self, text: &str, family: Family) -> Cow<'_, str> {
        let changes = match self {
            // Only service names and open ranges (`1024:`, `:1023`) are rewritten.
            ValueKind::Port | ValueKind::PortRange | ValueKind::PortList | ValueKind::ToPorts => {
                !text
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b':' | b',' | b'-'))
                    || text.starts_with(':')
                    || text.ends_with(':')
                    || text.contains(":,")
                    || text.contains(",:")
            }
            ValueKind::UIntRange { .. } => {
                text.starts_with(':') || text.ends_with(':') || text.contains(['x', 'X'])
            }
            // Names are written in their catalog spelling; the usual one needs no work.
            ValueKind::Protocol => {
                !text
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    || text.starts_with("0x")
            }
            ValueKind::Choice(choices) => !choices.contains(&text),
            ValueKind::ChoiceList(choices) => !text.split(',').all(|item| choices.contains(&item)),
            ValueKind::TcpFlags | ValueKind::TcpOptionList | ValueKind::CtZone => true,
            // Numbers are written in one form (decimal, or hex for marks and TOS), whatever
            // form they were given in.
            ValueKind::UInt { .. }
            | ValueKind::LogLevel
            | ValueKind::IcmpType
            | ValueKind::Icmp6Type
            | ValueKind::Mark
            | ValueKind::NamedMark(_)
            | ValueKind::BitRate
            | ValueKind::Tos
            | ValueKind::Owner
            | ValueKind::PrefixLength
            | ValueKind::AscendingRange { .. }
            | ValueKind::NatAddress
            | ValueKind::SctpChunks
            | ValueKind::MhType => true,
            _ => false,
        };
        if !changes {
            return Cow::Borrowed(text);
        }
        match self.check(text, family) {
            Ok(c) => c,
            Err(_) => Cow::Borrowed(text),
        }
    }

    /// The family an address-like value belongs to, if it names one (`10.0.0.1` → IPv4).
    #[must_use]
    pub fn family_of(self, text: &str) -> Option<Family> {
        match self {
            ValueKind::Address
            | ValueKind::Host
            | ValueKind::AddressRange
            | ValueKind::Network
            | ValueKind::NatAddress => {
                let first = text.trim_start_matches('[');
                let end = first.find(['/', '-', ']']).unwrap_or(first.len());
                let head = &first[..end];
                let head = if self == ValueKind::NatAddress
                    && !text.starts_with('[')
                    && head.matches(':').count() == 1
                {
                    head.split(':').next().unwrap_or(head)
                } else {
                    head
                };
                match head.parse::<IpAddr>() {
                    Ok(IpAddr::V4(_)) => Some(Family::V4),
                    Ok(IpAddr::V6(_)) => Some(Family::V6),
                    Err(_) => None,
                }
            }
            _ => None,
        }
    }
}

fn reason(e: ValueError) -> String {
    match e {
        ValueError::Invalid(r) => r,
        ValueError::WrongFamily { found } => format!("an {found} value"),
    }
}

fn list(items: &[&str]) -> String {
    let shown: Vec<String> = items.iter().take(12).map(|s| format!("`{s}`")).collect();
    let more = if items.len() > 12 { ", …" } else { "" };
    format!("{}{more}", shown.join(", "))
}

/// Refuses what the restore format cannot carry: a newline would start a new rule.
fn no_control_chars(text: &str) -> Result<(), ValueError> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        let shown = match c {
            '\n' => "a newline".to_string(),
            '\r' => "a carriage return".to_string(),
            '\0' => "a NUL byte".to_string(),
            '\t' => "a tab".to_string(),
            c => format!("the control character U+{:04X}", c as u32),
        };
        return Err(ValueError::new(format!(
            "{shown} cannot be written into an iptables-restore file (it would end the rule there)"
        )));
    }
    Ok(())
}

fn protocol(text: &str) -> Checked<'_> {
    // Already a name as the list writes it (lower case): the text itself.
    if PROTOCOLS.contains(&text) && !text.bytes().any(|b| b.is_ascii_uppercase()) {
        return Ok(Cow::Borrowed(text));
    }
    if let Some(n) = parse_number(text) {
        let n = n?;
        return if n <= 255 {
            Ok(same_or(text, n.to_string()))
        } else {
            Err(ValueError::new(format!(
                "protocol number {n} is out of range 0-255"
            )))
        };
    }
    let lower = text.to_ascii_lowercase();
    if PROTOCOLS.contains(&lower.as_str()) {
        return Ok(Cow::Owned(lower));
    }
    Err(ValueError::new(format!(
        "unknown protocol `{text}`{}",
        crate::suggest::hint(did_you_mean(text, PROTOCOLS.iter().copied()))
    )))
}

/// An IP address; the one parser of addresses for the catalog's checks and host groups.
pub(crate) fn parse_ip(text: &str) -> Result<IpAddr, ValueError> {
    text.parse::<IpAddr>().map_err(|_| {
        // iptables (inet_aton) reads `010.0.0.1` as 8.0.0.1; std refuses it: say why.
        let octal = text
            .split('.')
            .find(|p| matches!(parse_decimal(p), Some(Err(_))));
        if let (Some(part), false) = (octal, text.contains(':')) {
            ValueError::new(format!(
                "`{text}` is not a valid IP address: {}",
                reason(leading_zero(part))
            ))
        } else if text.chars().any(|c| c.is_ascii_alphabetic()) && !text.contains(':') {
            ValueError::new(format!(
                "`{text}` is not an address (host names are not resolved: write an address)"
            ))
        } else {
            ValueError::new(format!("`{text}` is not a valid IP address"))
        }
    })
}

fn ip_in_family(text: &str, family: Family) -> Result<IpAddr, ValueError> {
    let ip = parse_ip(text)?;
    let found = if ip.is_ipv4() { Family::V4 } else { Family::V6 };
    if found != family {
        return Err(ValueError::WrongFamily { found });
    }
    Ok(ip)
}

fn address(text: &str, family: Family) -> Result<(), ValueError> {
    if text.contains(',') {
        return Err(ValueError::new(
            "one address per rule: write a list (`[a, b]`) to get one rule per address",
        ));
    }
    match text.split_once('/') {
        None => ip_in_family(text, family).map(|_| ()),
        Some((addr, prefix)) => {
            let ip = ip_in_family(addr, family)?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            if prefix.bytes().all(|b| b.is_ascii_digit()) {
                return prefix_len(prefix, max).map(|_| ());
            }
            if ip.is_ipv4() {
                if let Ok(std::net::IpAddr::V4(mask)) = prefix.parse::<IpAddr>() {
                    let m = u32::from(mask);
                    if m.leading_ones() + m.trailing_zeros() == 32 {
                        return Ok(());
                    }
                    return Err(ValueError::new(format!(
                        "netmask `{prefix}` is not contiguous"
                    )));
                }
            }
            Err(ValueError::new(format!(
                "`{prefix}` is not a prefix length 0-{max}"
            )))
        }
    }
}

/// A prefix length `0..=max`, in decimal without a leading zero (iptables would read `/010` as
/// `/8`) and without a sign.
pub(crate) fn prefix_len(text: &str, max: u8) -> Result<u8, ValueError> {
    match parse_decimal(text) {
        Some(Ok(n)) if n <= u64::from(max) => Ok(n as u8),
        Some(Ok(n)) => Err(ValueError::new(format!(
            "prefix length /{n} is out of range 0-{max}"
        ))),
        Some(Err(e)) => Err(e),
        None => Err(ValueError::new(format!(
            "`{text}` is not a prefix length 0-{max}"
        ))),
    }
}

fn address_range(text: &str, family: Family) -> Result<(), ValueError> {
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let a = ip_in_family(a, family)?;
    let b = ip_in_family(b, family)?;
    if a > b {
        return Err(ValueError::new(format!(
            "range start {a} is after its end {b}"
        )));
    }
    Ok(())
}

fn network(text: &str, family: Family) -> Checked<'_> {
    if !text.contains('/') {
        return Err(ValueError::new(format!(
            "`{text}` needs a prefix length, such as `{text}/24`"
        )));
    }
    address(text, family).map(|()| Cow::Borrowed(text))
}

fn interface(text: &str) -> Checked<'_> {
    if text.is_empty() {
        return Err(ValueError::new("the interface name is empty"));
    }
    if text.len() > 15 {
        return Err(ValueError::new(format!(
            "interface name `{text}` is {} characters long; the kernel allows at most 15",
            text.len()
        )));
    }
    // iptables-save writes interface names unquoted, so anything beyond these characters
    // would not read back the same.
    if let Some(c) = text.chars().find(|c| !is_name_char(*c)) {
        return Err(ValueError::new(format!(
            "interface name `{text}` contains `{c}`; use letters, digits and `_ - . : @ +`"
        )));
    }
    Ok(Cow::Borrowed(text))
}

/// Characters allowed in names that `iptables-save` writes unquoted (interfaces, chains).
#[must_use]
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':' | '@' | '+')
}

fn port(text: &str) -> Result<u16, ValueError> {
    // Decimal only: iptables takes `0x16` for `--dport` but not for `--on-port`.
    if let Some(n) = parse_decimal(text) {
        let out_of_range = || ValueError::new(format!("port {text} is out of range 0-65535"));
        return match n {
            Ok(n) => u16::try_from(n).map_err(|_| out_of_range()),
            // A leading zero; otherwise the number is too large for u64.
            Err(e) if text.starts_with('0') => Err(e),
            Err(_) => Err(out_of_range()),
        };
    }
    crate::services::port(text).ok_or_else(|| match range_ends(text, &['-', ':']) {
        Some(_) => ValueError::new(format!("`{text}` is a range; this option takes one port")),
        None => ValueError::new(crate::services::unknown(text)),
    })
}

/// The two port numbers of `text` if it is `digits SEP digits` for one of `seps`.
fn range_ends<'a>(text: &'a str, seps: &[char]) -> Option<(&'a str, &'a str)> {
    let (a, b) = text.split_once(seps)?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(a) && digits(b)).then_some((a, b))
}

/// A port's canonical text: the number in decimal. Text that is that already is returned as
/// it is.
fn port_text(text: &str) -> Checked<'_> {
    let p = port(text)?;
    Ok(same_or(text, p.to_string()))
}

/// Returns the canonical range text and the number of multiport slots it takes.
fn port_range(text: &str, sep: char) -> Result<(Cow<'_, str>, usize), ValueError> {
    // The matches write a range `a:b`, the NAT targets `a-b`: a common slip.
    let other = if sep == ':' { '-' } else { ':' };
    if let (false, Some((a, b))) = (text.contains(sep), range_ends(text, &[other])) {
        return Err(ValueError::new(format!(
            "a port range is written `{a}{sep}{b}` here, not `{text}`"
        )));
    }
    // A service name is one port even when it has a dash (`ftp-data`), as iptables reads it.
    let split = match crate::services::port(text) {
        Some(_) => None,
        None => text.split_once(sep),
    };
    match split {
        None => Ok((port_text(text)?, 1)),
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { port(a)? };
            let hi = if b.is_empty() { 65535 } else { port(b)? };
            if lo > hi {
                return Err(ValueError::new(reversed_range("port range", lo, sep, hi)));
            }
            Ok((Cow::Owned(format!("{lo}{sep}{hi}")), 2))
        }
    }
}

/// Why a range whose first value comes after its last is wrong: `what` names the range (`port
/// range`), `sep` is written between `low` and `high`. One wording for every range, at compile
/// time and at run time.
///
/// ```
/// use pyptables_catalog::value::reversed_range;
/// assert_eq!(reversed_range("port range", 443, ':', 80), "port range 443:80 starts after its end");
/// ```
pub fn reversed_range(
    what: &str,
    low: impl std::fmt::Display,
    sep: char,
    high: impl std::fmt::Display,
) -> String {
    format!("{what} {low}{sep}{high} starts after its end")
}

fn port_list(text: &str) -> Checked<'_> {
    let mut out = Vec::new();
    let mut slots = 0;
    for item in text.split(',') {
        let (r, n) = port_range(item, ':')?;
        slots += n;
        out.push(r.into_owned());
    }
    if slots > limits::MULTIPORT_SLOTS {
        return Err(ValueError::new(limits::too_many_ports(slots)));
    }
    Ok(Cow::Owned(out.join(",")))
}

fn uint(text: &str, min: u64, max: u64) -> Result<u64, ValueError> {
    let n = parse_number(text)
        .ok_or_else(|| ValueError::new(format!("`{text}` is not a number")))??;
    if n < min || n > max {
        return Err(ValueError::new(format!("{n} is out of range {min}-{max}")));
    }
    Ok(n)
}

/// An unsigned integer's canonical text: decimal, as `iptables-save` writes it.
fn uint_text(text: &str, min: u64, max: u64) -> Checked<'_> {
    uint(text, min, max).map(|n| same_or(text, n.to_string()))
}

fn uint_range(text: &str, min: u64, max: u64) -> Checked<'_> {
    match text.split_once(':') {
        None => uint_text(text, min, max),
        Some((a, b)) => {
            let lo = if a.is_empty() {
                min
            } else {
                uint(a, min, max)?
            };
            let hi = if b.is_empty() {
                max
            } else {
                uint(b, min, max)?
            };
            if lo > hi {
                return Err(ValueError::new(reversed_range("range", lo, ':', hi)));
            }
            Ok(Cow::Owned(format!("{lo}:{hi}")))
        }
    }
}

/// A number as iptables reads it, written so that no other reading is possible: decimal
/// without a leading zero, or `0x` hex. `None` if `text` does not look like a number at all
/// (so that a caller may try names), an error if it is one iptables would read differently.
///
/// iptables parses numbers with `strtoul(…, 0)`: `022` is octal 18 and `08` is refused, so a
/// decimal with a leading zero is refused here rather than read as decimal.
fn parse_number(text: &str) -> Option<Result<u64, ValueError>> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Some(Err(ValueError::new(format!(
                "`{text}` is not a number (`0x` must be followed by hex digits)"
            ))));
        }
        Some(
            u64::from_str_radix(hex, 16)
                .map_err(|_| ValueError::new(format!("`{text}` is too large"))),
        )
    } else {
        parse_decimal(text)
    }
}

/// A decimal number without a leading zero (see [`parse_number`]); for values iptables reads
/// only in decimal, or whose hex form it refuses (ports, prefix lengths, rates).
fn parse_decimal(text: &str) -> Option<Result<u64, ValueError>> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if text.len() > 1 && text.starts_with('0') {
        return Some(Err(leading_zero(text)));
    }
    Some(
        text.parse()
            .map_err(|_| ValueError::new(format!("`{text}` is too large"))),
    )
}

/// The message for a decimal with a leading zero: what to write, and what iptables would make
/// of it.
fn leading_zero(text: &str) -> ValueError {
    let digits = text.trim_start_matches('0');
    let decimal = if digits.is_empty() { "0" } else { digits };
    let reading = match u64::from_str_radix(text, 8) {
        Ok(n) if n.to_string() != decimal => {
            format!("iptables would read `{text}` as octal, {n}")
        }
        Ok(_) => "iptables reads a leading 0 as octal".to_string(),
        Err(_) => format!("iptables reads a leading 0 as octal and would refuse `{text}`"),
    };
    ValueError::new(format!(
        "write `{decimal}` without the leading zero: {reading}"
    ))
}

/// `text` if it is already `canonical`, otherwise the canonical text.
fn same_or<'a>(text: &'a str, canonical: String) -> Cow<'a, str> {
    if text == canonical {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(canonical)
    }
}

/// A mark `v[/m]`, written in hex as `iptables-save` writes it (`0x10/0xff`).
fn mark(text: &str) -> Checked<'_> {
    let check = |part: &str, what: &str| -> Result<u64, ValueError> {
        match parse_number(part) {
            Some(Ok(n)) if n <= u32::MAX as u64 => Ok(n),
            Some(Ok(_)) => Err(ValueError::new(format!(
                "{what} `{part}` does not fit in 32 bits"
            ))),
            Some(Err(e)) => Err(e),
            None => Err(ValueError::new(format!(
                "{what} `{part}` is not a number (decimal or 0x hex)"
            ))),
        }
    };
    let canonical = match text.split_once('/') {
        None => format!("{:#x}", check(text, "mark")?),
        Some((v, m)) => format!("{:#x}/{:#x}", check(v, "mark")?, check(m, "mask")?),
    };
    Ok(same_or(text, canonical))
}

/// The seconds in a rate unit (`s`, `sec`, `second`, `m`, …, `d`, `day`).
fn rate_unit(unit: &str) -> Option<u64> {
    Some(match unit {
        "s" | "sec" | "second" => 1,
        "m" | "min" | "minute" => 60,
        "h" | "hour" => 3600,
        "d" | "day" => 86400,
        _ => return None,
    })
}

/// A valid [`ValueKind::Rate`] as `(count, seconds)`: `5/minute` is `(5, 60)`.
#[must_use]
pub fn parse_rate(text: &str) -> Option<(u64, u64)> {
    let (n, unit) = text.split_once('/').unwrap_or((text, "second"));
    let n: u64 = n.parse().ok().filter(|n| *n > 0)?;
    Some((n, rate_unit(unit)?))
}

/// A number as the numeric value kinds read it.
#[must_use]
pub fn parse_uint(text: &str) -> Option<u64> {
    parse_number(text)?.ok()
}

fn rate(text: &str) -> Checked<'_> {
    let (n, unit) = text.split_once('/').unwrap_or((text, "second"));
    // iptables reads the count in decimal; a leading zero or a sign is refused all the same,
    // like every other number.
    let n: u64 = parse_decimal(n)
        .ok_or_else(|| ValueError::new(format!("`{text}` is not a rate such as `5/minute`")))??;
    let Some(per_second) = rate_unit(unit) else {
        return Err(ValueError::new(format!(
            "unknown rate unit `{unit}`: use second, minute, hour or day"
        )));
    };
    if n == 0 {
        return Err(ValueError::new("a rate of 0 never matches"));
    }
    if n > 10000 * per_second {
        return Err(ValueError::new(format!(
            "rate {text} is too fast: at most 10000/second"
        )));
    }
    Ok(Cow::Borrowed(text))
}

fn text_len(text: &str, min: usize, max: usize) -> Checked<'_> {
    if text.len() < min {
        return Err(ValueError::new("the text is empty"));
    }
    if text.len() > max {
        return Err(ValueError::new(format!(
            "the text is {} bytes long; at most {max} are allowed (the kernel would cut it)",
            text.len()
        )));
    }
    Ok(Cow::Borrowed(text))
}

fn name(text: &str, max: usize) -> Checked<'_> {
    if text.is_empty() {
        return Err(ValueError::new("the name is empty"));
    }
    if text.len() > max {
        return Err(ValueError::new(format!(
            "name `{text}` is longer than {max} characters"
        )));
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "_-.:".contains(*c)))
    {
        return Err(ValueError::new(format!(
            "name `{text}` contains `{c}`; use letters, digits, `_`, `-`, `.`"
        )));
    }
    Ok(Cow::Borrowed(text))
}

/// A name the kernel turns into a file name: `xt_check_proc_name` refuses `.` and `..`.
fn file_name(text: &str, max: usize) -> Checked<'_> {
    if text == "." || text == ".." {
        return Err(ValueError::new(format!(
            "`{text}` cannot name a file: the kernel refuses `.` and `..` here; use letters, \
             digits, `_`, `-`, `.`"
        )));
    }
    name(text, max)
}

fn choice<'a>(text: &'a str, choices: &[&str]) -> Checked<'a> {
    if choices.contains(&text) {
        return Ok(Cow::Borrowed(text));
    }
    if let Some(c) = choices.iter().find(|c| c.eq_ignore_ascii_case(text)) {
        return Ok(Cow::Owned((*c).to_string()));
    }
    Err(ValueError::new(format!(
        "`{text}` is not one of {}{}",
        list(choices),
        crate::suggest::hint(did_you_mean(text, choices.iter().copied()))
    )))
}

fn choice_list<'a>(text: &'a str, choices: &[&str]) -> Checked<'a> {
    // Already canonical (every item a choice as written, none twice): the text itself.
    let canonical = text
        .split(',')
        .enumerate()
        .all(|(i, item)| choices.contains(&item) && !text.split(',').take(i).any(|p| p == item));
    if canonical {
        return Ok(Cow::Borrowed(text));
    }
    let mut out: Vec<String> = Vec::new();
    for item in text.split(',') {
        let c = choice(item, choices)?.into_owned();
        if out.contains(&c) {
            return Err(ValueError::new(format!("`{c}` is listed twice")));
        }
        out.push(c);
    }
    Ok(Cow::Owned(out.join(",")))
}

/// TCPOPTSTRIP's option names and the kinds they stand for (libxt_TCPOPTSTRIP).
pub const TCP_OPTION_NAMES: [(&str, u64); 6] = [
    ("wscale", 3),
    ("mss", 2),
    ("sack-permitted", 4),
    ("sack", 5),
    ("timestamp", 8),
    ("md5", 19),
];

/// A [`ValueKind::TcpOptionList`]: names in their spelling, numbers in decimal; an option
/// given twice (also as a name and its number) is refused, as iptables does.
fn tcp_option_list(text: &str) -> Checked<'_> {
    let mut kinds: Vec<u64> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for item in text.split(',') {
        let (word, kind) = match TCP_OPTION_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(item))
        {
            Some((name, kind)) => ((*name).to_string(), *kind),
            None if parse_number(item).is_some() => {
                let n = uint(item, 0, 255)?;
                if n < 2 {
                    return Err(ValueError::new(format!(
                        "TCP option kind {n} (the end or a no-op of the option list) cannot be \
                         stripped: use 2-255"
                    )));
                }
                (n.to_string(), n)
            }
            None => {
                let names = TCP_OPTION_NAMES.map(|(n, _)| n);
                return Err(ValueError::new(format!(
                    "`{item}` is not a TCP option: use {} or a number 2-255{}",
                    list(&names),
                    crate::suggest::hint(did_you_mean(item, names.iter().copied()))
                )));
            }
        };
        if kinds.contains(&kind) {
            return Err(ValueError::new(format!(
                "TCP option `{item}` is listed twice"
            )));
        }
        kinds.push(kind);
        out.push(word);
    }
    Ok(same_or(text, out.join(",")))
}

fn icmp_type<'a>(text: &'a str, names: &[&str], max: u64) -> Checked<'a> {
    if names.contains(&text) {
        return Ok(Cow::Borrowed(text));
    }
    let (t, c) = text
        .split_once('/')
        .map_or((text, None), |(t, c)| (t, Some(c)));
    if parse_number(t).is_some() {
        let t = uint(t, 0, max)?;
        let canonical = match c {
            None => t.to_string(),
            Some(c) => format!("{t}/{}", uint(c, 0, 255)?),
        };
        return Ok(same_or(text, canonical));
    }
    Err(ValueError::new(format!(
        "unknown ICMP type `{text}`{}",
        crate::suggest::hint(did_you_mean(text, names.iter().copied()))
    )))
}

fn log_level(text: &str) -> Checked<'_> {
    if parse_number(text).is_some() {
        return uint_text(text, 0, 7);
    }
    if LOG_LEVELS.contains(&text) {
        return Ok(Cow::Borrowed(text));
    }
    let hint = match text {
        "err" => Some("error"),
        "warn" => Some("warning"),
        _ => LOG_LEVELS
            .iter()
            .find(|l| l.eq_ignore_ascii_case(text))
            .copied()
            .or_else(|| did_you_mean(text, LOG_LEVELS.iter().copied())),
    };
    Err(ValueError::new(format!(
        "iptables knows the levels 0-7 and {} (lower case){}",
        list(LOG_LEVELS),
        crate::suggest::hint(hint)
    )))
}

fn tcp_flags(text: &str) -> Checked<'_> {
    let mut parts = text.split_whitespace();
    let (Some(mask), Some(set), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ValueError::new("`tcp-flags` takes two lists: the flags to examine and those that must be set, e.g. `SYN,ACK SYN`"));
    };
    let mask = choice_list(mask, TCP_FLAGS)?;
    let set = choice_list(set, TCP_FLAGS)?;
    Ok(Cow::Owned(format!("{mask} {set}")))
}

fn nat_address(text: &str, family: Family) -> Checked<'_> {
    // Split off the port part: `addr:port`, `[v6]:port`, `:port`.
    let (addrs, ports) = if let Some(rest) = text.strip_prefix('[') {
        let (a, after) = rest
            .split_once(']')
            .ok_or_else(|| ValueError::new(format!("`{text}` has `[` without `]`")))?;
        (a, after.strip_prefix(':'))
    } else if family == Family::V4 || text.starts_with(':') {
        match text.split_once(':') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        }
    } else {
        (text, None)
    };
    if !addrs.is_empty() {
        address_range(addrs, family)?;
    }
    if addrs.is_empty() && ports.is_none() {
        return Err(ValueError::new("expected an address, a port or both"));
    }
    let Some(p) = ports else {
        return Ok(Cow::Borrowed(text));
    };
    // Ports in decimal: iptables takes one service name but refuses `ssh-http`.
    // `a-b/base`: the base is a port too (DNAT maps the range onto ports from it).
    let (p, base) = p.split_once('/').map_or((p, None), |(p, b)| (p, Some(b)));
    let mut ports = port_range(p, '-')?.0.into_owned();
    if let Some(base) = base {
        write!(ports, "/{}", port(base)?).ok();
    }
    let canonical = if text.starts_with('[') {
        format!("[{addrs}]:{ports}")
    } else {
        format!("{addrs}:{ports}")
    };
    Ok(same_or(text, canonical))
}

fn mac(text: &str) -> Checked<'_> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Ok(Cow::Borrowed(text))
    } else {
        Err(ValueError::new(format!(
            "`{text}` is not a MAC address like `00:11:22:33:44:55`"
        )))
    }
}

fn time_of_day(text: &str) -> Result<(), ValueError> {
    let bad = || ValueError::new(format!("`{text}` is not a time `hh:mm[:ss]`"));
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len()) {
        return Err(bad());
    }
    let limits = [23, 59, 59];
    for (p, lim) in parts.iter().zip(limits) {
        match p.parse::<u32>() {
            Ok(n) if n <= lim && p.len() <= 2 => {}
            _ => return Err(bad()),
        }
    }
    Ok(())
}

fn date(text: &str) -> Checked<'_> {
    let bad = || ValueError::new(format!("`{text}` is not a date `YYYY-MM-DD[Thh:mm[:ss]]`"));
    let (d, t) = text
        .split_once('T')
        .map_or((text, None), |(d, t)| (d, Some(t)));
    let parts: Vec<&str> = d.split('-').collect();
    let ok = parts.len() == 3
        && parts[0].len() == 4
        && matches!(parts[1].parse::<u32>(), Ok(1..=12))
        && matches!(parts[2].parse::<u32>(), Ok(1..=31))
        && parts[0]
            .parse::<u32>()
            .is_ok_and(|y| (1970..=2038).contains(&y));
    if !ok {
        return Err(bad());
    }
    if let Some(t) = t {
        time_of_day(t).map_err(|_| bad())?;
    }
    Ok(Cow::Borrowed(text))
}

fn weekdays(text: &str) -> Checked<'_> {
    for d in text.split(',') {
        let ok = WEEKDAYS.iter().any(|w| w.eq_ignore_ascii_case(d))
            || match parse_decimal(d) {
                Some(Ok(n)) => (1..=7).contains(&n),
                Some(Err(e)) => return Err(e),
                None => false,
            };
        if !ok {
            return Err(ValueError::new(format!(
                "`{d}` is not a weekday (Mon…Sun or 1-7)"
            )));
        }
    }
    Ok(Cow::Borrowed(text))
}

fn monthdays(text: &str) -> Checked<'_> {
    for d in text.split(',') {
        // iptables reads days in decimal only; hex is refused.
        let n = parse_decimal(d)
            .ok_or_else(|| ValueError::new(format!("`{d}` is not a day of the month 1-31")))??;
        if !(1..=31).contains(&n) {
            return Err(ValueError::new(format!("{n} is out of range 1-31")));
        }
    }
    Ok(Cow::Borrowed(text))
}

fn set_ref(text: &str) -> Checked<'_> {
    let mut parts = text.split_whitespace();
    let (Some(set), Some(dirs), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(ValueError::new(
            "expected a set name and directions, such as `blocklist src`",
        ));
    };
    IPSET_NAME.check(set, Family::V4)?;
    let dirs: Vec<&str> = dirs.split(',').collect();
    if dirs.len() > 6 || dirs.iter().any(|d| *d != "src" && *d != "dst") {
        return Err(ValueError::new(
            "set directions are up to six of `src`, `dst`, comma-separated",
        ));
    }
    Ok(Cow::Borrowed(text))
}

fn tos(text: &str) -> Checked<'_> {
    if TOS_NAMES.contains(&text) {
        return Ok(Cow::Borrowed(text));
    }
    let (v, m) = text
        .split_once('/')
        .map_or((text, None), |(v, m)| (v, Some(m)));
    // In hex, as `iptables-save` writes it.
    let v = uint(v, 0, 255)?;
    let canonical = match m {
        None => format!("{v:#04x}"),
        Some(m) => format!("{v:#04x}/{:#04x}", uint(m, 0, 255)?),
    };
    Ok(same_or(text, canonical))
}

/// A user or group: ids (and ranges of them) in decimal, names as they are. iptables looks a
/// name up first and reads anything else as a number with `strtoul(…, 0)`, so an id with a
/// leading zero is refused like every other number.
fn owner(text: &str) -> Checked<'_> {
    let id = |part: &str| -> Option<Result<u64, ValueError>> {
        parse_number(part).map(|n| match n {
            Ok(n) if n < u64::from(u32::MAX) => Ok(n),
            Ok(n) => Err(ValueError::new(format!(
                "id {n} is out of range 0-{}",
                u32::MAX - 1
            ))),
            Err(e) => Err(e),
        })
    };
    let (a, b) = text.split_once('-').unwrap_or((text, ""));
    match (id(a), id(b)) {
        (Some(a), None) if b.is_empty() && !text.contains('-') => Ok(same_or(text, a?.to_string())),
        (Some(a), Some(b)) => {
            let (a, b) = (a?, b?);
            if a > b {
                return Err(ValueError::new(reversed_range("id range", a, '-', b)));
            }
            Ok(same_or(text, format!("{a}-{b}")))
        }
        _ => name(text, 64),
    }
}

fn tc_class(text: &str) -> Checked<'_> {
    let ok = text.split_once(':').is_some_and(|(a, b)| {
        [a, b]
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|c| c.is_ascii_hexdigit()))
    });
    if ok {
        Ok(Cow::Borrowed(text))
    } else {
        Err(ValueError::new(format!(
            "`{text}` is not a class `MAJOR:MINOR` in hex"
        )))
    }
}

/// One address, without a prefix: what libxtables' `XTTYPE_HOST` options take.
fn host(text: &str, family: Family) -> Result<(), ValueError> {
    if text.contains('/') {
        return Err(ValueError::new(format!(
            "`{text}` is a network: this option takes one address, without a prefix"
        )));
    }
    ip_in_family(text, family).map(|_| ())
}

/// Decodes the string match's `--hex-string` the way libxt_string's `parse_hex_string` does:
/// `|…|` blocks of hex byte pairs (spaces allowed), `\x` for a literal character outside
/// them, anything else as itself. Returns the pattern length.
fn hex_string(text: &str) -> Result<usize, ValueError> {
    const MAX: usize = 128;
    let s = text.as_bytes();
    if s.is_empty() {
        return Err(ValueError::new("the pattern is empty"));
    }
    let bad = |why: &str| {
        Err(ValueError::new(format!(
            "{why} (`|…|` holds hex byte pairs)"
        )))
    };
    let (mut i, mut len, mut hex) = (0, 0, false);
    while i < s.len() {
        // Checked before each step, also the one that reads a closing `|`.
        if len >= MAX {
            return Err(ValueError::new(format!(
                "the pattern is too long: at most {MAX} bytes once decoded (iptables also \
                 counts a closing `|` after the {MAX}th byte)"
            )));
        }
        let mut literal = false;
        if s[i] == b'\\' && !hex {
            literal = true;
        } else if s[i] == b'\\' {
            return bad("a `\\` literal cannot stand inside a hex block");
        } else if s[i] == b'|' {
            if hex {
                hex = false;
            } else {
                hex = true;
                while s.get(i + 1) == Some(&b' ') {
                    i += 1;
                }
            }
            if i + 1 >= s.len() {
                break;
            }
            i += 1;
        }
        if literal {
            if i + 1 >= s.len() {
                return bad("a `\\` at the end has no character to quote");
            }
            i += 2;
        } else if hex {
            if i + 2 >= s.len() {
                return bad("a hex block is not closed or has an odd number of digits");
            }
            for c in &s[i..i + 2] {
                if !c.is_ascii_hexdigit() {
                    return bad(&format!("`{}` is not a hex digit", char::from(*c)));
                }
            }
            i += if s[i + 2] == b' ' { 3 } else { 2 };
        } else {
            i += 1;
        }
        len += 1;
    }
    if len == 0 {
        return Err(ValueError::new("the pattern is empty"));
    }
    Ok(len)
}

/// A probability in plain decimal notation, 0 to 1.
fn probability(text: &str) -> Result<f64, ValueError> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let p = (!(int.is_empty() && frac.is_empty()) && digits(int) && digits(frac))
        .then(|| text.parse::<f64>().ok())
        .flatten()
        .ok_or_else(|| {
            ValueError::new(format!("`{text}` is not a decimal number such as `0.25`"))
        })?;
    if p > 1.0 {
        return Err(ValueError::new(format!(
            "probability {text} is out of range 0-1"
        )));
    }
    Ok(p)
}

/// `low:high` with `low < high`, both given.
fn ascending_range(text: &str, min: u64, max: u64) -> Checked<'_> {
    let Some((a, b)) = text
        .split_once(':')
        .filter(|(a, b)| !a.is_empty() && !b.is_empty())
    else {
        return Err(ValueError::new(format!(
            "`{text}` is not a range `low:high` (write both ends)"
        )));
    };
    let (lo, hi) = (uint(a, min, max)?, uint(b, min, max)?);
    if lo >= hi {
        return Err(ValueError::new(format!(
            "range {lo}:{hi}: the first number must be less than the second"
        )));
    }
    Ok(same_or(text, format!("{lo}:{hi}")))
}

/// libxt_u32's `XT_U32_MAXSIZE`: at most this many tests, numbers in one location, and
/// values in one test (the kernel refuses more too).
pub const U32_MAX_SIZE: usize = 10;

/// Checks u32's tests the way libxt_u32 reads them:
///
/// ```text
/// tests    := location "=" value | tests "&&" location "=" value
/// value    := range | value "," range
/// range    := number | number ":" number
/// location := number | location operator number
/// operator := "&" | "<<" | ">>" | "@"
/// ```
///
/// with spaces allowed between the parts, at most [`U32_MAX_SIZE`] tests, numbers per location
/// and ranges per test, and shifts (`<<`, `>>`) by at most 31 bits. Numbers are 32-bit, decimal or `0x` hex; a leading zero is refused
/// (iptables would read it as octal), and so is a range whose low end is above its high end
/// (it never matches).
///
/// ```
/// use pyptables_catalog::value::check_u32;
/// assert!(check_u32("0>>22&0x3C@12>>26&0x3C@0=0:0x10,0x20").is_ok());
/// assert!(check_u32("6&0xFF=6 && 0>>22&0x3C@4=0x29").is_ok());
/// assert!(check_u32("0=").is_err());
/// assert!(check_u32("0=010").is_err());
/// assert!(check_u32("0>>32=1").is_err());
/// ```
pub fn check_u32(text: &str) -> Result<(), ValueError> {
    let s = text.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize| {
        while s.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    let at = |i: usize, what: &str| ValueError::new(format!("u32: at character {}: {what}", i + 1));
    let number = |i: &mut usize| -> Result<u64, ValueError> {
        skip(i);
        let start = *i;
        while s.get(*i).is_some_and(u8::is_ascii_alphanumeric) {
            *i += 1;
        }
        let word = &text[start..*i];
        match parse_number(word) {
            None if word.is_empty() => Err(at(start, "a number was expected")),
            None => Err(at(start, &format!("`{word}` is not a number"))),
            Some(Err(e)) => Err(at(start, &reason(e))),
            Some(Ok(n)) if n > u64::from(u32::MAX) => {
                Err(at(start, &format!("{word} does not fit in 32 bits")))
            }
            Some(Ok(n)) => Ok(n),
        }
    };
    let mut tests = 0;
    loop {
        tests += 1;
        if tests > U32_MAX_SIZE {
            return Err(ValueError::new(format!(
                "u32: at most {U32_MAX_SIZE} tests joined by `&&`"
            )));
        }
        // The location: numbers joined by operators, up to `=`.
        let mut nums = 0;
        loop {
            skip(&mut i);
            match s.get(i) {
                None if nums == 0 => return Err(at(i, "a location was expected")),
                None => return Err(at(i, "`=` and a value were expected after the location")),
                Some(b'=') if nums == 0 => return Err(at(i, "the location is missing")),
                Some(b'=') => {
                    i += 1;
                    break;
                }
                _ => {}
            }
            let mut shift = false;
            if nums > 0 {
                match (s[i], s.get(i + 1)) {
                    (b'&' | b'@', _) => i += 1,
                    (b'<', Some(b'<')) | (b'>', Some(b'>')) => {
                        i += 2;
                        shift = true;
                    }
                    _ => {
                        return Err(at(
                            i,
                            "an operator (`&`, `<<`, `>>`, `@`) or `=` was expected",
                        ))
                    }
                }
            }
            skip(&mut i);
            let start = i;
            let n = number(&mut i)?;
            // xt_u32 refuses a shift by 32 or more (EINVAL).
            if shift && n > 31 {
                return Err(at(start, &format!("a shift is at most 31 bits, not {n}")));
            }
            nums += 1;
            if nums > U32_MAX_SIZE {
                return Err(at(
                    i,
                    &format!("a location has at most {U32_MAX_SIZE} numbers"),
                ));
            }
        }
        // The values: ranges joined by `,`, up to `&&` or the end.
        let mut values = 0;
        loop {
            skip(&mut i);
            match s.get(i) {
                None if values == 0 => return Err(at(i, "a value was expected after `=`")),
                None => return Ok(()),
                Some(b'&') if s.get(i + 1) != Some(&b'&') => {
                    return Err(at(i + 1, "a second `&` was expected"))
                }
                Some(b'&') if values == 0 => return Err(at(i, "a value was expected before `&&`")),
                Some(b'&') => {
                    i += 2;
                    break;
                }
                Some(b',') if values > 0 => i += 1,
                _ if values > 0 => return Err(at(i, "`,` or `&&` was expected")),
                _ => {}
            }
            let low = number(&mut i)?;
            skip(&mut i);
            if s.get(i) == Some(&b':') {
                i += 1;
                let high = number(&mut i)?;
                if low > high {
                    return Err(ValueError::new(format!(
                        "u32: {} (it never matches)",
                        reversed_range("range", format!("{low:#x}"), ':', format!("{high:#x}"))
                    )));
                }
            }
            values += 1;
            if values > U32_MAX_SIZE {
                return Err(at(i, &format!("a test has at most {U32_MAX_SIZE} values")));
            }
        }
    }
}

/// sctp's chunk types as libxt_sctp 1.8.9 names them, with the flags each may carry
/// (upper case: set, lower case: unset).
pub const SCTP_CHUNK_TYPES: &[(&str, &str)] = &[
    ("DATA", "IUBE"),
    ("INIT", ""),
    ("INIT_ACK", ""),
    ("SACK", ""),
    ("HEARTBEAT", ""),
    ("HEARTBEAT_ACK", ""),
    ("ABORT", "T"),
    ("SHUTDOWN", ""),
    ("SHUTDOWN_ACK", ""),
    ("ERROR", ""),
    ("COOKIE_ECHO", ""),
    ("COOKIE_ACK", ""),
    ("ECN_ECNE", ""),
    ("ECN_CWR", ""),
    ("SHUTDOWN_COMPLETE", "T"),
    // libxt_sctp keeps flags under the chunk's place in its table, which is its type only
    // up to SHUTDOWN_COMPLETE: I_DATA's flags would be kept for type 15, so none are taken.
    ("I_DATA", ""),
    ("RE_CONFIG", ""),
    ("PAD", ""),
    ("ASCONF", ""),
    ("ASCONF_ACK", ""),
    ("FORWARD_TSN", ""),
    ("I_FORWARD_TSN", ""),
];

fn sctp_chunks(text: &str) -> Checked<'_> {
    let mut words = text.split_whitespace();
    let (Some(mode), Some(list), None) = (words.next(), words.next(), words.next()) else {
        return Err(ValueError::new(
            "`chunk-types` takes two words: `all`, `any` or `only`, and the chunk types, such \
             as `any INIT,DATA`",
        ));
    };
    let mode = choice(mode, &["all", "any", "only"])?;
    if list.eq_ignore_ascii_case("all") || list.eq_ignore_ascii_case("none") {
        return Ok(Cow::Owned(format!("{mode} {}", list.to_ascii_uppercase())));
    }
    let mut out: Vec<String> = Vec::new();
    for item in list.split(',') {
        let (name, flags) = item
            .split_once(':')
            .map_or((item, None), |(n, f)| (n, Some(f)));
        let Some((name, valid)) = SCTP_CHUNK_TYPES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        else {
            let names = SCTP_CHUNK_TYPES.iter().map(|(n, _)| *n);
            return Err(ValueError::new(format!(
                "unknown sctp chunk type `{name}`{}",
                crate::suggest::hint(did_you_mean(name, names))
            )));
        };
        if out.iter().any(|o| o.split(':').next() == Some(name)) {
            return Err(ValueError::new(format!("`{name}` is listed twice")));
        }
        match flags {
            None => out.push((*name).to_string()),
            Some(flags) => {
                if let Some(c) = flags
                    .chars()
                    .find(|c| !c.is_ascii_alphabetic() || !valid.contains(c.to_ascii_uppercase()))
                {
                    let takes = if valid.is_empty() {
                        "takes no flags".to_string()
                    } else {
                        format!("takes the flags {valid} (lower case: unset)")
                    };
                    return Err(ValueError::new(format!(
                        "`{c}` is not a flag of {name}: it {takes}"
                    )));
                }
                out.push(format!("{name}:{flags}"));
            }
        }
    }
    Ok(Cow::Owned(format!("{mode} {}", out.join(","))))
}

/// hbh's and dst's option list (libip6t_hbh/dst's `IP6T_OPTS_OPTSNR`).
const IP6_OPTIONS_MAX: usize = 16;

fn ip6_options(text: &str) -> Result<(), ValueError> {
    let items: Vec<&str> = text.split(',').collect();
    if items.len() > IP6_OPTIONS_MAX {
        return Err(ValueError::new(format!(
            "at most {IP6_OPTIONS_MAX} options may be listed"
        )));
    }
    for (i, item) in items.iter().enumerate() {
        let (kind, len) = item
            .split_once(':')
            .map_or((*item, None), |(k, l)| (k, Some(l)));
        let kind = uint(kind, 0, 255)?;
        if let Some(len) = len {
            if i == IP6_OPTIONS_MAX - 1 {
                return Err(ValueError::new(format!(
                    "the {IP6_OPTIONS_MAX}th option cannot have a length (iptables refuses it)"
                )));
            }
            if kind == 0 {
                return Err(ValueError::new(
                    "option 0 (Pad1) has no length: write `0` alone",
                ));
            }
            uint(len, 0, 255)?;
        }
    }
    Ok(())
}

fn ip6_address_list(text: &str) -> Checked<'_> {
    let items: Vec<&str> = text.split(',').collect();
    if items.len() > IP6_OPTIONS_MAX {
        return Err(ValueError::new(format!(
            "at most {IP6_OPTIONS_MAX} addresses may be listed"
        )));
    }
    for item in items {
        host(item, Family::V6)?;
    }
    Ok(Cow::Borrowed(text))
}

/// Mobility header type names (libip6t_mh) and their numbers.
pub const MH_TYPES: &[(&str, u64)] = &[
    ("binding-refresh-request", 0),
    ("brr", 0),
    ("home-test-init", 1),
    ("hoti", 1),
    ("careof-test-init", 2),
    ("coti", 2),
    ("home-test", 3),
    ("hot", 3),
    ("careof-test", 4),
    ("cot", 4),
    ("binding-update", 5),
    ("bu", 5),
    ("binding-acknowledgement", 6),
    ("ba", 6),
    ("binding-error", 7),
    ("be", 7),
];

/// A mobility header type or range, written in numbers as `ip6tables-save` prints it.
fn mh_type(text: &str) -> Checked<'_> {
    let one = |t: &str| -> Result<u64, ValueError> {
        if let Some((_, n)) = MH_TYPES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(t))
        {
            return Ok(*n);
        }
        if parse_number(t).is_some() {
            return uint(t, 0, 255);
        }
        Err(ValueError::new(format!(
            "unknown mobility header type `{t}`{}",
            crate::suggest::hint(did_you_mean(t, MH_TYPES.iter().map(|(n, _)| *n)))
        )))
    };
    let canonical = match text.split_once(':') {
        None => one(text)?.to_string(),
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { one(a)? };
            let hi = if b.is_empty() { 255 } else { one(b)? };
            if lo > hi {
                return Err(ValueError::new(reversed_range("type range", lo, ':', hi)));
            }
            format!("{lo}:{hi}")
        }
    };
    Ok(same_or(text, canonical))
}

/// xt_bpf's `XT_BPF_MAX_NUM_INSTR`: the most instructions a `--bytecode` program may have.
pub const BPF_MAX_INSTRUCTIONS: usize = 64;

/// The units libxt_rateest reads after a rate (case-insensitive), in bits per second.
const BIT_RATE_UNITS: &[(&str, u64)] = &[
    ("bit", 1),
    ("kbit", 1_000),
    ("mbit", 1_000_000),
    ("gbit", 1_000_000_000),
    ("tbit", 1_000_000_000_000),
    ("kibit", 1 << 10),
    ("mibit", 1 << 20),
    ("gibit", 1 << 30),
    ("tibit", 1 << 40),
    ("bps", 8),
    ("kbps", 8_000),
    ("mbps", 8_000_000),
    ("gbps", 8_000_000_000),
    ("tbps", 8_000_000_000_000),
    ("kibps", 8 << 10),
    ("mibps", 8 << 20),
    ("gibps", 8 << 30),
    ("tibps", 8 << 40),
];

/// A [`ValueKind::BitRate`]: libxt_rateest stores bytes per second in 32 bits, so bits that
/// are not a multiple of 8 would be cut silently (`17` is kept as 16).
fn bit_rate(text: &str) -> Checked<'_> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(end);
    let n = parse_decimal(digits)
        .ok_or_else(|| ValueError::new(format!("`{text}` is not a rate such as `64kbit`")))??;
    let scale = if unit.is_empty() {
        1
    } else {
        match BIT_RATE_UNITS
            .iter()
            .find(|(u, _)| u.eq_ignore_ascii_case(unit))
        {
            Some((_, scale)) => *scale,
            None => {
                return Err(ValueError::new(format!(
                    "unknown rate unit `{unit}`: use bit, kbit, mbit, gbit, bps, kbps, mbps, …"
                )))
            }
        }
    };
    let max = u64::from(u32::MAX) * 8;
    let bits = n.checked_mul(scale).filter(|b| *b <= max).ok_or_else(|| {
        ValueError::new(format!(
            "`{text}` is too large: at most {max} bits per second"
        ))
    })?;
    if bits % 8 != 0 {
        return Err(ValueError::new(format!(
            "{bits} bits per second is not a whole number of bytes: the kernel keeps bytes \
             and iptables would cut it to {}; write {} or {}",
            bits / 8 * 8,
            bits / 8 * 8,
            bits / 8 * 8 + 8
        )));
    }
    Ok(same_or(text, bits.to_string()))
}

/// A number of a `--bytecode` program: libxt_bpf reads only decimal (`strtoul(…, 10)` and
/// `sscanf`'s `%u`), so a leading zero changes nothing (`010` is ten).
fn bpf_decimal(text: &str) -> Option<Result<u64, ValueError>> {
    let digits = text.trim_start_matches('0');
    if digits.is_empty() && !text.is_empty() {
        return Some(Ok(0));
    }
    parse_decimal(digits)
}

/// Checks a `--bytecode` program as libxt_bpf reads it (`N,code jt jf k,…`, decimal numbers,
/// exactly `N` instructions, at most [`BPF_MAX_INSTRUCTIONS`]) and as the kernel's classic BPF
/// checker (`bpf_check_classic`) judges it: known opcodes only, no division by a constant 0,
/// shifts below 32, scratch memory slots 0-15 written before they are read, jumps inside the
/// program, and a return at the end. Ancillary loads (offsets from `0xfffff000`) are refused.
///
/// ```
/// use pyptables_catalog::value::check_bpf;
/// // Accept TCP (IPv4 protocol byte 9 == 6), drop the rest.
/// assert!(check_bpf("4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0").is_ok());
/// assert!(check_bpf("1,48 0 0 9").is_err(), "no return at the end");
/// ```
pub fn check_bpf(text: &str) -> Result<(), ValueError> {
    let bad = |why: String| Err(ValueError::new(format!("bpf: {why}")));
    let mut parts = text.split(',');
    let count = parts.next().unwrap_or_default().trim();
    let n = match bpf_decimal(count) {
        Some(Ok(n)) => n as usize,
        Some(Err(e)) => return Err(e),
        None => return bad(format!("`{count}` is not the number of instructions")),
    };
    if n == 0 || n > BPF_MAX_INSTRUCTIONS {
        return bad(format!(
            "a program has 1 to {BPF_MAX_INSTRUCTIONS} instructions, not {n}"
        ));
    }
    let mut program: Vec<(u16, u8, u8, u32)> = Vec::new();
    for (i, insn) in parts.enumerate() {
        let words: Vec<&str> = insn.split_whitespace().collect();
        let num = |w: &str, max: u64| -> Result<u64, ValueError> {
            match bpf_decimal(w) {
                Some(Ok(v)) if v <= max => Ok(v),
                Some(Err(e)) => Err(e),
                _ => Err(ValueError::new(format!(
                    "bpf: instruction {i}: `{w}` is not a number 0-{max}"
                ))),
            }
        };
        if words.len() != 4 {
            return bad(format!(
                "instruction {i} `{insn}` is not four numbers `code jt jf k`"
            ));
        }
        program.push((
            num(words[0], 0xffff)? as u16,
            num(words[1], 0xff)? as u8,
            num(words[2], 0xff)? as u8,
            num(words[3], u64::from(u32::MAX))? as u32,
        ));
    }
    if program.len() != n {
        return bad(format!(
            "the program says {n} instructions but has {}",
            program.len()
        ));
    }
    // The opcodes bpf_check_classic allows.
    const ALLOWED: &[u16] = &[
        0x04, 0x0c, 0x14, 0x1c, 0x24, 0x2c, 0x34, 0x3c, 0x44, 0x4c, 0x54, 0x5c, 0x64, 0x6c, 0x74,
        0x7c, 0x84, 0x94, 0x9c, 0xa4, 0xac, // ALU
        0x20, 0x28, 0x30, 0x40, 0x48, 0x50, 0x80, 0x00, 0x60, // LD
        0x81, 0x01, 0x61, 0xb1, // LDX
        0x02, 0x03, // ST, STX
        0x07, 0x87, // TAX, TXA
        0x06, 0x16, // RET K, RET A
        0x05, 0x15, 0x1d, 0x25, 0x2d, 0x35, 0x3d, 0x45, 0x4d, // JMP
    ];
    let len = program.len();
    let mut masks = vec![u16::MAX; len];
    // No scratch slot is written at the start.
    let mut valid: u16 = 0;
    for (pc, &(code, jt, jf, k)) in program.iter().enumerate() {
        let at = |why: &str| bad(format!("instruction {pc} ({code} {jt} {jf} {k}): {why}"));
        if !ALLOWED.contains(&code) {
            return at("the kernel does not know this opcode");
        }
        valid &= masks[pc];
        match code {
            0x34 | 0x94 if k == 0 => return at("division by 0"),
            0x64 | 0x74 if k >= 32 => return at("a shift of 32 or more"),
            0x60 | 0x61 | 0x02 | 0x03 if k >= 16 => {
                return at("scratch memory has slots 0-15");
            }
            0x02 | 0x03 => valid |= 1 << k,
            0x60 | 0x61 if valid & (1 << k) == 0 => {
                return at("reads a scratch memory slot that may not have been written");
            }
            0x20 | 0x28 | 0x30 if k >= 0xffff_f000 => {
                return at("ancillary loads are not checked here");
            }
            0x05 => {
                if k as usize >= len - pc - 1 {
                    return at("jumps past the end");
                }
                masks[pc + 1 + k as usize] &= valid;
                valid = u16::MAX;
            }
            0x15 | 0x1d | 0x25 | 0x2d | 0x35 | 0x3d | 0x45 | 0x4d => {
                let (t, f) = (pc + jt as usize + 1, pc + jf as usize + 1);
                if t >= len || f >= len {
                    return at("jumps past the end");
                }
                masks[t] &= valid;
                masks[f] &= valid;
                valid = u16::MAX;
            }
            _ => {}
        }
    }
    if !matches!(program[len - 1].0, 0x06 | 0x16) {
        return bad("the last instruction must be a return (`6 0 0 k` or `22 0 0 0`)".into());
    }
    Ok(())
}

/// Bytes that may stand in an unquoted token.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'_' | b'-' | b'.' | b':' | b'/' | b',' | b'+' | b'@' | b'%' | b'='
            );
        b += 1;
    }
    t
};

/// Writes `word` as one `iptables-restore` token: bare when it is plain, otherwise in double
/// quotes with `"` and `\` escaped by a backslash (the only quoting the restore parser knows).
///
/// Control characters must have been refused before (see [`ValueKind::check`]): they cannot be
/// written at all.
///
/// ```
/// use pyptables_catalog::value::quote;
/// assert_eq!(quote("ssh"), "ssh");
/// assert_eq!(quote(r#"a "b" \ #c"#), r#""a \"b\" \\ #c""#);
/// ```
#[must_use]
pub fn quote(word: &str) -> Cow<'_, str> {
    if is_plain(word) {
        return Cow::Borrowed(word);
    }
    let mut out = String::with_capacity(word.len() + 2);
    push_quoted(word, &mut out);
    Cow::Owned(out)
}

/// Whether `word` stands in a file as it is: [`quote`] leaves it bare. Such a word has no
/// control characters, spaces or quotes.
#[must_use]
pub fn is_plain(word: &str) -> bool {
    !word.is_empty() && word.bytes().all(|b| PLAIN[b as usize])
}

/// Appends `word` to `out` as [`quote`] writes it, without an intermediate string.
///
/// ```
/// use pyptables_catalog::value::push_quoted;
/// let mut out = String::from("--comment ");
/// push_quoted("rule 1", &mut out);
/// assert_eq!(out, r#"--comment "rule 1""#);
/// ```
pub fn push_quoted(word: &str, out: &mut String) {
    if is_plain(word) {
        out.push_str(word);
        return;
    }
    out.push('"');
    for c in word.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_range_with_the_other_separator_says_how_to_write_it() {
        let refused = |kind: ValueKind, text: &str| match kind.check(text, Family::V4) {
            Err(ValueError::Invalid(reason)) => reason,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            refused(ValueKind::PortRange, "8080-8090"),
            "a port range is written `8080:8090` here, not `8080-8090`"
        );
        assert_eq!(
            refused(ValueKind::PortList, "22,8080-8090"),
            "a port range is written `8080:8090` here, not `8080-8090`"
        );
        assert_eq!(
            refused(ValueKind::ToPorts, "8080:8090"),
            "a port range is written `8080-8090` here, not `8080:8090`"
        );
        assert_eq!(
            refused(ValueKind::Port, "8080-8090"),
            "`8080-8090` is a range; this option takes one port"
        );
        // Names with a dash are names, also where a range is written `a-b` (iptables 1.8.9
        // loads `--to-ports ftp-data` as 20).
        assert_eq!(
            ValueKind::PortRange.check("ftp-data", Family::V4).unwrap(),
            "20"
        );
        assert_eq!(
            ValueKind::ToPorts.check("ftp-data", Family::V4).unwrap(),
            "20"
        );
        assert!(ValueKind::NatAddress
            .check("192.0.2.1:ftp-data", Family::V4)
            .is_ok());
        assert_eq!(
            ValueKind::PortRange
                .check("ftp-data:ssh", Family::V4)
                .unwrap(),
            "20:22"
        );
    }

    #[test]
    fn interface_names_are_limited_to_what_iptables_save_writes_back() {
        let ok = |t: &str| ValueKind::Interface.check(t, Family::V4).is_ok();
        assert!(ok("eth0") && ok("eth+") && ok("br-lan.10") && ok("wg_0@x"));
        // iptables-save prints `-i eth 0` and `-i a"b` unquoted: they would not read back.
        assert!(!ok("eth 0") && !ok("a\"b") && !ok("a\\b") && !ok("ü0"));
        assert!(!ok("0123456789abcdef"), "16 characters");
        assert!(ok("0123456789abcde"), "15 characters");
    }

    #[test]
    fn canonical_text_is_borrowed_only_when_nothing_changes() {
        let v4 = Family::V4;
        let borrowed = |c: &Cow<'_, str>| matches!(c, Cow::Borrowed(_));
        let p = ValueKind::Protocol.canonical("tcp", v4);
        assert!(p == "tcp" && borrowed(&p));
        assert_eq!(ValueKind::Protocol.canonical("TCP", v4), "tcp");
        assert_eq!(ValueKind::Protocol.canonical("Udp", v4), "udp");
        assert_eq!(ValueKind::Protocol.canonical("6", v4), "6");
        let states = ValueKind::ChoiceList(&["NEW", "ESTABLISHED", "RELATED"]);
        let c = states.canonical("NEW,ESTABLISHED", v4);
        assert!(c == "NEW,ESTABLISHED" && borrowed(&c));
        assert_eq!(states.canonical("new,Established", v4), "NEW,ESTABLISHED");
        assert_eq!(
            states.canonical("NEW,new", v4),
            "NEW,new",
            "a repeat is left as written"
        );
        assert!(states.check("NEW,NEW", v4).is_err());
        assert!(states.check("NEW,new", v4).is_err());
        assert!(states.check("NEW,", v4).is_err());
        for kind in [ValueKind::Port, ValueKind::PortRange] {
            let p = kind.check("1025", v4).unwrap();
            assert!(p == "1025" && borrowed(&p));
            assert_eq!(kind.check("0", v4).unwrap(), "0");
            assert_eq!(kind.check("ssh", v4).unwrap(), "22");
            assert!(kind.check("65536", v4).is_err());
        }
    }

    /// iptables reads numbers with `strtoul(…, 0)`: `022` is octal 18, `08` is refused. No
    /// value with a leading zero may pass as its decimal reading.
    #[test]
    fn numbers_with_a_leading_zero_are_refused_in_every_numeric_kind() {
        let v4 = Family::V4;
        let v6 = Family::V6;
        let refused = |kind: ValueKind, text: &str, family: Family| {
            let e = kind.check(text, family);
            assert!(e.is_err(), "{kind:?} accepted {text:?} as {e:?}");
        };
        for kind in [
            ValueKind::Port,
            ValueKind::PortRange,
            ValueKind::PortList,
            ValueKind::ToPorts,
        ] {
            refused(kind, "022", v4);
            refused(kind, "08", v4);
            refused(kind, "00", v4);
        }
        refused(ValueKind::PortRange, "010:020", v4);
        refused(ValueKind::PortList, "80,022", v4);
        refused(ValueKind::ToPorts, "1000-01100", v4);
        refused(ValueKind::Address, "10.64.0.0/010", v4);
        refused(ValueKind::Address, "10.0.0.0/+8", v4);
        refused(ValueKind::Address, "2001:db8::/064", v6);
        refused(ValueKind::Network, "10.0.0.0/010", v4);
        refused(ValueKind::UInt { min: 0, max: 255 }, "064", v4);
        refused(ValueKind::UIntRange { min: 0, max: 65535 }, "010:020", v4);
        refused(ValueKind::Mark, "010", v4);
        refused(ValueKind::Mark, "1/010", v4);
        refused(ValueKind::IcmpType, "010", v4);
        refused(ValueKind::IcmpType, "3/010", v4);
        refused(ValueKind::Icmp6Type, "1/010", v6);
        refused(ValueKind::Protocol, "06", v4);
        refused(ValueKind::LogLevel, "04", v4);
        refused(ValueKind::Tos, "010", v4);
        refused(ValueKind::Monthdays, "010", v4);
        refused(ValueKind::Weekdays, "01", v4);
        refused(ValueKind::Rate, "010/second", v4);
        refused(ValueKind::NatAddress, "192.0.2.1:022", v4);
        refused(ValueKind::NatAddress, "192.0.2.1:100-200/010", v4);
        refused(ValueKind::Owner, "010", v4);
        refused(ValueKind::Owner, "100-0200", v4);
    }

    #[test]
    fn a_leading_zero_message_says_what_to_write_and_how_iptables_reads_it() {
        let msg = |kind: ValueKind, text: &str| match kind.check(text, Family::V4) {
            Err(ValueError::Invalid(m)) => m,
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(
            msg(ValueKind::Port, "022"),
            "write `22` without the leading zero: iptables would read `022` as octal, 18"
        );
        assert_eq!(
            msg(ValueKind::Port, "08"),
            "write `8` without the leading zero: iptables reads a leading 0 as octal and would \
             refuse `08`"
        );
        assert_eq!(
            msg(ValueKind::Address, "10.0.0.0/+8"),
            "`+8` is not a prefix length 0-32"
        );
    }

    #[test]
    fn numbers_are_written_as_iptables_save_writes_them() {
        let v4 = Family::V4;
        let c = |kind: ValueKind, text: &str| kind.check(text, v4).unwrap().into_owned();
        let n = |kind: ValueKind, text: &str| kind.canonical(text, v4).into_owned();
        let ttl = ValueKind::UInt { min: 0, max: 255 };
        assert_eq!(c(ttl, "0x40"), "64");
        assert_eq!(n(ttl, "0x40"), "64");
        assert_eq!(n(ttl, "64"), "64");
        assert_eq!(
            c(ValueKind::UIntRange { min: 0, max: 65535 }, "0x10:0x20"),
            "16:32"
        );
        assert_eq!(c(ValueKind::Mark, "16"), "0x10");
        assert_eq!(n(ValueKind::Mark, "16/0xFF"), "0x10/0xff");
        assert_eq!(c(ValueKind::Mark, "0X0010"), "0x10");
        assert_eq!(c(ValueKind::IcmpType, "0x3/0x1"), "3/1");
        assert_eq!(n(ValueKind::LogLevel, "0x4"), "4");
        assert_eq!(n(ValueKind::Protocol, "0x6"), "6");
        assert_eq!(n(ValueKind::Tos, "16/0x3f"), "0x10/0x3f");
        assert_eq!(n(ValueKind::Tos, "Minimize-Delay"), "Minimize-Delay");
        assert_eq!(c(ValueKind::Address, "10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(n(ValueKind::Owner, "0x10-20"), "16-20");
        assert_eq!(n(ValueKind::Owner, "www-data"), "www-data");
        // iptables takes a service name for one NAT port but refuses `ssh-http`.
        assert_eq!(
            n(ValueKind::NatAddress, "192.0.2.1:ssh-http"),
            "192.0.2.1:22-80"
        );
        assert_eq!(n(ValueKind::NatAddress, ":1000-/ssh"), ":1000-65535/22");
        assert_eq!(
            ValueKind::NatAddress
                .canonical("[2001:db8::1]:ssh", Family::V6)
                .into_owned(),
            "[2001:db8::1]:22"
        );
        assert_eq!(
            n(ValueKind::NatAddress, "192.0.2.1-192.0.2.9"),
            "192.0.2.1-192.0.2.9"
        );
        assert!(ValueKind::Address.check("010.0.0.1", v4).is_err());
    }

    #[test]
    fn tcp_option_lists_take_names_and_the_numbers_iptables_save_prints() {
        let k = ValueKind::TcpOptionList;
        let c = |text: &str| k.check(text, Family::V4).map(Cow::into_owned);
        // iptables-save prints `--strip-options 4,8` for `sack-permitted,timestamp`.
        assert_eq!(c("4,8").unwrap(), "4,8");
        assert_eq!(c("MSS,Timestamp").unwrap(), "mss,timestamp");
        assert_eq!(c("0x1e").unwrap(), "30");
        for bad in ["1", "0", "256", "02", "mss,2", "sack,sack", "nop", ""] {
            assert!(c(bad).is_err(), "{bad}");
        }
        let e = c("timestmp").unwrap_err();
        assert!(format!("{e:?}").contains("timestamp"), "{e:?}");
    }

    #[test]
    fn a_ct_zone_is_a_number_or_the_mark() {
        let c = |text: &str| {
            ValueKind::CtZone
                .check(text, Family::V4)
                .map(Cow::into_owned)
        };
        assert_eq!(c("MARK").unwrap(), "mark");
        assert_eq!(c("0x10").unwrap(), "16");
        assert!(c("65536").is_err());
        assert!(c("marks").is_err());
    }

    #[test]
    fn push_quoted_writes_what_quote_returns() {
        for word in ["ssh", "rule 1", "", "a\"b", "back\\slash", "x#y", "ümlaut"] {
            let mut out = String::from(">");
            push_quoted(word, &mut out);
            assert_eq!(out, format!(">{}", quote(word)), "{word:?}");
            assert_eq!(is_plain(word), matches!(quote(word), Cow::Borrowed(_)));
        }
        assert_eq!(quote("rule 1"), "\"rule 1\"");
        assert_eq!(quote(""), "\"\"");
    }

    /// The limits libxt_u32 and xt_u32 share (10 tests, 10 numbers per location, 10 values
    /// per test) and the packet-header kinds' canonical text; the kernel's verdicts on the same
    /// values are in tests/kernel_catalog.rs.
    #[test]
    fn packet_header_kinds() {
        let v6 = Family::V6;
        let ok = |kind: ValueKind, t: &str| kind.check(t, v6).map(Cow::into_owned);
        let tests = |n: usize| {
            (0..n)
                .map(|i| format!("{i}=1"))
                .collect::<Vec<_>>()
                .join("&&")
        };
        assert!(check_u32(&tests(10)).is_ok());
        assert!(check_u32(&tests(11)).is_err());
        let location = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join("&");
        assert!(check_u32(&format!("{}=1", location(10))).is_ok());
        assert!(check_u32(&format!("{}=1", location(11))).is_err());
        let values = |n: usize| (0..n).map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        assert!(check_u32(&format!("0={}", values(10))).is_ok());
        assert!(check_u32(&format!("0={}", values(11))).is_err());
        for bad in [
            "",
            "=1",
            "0",
            "0=",
            "0=1&",
            "0=1&&",
            "0<1=2",
            "0=1,",
            "0=0x100000000",
        ] {
            assert!(check_u32(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            ok(ValueKind::SctpChunks, "ANY data:iUbE,init").unwrap(),
            "any DATA:iUbE,INIT"
        );
        assert!(ok(ValueKind::SctpChunks, "any I_DATA:I").is_err());
        assert!(ok(ValueKind::SctpChunks, "any DATA,data").is_err());
        assert_eq!(ok(ValueKind::MhType, "bu:0x7").unwrap(), "5:7");
        assert_eq!(ok(ValueKind::MhType, ":hoti").unwrap(), "0:1");
        assert!(ok(ValueKind::MhType, "be:bu").is_err());
        assert!(ok(ValueKind::Ip6Options, "0:2").is_err());
        assert!(ok(ValueKind::Ip6Options, "1:2,0,255:255").is_ok());
        assert!(ok(ValueKind::Ip6AddressList, "2001:db8::1,192.0.2.1").is_err());
        assert!(check_bpf("3,2 0 0 1,96 0 0 1,6 0 0 0").is_ok());
        assert!(
            check_bpf("2,96 0 0 1,6 0 0 0").is_err(),
            "slot 1 read before a store"
        );
        assert!(check_bpf("2,52 0 0 0,6 0 0 0").is_err(), "division by 0");
        assert!(check_bpf("2,5 0 0 1,6 0 0 0").is_err(), "jump past the end");
    }

    #[test]
    fn chain_names_likewise() {
        use crate::chains::chain_name_problem;
        assert_eq!(chain_name_problem("ssh_guard"), None);
        assert_eq!(chain_name_problem("LAN-to-DMZ.v2"), None);
        assert!(chain_name_problem("a\"b").is_some());
        assert!(chain_name_problem("two words").is_some());
        assert!(chain_name_problem("a'b").is_some());
    }
}
