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
//! that fails); each rule it refuses is loaded alone. Each backend and family has a namespace
//! of its own, and the four load in parallel. A target, match or option of the other family
//! only (ECN in IPv6, DNPT in IPv4, `-f` in IPv6) is tried in the first chain only: that
//! family's iptables has no such extension or option, whatever the chain. Every rule carries
//! `-s` so that it is conditional: the legacy kernel code skips the chain checks of rules it
//! cannot reach, which would hide a refusal behind an earlier unconditional rule.
//!
//! The matches of [`EVERY_OPTION`] (iptables-extensions' rpfilter, socket, cgroup, …) have
//! every option tested in that way, each in its match's recipe, not only the restricted ones.
//! Their recipes refer to kernel objects each namespace gets first (a RATEEST estimator, an
//! nfacct object); a match this kernel cannot load at all (ipvs without IPVS) is found by a
//! probe and its cases are left out, with a note on stderr.
//!
//! Each option of each target is also added to the target's recipe: an option limited to some
//! tables or chains (TCPMSS's `--clamp-mss-to-pmtu`, SET's `--map-set`) is tried in every
//! table × chain like a target, any other in each table where the catalog allows the result;
//! flags and names included, which the value sweep below does not try.
//!
//! Further tests generate their cases from the catalog in the same way:
//! - protocol requirements: every option, match and target that needs `-p`, with each
//!   protocol by name and by its number in `/etc/protocols`, and without one;
//! - values and combinations: every word an option's value kind lists (both families' lists,
//!   also with the case flipped), the edges of numeric kinds, the catalog's required and
//!   exclusive groups and its `Needs`/`Conflicts` constraints, and sweeps over what the
//!   computed checks decide (rate × burst, string offsets, statistic's modes, TCPMSS's SYN
//!   match);
//! - chains: reserved user chain names and paths of 14-17 nested jumps;
//! - matches alone: every match of the catalog as `-m NAME` without options (after the `-p`
//!   it needs), which iptables takes only where the entry says `.bare()`.
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
        "SYNPROXY" => Some(
            Rule::new().proto("tcp").target(
                Target::new("SYNPROXY")
                    .flag("sack-perm")
                    .flag("timestamp")
                    .opt("wscale", "7")
                    .opt("mss", "1460"),
            ),
        ),
        "TEE" => t(Target::new("TEE").opt("gateway", a)),
        "SECMARK" => t(Target::new("SECMARK").opt("selctx", "system_u:object_r:kc_packet_t:s0")),
        "CONNSECMARK" => t(Target::new("CONNSECMARK").flag("save")),
        "HMARK" => t(Target::new("HMARK")
            .opt("hmark-tuple", "ct")
            .opt("hmark-mod", "4")
            .opt("hmark-rnd", "0x1")),
        // Timers and estimators are shared by name (timers even across namespaces): a name
        // of our own, with the same settings in every rule.
        "IDLETIMER" => t(Target::new("IDLETIMER")
            .opt("timeout", "60")
            .opt("label", "pyptables_kc")),
        "LED" => t(Target::new("LED").opt("led-trigger-id", "kc")),
        "RATEEST" => t(Target::new("RATEEST")
            .opt("rateest-name", "pyptables_kc")
            .opt("rateest-interval", "250ms")
            .opt("rateest-ewmalog", "500ms")),
        "TCPOPTSTRIP" => Some(
            Rule::new()
                .proto("tcp")
                .target(Target::new("TCPOPTSTRIP").opt("strip-options", "sack-permitted")),
        ),
        "ECN" => t(Target::new("ECN").opt("ecn-ip-ect", "0")),
        "CLUSTERIP" => t(Target::new("CLUSTERIP")
            .flag("new")
            .opt("hashmode", "sourceip")
            .opt("clustermac", "01:00:5e:00:00:20")
            .opt("total-nodes", "2")
            .opt("local-node", "1")),
        "ULOG" => t(Target::new("ULOG")),
        // IPv6 only; in IPv4 with IPv4 prefixes, so that only the family is wrong.
        "DNPT" | "SNPT" => {
            let (src, dst) = match family {
                Family::V4 => ("198.51.100.0/24", "203.0.113.0/24"),
                Family::V6 => ("2001:db8::/64", "2001:db8:1::/64"),
            };
            t(Target::new(name.to_string())
                .opt("src-pfx", src)
                .opt("dst-pfx", dst))
        }
        _ => None,
    }
}

/// Targets the catalog describes that this test machine's kernel may lack, with why. Each is
/// first loaded once in a place the catalog allows; only if both backends refuse it there are
/// its cases left out (and said so), so a kernel that has it checks it in full.
const MAYBE_NOT_HERE: &[(&str, &str)] = &[
    (
        "LED",
        "xt_LED exists only in kernels built with LED support (CONFIG_NEW_LEDS)",
    ),
    (
        "SECMARK",
        "the kernel turns --selctx into an id through the running LSM; without SELinux \
         active it refuses every SECMARK rule",
    ),
];

/// The cases of [`MAYBE_NOT_HERE`]'s targets that this kernel cannot load at all, removed
/// from `cases`; each such target is reported.
fn leave_out_targets_not_here(cases: &mut Vec<Case>) {
    for (name, why) in MAYBE_NOT_HERE {
        let what = format!("target {name}");
        let Some(probe) = cases.iter().find(|c| c.what == what && c.catalog_ok) else {
            continue;
        };
        let ns = Netns::new("catalog_probe").unwrap();
        let text = restore_text(probe.family, probe.table, &[probe]);
        let loads = tk::Backend::ALL
            .iter()
            .any(|b| ns.restore(*b, tk_family(probe.family), &text, &[]).is_ok());
        if !loads {
            eprintln!("target {name} cannot load in this kernel ({why}): its cases are left out");
            let option = format!("{what} --");
            cases.retain(|c| c.what != what && !c.what.starts_with(&option));
        }
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

/// Each option of each target that its recipe does not give, added to the recipe (options
/// that exclude it taken out, required and needed ones put in): `(what, rule, restricted)`,
/// restricted if the option is limited to some tables or chains. Flags and names, which the
/// value sweep does not try, are loaded too.
fn target_option_variants(family: Family) -> Vec<(String, Rule, bool)> {
    let mut out = Vec::new();
    for t in TARGETS.iter().filter(|t| t.removed.is_none()) {
        let owner = Owner::Target(t);
        let Some(base) = target_recipe(t.name, family) else {
            continue;
        };
        for o in t.options {
            if owner.has(&base, o.name) || !o.families.contains(family) {
                continue;
            }
            let fitted = owner.fit(&base, &[o.name], family);
            let mut rule = owner.set(&fitted, o.name, sample(o.kind, family).as_deref(), false);
            // Options it needs, and theirs (SET's --map-prio needs --map-set).
            for _ in 0..2 {
                for c in t.constraints {
                    if let Constraint::Needs(a, others) = *c {
                        if owner.has(&rule, a) && !others.iter().any(|x| owner.has(&rule, x)) {
                            let x = owner.option(others[0]);
                            rule =
                                owner.set(&rule, x.name, sample(x.kind, family).as_deref(), false);
                        }
                    }
                }
            }
            if t.name == "IDLETIMER" && o.name == "alarm" {
                // A label's timer is of one kind: an alarm timer needs a label of its own.
                rule = owner.set(&rule, "label", Some("pyptables_kc_alarm"), false);
            }
            out.push((
                format!("target {} --{}", t.name, o.name),
                rule,
                o.hooks != Hooks::ALL || !o.tables.is_empty(),
            ));
        }
    }
    out
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
        "rpfilter" => Rule::new().with_match(m("rpfilter").flag("loose")),
        "socket" => Rule::new().with_match(m("socket").flag("transparent")),
        "cgroup" => Rule::new().with_match(m("cgroup").opt("cgroup", "1")),
        // The path must exist: the root of the cgroup2 hierarchy always does.
        "cgroup --path" => Rule::new().with_match(m("cgroup").opt("path", "/")),
        "connbytes" => Rule::new().with_match(
            m("connbytes")
                .opt("connbytes", "10")
                .opt("connbytes-dir", "both")
                .opt("connbytes-mode", "bytes"),
        ),
        "connlabel" => Rule::new().with_match(m("connlabel").opt("label", "1")),
        "cluster" => Rule::new().with_match(
            m("cluster")
                .opt("cluster-total-nodes", "2")
                .opt("cluster-local-node", "1")
                .opt("cluster-hash-seed", "1"),
        ),
        "cpu" => Rule::new().with_match(m("cpu").opt("cpu", "0")),
        "devgroup" => Rule::new().with_match(m("devgroup").opt("src-group", "1")),
        "policy" => Rule::new().with_match(m("policy").opt("dir", "in").opt("pol", "ipsec")),
        "policy --dir out" => {
            Rule::new().with_match(m("policy").opt("dir", "out").opt("pol", "ipsec"))
        }
        "policy --tunnel-src" | "policy --tunnel-dst" => Rule::new().with_match(
            m("policy")
                .opt("dir", "in")
                .opt("mode", "tunnel")
                .opt(&name["policy --".len()..], addr(family)),
        ),
        "policy --strict" => Rule::new().with_match(
            m("policy")
                .opt("dir", "in")
                .flag("strict")
                .opt("proto", "esp"),
        ),
        "realm" => Rule::new().with_match(m("realm").opt("realm", "0x1")),
        "rateest" => Rule::new().with_match(
            m("rateest")
                .opt("rateest1", RATEEST)
                .flag("rateest-gt")
                .opt("rateest-bps", "1000"),
        ),
        "nfacct" => Rule::new().with_match(m("nfacct").opt("nfacct-name", NFACCT)),
        "osf" => Rule::new()
            .proto("tcp")
            .with_match(m("osf").opt("genre", "Linux")),
        "ipvs" => Rule::new().with_match(m("ipvs").flag("ipvs")),
        "eui64" => Rule::new().with_match(m("eui64")),
        _ => {
            return extension_option_recipe(name, family)
                .or_else(|| header_match_recipe(name, family))
        }
    })
}

