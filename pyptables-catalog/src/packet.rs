//! What a packet looks like to iptables, and what each match option and target does to one.
//!
//! The catalog entries point here: an [`OptionSpec`](crate::OptionSpec) carries the
//! [`OptionEval`] that decides it for a [`Packet`] (set with `.eval(…)` on the entry), a
//! [`TargetSpec`](crate::TargetSpec) the [`Effect`] it has. Options without an evaluator, and
//! values an evaluator cannot decide offline (a rate, a set membership, a port range a NAT
//! target may pick from), answer [`Truth::Unknown`]: a definite answer must never be wrong.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::family::Family;
use crate::value::protocol_name;

/// A three-valued answer: whether a match holds for a packet, or that it cannot be known
/// offline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    /// It holds.
    True,
    /// It does not hold.
    False,
    /// It depends on something not known offline (state, time, rates, …).
    Unknown,
}

impl Truth {
    /// `b` as a definite answer.
    pub fn from_bool(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }

    /// Both hold: False wins over Unknown.
    pub fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::False, _) | (_, Truth::False) => Truth::False,
            (Truth::True, Truth::True) => Truth::True,
            _ => Truth::Unknown,
        }
    }
}

/// The answer for the inverted option (`!`): Unknown stays Unknown.
impl std::ops::Not for Truth {
    type Output = Truth;
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }
}

/// Conntrack state of a packet as `-m conntrack --ctstate` sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CtState {
    /// The first packet of a connection.
    New,
    /// A packet of a connection that has seen packets both ways.
    Established,
    /// A packet related to another connection (an ICMP error, an FTP data channel).
    Related,
    /// A packet conntrack could not classify.
    Invalid,
    /// A packet exempted from tracking (`-j CT --notrack`).
    Untracked,
}

impl CtState {
    /// The name iptables uses (`NEW`).
    pub fn name(self) -> &'static str {
        match self {
            CtState::New => "NEW",
            CtState::Established => "ESTABLISHED",
            CtState::Related => "RELATED",
            CtState::Invalid => "INVALID",
            CtState::Untracked => "UNTRACKED",
        }
    }

    /// The state called `name` (any case).
    pub fn from_name(name: &str) -> Option<CtState> {
        [
            CtState::New,
            CtState::Established,
            CtState::Related,
            CtState::Invalid,
            CtState::Untracked,
        ]
        .into_iter()
        .find(|s| s.name().eq_ignore_ascii_case(name))
    }
}

/// A packet as iptables matches it. Fields left `None` are unknown: a match that needs one
/// answers [`Truth::Unknown`].
///
/// ```
/// use pyptables_catalog::packet::{Packet, CtState};
/// let p = Packet::tcp("192.0.2.1".parse().unwrap(), "198.51.100.7".parse().unwrap(), 40000, 22)
///     .in_interface("eth0")
///     .state(CtState::New);
/// assert_eq!(p.protocol, Some(6));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Packet {
    /// IPv4 or IPv6.
    pub family: Family,
    /// The IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6).
    pub protocol: Option<u8>,
    /// Source address.
    pub src: Option<IpAddr>,
    /// Destination address.
    pub dst: Option<IpAddr>,
    /// Source port (TCP, UDP, SCTP, DCCP).
    pub sport: Option<u16>,
    /// Destination port.
    pub dport: Option<u16>,
    /// ICMP or ICMPv6 type and code.
    pub icmp: Option<(u8, u8)>,
    /// TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20).
    pub tcp_flags: Option<u8>,
    /// The interface the packet came in on (`None`: unknown or none, as in OUTPUT).
    pub in_interface: Option<String>,
    /// The interface it goes out on.
    pub out_interface: Option<String>,
    /// Conntrack state.
    pub state: Option<CtState>,
    /// The packet mark (`nfmark`).
    pub mark: Option<u32>,
    /// The connection's mark (`ctmark`).
    pub ctmark: Option<u32>,
    /// Whether it is a non-first IPv4 fragment (`-f`).
    pub fragment: bool,
    /// What `-m set --match-set NAME …` answers for it, by set name; a set not listed is
    /// unknown (its contents live in the kernel).
    pub sets: Vec<(String, bool)>,
}

