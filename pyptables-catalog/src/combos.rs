//! Computed checks of how a match's or target's options combine ([`Constraint::Check`]), and
//! the value shapes that need a protocol ([`crate::spec::ValueNeeds`]): what iptables' final
//! checks and the kernel's `checkentry` functions refuse, where a table of option pairs cannot
//! say it.
//!
//! Where only one backend refuses something, the catalog refuses it too — a firewall must load
//! on the machine whatever its backend — and the message names the backend.
//!
//! [`Constraint::Check`]: crate::spec::Constraint::Check

mod rateest;

pub use rateest::rateest_times;

use crate::family::Family;
use crate::hooks::Hooks;
use crate::rule::{protocol_of, same_key};
use crate::spec::{Given, Violation};
use crate::value::{parse_rate, parse_uint};

/// Whether a NAT address (`--to-source`, `--to-destination`) has a port part: iptables then
/// wants `-p tcp|udp|sctp|dccp|icmp` (libxt_NAT: one colon, or a colon after `[…]`, is a port).
#[must_use]
pub fn nat_has_port(value: &str) -> bool {
    match value.strip_prefix('[') {
        Some(rest) => rest
            .split_once(']')
            .is_some_and(|(_, after)| after.contains(':')),
        None => value.matches(':').count() == 1,
    }
}

/// The kernel's `HZ` is chosen when it is built; these are the values distributions use. A
/// rate is refused if it overflows with any of them.
const HZ_VALUES: [u64; 4] = [100, 250, 300, 1000];

/// The largest power of two not above `x` (the kernel's `POW2_BELOW32/64`).
fn pow2_below(x: u64) -> u64 {
    if x == 0 {
        0
    } else {
        1 << (63 - x.leading_zeros())
    }
}

/// xt_limit's check: `user2credits(avg * burst) < user2credits(avg)` in 32-bit arithmetic.
fn limit_overflows(avg: u32, burst: u32, hz: u64) -> bool {
    const SCALE: u32 = 10_000; // XT_LIMIT_SCALE
    let cpj = pow2_below(u64::from(u32::MAX) / (hz * 86_400));
    let k = (hz * cpj) as u32;
    let credits = |user: u32| -> u32 {
        if user > u32::MAX / k {
            (user / SCALE).wrapping_mul(k)
        } else {
            user * k / SCALE
        }
    };
    burst == 0 || credits(avg.wrapping_mul(burst)) < credits(avg)
}

/// xt_hashlimit's check (revision 2 and later) in 64-bit arithmetic, whose `user2credits`
/// divides the constants first.
fn hashlimit_overflows(avg: u64, burst: u64, hz: u64) -> bool {
    const SCALE: u64 = 1_000_000; // XT_HASHLIMIT_SCALE_v2
    let cpj = pow2_below(u64::MAX / (hz * 86_400));
    let k = hz * cpj;
    let credits = |user: u64| -> u64 {
        if SCALE >= k {
            user / (SCALE / k)
        } else {
            user.wrapping_mul(k / SCALE)
        }
    };
    burst == 0 || credits(avg.wrapping_mul(burst)) < credits(avg)
}

/// The smallest burst from 1 up that overflows, if any does up to `max`.
fn first_bad_burst(max: u64, overflows: impl Fn(u64) -> bool) -> Option<u64> {
    (1..=max).find(|&b| overflows(b))
}

/// `-m limit`: the legacy kernel (xt_limit) refuses a slow rate with a big burst, because its
/// token counter would overflow (`--limit 1/day` with the default burst of 5). nf_tables has
/// its own limit expression and loads it.
pub fn limit_overflow(given: &Given<'_>) -> Result<(), Violation> {
    let Some((count, seconds)) = given.value("limit").and_then(parse_rate) else {
        return Ok(());
    };
    let burst = match given.value("limit-burst") {
        Some(b) => match parse_uint(b) {
            Some(b) => b,
            None => return Ok(()),
        },
        None => 5,
    };
    let avg = (10_000 * seconds / count) as u32;
    let overflows = |b: u64| {
        HZ_VALUES
            .iter()
            .any(|&hz| limit_overflows(avg, b as u32, hz))
    };
    if !overflows(burst) {
        return Ok(());
    }
    let rate = given.value("limit").unwrap_or_default();
    let fix = match first_bad_burst(burst, overflows) {
        Some(1) | None => "use a faster rate".to_string(),
        Some(b) => format!("use a burst below {b} (`limit-burst`) or a faster rate"),
    };
    Err(Violation::new(
        Some(if given.has("limit-burst") {
            "limit-burst"
        } else {
            "limit"
        }),
        format!(
            "rate {rate} with burst {burst} overflows the token counter of the legacy kernel \
             module (xt_limit), so the legacy backend refuses the rule (nf_tables loads it); \
             {fix}"
        ),
    ))
}

