//! The nftables form of each catalog entry, and of a whole rule.
//!
//! Each match, target and built-in option of the catalog carries an [`NftForm`] (set with
//! `.nft(…)` next to its iptables spec): a function from the options a rule gives it to the
//! nft expression or statement that does the same, or the reason nft cannot say it. Entries
//! without one (`string`, `u32`-like matches, `physdev`, …) have no nft equivalent that works
//! the same; a rule using them is refused under the nftables engine, never translated into
//! less. The forms follow `iptables-translate` (iptables 1.8.9) where it has one;
//! `tests/nft_catalog.rs` compares them and loads each into the kernel.
//!
//! Some forms refer to a named set of the firewall's table (`ip saddr @blocklist`): ipsets
//! (`-m set`), xt_recent lists, connlimit's counts and hashlimit's buckets. Their entries
//! also say which sets they need (`.nft_sets(…)`, an [`NftSets`]), which the engine
//! declares once per table ([`NftSet`]).

use crate::family::Family;
use crate::rule::{protocol_of, resolve, Arg, TargetCall, TargetKind};
use crate::spec::{Given, MatchSpec, OptionSpec};
use crate::{matches::BUILTIN_OPTIONS, targets};

/// An entry's nft form: the expression (for a match or option) or statement (for a target)
/// for the options given, or why nft cannot express them.
pub type NftForm = fn(&Given<'_>) -> Result<String, String>;

/// Why a rule has no nft form: what in it (`-m recent`, `-j TPROXY`, `--tcp-option`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoNftForm {
    /// The module, target or option nft cannot express.
    pub what: String,
    /// Why, or what to write instead.
    pub reason: String,
}

fn no(what: impl Into<String>, reason: impl Into<String>) -> NoNftForm {
    NoNftForm {
        what: what.into(),
        reason: reason.into(),
    }
}

/// A rule translated: its nft expressions and statement, and its `-m comment` text, which
/// the renderer puts into the rule's own `comment` together with its source location.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NftRule {
    /// Expressions and statements, space separated, without a comment.
    pub text: String,
    /// The rule's `--comment`, if it has one.
    pub comment: Option<String>,
    /// The named sets `text` refers to (`@blocklist`), which the table must declare.
    pub sets: Vec<NftSet>,
}

/// A named set a rule's nft form refers to (`ip saddr @blocklist`), declared by the nftables
/// engine in the firewall's own table. Its elements are not the firewall's: they are filled
/// at run time (`nft add element …`, or by the rules themselves for `-m recent`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NftSet {
    /// The set's name, as the rule refers to it after `@`.
    pub name: String,
    /// Its key type: `ipv4_addr` or `ipv6_addr`.
    pub key: &'static str,
    /// Its flags, comma separated as `nft list` writes them: `interval`, `dynamic`.
    pub flags: &'static str,
    /// What uses it (`-m set`, `-m recent`), for the messages about it.
    pub by: &'static str,
    /// Whether each rule has a set of its own, whose state is the rule's (connlimit's
    /// counts): `name` is then a prefix, numbered by the engine per table (`connlimit0`,
    /// `connlimit1`, as `iptables-translate` names them; see [`NftRule::rename_set`]), and
    /// its elements are not kept when the firewall is applied again (iptables starts such a
    /// rule's state afresh too).
    pub per_rule: bool,
    /// Whether applying the firewall again carries its elements over: an address list's
    /// are the operator's (or, for recent, what iptables keeps too); elements with a state
    /// of their own (a count, a token bucket) are not put back.
    pub keep_elements: bool,
    /// What each element carries (`timeout 1s limit rate 10/second burst 2 packets`): the
    /// rules that share a set must agree on it, empty for a plain set.
    pub template: String,
    /// The timeout of its elements, in seconds (`-m recent --seconds`), declared with the
    /// set (`flags dynamic,timeout; timeout 1m;`); the rules that share the set must agree
    /// on it, except those that work with any ([`NftSet::any_timeout`]).
    pub timeout: Option<u64>,
    /// Whether the rule works with the set whatever its timeout (recent's `--set`, whose
    /// `update` refreshes it): the set then takes the timeout of the rules that give one.
    pub any_timeout: bool,
}

impl NftSet {
    /// The declaration inside a `table { … }` block:
    /// `set blocklist { type ipv4_addr; flags interval; }`.
    #[must_use]
    pub fn declaration(&self) -> String {
        match self.listed_timeout() {
            None => format!(
                "set {} {{ type {}; flags {}; }}",
                self.name, self.key, self.flags
            ),
            Some(t) => format!(
                "set {} {{ type {}; flags {}; timeout {t}; }}",
                self.name,
                self.key,
                self.listed_flags()
            ),
        }
    }

    /// Its flags as `nft list` writes them (`dynamic,timeout` for a set with a timeout).
    #[must_use]
    pub fn listed_flags(&self) -> String {
        match self.timeout {
            Some(_) => format!("{},timeout", self.flags),
            None => self.flags.to_string(),
        }
    }

    /// Its timeout as `nft list` writes it (`1m`), if it has one.
    #[must_use]
    pub fn listed_timeout(&self) -> Option<String> {
        self.timeout.map(|s| nft_duration(s.saturating_mul(1000)))
    }
}

impl NftRule {
    /// Renames set `from` to `to`, in the rule's text (`@from {`) and in its sets.
    pub fn rename_set(&mut self, from: &str, to: &str) {
        self.text = self
            .text
            .replace(&format!("@{from} {{"), &format!("@{to} {{"));
        for set in self.sets.iter_mut().filter(|s| s.name == from) {
            set.name = to.to_string();
        }
    }

    /// Numbers the sets the rule keeps of its own (connlimit's counts), from `next` on, as
    /// iptables-translate does (`connlimit0`, `connlimit1`, …), so that rules sharing a table
    /// never share such a set. Returns the next number to use.
    pub fn number_own_sets(&mut self, mut next: usize) -> usize {
        let own: Vec<String> = self
            .sets
            .iter()
            .filter(|s| s.per_rule)
            .map(|s| s.name.clone())
            .collect();
        for prefix in own {
            self.rename_set(&prefix, &format!("{prefix}{next}"));
            next += 1;
        }
        next
    }
}

/// The named sets a match's nft form refers to, for the options given.
pub type NftSets = fn(&Given<'_>) -> Vec<NftSet>;

/// Translates one rule of `family` (its options and target, as the catalog checks them) into
/// nft. `chain` names the nft chain a jump or goto to user chain `name` goes to.
pub fn rule_to_nft(
    family: Family,
    args: &[Arg<'_>],
    target: Option<&TargetCall<'_>>,
    chain: &dyn Fn(&str) -> String,
) -> Result<NftRule, NoNftForm> {
    let protocol = protocol_of(args);
    let mut out = NftRule::default();
    let mut parts: Vec<String> = Vec::new();
    let resolved: Vec<_> = args
        .iter()
        .map(|a| resolve(a, protocol).map_err(|p| no(format!("--{}", a.key), p.to_string())))
        .collect::<Result<_, _>>()?;
    let canon: Vec<Option<String>> = args
        .iter()
        .zip(&resolved)
        .map(|(a, r)| {
            a.value
                .map(|v| r.option.kind.canonical(v, family).into_owned())
        })
        .collect();
    // Built-in options first, in iptables-save's order.
    for spec in BUILTIN_OPTIONS {
        for (i, r) in resolved.iter().enumerate() {
            if r.module.is_none() && std::ptr::eq(r.option, spec) {
                let given = [(spec.name, canon[i].as_deref(), args[i].negated)];
                let form = spec
                    .nft
                    .ok_or_else(|| no(format!("option --{}", spec.name), "nft has no form"))?;
                let text = form(&Given {
                    family,
                    options: &given,
                    rule: args,
                })
                .map_err(|r| no(format!("option --{}", spec.name), r))?;
                push(&mut parts, text);
            }
        }
    }
    let mut done: Vec<*const MatchSpec> = Vec::new();
    for (i, r) in resolved.iter().enumerate() {
        let Some(module) = r.module else { continue };
        if done.contains(&(module as *const _)) {
            continue;
        }
        done.push(module);
        // A match given alone (`-m rpfilter`) is its form with no options.
        let given: Vec<(&'static str, Option<&str>, bool)> = (i..args.len())
            .filter(|&j| resolved[j].module.is_some_and(|m| std::ptr::eq(m, module)))
            .filter(|&j| !args[j].is_bare())
            .map(|j| {
                (
                    resolved[j].option.name,
                    canon[j].as_deref(),
                    args[j].negated,
                )
            })
            .collect();
        if module.name == "comment" {
            out.comment = given.first().and_then(|g| g.1).map(str::to_string);
            continue;
        }
        let what = format!("-m {}", module.name);
        let form = module.nft.ok_or_else(|| {
            no(
                &what,
                "nftables has no equivalent of this match; use the iptables engine for this rule",
            )
        })?;
        if given.is_empty() && !module.bare {
            // Refused by validation; the forms of such matches read their options.
            return Err(no(&what, crate::rule::bare_refusal(module).to_string()));
        }
        let g = Given {
            family,
            options: &given,
            rule: args,
        };
        let text = form(&g).map_err(|r| no(&what, r))?;
        if given.is_empty() && text.is_empty() {
            // `-p tcp -m tcp` also refuses fragments after the first: leaving it out would
            // match more packets.
            return Err(no(
                &what,
                "alone, it tests what no nft expression tests (for a protocol match: that the \
                 packet is not a later fragment); leave the match out or use the iptables engine",
            ));
        }
        if let Some(sets) = module.nft_sets {
            out.sets.extend(sets(&g));
        }
        push(&mut parts, text);
    }
    match target {
        None => {}
        Some(t) if t.kind == TargetKind::Jump => parts.push(format!("jump {}", chain(t.name))),
        Some(t) if t.kind == TargetKind::Goto => parts.push(format!("goto {}", chain(t.name))),
        Some(t) => {
            let what = format!("-j {}", t.name);
            let spec = targets::find(t.name).ok_or_else(|| no(&what, "unknown target"))?;
            let mut given = Vec::new();
            let mut canon = Vec::new();
            for a in t.args {
                let o = spec
                    .option(a.key)
                    .ok_or_else(|| no(&what, format!("unknown option --{}", a.key)))?;
                canon.push((o, a.value.map(|v| o.kind.canonical(v, family).into_owned())));
            }
            for (a, (o, v)) in t.args.iter().zip(&canon) {
                given.push((o.name, v.as_deref(), a.negated));
            }
            let form = spec.nft.ok_or_else(|| {
                no(
                    &what,
                    "nftables has no equivalent of this target; use the iptables engine for this rule",
                )
            })?;
            let text = form(&Given {
                family,
                options: &given,
                rule: args,
            })
            .map_err(|r| no(&what, r))?;
            push(&mut parts, text);
        }
    }
    out.text = parts.join(" ");
    Ok(out)
}

fn push(parts: &mut Vec<String>, text: String) {
    if !text.is_empty() {
        parts.push(text);
    }
}

// ---- helpers ------------------------------------------------------------------------------

fn ip(f: Family) -> &'static str {
    match f {
        Family::V4 => "ip",
        Family::V6 => "ip6",
    }
}

fn neq(negated: bool) -> &'static str {
    if negated {
        "!= "
    } else {
        ""
    }
}

/// `a:b` (iptables) → `a-b` (nft); `a:` and `:b` are open ranges.
fn range(v: &str, max: u64) -> String {
    match v.split_once(':') {
        Some((a, b)) => {
            let a = if a.is_empty() { "0" } else { a };
            let b = if b.is_empty() {
                max.to_string()
            } else {
                b.to_string()
            };
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        }
        None => v.to_string(),
    }
}

/// A comma list as an nft anonymous set (`{ a, b }`), or the single item.
fn set_of(items: &[String]) -> String {
    if items.len() == 1 {
        items[0].clone()
    } else {
        format!("{{ {} }}", items.join(", "))
    }
}

/// The words nft's scanner reads as keywords (nftables 1.0.6), which it refuses where a
/// name is expected (`set counter {`: "syntax error, unexpected counter, expecting string"),
/// quoted or not; `ll` and `nh` only after `@` (`@nh,0,8` is a raw payload expression,
/// so `ip saddr @nh` cannot name a set). Case matters: `Counter` is a name.
pub const NFT_KEYWORDS: &[&str] = &[
    "accept",
    "add",
    "ah",
    "all",
    "and",
    "arp",
    "auto-merge",
    "bridge",
    "cgroup",
    "chain",
    "comment",
    "comp",
    "constant",
    "continue",
    "counter",
    "cpu",
    "create",
    "ct",
    "day",
    "dccp",
    "define",
    "delete",
    "describe",
    "device",
    "devices",
    "dnat",
    "drop",
    "dst",
    "dup",
    "dynamic",
    "ecn",
    "element",
    "elements",
    "eq",
    "esp",
    "ether",
    "exists",
    "expires",
    "export",
    "exthdr",
    "fib",
    "flags",
    "flow",
    "flowtable",
    "flush",
    "frag",
    "fwd",
    "gc-interval",
    "ge",
    "get",
    "goto",
    "gt",
    "handle",
    "hbh",
    "hook",
    "hour",
    "ibriport",
    "ibrname",
    "icmp",
    "icmpv6",
    "igmp",
    "iif",
    "iifgroup",
    "iifname",
    "iiftype",
    "import",
    "include",
    "index",
    "inet",
    "insert",
    "interval",
    "ip",
    "ip6",
    "ipsec",
    "jhash",
    "jump",
    "le",
    "limit",
    "list",
    "ll",
    "log",
    "lshift",
    "lt",
    "map",
    "mark",
    "masquerade",
    "meta",
    "meter",
    "mh",
    "missing",
    "monitor",
    "ne",
    "netdev",
    "nftrace",
    "nh",
    "not",
    "notrack",
    "numgen",
    "obriport",
    "obrname",
    "offload",
    "oif",
    "oifgroup",
    "oifname",
    "oiftype",
    "or",
    "osf",
    "pkttype",
    "policy",
    "position",
    "priority",
    "queue",
    "quota",
    "random",
    "redefine",
    "redirect",
    "reject",
    "rename",
    "replace",
    "reset",
    "return",
    "rshift",
    "rt",
    "rt0",
    "rt2",
    "rtclassid",
    "rule",
    "ruleset",
    "sctp",
    "secmark",
    "set",
    "size",
    "skgid",
    "skuid",
    "snat",
    "socket",
    "srh",
    "symhash",
    "synproxy",
    "table",
    "tcp",
    "th",
    "time",
    "timeout",
    "tproxy",
    "type",
    "typeof",
    "udp",
    "udplite",
    "undefine",
    "update",
    "vlan",
    "vmap",
    "xor",
    "xt",
];

/// Whether nft reads `name` as a keyword ([`NFT_KEYWORDS`]), not as a name.
#[must_use]
pub fn nft_keyword(name: &str) -> bool {
    NFT_KEYWORDS.contains(&name)
}

/// Quotes a string for nft (interface names, prefixes, helper names).
pub fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' || c.is_control() {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out.push('"');
    out
}