impl Packet {
    /// A packet of `protocol` (a number) between two addresses; the family follows from them.
    pub fn new(protocol: u8, src: IpAddr, dst: IpAddr) -> Packet {
        Packet {
            family: if src.is_ipv6() {
                Family::V6
            } else {
                Family::V4
            },
            protocol: Some(protocol),
            src: Some(src),
            dst: Some(dst),
            sport: None,
            dport: None,
            icmp: None,
            tcp_flags: None,
            in_interface: None,
            out_interface: None,
            state: None,
            mark: None,
            ctmark: None,
            fragment: false,
            sets: Vec::new(),
        }
    }

    /// A TCP packet; its flags are a SYN's (the first packet of a connection).
    pub fn tcp(src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> Packet {
        let mut p = Packet::new(6, src, dst);
        p.sport = Some(sport);
        p.dport = Some(dport);
        p.tcp_flags = Some(0x02);
        p
    }

    /// A UDP datagram.
    pub fn udp(src: IpAddr, dst: IpAddr, sport: u16, dport: u16) -> Packet {
        let mut p = Packet::new(17, src, dst);
        p.sport = Some(sport);
        p.dport = Some(dport);
        p
    }

    /// An ICMP (IPv4) or ICMPv6 (IPv6) echo request.
    pub fn ping(src: IpAddr, dst: IpAddr) -> Packet {
        let (proto, ty) = if src.is_ipv6() { (58, 128) } else { (1, 8) };
        let mut p = Packet::new(proto, src, dst);
        p.icmp = Some((ty, 0));
        p
    }

    /// The same packet, arriving on `name`.
    pub fn in_interface(mut self, name: &str) -> Packet {
        self.in_interface = Some(name.to_string());
        self
    }

    /// The same packet, leaving on `name`.
    pub fn out_interface(mut self, name: &str) -> Packet {
        self.out_interface = Some(name.to_string());
        self
    }

    /// The same packet in conntrack state `state`.
    pub fn state(mut self, state: CtState) -> Packet {
        self.state = Some(state);
        self
    }

    /// The same packet with mark `mark`.
    pub fn mark(mut self, mark: u32) -> Packet {
        self.mark = Some(mark);
        self
    }

    /// The same packet, of a connection with mark `ctmark`.
    pub fn ctmark(mut self, ctmark: u32) -> Packet {
        self.ctmark = Some(ctmark);
        self
    }

    /// The same packet with TCP flags `flags`.
    pub fn tcp_flags(mut self, flags: u8) -> Packet {
        self.tcp_flags = Some(flags);
        self
    }

    /// The same packet, which `--match-set name …` matches (`member`) or not.
    pub fn in_set(mut self, name: &str, member: bool) -> Packet {
        self.sets.push((name.to_string(), member));
        self
    }

    /// The same packet with ICMP type and code.
    pub fn icmp(mut self, icmp_type: u8, code: u8) -> Packet {
        self.icmp = Some((icmp_type, code));
        self
    }
}

/// Decides one option for a packet: the option's value (empty for a flag). The caller
/// applies `!`.
pub type OptionEval = fn(&Packet, &str) -> Truth;

fn known<T>(v: Option<T>, f: impl FnOnce(T) -> bool) -> Truth {
    v.map_or(Truth::Unknown, |v| Truth::from_bool(f(v)))
}

/// The protocol number `-p name` stands for, `None` for `all`.
pub fn protocol_number(name: &str) -> Option<Option<u8>> {
    let name = protocol_name(name);
    Some(Some(match name.to_ascii_lowercase().as_str() {
        "all" | "0" => return Some(None),
        "icmp" => 1,
        "igmp" => 2,
        "ipip" | "ipencap" => 4,
        "tcp" => 6,
        "udp" => 17,
        "ipv6" => 41,
        "gre" => 47,
        "esp" => 50,
        "ah" => 51,
        "icmpv6" | "ipv6-icmp" => 58,
        "ospf" => 89,
        "pim" => 103,
        "ipcomp" => 108,
        "vrrp" => 112,
        "l2tp" => 115,
        "sctp" => 132,
        "mh" | "ipv6-mh" | "mobility-header" => 135,
        "udplite" => 136,
        n => return n.parse().ok().map(Some),
    }))
}

/// `-p`.
pub fn eval_protocol(p: &Packet, v: &str) -> Truth {
    match protocol_number(v) {
        None => Truth::Unknown,
        Some(None) => Truth::True,
        Some(Some(n)) => known(p.protocol, |have| have == n),
    }
}

fn net(v: &str) -> Option<IpNet> {
    v.parse::<IpNet>()
        .ok()
        .or_else(|| v.parse::<IpAddr>().ok().map(IpNet::from))
}

fn in_net(addr: Option<IpAddr>, v: &str) -> Truth {
    // A host name (resolved by iptables when loading) is not decided here.
    let Some(n) = net(v) else {
        return Truth::Unknown;
    };
    known(addr, |a| n.trunc().contains(&a))
}

/// `-s`.
pub fn eval_source(p: &Packet, v: &str) -> Truth {
    in_net(p.src, v)
}

/// `-d`.
pub fn eval_destination(p: &Packet, v: &str) -> Truth {
    in_net(p.dst, v)
}

fn iface(have: &Option<String>, v: &str) -> Truth {
    known(have.as_deref(), |h| match v.strip_suffix('+') {
        Some(prefix) => h.starts_with(prefix),
        None => h == v,
    })
}

/// `-i`.
pub fn eval_in_interface(p: &Packet, v: &str) -> Truth {
    iface(&p.in_interface, v)
}

/// `-o`.
pub fn eval_out_interface(p: &Packet, v: &str) -> Truth {
    iface(&p.out_interface, v)
}

/// `-f`.
pub fn eval_fragment(p: &Packet, _: &str) -> Truth {
    Truth::from_bool(p.fragment)
}

/// Options that always hold (`--comment`).
pub fn eval_true(_: &Packet, _: &str) -> Truth {
    Truth::True
}

fn port_number(v: &str) -> Option<u16> {
    v.parse().ok().or_else(|| crate::services::port(v))
}

/// `a`, `a:b`, `:b`, `a:` as iptables reads them.
fn port_range(v: &str) -> Option<(u16, u16)> {
    match v.split_once(':') {
        None => port_number(v).map(|n| (n, n)),
        Some((a, b)) => {
            let lo = if a.is_empty() { 0 } else { port_number(a)? };
            let hi = if b.is_empty() { 65535 } else { port_number(b)? };
            Some((lo, hi))
        }
    }
}

fn port_in(port: Option<u16>, fragment: bool, v: &str) -> Truth {
    // Ports of a non-first fragment are not in the packet; the kernel's match then fails
    // whether inverted or not, which an inverted three-valued answer cannot say.
    if fragment {
        return Truth::Unknown;
    }
    let Some((lo, hi)) = port_range(v) else {
        return Truth::Unknown;
    };
    known(port, |p| lo <= p && p <= hi)
}

/// `--sport` of tcp, udp, sctp, dccp.
pub fn eval_sport(p: &Packet, v: &str) -> Truth {
    port_in(p.sport, p.fragment, v)
}

/// `--dport` of tcp, udp, sctp, dccp.
pub fn eval_dport(p: &Packet, v: &str) -> Truth {
    port_in(p.dport, p.fragment, v)
}

fn port_list(port: Option<u16>, fragment: bool, v: &str) -> Truth {
    v.split(',')
        .map(|item| port_in(port, fragment, item))
        .fold(Truth::False, |acc, t| match (acc, t) {
            (Truth::True, _) | (_, Truth::True) => Truth::True,
            (Truth::False, Truth::False) => Truth::False,
            _ => Truth::Unknown,
        })
}

/// multiport `--sports`.
pub fn eval_sports(p: &Packet, v: &str) -> Truth {
    port_list(p.sport, p.fragment, v)
}

/// multiport `--dports`.
pub fn eval_dports(p: &Packet, v: &str) -> Truth {
    port_list(p.dport, p.fragment, v)
}

/// multiport `--ports`: the source or the destination port is listed.
pub fn eval_ports(p: &Packet, v: &str) -> Truth {
    match (
        port_list(p.sport, p.fragment, v),
        port_list(p.dport, p.fragment, v),
    ) {
        (Truth::True, _) | (_, Truth::True) => Truth::True,
        (Truth::False, Truth::False) => Truth::False,
        _ => Truth::Unknown,
    }
}

fn tcp_flag_bits(v: &str) -> Option<u8> {
    let mut bits = 0;
    for name in v.split(',') {
        bits |= match name.to_ascii_uppercase().as_str() {
            "FIN" => 0x01,
            "SYN" => 0x02,
            "RST" => 0x04,
            "PSH" => 0x08,
            "ACK" => 0x10,
            "URG" => 0x20,
            "ALL" => 0x3f,
            "NONE" => 0,
            _ => return None,
        };
    }
    Some(bits)
}

/// tcp `--tcp-flags MASK COMP`.
pub fn eval_tcp_flags(p: &Packet, v: &str) -> Truth {
    let Some((mask, comp)) = v.split_once(' ') else {
        return Truth::Unknown;
    };
    let (Some(mask), Some(comp)) = (tcp_flag_bits(mask), tcp_flag_bits(comp.trim())) else {
        return Truth::Unknown;
    };
    if p.fragment {
        return Truth::Unknown;
    }
    known(p.tcp_flags, |f| f & mask == comp)
}

/// tcp `--syn`: SYN set, RST, ACK and FIN clear.
pub fn eval_syn(p: &Packet, _: &str) -> Truth {
    eval_tcp_flags(p, "FIN,SYN,RST,ACK SYN")
}

/// ICMP type names that stand for a type with any code.
const ICMP_TYPE_NAMES: &[(&str, u8)] = &[
    ("echo-reply", 0),
    ("pong", 0),
    ("destination-unreachable", 3),
    ("source-quench", 4),
    ("redirect", 5),
    ("echo-request", 8),
    ("ping", 8),
    ("router-advertisement", 9),
    ("router-solicitation", 10),
    ("time-exceeded", 11),
    ("ttl-exceeded", 11),
    ("parameter-problem", 12),
    ("timestamp-request", 13),
    ("timestamp-reply", 14),
    ("address-mask-request", 17),
    ("address-mask-reply", 18),
];

/// ICMPv6 type names that stand for a type with any code.
const ICMP6_TYPE_NAMES: &[(&str, u8)] = &[
    ("destination-unreachable", 1),
    ("packet-too-big", 2),
    ("time-exceeded", 3),
    ("ttl-exceeded", 3),
    ("parameter-problem", 4),
    ("echo-request", 128),
    ("ping", 128),
    ("echo-reply", 129),
    ("pong", 129),
    ("router-solicitation", 133),
    ("router-advertisement", 134),
    ("neighbour-solicitation", 135),
    ("neighbor-solicitation", 135),
    ("neighbour-advertisement", 136),
    ("neighbor-advertisement", 136),
    ("redirect", 137),
];

fn icmp_type(p: &Packet, v: &str, names: &[(&str, u8)]) -> Truth {
    if v == "any" {
        return Truth::True;
    }
    // TYPE, TYPE/CODE, or a name for a type with every code; names for one code are not
    // decided here.
    let (ty, code) = match v.split_once('/') {
        Some((t, c)) => match (t.parse::<u8>(), c.parse::<u8>()) {
            (Ok(t), Ok(c)) => (t, Some(c)),
            _ => return Truth::Unknown,
        },
        None => match v.parse::<u8>() {
            Ok(t) => (t, None),
            Err(_) => match names.iter().find(|(n, _)| n.eq_ignore_ascii_case(v)) {
                Some(&(_, t)) => (t, None),
                None => return Truth::Unknown,
            },
        },
    };
    if p.fragment {
        return Truth::Unknown;
    }
    known(p.icmp, |(t, c)| {
        t == ty && code.is_none_or(|code| code == c)
    })
}

/// icmp `--icmp-type`. Type 255 is the kernel's "any type" (xt_icmp tests `type == 0xFF`
/// first; iptables-save prints `--icmp-type 255` and `255/N` as `any`), whatever the code.
pub fn eval_icmp_type(p: &Packet, v: &str) -> Truth {
    let ty = v.split_once('/').map_or(v, |(t, _)| t);
    if ty.parse::<u8>() == Ok(255) {
        return icmp_type(p, "any", ICMP_TYPE_NAMES);
    }
    icmp_type(p, v, ICMP_TYPE_NAMES)
}

/// icmp6 `--icmpv6-type`.
pub fn eval_icmpv6_type(p: &Packet, v: &str) -> Truth {
    icmp_type(p, v, ICMP6_TYPE_NAMES)
}

/// conntrack `--ctstate` and state `--state`: a comma list; the SNAT/DNAT pseudo-states are
/// not decided here.
pub fn eval_ctstate(p: &Packet, v: &str) -> Truth {
    let mut states = Vec::new();
    for name in v.split(',') {
        match CtState::from_name(name) {
            Some(s) => states.push(s),
            None => return Truth::Unknown,
        }
    }
    known(p.state, |s| states.contains(&s))
}

fn range_contains(addr: Option<IpAddr>, v: &str) -> Truth {
    let (a, b) = match v.split_once('-') {
        Some((a, b)) => (a.parse::<IpAddr>(), b.parse::<IpAddr>()),
        None => (v.parse(), v.parse()),
    };
    let (Ok(a), Ok(b)) = (a, b) else {
        return Truth::Unknown;
    };
    known(addr, |x| a <= x && x <= b && a.is_ipv6() == x.is_ipv6())
}

/// iprange `--src-range`.
pub fn eval_src_range(p: &Packet, v: &str) -> Truth {
    range_contains(p.src, v)
}

/// iprange `--dst-range`.
pub fn eval_dst_range(p: &Packet, v: &str) -> Truth {
    range_contains(p.dst, v)
}

/// `VALUE[/MASK]` as iptables reads marks (decimal or 0x hex).
pub fn parse_mark(v: &str) -> Option<(u32, u32)> {
    fn n(s: &str) -> Option<u32> {
        match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => s.parse().ok(),
        }
    }
    match v.split_once('/') {
        Some((a, m)) => Some((n(a)?, n(m)?)),
        None => Some((n(v)?, u32::MAX)),
    }
}

