//! What we write is what we checked: every number-holding value kind of the catalog, in every
//! option that has one, loads into the kernel with the meaning the catalog checked.
//!
//! iptables reads most numbers with `strtoul(…, 0)` (`022` is octal 18, `/010` is `/8`), some
//! in decimal only, some in hex; names (`ssh`, `echo-request`) are looked up. For each option
//! of the catalog whose [`ValueKind::has_numbers`] (generated from the catalog: a new option or
//! kind is covered without a change here), in each family it exists in, and for each sample
//! value of its kind:
//!
//! - rule A is the rule pyptables renders for the sample, written in another spelling where
//!   there is one (`0x10`, `ssh`, `1024:`, `2001:DB8::1`);
//! - rule B is the same line with the value replaced by a reference spelling whose meaning is
//!   known by hand (`16`, `22`, `1024:65535`) and which iptables cannot read differently;
//! - both are loaded for real into a scratch network namespace, with the nft and the legacy
//!   backend, and `iptables-save` must print them the same.
//!
//! Besides, the sample's reference with a leading zero put in front of its first number
//! (`016`, `010.64.0.0/10`) must be refused by the catalog, in every such kind but `TcClass`
//! (which iptables reads in hex, so zeros do not change it: its sample `010:020` proves that).
//! Those refused spellings are loaded too, only to print what iptables makes of them: the same
//! text means different things to different options (`-p udp --dport 022` is port 22,
//! `-p tcp --dport 022` port 18), which is why the catalog refuses them all rather than guess.
//!
//! `cargo test --test kernel_values -- --include-ignored` (root, iptables nft + legacy, ipset).

use std::fmt::Write as _;

use pyptables::catalog::matches::{BUILTIN_OPTIONS, MATCHES};
use pyptables::catalog::tables::TABLES;
use pyptables::catalog::targets::TARGETS;
use pyptables::catalog::{Families, Hook, Hooks, OptionSpec, ValueKind};
use pyptables::{Family, Match, Rule, Table, Tables, Target};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

/// The RATEEST estimator the rateest context compares (made in each namespace by a rule of
/// the other backend, whose tables the test never replaces; estimators belong to the
/// namespace).
const RATEEST: &str = "kv";

/// Matches whose kernel module may be missing, with a rule that loads wherever the module is
/// there: the cases of one the kernel refuses are left out, with a note.
const NEEDS_MODULE: &[(&str, &str)] = &[("ipvs", "-m ipvs --ipvs")];

/// The matches of [`NEEDS_MODULE`] that `backend` cannot load in `ns`.
fn missing_modules(ns: &Netns, backend: tk::Backend) -> Vec<&'static str> {
    NEEDS_MODULE
        .iter()
        .filter(|(_, rule)| {
            let text = format!("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT {rule}\nCOMMIT\n");
            ns.restore(backend, tk::Family::V4, &text, &[]).is_err()
        })
        .map(|(name, _)| *name)
        .collect()
}

/// The ipsets the SET target's context refers to (created in each namespace, with timeouts so
/// that `--timeout` may be used).
const SET_V4: &str = "pyptables_kv";
const SET_V6: &str = "pyptables_kv6";