/// `-m hashlimit`: xt_hashlimit refuses a slow rate with a big burst (its credit counter would
/// overflow), with both backends: `--hashlimit-upto 1/day` needs `--hashlimit-burst 1`.
pub fn hashlimit_overflow(given: &Given<'_>) -> Result<(), Violation> {
    let Some(rate) = given
        .value("hashlimit-upto")
        .or_else(|| given.value("hashlimit-above"))
    else {
        return Ok(());
    };
    let Some((count, seconds)) = parse_rate(rate) else {
        return Ok(());
    };
    let burst = match given.value("hashlimit-burst") {
        Some(b) => match parse_uint(b) {
            Some(b) => b,
            None => return Ok(()),
        },
        None => 5,
    };
    let avg = 1_000_000 * seconds / count;
    let overflows = |b: u64| HZ_VALUES.iter().any(|&hz| hashlimit_overflows(avg, b, hz));
    if !overflows(burst) {
        return Ok(());
    }
    let fix = match first_bad_burst(burst, overflows) {
        Some(1) | None => "use a faster rate".to_string(),
        Some(b) => format!("use a burst below {b} (`hashlimit-burst`) or a faster rate"),
    };
    Err(Violation::new(
        Some(if given.has("hashlimit-burst") {
            "hashlimit-burst"
        } else if given.has("hashlimit-upto") {
            "hashlimit-upto"
        } else {
            "hashlimit-above"
        }),
        format!(
            "rate {rate} with burst {burst} overflows the kernel's credit counter (xt_hashlimit \
             refuses it); {fix}"
        ),
    ))
}

/// `-m string`: the kernel refuses `--from` after `--to` (which defaults to 65535).
pub fn string_offsets(given: &Given<'_>) -> Result<(), Violation> {
    let number = |key: &str, default: u64| match given.value(key) {
        Some(v) => parse_uint(v),
        None => Some(default),
    };
    match (number("from", 0), number("to", 65_535)) {
        (Some(from), Some(to)) if from > to => Err(Violation::new(
            Some("from"),
            format!("`from` {from} is after `to` {to}: the kernel refuses an empty search window"),
        )),
        _ => Ok(()),
    }
}

/// `-m statistic`: `--mode random` needs `--probability`, `--mode nth` needs `--every` (and
/// `--packet`), and `--packet` counts from 0 to `--every` - 1.
pub fn statistic_mode(given: &Given<'_>) -> Result<(), Violation> {
    let mode = given.value("mode").unwrap_or_default();
    if mode.eq_ignore_ascii_case("random") && !given.has("probability") {
        return Err(Violation::new(
            Some("mode"),
            "mode random needs `probability` (and takes neither `every` nor `packet`)",
        ));
    }
    if mode.eq_ignore_ascii_case("nth") && !given.has("every") {
        return Err(Violation::new(
            Some("mode"),
            "mode nth needs `every` and `packet` (and takes no `probability`)",
        ));
    }
    let every = given.value("every").and_then(parse_uint);
    let packet = given.value("packet").and_then(parse_uint);
    if let (Some(every), Some(packet)) = (every, packet) {
        if packet >= every {
            return Err(Violation::new(
                Some("packet"),
                format!(
                    "`packet` {packet} must be less than `every` {every} (packets are counted \
                     from 0)"
                ),
            ));
        }
    }
    Ok(())
}

/// `-j NFQUEUE --queue-balance a:b`: the kernel counts the queues in 16 bits, so `0:65535`
/// (65536 queues) is refused.
pub fn queue_count(given: &Given<'_>) -> Result<(), Violation> {
    let Some((a, b)) = given.value("queue-balance").and_then(|v| v.split_once(':')) else {
        return Ok(());
    };
    match (parse_uint(a), parse_uint(b)) {
        (Some(a), Some(b)) if b >= a && b - a + 1 > 65_535 => Err(Violation::new(
            Some("queue-balance"),
            format!(
                "`queue-balance` {a}:{b} is {} queues; the kernel allows at most 65535",
                b - a + 1
            ),
        )),
        _ => Ok(()),
    }
}

