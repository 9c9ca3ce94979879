//! The catalog agrees with the kernel.
//!
//! For every target in the catalog, and for every match or option the catalog restricts to
//! some chains or one family (`owner`, `mac`, addrtype's `--limit-iface-*`, physdev's
//! `--physdev-in/out`, `-i`, `-o`, `-f`, …), in every table × built-in chain and both
//! families, a minimal valid rule is built and:
//! - the catalog is asked whether it is allowed there (`check_rule` with the chain's hook);
//! - it is loaded for real (no `--test`) into a scratch network namespace, with the nft and the
//!   legacy backend.
//!
//! The kernel's verdict is "accepted by both backends": where they differ (TRACE is the known
//! case: legacy allows it only in raw) the catalog must take the conservative side. Every
//! disagreement is collected and the test fails with the full list.
//!
//! Rules the catalog allows are loaded together, one restore per family × table (bisected if
//! that fails); each rule it refuses is loaded alone. Every rule carries `-s` so that it is
//! conditional: the legacy kernel code skips the chain checks of rules it cannot reach, which
//! would hide a refusal behind an earlier unconditional rule.
//!
//! `cargo test --test kernel_catalog -- --include-ignored` (root, iptables nft + legacy, ipset).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use pyptables::catalog::matches::{BUILTIN_OPTIONS, MATCHES};
use pyptables::catalog::rule::{check_rule, RuleContext};
use pyptables::catalog::tables::TABLES;
use pyptables::catalog::targets::TARGETS;
use pyptables::catalog::{self, Finding, Hook, Hooks, Problem, TargetCall};
use pyptables::{Family, Match, Rule, Table, Tables, Target};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

/// The ipset the SET target recipe refers to (created in each namespace).
const SET_V4: &str = "pyptables_kc";
const SET_V6: &str = "pyptables_kc6";

fn addr(family: Family) -> &'static str {
    match family {
        Family::V4 => "192.0.2.1",
        Family::V6 => "2001:db8::1",
    }
}

/// A minimal valid use of the target `name` in `family`, without the `-s` every case gets.
fn target_recipe(name: &str, family: Family) -> Option<Rule> {
    let a = addr(family);
    let t = |target: Target| Some(Rule::new().target(target));
    match name {
        "ACCEPT" | "DROP" | "RETURN" | "REJECT" | "LOG" | "NFLOG" | "MASQUERADE" | "REDIRECT"
        | "NOTRACK" | "TRACE" => t(Target::new(name.to_string())),
        "SNAT" => t(Target::new("SNAT").opt("to-source", a)),
        "DNAT" => t(Target::new("DNAT").opt("to-destination", a)),
        "NETMAP" => t(Target::new("NETMAP").opt(
            "to",
            match family {
                Family::V4 => "198.51.100.0/24",
                Family::V6 => "2001:db8:1::/64",
            },
        )),
        "MARK" => t(Target::new("MARK").opt("set-mark", "1")),
        "CONNMARK" => t(Target::new("CONNMARK").opt("set-mark", "1")),
        "TCPMSS" => Some(
            Rule::new()
                .proto("tcp")
                .flag("syn")
                .target(Target::new("TCPMSS").opt("set-mss", "1400")),
        ),
        "TOS" => t(Target::new("TOS").opt("set-tos", "0x10")),
        "DSCP" => t(Target::new("DSCP").opt("set-dscp", "1")),
        "TTL" => t(Target::new("TTL").opt("ttl-set", "64")),
        "HL" => t(Target::new("HL").opt("hl-set", "64")),
        "CT" => t(Target::new("CT").flag("notrack")),
        "NFQUEUE" => t(Target::new("NFQUEUE").opt("queue-num", "1")),
        "CLASSIFY" => t(Target::new("CLASSIFY").opt("set-class", "1:1")),
        "CHECKSUM" => Some(
            Rule::new()
                .proto("udp")
                .target(Target::new("CHECKSUM").flag("checksum-fill")),
        ),
        "AUDIT" => t(Target::new("AUDIT").opt("type", "accept")),
        "SET" => t(Target::new("SET").opt(
            "add-set",
            match family {
                Family::V4 => format!("{SET_V4} src"),
                Family::V6 => format!("{SET_V6} src"),
            },
        )),
        "TPROXY" => Some(
            Rule::new()
                .proto("tcp")
                .target(Target::new("TPROXY").opt("on-port", "1234")),
        ),
        _ => None,
    }
}