/// The matches of iptables-extensions(8) whose every option is tested in every chain, not
/// only the restricted ones.
const EVERY_OPTION: &[&str] = &[
    "rpfilter",
    "socket",
    "cgroup",
    "connbytes",
    "connlabel",
    "cluster",
    "cpu",
    "devgroup",
    "policy",
    "realm",
    "rateest",
    "nfacct",
    "osf",
    "ipvs",
];

/// The RATEEST estimator the rateest recipes compare (made in each namespace).
const RATEEST: &str = "kc";
/// The nfacct object the nfacct recipes count in (made in each namespace).
const NFACCT: &str = "kc";

/// `module --option` of an [`EVERY_OPTION`] match: its recipe with that option too (made to
/// fit the match's groups), with a sample value.
fn extension_option_recipe(name: &str, family: Family) -> Option<Rule> {
    let (module, option) = name.split_once(" --")?;
    if !EVERY_OPTION.contains(&module) {
        return None;
    }
    let spec = catalog::matches::find(module)?;
    let owner = Owner::Match(spec);
    let o = spec.option(option)?;
    let base = match_recipe(module, family)?;
    let fitted = owner.fit(&base, &[o.name], family);
    let value = value_in(owner, &fitted, o.name, family);
    Some(owner.set(&fitted, o.name, value.as_deref(), false))
}

/// Options the kernel checks on their own but the catalog does not restrict, tested besides
/// the restricted ones.
const EXTRA_OPTIONS: &[&str] = &[
    "physdev --physdev-is-in",
    "physdev --physdev-is-out",
    "policy --dir out",
];

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
            if restricted(o.hooks, o.families) || EVERY_OPTION.contains(&m.name) {
                out.push(format!("{} --{}", m.name, o.name));
            }
        }
    }
    for extra in EXTRA_OPTIONS {
        if !out.iter().any(|o| o == extra) {
            out.push(extra.to_string());
        }
    }
    for extra in header_option_uses() {
        if !out.contains(&extra) {
            out.push(extra);
        }
    }
    out
}