fn mark_is(mark: Option<u32>, v: &str) -> Truth {
    let Some((value, mask)) = parse_mark(v) else {
        return Truth::Unknown;
    };
    known(mark, |m| m & mask == value)
}

/// mark `--mark`.
pub fn eval_mark(p: &Packet, v: &str) -> Truth {
    mark_is(p.mark, v)
}

/// connmark `--mark`.
pub fn eval_connmark(p: &Packet, v: &str) -> Truth {
    mark_is(p.ctmark, v)
}

/// set `--match-set NAME FLAGS`: as the packet says for that set, else unknown.
pub fn eval_match_set(p: &Packet, v: &str) -> Truth {
    let name = v.split_whitespace().next().unwrap_or_default();
    p.sets
        .iter()
        .find(|(n, _)| n == name)
        .map_or(Truth::Unknown, |&(_, m)| Truth::from_bool(m))
}

/// What a target does to a packet, as the traversal needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Not described: a packet reaching it has an unknown fate.
    Unknown,
    /// Ends the traversal of this table: the packet goes on to the next table or hook.
    Accept,
    /// Ends it for good, silently.
    Drop,
    /// Ends it for good, answering with an error.
    Reject,
    /// Back to the calling chain (the policy in a built-in chain).
    Return,
    /// Records the packet (LOG, NFLOG, …) and goes on with the next rule.
    Continue,
    /// A NAT target: changes addresses or ports, then ends the table like ACCEPT.
    Nat(NatKind),
    /// MARK: changes the packet mark, goes on.
    Mark,
    /// CONNMARK: changes the connection mark or copies between marks, goes on.
    ConnMark,
}