/// Further uses of a target whose *options* are restricted.
fn target_variants(family: Family) -> Vec<(String, Rule)> {
    let _ = family;
    vec![(
        "target TCPMSS --clamp-mss-to-pmtu".into(),
        Rule::new()
            .proto("tcp")
            .flag("syn")
            .target(Target::new("TCPMSS").flag("clamp-mss-to-pmtu")),
    )]
}

/// A minimal valid use of the match module `name`, of the option `module --option`, or of
/// the built-in option `name` (`in-interface`), in `family`.
fn match_recipe(name: &str, family: Family) -> Option<Rule> {
    let v4 = family == Family::V4;
    let m = |module: &'static str| Match::new(module);
    Some(match name {
        "in-interface" => Rule::new().in_interface("lo"),
        "out-interface" => Rule::new().out_interface("lo"),
        "fragment" => Rule::new().flag("fragment"),
        "tcp" => Rule::new().proto("tcp").dport(22),
        "udp" => Rule::new().proto("udp").dport(53),
        "sctp" => Rule::new().proto("sctp").dport(9),
        "dccp" => Rule::new().proto("dccp").dport(9),
        "icmp" => Rule::new().proto("icmp").icmp_type("echo-request"),
        "icmp6" => Rule::new()
            .proto("ipv6-icmp")
            .opt("icmpv6-type", "echo-request"),
        "multiport" => Rule::new().proto("tcp").dports([80, 443]),
        "conntrack" => Rule::new().ctstate("NEW"),
        "state" => Rule::new().opt("state", "NEW"),
        "comment" => Rule::new().comment("x"),
        "limit" => Rule::new().limit("5/min"),
        "hashlimit" => Rule::new()
            .opt("hashlimit-upto", "10/sec")
            .opt("hashlimit-name", "kc"),
        "connlimit" => Rule::new().opt("connlimit-above", "5"),
        "recent" => Rule::new().with_match(m("recent").opt("name", "kc").flag("set")),
        "iprange" => Rule::new().opt(
            "src-range",
            if v4 {
                "192.0.2.1-192.0.2.9"
            } else {
                "2001:db8::1-2001:db8::9"
            },
        ),
        "mac" => Rule::new().opt("mac-source", "00:11:22:33:44:55"),
        "mark" => Rule::new().mark("0x1"),
        "connmark" => Rule::new().with_match(m("connmark").opt("mark", "0x1")),
        "owner" => Rule::new().opt("uid-owner", "0"),
        "addrtype" => Rule::new().opt("dst-type", "LOCAL"),
        "addrtype --limit-iface-in" => Rule::new().opt("dst-type", "LOCAL").flag("limit-iface-in"),
        "addrtype --limit-iface-out" => {
            Rule::new().opt("dst-type", "LOCAL").flag("limit-iface-out")
        }
        "pkttype" => Rule::new().opt("pkt-type", "unicast"),
        "physdev" => Rule::new().flag("physdev-is-bridged"),
        "physdev --physdev-in" => Rule::new().opt("physdev-in", "eth0"),
        "physdev --physdev-out" => Rule::new().opt("physdev-out", "eth0"),
        "physdev --physdev-is-in" => Rule::new().flag("physdev-is-in"),
        "physdev --physdev-is-out" => Rule::new().flag("physdev-is-out"),
        "set" => Rule::new().opt(
            "match-set",
            if v4 {
                format!("{SET_V4} src")
            } else {
                format!("{SET_V6} src")
            },
        ),
        "string" => Rule::new().with_match(m("string").opt("algo", "bm").opt("string", "kc")),
        "length" => Rule::new().opt("length", "0:100"),
        "ttl" => Rule::new().opt("ttl-eq", "64"),
        "hl" => Rule::new().opt("hl-eq", "64"),
        "tos" => Rule::new().opt("tos", "0x10"),
        "dscp" => Rule::new().opt("dscp", "1"),
        "time" => Rule::new().opt("timestart", "08:00"),
        "tcpmss" => Rule::new().proto("tcp").opt("mss", "1000:1500"),
        "helper" => Rule::new().opt("helper", "ftp"),
        "quota" => Rule::new().opt("quota", "1000"),
        "statistic" => Rule::new().with_match(
            m("statistic")
                .opt("mode", "random")
                .opt("probability", "0.5"),
        ),
        _ => return None,
    })
}