/// `-j TCPMSS`: the legacy kernel (xt_TCPMSS) wants the rule to match TCP SYN packets
/// (`--syn`, or `--tcp-flags` with SYN among the set flags, not inverted); nf_tables does not
/// check it. `--set-mss` leaves room for the IP and TCP headers: at most 65515 in IPv4
/// (the option's range) and 65495 in IPv6.
pub fn tcpmss(given: &Given<'_>) -> Result<(), Violation> {
    if given.family == Family::V6 {
        if let Some(mss) = given.value("set-mss").and_then(parse_uint) {
            if mss > 65_495 {
                return Err(Violation::new(
                    Some("set-mss"),
                    format!("{mss} is out of range 0-65495 (IPv6: 65535 minus the headers)"),
                ));
            }
        }
    }
    let syn = given.rule.iter().any(|a| {
        !a.negated
            && a.module.is_none_or(|m| m == "tcp")
            && (same_key(a.key, "syn")
                || (same_key(a.key, "tcp-flags")
                    && a.value
                        .and_then(|v| v.split_whitespace().nth(1))
                        .is_some_and(|set| {
                            set.split(',').any(|f| {
                                f.eq_ignore_ascii_case("SYN") || f.eq_ignore_ascii_case("ALL")
                            })
                        })))
    });
    if syn {
        return Ok(());
    }
    Err(Violation::new(
        None,
        "it works on TCP SYN packets only: add `syn` (or `tcp-flags` with SYN set); the legacy \
         backend refuses the rule without it (nf_tables loads it)",
    ))
}

/// `-m cluster`: the local node (or each node of the mask) must be one of the
/// `--cluster-total-nodes` (libxt_cluster and xt_cluster: the mask below `2^total`).
pub fn cluster_nodes(given: &Given<'_>) -> Result<(), Violation> {
    let Some(total) = given.value("cluster-total-nodes").and_then(parse_uint) else {
        return Ok(());
    };
    if let Some(node) = given.value("cluster-local-node").and_then(parse_uint) {
        if node > total {
            return Err(Violation::new(
                Some("cluster-local-node"),
                format!("node {node} is not one of the {total} nodes (`cluster-total-nodes`)"),
            ));
        }
    }
    if let Some(mask) = given.value("cluster-local-nodemask").and_then(parse_uint) {
        if mask >= 1 << total {
            return Err(Violation::new(
                Some("cluster-local-nodemask"),
                format!(
                    "mask {mask} names nodes beyond the {total} nodes (`cluster-total-nodes`): \
                     at most {}",
                    (1u64 << total) - 1
                ),
            ));
        }
    }
    Ok(())
}

/// The hooks policy's `--dir` value is allowed in: the kernel (xt_policy) refuses an input
/// policy in OUTPUT and POSTROUTING and an output policy in PREROUTING and INPUT.
#[must_use]
pub fn policy_dir_hooks(value: &str) -> Hooks {
    if value.eq_ignore_ascii_case("out") {
        Hooks::FORWARD.or(Hooks::OUTPUT).or(Hooks::POSTROUTING)
    } else {
        Hooks::PREROUTING.or(Hooks::INPUT).or(Hooks::FORWARD)
    }
}

/// The options of one policy element (`--reqid` … `--tunnel-dst`).
const POLICY_ELEMENT: [&str; 6] = ["reqid", "spi", "proto", "mode", "tunnel-src", "tunnel-dst"];

/// `-m policy` (libxt_policy's final check): `--pol none` takes neither `--strict` nor
/// element options, `--strict` needs an element option, and the tunnel addresses need
/// `--mode tunnel`.
pub fn policy_element(given: &Given<'_>) -> Result<(), Violation> {
    let none = given
        .value("pol")
        .is_some_and(|p| p.eq_ignore_ascii_case("none"));
    let element = POLICY_ELEMENT.iter().find(|o| given.has(o));
    if none {
        if given.has("strict") {
            return Err(Violation::new(
                Some("strict"),
                "policy none takes no `strict` (there is no policy to match exactly)",
            ));
        }
        if let Some(o) = element {
            return Err(Violation::new(
                Some(o),
                format!("policy none takes no `{o}` (it matches packets without IPsec policy)"),
            ));
        }
        return Ok(());
    }
    if given.has("strict") && element.is_none() {
        return Err(Violation::new(
            Some("strict"),
            "`strict` needs at least one of `reqid`, `spi`, `proto`, `mode`, `tunnel-src`, \
             `tunnel-dst`",
        ));
    }
    let tunnel = given.options.iter().any(|&(name, value, negated)| {
        name == "mode" && value.is_some_and(|v| v.eq_ignore_ascii_case("tunnel")) != negated
    });
    if let Some(o) = ["tunnel-src", "tunnel-dst"].iter().find(|o| given.has(o)) {
        if !tunnel {
            return Err(Violation::new(
                Some(o),
                format!("`{o}` is only valid with `mode tunnel`"),
            ));
        }
    }
    Ok(())
}