/// Sample values of `kind` in `family`: `(what pyptables is given, the reference spelling)`.
fn samples(kind: ValueKind, family: Family) -> Vec<(String, String)> {
    let v4 = family == Family::V4;
    let s = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let clamp = |n: u64, min: u64, max: u64| n.clamp(min, max);
    match kind {
        ValueKind::Protocol => s(&[("0x6", "6"), ("132", "132")]),
        ValueKind::Address if v4 => s(&[
            ("192.0.2.1", "192.0.2.1"),
            ("10.64.0.0/10", "10.64.0.0/10"),
            ("10.0.0.0/255.192.0.0", "10.0.0.0/10"),
        ]),
        ValueKind::Address => s(&[
            ("2001:DB8::1", "2001:db8::1"),
            ("2001:db8::/64", "2001:db8::/64"),
        ]),
        ValueKind::AddressRange if v4 => s(&[("192.0.2.1-192.0.2.9", "192.0.2.1-192.0.2.9")]),
        ValueKind::AddressRange => s(&[("2001:db8::1-2001:db8::9", "2001:db8::1-2001:db8::9")]),
        ValueKind::Port => s(&[("ssh", "22"), ("65535", "65535")]),
        // Service names in ranges are resolved per protocol (sctp has no `ssh`): they are
        // proven in kernel_services.rs; here the numbers.
        ValueKind::PortRange => s(&[
            ("1024:", "1024:65535"),
            ("1000:2000", "1000:2000"),
            ("80", "80"),
        ]),
        ValueKind::PortList => s(&[("ssh,http,1000:2000", "22,80,1000:2000")]),
        ValueKind::ToPorts => s(&[("1000-2000", "1000-2000"), ("ssh", "22")]),
        ValueKind::UInt { min, max } => {
            let mid = clamp(16, min, max);
            let mut out = vec![(min.to_string(), min.to_string())];
            if mid != min {
                out.push((format!("{mid:#x}"), mid.to_string()));
            }
            out
        }
        ValueKind::UIntRange { min, max } => {
            let (a, b) = (clamp(16, min, max), clamp(32, min, max));
            vec![
                (format!("{a:#x}:{b:#x}"), format!("{a}:{b}")),
                (format!(":{b}"), format!("{min}:{b}")),
                (format!("{a:#x}"), a.to_string()),
            ]
        }
        ValueKind::Mark => s(&[
            ("16", "16"),
            ("0X10/0xFF", "16/255"),
            ("0xffffffff", "4294967295"),
        ]),
        ValueKind::NamedMark(names) => {
            let mut out = samples(ValueKind::Mark, family);
            out.extend(names.iter().map(|(n, v)| (n.to_string(), v.to_string())));
            out
        }
        ValueKind::Rate => s(&[("5/minute", "5/minute"), ("100/s", "100/second")]),
        ValueKind::BitRate => s(&[("16bit", "16"), ("1000Kbit", "1000000"), ("2KBps", "16000")]),
        ValueKind::IcmpType => s(&[("0x8", "8"), ("3/0x1", "3/1"), ("echo-request", "8")]),
        ValueKind::Icmp6Type => s(&[("0x80", "128"), ("1/4", "1/4"), ("echo-request", "128")]),
        ValueKind::LogLevel => s(&[("0x7", "7"), ("debug", "7"), ("0", "0")]),
        ValueKind::NatAddress if v4 => s(&[
            ("192.0.2.1:1000-2000", "192.0.2.1:1000-2000"),
            ("192.0.2.1:ssh-http", "192.0.2.1:22-80"),
            ("192.0.2.1-192.0.2.9", "192.0.2.1-192.0.2.9"),
        ]),
        ValueKind::NatAddress => s(&[
            ("[2001:db8::1]:1000-2000", "[2001:db8::1]:1000-2000"),
            ("[2001:db8::1]:ssh", "[2001:db8::1]:22"),
            ("2001:db8::1", "2001:db8::1"),
        ]),
        ValueKind::Network if v4 => s(&[("10.64.0.0/10", "10.64.0.0/10")]),
        ValueKind::Network => s(&[("2001:db8::/64", "2001:db8::/64")]),
        ValueKind::TimeOfDay => s(&[("8:09", "08:09"), ("23:59:59", "23:59:59")]),
        ValueKind::Date => s(&[("2030-01-02T03:04:05", "2030-01-02T03:04:05")]),
        ValueKind::Weekdays => s(&[("1,7", "Mon,Sun")]),
        ValueKind::Monthdays => s(&[("1,15,31", "1,15,31")]),
        ValueKind::Tos => s(&[
            ("16", "16"),
            ("0x10/0x3f", "16/63"),
            ("Minimize-Delay", "Minimize-Delay"),
        ]),
        ValueKind::TcClass => s(&[("010:020", "10:20"), ("1:1", "1:1")]),
        ValueKind::Owner => s(&[("0x10-20", "16-20"), ("0", "0")]),
        ValueKind::TcpOptionList => s(&[("mss,Timestamp", "2,8"), ("0x1e,sack", "30,5")]),
        ValueKind::CtZone => s(&[("0x10", "16"), ("Mark", "mark")]),
        ValueKind::Host if v4 => s(&[("192.0.2.1", "192.0.2.1")]),
        ValueKind::Host => s(&[("2001:db8::1", "2001:db8::1")]),
        ValueKind::PrefixLength => s(&[("24", "24"), ("0x10", "16")]),
        ValueKind::AscendingRange { .. } => s(&[("0x10:0x20", "16:32"), ("1:2", "1:2")]),
        ValueKind::U32 => s(&[("0x0=0x1:0x10", "0=1:16"), ("4&0xFFFF=0x5", "4&65535=5")]),
        ValueKind::Ip6Options => s(&[("0x1:0x2,5", "1:2,5")]),
        ValueKind::Ip6AddressList => s(&[("2001:DB8::1,::2", "2001:db8::1,::2")]),
        ValueKind::MhType => s(&[("bu:0x7", "5:7"), ("hoti", "1")]),
        other => panic!("no samples for {other:?}, which has numbers: add them here"),
    }
}