/// Options the kernel checks on their own but the catalog does not restrict, tested besides
/// the restricted ones.
const EXTRA_OPTIONS: &[&str] = &["physdev --physdev-is-in", "physdev --physdev-is-out"];

/// Every match module, and every match option and built-in option the catalog restricts (by
/// chain or family), plus [`EXTRA_OPTIONS`].
fn matches_to_test() -> Vec<String> {
    let restricted = |hooks: Hooks, families: catalog::Families| {
        hooks != Hooks::ALL || families.only().is_some()
    };
    let mut out = Vec::new();
    for o in BUILTIN_OPTIONS {
        if restricted(o.hooks, o.families) {
            out.push(o.name.to_string());
        }
    }
    for m in MATCHES {
        out.push(m.name.to_string());
        for o in m.options {
            if restricted(o.hooks, o.families) {
                out.push(format!("{} --{}", m.name, o.name));
            }
        }
    }
    for extra in EXTRA_OPTIONS {
        if !out.iter().any(|o| o == extra) {
            out.push(extra.to_string());
        }
    }
    out
}

#[derive(Debug)]
struct Case {
    family: Family,
    table: &'static str,
    chain: &'static str,
    what: String,
    rule: Rule,
    catalog_ok: bool,
    /// Why the catalog refuses it (for the report).
    catalog_says: String,
}

/// The catalog's verdict for `rule` in `table`/`chain`: `Ok(allowed, reason)`. With
/// `scope_only`, only "not allowed here" and "other family" findings count, and any other
/// finding is an `Err`: the recipe itself is wrong.
fn catalog_verdict(
    rule: &Rule,
    family: Family,
    table: &str,
    chain: &str,
    scope_only: bool,
) -> Result<(bool, String), String> {
    let args: Vec<catalog::Arg<'_>> = rule
        .args()
        .iter()
        .map(|a| catalog::Arg {
            module: a.module.as_deref(),
            key: &a.key,
            negated: a.negated,
            value: a.value.as_deref(),
        })
        .collect();
    let target = rule.get_target();
    let target_args: Vec<catalog::Arg<'_>> = target
        .map(|t| {
            t.args()
                .iter()
                .map(|a| catalog::Arg {
                    module: a.module.as_deref(),
                    key: &a.key,
                    negated: a.negated,
                    value: a.value.as_deref(),
                })
                .collect()
        })
        .unwrap_or_default();
    let call = target.map(|t| TargetCall {
        name: t.name(),
        kind: t.kind(),
        args: &target_args,
    });
    let hook = Hook::from_chain_name(chain).expect("built-in chain");
    let ctx = RuleContext {
        family,
        table,
        chain,
        reach: Hooks::of(hook),
    };
    let mut findings: Vec<Finding> = Vec::new();
    check_rule(&ctx, &args, call.as_ref(), &mut |f| findings.push(f));
    let (scope, other): (Vec<_>, Vec<_>) = findings.into_iter().partition(|f| {
        !scope_only
            || matches!(
                f.problem,
                Problem::NotAllowedHere { .. } | Problem::FamilyOnly { .. }
            )
    });
    if !other.is_empty() {
        let msgs: Vec<String> = other.iter().map(|f| f.problem.to_string()).collect();
        return Err(msgs.join("; "));
    }
    let reason = scope
        .iter()
        .map(|f| f.problem.to_string())
        .collect::<Vec<_>>()
        .join("; ");
    Ok((scope.is_empty(), reason))
}