fn each<'a>(
    g: &'a Given<'_>,
) -> impl Iterator<Item = Result<(&'static str, Option<&'a str>, bool), String>> + 'a {
    g.options.iter().map(|o| Ok((o.0, o.1, o.2)))
}

fn value<'a>(v: Option<&'a str>, name: &str) -> Result<&'a str, String> {
    v.ok_or_else(|| format!("--{name} needs a value"))
}

fn lower_list(v: &str) -> Vec<String> {
    v.split(',').map(|s| s.to_ascii_lowercase()).collect()
}

// ---- built-in options ---------------------------------------------------------------------

/// `-s`: `ip saddr 10.0.0.0/8`.
pub fn source(g: &Given<'_>) -> Result<String, String> {
    address(g, "saddr")
}

/// `-d`: `ip daddr 10.0.0.0/8`.
pub fn destination(g: &Given<'_>) -> Result<String, String> {
    address(g, "daddr")
}

fn address(g: &Given<'_>, field: &str) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    let v = value(v, name)?;
    let items: Vec<String> = v.split(',').map(str::to_string).collect();
    Ok(format!(
        "{} {field} {}{}",
        ip(g.family),
        neq(n),
        set_of(&items)
    ))
}

fn iface(v: &str) -> String {
    // iptables' `eth+` is nft's `eth*`.
    match v.strip_suffix('+') {
        Some(prefix) => quoted(&format!("{prefix}*")),
        None => quoted(v),
    }
}

/// `-i`: `iifname "eth0"`.
pub fn in_interface(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!("iifname {}{}", neq(n), iface(value(v, name)?)))
}

/// `-o`: `oifname "eth0"`.
pub fn out_interface(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!("oifname {}{}", neq(n), iface(value(v, name)?)))
}

/// `-p`: `ip protocol tcp` (IPv4) / `meta l4proto tcp` (IPv6, past extension headers).
pub fn protocol(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    let v = crate::value::protocol_name(value(v, name)?).to_ascii_lowercase();
    if v == "all" || v == "0" {
        return Ok(if n {
            "meta l4proto != 0 meta l4proto 0"
        } else {
            ""
        }
        .to_string());
    }
    let v = match v.as_str() {
        "icmpv6" | "ipv6-icmp" | "58" => "ipv6-icmp".to_string(),
        // nft knows the mobility header only by its /etc/protocols name.
        "mh" | "ipv6-mh" | "135" => "mobility-header".to_string(),
        _ => v,
    };
    Ok(match g.family {
        Family::V4 => format!("ip protocol {}{v}", neq(n)),
        Family::V6 => format!("meta l4proto {}{v}", neq(n)),
    })
}

/// `-f`: a non-first fragment.
pub fn fragment(g: &Given<'_>) -> Result<String, String> {
    Ok(format!(
        "ip frag-off & 0x1fff {}",
        if g.options[0].2 { "0" } else { "!= 0" }
    ))
}

// ---- matches ------------------------------------------------------------------------------

fn proto_ports(g: &Given<'_>, proto: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for o in each(g) {
        let (name, v, n) = o?;
        let field = match name {
            "sport" => "sport",
            "dport" => "dport",
            other => return Err(format!("nft has no form of --{other} here")),
        };
        out.push(format!(
            "{proto} {field} {}{}",
            neq(n),
            range(value(v, name)?, 65535)
        ));
    }
    Ok(out.join(" "))
}

/// `-m udp`.
pub fn udp(g: &Given<'_>) -> Result<String, String> {
    proto_ports(g, "udp")
}

/// `-m sctp`.
pub fn sctp(g: &Given<'_>) -> Result<String, String> {
    proto_ports(g, "sctp")
}

/// `-m dccp`: ports and `--dccp-types` (`dccp type { … }`); `--dccp-option` has no form.
pub fn dccp(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for &(name, v, n) in g.options {
        if name != "dccp-types" {
            let one = [(name, v, n)];
            out.push(proto_ports(
                &Given {
                    family: g.family,
                    options: &one,
                    rule: g.rule,
                },
                "dccp",
            )?);
            continue;
        }
        // xt_dccp's INVALID is type 10 alone (iptables-translate's `10-15` takes more).
        let types: Vec<String> = lower_list(value(v, name)?)
            .into_iter()
            .map(|t| if t == "invalid" { "10".to_string() } else { t })
            .collect();
        out.push(format!("dccp type {}{}", neq(n), set_of(&types)));
    }
    Ok(out.join(" "))
}

fn flags(list: &str) -> String {
    let l = list.to_ascii_lowercase();
    match l.as_str() {
        "all" => "fin|syn|rst|psh|ack|urg".to_string(),
        "none" => "0x0".to_string(),
        _ => l.replace(',', "|"),
    }
}

/// `-m tcp`: ports, `--syn`, `--tcp-flags`.
pub fn tcp(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for o in each(g) {
        let (name, v, n) = o?;
        out.push(match name {
            "sport" | "dport" => format!("tcp {name} {}{}", neq(n), range(value(v, name)?, 65535)),
            "syn" => format!("tcp flags & (fin|syn|rst|ack) {}syn", neq(n)),
            "tcp-flags" => {
                let (mask, set) = value(v, name)?
                    .split_once(' ')
                    .ok_or("--tcp-flags takes a mask and a set")?;
                let set = if set.eq_ignore_ascii_case("none") {
                    "0x0".to_string()
                } else {
                    flags(set)
                };
                format!("tcp flags & ({}) {}{set}", flags(mask), neq(n))
            }
            "tcp-option" => format!(
                "tcp option {} {}",
                value(v, name)?,
                if n { "missing" } else { "exists" }
            ),
            other => return Err(format!("nft has no form of --{other}")),
        });
    }
    Ok(out.join(" "))
}

/// iptables' ICMP code names under destination-unreachable and redirect, in nft's words.
const ICMP_CODES: &[(&str, &str, &str)] = &[
    (
        "network-unreachable",
        "destination-unreachable",
        "net-unreachable",
    ),
    (
        "host-unreachable",
        "destination-unreachable",
        "host-unreachable",
    ),
    (
        "protocol-unreachable",
        "destination-unreachable",
        "prot-unreachable",
    ),
    (
        "port-unreachable",
        "destination-unreachable",
        "port-unreachable",
    ),
    (
        "fragmentation-needed",
        "destination-unreachable",
        "frag-needed",
    ),
    (
        "network-prohibited",
        "destination-unreachable",
        "net-prohibited",
    ),
    (
        "host-prohibited",
        "destination-unreachable",
        "host-prohibited",
    ),
    (
        "communication-prohibited",
        "destination-unreachable",
        "admin-prohibited",
    ),
    ("source-route-failed", "destination-unreachable", "5"),
    ("network-unknown", "destination-unreachable", "6"),
    ("host-unknown", "destination-unreachable", "7"),
    ("TOS-network-unreachable", "destination-unreachable", "11"),
    ("TOS-host-unreachable", "destination-unreachable", "12"),
    ("host-precedence-violation", "destination-unreachable", "14"),
    ("precedence-cutoff", "destination-unreachable", "15"),
    ("network-redirect", "redirect", "0"),
    ("host-redirect", "redirect", "1"),
    ("TOS-network-redirect", "redirect", "2"),
    ("TOS-host-redirect", "redirect", "3"),
    ("ttl-zero-during-transit", "time-exceeded", "0"),
    ("ttl-zero-during-reassembly", "time-exceeded", "1"),
    ("ip-header-bad", "parameter-problem", "0"),
    ("required-option-missing", "parameter-problem", "1"),
];

