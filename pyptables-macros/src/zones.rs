//! Zones and host groups: the `zones { … }` and `hosts { … }` declarations, and the zone rules
//! that use them by name (`accept from=lan to=dmz:web tcp=[80, 443] log="lan-dmz ";`).
//!
//! Everything written here is checked at compile time — names (with "did you mean"),
//! interfaces, addresses and ranges, ports, ICMP types, the log prefix — and the rule is then
//! expanded at run time by `pyptables::zones`, the same code a program using that module
//! directly runs, so the DSL and the builder cannot disagree on the expansion.

use pyptables_catalog::hosts::parse_host;
use pyptables_catalog::limits::{port_slots, too_many_ports, MULTIPORT_SLOTS};
use pyptables_catalog::suggest::{did_you_mean, hint};
use pyptables_catalog::value::{reversed_range, IPSET_NAME};
use pyptables_catalog::{matches, services};
use pyptables_catalog::{targets, Family, OptionSpec, TargetKind, ValueKind};

use crate::ast::{self, HostsDecl, Opt, Scalar, SpanRange, Value, ZoneDecl};
use crate::errors::Errors;
use crate::lower::Where;
use crate::model::{self, Channel, Place, Target, ZoneRule};

/// The keys that make a rule a zone rule.
pub const ZONE_KEYS: [&str; 6] = ["from", "to", "tcp", "udp", "icmp", "log"];

/// The checked declarations.
#[derive(Default)]
pub struct Decls {
    /// The zones.
    pub zones: Vec<model::Zone>,
    /// The host groups.
    pub hosts: Vec<model::Hosts>,
}

impl Decls {
    /// Checks every declaration; a wrong one is reported and left out.
    pub fn check(zones: &[ZoneDecl], hosts: &[HostsDecl], errors: &mut Errors) -> Decls {
        let mut out = Decls::default();
        let mut seen: Vec<(&str, &ast::Name)> = Vec::new();
        for z in zones {
            if let Some(prev) = duplicate(&seen, &z.name) {
                errors.error(
                    z.name.span,
                    format!(
                        "zone `{}` is declared twice (first at line {prev})",
                        z.name.text
                    ),
                );
                continue;
            }
            for s in std::iter::once(&z.interface).chain(&z.port) {
                if let Err(e) = ValueKind::Interface.check(&s.text, Family::V4) {
                    errors.error(
                        s.span,
                        format!("invalid interface `{}`: {}", s.text, reason(e)),
                    );
                }
            }
            // A wrong declaration is kept (its error is reported), so that the rules using it
            // do not report its name as unknown too.
            seen.push(("zone", &z.name));
            out.zones.push(model::Zone {
                name: z.name.text.clone(),
                interface: z.interface.text.clone(),
                port: z.port.as_ref().map(|p| p.text.clone()),
            });
        }
        for h in hosts {
            if let Some(prev) = duplicate(&seen, &h.name) {
                errors.error(
                    h.name.span,
                    format!(
                        "`{}` is already declared (line {prev}); zones and host groups share one \
                         namespace",
                        h.name.text
                    ),
                );
                continue;
            }
            seen.push(("hosts", &h.name));
            let value = match &h.value {
                ast::HostsValue::Set(s) => match IPSET_NAME.check(&s.text, Family::V4) {
                    Ok(_) => model::HostsValue::Set(s.text.clone()),
                    Err(e) => {
                        errors.error(
                            s.span,
                            format!("invalid ipset name `{}`: {}", s.text, reason(e)),
                        );
                        model::HostsValue::Set(s.text.clone())
                    }
                },
                ast::HostsValue::List(items) => {
                    let mut entries = Vec::new();
                    for item in items {
                        match host_family(&item.text) {
                            Ok(f) => entries.push((item.text.clone(), f)),
                            Err(e) => errors.error(item.span, e),
                        }
                    }
                    // The wrong entries are reported and left out.
                    model::HostsValue::List(entries)
                }
            };
            out.hosts.push(model::Hosts {
                name: h.name.text.clone(),
                value,
            });
        }
        out
    }

    fn zone(&self, name: &str) -> Option<usize> {
        self.zones.iter().position(|z| z.name == name)
    }

    fn group(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }
}