/// Every case, or the recipe problems that prevent building them.
fn cases() -> Result<Vec<Case>, Vec<String>> {
    let mut uses: Vec<(Family, String, Rule)> = Vec::new();
    let mut problems = Vec::new();
    for family in [Family::V4, Family::V6] {
        for t in TARGETS {
            match target_recipe(t.name, family) {
                Some(rule) => uses.push((family, format!("target {}", t.name), rule)),
                None => problems.push(format!(
                    "no recipe for target {}: add one to target_recipe",
                    t.name
                )),
            }
        }
        for (what, rule) in target_variants(family) {
            uses.push((family, what, rule));
        }
        for name in matches_to_test() {
            match match_recipe(&name, family) {
                Some(rule) => uses.push((family, format!("match {name}"), rule)),
                None => problems.push(format!(
                    "no recipe for match/option {name}: add one to match_recipe"
                )),
            }
        }
    }
    let mut cases = Vec::new();
    for (family, what, rule) in uses {
        for table in TABLES {
            for &chain in table.chains {
                // `-s` first keeps every rule conditional (see the module docs).
                let mut full = Rule::new().source(addr(family));
                for arg in rule.args() {
                    full = full.arg(arg.clone());
                }
                if let Some(t) = rule.get_target() {
                    full = full.target(t.clone());
                }
                match catalog_verdict(&full, family, table.name, chain, true) {
                    Ok((catalog_ok, catalog_says)) => cases.push(Case {
                        family,
                        table: table.name,
                        chain,
                        what: what.clone(),
                        rule: full,
                        catalog_ok,
                        catalog_says,
                    }),
                    Err(e) => problems.push(format!(
                        "{family} {}/{chain} {what}: the recipe itself is invalid: {e}",
                        table.name
                    )),
                }
            }
        }
    }
    problems.dedup();
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems)
    }
}

fn tk_family(f: Family) -> tk::Family {
    match f {
        Family::V4 => tk::Family::V4,
        Family::V6 => tk::Family::V6,
    }
}

/// The restore text of `table` holding the given cases' rules, each in its chain.
fn restore_text(family: Family, table: &str, cases: &[&Case]) -> String {
    let mut tables = Tables::new(family);
    let t = tables.add(Table::with_builtin_chains(table).expect("catalog table"));
    for case in cases {
        t[case.chain].push(case.rule.clone());
    }
    tables.to_iptables_plain()
}

static RESTORES: AtomicUsize = AtomicUsize::new(0);

/// Loads `cases` together; on failure splits them until each failing case is alone.
/// Records each case's verdict (and the refusal message) in `out`.
fn load_bisect(
    ns: &Netns,
    backend: tk::Backend,
    cases: &[(usize, &Case)],
    out: &mut BTreeMap<usize, Result<(), String>>,
) {
    if cases.is_empty() {
        return;
    }
    let (family, table) = (cases[0].1.family, cases[0].1.table);
    let refs: Vec<&Case> = cases.iter().map(|c| c.1).collect();
    let text = restore_text(family, table, &refs);
    RESTORES.fetch_add(1, Ordering::Relaxed);
    match ns.restore(backend, tk_family(family), &text, &[]) {
        Ok(()) => {
            for (i, _) in cases {
                out.insert(*i, Ok(()));
            }
        }
        Err(e) if cases.len() == 1 => {
            // Keep what the tool said, without the command line and the usage hint.
            let said = e
                .split_once(&format!("{}: ", ns.name()))
                .map_or(e.as_str(), |s| s.1);
            let msg: Vec<&str> = said
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with("Try `"))
                .collect();
            out.insert(cases[0].0, Err(msg.join(" / ")));
        }
        Err(_) => {
            let (a, b) = cases.split_at(cases.len() / 2);
            load_bisect(ns, backend, a, out);
            load_bisect(ns, backend, b, out);
        }
    }
}

/// Every case's verdict with `backend`.
fn kernel_verdicts(backend: tk::Backend, cases: &[Case]) -> BTreeMap<usize, Result<(), String>> {
    let ns = Netns::new(&format!("catalog_{backend}")).unwrap();
    ns.exec_ok("ipset", &["create", SET_V4, "hash:ip"])
        .expect("ipset create (is ipset installed?)");
    ns.exec_ok("ipset", &["create", SET_V6, "hash:ip", "family", "inet6"])
        .expect("ipset create inet6");
    let mut out = BTreeMap::new();
    let mut groups: BTreeMap<(u8, &str), Vec<(usize, &Case)>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        let fam = match case.family {
            Family::V4 => 4,
            Family::V6 => 6,
        };
        groups.entry((fam, case.table)).or_default().push((i, case));
    }
    for group in groups.values() {
        let (allowed, refused): (Vec<_>, Vec<_>) = group.iter().partition(|(_, c)| c.catalog_ok);
        load_bisect(&ns, backend, &allowed, &mut out);
        for case in refused {
            load_bisect(&ns, backend, std::slice::from_ref(&case), &mut out);
        }
    }
    out
}