/// Samples the kernel refuses for a reason other than how the number is written, so they say
/// nothing about it: `(owner, option, sample)`, and the reason. The catalog accepts them today
/// (a check weaker than the kernel's); once it refuses them, they are skipped all the same.
const NOT_ABOUT_NUMBERS: &[(&str, &str, &str, &str)] = &[
    (
        "NFQUEUE",
        "queue-balance",
        "0x10",
        "--queue-balance needs a range a:b",
    ),
    (
        "TPROXY",
        "on-ip",
        "/",
        "--on-ip takes an address, not a network",
    ),
    (
        "recent",
        "mask",
        "/",
        "--mask takes an address mask, not a network",
    ),
];

fn not_about_numbers(owner: &str, option: &str, sample: &str) -> bool {
    NOT_ABOUT_NUMBERS.iter().any(|(o, k, v, _)| {
        *o == owner && *k == option && (*v == sample || (*v == "/" && sample.contains('/')))
    })
}

/// What a rule needs besides the option under test.
#[derive(Default)]
struct Context {
    /// `-p`.
    proto: Option<&'static str>,
    /// Options of the same module (match) or target, `None` for a flag.
    opts: Vec<(&'static str, Option<String>)>,
    /// A chain other than the first one the scope allows.
    chain: Option<&'static str>,
}

fn ctx(proto: Option<&'static str>, opts: &[(&'static str, Option<&str>)]) -> Option<Context> {
    Some(Context {
        proto,
        opts: opts
            .iter()
            .map(|(k, v)| (*k, v.map(str::to_string)))
            .collect(),
        chain: None,
    })
}

