//! A rule's match set as a box: one set of values per packet field (dimension), the rule
//! matching exactly the packets whose fields all lie in their sets.
//!
//! Every dimension is a set of inclusive `u128` ranges: addresses as numbers, ports with
//! one extra value for "no port" (a packet of a protocol without ports), interface names as
//! their 16 bytes big-endian (a `+` wildcard is then the range of names sharing the prefix),
//! conntrack states, ICMP type·256+code, TCP flag bytes, marks. A negated option is the
//! complement of its set within the values the option can see. The space is larger than
//! real packets (an ICMP packet with ports is in it), which only makes coverage harder to
//! prove, never wrong: each rule's box holds exactly the points of the real packets it
//! matches.
//!
//! The small dimensions (protocol, conntrack state, TCP flags, ICMP type and code) are read
//! from the catalog's evaluators themselves, value by value, so they cannot disagree with
//! [`crate::explain`]; addresses, ports, interfaces and marks are parsed as the evaluators
//! parse them (the unit tests compare the two on boundary values). An option this module
//! does not know, or a value an evaluator cannot decide, makes the rule unboxable: it then
//! neither covers nor is found covered.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use pyptables_catalog::packet::{parse_mark, CtState, Packet, Truth};
use pyptables_catalog::Family;

use super::{net, port, Opt};

/// Inclusive ranges, sorted, disjoint and not adjacent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Set(Vec<(u128, u128)>);

impl Set {
    fn range(lo: u128, hi: u128) -> Set {
        Set::from_ranges(vec![(lo, hi)])
    }

    fn point(v: u128) -> Set {
        Set(vec![(v, v)])
    }