/// Which NAT target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatKind {
    /// `--to-destination`.
    Dnat,
    /// `--to-source`.
    Snat,
    /// The outgoing interface's address.
    Masquerade,
    /// The incoming interface's address, `--to-ports`.
    Redirect,
}

/// `ADDR[:PORT]` or `[ADDR6]:PORT` with one address and at most one port; `None` for ranges
/// (the kernel picks one), which the caller reports as unknown.
pub fn single_nat_address(v: &str) -> Option<(Option<IpAddr>, Option<u16>)> {
    let (addr, port) = if let Some(rest) = v.strip_prefix('[') {
        let (a, p) = rest.split_once(']')?;
        (a, p.strip_prefix(':'))
    } else if v.matches(':').count() == 1 {
        let (a, p) = v.split_once(':')?;
        (a, Some(p))
    } else {
        (v, None)
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    let addr = if addr.is_empty() {
        None
    } else {
        Some(addr.parse::<IpAddr>().ok()?)
    };
    Some((addr, port))
}

impl Packet {
    /// Applies a target's options to the packet. `Err` names what cannot be followed offline.
    pub fn apply(
        &mut self,
        effect: Effect,
        options: &[(&str, Option<&str>)],
    ) -> Result<(), String> {
        let get = |name: &str| {
            options
                .iter()
                .find(|(k, _)| crate::spec::eq_key(k, name))
                .map(|(_, v)| v.unwrap_or(""))
        };
        let unsupported = |what: &str| Err(format!("{what} is not followed offline"));
        match effect {
            Effect::Nat(NatKind::Dnat) | Effect::Nat(NatKind::Snat) => {
                let dnat = effect == Effect::Nat(NatKind::Dnat);
                let key = if dnat { "to-destination" } else { "to-source" };
                if options.len() != 1 {
                    return unsupported(&format!("--{key} with other options"));
                }
                let Some((addr, port)) = get(key).and_then(single_nat_address) else {
                    return unsupported(&format!("--{key} with a range"));
                };
                let (a, pt) = if dnat {
                    (&mut self.dst, &mut self.dport)
                } else {
                    (&mut self.src, &mut self.sport)
                };
                if let Some(addr) = addr {
                    *a = Some(addr);
                }
                if port.is_some() {
                    *pt = port;
                }
                Ok(())
            }
            Effect::Nat(NatKind::Masquerade) => {
                // The address depends on the interface: later matches on it are unknown.
                self.src = None;
                if options
                    .iter()
                    .any(|(k, _)| crate::spec::eq_key(k, "to-ports"))
                {
                    self.sport = None;
                }
                Ok(())
            }
            Effect::Nat(NatKind::Redirect) => {
                self.dst = None;
                match get("to-ports") {
                    None => {}
                    Some(p) => match p.parse::<u16>() {
                        Ok(p) => self.dport = Some(p),
                        Err(_) => self.dport = None,
                    },
                }
                Ok(())
            }
            Effect::Mark => {
                let [(key, Some(v))] = options else {
                    return unsupported("MARK with these options");
                };
                let mark = self.mark.ok_or("the packet's mark is unknown")?;
                let key = key.replace('_', "-");
                let n = |v: &str| parse_mark(v).map(|(v, _)| v).ok_or("bad mark value");
                self.mark = Some(match key.as_str() {
                    "set-xmark" => {
                        let (v, m) = parse_mark(v).ok_or("bad mark value")?;
                        (mark & !m) ^ v
                    }
                    "set-mark" => {
                        let (v, m) = parse_mark(v).ok_or("bad mark value")?;
                        (mark & !m) | v
                    }
                    "and-mark" => mark & n(v)?,
                    "or-mark" => mark | n(v)?,
                    "xor-mark" => mark ^ n(v)?,
                    _ => return unsupported(&format!("MARK --{key}")),
                });
                Ok(())
            }
            Effect::ConnMark => {
                let [(key, v)] = options else {
                    return unsupported("CONNMARK with these options");
                };
                match (key.replace('_', "-").as_str(), v) {
                    ("set-xmark", Some(v)) | ("set-mark", Some(v)) => {
                        let ct = self.ctmark.ok_or("the connection's mark is unknown")?;
                        let (v, m) = parse_mark(v).ok_or("bad mark value")?;
                        self.ctmark = Some(if key.contains("xmark") {
                            (ct & !m) ^ v
                        } else {
                            (ct & !m) | v
                        });
                    }
                    ("save-mark", None) => self.ctmark = self.mark,
                    ("restore-mark", None) => self.mark = self.ctmark,
                    (k, _) => return unsupported(&format!("CONNMARK --{k}")),
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Packet {
        Packet::tcp(
            "10.0.0.5".parse().unwrap(),
            "192.0.2.1".parse().unwrap(),
            40000,
            22,
        )
    }

    #[test]
    fn addresses_ports_and_interfaces() {
        assert_eq!(eval_source(&p(), "10.0.0.0/8"), Truth::True);
        assert_eq!(eval_source(&p(), "10.0.0.6/31"), Truth::False);
        // iptables masks the host bits: 10.0.0.7/30 is 10.0.0.4/30.
        assert_eq!(eval_source(&p(), "10.0.0.7/30"), Truth::True);
        assert_eq!(eval_source(&p(), "example.org"), Truth::Unknown);
        assert_eq!(eval_dport(&p(), "20:30"), Truth::True);
        assert_eq!(eval_dport(&p(), "ssh"), Truth::True);
        assert_eq!(eval_dport(&p(), ":21"), Truth::False);
        assert_eq!(eval_dports(&p(), "80,10:22"), Truth::True);
        assert_eq!(eval_ports(&p(), "40000"), Truth::True);
        assert_eq!(eval_in_interface(&p(), "eth0"), Truth::Unknown);
        let q = p().in_interface("eth12");
        assert_eq!(eval_in_interface(&q, "eth+"), Truth::True);
        assert_eq!(eval_in_interface(&q, "eth1"), Truth::False);
        assert_eq!(eval_syn(&q, ""), Truth::True);
        assert_eq!(eval_tcp_flags(&q, "SYN,ACK ACK"), Truth::False);
        assert_eq!(eval_protocol(&q, "6"), Truth::True);
        assert_eq!(eval_protocol(&q, "udp"), Truth::False);
        assert_eq!(eval_protocol(&q, "all"), Truth::True);
    }

    #[test]
    fn icmp_type_255_is_any() {
        let echo = Packet::ping("10.0.0.5".parse().unwrap(), "192.0.2.1".parse().unwrap());
        assert_eq!(eval_icmp_type(&echo, "255"), Truth::True);
        assert_eq!(eval_icmp_type(&echo, "255/3"), Truth::True);
        assert_eq!(eval_icmp_type(&echo, "0"), Truth::False);
        // Not so for ICMPv6: 255 is a type like any other there.
        let echo6 = Packet::ping(
            "2001:db8::1".parse().unwrap(),
            "2001:db8::2".parse().unwrap(),
        );
        assert_eq!(eval_icmpv6_type(&echo6, "255"), Truth::False);
    }

    #[test]
    fn marks_and_nat() {
        let mut q = p().mark(0xf0);
        assert_eq!(eval_mark(&q, "0x10/0x10"), Truth::True);
        q.apply(Effect::Mark, &[("set-xmark", Some("0x1/0xff"))])
            .unwrap();
        assert_eq!(q.mark, Some(0x1));
        q.apply(
            Effect::Nat(NatKind::Dnat),
            &[("to-destination", Some("10.1.1.1:8080"))],
        )
        .unwrap();
        assert_eq!(
            (q.dst, q.dport),
            (Some("10.1.1.1".parse().unwrap()), Some(8080))
        );
        assert!(q
            .apply(
                Effect::Nat(NatKind::Dnat),
                &[("to-destination", Some("10.1.1.1-10.1.1.2"))]
            )
            .is_err());
        assert_eq!(
            single_nat_address("[2001:db8::1]:80"),
            Some((Some("2001:db8::1".parse().unwrap()), Some(80)))
        );
        assert_eq!(
            single_nat_address("2001:db8::1"),
            Some((Some("2001:db8::1".parse().unwrap()), None))
        );
    }
}