/// The context of an option of the match module or target `owner`; `None` if there is none
/// yet (the test then fails, naming it).
fn context(owner: &str, family: Family) -> Option<Context> {
    let set = match family {
        Family::V4 => SET_V4,
        Family::V6 => SET_V6,
    };
    match owner {
        "builtin" | "iprange" | "mark" | "connmark" | "limit" | "length" | "ttl" | "hl" | "tos"
        | "dscp" | "time" | "quota" | "LOG" | "NFLOG" | "NETMAP" | "MARK" | "TOS" | "DSCP"
        | "TTL" | "HL" | "CT" | "NFQUEUE" | "CLASSIFY" => ctx(None, &[]),
        "owner" => Some(Context {
            chain: Some("OUTPUT"),
            ..Context::default()
        }),
        "tcp" | "multiport" | "tcpmss" => ctx(Some("tcp"), &[]),
        "udp" | "sctp" | "dccp" => ctx(Some(owner_proto(owner)), &[]),
        "icmp" => ctx(Some("icmp"), &[]),
        "icmp6" => ctx(Some("ipv6-icmp"), &[]),
        "conntrack" => ctx(None, &[("ctproto", Some("tcp"))]),
        "hashlimit" => ctx(
            None,
            &[
                ("hashlimit-name", Some("kv")),
                ("hashlimit-upto", Some("10/second")),
            ],
        ),
        "connlimit" => ctx(None, &[("connlimit-above", Some("5"))]),
        "recent" => ctx(None, &[("name", Some("kv")), ("rcheck", None)]),
        "string" => ctx(None, &[("algo", Some("bm")), ("string", Some("kv"))]),
        "statistic" => ctx(
            None,
            &[
                ("mode", Some("nth")),
                ("every", Some("100")),
                ("packet", Some("0")),
            ],
        ),
        // Packet-header matches.
        "ecn" | "u32" | "frag" | "hbh" | "dst" | "srh" => ctx(None, &[]),
        "esp" => ctx(Some("esp"), &[]),
        // In IPv6 `-p ah` never matches (the catalog refuses it); IPv4's ah needs it.
        "ah" if family == Family::V4 => ctx(Some("ah"), &[]),
        "ah" => ctx(None, &[]),
        "ipcomp" => ctx(Some("ipcomp"), &[]),
        "rt" => ctx(None, &[("rt-type", Some("0"))]),
        "mh" => ctx(Some("mh"), &[]),
        "MASQUERADE" | "REDIRECT" | "SNAT" | "DNAT" => ctx(Some("tcp"), &[]),
        "CONNMARK" => ctx(None, &[("restore-mark", None)]),
        "TCPMSS" => ctx(Some("tcp"), &[("syn", None)]),
        "SET" => ctx(None, &[("add-set", Some(&format!("{set} src")))]),
        "TPROXY" => ctx(Some("tcp"), &[("on-port", Some("1234"))]),
        "SYNPROXY" | "ECN" | "TCPOPTSTRIP" => ctx(Some("tcp"), &[]),
        "TEE" => ctx(None, &[]),
        "HMARK" => ctx(
            None,
            &[
                ("hmark-tuple", Some("ct")),
                ("hmark-mod", Some("4")),
                ("hmark-rnd", Some("1")),
            ],
        ),
        // A label of its own: timers are shared by label, across namespaces too.
        "IDLETIMER" => ctx(
            None,
            &[("timeout", Some("60")), ("label", Some("pyptables_kv"))],
        ),
        "LED" => ctx(None, &[("led-trigger-id", Some("kv"))]),
        "DNPT" | "SNPT" => ctx(
            None,
            &[
                ("src-pfx", Some("2001:db8::/64")),
                ("dst-pfx", Some("2001:db8:1::/64")),
            ],
        ),
        "cgroup" | "connlabel" | "cpu" | "devgroup" | "realm" | "ipvs" => ctx(None, &[]),
        "connbytes" => ctx(
            None,
            &[
                ("connbytes-dir", Some("both")),
                ("connbytes-mode", Some("bytes")),
            ],
        ),
        "cluster" => ctx(
            None,
            &[
                ("cluster-total-nodes", Some("32")),
                ("cluster-local-node", Some("1")),
                ("cluster-hash-seed", Some("1")),
            ],
        ),
        // Tunnel addresses need tunnel mode.
        "policy" => ctx(None, &[("dir", Some("in")), ("mode", Some("tunnel"))]),
        "rateest" => ctx(None, &[("rateest1", Some(RATEEST)), ("rateest-gt", None)]),
        "osf" => ctx(Some("tcp"), &[("genre", Some("Linux"))]),
        _ => None,
    }
}

fn owner_proto(owner: &str) -> &'static str {
    match owner {
        "udp" => "udp",
        "sctp" => "sctp",
        _ => "dccp",
    }
}

/// One sample of one option, ready to load.
struct Case {
    what: String,
    family: Family,
    table: &'static str,
    chain: &'static str,
    /// Rule A's line, as pyptables renders it (`-A CHAIN …`).
    line_a: String,
    /// Rule B's line: A's with the value replaced by the reference spelling.
    line_b: String,
    /// A's line with the reference given a leading zero, which the catalog refuses: loaded
    /// only to count what iptables would have made of it.
    line_zeroed: Option<String>,
}