/// The value kind of an option the catalog has (the zone rule writes it), whose absence would
/// be a mistake in the catalog, not in the user's code.
fn catalog_kind(option: Option<&OptionSpec>) -> ValueKind {
    option
        .map(|o| o.kind)
        .expect("the catalog has the options a zone rule writes")
}

fn duplicate(seen: &[(&str, &ast::Name)], name: &ast::Name) -> Option<usize> {
    seen.iter()
        .find(|(_, n)| n.text == name.text)
        .map(|(_, n)| n.span.line())
}

fn reason(e: pyptables_catalog::ValueError) -> String {
    match e {
        pyptables_catalog::ValueError::Invalid(r) => r,
        pyptables_catalog::ValueError::WrongFamily { found } => format!("an {found} value"),
    }
}

/// The family of a host entry, or why it is wrong: the catalog's parser, which
/// `pyptables::zones::Host` runs on it again at run time.
fn host_family(text: &str) -> Result<Family, String> {
    parse_host(text)
        .map(|h| h.family())
        .map_err(|e| e.to_string())
}

/// Whether `opts` make a zone rule: a zone key not taken by the verb's target (NETMAP's `to`)
/// and no `match=`.
pub fn is_zone_rule(opts: &[&Opt], spec: Option<&pyptables_catalog::TargetSpec>) -> bool {
    !opts.iter().any(|o| o.key.text == "match")
        && opts.iter().any(|o| {
            ZONE_KEYS.contains(&o.key.text.as_str())
                && spec.is_none_or(|s| s.option(&o.key.text).is_none())
        })
}

/// Lowers a zone rule; `None` (with errors reported) if it is wrong.
pub fn lower(
    decls: &Decls,
    verb: Option<&ast::Verb>,
    opts: &[&Opt],
    at: &Where<'_>,
    errors: &mut Errors,
) -> Option<ZoneRule> {
    let before = errors.len();
    let input = at.chain == "INPUT";
    if !allowed_here(opts, at, errors) {
        return None;
    }
    let verdict = verb.and_then(|v| verdict(v, errors));
    let mut rule = ZoneRule {
        input,
        verdict,
        from: Vec::new(),
        to: Vec::new(),
        channels: Vec::new(),
        states: Vec::new(),
        log: None,
        comment: None,
    };
    let mut ctstate_at = None;
    for opt in opts {
        let key = opt.key.text.as_str();
        if opt.negated() {
            errors.error(
                opt.span,
                format!("`{key}` cannot be negated in a zone rule"),
            );
            continue;
        }
        let Some(value) = &opt.value else {
            errors.error(
                opt.key.span,
                format!(
                    "`{key}` cannot be used in a zone rule: it takes `from=`, `to=`, `tcp=`, \
                     `udp=`, `icmp=`, `ctstate=`, `log=` and `comment=`"
                ),
            );
            continue;
        };
        let items: Vec<&Scalar> = match value {
            Value::Scalar(s) => vec![s],
            Value::List(l) => l.items.iter().collect(),
            Value::Expr(e) => {
                errors.error(
                    SpanRange::single(e.span),
                    "a zone rule is written in the source: `{ expr }` values are not taken here",
                );
                continue;
            }
        };
        match key {
            "from" | "to" => {
                if key == "to" && input {
                    errors.error(
                        opt.key.span,
                        "`to=` in INPUT: traffic in INPUT is for this machine; write the rule in \
                         FORWARD, or leave `to=` out",
                    );
                    continue;
                }
                for item in items {
                    if let Some(place) = place(decls, item, at, errors) {
                        if key == "from" {
                            rule.from.push(place);
                        } else {
                            rule.to.push(place);
                        }
                    }
                }
            }
            "tcp" | "udp" => {
                if let Some(ports) = ports(&items, key, errors) {
                    rule.channels.push(if key == "tcp" {
                        Channel::Tcp(ports)
                    } else {
                        Channel::Udp(ports)
                    });
                }
            }
            "icmp" => {
                if let Some(channel) = icmp(opt, value, &items, at, errors) {
                    rule.channels.push(channel);
                }
            }
            "ctstate" => {
                let mut states_span = None;
                for item in items {
                    match ValueKind::Choice(pyptables_catalog::value::CT_STATES)
                        .check(&item.text, Family::V4)
                    {
                        Ok(state) if !rule.states.contains(&state.to_string()) => {
                            rule.states.push(state.into_owned())
                        }
                        Ok(_) => {}
                        Err(e) => errors.error(
                            item.span,
                            format!("invalid conntrack state `{}`: {}", item.text, reason(e)),
                        ),
                    }
                    states_span = Some(opt.key.span);
                }
                if let Some(span) = states_span {
                    ctstate_at = Some(span);
                }
            }
            "log" | "comment" => {
                let text = text_option(key, value, &items, errors);
                if key == "log" {
                    rule.log = text.or(rule.log);
                } else {
                    rule.comment = text.or(rule.comment);
                }
            }
            _ => errors.error(
                opt.key.span,
                format!(
                    "`{key}` cannot be used in a zone rule: it takes `from=`, `to=`, `tcp=`, \
                     `udp=`, `icmp=`, `ctstate=`, `log=` and `comment=`"
                ),
            ),
        }
    }
    if let (Some(span), true) = (ctstate_at, rule.channels.is_empty()) {
        errors.error(
            span,
            "`ctstate=` in a zone rule applies to its channels: give `tcp=`, `udp=` or `icmp=` \
             too (`tcp=any` for all TCP)",
        );
    }
    if rule.verdict.is_none() && rule.log.is_none() && verb.is_none() {
        errors.error(
            opts[0].span,
            "this zone rule has neither a verb nor `log=`, so it would do nothing",
        );
    }
    (errors.len() == before).then_some(rule)
}

