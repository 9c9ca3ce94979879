//! `explain`: which rule decides a packet, offline (see [`crate::explain`]).
//!
//! `--json` is written by hand: the object is small and fixed, and a serialisation crate
//! would grow every per-host binary for this one command.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use clap::{Args, ValueEnum};

use super::{Io, EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::explain::{explain as run_explain, CtState, Explanation, Packet, Path};
use crate::{Family, Firewall};
use pyptables_catalog::packet::protocol_number;
use pyptables_catalog::Hook;

/// Options of `explain`.
#[derive(Args, Debug, Clone)]
pub(crate) struct ExplainArgs {
    /// The family (default: that of --src/--dst)
    #[arg(long, value_parser = ["4", "6"])]
    family: Option<String>,
    /// Where the packet goes: input (PREROUTING, INPUT), forward (PREROUTING, FORWARD,
    /// POSTROUTING), output (OUTPUT, POSTROUTING), or one hook alone (prerouting, postrouting)
    #[arg(long, value_enum, default_value = "forward")]
    hook: HookArg,
    /// The interface it comes in on
    #[arg(long = "in", value_name = "IFACE")]
    in_interface: Option<String>,
    /// The interface it goes out on
    #[arg(long = "out", value_name = "IFACE")]
    out_interface: Option<String>,
    /// The protocol: tcp, udp, icmp, icmpv6 or a number
    #[arg(long, default_value = "tcp")]
    proto: String,
    /// Source address
    #[arg(long, value_name = "ADDR")]
    src: Option<IpAddr>,
    /// Destination address
    #[arg(long, value_name = "ADDR")]
    dst: Option<IpAddr>,
    /// Source port
    #[arg(long, value_name = "N")]
    sport: Option<u16>,
    /// Destination port
    #[arg(long, value_name = "N")]
    dport: Option<u16>,
    /// ICMP type (and code as TYPE/CODE)
    #[arg(long, value_name = "TYPE[/CODE]")]
    icmp_type: Option<String>,
    /// Conntrack state: NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED [assumed: NEW]
    #[arg(long, value_name = "STATE")]
    state: Option<String>,
    /// The packet's mark [assumed: 0]
    #[arg(long, value_name = "N")]
    mark: Option<u32>,
    /// Print the explanation as one JSON object
    #[arg(long)]
    json: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum HookArg {
    Input,
    Forward,
    Output,
    Prerouting,
    Postrouting,
}

fn packet(a: &ExplainArgs) -> Result<(Family, Packet), String> {
    let family = match (a.family.as_deref(), a.src.or(a.dst)) {
        (Some("6"), _) => Family::V6,
        (Some(_), _) => Family::V4,
        (None, Some(addr)) if addr.is_ipv6() => Family::V6,
        (None, _) => Family::V4,
    };
    for addr in [a.src, a.dst].into_iter().flatten() {
        if addr.is_ipv6() != (family == Family::V6) {
            return Err(format!("{addr} is not an {} address", family.name()));
        }
    }
    let protocol = match protocol_number(&a.proto) {
        Some(Some(n)) => n,
        _ => {
            return Err(format!(
                "--proto {}: give a protocol name (tcp, udp, icmp, icmpv6) or a number",
                a.proto
            ))
        }
    };
    let any = if family == Family::V6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    let mut p = Packet::new(protocol, a.src.unwrap_or(any), a.dst.unwrap_or(any));
    p.family = family;
    p.src = a.src;
    p.dst = a.dst;
    p.sport = a.sport;
    p.dport = a.dport;
    if protocol == 6 {
        p.tcp_flags = Some(0x02);
    }
    if let Some(t) = &a.icmp_type {
        let (ty, code) = t.split_once('/').unwrap_or((t, "0"));
        match (ty.parse(), code.parse()) {
            (Ok(ty), Ok(code)) => p.icmp = Some((ty, code)),
            _ => {
                return Err(format!(
                    "--icmp-type {t}: give TYPE or TYPE/CODE as numbers"
                ))
            }
        }
    } else if protocol == 1 || protocol == 58 {
        p.icmp = Some((if protocol == 1 { 8 } else { 128 }, 0));
    }
    p.in_interface = a.in_interface.clone();
    p.out_interface = a.out_interface.clone();
    if let Some(s) = &a.state {
        p.state = Some(CtState::from_name(s).ok_or_else(|| {
            format!("--state {s}: give NEW, ESTABLISHED, RELATED, INVALID or UNTRACKED")
        })?);
    }
    p.mark = a.mark;
    Ok((family, p))
}

/// Runs `explain`: exit 0 for a definite verdict, 1 when it cannot be decided offline.
pub(crate) fn explain(fw: &Firewall, a: &ExplainArgs, io: &mut Io<'_>) -> u8 {
    let (family, p) = match packet(a) {
        Ok(x) => x,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            return EXIT_ERROR;
        }
    };
    let path = match a.hook {
        HookArg::Input => Path::Input,
        HookArg::Forward => Path::Forward,
        HookArg::Output => Path::Output,
        HookArg::Prerouting => Path::Hook(Hook::Prerouting),
        HookArg::Postrouting => Path::Hook(Hook::Postrouting),
    };
    let e = run_explain(fw.family(family), &p, path);
    let text = if a.json { json(&e) } else { human(&e) };
    let _ = write!(io.out, "{text}");
    if e.verdict == crate::explain::Verdict::Unknown {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

fn human(e: &Explanation) -> String {
    let mut s = format!("verdict: {}\n", e.verdict);
    match (&e.rule, &e.policy) {
        (Some(r), _) => {
            s += &format!(
                "rule: {}/{} rule {} ({})\n",
                r.table, r.chain, r.position, r.origin
            )
        }
        (None, Some((t, c))) => s += &format!("rule: none, the policy of {t}/{c}\n"),
        (None, None) => {}
    }
    if !e.path.is_empty() {
        s += "path:\n";
        for step in &e.path {
            s += &format!("  {} {step}\n", step.hook);
        }
    }
    for u in &e.unknown {
        s += &format!("unknown: {u}\n");
    }
    for a in &e.assumptions {
        s += &format!("assumed: {a}\n");
    }
    s
}

/// `text` as a JSON string, escaped as RFC 8259 requires.
pub(crate) fn js(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 2);
    s.push('"');
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn list(items: impl Iterator<Item = String>) -> String {
    format!("[{}]", items.collect::<Vec<_>>().join(", "))
}

fn json(e: &Explanation) -> String {
    let rule = match &e.rule {
        Some(r) => format!(
            "{{\"table\": {}, \"chain\": {}, \"position\": {}, \"origin\": {}}}",
            js(&r.table),
            js(&r.chain),
            r.position,
            js(&r.origin.to_string())
        ),
        None => "null".into(),
    };
    let policy = match &e.policy {
        Some((t, c)) => format!("{{\"table\": {}, \"chain\": {}}}", js(t), js(c)),
        None => "null".into(),
    };
    let path = list(e.path.iter().map(|s| {
        format!(
            "{{\"hook\": {}, \"table\": {}, \"chain\": {}, \"position\": {}, \"origin\": {}, \"action\": {}}}",
            js(s.hook.chain_name()),
            js(&s.table),
            js(&s.chain),
            s.position.map_or("null".into(), |p| p.to_string()),
            js(&s.origin.to_string()),
            js(&s.action)
        )
    }));
    format!(
        "{{\"verdict\": {}, \"rule\": {rule}, \"policy\": {policy}, \"path\": {path}, \"unknown\": {}, \"assumptions\": {}}}\n",
        js(e.verdict.as_str()),
        list(e.unknown.iter().map(|u| js(u))),
        list(e.assumptions.iter().map(|a| js(a))),
    )
}

#[cfg(test)]
mod tests {
    use super::js;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(js("a\"b\\c\nd\u{1}é"), "\"a\\\"b\\\\c\\nd\\u0001é\"");
    }
}