/// `-m ipvs`: `! --ipvs` (no IPVS connection) cannot be combined with the options that
/// describe an IPVS connection (libxt_ipvs).
pub fn ipvs_inverted(given: &Given<'_>) -> Result<(), Violation> {
    let inverted = given.options.iter().any(|o| o.0 == "ipvs" && o.2);
    match given.options.iter().find(|o| o.0 != "ipvs") {
        Some(other) if inverted => Err(Violation::new(
            Some("ipvs"),
            format!(
                "`! ipvs` (no IPVS connection) cannot be used with `{}`, which describes one",
                other.0
            ),
        )),
        _ => Ok(()),
    }
}

/// `-m ah`: IPv4's ipt_ah needs `-p ah`. In IPv6, `-p` is the protocol after the extension
/// headers, AH among them, so `-p ah` never matches (ip6tables warns "never matched
/// protocol"); ip6t_ah finds the header itself.
pub fn ah_protocol(g: &Given<'_>) -> Result<(), Violation> {
    let ah = protocol_of(g.rule).is_some_and(|p| p.eq_ignore_ascii_case("ah"));
    match g.family {
        Family::V4 if !ah => Err(Violation::new(
            None,
            "in IPv4 `-m ah` needs `-p ah` (proto=ah)",
        )),
        Family::V6 if ah => Err(Violation::new(
            None,
            "in IPv6 `-p ah` never matches (`-p` is the protocol after the extension headers, \
             AH among them): leave `-p` out, `-m ah` finds the header itself",
        )),
        _ => Ok(()),
    }
}

/// `-m rt`: `--rt-0-res` and `--rt-0-addrs` need `--rt-type 0` (not inverted) before them,
/// `--rt-0-not-strict` needs `--rt-0-addrs` before it (libip6t_rt reads them in order).
pub fn rt_type0(g: &Given<'_>) -> Result<(), Violation> {
    let mut type0 = false;
    let mut addrs = false;
    for &(name, value, negated) in g.options {
        match name {
            "rt-type" => type0 = !negated && value.and_then(parse_uint) == Some(0),
            "rt-0-res" | "rt-0-addrs" if !type0 => {
                let option = if name == "rt-0-res" {
                    "rt-0-res"
                } else {
                    "rt-0-addrs"
                };
                return Err(Violation::new(
                    Some(option),
                    format!("`{name}` needs `rt-type 0` before it"),
                ));
            }
            "rt-0-addrs" => addrs = true,
            "rt-0-not-strict" if !addrs => {
                return Err(Violation::new(
                    Some("rt-0-not-strict"),
                    "`rt-0-not-strict` needs `rt-0-addrs` before it",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boundaries seen in the kernel (6.18, HZ=250).
    #[test]
    fn overflow_formulas_match_what_the_kernel_did() {
        let limit_avg = |count: u64, seconds: u64| (10_000 * seconds / count) as u32;
        assert!(!limit_overflows(limit_avg(1, 86_400), 1, 250));
        assert!(limit_overflows(limit_avg(1, 86_400), 2, 250));
        assert!(limit_overflows(limit_avg(1, 86_400), 4, 250));
        assert!(!limit_overflows(limit_avg(1, 3_600), 100, 250));
        let hl_avg = |count: u64, seconds: u64| 1_000_000 * seconds / count;
        assert!(!hashlimit_overflows(hl_avg(1, 86_400), 1, 250));
        assert!(hashlimit_overflows(hl_avg(1, 86_400), 2, 250));
        assert!(!hashlimit_overflows(hl_avg(1, 3_600), 10, 250));
        assert!(!hashlimit_overflows(hl_avg(1, 3_600), 100, 250));
        assert!(!hashlimit_overflows(hl_avg(1, 60), 100_000, 250));
        assert!(!hashlimit_overflows(hl_avg(10, 1), 5, 250));
    }

    #[test]
    fn nat_ports() {
        assert!(nat_has_port("192.0.2.1:80"));
        assert!(nat_has_port(":80"));
        assert!(nat_has_port("[2001:db8::1]:80"));
        assert!(!nat_has_port("192.0.2.1"));
        assert!(!nat_has_port("2001:db8::1"));
        assert!(!nat_has_port("[2001:db8::1]"));
    }
}