/// Whether zone rules may be in the chain of `at` (INPUT, FORWARD or a user chain); if not,
/// the error is at the first zone key of `opts`.
fn allowed_here(opts: &[&Opt], at: &Where<'_>, errors: &mut Errors) -> bool {
    if !at.builtin || matches!(at.chain, "INPUT" | "FORWARD") {
        return true;
    }
    let span = opts
        .iter()
        .find(|o| ZONE_KEYS.contains(&o.key.text.as_str()))
        .map_or_else(|| opts[0].key.span, |o| o.key.span);
    errors.error(
        span,
        format!(
            "zone rules (`from=`, `to=`, `tcp=`, …) go in INPUT, FORWARD or a user chain, not in \
             {}",
            at.chain
        ),
    );
    false
}

/// The channel of `icmp=TYPE` (`any` for every type), or `None` with the errors reported.
fn icmp(
    opt: &Opt,
    value: &Value,
    items: &[&Scalar],
    at: &Where<'_>,
    errors: &mut Errors,
) -> Option<Channel> {
    let [item] = items[..] else {
        errors.error(
            value.span(),
            "`icmp=` takes one type (or `any`); write `icmp=` once per type",
        );
        return None;
    };
    if let Some(f) = at.families.iter().find(|f| **f == Family::V6) {
        errors.error(
            opt.key.span,
            format!("`icmp=` is IPv4 only, but this rule is for {f}"),
        );
        return None;
    }
    if item.text == "any" {
        return Some(Channel::Icmp(None));
    }
    match ValueKind::IcmpType.check(&item.text, Family::V4) {
        Ok(_) => Some(Channel::Icmp(Some(item.text.clone()))),
        Err(e) => {
            errors.error(
                item.span,
                format!("invalid ICMP type `{}`: {}", item.text, reason(e)),
            );
            None
        }
    }
}

/// The text of `log=` (a log prefix) or `comment=` (`key`), checked as the option the rule
/// becomes; `None` with the errors reported.
fn text_option(key: &str, value: &Value, items: &[&Scalar], errors: &mut Errors) -> Option<String> {
    let [item] = items[..] else {
        errors.error(value.span(), format!("`{key}=` takes one text"));
        return None;
    };
    // The options the rule becomes: `-j LOG --log-prefix`, `-m comment --comment`.
    let (kind, what) = if key == "log" {
        let option = targets::find("LOG").and_then(|t| t.option("log-prefix"));
        (catalog_kind(option), "log prefix")
    } else {
        let option = matches::find("comment").and_then(|m| m.option("comment"));
        (catalog_kind(option), "comment")
    };
    match kind.check(&item.text, Family::V4) {
        Ok(_) => Some(item.text.clone()),
        Err(e) => {
            errors.error(
                item.span,
                format!("invalid {what} `{}`: {}", item.text, reason(e)),
            );
            None
        }
    }
}