    /// Normalised: empty ranges (lo > hi) dropped, overlapping and adjacent ones merged.
    fn from_ranges(mut v: Vec<(u128, u128)>) -> Set {
        v.retain(|&(a, b)| a <= b);
        v.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(v.len());
        for (a, b) in v {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Set(out)
    }

    /// The values of `0..=max` for which `f` holds; `None` when `f` cannot say for one.
    fn from_fn(max: u128, mut f: impl FnMut(u128) -> Option<bool>) -> Option<Set> {
        let mut ranges = Vec::new();
        let mut start = None;
        for v in 0..=max {
            match (f(v)?, start) {
                (true, None) => start = Some(v),
                (false, Some(s)) => {
                    ranges.push((s, v - 1));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            ranges.push((s, max));
        }
        Some(Set(ranges))
    }

    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn contains(&self, v: u128) -> bool {
        // Sets are short: a linear scan beats a binary search's branches.
        self.0.iter().any(|&(a, b)| a <= v && v <= b)
    }

    fn intersects(&self, o: &Set) -> bool {
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < o.0.len() {
            let (a, b) = (self.0[i], o.0[j]);
            if a.1 < b.0 {
                i += 1;
            } else if b.1 < a.0 {
                j += 1;
            } else {
                return true;
            }
        }
        false
    }

    fn intersect(&self, o: &Set) -> Set {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < o.0.len() {
            let (a, b) = (self.0[i], o.0[j]);
            let lo = a.0.max(b.0);
            let hi = a.1.min(b.1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        Set(out)
    }

    /// The values of `0..=max` not in the set.
    fn complement(&self, max: u128) -> Set {
        let mut out = Vec::new();
        let mut next = Some(0u128);
        for &(a, b) in &self.0 {
            if let Some(n) = next {
                if a > n {
                    out.push((n, a - 1));
                }
            }
            next = b.checked_add(1);
        }
        if let Some(n) = next {
            if n <= max {
                out.push((n, max));
            }
        }
        Set(out)
    }

    /// The values in the set and not in `o`.
    fn minus(&self, o: &Set) -> Set {
        self.intersect(&o.complement(u128::MAX))
    }

    /// Whether the set is all of `0..=max`.
    fn is_full(&self, max: u128) -> bool {
        self.0 == [(0, max)]
    }

    /// A value of the set, preferring `prefs` in order, then values near the start of its
    /// first ranges that `ok` accepts, then any.
    fn pick(&self, prefs: &[u128], ok: impl Fn(u128) -> bool) -> Option<u128> {
        if let Some(&p) = prefs.iter().find(|&&p| self.contains(p)) {
            return Some(p);
        }
        let near = self.0.iter().take(8).flat_map(|&(a, b)| {
            let mid = a + (b - a) / 2;
            [
                a.saturating_add(1).min(b),
                a,
                mid,
                b.saturating_sub(1).max(a),
                b,
            ]
        });
        let mut first = None;
        for v in near {
            if ok(v) {
                return Some(v);
            }
            first.get_or_insert(v);
        }
        first
    }
}

/// The dimensions, in the order of [`Region::dims`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dim {
    Protocol,
    Src,
    Dst,
    Sport,
    Dport,
    Icmp,
    Flags,
    In,
    Out,
    State,
    Fragment,
    Mark,
    CtMark,
}

const DIMS: usize = 13;

/// The "no port" value of the port dimensions (a protocol without ports).
const NO_PORT: u128 = 1 << 16;
/// The "no ICMP header" value of the ICMP dimension.
const NO_ICMP: u128 = 1 << 16;
/// The "no TCP header" value of the flags dimension.
const NO_FLAGS: u128 = 1 << 8;

/// The protocols whose matches have ports: tcp, udp, dccp, sctp, udplite (multiport).
const PORT_PROTOCOLS: [u128; 5] = [6, 17, 33, 132, 136];

/// The ICMP of the family: the protocol `--icmp-type` or `--icmpv6-type` is for.
fn icmp_protocol(family: Family) -> u128 {
    match family {
        Family::V4 => 1,
        Family::V6 => 58,
    }
}

/// The conntrack states, by their number in the state dimension.
const STATES: [CtState; 5] = [
    CtState::New,
    CtState::Established,
    CtState::Related,
    CtState::Invalid,
    CtState::Untracked,
];

impl Dim {
    /// The largest value of the dimension in `family`.
    fn max(self, family: Family) -> u128 {
        match self {
            Dim::Protocol => 255,
            Dim::Src | Dim::Dst => match family {
                Family::V4 => u32::MAX.into(),
                Family::V6 => u128::MAX,
            },
            Dim::Sport | Dim::Dport => NO_PORT,
            Dim::Icmp => NO_ICMP,
            Dim::Flags => NO_FLAGS,
            Dim::In | Dim::Out => u128::MAX,
            Dim::State => STATES.len() as u128 - 1,
            Dim::Fragment => 1,
            Dim::Mark | Dim::CtMark => u32::MAX.into(),
        }
    }

    /// The largest value an option on this dimension can see: a port, ICMP or TCP flags
    /// option needs the header, so its negation does not take in "no header".
    fn seen_max(self, family: Family) -> u128 {
        match self {
            Dim::Sport | Dim::Dport => NO_PORT - 1,
            Dim::Icmp => NO_ICMP - 1,
            Dim::Flags => NO_FLAGS - 1,
            d => d.max(family),
        }
    }

    /// Whether the kernel's match for this dimension fails on non-first fragments, negated
    /// or not (the header is not in the fragment).
    fn needs_header(self) -> bool {
        matches!(self, Dim::Sport | Dim::Dport | Dim::Icmp | Dim::Flags)
    }
}

/// The sets of values the evaluators were asked for, by (dimension, value): protocols,
/// states and ICMP types repeat across a chain.
pub(super) type Cache<'a> = HashMap<(u8, &'a str), Option<Set>>;

/// A box: per dimension the set of values, `None` for all of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Region {
    family: Family,
    dims: [Option<Set>; DIMS],
    /// A port or TCP flags match read the transport header.
    transport: bool,
    /// Per dimension, the smallest range holding its set as [`Region::of`] and
    /// [`Region::tight`] made it: still holding it in every part cut from the box, so a
    /// quick test of whether two boxes can share a packet.
    hull: [(u128, u128); DIMS],
}

impl Region {
    fn full(family: Family) -> Region {
        Region {
            family,
            dims: Default::default(),
            transport: false,
            hull: std::array::from_fn(|i| (0, dim_at(i).max(family))),
        }
    }

    /// The box of a rule with options `opts`, or `None` when one of them cannot be put in
    /// one (see the module docs).
    pub(super) fn of<'a>(
        family: Family,
        opts: &[Opt<'a>],
        cache: &mut Cache<'a>,
    ) -> Option<Region> {
        let mut r = Region::full(family);
        let mut transport = false;
        for o in opts {
            let Some((dim, set)) = option_set(family, o, cache)? else {
                continue;
            };
            let set = if o.negated {
                set.complement(dim.seen_max(family))
            } else {
                set
            };
            r.narrow(dim, set);
            if dim.needs_header() {
                r.narrow(Dim::Fragment, Set::point(0));
                transport |= dim != Dim::Icmp;
            }
        }
        r.transport = transport;
        Some(r)
    }

    /// The same box without points no real packet has, for a rule that is checked for
    /// coverage (a covering rule keeps them: more impossible points in a covering box, fewer
    /// in a covered one, both only make coverage easier to prove, never wrong). A packet's
    /// point has real ports (and TCP flags) only when a port match can read them — a TCP,
    /// UDP, DCCP or SCTP packet that is not a later fragment — and "no port" otherwise; so a
    /// rule whose match read the header saw real ports, and a rule for protocols without
    /// ports sees none.
    pub(super) fn tight(&self) -> Region {
        let mut r = self.clone();
        let protocols = r.get(Dim::Protocol).cloned().unwrap_or(Set::range(0, 255));
        let real = |max: u128| Set::range(0, max - 1);
        if self.transport {
            r.narrow(Dim::Sport, real(NO_PORT));
            r.narrow(Dim::Dport, real(NO_PORT));
            if protocols == Set::point(6) {
                r.narrow(Dim::Flags, real(NO_FLAGS));
            }
        }
        let port_protocols = Set::from_ranges(PORT_PROTOCOLS.map(|p| (p, p)).to_vec());
        if !protocols.intersects(&port_protocols) {
            r.narrow(Dim::Sport, Set::point(NO_PORT));
            r.narrow(Dim::Dport, Set::point(NO_PORT));
        }
        if !protocols.contains(6) {
            r.narrow(Dim::Flags, Set::point(NO_FLAGS));
        }
        if !protocols.contains(icmp_protocol(self.family)) {
            r.narrow(Dim::Icmp, Set::point(NO_ICMP));
        }
        r
    }

    fn narrow(&mut self, dim: Dim, set: Set) {
        let d = &mut self.dims[dim as usize];
        let new = match d.take() {
            None => set,
            Some(old) => old.intersect(&set),
        };
        // An empty set's hull is an empty range (lo > hi).
        self.hull[dim as usize] = match (new.0.first(), new.0.last()) {
            (Some(a), Some(b)) => (a.0, b.1),
            _ => (1, 0),
        };
        *d = (!new.is_full(dim.max(self.family))).then_some(new);
    }

    fn get(&self, dim: Dim) -> Option<&Set> {
        self.dims[dim as usize].as_ref()
    }

    /// Whether no packet is in the box.
    pub(super) fn is_empty(&self) -> bool {
        self.dims.iter().flatten().any(Set::is_empty)
    }

    /// Whether every packet is in the box.
    pub(super) fn is_full(&self) -> bool {
        self.dims.iter().all(Option::is_none)
    }

    /// 32 or 128.
    pub(super) fn address_bits(&self) -> u8 {
        match self.family {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    /// The source dimension's ranges, `None` for every address.
    pub(super) fn sources(&self) -> Option<&[(u128, u128)]> {
        self.get(Dim::Src).map(|s| s.0.as_slice())
    }

    /// Whether some packet is in both boxes.
    pub(super) fn intersects(&self, o: &Region) -> bool {
        // The hulls first: a long chain checks many pairs, most of them apart.
        let apart = self
            .hull
            .iter()
            .zip(&o.hull)
            .any(|(a, b)| a.0 > b.1 || b.0 > a.1 || a.0 > a.1 || b.0 > b.1);
        if apart {
            return false;
        }
        self.dims.iter().zip(&o.dims).all(|pair| match pair {
            (Some(a), Some(b)) => a.intersects(b),
            (Some(a), None) | (None, Some(a)) => !a.is_empty(),
            (None, None) => true,
        })
    }

    /// The packets in both boxes.
    pub(super) fn intersect(&self, o: &Region) -> Region {
        let mut r = self.clone();
        for (i, d) in o.dims.iter().enumerate() {
            if let Some(s) = d {
                r.dims[i] = Some(match &r.dims[i] {
                    Some(mine) => mine.intersect(s),
                    None => s.clone(),
                });
            }
        }
        r
    }

    /// Pushes the boxes that together hold the packets of `self` not in `o` (at most one per
    /// dimension `o` restricts) onto `out`; says whether the two boxes share a packet.
    pub(super) fn minus(&self, o: &Region, out: &mut Vec<Region>) -> bool {
        if !self.intersects(o) {
            out.push(self.clone());
            return false;
        }
        // Peel off one dimension at a time: the part outside `o` in that dimension, then go
        // on with the part inside.
        let mut rest = self.clone();
        for (i, d) in o.dims.iter().enumerate() {
            let Some(s) = d else { continue };
            let (outside, inside) = match &rest.dims[i] {
                Some(mine) => (mine.minus(s), mine.intersect(s)),
                None => (s.complement(dim_at(i).max(self.family)), s.clone()),
            };
            if !outside.is_empty() {
                let mut piece = rest.clone();
                piece.dims[i] = Some(outside);
                out.push(piece);
            }
            rest.dims[i] = Some(inside);
        }
        true
    }

    /// A real packet in the box, built from "nice" values where the box allows them (TCP to
    /// port 80 from 40000, state NEW, marks 0, a documentation address, an interface named in
    /// `names`, `eth0`, `eth1`, `wan0`); `None` when none is found. The caller checks it with the evaluator.
    pub(super) fn witness(&self, names: &[&str]) -> Option<Packet> {
        let v6 = self.family == Family::V6;
        let all = Set::range(0, 255);
        let protocols = self.get(Dim::Protocol).unwrap_or(&all);
        let icmp = if v6 { 58 } else { 1 };
        let mut tries: Vec<u128> = [6, 17, icmp]
            .into_iter()
            .filter(|&p| protocols.contains(p))
            .collect();
        tries.extend(protocols.0.iter().take(4).map(|r| r.0));
        let fragments = self.get(Dim::Fragment).map_or(vec![false, true], |s| {
            [false, true]
                .into_iter()
                .filter(|&f| s.contains(f.into()))
                .collect()
        });
        tries.into_iter().find_map(|proto| {
            fragments
                .iter()
                .find_map(|&fragment| self.packet(proto as u8, fragment, names))
        })
    }

    /// A packet of protocol `proto` in the box; a later fragment (no ports, flags or ICMP
    /// type) when `fragment`.
    fn packet(&self, proto: u8, fragment: bool, names: &[&str]) -> Option<Packet> {
        let v6 = self.family == Family::V6;
        let addr = |dim: Dim, pref: &str| -> Option<IpAddr> {
            let pref = to_number(pref.parse().ok()?);
            let prefs = [
                pref,
                to_number(
                    if v6 { "2001:db8::10" } else { "203.0.113.10" }
                        .parse()
                        .ok()?,
                ),
            ];
            let v = match self.get(dim) {
                None => pref,
                Some(s) => s.pick(&prefs, |v| usable(from_number(v, v6)))?,
            };
            Some(from_number(v, v6))
        };
        let (src, dst) = if v6 {
            (
                addr(Dim::Src, "2001:db8::1")?,
                addr(Dim::Dst, "2001:db8::2")?,
            )
        } else {
            (
                addr(Dim::Src, "192.0.2.1")?,
                addr(Dim::Dst, "198.51.100.1")?,
            )
        };
        let mut p = Packet::new(proto, src, dst);
        // Picks a value of `dim` that is a real header field (not its "absent" value) when
        // `present`, else requires the "absent" value to be allowed.
        let field =
            |dim: Dim, absent: u128, present: bool, prefs: &[u128]| -> Option<Option<u128>> {
                let s = self.get(dim);
                if present {
                    let real = Set::range(0, absent - 1);
                    let s = s.map_or(real.clone(), |s| s.intersect(&real));
                    s.pick(prefs, |_| true).map(Some)
                } else if s.is_none_or(|s| s.contains(absent)) {
                    Some(None)
                } else {
                    None
                }
            };
        p.fragment = fragment;
        let ports = PORT_PROTOCOLS.contains(&proto.into()) && !fragment;
        let n16 = |v: Option<u128>| v.map(|v| v as u16);
        p.sport = n16(field(Dim::Sport, NO_PORT, ports, &[40000])?);
        p.dport = n16(field(Dim::Dport, NO_PORT, ports, &[80, 22, 443])?);
        let is_icmp = u128::from(proto) == icmp_protocol(self.family);
        let echo = if v6 { 128 << 8 } else { 8 << 8 };
        p.icmp = field(Dim::Icmp, NO_ICMP, is_icmp && !fragment, &[echo])?
            .map(|v| ((v >> 8) as u8, v as u8));
        p.tcp_flags =
            field(Dim::Flags, NO_FLAGS, proto == 6 && !fragment, &[0x02])?.map(|v| v as u8);
        let iface = |dim: Dim| -> Option<Option<String>> {
            let Some(s) = self.get(dim) else {
                return Some(None);
            };
            let prefs: Vec<u128> = names
                .iter()
                .chain(&["eth0", "eth1", "wan0"])
                .filter_map(|n| iface_number(n))
                .collect();
            let v = s.pick(&prefs, |v| iface_name(v).is_some())?;
            iface_name(v).map(Some)
        };
        p.in_interface = iface(Dim::In)?;
        p.out_interface = iface(Dim::Out)?;
        let pick = |dim: Dim, pref: u128| match self.get(dim) {
            None => Some(pref),
            Some(s) => s.pick(&[pref], |_| true),
        };
        p.state = Some(STATES[pick(Dim::State, 0)? as usize]);
        p.mark = Some(pick(Dim::Mark, 0)? as u32);
        p.ctmark = Some(pick(Dim::CtMark, 0)? as u32);
        Some(p)
    }
}

fn dim_at(i: usize) -> Dim {
    [
        Dim::Protocol,
        Dim::Src,
        Dim::Dst,
        Dim::Sport,
        Dim::Dport,
        Dim::Icmp,
        Dim::Flags,
        Dim::In,
        Dim::Out,
        Dim::State,
        Dim::Fragment,
        Dim::Mark,
        Dim::CtMark,
    ][i]
}

/// An address a test host can send from or to: not unspecified, loopback, multicast or
/// (IPv4) reserved, not IPv4-mapped.
fn usable(a: IpAddr) -> bool {
    match a {
        IpAddr::V4(a) => {
            let o = a.octets()[0];
            !(o == 0 || o == 127 || o >= 224 || a.is_link_local())
        }
        IpAddr::V6(a) => {
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || a.to_ipv4_mapped().is_some()
                || (a.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

fn to_number(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(a) => u32::from(a).into(),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn from_number(v: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(v))
    } else {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    }
}

/// An interface name as a number: its bytes, big-endian, padded with zeros to 16.
fn iface_number(name: &str) -> Option<u128> {
    let b = name.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..b.len()].copy_from_slice(b);
    Some(u128::from_be_bytes(buf))
}

/// The interface name a number stands for, when it is one the kernel allows (1-15 bytes,
/// no NUL inside, printable, no `/` or space).
fn iface_name(v: u128) -> Option<String> {
    let buf = v.to_be_bytes();
    let len = buf.iter().position(|&b| b == 0).unwrap_or(16);
    if len == 0 || len > 15 || buf[len..].iter().any(|&b| b != 0) {
        return None;
    }
    let name = std::str::from_utf8(&buf[..len]).ok()?;
    name.bytes()
        .all(|b| b.is_ascii_graphic() && b != b'/')
        .then(|| name.to_string())
}

/// The names `-i VALUE` matches: one name, or with a trailing `+` every name that starts
/// with the rest.
fn iface_set(v: &str) -> Option<Set> {
    match v.strip_suffix('+') {
        None => iface_number(v).map(Set::point),
        Some(prefix) => {
            let lo = iface_number(prefix)?;
            let free_bits = 8 * (16 - prefix.len() as u32);
            let hi = if free_bits >= 128 {
                u128::MAX
            } else {
                lo | ((1u128 << free_bits) - 1)
            };
            Some(Set::range(lo, hi))
        }
    }
}

/// An address prefix or single address, as the evaluator reads it (host bits masked).
fn addr_set(family: Family, v: &str) -> Option<Set> {
    let n: IpNet = net(v)?;
    let same = matches!(
        (n, family),
        (IpNet::V4(_), Family::V4) | (IpNet::V6(_), Family::V6)
    );
    if !same {
        return None;
    }
    Some(Set::range(to_number(n.network()), to_number(n.broadcast())))
}

/// `A-B` or one address, as iprange reads it.
fn addr_range(family: Family, v: &str) -> Option<Set> {
    let (a, b) = v.split_once('-').unwrap_or((v, v));
    let (a, b): (IpAddr, IpAddr) = (a.parse().ok()?, b.parse().ok()?);
    let v6 = family == Family::V6;
    if a.is_ipv6() != v6 || b.is_ipv6() != v6 {
        return None;
    }
    Some(Set::range(to_number(a), to_number(b)))
}

/// A port range `a`, `a:b`, `:b`, `a:` (one item, no commas).
fn port_range(v: &str) -> Option<(u128, u128)> {
    let (lo, hi) = match v.split_once(':') {
        None => {
            let p = port(v)?;
            (p, p)
        }
        Some((a, b)) => (
            if a.is_empty() { 0 } else { port(a)? },
            if b.is_empty() { 65535 } else { port(b)? },
        ),
    };
    Some((lo.into(), hi.into()))
}

/// A mark match `VALUE[/MASK]` (`m & MASK == VALUE`) as a set, when it is one range: a full
/// mask, or a mask of high bits only.
fn mark_set(v: &str) -> Option<Set> {
    let (value, mask) = parse_mark(v)?;
    let low = !mask;
    // The mask must be ones then zeros: its complement plus one is a power of two (or 0).
    if low & low.wrapping_add(1) != 0 {
        return None;
    }
    if value & low != 0 {
        return Some(Set(Vec::new()));
    }
    Some(Set::range(value.into(), (value | low).into()))
}

/// Asks the option's own evaluator for every value of a small dimension.
fn by_evaluator(o: &Opt<'_>, dim: Dim, family: Family) -> Option<Set> {
    let eval = o.eval?;
    let addr: IpAddr = match family {
        Family::V4 => Ipv4Addr::UNSPECIFIED.into(),
        Family::V6 => Ipv6Addr::UNSPECIFIED.into(),
    };
    let mut p = Packet::new(0, addr, addr);
    let truth = |t: Truth| match t {
        Truth::True => Some(true),
        Truth::False => Some(false),
        Truth::Unknown => None,
    };
    match dim {
        Dim::Protocol => Set::from_fn(255, |v| {
            p.protocol = Some(v as u8);
            truth(eval(&p, o.value))
        }),
        Dim::State => Set::from_fn(STATES.len() as u128 - 1, |v| {
            p.state = Some(STATES[v as usize]);
            truth(eval(&p, o.value))
        }),
        Dim::Flags => {
            p.protocol = Some(6);
            Set::from_fn(NO_FLAGS - 1, |v| {
                p.tcp_flags = Some(v as u8);
                truth(eval(&p, o.value))
            })
        }
        Dim::Icmp => {
            p.protocol = Some(if family == Family::V6 { 58 } else { 1 });
            Set::from_fn(NO_ICMP - 1, |v| {
                p.icmp = Some(((v >> 8) as u8, v as u8));
                truth(eval(&p, o.value))
            })
        }
        _ => None,
    }
}

/// The dimension and set of values option `o` allows (before `!`): `Ok(None)` for an
/// option that allows everything (a comment), `None` for one that cannot be boxed.
fn option_set<'a>(
    family: Family,
    o: &Opt<'a>,
    cache: &mut Cache<'a>,
) -> Option<Option<(Dim, Set)>> {
    if !o.definite {
        return None;
    }
    o.eval?;
    let small = |dim: Dim, cache: &mut Cache<'a>| -> Option<Option<(Dim, Set)>> {
        let set = cache
            .entry((dim as u8, o.value))
            .or_insert_with(|| by_evaluator(o, dim, family))
            .clone()?;
        Some(Some((dim, set)))
    };
    let some = |dim: Dim, set: Option<Set>| set.map(|s| Some((dim, s)));
    match (o.module, o.name) {
        (_, "comment") => Some(None),
        (None, "protocol") => small(Dim::Protocol, cache),
        (None, "source") => some(Dim::Src, addr_set(family, o.value)),
        (None, "destination") => some(Dim::Dst, addr_set(family, o.value)),
        (None, "in-interface") => some(Dim::In, iface_set(o.value)),
        (None, "out-interface") => some(Dim::Out, iface_set(o.value)),
        (None, "fragment") => some(Dim::Fragment, Some(Set::point(1))),
        (Some("tcp" | "udp" | "sctp" | "dccp"), "sport" | "dport") => {
            if o.value.contains(',') {
                return None;
            }
            let dim = if o.name == "sport" {
                Dim::Sport
            } else {
                Dim::Dport
            };
            some(dim, port_range(o.value).map(|(a, b)| Set::range(a, b)))
        }
        (Some("multiport"), "sports" | "dports") => {
            let dim = if o.name == "sports" {
                Dim::Sport
            } else {
                Dim::Dport
            };
            let ranges: Option<Vec<_>> = o.value.split(',').map(port_range).collect();
            some(dim, ranges.map(Set::from_ranges))
        }
        (Some("tcp"), "syn" | "tcp-flags") => small(Dim::Flags, cache),
        (Some("icmp"), "icmp-type") | (Some("icmp6"), "icmpv6-type") => small(Dim::Icmp, cache),
        (Some("conntrack"), "ctstate") | (Some("state"), "state") => small(Dim::State, cache),
        (Some("iprange"), "src-range") => some(Dim::Src, addr_range(family, o.value)),
        (Some("iprange"), "dst-range") => some(Dim::Dst, addr_range(family, o.value)),
        (Some("mark"), "mark") => some(Dim::Mark, mark_set(o.value)),
        (Some("connmark"), "mark") => some(Dim::CtMark, mark_set(o.value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyptables_catalog::packet as ev;

    fn set(v: &[(u128, u128)]) -> Set {
        Set::from_ranges(v.to_vec())
    }

    #[test]
    fn sets() {
        let a = set(&[(0, 9), (20, 29)]);
        let b = set(&[(5, 24)]);
        assert_eq!(a.intersect(&b), set(&[(5, 9), (20, 24)]));
        assert_eq!(a.minus(&b), set(&[(0, 4), (25, 29)]));
        assert_eq!(a.complement(40), set(&[(10, 19), (30, 40)]));
        assert_eq!(set(&[(0, u128::MAX)]).complement(u128::MAX), set(&[]));
        assert_eq!(set(&[(3, 4), (5, 7), (9, 8)]), set(&[(3, 7)]));
        assert!(a.intersects(&b) && !a.intersects(&set(&[(10, 19)])));
    }

    fn opt(
        module: Option<&'static str>,
        name: &'static str,
        value: &'static str,
        eval: ev::OptionEval,
    ) -> Opt<'static> {
        Opt {
            module,
            name,
            negated: false,
            value,
            definite: true,
            eval: Some(eval),
        }
    }

    /// The parsed sets agree with the evaluators on values at and around their edges.
    #[test]
    fn parsed_sets_agree_with_the_evaluators() {
        let mut cache = Cache::new();
        let v4 = |s: &str| -> IpAddr { s.parse().unwrap() };
        let cases: Vec<(Opt<'static>, Vec<Packet>)> = {
            let base = Packet::tcp(v4("10.0.0.1"), v4("10.0.0.2"), 1, 1);
            let srcs = [
                "10.0.0.0",
                "9.255.255.255",
                "10.255.255.255",
                "11.0.0.0",
                "10.1.2.3",
            ];
            let with_src = |a: &str| {
                let mut p = base.clone();
                p.src = Some(v4(a));
                p
            };
            let ports = [0u16, 1, 21, 22, 23, 79, 80, 81, 1023, 1024, 65535];
            let with_dport = |d: u16| {
                let mut p = base.clone();
                p.dport = Some(d);
                p
            };
            let names = ["eth0", "eth", "eth00", "eti", "et", "e", "wan0", "eth+"];
            let with_in = |n: &str| base.clone().in_interface(n);
            let marks = [
                0u32,
                1,
                0x10,
                0x1f,
                0x20,
                0xffff,
                0x10000,
                0x1ffff,
                u32::MAX,
            ];
            let with_mark = |m: u32| base.clone().mark(m);
            vec![
                (
                    opt(None, "source", "10.0.0.0/8", ev::eval_source),
                    srcs.iter().map(|a| with_src(a)).collect(),
                ),
                (
                    opt(None, "source", "10.1.2.7/30", ev::eval_source),
                    srcs.iter().map(|a| with_src(a)).collect(),
                ),
                (
                    opt(None, "source", "10.1.2.3", ev::eval_source),
                    srcs.iter().map(|a| with_src(a)).collect(),
                ),
                (
                    opt(Some("tcp"), "dport", "22:80", ev::eval_dport),
                    ports.iter().map(|&d| with_dport(d)).collect(),
                ),
                (
                    opt(Some("tcp"), "dport", ":1023", ev::eval_dport),
                    ports.iter().map(|&d| with_dport(d)).collect(),
                ),
                (
                    opt(Some("tcp"), "dport", "1024:", ev::eval_dport),
                    ports.iter().map(|&d| with_dport(d)).collect(),
                ),
                (
                    opt(Some("tcp"), "dport", "ssh", ev::eval_dport),
                    ports.iter().map(|&d| with_dport(d)).collect(),
                ),
                (
                    opt(
                        Some("multiport"),
                        "dports",
                        "21:23,80,1000:1024",
                        ev::eval_dports,
                    ),
                    ports.iter().map(|&d| with_dport(d)).collect(),
                ),
                (
                    opt(None, "in-interface", "eth0", ev::eval_in_interface),
                    names.iter().map(|n| with_in(n)).collect(),
                ),
                (
                    opt(None, "in-interface", "eth+", ev::eval_in_interface),
                    names.iter().map(|n| with_in(n)).collect(),
                ),
                (
                    opt(None, "in-interface", "+", ev::eval_in_interface),
                    names.iter().map(|n| with_in(n)).collect(),
                ),
                (
                    opt(Some("mark"), "mark", "0x10", ev::eval_mark),
                    marks.iter().map(|&m| with_mark(m)).collect(),
                ),
                (
                    opt(Some("mark"), "mark", "0x10000/0xffff0000", ev::eval_mark),
                    marks.iter().map(|&m| with_mark(m)).collect(),
                ),
                (
                    opt(
                        Some("iprange"),
                        "src-range",
                        "10.0.0.0-10.1.2.3",
                        ev::eval_src_range,
                    ),
                    srcs.iter().map(|a| with_src(a)).collect(),
                ),
            ]
        };
        for (o, packets) in cases {
            let r = Region::of(Family::V4, std::slice::from_ref(&o), &mut cache)
                .unwrap_or_else(|| panic!("{} {} boxes", o.name, o.value));
            for p in packets {
                let want = (o.eval.unwrap())(&p, o.value) == Truth::True;
                assert_eq!(r.holds(&p), want, "{} {}: {p:?}", o.name, o.value);
            }
        }
    }

    #[test]
    fn small_dimensions_come_from_the_evaluators() {
        let mut cache = Cache::new();
        let tcp = opt(None, "protocol", "tcp", ev::eval_protocol);
        let r = Region::of(Family::V4, &[tcp], &mut cache).unwrap();
        assert_eq!(r.get(Dim::Protocol), Some(&Set::point(6)));
        let mut state = opt(
            Some("conntrack"),
            "ctstate",
            "NEW,RELATED",
            ev::eval_ctstate,
        );
        state.negated = true;
        let r = Region::of(Family::V4, &[state], &mut cache).unwrap();
        assert_eq!(r.get(Dim::State), Some(&set(&[(1, 1), (3, 4)])));
        let syn = opt(Some("tcp"), "syn", "", ev::eval_syn);
        let r = Region::of(Family::V4, &[syn], &mut cache).unwrap();
        assert_eq!(r.get(Dim::Fragment), Some(&Set::point(0)));
        // SYN set, FIN, RST, ACK clear: 2 of the 4 free bits (PSH, URG, ECE, CWR) give 16.
        assert_eq!(
            r.get(Dim::Flags)
                .unwrap()
                .0
                .iter()
                .map(|(a, b)| b - a + 1)
                .sum::<u128>(),
            16
        );
        let echo = opt(
            Some("icmp"),
            "icmp-type",
            "echo-request",
            ev::eval_icmp_type,
        );
        let r = Region::of(Family::V4, &[echo], &mut cache).unwrap();
        assert_eq!(r.get(Dim::Icmp), Some(&Set::range(8 << 8, (8 << 8) + 255)));
        // SNAT is not decided offline: not boxed.
        let snat = opt(Some("conntrack"), "ctstate", "SNAT", ev::eval_ctstate);
        assert_eq!(Region::of(Family::V4, &[snat], &mut cache), None);
    }

    #[test]
    fn difference_covers_exactly() {
        let mut cache = Cache::new();
        let r = |opts: &[Opt<'static>], cache: &mut Cache<'static>| {
            Region::of(Family::V4, opts, cache).unwrap()
        };
        let l = r(
            &[
                opt(None, "protocol", "tcp", ev::eval_protocol),
                opt(Some("tcp"), "dport", "22", ev::eval_dport),
            ],
            &mut cache,
        );
        let half = |v: &'static str, cache: &mut Cache<'static>| {
            r(&[opt(None, "source", v, ev::eval_source)], cache)
        };
        let (a, b) = (
            half("0.0.0.0/1", &mut cache),
            half("128.0.0.0/1", &mut cache),
        );
        let mut out = Vec::new();
        assert!(l.minus(&a, &mut out));
        assert_eq!(out.len(), 1);
        let mut rest = Vec::new();
        assert!(out[0].minus(&b, &mut rest));
        assert!(rest.is_empty());
    }

    impl Region {
        /// Whether packet `p` is in the box (for the tests: the box's own membership).
        fn holds(&self, p: &Packet) -> bool {
            let v6 = self.family == Family::V6;
            let point = |d: Dim| -> u128 {
                match d {
                    Dim::Protocol => p.protocol.unwrap_or(0).into(),
                    Dim::Src => p.src.map_or(0, to_number),
                    Dim::Dst => p.dst.map_or(0, to_number),
                    Dim::Sport => p.sport.map_or(NO_PORT, u128::from),
                    Dim::Dport => p.dport.map_or(NO_PORT, u128::from),
                    Dim::Icmp => p
                        .icmp
                        .map_or(NO_ICMP, |(t, c)| (u128::from(t) << 8) | u128::from(c)),
                    Dim::Flags => p.tcp_flags.map_or(NO_FLAGS, u128::from),
                    Dim::In => p
                        .in_interface
                        .as_deref()
                        .and_then(iface_number)
                        .unwrap_or(0),
                    Dim::Out => p
                        .out_interface
                        .as_deref()
                        .and_then(iface_number)
                        .unwrap_or(0),
                    Dim::State => {
                        STATES.iter().position(|s| Some(*s) == p.state).unwrap_or(0) as u128
                    }
                    Dim::Fragment => p.fragment.into(),
                    Dim::Mark => p.mark.unwrap_or(0).into(),
                    Dim::CtMark => p.ctmark.unwrap_or(0).into(),
                }
            };
            let _ = v6;
            (0..DIMS).all(|i| {
                self.dims[i]
                    .as_ref()
                    .is_none_or(|s| s.contains(point(dim_at(i))))
            })
        }
    }
}