const ICMP6_CODES: &[(&str, &str, &str)] = &[
    ("no-route", "destination-unreachable", "no-route"),
    (
        "communication-prohibited",
        "destination-unreachable",
        "admin-prohibited",
    ),
    ("beyond-scope", "destination-unreachable", "2"),
    (
        "address-unreachable",
        "destination-unreachable",
        "addr-unreachable",
    ),
    (
        "port-unreachable",
        "destination-unreachable",
        "port-unreachable",
    ),
    ("failed-policy", "destination-unreachable", "policy-fail"),
    ("reject-route", "destination-unreachable", "reject-route"),
    ("ttl-zero-during-transit", "time-exceeded", "0"),
    ("ttl-zero-during-reassembly", "time-exceeded", "1"),
    ("bad-header", "parameter-problem", "0"),
    ("unknown-header-type", "parameter-problem", "1"),
    ("unknown-option", "parameter-problem", "2"),
];

fn icmp_any(g: &Given<'_>, proto: &str, codes: &[(&str, &str, &str)]) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    let v = value(v, name)?;
    // xt_icmp reads type 255 as any type, whatever the code (iptables-save prints `any`);
    // ICMPv6 type 255 is a type like the others.
    let any_type = proto == "icmp" && v.split('/').next() == Some("255");
    if v == "any" || any_type {
        return Ok(if n {
            "meta l4proto != 0 meta l4proto 0"
        } else {
            ""
        }
        .to_string());
    }
    let (ty, code) = if let Some(&(_, t, c)) = codes.iter().find(|c| c.0 == v) {
        (t.to_string(), Some(c.to_string()))
    } else if let Some((t, c)) = v.split_once('/') {
        (t.to_string(), Some(c.to_string()))
    } else {
        let t = match v {
            "pong" => "echo-reply",
            "ping" => "echo-request",
            "ttl-exceeded" => "time-exceeded",
            "neighbour-solicitation" | "neighbor-solicitation" => "nd-neighbor-solicit",
            "neighbour-advertisement" | "neighbor-advertisement" => "nd-neighbor-advert",
            "router-solicitation" if proto == "icmpv6" => "nd-router-solicit",
            "router-advertisement" if proto == "icmpv6" => "nd-router-advert",
            "redirect" if proto == "icmpv6" => "nd-redirect",
            "timestamp-request"
            | "timestamp-reply"
            | "address-mask-request"
            | "address-mask-reply" => v,
            other => other,
        };
        (t.to_string(), None)
    };
    let ty = match (ty.as_str(), proto) {
        ("timestamp-request", _) => "13".to_string(),
        ("timestamp-reply", _) => "14".to_string(),
        ("address-mask-request", _) => "17".to_string(),
        ("address-mask-reply", _) => "18".to_string(),
        _ => ty,
    };
    Ok(match (code, n) {
        (None, _) => format!("{proto} type {}{ty}", neq(n)),
        (Some(c), false) => format!("{proto} type {ty} {proto} code {c}"),
        (Some(_), true) => {
            return Err("a negated type with a code has no single nft expression".into())
        }
    })
}

/// `-m icmp`.
pub fn icmp(g: &Given<'_>) -> Result<String, String> {
    icmp_any(g, "icmp", ICMP_CODES)
}

/// `-m icmp6`.
pub fn icmp6(g: &Given<'_>) -> Result<String, String> {
    icmp_any(g, "icmpv6", ICMP6_CODES)
}

/// `-m multiport`: `tcp dport { 22, 80 }`.
pub fn multiport(g: &Given<'_>) -> Result<String, String> {
    let proto = protocol_of(g.rule)
        .ok_or("multiport needs -p")?
        .to_ascii_lowercase();
    let (name, v, n) = g.options[0];
    let items: Vec<String> = value(v, name)?
        .split(',')
        .map(|p| range(p, 65535))
        .collect();
    let field = match name {
        "sports" => "sport",
        "dports" => "dport",
        // Either port: the pair (sport, dport) in a set of concatenated ranges, one element
        // with any source port and one with any destination port per item (as
        // iptables-translate writes it).
        _ => {
            let pairs: Vec<String> = items
                .iter()
                .flat_map(|p| [format!("0-65535 . {p}"), format!("{p} . 0-65535")])
                .collect();
            return Ok(format!(
                "{proto} sport . {proto} dport {}{{ {} }}",
                neq(n),
                pairs.join(", ")
            ));
        }
    };
    Ok(format!("{proto} {field} {}{}", neq(n), set_of(&items)))
}

/// `-m conntrack`, in `iptables-translate`'s order (direction, protocol, state, status, then
/// addresses and ports).
pub fn conntrack(g: &Given<'_>) -> Result<String, String> {
    const ORDER: &[&str] = &[
        "ctdir",
        "ctproto",
        "ctstate",
        "ctstatus",
        "ctexpire",
        "ctorigsrc",
        "ctorigdst",
        "ctreplsrc",
        "ctrepldst",
        "ctorigsrcport",
        "ctorigdstport",
        "ctreplsrcport",
        "ctrepldstport",
    ];
    let mut given: Vec<_> = g.options.to_vec();
    given.sort_by_key(|o| ORDER.iter().position(|n| *n == o.0));
    let mut out = Vec::new();
    for (name, v, n) in given {
        let v = value(v, name).unwrap_or("");
        let addr_fam = if v.contains(':') { "ip6" } else { ip(g.family) };
        if name.ends_with("port") && !g.has("ctproto") {
            return Err(format!(
                "--{name} needs --ctproto under nftables (nft matches conntrack ports of a known protocol)"
            ));
        }
        out.push(match name {
            "ctstate" => {
                let items = lower_list(v);
                let nat = |s: &String| s == "snat" || s == "dnat";
                if items.iter().all(nat) {
                    // xt_conntrack's SNAT/DNAT "states" are the conntrack's NAT status bits.
                    format!("ct status {}{}", bit_neg(n), items.join(","))
                } else if items.iter().any(nat) {
                    return Err(
                        "SNAT/DNAT mixed with other states has no single nft expression; write two rules".into(),
                    );
                } else {
                    format!("ct state {}{}", bit_neg(n), items.join(","))
                }
            }
            "ctstatus" => {
                let items = lower_list(v);
                if items.iter().any(|s| s == "none") {
                    return Err("status NONE has no nft form".into());
                }
                let items: Vec<String> = items
                    .into_iter()
                    .map(|s| {
                        if s == "seen_reply" {
                            "seen-reply".into()
                        } else {
                            s
                        }
                    })
                    .collect();
                format!("ct status {}{}", bit_neg(n), items.join(","))
            }
            "ctproto" => format!(
                "ct original protocol {}{}",
                neq(n),
                crate::value::protocol_name(v).to_ascii_lowercase()
            ),
            "ctorigsrc" => format!("ct original {addr_fam} saddr {}{v}", neq(n)),
            "ctorigdst" => format!("ct original {addr_fam} daddr {}{v}", neq(n)),
            "ctreplsrc" => format!("ct reply {addr_fam} saddr {}{v}", neq(n)),
            "ctrepldst" => format!("ct reply {addr_fam} daddr {}{v}", neq(n)),
            "ctorigsrcport" => format!("ct original proto-src {}{}", neq(n), range(v, 65535)),
            "ctorigdstport" => format!("ct original proto-dst {}{}", neq(n), range(v, 65535)),
            "ctreplsrcport" => format!("ct reply proto-src {}{}", neq(n), range(v, 65535)),
            "ctrepldstport" => format!("ct reply proto-dst {}{}", neq(n), range(v, 65535)),
            "ctdir" => format!("ct direction {}", v.to_ascii_lowercase()),
            other => return Err(format!("--{other} has no nft form")),
        });
    }
    Ok(out.join(" "))
}

/// Negation of a bit mask match (`ct state ! invalid,new`: none of these bits).
fn bit_neg(negated: bool) -> &'static str {
    if negated {
        "! "
    } else {
        ""
    }
}

/// `-m state`.
pub fn state(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!(
        "ct state {}{}",
        bit_neg(n),
        lower_list(value(v, name)?).join(",")
    ))
}

/// `-m comment`: carried as the rule's own comment, see [`NftRule::comment`].
pub fn comment(_: &Given<'_>) -> Result<String, String> {
    Ok(String::new())
}

fn rate(v: &str) -> Result<String, String> {
    let (n, unit) = v.split_once('/').unwrap_or((v, "second"));
    let unit = match unit.chars().next() {
        Some('s') => "second",
        Some('m') => "minute",
        Some('h') => "hour",
        Some('d') => "day",
        _ => return Err(format!("unknown rate unit in `{v}`")),
    };
    Ok(format!("{n}/{unit}"))
}

/// `-m limit`: `limit rate 3/minute burst 5 packets`.
pub fn limit(g: &Given<'_>) -> Result<String, String> {
    let r = rate(g.value("limit").unwrap_or("3/hour"))?;
    let burst = g.value("limit-burst").unwrap_or("5");
    Ok(format!("limit rate {r} burst {burst} packets"))
}

/// `-m iprange`: `ip saddr 10.0.0.1-10.0.0.9`.
pub fn iprange(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for o in each(g) {
        let (name, v, n) = o?;
        let field = if name == "src-range" {
            "saddr"
        } else {
            "daddr"
        };
        out.push(format!(
            "{} {field} {}{}",
            ip(g.family),
            neq(n),
            value(v, name)?
        ));
    }
    Ok(out.join(" "))
}

/// `-m mac`: `ether saddr 00:11:22:33:44:55`.
pub fn mac(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!(
        "ether saddr {}{}",
        neq(n),
        value(v, name)?.to_ascii_lowercase()
    ))
}

fn mark_match(key: &str, v: &str, n: bool) -> String {
    match v.split_once('/') {
        Some((value, mask)) => format!("{key} and {mask} {}{value}", neq(n)),
        None => format!("{key} {}{v}", neq(n)),
    }
}

/// `-m mark`: `meta mark 0x1`, `meta mark and 0xff 0x1`.
pub fn mark(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(mark_match("meta mark", value(v, name)?, n))
}

/// `-m connmark`: `ct mark 0x1`.
pub fn connmark(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(mark_match("ct mark", value(v, name)?, n))
}

/// `-m owner`: `meta skuid 0`.
pub fn owner(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for o in each(g) {
        let (name, v, n) = o?;
        out.push(match name {
            "uid-owner" => format!("meta skuid {}{}", neq(n), value(v, name)?),
            "gid-owner" => format!("meta skgid {}{}", neq(n), value(v, name)?),
            other => return Err(format!("--{other} has no nft form")),
        });
    }
    Ok(out.join(" "))
}