/// The first built-in chain of `table` that `hooks` allows.
fn chain_in(table: &str, hooks: Hooks, prefer: Option<&'static str>) -> Option<&'static str> {
    let spec = TABLES.iter().find(|t| t.name == table)?;
    if let Some(p) = prefer {
        return spec.chains.iter().copied().find(|c| *c == p);
    }
    spec.chains.iter().copied().find(|c| {
        Hook::from_chain_name(c).is_some_and(|h| hooks.contains(h))
            // Keep matches out of OUTPUT-only corners unless asked: INPUT first is usual.
            && !(table == "filter" && *c == "OUTPUT" && hooks.contains(Hook::Input))
    })
}

/// Where an option is tested, and how its rule is built.
enum Owner {
    Builtin,
    Match(&'static str),
    Target(&'static pyptables::catalog::TargetSpec),
}

/// Renders the rule for `value` of `option` in its context; `Err` says why it cannot be built.
fn build(
    owner: &Owner,
    option: &OptionSpec,
    value: &str,
    family: Family,
    context: &Context,
) -> Result<(&'static str, &'static str, String), String> {
    // Every rule is conditional, as kernel_catalog explains.
    let condition = match family {
        Family::V4 => "198.51.100.1",
        Family::V6 => "2001:db8:ffff::1",
    };
    let mut rule = if option.name == "source" {
        Rule::new().destination(condition)
    } else {
        Rule::new().source(condition)
    };
    if let Some(p) = context.proto {
        rule = rule.proto(p);
    }
    let (table, hooks) = match owner {
        Owner::Builtin => ("filter", option.hooks),
        Owner::Match(_) => ("filter", option.hooks),
        Owner::Target(t) => (
            t.scope.tables.first().copied().unwrap_or("filter"),
            Hooks::ALL,
        ),
    };
    let hooks = match owner {
        Owner::Match(m) => pyptables::catalog::matches::find(m)
            .map_or(hooks, |spec| intersect(hooks, spec.scope.hooks)),
        Owner::Target(t) => intersect(t.scope.hooks, option.hooks),
        Owner::Builtin => hooks,
    };
    let chain = chain_in(table, hooks, context.chain)
        .ok_or_else(|| format!("no chain of {table} allows it"))?;
    // Context options that `option` replaces (the same key, or one of a group only one of
    // which may be given).
    let exclusive: &[&[&str]] = match owner {
        Owner::Match(m) => pyptables::catalog::matches::find(m).map_or(&[], |s| s.exclusive),
        Owner::Target(t) => t.exclusive,
        Owner::Builtin => &[],
    };
    let keep = |key: &str| {
        key != option.name
            && !exclusive
                .iter()
                .any(|g| g.contains(&key) && g.contains(&option.name))
    };
    let mut opts: Vec<(&str, Option<&str>)> = context
        .opts
        .iter()
        .filter(|(k, _)| keep(k))
        .map(|(k, v)| (*k, v.as_deref()))
        .collect();
    opts.push((option.name, Some(value)));
    match owner {
        Owner::Builtin => {
            for (k, v) in opts {
                rule = match v {
                    Some(v) => rule.opt(k, v.to_string()),
                    None => rule.flag(k),
                };
            }
        }
        Owner::Match(m) => {
            let mut mm = Match::new(*m);
            for (k, v) in opts {
                mm = match v {
                    Some(v) => mm.opt(k, v.to_string()),
                    None => mm.flag(k),
                };
            }
            rule = rule.with_match(mm);
        }
        Owner::Target(t) => {
            let mut target = Target::new(t.name);
            for (k, v) in opts {
                if k == "syn" {
                    rule = rule.flag("syn");
                    continue;
                }
                target = match v {
                    Some(v) => target.opt(k, v.to_string()),
                    None => target.flag(k),
                };
            }
            rule = rule.target(target);
        }
    }
    if !matches!(owner, Owner::Target(_)) {
        rule = rule.accept();
    }
    let mut tables = Tables::new(family);
    let t = tables.add(Table::with_builtin_chains(table).map_err(|e| e.to_string())?);
    t[chain].push(rule);
    tables
        .validate()
        .map_err(|e| format!("the catalog refuses it: {e}"))?;
    let text = tables.to_iptables_plain();
    let line = text
        .lines()
        .find(|l| l.starts_with(&format!("-A {chain} ")))
        .ok_or("no rule line rendered")?
        .to_string();
    Ok((table, chain, line))
}

fn intersect(a: Hooks, b: Hooks) -> Hooks {
    a.minus(Hooks::ALL.minus(b))
}

/// `line` with the value after `flag` replaced by `reference`.
fn replace_value(line: &str, flag: &str, reference: &str) -> Option<String> {
    let at = line.find(&format!(" {flag} "))? + flag.len() + 2;
    let end = line[at..].find(' ').map_or(line.len(), |e| at + e);
    Some(format!("{}{reference}{}", &line[..at], &line[end..]))
}

/// The reference with a `0` put before its first number (`16` → `016`), if it has one.
fn with_leading_zero(reference: &str) -> Option<String> {
    let at = reference.find(|c: char| c.is_ascii_digit())?;
    Some(format!("{}0{}", &reference[..at], &reference[at..]))
}

/// Every case, and every problem found before loading (missing contexts, catalog refusals,
/// leading zeros the catalog accepts).
fn cases() -> (Vec<Case>, Vec<String>) {
    let mut owners: Vec<(Owner, &'static str, &'static [OptionSpec], Families)> =
        vec![(Owner::Builtin, "builtin", BUILTIN_OPTIONS, Families::BOTH)];
    for m in MATCHES {
        owners.push((Owner::Match(m.name), m.name, m.options, m.scope.families));
    }
    // Targets no current kernel loads (CLUSTERIP, ULOG) are refused by the catalog.
    for t in TARGETS.iter().filter(|t| t.removed.is_none()) {
        owners.push((Owner::Target(t), t.name, t.options, t.scope.families));
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (owner, owner_name, options, families) in &owners {
        for option in options.iter().filter(|o| o.kind.has_numbers()) {
            for family in Family::ALL {
                if !families.contains(family) || !option.families.contains(family) {
                    continue;
                }
                let what = |v: &str| format!("{family} {owner_name} --{} {v}", option.name);
                let Some(context) = context(owner_name, family) else {
                    problems.push(format!(
                        "{}: no context for `{owner_name}`: add one to context()",
                        what("")
                    ));
                    continue;
                };
                let flag = option
                    .flag
                    .map_or_else(|| format!("--{}", option.name), str::to_string);
                for (input, reference) in samples(option.kind, family) {
                    if not_about_numbers(owner_name, option.name, &input) {
                        continue;
                    }
                    if option.kind != ValueKind::TcClass {
                        if let Some(zeroed) = with_leading_zero(&reference) {
                            if option.kind.check(&zeroed, family).is_ok() {
                                problems.push(format!(
                                    "{}: the catalog accepts `{zeroed}`",
                                    what(&input)
                                ));
                            }
                        }
                    }
                    match build(owner, option, &input, family, &context) {
                        Ok((table, chain, line_a)) => {
                            match replace_value(&line_a, &flag, &reference) {
                                Some(line_b) => out.push(Case {
                                    what: what(&input),
                                    family,
                                    table,
                                    chain,
                                    line_zeroed: with_leading_zero(&reference)
                                        .and_then(|z| replace_value(&line_a, &flag, &z)),
                                    line_a,
                                    line_b,
                                }),
                                None => problems.push(format!(
                                    "{}: `{flag}` not found in `{line_a}`",
                                    what(&input)
                                )),
                            }
                        }
                        Err(e) => problems.push(format!("{}: {e}", what(&input))),
                    }
                }
            }
        }
    }
    (out, problems)
}

fn tk_family(f: Family) -> tk::Family {
    match f {
        Family::V4 => tk::Family::V4,
        Family::V6 => tk::Family::V6,
    }
}

/// What iptables made of the leading-zero spellings the catalog refuses.
#[derive(Default)]
struct Zeroed {
    /// Loaded with another meaning than the reference.
    different: usize,
    /// Refused.
    refused: usize,
    /// Loaded with the reference's meaning (the refusal is stricter than needed).
    same: usize,
}

/// Loads each case (A and B in its chain, nothing else) and compares what iptables-save prints.
fn run(backend: tk::Backend, cases: &[Case]) -> (Vec<String>, Zeroed) {
    let ns = Netns::new(&format!("kv-{backend}")).expect("namespace");
    ns.exec_ok("ipset", &["create", SET_V4, "hash:ip", "timeout", "300"])
        .expect("ipset create (is ipset installed?)");
    ns.exec_ok(
        "ipset",
        &[
            "create", SET_V6, "hash:ip", "family", "inet6", "timeout", "300",
        ],
    )
    .expect("ipset create");
    tk::objects::rate_estimator(&ns, backend, RATEEST).expect("RATEEST estimator");
    let missing = missing_modules(&ns, backend);
    for m in &missing {
        eprintln!("{backend}: match {m} does not load in this kernel: its cases are left out");
    }
    let mut problems = Vec::new();
    let mut zeroed = Zeroed::default();
    for case in cases {
        if missing
            .iter()
            .any(|m| case.what.contains(&format!(" {m} --")))
        {
            continue;
        }
        let chains: String = TABLES
            .iter()
            .find(|t| t.name == case.table)
            .map(|t| {
                t.chains
                    .iter()
                    .map(|c| format!(":{c} ACCEPT [0:0]\n"))
                    .collect()
            })
            .unwrap_or_default();
        let text = format!(
            "*{}\n{chains}{}\n{}\nCOMMIT\n",
            case.table, case.line_a, case.line_b
        );
        if let Err(e) = ns.restore(backend, tk_family(case.family), &text, &[]) {
            // A target the catalog allows that this kernel was built without (LED needs LED
            // support): nothing to compare, and said so.
            if e.contains("missing kernel module") {
                eprintln!(
                    "{backend} {}: this kernel lacks the extension; not checked",
                    case.what
                );
                continue;
            }
            problems.push(format!(
                "{backend} {}: refused:\n  {}\n  {}\n  {e}",
                case.what, case.line_a, case.line_b
            ));
            continue;
        }
        let saved = match ns.save_table(backend, tk_family(case.family), case.table) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{backend} {}: save failed: {e}", case.what));
                continue;
            }
        };
        let prefix = format!("-A {} ", case.chain);
        let rules: Vec<&str> = saved.lines().filter(|l| l.starts_with(&prefix)).collect();
        if rules.len() != 2 || rules[0] != rules[1] {
            let mut msg = format!(
                "{backend} {}: loaded differently from the reference\n  wrote:     {}\n  \
                 reference: {}\n  saved:",
                case.what, case.line_a, case.line_b
            );
            for r in rules {
                let _ = write!(msg, "\n    {r}");
            }
            problems.push(msg);
            continue;
        }
        if let Some(line_z) = &case.line_zeroed {
            let text = format!("*{}\n{chains}{line_z}\nCOMMIT\n", case.table);
            let loaded = ns
                .restore(backend, tk_family(case.family), &text, &[])
                .ok()
                .and_then(|()| {
                    ns.save_table(backend, tk_family(case.family), case.table)
                        .ok()
                });
            match loaded {
                None => zeroed.refused += 1,
                Some(saved) if saved.lines().any(|l| l == rules[0]) => zeroed.same += 1,
                Some(_) => zeroed.different += 1,
            }
        }
    }
    (problems, zeroed)
}

#[test]
fn every_number_kind_has_samples_and_every_option_a_context() {
    let (cases, problems) = cases();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Every number-holding kind the catalog uses is exercised.
    assert!(cases.len() > 150, "only {} cases", cases.len());
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn what_we_write_loads_as_what_we_checked() {
    require_root_and_iptables();
    let (cases, mut problems) = cases();
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        let nft = s.spawn(|| run(tk::Backend::Nft, &cases));
        let legacy = s.spawn(|| run(tk::Backend::Legacy, &cases));
        for (backend, run) in [("nft", nft), ("legacy", legacy)] {
            let (p, z) = run.join().expect("backend thread");
            problems.extend(p);
            eprintln!(
                "{backend}: leading-zero spellings the catalog refuses: {} would load as another \
                 value, {} are refused by iptables, {} would load as meant",
                z.different, z.refused, z.same
            );
        }
    });
    eprintln!(
        "{} cases on 2 backends in {:.1?}",
        cases.len(),
        started.elapsed()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