/// The verdict of a zone rule's verb, if it is one a zone rule takes (errors reported).
fn verdict(v: &ast::Verb, errors: &mut Errors) -> Option<Target> {
    match &v.kind {
        ast::VerbKind::Target => match targets::find_verb(&v.word.text) {
            Some(spec) if matches!(spec.name, "ACCEPT" | "DROP" | "REJECT") => Some(Target {
                name: spec.name.to_string(),
                kind: TargetKind::Builtin,
                span: v.word.span,
            }),
            _ => {
                errors.error(
                    v.word.span,
                    format!(
                        "a zone rule's verb is `accept`, `drop`, `reject`, `jump NAME` or \
                         `goto NAME` (or none, to only log), not `{}`",
                        v.word.text
                    ),
                );
                None
            }
        },
        ast::VerbKind::Jump(n) | ast::VerbKind::Goto(n) => Some(Target {
            name: n.text.clone(),
            kind: if matches!(v.kind, ast::VerbKind::Jump(_)) {
                TargetKind::Jump
            } else {
                TargetKind::Goto
            },
            span: n.span,
        }),
        ast::VerbKind::Raw(..) => {
            errors.error(
                v.word.span,
                "a raw rule cannot use zone options (`from=`, `to=`, `tcp=`, …)",
            );
            None
        }
    }
}

/// `zone`, `group` or `zone:group`.
fn place(decls: &Decls, item: &Scalar, at: &Where<'_>, errors: &mut Errors) -> Option<Place> {
    let zone_names = || decls.zones.iter().map(|z| z.name.as_str());
    let group_names = || decls.hosts.iter().map(|h| h.name.as_str());
    let place = match item.text.split_once(':') {
        Some((z, h)) => {
            let zone = decls.zone(z);
            let hosts = decls.group(h);
            if zone.is_none() {
                errors.error(
                    item.span,
                    format!(
                        "unknown zone `{z}` in `{}`{}",
                        item.text,
                        hint(did_you_mean(z, zone_names()))
                    ),
                );
            }
            if hosts.is_none() {
                errors.error(
                    item.span,
                    format!(
                        "unknown host group `{h}` in `{}`{}",
                        item.text,
                        hint(did_you_mean(h, group_names()))
                    ),
                );
            }
            Place {
                zone: Some(zone?),
                hosts: Some(hosts?),
            }
        }
        None => match (decls.zone(&item.text), decls.group(&item.text)) {
            (Some(z), _) => Place {
                zone: Some(z),
                hosts: None,
            },
            (None, Some(h)) => Place {
                zone: None,
                hosts: Some(h),
            },
            (None, None) => {
                let near = did_you_mean(&item.text, zone_names().chain(group_names()));
                errors.error(
                    item.span,
                    format!(
                        "unknown zone or host group `{}`{}",
                        item.text,
                        match near {
                            Some(_) => hint(near),
                            None => "; declare it in `zones { … }` or `hosts { … }`".to_string(),
                        }
                    ),
                );
                return None;
            }
        },
    };
    // A group without addresses of the rule's only family would silently give no rules.
    if let (Some(h), [family]) = (place.hosts, at.families) {
        let group = &decls.hosts[h];
        if let model::HostsValue::List(entries) = &group.value {
            // (A group whose entries are all wrong was reported at its declaration.)
            if !entries.is_empty() && !entries.iter().any(|(_, f)| f == family) {
                errors.error(
                    item.span,
                    format!(
                        "host group `{}` has no {family} addresses, so this {family} rule would \
                         match nothing; move it into {}",
                        group.name,
                        if *family == Family::V4 {
                            "`ip6 { … }`"
                        } else {
                            "`ip { … }` (or a top-level table)"
                        }
                    ),
                );
                return None;
            }
        }
    }
    Some(place)
}