/// `-m addrtype`: `fib saddr type local`.
pub fn addrtype(g: &Given<'_>) -> Result<String, String> {
    let iface_in = g.has("limit-iface-in");
    let iface_out = g.has("limit-iface-out");
    let mut out = Vec::new();
    for o in each(g) {
        let (name, v, n) = o?;
        let field = match name {
            "src-type" => "saddr",
            "dst-type" => "daddr",
            _ => continue,
        };
        let dev = if iface_in {
            " . iif"
        } else if iface_out {
            " . oif"
        } else {
            ""
        };
        out.push(format!(
            "fib {field}{dev} type {}{}",
            neq(n),
            set_of(&lower_list(value(v, name)?))
        ));
    }
    Ok(out.join(" "))
}

/// `-m pkttype`: `meta pkttype broadcast`.
pub fn pkttype(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    let v = match value(v, name)?.to_ascii_lowercase().as_str() {
        "unicast" | "host" => "host",
        "broadcast" | "bcast" => "broadcast",
        "multicast" | "mcast" => "multicast",
        "otherhost" => "other",
        other => return Err(format!("unknown packet type `{other}`")),
    };
    Ok(format!("meta pkttype {}{v}", neq(n)))
}

/// `-m length`: `meta length 0-500`.
pub fn length(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!(
        "meta length {}{}",
        neq(n),
        range(value(v, name)?, 65535)
    ))
}

fn ttl_like(g: &Given<'_>, field: &str) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    let v = value(v, name)?;
    Ok(match name.rsplit('-').next() {
        Some("eq") => format!("{field} {}{v}", neq(n)),
        Some("lt") => format!("{field} < {v}"),
        Some("gt") => format!("{field} > {v}"),
        _ => return Err(format!("--{name} has no nft form")),
    })
}

/// `-m ttl`: `ip ttl 64`.
pub fn ttl(g: &Given<'_>) -> Result<String, String> {
    ttl_like(g, "ip ttl")
}

/// `-m hl`: `ip6 hoplimit 64`.
pub fn hl(g: &Given<'_>) -> Result<String, String> {
    ttl_like(g, "ip6 hoplimit")
}

/// A DSCP class's value (`AF41` → 34).
fn dscp_class(class: &str) -> Result<u8, String> {
    let c = class.to_ascii_uppercase();
    Ok(match c.as_str() {
        "BE" => 0,
        "EF" => 46,
        _ if c.starts_with("CS") => c[2..].parse::<u8>().map_err(|e| e.to_string())? * 8,
        _ if c.starts_with("AF") => {
            let d: Vec<u8> = c[2..].bytes().map(|b| b - b'0').collect();
            d[0] * 8 + d[1] * 2
        }
        _ => return Err(format!("unknown DSCP class `{class}`")),
    })
}

/// `-m dscp`: `ip dscp 0x0a`.
pub fn dscp(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    let v = value(v, name)?;
    let d = if name == "dscp-class" {
        dscp_class(v)?
    } else {
        v.parse::<u8>().map_err(|e| e.to_string())?
    };
    Ok(format!("{} dscp {}0x{d:02x}", ip(g.family), neq(n)))
}

/// `-m tcpmss`: `tcp option maxseg size 100-500`.
pub fn tcpmss(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!(
        "tcp option maxseg size {}{}",
        neq(n),
        range(value(v, name)?, 65535)
    ))
}

/// `-m helper`: `ct helper "ftp"`.
pub fn helper(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!("ct helper {}{}", neq(n), quoted(value(v, name)?)))
}

/// `-m quota`: `quota 1000 bytes`.
pub fn quota(g: &Given<'_>) -> Result<String, String> {
    let (name, v, _) = g.options[0];
    Ok(format!("quota {} bytes", value(v, name)?))
}

/// `-m statistic`: `meta random & 2147483647 < N` / `numgen inc mod N P`.
pub fn statistic(g: &Given<'_>) -> Result<String, String> {
    match g.value("mode") {
        Some("random") => {
            let p: f64 = value(g.value("probability"), "probability")?
                .parse()
                .map_err(|e| format!("{e}"))?;
            let n = g.options.iter().any(|o| o.0 == "probability" && o.2);
            let limit = (p * 2147483648.0).round() as u64;
            Ok(format!(
                "meta random & 2147483647 {} {limit}",
                if n { ">=" } else { "<" }
            ))
        }
        Some("nth") => {
            let every = value(g.value("every"), "every")?;
            let packet = value(g.value("packet"), "packet")?;
            let n = g.options.iter().any(|o| o.0 == "every" && o.2);
            Ok(format!("numgen inc mod {every} {}{packet}", neq(n)))
        }
        _ => Err("statistic needs --mode".into()),
    }
}

/// `-m rpfilter`: `fib saddr . iif oif != 0` (`--loose` leaves out `. iif`, `--validmark`
/// adds `. mark`, `--invert` compares with 0), as `iptables-translate` writes it.
/// `--accept-local` has no form: nft's fib gives no interface for a local source address.
pub fn rpfilter(g: &Given<'_>) -> Result<String, String> {
    if g.has("accept-local") {
        return Err(
            "--accept-local has no nft form: fib gives no output interface for a local \
             source address"
                .into(),
        );
    }
    let mark = if g.has("validmark") { " . mark" } else { "" };
    let iif = if g.has("loose") { "" } else { " . iif" };
    let cmp = if g.has("invert") { "0" } else { "!= 0" };
    Ok(format!("fib saddr{mark}{iif} oif {cmp}"))
}

/// `-m socket --transparent --nowildcard`: `socket transparent 1`. The other combinations
/// have no form: without `--nowildcard` xt_socket ignores sockets bound to the wildcard
/// address (nft's `socket wildcard 0` also skips time-wait sockets, which xt_socket counts),
/// without `--transparent` it matches any socket found (nft has no such test), and
/// `--restore-skmark` also sets the packet mark.
pub fn socket(g: &Given<'_>) -> Result<String, String> {
    if g.has("restore-skmark") {
        return Err("--restore-skmark also sets the packet mark; nft cannot do both".into());
    }
    if g.has("transparent") && g.has("nowildcard") {
        return Ok("socket transparent 1".into());
    }
    Err(
        "only --transparent with --nowildcard has an nft form (`socket transparent 1`): \
         xt_socket's treatment of wildcard-bound and time-wait sockets has none"
            .into(),
    )
}

/// `-m cgroup --cgroup N`: `meta cgroup N`. `--path` has no form: nft's `socket cgroupv2`
/// looks a socket up for incoming packets where xt_cgroup uses only the packet's own, is
/// refused in POSTROUTING, and is given the path's depth besides the path.
pub fn cgroup(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    match name {
        "cgroup" => Ok(format!("meta cgroup {}{}", neq(n), value(v, name)?)),
        _ => Err("--path has no exact nft form (`socket cgroupv2` finds other sockets)".into()),
    }
}

/// `-m connbytes`: `ct original packets 10-100`, `ct bytes ge 10`. Like xt_connbytes, the
/// rule turns conntrack accounting on; a connection that began before it has no counters,
/// which xt_connbytes never matches and nft reads as 0.
pub fn connbytes(g: &Given<'_>) -> Result<String, String> {
    let count = value(g.value("connbytes"), "connbytes")?;
    let negated = g.options.iter().any(|o| o.0 == "connbytes" && o.2);
    let dir = match value(g.value("connbytes-dir"), "connbytes-dir")? {
        "original" => "original ",
        "reply" => "reply ",
        _ => "",
    };
    let what = value(g.value("connbytes-mode"), "connbytes-mode")?;
    let (from, to) = count.split_once(':').unwrap_or((count, ""));
    let open = to.is_empty() || to == u64::MAX.to_string();
    let cmp = match (open, negated) {
        (true, false) => format!("ge {from}"),
        (true, true) => format!("lt {from}"),
        (false, _) => format!("{}{}", neq(negated), range(count, u64::MAX)),
    };
    Ok(format!("ct {dir}{what} {cmp}"))
}

/// `-m connlabel --label N`: `ct label N`; with `--set`, `ct label set N ct label N` (the
/// label is set, then the rule matches if that worked). `! --label` has no form: xt_connlabel
/// matches packets without conntrack then, which nft's `ct label` never does.
pub fn connlabel(g: &Given<'_>) -> Result<String, String> {
    let label = value(g.value("label"), "label")?;
    if g.options.iter().any(|o| o.0 == "label" && o.2) {
        return Err("! --label has no nft form: it also matches packets without conntrack".into());
    }
    Ok(if g.has("set") {
        format!("ct label set {label} ct label {label}")
    } else {
        format!("ct label {label}")
    })
}

/// `-m cpu`: `meta cpu 1`.
pub fn cpu(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(format!("meta cpu {}{}", neq(n), value(v, name)?))
}

/// `-m devgroup`: `meta iifgroup 0x1`, `meta oifgroup and 0xff != 0x2`.
pub fn devgroup(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for o in each(g) {
        let (name, v, n) = o?;
        let key = match name {
            "src-group" => "meta iifgroup",
            _ => "meta oifgroup",
        };
        out.push(mark_match(key, value(v, name)?, n));
    }
    Ok(out.join(" "))
}

/// `-m policy --dir in` without policy elements: `meta secpath exists` (`--pol ipsec`) or
/// `meta secpath missing` (`--pol none`). An element (`--spi`, `--mode`, …), `--strict` and
/// `--dir out` (the policy the packet will get) have no nft form.
pub fn policy(g: &Given<'_>) -> Result<String, String> {
    if g.value("dir")
        .is_some_and(|d| d.eq_ignore_ascii_case("out"))
    {
        return Err(
            "--dir out has no nft form (nft sees only the secpath of received packets)".into(),
        );
    }
    if let Some(o) = g.options.iter().find(|o| !matches!(o.0, "dir" | "pol")) {
        return Err(format!(
            "--{} has no nft form: nft can only test whether a packet came through IPsec",
            o.0
        ));
    }
    Ok(
        if g.value("pol")
            .is_some_and(|p| p.eq_ignore_ascii_case("none"))
        {
            "meta secpath missing".into()
        } else {
            "meta secpath exists".into()
        },
    )
}

/// `-m realm`: `meta rtclassid 0x1`, `meta rtclassid and 0xff != 0x1`.
pub fn realm(g: &Given<'_>) -> Result<String, String> {
    let (name, v, n) = g.options[0];
    Ok(mark_match("meta rtclassid", value(v, name)?, n))
}

// ---- packet-header matches ----------------------------------------------------------------

/// A 32-bit range value (`a:b`, canonical) as nft's `a-b` on a field of `bits` bits:
/// the high end is cut to the field (a narrower field cannot hold more), and a range wholly
/// above it has no form (the iptables rule never matches).
fn narrow_range(v: &str, bits: u32, what: &str) -> Result<String, String> {
    let max = (1u64 << bits) - 1;
    let (lo, hi) = v.split_once(':').unwrap_or((v, v));
    let lo: u64 = lo.parse().map_err(|_| format!("bad range {v}"))?;
    let hi: u64 = hi.parse().map_err(|_| format!("bad range {v}"))?;
    if lo > max {
        return Err(format!(
            "{what} is a {bits}-bit field: {v} never matches, and nft refuses such a value"
        ));
    }
    let hi = hi.min(max);
    Ok(if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    })
}