/// Loads every case with both backends and returns the disagreements with the catalog,
/// printing where the backends differ.
fn compare(cases: &[Case]) -> Vec<String> {
    let started = Instant::now();
    let before = RESTORES.load(Ordering::Relaxed);
    let (nft, legacy) = std::thread::scope(|s| {
        let nft = s.spawn(|| kernel_verdicts(tk::Backend::Nft, cases));
        let legacy = s.spawn(|| kernel_verdicts(tk::Backend::Legacy, cases));
        (nft.join().unwrap(), legacy.join().unwrap())
    });

    let mut disagreements = Vec::new();
    let mut backend_differences = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let n = &nft[&i];
        let l = &legacy[&i];
        let place = format!(
            "{} {}/{} {}",
            case.family, case.table, case.chain, case.what
        );
        if n.is_ok() != l.is_ok() {
            backend_differences.push(format!(
                "{place}: nft {}, legacy {}",
                verdict(n),
                verdict(l)
            ));
        }
        let kernel_ok = n.is_ok() && l.is_ok();
        if kernel_ok != case.catalog_ok {
            let mut line = format!(
                "{place}: catalog {}, kernel {} (nft {}, legacy {})",
                if case.catalog_ok { "allows" } else { "refuses" },
                if kernel_ok { "accepts" } else { "refuses" },
                verdict(n),
                verdict(l)
            );
            if !case.catalog_ok {
                let _ = write!(line, "; catalog: {}", case.catalog_says);
            }
            let _ = write!(line, "\n    rule: {}", case.rule);
            disagreements.push(line);
        }
    }
    eprintln!(
        "{} cases, {} restores per backend, {:.1?}",
        cases.len(),
        (RESTORES.load(Ordering::Relaxed) - before) / 2,
        started.elapsed()
    );
    if !backend_differences.is_empty() {
        eprintln!(
            "where the backends differ (the catalog must allow only what both accept):\n  {}",
            backend_differences.join("\n  ")
        );
    }
    disagreements
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn catalog_agrees_with_the_kernel() {
    require_root_and_iptables();
    let cases = match cases() {
        Ok(c) => c,
        Err(problems) => panic!("cannot build the cases:\n{}", problems.join("\n")),
    };
    let disagreements = compare(&cases);
    assert!(
        disagreements.is_empty(),
        "{} disagreements between the catalog and the kernel:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Protocol requirements: options, matches and targets that need `-p` (or a port protocol),
/// with each protocol and without one, in a chain where they are otherwise allowed. Here the
/// catalog's verdict is "no problem at all" (as `validate` would say).
fn protocol_cases() -> Vec<Case> {
    type Uses = Vec<(
        &'static str,
        &'static str,
        &'static str,
        fn(Rule, Family) -> Rule,
    )>;
    let uses: Uses = vec![
        ("filter", "INPUT", "--dport", |r, _| r.dport(22)),
        ("filter", "INPUT", "--sport", |r, _| r.sport(22)),
        ("filter", "INPUT", "multiport --dports", |r, _| {
            r.dports([22, 80])
        }),
        ("filter", "INPUT", "--syn", |r, _| r.flag("syn")),
        ("filter", "INPUT", "--tcp-flags", |r, _| {
            r.opt("tcp-flags", "SYN,ACK SYN")
        }),
        ("filter", "INPUT", "tcpmss --mss", |r, _| {
            r.opt("mss", "1000:1500")
        }),
        ("filter", "INPUT", "--icmp-type", |r, _| {
            r.icmp_type("echo-request")
        }),
        ("filter", "INPUT", "--icmpv6-type", |r, _| {
            r.opt("icmpv6-type", "echo-request")
        }),
        (
            "filter",
            "INPUT",
            "REJECT --reject-with tcp-reset",
            |r, _| r.target(Target::REJECT.opt("reject-with", "tcp-reset")),
        ),
        ("mangle", "FORWARD", "TCPMSS --clamp-mss-to-pmtu", |r, _| {
            r.target(Target::new("TCPMSS").flag("clamp-mss-to-pmtu"))
        }),
        ("nat", "PREROUTING", "REDIRECT --to-ports", |r, _| {
            r.target(Target::REDIRECT.opt("to-ports", "8080"))
        }),
        ("nat", "POSTROUTING", "MASQUERADE --to-ports", |r, _| {
            r.target(Target::MASQUERADE.opt("to-ports", "1024-2000"))
        }),
        (
            "nat",
            "POSTROUTING",
            "SNAT --to-source with ports",
            |r, f| {
                let to = match f {
                    Family::V4 => "192.0.2.1:1024-2000",
                    Family::V6 => "[2001:db8::1]:1024-2000",
                };
                r.target(Target::new("SNAT").opt("to-source", to))
            },
        ),
        (
            "nat",
            "PREROUTING",
            "DNAT --to-destination with a port",
            |r, f| {
                let to = match f {
                    Family::V4 => "192.0.2.1:80",
                    Family::V6 => "[2001:db8::1]:80",
                };
                r.target(Target::new("DNAT").opt("to-destination", to))
            },
        ),
        ("mangle", "PREROUTING", "TPROXY", |r, _| {
            r.target(Target::new("TPROXY").opt("on-port", "1234"))
        }),
        ("raw", "PREROUTING", "CT --helper ftp", |r, _| {
            r.target(Target::new("CT").opt("helper", "ftp"))
        }),
    ];
    let mut cases = Vec::new();
    for family in [Family::V4, Family::V6] {
        let protos: &[Option<&str>] = match family {
            Family::V4 => &[
                None,
                Some("tcp"),
                Some("udp"),
                Some("udplite"),
                Some("sctp"),
                Some("dccp"),
                Some("icmp"),
                Some("all"),
            ],
            Family::V6 => &[
                None,
                Some("tcp"),
                Some("udp"),
                Some("udplite"),
                Some("sctp"),
                Some("dccp"),
                Some("icmp"),
                Some("ipv6-icmp"),
                Some("all"),
            ],
        };
        for (table, chain, what, add) in &uses {
            for proto in protos {
                let mut rule = Rule::new().source(addr(family));
                if let Some(p) = proto {
                    rule = rule.proto(*p);
                }
                let rule = add(rule, family);
                let (catalog_ok, catalog_says) =
                    catalog_verdict(&rule, family, table, chain, false).expect("scope_only=false");
                cases.push(Case {
                    family,
                    table,
                    chain,
                    what: format!("{what} with -p {}", proto.unwrap_or("(none)")),
                    rule,
                    catalog_ok,
                    catalog_says,
                });
            }
        }
    }
    cases
}

/// Disagreements the catalog cannot express yet, each with the reason. The test fails if one
/// of them stops disagreeing, so that the list stays true.
const KNOWN_PROTOCOL_GAPS: &[(&str, &str)] = &[
    (
        "TCPMSS --clamp-mss-to-pmtu with -p tcp",
        "the legacy kernel also wants a SYN match (`--syn` or `--tcp-flags … SYN`); nft does \
         not, and the catalog has no way to require a match for a target",
    ),
    (
        "SNAT --to-source with ports",
        "a port in the address needs -p tcp|udp|sctp|dccp|icmp; the catalog checks protocols \
         per option, not per value shape",
    ),
    (
        "DNAT --to-destination with a port",
        "as for SNAT: a port in the address needs a port protocol",
    ),
    (
        "CT --helper ftp with -p udp",
        "the helper must exist for the protocol (ftp is TCP only); the catalog does not know \
         which helper serves which protocol",
    ),
];

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn protocol_requirements_agree_with_the_kernel() {
    require_root_and_iptables();
    let cases = protocol_cases();
    let disagreements = compare(&cases);
    let (known, unknown): (Vec<_>, Vec<_>) = disagreements.iter().partition(|d| {
        KNOWN_PROTOCOL_GAPS
            .iter()
            .any(|(what, _)| d.contains(&format!(" {what}")))
    });
    for (what, why) in KNOWN_PROTOCOL_GAPS {
        assert!(
            known.iter().any(|d| d.contains(&format!(" {what}"))),
            "`{what}` is listed as a known gap ({why}) but now agrees: remove it from the list"
        );
    }
    if !known.is_empty() {
        eprintln!(
            "known gaps:\n{}",
            known
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(
        unknown.is_empty(),
        "{} disagreements between the catalog and the kernel:\n{}",
        unknown.len(),
        unknown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn verdict(v: &Result<(), String>) -> String {
    match v {
        Ok(()) => "accepts".into(),
        Err(e) => format!("refuses ({e})"),
    }
}