/// The destination ports of `tcp=`/`udp=` (`protocol`): `any`, ports, service names of that
/// protocol, ranges `a:b`.
fn ports(items: &[&Scalar], protocol: &str, errors: &mut Errors) -> Option<Vec<(u16, u16)>> {
    if let [one] = items {
        if one.text == "any" {
            return Some(Vec::new());
        }
    }
    let mut out = Vec::new();
    let mut ok = true;
    let port = |text: &str, span: SpanRange, errors: &mut Errors| -> Option<u16> {
        match ValueKind::Port.check(text, Family::V4) {
            // The channel is written as `-p tcp --dport` or multiport, which take the names of
            // their protocol only.
            Ok(canon) => match services::not_for_protocol(text, protocol) {
                Some(reason) => {
                    errors.error(span, format!("invalid port `{text}`: {reason}"));
                    None
                }
                None => canon.parse().ok(),
            },
            Err(e) => {
                errors.error(span, format!("invalid port `{text}`: {}", reason(e)));
                None
            }
        }
    };
    for item in items {
        // `ftp-data` is a name, not a range.
        let range = match services::port(&item.text) {
            Some(_) => None,
            None => item.text.split_once([':', '-']),
        };
        let (low, high) = match range {
            Some((a, b)) => (port(a, item.span, errors), port(b, item.span, errors)),
            None => {
                let p = port(&item.text, item.span, errors);
                (p, p)
            }
        };
        match (low, high) {
            (Some(l), Some(h)) if l <= h => out.push((l, h)),
            (Some(l), Some(h)) => {
                errors.error(item.span, reversed_range("port range", l, ':', h));
                ok = false;
            }
            _ => ok = false,
        }
    }
    let slots: usize = out.iter().map(|&(l, h)| port_slots(l, h)).sum();
    if ok && slots > MULTIPORT_SLOTS {
        errors.error(
            items[0].span.to(items[items.len() - 1].span),
            format!(
                "{}: write the key again with the rest, as in `tcp=[…] tcp=[…]`",
                too_many_ports(slots)
            ),
        );
        ok = false;
    }
    ok.then_some(out)
}

/// A zone or host group name written as the value of an interface or address option
/// (`out_interface=wan`, `to_destination=servers`): why that is wrong and what to write, or
/// `None`. Such a name is not resolved: `-o wan` would name an interface called `wan`, and a
/// zone can stand for a bridge port (`physdev`), which one interface option cannot say.
/// `key` is the option as written, `option` its catalog entry, `at` the rule's chain (a zone
/// rule is suggested only where one is allowed).
pub fn misused_name(
    decls: &Decls,
    key: &str,
    option: &pyptables_catalog::OptionSpec,
    text: &str,
    at: &Where<'_>,
) -> Option<String> {
    let zone = decls.zone(text).map(|i| &decls.zones[i]);
    let what = match (zone, decls.group(text)) {
        (Some(_), _) => "a zone",
        (None, Some(_)) => "a host group",
        (None, None) => return None,
    };
    let outgoing = matches!(
        option.name,
        "out-interface" | "physdev-out" | "destination" | "dst-range"
    );
    // As `lower` allows them: not in other built-in chains, no `to=` in INPUT.
    let zone_rules = (!at.builtin || matches!(at.chain, "INPUT" | "FORWARD"))
        && !(outgoing && at.chain == "INPUT");
    let zone_rule = if zone_rules {
        format!(
            ", or use a zone rule (`{}={text}`)",
            if outgoing { "to" } else { "from" }
        )
    } else {
        String::new()
    };
    match option.kind {
        ValueKind::Interface => {
            let Some(zone) = zone else {
                return Some(format!("`{text}` is {what}, not an interface"));
            };
            // A zone named like its interface: the text means that interface either way.
            if zone.interface == text {
                return None;
            }
            let write = match (option.name.starts_with("physdev"), &zone.port) {
                (true, Some(port)) => format!("its bridge port, `{key}={port}`"),
                (false, Some(port)) => format!(
                    "its interface and bridge port, `{key}={} physdev_{}={port}`",
                    zone.interface,
                    if outgoing { "out" } else { "in" }
                ),
                (_, None) => format!("its interface, `{key}={}`", zone.interface),
            };
            Some(format!(
                "`{text}` is a zone, not an interface: write {write}{zone_rule}"
            ))
        }
        ValueKind::NatAddress => Some(format!(
            "`{text}` is {what}, not an address: `{key}` takes one address (or range), written \
             out"
        )),
        ValueKind::Address | ValueKind::AddressRange | ValueKind::Network => {
            let matched = matches!(
                option.name,
                "source" | "destination" | "src-range" | "dst-range"
            );
            Some(if matched && zone_rules {
                format!("`{text}` is {what}, not an address: write the address{zone_rule}")
            } else {
                format!("`{text}` is {what}, not an address: write the address")
            })
        }
        _ => None,
    }
}