/// `-m ecn`: `tcp flags cwr`, `tcp flags ecn` (ECE), `ip ecn ect0`.
pub fn ecn(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for &(name, v, n) in g.options {
        out.push(match name {
            // Only the one bit: `tcp flags != ecn` (iptables-translate's) compares all flags.
            "ecn-tcp-cwr" | "ecn-tcp-ece" => {
                let flag = if name == "ecn-tcp-cwr" { "cwr" } else { "ecn" };
                format!("tcp flags {}{flag}", if n { "! " } else { "" })
            }
            "ecn-ip-ect" => {
                let ect = match value(v, name)? {
                    "0" => "not-ect",
                    "1" => "ect1",
                    "2" => "ect0",
                    "3" => "ce",
                    other => return Err(format!("--ecn-ip-ect {other} is not 0-3")),
                };
                // ip6tables-translate writes `ip ecn` for IPv6 too, which never matches there.
                format!("{} ecn {}{ect}", ip(g.family), neq(n))
            }
            other => return Err(format!("nft has no form of --{other}")),
        });
    }
    Ok(out.join(" "))
}

/// `-m esp`: `esp spi 5` (a 32-bit field).
pub fn esp(g: &Given<'_>) -> Result<String, String> {
    // Alone: no form (the match also refuses later fragments).
    let Some(&(name, v, n)) = g.options.first() else {
        return Ok(String::new());
    };
    Ok(format!(
        "esp spi {}{}",
        neq(n),
        narrow_range(value(v, name)?, 32, "the SPI")?
    ))
}

/// `-m ah` (IPv4): `ah spi 5`. In IPv6 nft's `ah` expressions test the protocol after the
/// extension headers, which is never AH, so there is no form.
pub fn ah(g: &Given<'_>) -> Result<String, String> {
    if g.family == Family::V6 {
        return Err(
            "in IPv6 nft's `ah` expressions follow the protocol after the extension headers, \
             which is never AH: nothing would match"
                .into(),
        );
    }
    let Some(&(name, v, n)) = g.options.first() else {
        return Ok(String::new());
    };
    if name != "ahspi" {
        return Err(format!("nft has no form of --{name}"));
    }
    Ok(format!(
        "ah spi {}{}",
        neq(n),
        narrow_range(value(v, name)?, 32, "the SPI")?
    ))
}

/// `-m ipcomp`: `comp cpi 5`; the CPI is 16 bits, `--compres` is ignored by the kernel.
pub fn ipcomp(g: &Given<'_>) -> Result<String, String> {
    // Alone: no form (the match also refuses later fragments).
    if g.options.is_empty() {
        return Ok(String::new());
    }
    let mut out = Vec::new();
    for &(name, v, n) in g.options {
        match name {
            "ipcompspi" => out.push(format!(
                "comp cpi {}{}",
                neq(n),
                narrow_range(value(v, name)?, 16, "the CPI")?
            )),
            "compres" => {}
            other => return Err(format!("nft has no form of --{other}")),
        }
    }
    if out.is_empty() {
        // Only --compres, which xt_ipcomp ignores: any CPI, read from the header so that later
        // fragments do not match (xt_ipcomp refuses them; `meta l4proto ipcomp` would not).
        out.push("comp cpi 0-65535".into());
    }
    Ok(out.join(" "))
}

/// `-m frag`: `frag id`, `frag frag-off`, `frag more-fragments`, `frag reserved`. The
/// kernel ignores `--fraglen` (a fragment header has no length), so it adds nothing beyond
/// the header itself.
pub fn frag(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for &(name, v, n) in g.options {
        match name {
            "fragid" => out.push(format!(
                "frag id {}{}",
                neq(n),
                narrow_range(value(v, name)?, 32, "the fragment id")?
            )),
            "fraglen" => {}
            // ip6t_frag: both reserved fields zero (iptables-translate's `frag reserved 1`
            // is the opposite).
            "fragres" => out.push("frag reserved 0 frag reserved2 0".into()),
            "fragfirst" => out.push("frag frag-off 0".into()),
            "fragmore" => out.push("frag more-fragments 1".into()),
            "fraglast" => out.push("frag more-fragments 0".into()),
            other => return Err(format!("nft has no form of --{other}")),
        }
    }
    if out.is_empty() {
        out.push("exthdr frag exists".into());
    }
    Ok(out.join(" "))
}

/// An extension header's length as ip6t_hbh/ip6t_rt compare it, in bytes, as nft's
/// `hdrlength` field (8-byte units less one). A length no header can have never matches, so
/// it has no form; inverted, it holds for every packet that has the header.
fn ext_len(header: &str, option: &str, v: &str, negated: bool) -> Result<String, String> {
    let bytes: u64 = v.parse().map_err(|_| format!("bad length {v}"))?;
    if bytes.is_multiple_of(8) && (8..=2048).contains(&bytes) {
        return Ok(format!(
            "{header} hdrlength {}{}",
            neq(negated),
            bytes / 8 - 1
        ));
    }
    if negated {
        return Ok(format!("exthdr {header} exists"));
    }
    Err(format!(
        "--{option} is the header's length in bytes, a multiple of 8 from 8 to 2048: {v} never          matches"
    ))
}

/// `-m hbh` / `-m dst`: `--*-len` as `hdrlength` (the kernel compares bytes, iptables-translate
/// writes the bytes as nft's 8-byte units); `--*-opts` has no form (nft cannot list options).
fn opts_header(g: &Given<'_>, header: &str) -> Result<String, String> {
    let mut out = Vec::new();
    for &(name, v, n) in g.options {
        if name.ends_with("-len") {
            out.push(ext_len(header, name, value(v, name)?, n)?);
        } else {
            return Err(format!(
                "nft has no form of --{name} (it cannot list options)"
            ));
        }
    }
    // Alone, the match tests that the header is there.
    if g.options.is_empty() {
        out.push(format!("exthdr {header} exists"));
    }
    Ok(out.join(" "))
}

/// `-m hbh`: `hbh hdrlength` from `--hbh-len` in bytes (8-byte units less one).
pub fn hbh(g: &Given<'_>) -> Result<String, String> {
    opts_header(g, "hbh")
}

/// `-m dst`: `dst hdrlength` from `--dst-len` in bytes (8-byte units less one).
pub fn dst(g: &Given<'_>) -> Result<String, String> {
    opts_header(g, "dst")
}

/// `-m rt`: `rt type`, `rt seg-left`, `rt hdrlength` (from `--rt-len` in bytes); the type-0 options
/// have no form.
pub fn rt(g: &Given<'_>) -> Result<String, String> {
    let mut out = Vec::new();
    for &(name, v, n) in g.options {
        match name {
            "rt-type" => out.push(format!(
                "rt type {}{}",
                neq(n),
                narrow_range(value(v, name)?, 8, "the routing type")?
            )),
            "rt-segsleft" => out.push(format!(
                "rt seg-left {}{}",
                neq(n),
                narrow_range(value(v, name)?, 8, "segments left")?
            )),
            "rt-len" => out.push(ext_len("rt", name, value(v, name)?, n)?),
            other => {
                return Err(format!(
                    "nft has no form of --{other} (nft has no type-0 address list)"
                ))
            }
        }
    }
    // Alone, the match tests that the header is there.
    if g.options.is_empty() {
        out.push("exthdr rt exists".into());
    }
    Ok(out.join(" "))
}

/// `-m mh`: `mh type 1-3` (the types in numbers, as the catalog writes them).
pub fn mh(g: &Given<'_>) -> Result<String, String> {
    let Some(&(name, v, n)) = g.options.first() else {
        return Ok(String::new());
    };
    Ok(format!(
        "mh type {}{}",
        neq(n),
        narrow_range(value(v, name)?, 8, "the type")?
    ))
}

// ---- targets ------------------------------------------------------------------------------

/// `-j ACCEPT`.
pub fn accept(_: &Given<'_>) -> Result<String, String> {
    Ok("accept".into())
}

/// `-j DROP`.
pub fn drop(_: &Given<'_>) -> Result<String, String> {
    Ok("drop".into())
}

/// `-j RETURN`.
pub fn ret(_: &Given<'_>) -> Result<String, String> {
    Ok("return".into())
}

/// `-j REJECT`: `reject with icmp type port-unreachable`, `reject with tcp reset`.
pub fn reject(g: &Given<'_>) -> Result<String, String> {
    let Some(with) = g.value("reject-with") else {
        return Ok("reject".into());
    };
    let w = with.to_ascii_lowercase();
    let w = w.trim_start_matches("icmp6-").trim_start_matches("icmp-");
    let code = match (g.family, w) {
        (_, "tcp-reset" | "tcp-rst") => return Ok("reject with tcp reset".into()),
        (Family::V4, "net-unreachable" | "net-unreach") => "net-unreachable",
        (Family::V4, "host-unreachable" | "host-unreach") => "host-unreachable",
        (_, "port-unreachable" | "port-unreach") => "port-unreachable",
        (Family::V4, "proto-unreachable" | "proto-unreach") => "prot-unreachable",
        (Family::V4, "net-prohibited" | "net-prohib") => "net-prohibited",
        (Family::V4, "host-prohibited" | "host-prohib") => "host-prohibited",
        (Family::V4, "admin-prohibited" | "admin-prohib") => "admin-prohibited",
        (Family::V6, "no-route") => "no-route",
        (Family::V6, "adm-prohibited") => "admin-prohibited",
        (Family::V6, "addr-unreachable" | "addr-unreach") => "addr-unreachable",
        (Family::V6, "policy-fail") => "policy-fail",
        (Family::V6, "reject-route") => "reject-route",
        _ => return Err(format!("--reject-with {with} has no nft form")),
    };
    Ok(match g.family {
        Family::V4 => format!("reject with icmp type {code}"),
        Family::V6 => format!("reject with icmpv6 type {code}"),
    })
}

const LOG_LEVELS: &[&str] = &[
    "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug",
];

/// `-j LOG`: `log prefix "x: " level warn`.
pub fn log(g: &Given<'_>) -> Result<String, String> {
    let mut out = vec!["log".to_string()];
    let mut flags = Vec::new();
    for o in each(g) {
        let (name, v, _) = o?;
        match name {
            "log-prefix" => out.push(format!("prefix {}", quoted(value(v, name)?))),
            "log-level" => {
                let v = value(v, name)?;
                let level = match v.parse::<usize>() {
                    Ok(n) => LOG_LEVELS.get(n).copied().ok_or("log level above 7")?,
                    Err(_) => match v {
                        "error" => "err",
                        "warning" => "warn",
                        "panic" => "emerg",
                        other => LOG_LEVELS
                            .iter()
                            .find(|l| **l == other)
                            .copied()
                            .ok_or_else(|| format!("unknown log level {other}"))?,
                    },
                };
                out.push(format!("level {level}"));
            }
            "log-tcp-sequence" => flags.push("tcp sequence"),
            "log-tcp-options" => flags.push("tcp options"),
            "log-ip-options" => flags.push("ip options"),
            "log-uid" => flags.push("skuid"),
            "log-macdecode" => flags.push("ether"),
            other => return Err(format!("--{other} has no nft form")),
        }
    }
    if !flags.is_empty() {
        // `tcp sequence,options` is one flag group in nft's grammar.
        let tcp: Vec<&str> = flags
            .iter()
            .filter_map(|f| f.strip_prefix("tcp "))
            .collect();
        if !tcp.is_empty() {
            out.push(format!("flags tcp {}", tcp.join(",")));
        }
        for f in flags.iter().filter(|f| !f.starts_with("tcp ")) {
            out.push(format!("flags {f}"));
        }
    }
    Ok(out.join(" "))
}