#[derive(Clone, Debug)]
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
    let mut variants: Vec<(Family, String, Rule, bool)> = Vec::new();
    let mut problems = Vec::new();
    for family in [Family::V4, Family::V6] {
        // Targets no current kernel can load are checked by `removed_targets_are_refused`.
        for t in TARGETS.iter().filter(|t| t.removed.is_none()) {
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
        for (what, rule, restricted) in target_option_variants(family) {
            // An option limited to some tables or chains is tried everywhere, as a target is.
            if restricted {
                if !uses.iter().any(|u| u.0 == family && u.1 == what) {
                    uses.push((family, what, rule));
                }
            } else {
                variants.push((family, what, rule, false));
            }
        }
        for name in matches_to_test() {
            if !header_use_applies(&name, family) {
                continue;
            }
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
        'places: for table in TABLES {
            for &chain in table.chains {
                // `-s` first keeps every rule conditional (see the module docs).
                let mut full = Rule::new().source(addr(family));
                for arg in rule.args() {
                    full = full.arg(arg.clone());
                }
                if let Some(t) = rule.get_target() {
                    full = full.target(t.clone());
                }
                // What the other family's iptables has no extension or option for is refused
                // the same way in every chain: one case says it.
                if !cases.is_empty()
                    && cases.last().is_some_and(|c: &Case| {
                        c.family == family && c.what == what && c.catalog_says.contains(" only;")
                    })
                    && findings(&full, family, table.name, chain)
                        .iter()
                        .any(|f| matches!(f.problem, Problem::FamilyOnly { .. }))
                {
                    break 'places;
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
    // Option variants only where the catalog finds nothing wrong with them at all; in the
    // first such chain of each table unless the option is limited to some chains (the
    // target's own chains are the recipe's cases above).
    for (family, what, rule, every_chain) in variants {
        for table in TABLES {
            for &chain in table.chains {
                let mut full = Rule::new().source(addr(family));
                for arg in rule.args() {
                    full = full.arg(arg.clone());
                }
                if let Some(t) = rule.get_target() {
                    full = full.target(t.clone());
                }
                if let Ok((true, _)) = catalog_verdict(&full, family, table.name, chain, false) {
                    cases.push(Case {
                        family,
                        table: table.name,
                        chain,
                        what: what.clone(),
                        rule: full,
                        catalog_ok: true,
                        catalog_says: String::new(),
                    });
                    if !every_chain {
                        break;
                    }
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
fn kernel_verdicts(
    backend: tk::Backend,
    family: Family,
    cases: &[Case],
) -> BTreeMap<usize, Result<(), String>> {
    let ns = Netns::new(&format!("catalog_{backend}_{}", tk_family(family))).unwrap();
    ns.exec_ok("ipset", &["create", SET_V4, "hash:ip"])
        .expect("ipset create (is ipset installed?)");
    ns.exec_ok("ipset", &["create", SET_V6, "hash:ip", "family", "inet6"])
        .expect("ipset create inet6");
    make_kernel_objects(&ns, backend);
    let mut out = BTreeMap::new();
    let mut groups: BTreeMap<(u8, &str), Vec<(usize, &Case)>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate().filter(|(_, c)| c.family == family) {
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

/// Makes the kernel objects the rateest and nfacct recipes refer to: the RATEEST estimator
/// [`RATEEST`] and the accounting object [`NFACCT`].
fn make_kernel_objects(ns: &Netns, backend: tk::Backend) {
    tk::objects::rate_estimator(ns, backend, RATEEST).expect("RATEEST estimator");
    ns.run(|| tk::objects::nfacct_add(NFACCT))
        .expect("enter the namespace")
        .expect("nfacct object");
}

/// Matches the kernel here cannot load at all (their module is not built: ipvs needs IPVS),
/// found by loading each [`EVERY_OPTION`] match's recipe where the catalog allows it, with
/// both backends.
/// Their cases are left out, and said so.
fn unloadable_matches() -> &'static [String] {
    static FOUND: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| {
        let ns = Netns::new("catalog_probe").unwrap();
        for backend in tk::Backend::ALL {
            make_kernel_objects(&ns, backend);
        }
        let mut out = Vec::new();
        for name in EVERY_OPTION {
            let family = Family::V4;
            let Some(case) = match_recipe(name, family)
                .and_then(|rule| case_anywhere(family, name.to_string(), &rule))
            else {
                continue;
            };
            let text = restore_text(family, case.table, &[&case]);
            let loads = tk::Backend::ALL
                .iter()
                .any(|&b| ns.restore(b, tk::Family::V4, &text, &[]).is_ok());
            if !loads {
                eprintln!("match {name} does not load in this kernel: its cases are left out");
                out.push(format!("match {name}"));
            }
        }
        out
    })
}

/// Whether `case` is of a match this kernel cannot load.
fn unloadable(case: &Case) -> bool {
    unloadable_matches()
        .iter()
        .any(|m| case.what == *m || case.what.starts_with(&format!("{m} ")))
}

/// Loads every case with both backends and returns the disagreements with the catalog,
/// printing where the backends differ.
fn compare(cases: &[Case]) -> Vec<String> {
    let cases: Vec<Case> = cases.iter().filter(|c| !unloadable(c)).cloned().collect();
    let cases = &cases[..];
    let started = Instant::now();
    let before = RESTORES.load(Ordering::Relaxed);
    // One namespace per backend and family, loading in parallel.
    let (nft, legacy) = std::thread::scope(|s| {
        let run = |backend: tk::Backend| {
            let threads: Vec<_> = Family::ALL
                .map(|f| s.spawn(move || kernel_verdicts(backend, f, cases)))
                .into_iter()
                .collect();
            threads
        };
        let (nft, legacy) = (run(tk::Backend::Nft), run(tk::Backend::Legacy));
        let join = |threads: Vec<std::thread::ScopedJoinHandle<'_, _>>| {
            let mut all: BTreeMap<usize, Result<(), String>> = BTreeMap::new();
            for t in threads {
                all.extend(t.join().unwrap());
            }
            all
        };
        (join(nft), join(legacy))
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
    let mut cases = match cases() {
        Ok(c) => c,
        Err(problems) => panic!("cannot build the cases:\n{}", problems.join("\n")),
    };
    leave_out_targets_not_here(&mut cases);
    let disagreements = compare(&cases);
    assert!(
        disagreements.is_empty(),
        "{} disagreements between the catalog and the kernel:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Targets no current kernel can load (`removed` in the catalog): the catalog refuses them
/// with its reason, and this kernel refuses them with both backends.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn removed_targets_are_refused() {
    require_root_and_iptables();
    let ns = Netns::new("catalog_removed").unwrap();
    let mut problems = Vec::new();
    let removed: Vec<_> = TARGETS.iter().filter(|t| t.removed.is_some()).collect();
    assert!(!removed.is_empty(), "CLUSTERIP and ULOG are in the catalog");
    for t in removed {
        let family = t.scope.families.only().unwrap_or(Family::V4);
        let rule = target_recipe(t.name, family)
            .unwrap_or_else(|| panic!("no recipe for target {}: add one to target_recipe", t.name));
        let found = findings(&rule, family, "mangle", "INPUT");
        if !found
            .iter()
            .any(|f| matches!(f.problem, Problem::RemovedTarget { .. }))
        {
            problems.push(format!("the catalog does not refuse {}: {found:?}", t.name));
        }
        let mut tables = Tables::new(family);
        tables.add(Table::with_builtin_chains("mangle").unwrap())["INPUT"].push(rule);
        let text = tables.to_iptables_plain();
        for backend in tk::Backend::ALL {
            if ns.restore(backend, tk_family(family), &text, &[]).is_ok() {
                problems.push(format!(
                    "{backend} loads {}, which the catalog says no kernel can",
                    t.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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
        (
            "filter",
            "INPUT",
            "REJECT --reject-with TCP-RESET",
            |r, _| r.target(Target::REJECT.opt("reject-with", "TCP-RESET")),
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
        ("filter", "INPUT", "SYNPROXY", |r, _| {
            r.target(Target::new("SYNPROXY"))
        }),
        ("mangle", "OUTPUT", "TCPOPTSTRIP", |r, _| {
            r.target(Target::new("TCPOPTSTRIP").opt("strip-options", "mss"))
        }),
        ("mangle", "FORWARD", "ECN --ecn-tcp-remove", |r, _| {
            r.target(Target::new("ECN").flag("ecn-tcp-remove"))
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
        // Each protocol also by its number, as /etc/protocols gives it (`-p 6`).
        let numbers: Vec<Option<&'static str>> = protos
            .iter()
            .flatten()
            .filter_map(|name| protocol_number(name))
            .map(Some)
            .collect();
        for (table, chain, what, add) in &uses {
            for proto in protos.iter().chain(&numbers) {
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
    cases.extend(header_protocol_cases());
    cases
}

/// The number of protocol `name` in the machine's `/etc/protocols`.
fn protocol_number(name: &str) -> Option<&'static str> {
    let text = std::fs::read_to_string("/etc/protocols").ok()?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or_default())
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|w| w.len() >= 2 && w[0] == name)
        .map(|w| &*Box::leak(w[1].to_string().into_boxed_str()))
}

/// Disagreements the catalog cannot express yet, each with the reason. The test fails if one
/// of them stops disagreeing, so that the list stays true.
const KNOWN_PROTOCOL_GAPS: &[(&str, &str)] = &[
    (
        "CT --helper ftp with -p udp",
        "the helper must exist for the protocol (ftp is TCP only); the catalog does not know \
         which helper serves which protocol",
    ),
    ("CT --helper ftp with -p 17", "as above: 17 is udp"),
    (
        "ah --ahspi (IPv6) with -p ah",
        "in IPv6 `-p ah` never matches (AH is an extension header, `-p` the protocol after \
         them): ip6tables only warns, the catalog refuses it",
    ),
    ("ah --ahspi (IPv6) with -p 51", "as above: 51 is ah"),
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

// ---------------------------------------------------------------------------------------------
// Values and combinations of options, generated from the catalog.

use pyptables::catalog::spec::Constraint;
use pyptables::catalog::{MatchSpec, OptionSpec, TargetSpec, ValueKind};

/// Required or exclusive groups of options.
type Groups = &'static [&'static [&'static str]];

/// A rule with something added.
type AddFn = fn(Rule) -> Rule;

/// A match or a target of the catalog.
#[derive(Clone, Copy)]
enum Owner {
    Match(&'static MatchSpec),
    Target(&'static TargetSpec),
}

impl Owner {
    fn all() -> impl Iterator<Item = Owner> {
        MATCHES
            .iter()
            .map(Owner::Match)
            .chain(TARGETS.iter().map(Owner::Target))
    }

    fn name(self) -> String {
        match self {
            Owner::Match(m) => format!("match {}", m.name),
            Owner::Target(t) => format!("target {}", t.name),
        }
    }

    fn options(self) -> &'static [OptionSpec] {
        match self {
            Owner::Match(m) => m.options,
            Owner::Target(t) => t.options,
        }
    }

    fn option(self, name: &str) -> &'static OptionSpec {
        self.options()
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("{} has no option {name}", self.name()))
    }

    fn recipe(self, family: Family) -> Option<Rule> {
        match self {
            Owner::Match(m) => match_recipe(m.name, family),
            Owner::Target(t) => target_recipe(t.name, family),
        }
    }

    /// `base` with option `name` of this owner set to `value` (`None`: a flag), replacing it
    /// if `base` has it.
    fn set(self, base: &Rule, name: &str, value: Option<&str>, negated: bool) -> Rule {
        let mut rule = self.without(base, &[name]);
        match self {
            Owner::Match(m) => {
                rule = rule.arg(pyptables::Arg {
                    module: Some(m.name.into()),
                    key: name.into(),
                    negated,
                    value: value.map(Into::into),
                });
            }
            Owner::Target(_) => {
                let t = rule.get_target().expect("a target recipe").clone();
                let t = match value {
                    Some(v) => t.opt(name.to_string(), v.to_string()),
                    None => t.flag(name.to_string()),
                };
                rule = rule.target(t);
            }
        }
        rule
    }

    fn groups(self) -> (Groups, Groups, &'static [Constraint]) {
        match self {
            Owner::Match(m) => (m.required, m.exclusive, m.constraints),
            Owner::Target(t) => (t.required, t.exclusive, t.constraints),
        }
    }

    /// The options that cannot go with `name` (exclusive groups and conflicts).
    fn excluded_by(self, name: &str) -> Vec<&'static str> {
        let (_, exclusive, constraints) = self.groups();
        let mut out: Vec<&'static str> = exclusive
            .iter()
            .filter(|g| g.contains(&name))
            .flat_map(|g| g.iter().copied())
            .filter(|o| *o != name)
            .collect();
        for c in constraints {
            match *c {
                Constraint::Conflicts(a, others) if a == name => out.extend(others),
                Constraint::Conflicts(a, others) if others.contains(&name) => out.push(a),
                _ => {}
            }
        }
        out
    }

    /// Whether `rule` has option `name` of this owner.
    fn has(self, rule: &Rule, name: &str) -> bool {
        match self {
            Owner::Match(m) => rule.args().iter().any(|a| {
                a.module.as_deref().is_none_or(|x| x == m.name)
                    && m.option(&a.key).is_some_and(|o| o.name == name)
            }),
            Owner::Target(t) => rule.get_target().is_some_and(|x| {
                x.args()
                    .iter()
                    .any(|a| t.option(&a.key).is_some_and(|o| o.name == name))
            }),
        }
    }

    /// `rule` made to fit options `keep`: options that exclude them are removed, and each
    /// required group left empty gets its first member that does not.
    fn fit(self, rule: &Rule, keep: &[&str], family: Family) -> Rule {
        let excluded: Vec<&str> = keep.iter().flat_map(|k| self.excluded_by(k)).collect();
        let mut rule = self.without(rule, &excluded);
        let (required, _, _) = self.groups();
        for group in required {
            if group.iter().any(|o| self.has(&rule, o)) {
                continue;
            }
            if let Some(o) = group.iter().find(|o| !excluded.contains(o)) {
                rule = self.set(
                    &rule,
                    o,
                    sample(self.option(o).kind, family).as_deref(),
                    false,
                );
            }
        }
        rule
    }

    /// `base` without the options `names` of this owner.
    fn without(self, base: &Rule, names: &[&str]) -> Rule {
        let named = |key: &str| {
            self.options()
                .iter()
                .find(|o| o.is_named(key))
                .is_some_and(|o| names.contains(&o.name))
        };
        let mut rule = Rule::new();
        for a in base.args() {
            let mine = match self {
                Owner::Match(m) => {
                    a.module.as_deref().is_none_or(|x| x == m.name) && m.option(&a.key).is_some()
                }
                Owner::Target(_) => false,
            };
            if !(mine && named(&a.key)) {
                rule = rule.arg(a.clone());
            }
        }
        if let Some(t) = base.get_target() {
            let mut nt = Target::new(t.name().to_string());
            for a in t.args() {
                if matches!(self, Owner::Target(_)) && named(&a.key) {
                    continue;
                }
                nt = match &a.value {
                    Some(v) => nt.opt(a.key.to_string(), v.to_string()),
                    None => nt.flag(a.key.to_string()),
                };
            }
            rule = rule.target(nt);
        }
        rule
    }
}

/// A valid value of `kind` in `family` (`None` for a flag), to use an option in combinations.
fn sample(kind: ValueKind, family: Family) -> Option<String> {
    let v4 = family == Family::V4;
    let s = |t: &str| Some(t.to_string());
    match kind {
        ValueKind::Flag => None,
        ValueKind::Protocol => s("tcp"),
        ValueKind::Address | ValueKind::Host | ValueKind::NatAddress => s(addr(family)),
        ValueKind::AddressRange => Some(format!("{0}-{0}", addr(family))),
        ValueKind::Interface => s("lo"),
        ValueKind::Port | ValueKind::PortRange | ValueKind::PortList | ValueKind::ToPorts => {
            s("80")
        }
        ValueKind::UInt { min, .. } | ValueKind::UIntRange { min, .. } => Some(min.to_string()),
        ValueKind::AscendingRange { min, .. } => Some(format!("{min}:{}", min + 1)),
        ValueKind::Mark | ValueKind::NamedMark(_) => s("0x1"),
        ValueKind::Rate => s("10/second"),
        ValueKind::BitRate => s("16"),
        ValueKind::Text { .. } | ValueKind::Any => s("x"),
        ValueKind::Name { .. } | ValueKind::FileName { .. } => s("kc"),
        ValueKind::Choice(c) | ValueKind::ChoiceList(c) => s(c[0]),
        ValueKind::FamilyChoice { v4: a, v6: b } | ValueKind::FamilyChoiceList { v4: a, v6: b } => {
            s(if v4 { a[0] } else { b[0] })
        }
        ValueKind::IcmpType | ValueKind::Icmp6Type => s("echo-request"),
        ValueKind::LogLevel => s("4"),
        ValueKind::TcpFlags => s("SYN,ACK SYN"),
        ValueKind::Network => s(if v4 {
            "198.51.100.0/24"
        } else {
            "2001:db8:1::/64"
        }),
        ValueKind::Mac => s("00:11:22:33:44:55"),
        ValueKind::TimeOfDay => s("08:00"),
        ValueKind::Date => s("2020-01-01"),
        ValueKind::Weekdays => s("Mon"),
        ValueKind::Monthdays => s("1"),
        ValueKind::SetRef => Some(format!("{} src", if v4 { SET_V4 } else { SET_V6 })),
        ValueKind::Tos => s("0x10"),
        ValueKind::TcClass => s("1:1"),
        ValueKind::PrefixLength => s("24"),
        ValueKind::HexString => s("|61|"),
        ValueKind::Probability => s("0.5"),
        ValueKind::CtZone => s("1"),
        ValueKind::Owner => s("0"),
        ValueKind::TcpOptionList => s("mss"),
        ValueKind::U32 => s("0=0"),
        ValueKind::SctpChunks => s("any INIT"),
        ValueKind::Ip6Options => s("1:2"),
        ValueKind::Ip6AddressList => s("2001:db8::1"),
        ValueKind::MhType => s("1"),
        ValueKind::BpfBytecode => s("1,6 0 0 0"),
    }
}

/// The value `base` gives option `name` of `owner`, or a sample of its kind.
fn value_in(owner: Owner, base: &Rule, name: &str, family: Family) -> Option<String> {
    let given = match owner {
        Owner::Match(m) => base
            .args()
            .iter()
            .find(|a| m.option(&a.key).is_some_and(|o| o.name == name)),
        Owner::Target(t) => base.get_target().and_then(|x| {
            x.args()
                .iter()
                .find(|a| t.option(&a.key).is_some_and(|o| o.name == name))
        }),
    };
    match given {
        Some(a) => a.value.as_deref().map(str::to_string),
        None => sample(owner.option(name).kind, family),
    }
}

/// The catalog's findings for `rule` at `table`/`chain`.
fn findings(rule: &Rule, family: Family, table: &str, chain: &str) -> Vec<Finding> {
    fn conv(a: &pyptables::Arg) -> catalog::Arg<'_> {
        catalog::Arg {
            module: a.module.as_deref(),
            key: &a.key,
            negated: a.negated,
            value: a.value.as_deref(),
        }
    }
    let args: Vec<catalog::Arg<'_>> = rule.args().iter().map(conv).collect();
    let target = rule.get_target();
    let target_args: Vec<catalog::Arg<'_>> = target
        .map(|t| t.args().iter().map(conv).collect())
        .unwrap_or_default();
    let call = target.map(|t| TargetCall {
        name: t.name(),
        kind: t.kind(),
        args: &target_args,
    });
    let ctx = RuleContext {
        family,
        table,
        chain,
        reach: Hooks::of(Hook::from_chain_name(chain).expect("built-in chain")),
    };
    let mut out = Vec::new();
    check_rule(&ctx, &args, call.as_ref(), &mut |f| out.push(f));
    out
}

/// A case for `rule` (with `-s` in front) in the first table and chain where the catalog finds
/// no problem of place or family; `None` if there is none.
fn case_anywhere(family: Family, what: String, rule: &Rule) -> Option<Case> {
    let mut full = Rule::new().source(addr(family));
    for a in rule.args() {
        full = full.arg(a.clone());
    }
    if let Some(t) = rule.get_target() {
        full = full.target(t.clone());
    }
    for table in TABLES {
        for &chain in table.chains {
            let found = findings(&full, family, table.name, chain);
            let misplaced = found.iter().any(|f| {
                matches!(
                    f.problem,
                    Problem::NotAllowedHere { .. } | Problem::FamilyOnly { .. }
                )
            });
            if misplaced {
                continue;
            }
            return Some(Case {
                family,
                table: table.name,
                chain,
                what,
                catalog_ok: found.is_empty(),
                catalog_says: found
                    .iter()
                    .map(|f| f.problem.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
                rule: full,
            });
        }
    }
    None
}

/// Flips the case of every letter (`tcp-reset` → `TCP-RESET`).
fn flip_case(word: &str) -> String {
    word.chars()
        .map(|c| {
            if c.is_ascii_lowercase() {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect()
}

/// Values to try for an option of `kind`: every word of a word list (of both families, as
/// written and with the case flipped), and the edges of numeric ranges.
fn values_to_try(kind: ValueKind, family: Family) -> Vec<String> {
    let words = |lists: &[&[&str]]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in lists.iter().flat_map(|l| l.iter()) {
            for v in [w.to_string(), flip_case(w)] {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    };
    let max_plen = if family == Family::V4 { 32 } else { 128 };
    match kind {
        ValueKind::Choice(c) | ValueKind::ChoiceList(c) => words(&[c]),
        ValueKind::FamilyChoice { v4, v6 } | ValueKind::FamilyChoiceList { v4, v6 } => {
            words(&[v4, v6])
        }
        ValueKind::LogLevel => {
            let mut out = words(&[catalog::value::LOG_LEVELS, &["err", "warn"]]);
            out.extend(["0", "7", "8"].map(String::from));
            out
        }
        ValueKind::PrefixLength => [0, 32, 33, 128, 129]
            .iter()
            .filter(|&&n| n <= max_plen + 1)
            .map(|n| n.to_string())
            .collect(),
        ValueKind::UInt { min, max } if max < u64::from(u32::MAX) => {
            let mut out = vec![min.to_string(), max.to_string(), (max + 1).to_string()];
            if min > 0 {
                out.push((min - 1).to_string());
            }
            out
        }
        ValueKind::AscendingRange { min, max } => vec![
            format!("{min}:{max}"),
            format!("{}:{max}", min + 1),
            format!("{min}:{}", max - 1),
            format!("{min}:{}", max + 1),
            format!("{min}:{min}"),
            format!("{}:{min}", min + 1),
            min.to_string(),
        ],
        ValueKind::TcpOptionList => {
            let mut out = words(&[&catalog::value::TCP_OPTION_NAMES.map(|(n, _)| n)]);
            out.extend(
                ["0", "1", "2", "255", "256", "mss,2", "sack,timestamp,30"].map(String::from),
            );
            out
        }
        ValueKind::CtZone => ["0", "65535", "65536", "mark", "MARK", "marks"]
            .map(String::from)
            .to_vec(),
        ValueKind::Probability => ["0", "1", ".5", "0.25", "1.5", "-0.1", "1.0"]
            .map(String::from)
            .to_vec(),
        ValueKind::HexString => {
            let mut out: Vec<String> = [
                "|61|", "a|62|c", "|61 62|", "|6|", "|616|", "|zz|", "|61", "abc", "a\\|b",
            ]
            .map(String::from)
            .to_vec();
            for n in [127, 128] {
                out.push(format!("|{}|", "61".repeat(n)));
                out.push("a".repeat(n + 1));
            }
            out
        }
        ValueKind::UIntRange { min: 0, max } if max == u64::from(u32::MAX) => {
            header_values_to_try(kind)
        }
        ValueKind::U32
        | ValueKind::SctpChunks
        | ValueKind::Ip6Options
        | ValueKind::Ip6AddressList
        | ValueKind::MhType
        | ValueKind::BpfBytecode => header_values_to_try(kind),
        // `.` and `..` cannot name the file the kernel makes; `...` can.
        ValueKind::FileName { .. } => [".", "..", "..."].map(String::from).to_vec(),
        ValueKind::Host => vec![
            addr(family).to_string(),
            format!(
                "{}/{}",
                addr(family),
                if family == Family::V4 { 24 } else { 64 }
            ),
        ],
        _ => Vec::new(),
    }
}

/// Every value to try of every option of every match and target, each in the owner's recipe
/// (replacing the recipe's value for that option). Options whose values need a protocol are
/// tried without `-p`, with each protocol they need, and with `udp`.
fn value_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for family in Family::ALL {
        for owner in Owner::all() {
            let Some(base) = owner.recipe(family) else {
                continue;
            };
            for option in owner.options() {
                // Scope and family limits are the first test's.
                if !option.families.contains(family) {
                    continue;
                }
                let protos: Vec<Option<&str>> = match option.value_needs_protocol {
                    Some(needs) => std::iter::once(None)
                        .chain(needs.protocols.iter().copied().map(Some))
                        .chain((!needs.protocols.contains(&"udp")).then_some(Some("udp")))
                        .collect(),
                    None => vec![None],
                };
                let fitted = owner.fit(&base, &[option.name], family);
                for value in values_to_try(option.kind, family) {
                    for proto in &protos {
                        let mut rule = owner.set(&fitted, option.name, Some(&value), false);
                        if let Some(p) = proto {
                            let mut r = Rule::new().proto(*p);
                            for a in rule.args() {
                                if !catalog::rule::is_protocol_option(&a.key) {
                                    r = r.arg(a.clone());
                                }
                            }
                            if let Some(t) = rule.get_target() {
                                r = r.target(t.clone());
                            }
                            rule = r;
                        }
                        let what = format!(
                            "{} --{} {value}{}",
                            owner.name(),
                            option.name,
                            proto.map(|p| format!(" with -p {p}")).unwrap_or_default()
                        );
                        cases.extend(case_anywhere(family, what, &rule));
                    }
                }
            }
        }
    }
    cases
}

/// For every match and target: its required groups left out, each pair of an exclusive
/// group, and each [`Constraint::Needs`] and [`Constraint::Conflicts`], in its recipe.
fn combination_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for family in Family::ALL {
        for owner in Owner::all() {
            let (required, exclusive, constraints) = match owner {
                Owner::Match(m) => (m.required, m.exclusive, m.constraints),
                Owner::Target(t) => (t.required, t.exclusive, t.constraints),
            };
            let Some(base) = owner.recipe(family) else {
                continue;
            };
            let with = |rule: &Rule, names: &[&str]| {
                let mut r = rule.clone();
                for n in names {
                    r = owner.set(&r, n, value_in(owner, &base, n, family).as_deref(), false);
                }
                r
            };
            let mut push = |what: String, rule: Rule| {
                cases.extend(case_anywhere(
                    family,
                    format!("{} {what}", owner.name()),
                    &rule,
                ));
            };
            for group in required {
                // Some other option keeps the match in the rule (`-m addrtype --limit-iface-in`).
                let mut rule = owner.without(&base, group);
                if matches!(owner, Owner::Match(_))
                    && !owner.options().iter().any(|x| owner.has(&rule, x.name))
                {
                    match owner.options().iter().find(|o| !group.contains(&o.name)) {
                        Some(o) => {
                            rule =
                                owner.set(&rule, o.name, sample(o.kind, family).as_deref(), false)
                        }
                        // Without options the match is not written at all.
                        None => continue,
                    }
                }
                push(format!("without any of {group:?}"), rule);
            }
            for group in exclusive {
                for (i, a) in group.iter().enumerate() {
                    for b in &group[i + 1..] {
                        let rule = with(&owner.without(&base, group), &[a, b]);
                        push(format!("--{a} with --{b}"), rule);
                    }
                }
            }
            for constraint in constraints {
                match *constraint {
                    Constraint::Needs(a, others) => {
                        let alone = with(&owner.without(&base, others), &[a]);
                        push(format!("--{a} without {others:?}"), alone.clone());
                        let both = owner.fit(&with(&alone, &[others[0]]), &[a, others[0]], family);
                        push(format!("--{a} with --{}", others[0]), both);
                    }
                    Constraint::Conflicts(a, others) => {
                        for o in others {
                            let rule = with(&owner.without(&base, others), &[a, o]);
                            push(format!("--{a} with --{o}"), rule);
                        }
                    }
                    Constraint::Check(_) => {}
                }
            }
        }
    }
    cases
}

/// The computed checks: rates against bursts (limit, hashlimit), string offsets, statistic's
/// modes, TCPMSS and the SYN match, in filter INPUT (TCPMSS: mangle FORWARD).
fn computed_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let mut push =
        |family: Family, table: &'static str, chain: &'static str, what: String, rule: Rule| {
            let rule = {
                let mut full = Rule::new().source(addr(family));
                for a in rule.args() {
                    full = full.arg(a.clone());
                }
                match rule.get_target() {
                    Some(t) => full.target(t.clone()),
                    None => full,
                }
            };
            let found = findings(&rule, family, table, chain);
            cases.push(Case {
                family,
                table,
                chain,
                what,
                catalog_ok: found.is_empty(),
                catalog_says: found
                    .iter()
                    .map(|f| f.problem.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
                rule,
            });
        };
    let m = |module: &str| Match::new(module.to_string());
    for family in Family::ALL {
        for unit in ["second", "minute", "hour", "day"] {
            for count in [1, 7, 100] {
                let rate = format!("{count}/{unit}");
                for burst in [None, Some(1), Some(2), Some(4), Some(100), Some(10_000)] {
                    let mut lim = m("limit").opt("limit", rate.clone());
                    if let Some(b) = burst {
                        lim = lim.opt("limit-burst", b.to_string());
                    }
                    push(
                        family,
                        "filter",
                        "INPUT",
                        format!("limit {rate} burst {burst:?}"),
                        Rule::new().with_match(lim),
                    );
                }
                for burst in [
                    None,
                    Some(1),
                    Some(2),
                    Some(100),
                    Some(100_000),
                    Some(1_000_000),
                ] {
                    let mut hl = m("hashlimit")
                        .opt("hashlimit-upto", rate.clone())
                        .opt("hashlimit-name", "kc");
                    if let Some(b) = burst {
                        hl = hl.opt("hashlimit-burst", b.to_string());
                    }
                    push(
                        family,
                        "filter",
                        "INPUT",
                        format!("hashlimit {rate} burst {burst:?}"),
                        Rule::new().with_match(hl),
                    );
                }
            }
        }
        for from in [None, Some(0), Some(10), Some(65_535)] {
            for to in [None, Some(0), Some(10), Some(65_535)] {
                let mut st = m("string").opt("algo", "bm").opt("string", "abc");
                if let Some(f) = from {
                    st = st.opt("from", f.to_string());
                }
                if let Some(t) = to {
                    st = st.opt("to", t.to_string());
                }
                push(
                    family,
                    "filter",
                    "INPUT",
                    format!("string --from {from:?} --to {to:?}"),
                    Rule::new().with_match(st),
                );
            }
        }
        for mode in ["random", "nth"] {
            for probability in [None, Some("0.5")] {
                for every in [None, Some("3")] {
                    for packet in [None, Some("0"), Some("2"), Some("3")] {
                        let mut st = m("statistic").opt("mode", mode);
                        for (k, v) in [
                            ("probability", probability),
                            ("every", every),
                            ("packet", packet),
                        ] {
                            if let Some(v) = v {
                                st = st.opt(k, v);
                            }
                        }
                        push(
                            family,
                            "filter",
                            "INPUT",
                            format!("statistic {mode} p={probability:?} every={every:?} packet={packet:?}"),
                            Rule::new().with_match(st),
                        );
                    }
                }
            }
        }
        let syn_matches: [(&str, AddFn); 7] = [
            ("no SYN match", |r| r),
            ("--syn", |r| r.flag("syn")),
            ("! --syn", |r| {
                r.arg(pyptables::Arg {
                    negated: true,
                    ..pyptables::Arg::flag("syn")
                })
            }),
            ("--tcp-flags SYN,RST SYN", |r| {
                r.opt("tcp-flags", "SYN,RST SYN")
            }),
            ("--tcp-flags SYN,ACK ACK", |r| {
                r.opt("tcp-flags", "SYN,ACK ACK")
            }),
            ("--tcp-flags ALL ALL", |r| r.opt("tcp-flags", "ALL ALL")),
            ("--tcp-flags ALL NONE", |r| r.opt("tcp-flags", "ALL NONE")),
        ];
        for (what, add) in syn_matches {
            for (t, target) in [
                (
                    "--set-mss 1400",
                    Target::new("TCPMSS").opt("set-mss", "1400"),
                ),
                (
                    "--clamp-mss-to-pmtu",
                    Target::new("TCPMSS").flag("clamp-mss-to-pmtu"),
                ),
            ] {
                push(
                    family,
                    "mangle",
                    "FORWARD",
                    format!("TCPMSS {t} with {what}"),
                    add(Rule::new().proto("tcp")).target(target),
                );
            }
        }
        for mss in ["65495", "65496", "65515", "65516"] {
            push(
                family,
                "mangle",
                "FORWARD",
                format!("TCPMSS --set-mss {mss}"),
                Rule::new()
                    .proto("tcp")
                    .flag("syn")
                    .target(Target::new("TCPMSS").opt("set-mss", mss)),
            );
        }
    }
    cases
}

/// The computed checks of the iptables-extensions matches: cluster's nodes against the total,
/// policy's elements (`--pol none`, `--strict`, tunnel addresses and `--mode`), and `! --ipvs`
/// with the options describing an IPVS connection; in filter INPUT (policy `--dir in`).
fn extension_computed_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let m = |module: &str| Match::new(module.to_string());
    for family in Family::ALL {
        let mut push = |what: String, rule: Rule| {
            let mut full = Rule::new().source(addr(family));
            for a in rule.args() {
                full = full.arg(a.clone());
            }
            let found = findings(&full, family, "filter", "INPUT");
            cases.push(Case {
                family,
                table: "filter",
                chain: "INPUT",
                what,
                catalog_ok: found.is_empty(),
                catalog_says: found
                    .iter()
                    .map(|f| f.problem.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
                rule: full,
            });
        };
        for total in ["1", "2", "32"] {
            for (option, value) in [
                ("cluster-local-node", "1"),
                ("cluster-local-node", "2"),
                ("cluster-local-node", "32"),
                ("cluster-local-nodemask", "1"),
                ("cluster-local-nodemask", "3"),
                ("cluster-local-nodemask", "4"),
            ] {
                push(
                    format!("cluster total {total} --{option} {value}"),
                    Rule::new().with_match(
                        m("cluster")
                            .opt("cluster-total-nodes", total)
                            .opt(option, value)
                            .opt("cluster-hash-seed", "0"),
                    ),
                );
            }
        }
        let a = addr(family);
        type Element = (&'static str, fn(Match, &'static str) -> Match);
        let elements: [Element; 8] = [
            ("no element option", |p, _| p),
            ("--spi", |p, _| p.opt("spi", "1")),
            ("--strict", |p, _| p.flag("strict")),
            ("--strict --proto esp", |p, _| {
                p.flag("strict").opt("proto", "esp")
            }),
            ("--tunnel-src", |p, a| p.opt("tunnel-src", a)),
            ("--mode tunnel --tunnel-src", |p, a| {
                p.opt("mode", "tunnel").opt("tunnel-src", a)
            }),
            ("--mode transport --tunnel-dst", |p, a| {
                p.opt("mode", "transport").opt("tunnel-dst", a)
            }),
            ("! --mode transport --tunnel-dst", |p, a| {
                p.opt("mode", pyptables::value::not("transport"))
                    .opt("tunnel-dst", a)
            }),
        ];
        for pol in [None, Some("none"), Some("ipsec")] {
            for (what, add) in elements {
                let mut p = m("policy").opt("dir", "in");
                if let Some(pol) = pol {
                    p = p.opt("pol", pol);
                }
                push(
                    format!("policy --pol {} with {what}", pol.unwrap_or("(default)")),
                    Rule::new().with_match(add(p, a)),
                );
            }
        }
        for (what, ipvs) in [
            ("! --ipvs", m("ipvs").flag("ipvs")),
            ("! --ipvs --vport 80", m("ipvs").opt("vport", "80")),
            ("! --ipvs --vdir REPLY", m("ipvs").opt("vdir", "REPLY")),
        ] {
            push(
                format!("match ipvs {what}"),
                Rule::new().with_match(ipvs).arg(pyptables::Arg {
                    module: Some("ipvs".into()),
                    negated: true,
                    ..pyptables::Arg::flag("ipvs")
                }),
            );
        }
    }
    cases
}

// ---- packet-header matches (ecn, esp, ah, ipcomp, u32, IPv6's extension headers) ----------

/// The packet-header match modules: each of their options is tested in every table × chain ×
/// family, not only those the catalog restricts.
const HEADER_MATCHES: &[&str] = &[
    "ecn",
    "esp",
    "ah",
    "ipcomp",
    "u32",
    "bpf",
    "frag",
    "hbh",
    "dst",
    "rt",
    "mh",
    "ipv6header",
    "srh",
];

/// Options of the protocol matches that belong to the packet-header work.
const HEADER_OPTIONS_OF_PROTOCOL_MATCHES: &[&str] = &[
    "sctp --chunk-types",
    "dccp --dccp-types",
    "dccp --dccp-option",
];

/// `module --option` for every option of [`HEADER_MATCHES`], and the protocol matches' ones.
fn header_option_uses() -> Vec<String> {
    let mut out: Vec<String> = HEADER_MATCHES
        .iter()
        .flat_map(|name| {
            let spec = catalog::matches::find(name).expect("catalog match");
            spec.options
                .iter()
                .map(move |o| format!("{name} --{}", o.name))
        })
        .collect();
    out.extend(
        HEADER_OPTIONS_OF_PROTOCOL_MATCHES
            .iter()
            .map(|s| s.to_string()),
    );
    out
}

/// Whether `module --option` of a packet-header match is tested in `family`: an option of a
/// match that does not exist in the family is not (the match's own case in every chain
/// already shows the family refused, and each such case is a load of its own).
fn header_use_applies(name: &str, family: Family) -> bool {
    match name.split_once(" --") {
        Some((module, _)) if HEADER_MATCHES.contains(&module) => {
            catalog::matches::find(module).is_some_and(|m| m.scope.families.contains(family))
        }
        _ => true,
    }
}

/// A minimal valid use of a packet-header match, or of one of its options (the match's
/// recipe with the option added, with the protocol the option needs).
fn header_match_recipe(name: &str, family: Family) -> Option<Rule> {
    let v4 = family == Family::V4;
    Some(match name {
        "ecn" => Rule::new().opt("ecn-ip-ect", "1"),
        "esp" => Rule::new().proto("esp").opt("espspi", "5"),
        // IPv4's ipt_ah needs `-p ah`; in IPv6 `-p ah` never matches.
        "ah" if v4 => Rule::new().proto("ah").opt("ahspi", "5"),
        "ah" => Rule::new().opt("ahspi", "5"),
        "ipcomp" => Rule::new().proto("ipcomp").opt("ipcompspi", "5"),
        "u32" => Rule::new().opt("u32", "0=0"),
        "bpf" => Rule::new().with_match(Match::new("bpf").opt("bytecode", "1,6 0 0 0")),
        "frag" => Rule::new().opt("fragid", "1:10"),
        "hbh" => Rule::new().opt("hbh-len", "8"),
        "dst" => Rule::new().opt("dst-len", "8"),
        // Type 0, so that the type-0 options may follow.
        "rt" => Rule::new().opt("rt-type", "0"),
        "mh" => Rule::new().proto("mh").opt("mh-type", "1"),
        "ipv6header" => Rule::new().with_match(Match::new("ipv6header").opt("header", "frag")),
        "srh" => Rule::new().opt("srh-next-hdr", "17"),
        "rt --rt-0-not-strict" => Rule::new()
            .opt("rt-type", "0")
            .opt("rt-0-addrs", "2001:db8::1")
            .flag("rt-0-not-strict"),
        _ => {
            let (module, option) = name.split_once(" --")?;
            let spec = catalog::matches::find(module)?;
            let o = spec.option(option)?;
            let owner = Owner::Match(spec);
            let base = match_recipe(module, family)?;
            let mut rule = owner.fit(&base, &[o.name], family);
            if let Some(protocols) = o.protocols {
                let mut r = Rule::new().proto(protocols[0]);
                for a in rule.args() {
                    if !catalog::rule::is_protocol_option(&a.key) {
                        r = r.arg(a.clone());
                    }
                }
                rule = r;
            }
            owner.set(&rule, o.name, sample(o.kind, family).as_deref(), false)
        }
    })
}

/// The protocols the packet-header matches need, each tried by name and number, with a
/// wrong one and without one, in filter INPUT.
fn header_protocol_cases() -> Vec<Case> {
    type Use = (
        Family,
        &'static str,
        &'static [&'static str],
        fn(Rule) -> Rule,
    );
    let uses: [Use; 7] = [
        (Family::V4, "esp --espspi", &["esp", "50", "ah"], |r| {
            r.opt("espspi", "5")
        }),
        (Family::V6, "esp --espspi", &["esp", "50", "udp"], |r| {
            r.opt("espspi", "5")
        }),
        (Family::V4, "ah --ahspi", &["ah", "51", "esp"], |r| {
            r.opt("ahspi", "5")
        }),
        (Family::V6, "ah --ahspi (IPv6)", &["ah", "51", "esp"], |r| {
            r.opt("ahspi", "5")
        }),
        (
            Family::V4,
            "ipcomp --ipcompspi",
            &["ipcomp", "108", "esp"],
            |r| r.opt("ipcompspi", "5"),
        ),
        (
            Family::V6,
            "mh --mh-type",
            &["mh", "ipv6-mh", "mobility-header", "135", "udp"],
            |r| r.opt("mh-type", "1"),
        ),
        (Family::V6, "ecn --ecn-tcp-ece", &["tcp", "6", "udp"], |r| {
            r.flag("ecn-tcp-ece")
        }),
    ];
    let mut cases = Vec::new();
    for (family, what, protos, add) in uses {
        for proto in std::iter::once(None).chain(protos.iter().copied().map(Some)) {
            let mut rule = Rule::new().source(addr(family));
            if let Some(p) = proto {
                rule = rule.proto(p);
            }
            let rule = add(rule);
            let (catalog_ok, catalog_says) =
                catalog_verdict(&rule, family, "filter", "INPUT", false).expect("full verdict");
            cases.push(Case {
                family,
                table: "filter",
                chain: "INPUT",
                what: format!("{what} with -p {}", proto.unwrap_or("(none)")),
                rule,
                catalog_ok,
                catalog_says,
            });
        }
    }
    cases
}

/// Values to try for the kinds of the packet-header options: u32's limits (10 tests, 10
/// numbers per location, 10 values per test), SPI ranges, chunk types, option lists, …
fn header_values_to_try(kind: ValueKind) -> Vec<String> {
    let join = |n: usize, f: &dyn Fn(usize) -> String, sep: &str| {
        (0..n).map(f).collect::<Vec<_>>().join(sep)
    };
    let v = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match kind {
        ValueKind::UIntRange { .. } => v(&[
            "4294967295",
            "4294967296",
            "0:4294967295",
            "5:",
            ":5",
            "0x10:0x20",
        ]),
        ValueKind::U32 => {
            let mut out = v(&[
                "0=0",
                "0 = 5 && 4 = 6",
                "0&0xFF=6",
                "0>>22&0x3C@12>>26&0x3C@0=0:0x10,0x20",
                "0<<2=1",
                "0=0xffffffff",
                "0=0x100000000",
                "0=",
                "=5",
                "0",
                "0=1&2=3",
                "0<2=1",
                "0=1,",
                "0=1&&",
                "0=5:1",
                // xt_u32 refuses a shift by 32 or more.
                "0>>31=1",
                "0<<31=1",
                "0>>32=1",
                "0<<0x20=1",
                "0&0xFF@32=1",
            ]);
            for n in [10, 11] {
                out.push(join(n, &|i| format!("{i}=1"), "&&"));
                out.push(format!("{}=1", join(n, &|i| i.to_string(), "&")));
                out.push(format!("0={}", join(n, &|i| i.to_string(), ",")));
            }
            out
        }
        ValueKind::SctpChunks => {
            let all: Vec<&str> = catalog::value::SCTP_CHUNK_TYPES
                .iter()
                .map(|c| c.0)
                .collect();
            let mut out = v(&[
                "any DATA",
                "all INIT,DATA:Be",
                "only ALL",
                "any NONE",
                "ANY data:iUbE",
                "any abort:t,SHUTDOWN_COMPLETE:T",
                "none DATA",
                "any DATA:T",
                "any INIT:T",
                "any FOO",
                "any",
            ]);
            out.push(format!("any {}", all.join(",")));
            out
        }
        ValueKind::Ip6Options => {
            let mut out = v(&["1", "1:2,5", "0", "0:2", "255:255", "0x10:0x8", "1,,2"]);
            out.push(join(16, &|i| (i + 1).to_string(), ","));
            out.push(join(17, &|i| (i + 1).to_string(), ","));
            out.push(format!("{},1:2", join(15, &|i| (i + 1).to_string(), ",")));
            out
        }
        ValueKind::Ip6AddressList => {
            let mut out = v(&[
                "2001:db8::1",
                "::1,2001:db8::2",
                "192.0.2.1",
                "2001:db8::/64",
            ]);
            out.push(join(16, &|i| format!("2001:db8::{:x}", i + 1), ","));
            out.push(join(17, &|i| format!("2001:db8::{:x}", i + 1), ","));
            out
        }
        ValueKind::BpfBytecode => {
            let mut out = v(&[
                "4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0",
                "1,6 0 0 0",
                // libxt_bpf reads decimal only: a leading zero changes nothing.
                "01,06 00 0 010",
                "2,48 0 0 09,6 0 0 0",
                "1,22 0 0 0",
                "1,48 0 0 9",
                "0,6 0 0 0",
                "2,6 0 0 0",
                "1,6 0 0",
                "2,52 0 0 0,6 0 0 0",
                "2,52 0 0 1,6 0 0 0",
                "2,100 0 0 32,6 0 0 0",
                "2,100 0 0 31,6 0 0 0",
                "2,96 0 0 1,6 0 0 0",
                "3,2 0 0 1,96 0 0 1,6 0 0 0",
                "3,2 0 0 16,96 0 0 16,6 0 0 0",
                "2,5 0 0 1,6 0 0 0",
                "3,5 0 0 1,6 0 0 1,6 0 0 0",
                "3,21 0 2 6,6 0 0 1,6 0 0 0",
                "3,21 0 1 6,6 0 0 1,6 0 0 0",
                "2,255 0 0 0,6 0 0 0",
                // A store on one branch only: the load after the join may read an unset slot.
                "5,21 0 1 6,2 0 0 1,96 0 0 1,6 0 0 0,6 0 0 1",
            ]);
            for n in [64, 65] {
                out.push(format!("{n},{}", vec!["6 0 0 0"; n].join(",")));
            }
            out
        }
        ValueKind::MhType => v(&[
            "0",
            "255",
            "256",
            "bu",
            "BU",
            "binding-update",
            "binding-acknowledgement",
            "1:3",
            "3:1",
            ":3",
            "5:",
            "brr:be",
            "0x7",
            "nosuch",
        ]),
        _ => Vec::new(),
    }
}

/// Where the catalog and the kernel disagree on values and combinations, on purpose:
/// `(case, why, always)`. The test fails if a case with `always` starts to agree.
const KNOWN_VALUE_GAPS: &[(&str, &str, bool)] = &[
    (
        "match recent --hitcount 0",
        "0 means no hit count at all: refused as a value that silently does nothing",
        true,
    ),
    (
        "match recent --rsource with --rdest",
        "iptables keeps the last of the two; the catalog refuses the contradiction",
        true,
    ),
    (
        "target TCPMSS --set-mss with --clamp-mss-to-pmtu",
        "iptables keeps the last of the two; the catalog refuses the contradiction",
        true,
    ),
    (
        "IPv4 raw/PREROUTING match connlimit --connlimit-mask 129",
        "iptables takes a mask beyond 128 in IPv4 (where only 0-32 mean something); the \
         catalog's range is 0-128 for both families",
        true,
    ),
    (
        "target SYNPROXY --wscale 15",
        "the kernel takes any byte (iptables any number, cut to a byte); TCP's window scale \
         shift is at most 14, so the catalog refuses more",
        true,
    ),
    (
        "target SYNPROXY --mss 65536",
        "iptables cuts the number to 16 bits (65536 becomes 0); the catalog refuses it",
        true,
    ),
    (
        "IPv4 raw/PREROUTING target HMARK --hmark-src-prefix 33",
        "iptables takes prefix lengths up to 128 in IPv4 too (HMARK is one module for both \
         families); the catalog's range is 0-32 in IPv4",
        true,
    ),
    (
        "IPv4 raw/PREROUTING target HMARK --hmark-dst-prefix 33",
        "as above",
        true,
    ),
    (
        "match rateest --rateest-lt with --rateest-gt",
        "iptables keeps the last of the two; the catalog refuses the contradiction",
        true,
    ),
    (
        "match rateest --rateest-lt with --rateest-eq",
        "iptables keeps the last of the two; the catalog refuses the contradiction",
        true,
    ),
    (
        "match rateest --rateest-gt with --rateest-eq",
        "iptables keeps the last of the two; the catalog refuses the contradiction",
        true,
    ),
    (
        "policy --pol none with --spi",
        "iptables ignores a policy element with `--pol none` (even a tunnel address outside \
         tunnel mode); the catalog refuses an option that does nothing",
        true,
    ),
    (
        "policy --pol none with --tunnel-src",
        "iptables ignores a policy element with `--pol none` (even a tunnel address outside \
         tunnel mode); the catalog refuses an option that does nothing",
        true,
    ),
    (
        "policy --pol none with --mode",
        "iptables ignores a policy element with `--pol none` (even a tunnel address outside \
         tunnel mode); the catalog refuses an option that does nothing",
        true,
    ),
    (
        "policy --pol none with ! --mode",
        "iptables ignores a policy element with `--pol none` (even a tunnel address outside \
         tunnel mode); the catalog refuses an option that does nothing",
        true,
    ),
    (
        "match u32 --u32 0=5:1",
        "a range whose low end is above its high end never matches: the catalog refuses it",
        true,
    ),
    (
        "with --srh-hdr-len-",
        "libip6t_srh keeps --srh-hdr-len-eq/-gt/-lt in one field, so the last one given counts \
         for all: the catalog refuses more than one",
        true,
    ),
    (
        "with --srh-segs-left-",
        "as above, for --srh-segs-left-eq/-gt/-lt",
        true,
    ),
    (
        "with --srh-last-entry-",
        "as above, for --srh-last-entry-eq/-gt/-lt",
        true,
    ),
    (
        "hashlimit 7/day burst Some(100)",
        "HZ-dependent: it overflows xt_hashlimit's counter with HZ=300; the catalog refuses \
         what any common HZ refuses, as it cannot know the target kernel's",
        false,
    ),
];

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn values_and_combinations_agree_with_the_kernel() {
    require_root_and_iptables();
    let mut cases = value_cases();
    cases.extend(combination_cases());
    cases.extend(computed_cases());
    cases.extend(extension_computed_cases());
    let disagreements = compare(&cases);
    let (known, unknown): (Vec<_>, Vec<_>) = disagreements
        .iter()
        .partition(|d| KNOWN_VALUE_GAPS.iter().any(|(what, _, _)| d.contains(what)));
    for (what, why, always) in KNOWN_VALUE_GAPS {
        assert!(
            !always || known.iter().any(|d| d.contains(what)),
            "`{what}` is listed as a known gap ({why}) but now agrees: remove it from the list"
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

/// A filter table whose INPUT jumps (or goes) through `depth` user chains `c1`…, or, with
/// `reached == false`, whose chains are not reached from INPUT.
fn jump_path(family: Family, depth: usize, goto: bool, reached: bool) -> Tables {
    let mut tables = Tables::new(family);
    let t = tables.add(Table::with_builtin_chains("filter").expect("filter"));
    for i in 1..=depth {
        let c = t.add_chain(pyptables::Chain::user(format!("c{i}")));
        let next = Rule::new().source(addr(family));
        c.push(if i == depth {
            next.accept()
        } else if goto {
            next.goto(format!("c{}", i + 1))
        } else {
            next.jump(format!("c{}", i + 1))
        });
    }
    if reached {
        t["INPUT"].push(Rule::new().source(addr(family)).jump("c1"));
    }
    tables
}

/// A filter table with a user chain `name` that INPUT jumps to.
fn named_chain(family: Family, name: &str) -> Tables {
    let mut tables = Tables::new(family);
    let t = tables.add(Table::with_builtin_chains("filter").expect("filter"));
    t.add_chain(pyptables::Chain::user(name.to_string()))
        .push(Rule::new().source(addr(family)).accept());
    t["INPUT"].push(Rule::new().source(addr(family)).jump(name.to_string()));
    tables
}

/// User chain names and paths of jumps: `validate()` (the catalog's chain checks) against
/// a real load with both backends. Names: `standard` in any case, `ERROR`, and every target
/// name (the catalog refuses those on purpose: `-j NAME` would be ambiguous, so for them it
/// may be stricter than the kernel). Paths: 14 to 17 user chains deep, by jump and by goto,
/// reached from INPUT or not.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn chain_names_and_jump_depth_agree_with_the_kernel() {
    require_root_and_iptables();
    let mut scenarios: Vec<(String, Tables, bool)> = Vec::new();
    for family in Family::ALL {
        let names = ["standard", "STANDARD", "Standard", "ERROR", "error"]
            .into_iter()
            .map(|n| (n.to_string(), false))
            .chain(TARGETS.iter().map(|t| (t.name.to_string(), true)));
        for (name, may_be_stricter) in names {
            scenarios.push((
                format!("{family} chain named {name}"),
                named_chain(family, &name),
                may_be_stricter,
            ));
        }
        for depth in [14, 15, 16, 17] {
            for goto in [false, true] {
                for reached in [true, false] {
                    scenarios.push((
                        format!(
                            "{family} {depth} user chains by {}{}",
                            if goto { "goto" } else { "jump" },
                            if reached { "" } else { ", not reached" }
                        ),
                        jump_path(family, depth, goto, reached),
                        false,
                    ));
                }
            }
        }
    }
    let verdicts = |backend: tk::Backend| -> Vec<Result<(), String>> {
        let ns = Netns::new(&format!("chains_{backend}")).unwrap();
        scenarios
            .iter()
            .map(|(_, tables, _)| {
                let fam = tk_family(tables.family());
                let r = ns.restore(backend, fam, &tables.to_iptables_plain(), &[]);
                // Leave nothing for the next scenario (a refused load changed nothing).
                ns.restore(backend, fam, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n", &[])
                    .expect("flush");
                r
            })
            .collect()
    };
    let (nft, legacy) = std::thread::scope(|s| {
        let n = s.spawn(|| verdicts(tk::Backend::Nft));
        let l = s.spawn(|| verdicts(tk::Backend::Legacy));
        (n.join().unwrap(), l.join().unwrap())
    });
    let mut disagreements = Vec::new();
    for (i, (what, tables, may_be_stricter)) in scenarios.iter().enumerate() {
        let catalog = tables.validate();
        let kernel_ok = nft[i].is_ok() && legacy[i].is_ok();
        let agree = catalog.is_ok() == kernel_ok;
        let stricter_on_purpose = *may_be_stricter && catalog.is_err() && kernel_ok;
        if agree || stricter_on_purpose {
            continue;
        }
        disagreements.push(format!(
            "{what}: catalog {}, kernel: nft {}, legacy {}",
            match &catalog {
                Ok(()) => "allows".to_string(),
                Err(e) => format!("refuses ({e})"),
            },
            verdict(&nft[i]),
            verdict(&legacy[i])
        ));
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Matches given alone.

/// Every match of the catalog given alone (`-m NAME`, after the `-p` it needs), in the first
/// chain its scope allows, in each family it exists in. The catalog's verdict is its whole
/// check of the rule (as `validate` would say), which refuses the match for being alone
/// exactly where the entry's [`MatchSpec::bare`] says so: a new entry is checked without
/// anything added here.
fn bare_cases() -> Result<Vec<Case>, Vec<String>> {
    let mut cases = Vec::new();
    let mut problems = Vec::new();
    for family in Family::ALL {
        for spec in MATCHES {
            if !spec.scope.families.contains(family) {
                continue;
            }
            let mut rule = Rule::new();
            if let Some(p) = spec.protocols {
                rule = rule.proto(p[0]);
            }
            let rule = rule.with_match(Match::new(spec.name));
            let what = format!("match {} alone", spec.name);
            // The check refuses the match for being alone exactly when the entry says so
            // (it may refuse it for something else too: ah in IPv4 without `-p ah`).
            let refusal = catalog::rule::bare_refusal(spec).to_string();
            match case_anywhere(family, what, &rule) {
                Some(case) if case.catalog_says.contains(&refusal) == spec.bare => {
                    problems.push(format!(
                        "{family} {}: the entry says bare={} but the catalog's check says: {}",
                        case.what,
                        spec.bare,
                        if case.catalog_ok {
                            "nothing"
                        } else {
                            &case.catalog_says
                        }
                    ))
                }
                Some(case) => cases.push(case),
                None => problems.push(format!(
                    "{family} match {}: no chain where the catalog allows it",
                    spec.name
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems)
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn matches_alone_agree_with_the_kernel() {
    require_root_and_iptables();
    let cases = match bare_cases() {
        Ok(c) => c,
        Err(problems) => panic!("cannot build the cases:\n{}", problems.join("\n")),
    };
    let allowed = cases.iter().filter(|c| c.catalog_ok).count();
    eprintln!(
        "{} matches × families alone, {allowed} allowed by the catalog",
        cases.len()
    );
    let disagreements = compare(&cases);
    assert!(
        disagreements.is_empty(),
        "{} disagreements between the catalog and the kernel:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// One case of [`RATEEST_TIMES`].
type RateestTimes = (
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
    bool,
);

/// `-j RATEEST`'s `--rateest-interval` and `--rateest-ewmalog`: iptables reads times
/// (`s`, `ms`, `us`, a bare number in microseconds), keeps the interval only as 250ms·2^k up
/// to 8s (rounding up what lies between) and the ewmalog only as the interval times 2^k
/// (k ≥ 1, rounding the rest to what its loop computes). The catalog takes exactly the
/// pairs iptables-save gives back unchanged. `(interval, ewmalog, what iptables-save prints
/// on both backends or None if refused, whether the catalog allows it)`, seen with
/// iptables 1.8.9.
const RATEEST_TIMES: &[RateestTimes] = &[
    ("250ms", "500ms", Some(("250.0ms", "500.0ms")), true),
    ("0.25s", "2s", Some(("250.0ms", "2.0s")), true),
    ("250000", "2s", Some(("250.0ms", "2.0s")), true),
    ("250000us", "1s", Some(("250.0ms", "1.0s")), true),
    ("1sec", "2SEC", Some(("1.0s", "2.0s")), true),
    ("1s", "2000000", Some(("1.0s", "2.0s")), true),
    ("1s", "2000MS", Some(("1.0s", "2.0s")), true),
    ("8s", "4096s", Some(("8.0s", "4096.0s")), true),
    ("250ms", "4096s", Some(("250.0ms", "4096.0s")), true),
    // Rounded: loaded, but not as written.
    ("300ms", "2s", Some(("500.0ms", "2.0s")), false),
    ("1", "2", Some(("250.0ms", "500.0ms")), false),
    ("250ms", "600ms", Some(("250.0ms", "500.0ms")), false),
    ("250ms", "8192s", Some(("250.0ms", "2048.0s")), false),
    ("1msec", "2s", Some(("250.0ms", "256.0s")), false),
    // Refused by iptables.
    ("1.5s", "2s", None, false),
    ("9s", "20s", None, false),
    ("abc", "2s", None, false),
    ("1s", "1s", None, false),
    ("1s", "2m", None, false),
    ("1s", "abc", None, false),
];

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn rateest_times_are_allowed_only_as_iptables_keeps_them() {
    require_root_and_iptables();
    let mut wrong = Vec::new();
    for (interval, ewmalog, printed, allowed) in RATEEST_TIMES {
        let rule = Rule::new().target(
            Target::new("RATEEST")
                .opt("rateest-name", "kc_times")
                .opt("rateest-interval", *interval)
                .opt("rateest-ewmalog", *ewmalog),
        );
        let catalog = catalog_verdict(&rule, Family::V4, "mangle", "PREROUTING", false);
        let catalog_ok = matches!(catalog, Ok((true, _)));
        if catalog_ok != *allowed {
            wrong.push(format!(
                "{interval} {ewmalog}: catalog {catalog:?}, want allowed = {allowed}"
            ));
        }
        for backend in [tk::Backend::Nft, tk::Backend::Legacy] {
            let ns = Netns::new("rateest_times").expect("namespace");
            let text = format!(
                "*mangle\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -j RATEEST --rateest-name x \
                 --rateest-interval {interval} --rateest-ewmalog {ewmalog}\nCOMMIT\n"
            );
            let got = ns
                .restore(backend, tk::Family::V4, &text, &[])
                .ok()
                .map(|()| ns.save_table(backend, tk::Family::V4, "mangle").unwrap());
            let want = printed.map(|(i, e)| {
                format!("--rateest-name x --rateest-interval {i} --rateest-ewmalog {e}")
            });
            let same = match (&got, &want) {
                (Some(saved), Some(want)) => saved.contains(want.as_str()),
                (None, None) => true,
                _ => false,
            };
            if !same {
                wrong.push(format!(
                    "{backend} {interval} {ewmalog}: kernel {got:?}, want {want:?}"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