/// `-j NFLOG`: `log group 1 prefix "x"`.
pub fn nflog(g: &Given<'_>) -> Result<String, String> {
    let mut out = vec!["log".to_string()];
    let group = g.value("nflog-group").unwrap_or("0");
    out.push(format!("group {group}"));
    for o in each(g) {
        let (name, v, _) = o?;
        match name {
            "nflog-group" => {}
            "nflog-prefix" => out.push(format!("prefix {}", quoted(value(v, name)?))),
            "nflog-size" => out.push(format!("snaplen {}", value(v, name)?)),
            "nflog-threshold" => out.push(format!("queue-threshold {}", value(v, name)?)),
            other => return Err(format!("--{other} has no nft form")),
        }
    }
    Ok(out.join(" "))
}

fn nat_flags(g: &Given<'_>) -> String {
    let mut f = Vec::new();
    if g.has("random") {
        f.push("random");
    }
    if g.has("random-fully") {
        f.push("fully-random");
    }
    if g.has("persistent") {
        f.push("persistent");
    }
    if f.is_empty() {
        String::new()
    } else {
        format!(" {}", f.join(","))
    }
}

/// `-j MASQUERADE`: `masquerade to :1024-2048`.
pub fn masquerade(g: &Given<'_>) -> Result<String, String> {
    let ports = g
        .value("to-ports")
        .map(|p| format!(" to :{}", p.replace(':', "-")))
        .unwrap_or_default();
    Ok(format!("masquerade{ports}{}", nat_flags(g)))
}

/// `-j REDIRECT`: `redirect to :8080`.
pub fn redirect(g: &Given<'_>) -> Result<String, String> {
    let ports = g
        .value("to-ports")
        .map(|p| format!(" to :{}", p.replace(':', "-")))
        .unwrap_or_default();
    Ok(format!("redirect{ports}{}", nat_flags(g)))
}

/// `-j SNAT`: `snat to 192.0.2.1`.
pub fn snat(g: &Given<'_>) -> Result<String, String> {
    let to = value(g.value("to-source"), "to-source")?;
    Ok(format!("snat to {to}{}", nat_flags(g)))
}

/// `-j DNAT`: `dnat to 192.0.2.1:80`.
pub fn dnat(g: &Given<'_>) -> Result<String, String> {
    let to = value(g.value("to-destination"), "to-destination")?;
    Ok(format!("dnat to {to}{}", nat_flags(g)))
}

fn mark_set(key: &str, g: &Given<'_>) -> Result<String, String> {
    let (name, v, _) = g
        .options
        .iter()
        .copied()
        .find(|o| o.0 != "nfmask" && o.0 != "ctmask" && o.0 != "mask")
        .ok_or("no operation given")?;
    if g.options.len() > 1 {
        return Err("masks other than the value's own have no nft form here".into());
    }
    let v = value(v, name).unwrap_or("");
    let (val, mask) = match v.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (v, None),
    };
    let parse = |s: &str| -> Result<u32, String> {
        let s = s.trim();
        match s.strip_prefix("0x") {
            Some(h) => u32::from_str_radix(h, 16),
            None => s.parse(),
        }
        .map_err(|e| format!("`{s}`: {e}"))
    };
    Ok(match (name, mask) {
        ("set-mark" | "set-xmark", None) => format!("{key} set {val}"),
        ("set-xmark", Some(m)) => format!("{key} set {key} and 0x{:x} xor {val}", !parse(m)?),
        ("set-mark", Some(m)) => format!("{key} set {key} and 0x{:x} or {val}", !parse(m)?),
        ("and-mark", _) => format!("{key} set {key} and {val}"),
        ("or-mark", _) => format!("{key} set {key} or {val}"),
        ("xor-mark", _) => format!("{key} set {key} xor {val}"),
        (other, _) => return Err(format!("--{other} has no nft form")),
    })
}

/// `-j MARK`: `meta mark set 0x1`.
pub fn mark_target(g: &Given<'_>) -> Result<String, String> {
    mark_set("meta mark", g)
}

/// `-j CONNMARK`: `ct mark set 0x1`, `ct mark set meta mark`, `meta mark set ct mark`.
pub fn connmark_target(g: &Given<'_>) -> Result<String, String> {
    if g.options.len() == 1 {
        match g.options[0].0 {
            "save-mark" => return Ok("ct mark set meta mark".into()),
            "restore-mark" => return Ok("meta mark set ct mark".into()),
            _ => {}
        }
    }
    if g.has("save-mark") || g.has("restore-mark") {
        return Err("--save-mark/--restore-mark with masks have no nft form".into());
    }
    mark_set("ct mark", g)
}

/// `-j TCPMSS`: `tcp option maxseg size set rt mtu`.
pub fn tcpmss_target(g: &Given<'_>) -> Result<String, String> {
    match g.value("set-mss") {
        Some(v) => Ok(format!("tcp option maxseg size set {v}")),
        None => Ok("tcp option maxseg size set rt mtu".into()),
    }
}

/// `-j SYNPROXY`: `synproxy mss 1460 wscale 7 timestamp sack-perm` (nft's own order).
/// `--ecn` has no form: nft's synproxy statement has no ECN flag.
pub fn synproxy(g: &Given<'_>) -> Result<String, String> {
    if g.has("ecn") {
        return Err("--ecn has no form: nft's synproxy statement has no ECN flag".into());
    }
    let mut out = String::from("synproxy");
    for (name, word) in [("mss", "mss"), ("wscale", "wscale")] {
        if let Some(v) = g.value(name) {
            out.push_str(&format!(" {word} {v}"));
        }
    }
    for flag in ["timestamp", "sack-perm"] {
        if g.has(flag) {
            out.push_str(&format!(" {flag}"));
        }
    }
    Ok(out)
}

/// `-j TEE --gateway A [--oif IF]`: `dup to A [device "IF"]`: the copy is sent to the gateway,
/// the packet goes on.
pub fn tee(g: &Given<'_>) -> Result<String, String> {
    let gw = value(g.value("gateway"), "gateway")?;
    Ok(match g.value("oif") {
        Some(dev) => format!("dup to {gw} device \"{dev}\""),
        None => format!("dup to {gw}"),
    })
}

/// `-j CONNSECMARK --save`: `ct secmark set meta secmark`; `--restore`: the other way.
pub fn connsecmark(g: &Given<'_>) -> Result<String, String> {
    if g.has("save") {
        Ok("ct secmark set meta secmark".into())
    } else if g.has("restore") {
        Ok("meta secmark set ct secmark".into())
    } else {
        Err("CONNSECMARK needs --save or --restore".into())
    }
}

/// `-j DSCP`: `ip dscp set 0x0a`.
pub fn dscp_target(g: &Given<'_>) -> Result<String, String> {
    let d = match (g.value("set-dscp"), g.value("set-dscp-class")) {
        (Some(v), _) => v.parse::<u8>().map_err(|e| e.to_string())?,
        (None, Some(c)) => dscp_class(c)?,
        _ => return Err("DSCP needs --set-dscp or --set-dscp-class".into()),
    };
    Ok(format!("{} dscp set 0x{d:02x}", ip(g.family)))
}

/// `-j TTL --ttl-set 64`: `ip ttl set 64`. `--ttl-inc`/`--ttl-dec` have no form: nft's
/// statements cannot do arithmetic on a packet field (only and/or/xor), and xt_HL clamps at
/// 0 and 255, which no bit operation does.
pub fn ttl_target(g: &Given<'_>) -> Result<String, String> {
    hop_set(g, "ttl", "ip ttl")
}

/// `-j HL --hl-set 64`: `ip6 hoplimit set 64`; `--hl-inc`/`--hl-dec` as for [`ttl_target`].
pub fn hl_target(g: &Given<'_>) -> Result<String, String> {
    hop_set(g, "hl", "ip6 hoplimit")
}

fn hop_set(g: &Given<'_>, prefix: &str, field: &str) -> Result<String, String> {
    match g.options {
        [(name, v, _)] if *name == format!("{prefix}-set") => {
            Ok(format!("{field} set {}", value(*v, name)?))
        }
        _ => Err(format!(
            "only --{prefix}-set has an nft form: nft cannot add to or subtract from a \
             packet field, and iptables clamps the result at 0 and 255"
        )),
    }
}

/// `-j CLASSIFY --set-class 1:1`: `meta priority set 1:1` (both read `MAJOR:MINOR` in hex).
pub fn classify(g: &Given<'_>) -> Result<String, String> {
    let v = value(g.value("set-class"), "set-class")?;
    Ok(format!("meta priority set {v}"))
}

/// `-j CT --notrack`: `notrack`; `--zone N`: `ct zone set N` (both directions, as xt_CT),
/// `--zone-orig`/`--zone-reply`: `ct original|reply zone set N`. Both attach a conntrack
/// template to a packet not yet tracked. Helpers, timeouts and event masks need named nft
/// objects (`ct helper`, `ct timeout`) that our table does not define, and combinations of
/// options are not translated.
pub fn ct_target(g: &Given<'_>) -> Result<String, String> {
    // `--zone mark` takes the zone from the packet mark, cut to 16 bits; `ct zone set meta
    // mark` is not checked to cut it the same way.
    if g.options
        .iter()
        .any(|o| o.0.starts_with("zone") && o.1 == Some("mark"))
    {
        return Err("a zone from the packet mark (`--zone mark`) has no form checked here".into());
    }
    match g.options {
        [("notrack", _, _)] => Ok("notrack".into()),
        [(name @ "zone", v, _)] => Ok(format!("ct zone set {}", value(*v, name)?)),
        [(name @ "zone-orig", v, _)] => Ok(format!("ct original zone set {}", value(*v, name)?)),
        [(name @ "zone-reply", v, _)] => Ok(format!("ct reply zone set {}", value(*v, name)?)),
        _ => Err(
            "only --notrack or one of --zone/--zone-orig/--zone-reply alone has an nft form; \
             --helper, --timeout and event masks need nft objects this table does not define"
                .into(),
        ),
    }
}

/// `-j NOTRACK`.
pub fn notrack(_: &Given<'_>) -> Result<String, String> {
    Ok("notrack".into())
}

/// `-j TRACE`: `meta nftrace set 1`.
pub fn trace(_: &Given<'_>) -> Result<String, String> {
    Ok("meta nftrace set 1".into())
}

/// `-j NFQUEUE`: `queue num 1 bypass`.
pub fn nfqueue(g: &Given<'_>) -> Result<String, String> {
    let num = match (g.value("queue-num"), g.value("queue-balance")) {
        (_, Some(b)) => b.replace(':', "-"),
        (Some(n), None) => n.to_string(),
        (None, None) => "0".to_string(),
    };
    let mut flags = Vec::new();
    if g.has("queue-bypass") {
        flags.push("bypass");
    }
    if g.has("queue-cpu-fanout") {
        flags.push("fanout");
    }
    for o in g.options {
        if !matches!(
            o.0,
            "queue-num" | "queue-balance" | "queue-bypass" | "queue-cpu-fanout"
        ) {
            return Err(format!("--{} has no nft form", o.0));
        }
    }
    let flags = if flags.is_empty() {
        String::new()
    } else {
        format!(" {}", flags.join(","))
    };
    Ok(format!("queue{flags} num {num}"))
}

// ---- named sets ---------------------------------------------------------------------------

fn address_key(f: Family) -> &'static str {
    match f {
        Family::V4 => "ipv4_addr",
        Family::V6 => "ipv6_addr",
    }
}

/// The set name and its one direction of `--match-set NAME DIR`.
fn set_ref<'a>(g: &Given<'a>) -> Result<(&'a str, &'a str), String> {
    let v = value(g.value("match-set"), "match-set")?;
    let (name, dirs) = v
        .split_once(' ')
        .ok_or("--match-set takes a set name and directions")?;
    if dirs.contains(',') {
        return Err(format!(
            "`{dirs}` looks the set up with several fields at once; the nft set's key type \
             depends on the ipset's type (hash:ip,port is `ipv4_addr . inet_service`, \
             hash:net,net two addresses), which the rule does not say; use one direction \
             (`src` or `dst`) or the iptables engine"
        ));
    }
    Ok((name, dirs))
}

/// `-m set --match-set NAME src|dst`: `ip saddr @NAME` / `ip daddr @NAME` (`ip6` in IPv6,
/// `!=` when negated), on a set the engine declares in the firewall's table (see
/// [`match_set_sets`]). One direction is read as an address set (ipset's hash:ip and
/// hash:net uses); several directions are refused (the key type is unknown).
pub fn match_set(g: &Given<'_>) -> Result<String, String> {
    if g.has("return-nomatch") {
        return Err(
            "--return-nomatch turns on ipset's `nomatch` entries, which nft sets \
                    do not have; use the iptables engine"
                .into(),
        );
    }
    let (name, dir) = set_ref(g)?;
    let negated = g.options.iter().any(|o| o.0 == "match-set" && o.2);
    let field = if dir == "src" { "saddr" } else { "daddr" };
    Ok(format!("{} {field} {}@{name}", ip(g.family), neq(negated)))
}

/// The set [`match_set`] refers to: `set NAME { type ipv4_addr; flags interval; }`.
///
/// `interval` so that it holds single addresses and prefixes alike (what ipset's hash:ip
/// and hash:net hold). Without `auto-merge`: with it, nft merges `192.0.2.1` and
/// `192.0.2.2` into one range, after which `nft delete element … { 192.0.2.1 }` fails,
/// where `ipset del` of a hash:ip entry works; the price is that an element overlapping an
/// existing one is refused on `add element` (hash:net would take both).
pub fn match_set_sets(g: &Given<'_>) -> Vec<NftSet> {
    match set_ref(g) {
        Ok((name, _)) => vec![NftSet {
            name: name.to_string(),
            key: address_key(g.family),
            flags: "interval",
            by: "-m set",
            per_rule: false,
            keep_elements: true,
            template: String::new(),
            timeout: None,
            any_timeout: false,
        }],
        Err(_) => Vec::new(),
    }
}

/// `-m recent`: xt_recent's list `NAME` becomes a dynamic set `NAME` in the firewall's table
/// (see [`recent_sets`]), keyed on the source address (`--rdest`: the destination):
/// - `--set` → `update @NAME { ip saddr }`, which always matches, as `--set` does, and
///   restarts the address's timeout if the set has one, as `--set` records a new hit;
/// - `--rcheck` → `ip saddr @NAME` (`!=` when negated);
/// - `--update` → `ip saddr @NAME update @NAME { ip saddr }` (only a match records a hit);
/// - `--remove` → `ip saddr @NAME delete @NAME { ip saddr }`.
///
/// `--seconds S` (with or without `--reap`) is the set's timeout: an address is in the set
/// for S seconds after its last hit, which is what `--rcheck --seconds S` and
/// `--update --seconds S` ask. That is exact only if every rule that checks the list gives
/// the same S: xt_recent keeps the address (and `--remove` or a check without `--seconds`
/// still finds it) after S, the set does not, and a set has one timeout; the engine refuses
/// a list checked both ways (see [`NftSet::timeout`]). `--reap` then changes nothing.
///
/// Refused: `--hitcount` (nft keeps no hit counts per element), `--rttl` (xt_recent also
/// stores the TTL), `--mask` other than all ones (the masked key is not translated), and `!`
/// with `--set`, `--update` or `--remove` (a statement with a side effect that does not
/// match).
///
/// One difference remains and is documented: xt_recent forgets its oldest address when a
/// list is full (`ip_list_tot`, 100 by default), where the nft set holds up to 65535 and a
/// full set makes the adding rule stop matching.
pub fn recent(g: &Given<'_>) -> Result<String, String> {
    for (opt, why) in [
        (
            "hitcount",
            "nft sets keep no count of hits per element (to limit new connections per \
             address, a token bucket has an nft form: -m hashlimit --hashlimit-mode srcip \
             --hashlimit-above 3/minute --hashlimit-burst 3 --hashlimit-name ssh drops the \
             4th of a burst)",
        ),
        (
            "rttl",
            "xt_recent also compares the TTL it stored, which an nft set does not keep",
        ),
    ] {
        if g.has(opt) {
            return Err(format!(
                "--{opt}: {why}; use the iptables engine for this rule"
            ));
        }
    }
    if let Some(mask) = g.value("mask") {
        let all_ones = match g.family {
            Family::V4 => mask == "255.255.255.255",
            Family::V6 => mask
                .parse::<std::net::Ipv6Addr>()
                .is_ok_and(|a| a == std::net::Ipv6Addr::from(u128::MAX)),
        };
        if !all_ones {
            return Err(
                "--mask: the masked address as the set's key is not translated; use the \
                 iptables engine for this rule"
                    .into(),
            );
        }
    }
    let name = recent_name(g);
    let field = if g.has("rdest") { "daddr" } else { "saddr" };
    let key = format!("{} {field}", ip(g.family));
    let (command, negated) = g
        .options
        .iter()
        .find(|o| matches!(o.0, "set" | "rcheck" | "update" | "remove"))
        .map(|o| (o.0, o.2))
        .ok_or("one of --set, --rcheck, --update, --remove is needed")?;
    if negated && command != "rcheck" {
        return Err(format!(
            "! --{command}: the list changes and the rule does not match, which nft \
             cannot say in one rule; use the iptables engine for this rule"
        ));
    }
    Ok(match command {
        "set" => format!("update @{name} {{ {key} }}"),
        "rcheck" => format!("{key} {}@{name}", neq(negated)),
        "update" => format!("{key} @{name} update @{name} {{ {key} }}"),
        _ => format!("{key} @{name} delete @{name} {{ {key} }}"),
    })
}

/// xt_recent's list name: `--name`, `DEFAULT` without it.
fn recent_name<'a>(g: &Given<'a>) -> &'a str {
    g.value("name").unwrap_or("DEFAULT")
}

/// The set [`recent`] uses: `set NAME { type ipv4_addr; flags dynamic; }`, filled by the
/// rules, with `timeout S` for a check with `--seconds S`.
pub fn recent_sets(g: &Given<'_>) -> Vec<NftSet> {
    vec![NftSet {
        name: recent_name(g).to_string(),
        key: address_key(g.family),
        flags: "dynamic",
        by: "-m recent",
        per_rule: false,
        keep_elements: true,
        template: String::new(),
        timeout: g.value("seconds").and_then(|s| s.parse().ok()),
        any_timeout: g.has("set"),
    }]
}

/// `-m connlimit`: `add @connlimit0 { ip saddr ct count over 5 }` (`--connlimit-upto N`:
/// `ct count N`; `--connlimit-daddr`: `ip daddr`; `--connlimit-mask 24`:
/// `ip saddr & 255.255.255.0`), as `iptables-translate` writes it (`and` for `&`). Both count with the
/// kernel's nf_conncount: per masked address, the connections the rule has seen that
/// conntrack still holds. Each rule counts in a set of its own (see [`connlimit_sets`]), as
/// each xt_connlimit rule keeps its own counts.
pub fn connlimit(g: &Given<'_>) -> Result<String, String> {
    let field = if g.has("connlimit-daddr") {
        "daddr"
    } else {
        "saddr"
    };
    let bits = match g.family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let mask: u32 = match g.value("connlimit-mask") {
        Some(m) => m
            .parse()
            .map_err(|_| format!("--connlimit-mask `{m}` is not a prefix length"))?,
        None => bits,
    };
    let masked = address_mask(g.family, mask)?;
    let (over, n) = match (g.value("connlimit-above"), g.value("connlimit-upto")) {
        (Some(n), _) => ("over ", n),
        (None, Some(n)) => ("", n),
        (None, None) => return Err("--connlimit-upto or --connlimit-above is needed".into()),
    };
    Ok(format!(
        "add @{CONNLIMIT} {{ {} {field}{masked} ct count {over}{n} }}",
        ip(g.family)
    ))
}

/// The prefix of the per-rule sets of [`connlimit`].
const CONNLIMIT: &str = "connlimit";

/// The set of one [`connlimit`] rule: `set connlimitN { type ipv4_addr; flags dynamic; }`.
pub fn connlimit_sets(g: &Given<'_>) -> Vec<NftSet> {
    vec![NftSet {
        name: CONNLIMIT.to_string(),
        key: address_key(g.family),
        flags: "dynamic",
        by: "-m connlimit",
        per_rule: true,
        keep_elements: false,
        template: String::new(),
        timeout: None,
        any_timeout: false,
    }]
}

/// The key, timeout and limit of a [`hashlimit`] rule, or why nft cannot say it exactly.
fn hashlimit_parts(g: &Given<'_>) -> Result<(Vec<&'static str>, String, String), String> {
    let refuse = |why: &str| Err(format!("{why}; use the iptables engine for this rule"));
    if g.has("hashlimit-htable-max") {
        return refuse(
            "--hashlimit-htable-max: a full xt_hashlimit table drops the packet, a full nft \
             set makes the rule not match",
        );
    }
    let mode = g.value("hashlimit-mode").unwrap_or("");
    if mode.is_empty() {
        return refuse(
            "without --hashlimit-mode every packet of every rule of this name shares one \
             bucket, which an nft rule's `limit` does not (write -m limit for one rule's own)",
        );
    }
    let bits = match g.family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let mut key = Vec::new();
    let mut types = Vec::new();
    // xt_hashlimit's own order: addresses, then ports.
    for (field, ip_mode, mask_opt) in [
        ("saddr", "srcip", "hashlimit-srcmask"),
        ("daddr", "dstip", "hashlimit-dstmask"),
    ] {
        if !mode.split(',').any(|m| m == ip_mode) {
            continue;
        }
        let mask: u32 = match g.value(mask_opt) {
            Some(m) => m
                .parse()
                .map_err(|_| format!("--{mask_opt} `{m}` is not a prefix length"))?,
            None => bits,
        };
        key.push(format!(
            "{} {field}{}",
            ip(g.family),
            address_mask(g.family, mask)?
        ));
        types.push(address_key(g.family));
    }
    if mode.split(',').any(|m| m == "srcport" || m == "dstport") {
        return refuse(
            "--hashlimit-mode with ports: xt_hashlimit drops a fragment it cannot read the \
             ports of, where nft's port expression does not match it",
        );
    }
    let (avg, over) = match (g.value("hashlimit-upto"), g.value("hashlimit-above")) {
        (Some(r), _) => (r, ""),
        (None, Some(r)) => (r, "over "),
        (None, None) => return Err("--hashlimit-upto or --hashlimit-above is needed".into()),
    };
    let (count, per) = crate::value::parse_rate(avg).ok_or("a rate such as 10/second")?;
    let burst: u64 = g
        .value("hashlimit-burst")
        .map_or(Ok(5), str::parse)
        .map_err(|_| "--hashlimit-burst is not a number".to_string())?;
    // An idle entry expires after --hashlimit-htable-expire ms (default: one unit of the
    // rate, as iptables sets it); nft's element timeout, refreshed by `update`, does the
    // same, but xt_hashlimit reaps expired entries only at its next garbage collection,
    // and a packet in between finds the old bucket. That bucket is already full (the same
    // as a new one) only if it refills within the timeout: burst / rate <= expire.
    let expire_ms: u64 = match g.value("hashlimit-htable-expire") {
        Some(e) => e
            .parse()
            .map_err(|_| "--hashlimit-htable-expire is not a number".to_string())?,
        None => per * 1000,
    };
    if u128::from(burst) * u128::from(per) * 1000 > u128::from(expire_ms) * u128::from(count) {
        return refuse(&format!(
            "a bucket of {burst} at {avg} refills more slowly than its entry expires \
             ({expire_ms} ms), and xt_hashlimit reaps an expired entry only at its next \
             garbage collection, so the two would disagree in between; raise \
             --hashlimit-htable-expire to at least burst / rate"
        ));
    }
    // As nft lists it: `timeout 1m`, the burst only when it is not nft's default 5.
    let burst = if burst == 5 {
        String::new()
    } else {
        format!(" burst {burst} packets")
    };
    let template = format!(
        "timeout {} limit rate {over}{}{burst}",
        nft_duration(expire_ms),
        rate(avg)?
    );
    Ok((types, key.join(" . "), template))
}

/// A duration as nft writes it: `1m`, `1s500ms`, `2h30m`.
fn nft_duration(ms: u64) -> String {
    let mut out = String::new();
    let mut rest = ms;
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1000),
    ] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if rest > 0 || out.is_empty() {
        out.push_str(&format!("{rest}ms"));
    }
    out
}

/// ` & 255.255.255.0` for a prefix shorter than the address, else nothing.
fn address_mask(family: Family, prefix: u32) -> Result<String, String> {
    let bits = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    if prefix > bits {
        return Err(format!(
            "a mask of {prefix} bits is longer than the address"
        ));
    }
    if prefix == bits {
        return Ok(String::new());
    }
    let ones = |width: u32| -> u128 {
        if prefix == 0 {
            0
        } else {
            (u128::MAX >> (128 - width)) & !((1u128 << (width - prefix)) - 1)
        }
    };
    Ok(match family {
        Family::V4 => format!(" & {}", std::net::Ipv4Addr::from(ones(32) as u32)),
        Family::V6 => format!(" & {}", std::net::Ipv6Addr::from(ones(128))),
    })
}

/// `-m hashlimit` with `--hashlimit-mode` of addresses: the table `--hashlimit-name` becomes
/// a dynamic set of that name (see [`hashlimit_sets`]), each entry an element with the rule's
/// token bucket that expires when idle:
/// `update @NAME { ip saddr timeout 1s limit rate over 10/second }`.
/// `update` refreshes the timeout on each packet, as xt_hashlimit refreshes an entry's
/// expiry, and a new element starts with a full bucket, as a new entry does.
///
/// Refused, with the reason: no `--hashlimit-mode` (one bucket shared by every rule of the
/// name), port modes (fragments), `--hashlimit-htable-max` (a full table drops the packet),
/// and a bucket that refills more slowly than its entry expires (xt_hashlimit's garbage
/// collection then decides). Not kept over a re-apply: the reloaded rules start with full
/// buckets, where iptables-restore hands the old table over by name.
pub fn hashlimit(g: &Given<'_>) -> Result<String, String> {
    let (_, key, template) = hashlimit_parts(g)?;
    let name = value(g.value("hashlimit-name"), "hashlimit-name")?;
    Ok(format!("update @{name} {{ {key} {template} }}"))
}

/// The set of [`hashlimit`]: `set NAME { type ipv4_addr; flags dynamic,timeout; }`, keyed on
/// the concatenation of the mode's addresses. Rules of one name share it (as they share
/// xt_hashlimit's table) and must agree on its key and on what its elements carry.
pub fn hashlimit_sets(g: &Given<'_>) -> Vec<NftSet> {
    let (Ok((types, _, template)), Some(name)) = (hashlimit_parts(g), g.value("hashlimit-name"))
    else {
        return Vec::new();
    };
    vec![NftSet {
        name: name.to_string(),
        key: match types.as_slice() {
            [one] => one,
            // srcip,dstip: the same address type twice.
            _ => match g.family {
                Family::V4 => "ipv4_addr . ipv4_addr",
                Family::V6 => "ipv6_addr . ipv6_addr",
            },
        },
        flags: "dynamic,timeout",
        by: "-m hashlimit",
        per_rule: false,
        keep_elements: false,
        template,
        timeout: None,
        any_timeout: false,
    }]
}

/// The nft statement for a built-in option spec, for tests and tools: its form, if any.
pub fn option_form(spec: &OptionSpec) -> Option<NftForm> {
    spec.nft
}

/// A target option read from raw text: name, negated, value.
type OwnedOption = (String, bool, Option<String>);

/// Translates raw rule text (what follows `-A CHAIN`, as [`crate::raw::tokens`] splits it)
/// through the same forms as [`rule_to_nft`]. Options are read by their full names
/// (`-p`/`--protocol`, `-m NAME`, `--dport`, …); an abbreviation or a glued short option is
/// refused with a reason, rather than guessed.
pub fn raw_to_nft(
    family: Family,
    text: &str,
    chain: &dyn Fn(&str) -> String,
) -> Result<NftRule, NoNftForm> {
    let raw = |reason: String| no("a raw rule", reason);
    let words = crate::raw::tokens(text).map_err(raw)?;
    // (module, key, negated, value) and the target with its options.
    let mut args: Vec<(Option<String>, String, bool, Option<String>)> = Vec::new();
    let mut target: Option<(String, TargetKind, Vec<OwnedOption>)> = None;
    let mut module: Option<String> = None;
    let mut negated = false;
    let mut i = 0;
    let take = |i: &mut usize, n: usize| -> Result<String, NoNftForm> {
        if *i + n > words.len() {
            return Err(no(
                "a raw rule",
                format!("`{}` needs a value", words[*i - 1]),
            ));
        }
        *i += n;
        Ok(words[*i - n..*i].join(" "))
    };
    while i < words.len() {
        let word = words[i].clone();
        i += 1;
        let builtin = match word.as_str() {
            "!" => {
                negated = true;
                continue;
            }
            "-s" | "--source" | "--src" => Some("source"),
            "-d" | "--destination" | "--dst" => Some("destination"),
            "-i" | "--in-interface" => Some("in-interface"),
            "-o" | "--out-interface" => Some("out-interface"),
            "-p" | "--protocol" => Some("protocol"),
            "-f" | "--fragment" => {
                args.push((None, "fragment".into(), negated, None));
                negated = false;
                continue;
            }
            "-m" | "--match" => {
                module = Some(take(&mut i, 1)?);
                // The match alone (`-m socket`), until an option of it takes its place:
                // never left out, which would match every packet.
                args.push((module.clone(), String::new(), false, None));
                continue;
            }
            "-j" | "--jump" | "-g" | "--goto" => {
                let name = take(&mut i, 1)?;
                let kind = if word.starts_with("-g") || word == "--goto" {
                    TargetKind::Goto
                } else if targets::find(&name).is_some() {
                    TargetKind::Builtin
                } else {
                    TargetKind::Jump
                };
                target = Some((name, kind, Vec::new()));
                continue;
            }
            _ => None,
        };
        if let Some(key) = builtin {
            let v = take(&mut i, 1)?;
            args.push((None, key.into(), negated, Some(v)));
            negated = false;
            continue;
        }
        let Some(key) = word.strip_prefix("--") else {
            return Err(raw(format!(
                "`{word}` is not read here; write the rule with options"
            )));
        };
        let spec = match &mut target {
            Some((name, _, _)) => targets::find(name).and_then(|t| t.option(key)),
            None => {
                let m = match &module {
                    Some(m) => crate::matches::find(m),
                    None => args
                        .iter()
                        .find(|a| a.1 == "protocol" && !a.2)
                        .and_then(|a| a.3.as_deref())
                        .and_then(crate::rule::protocol_match),
                };
                m.and_then(|m| m.option(key))
            }
        };
        let spec = spec.ok_or_else(|| raw(format!("`--{key}` is not read here")))?;
        let value = if spec.kind.is_flag() {
            None
        } else {
            Some(take(&mut i, if spec.kind.is_multi_word() { 2 } else { 1 })?)
        };
        match &mut target {
            Some((_, _, opts)) => opts.push((key.to_string(), negated, value)),
            None => {
                let option = (module.clone(), key.to_string(), negated, value);
                match args
                    .iter_mut()
                    .find(|a| module.is_some() && a.0 == module && a.1.is_empty())
                {
                    Some(alone) => *alone = option,
                    None => args.push(option),
                }
            }
        }
        negated = false;
    }
    let cargs: Vec<Arg<'_>> = args
        .iter()
        .map(|(m, k, n, v)| Arg {
            module: m.as_deref(),
            key: k,
            negated: *n,
            value: v.as_deref(),
        })
        .collect();
    let targs: Vec<Arg<'_>> = target
        .iter()
        .flat_map(|t| t.2.iter())
        .map(|(k, n, v)| Arg {
            module: None,
            key: k,
            negated: *n,
            value: v.as_deref(),
        })
        .collect();
    let call = target.as_ref().map(|(name, kind, _)| TargetCall {
        name,
        kind: *kind,
        args: &targs,
    });
    rule_to_nft(family, &cargs, call.as_ref(), chain)
}
