//! Importing saved rulesets, proven through the kernel: for a corpus of rulesets, the saved
//! form (`iptables-save` after loading it into a fresh network namespace) is imported
//! (`pyptables::import`), written as a per-host program (`firewall!` DSL for both backends,
//! builder code for nf_tables), every program is built in one throw-away crate, each one's
//! `print --plain --family N` is loaded into a fresh namespace, and `iptables-save` must print
//! exactly the original rules.
//!
//! The corpus: the examples (every `examples/*.rs` but the benchmark drivers `apply_bench`
//! and `render_bench`, which generate sizes of one ruleset), a Docker host's
//! rules, ferm's example firewalls rendered by ferm (`/usr/share/doc/ferm/examples`, when
//! installed), and random rulesets made of the catalog's matches and targets; both families.
//!
//! The generated programs are built with `cargo build --offline` into the workspace's target
//! directory (`CARGO_TARGET_DIR`), so the compiled dependencies are reused.
//!
//! `cargo test --test kernel_import -- --include-ignored` (root, iptables nft + legacy, ipset,
//! ferm for the ferm part).

use std::path::{Path, PathBuf};
use std::process::Command;

use pyptables::catalog::matches::MATCHES;
use pyptables::catalog::ValueKind;
use pyptables::{import, Family, Match, Rule, Table, Tables, Target};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

#[path = "../examples/docker_host.rs"]
#[allow(dead_code)]
mod docker_host;
#[path = "../examples/firewall_macro.rs"]
#[allow(dead_code)]
mod firewall_macro;
#[path = "../examples/per_host.rs"]
#[allow(dead_code)]
mod per_host;
#[path = "../examples/simple_stateful.rs"]
#[allow(dead_code)]
mod simple_stateful;
#[path = "../examples/ssh_template.rs"]
#[allow(dead_code)]
mod ssh_template;
#[path = "../examples/synproxy_web.rs"]
#[allow(dead_code)]
mod synproxy_web;
#[path = "../examples/zone_router.rs"]
#[allow(dead_code)]
mod zone_router;

/// The ipsets rules of the corpus refer to, created in every namespace.
const SETS: &[(&str, &str, &str)] = &[
    ("blocklist", "hash:ip", "inet"),
    ("pyptables_imp", "hash:ip", "inet"),
    ("pyptables_imp6", "hash:ip", "inet6"),
];

struct Case {
    name: String,
    family: Family,
    /// iptables-restore input.
    text: String,
}

fn tk_family(f: Family) -> tk::Family {
    match f {
        Family::V4 => tk::Family::V4,
        Family::V6 => tk::Family::V6,
    }
}

fn family_number(f: Family) -> &'static str {
    match f {
        Family::V4 => "4",
        Family::V6 => "6",
    }
}

fn namespace(what: &str) -> Netns {
    let ns = Netns::new(what).expect("create a namespace");
    for (name, kind, family) in SETS {
        ns.exec_ok("ipset", &["create", name, kind, "family", family])
            .expect("ipset create");
    }
    ns
}

/// The rules as the kernel prints them after loading `text`.
fn kernel_save(b: tk::Backend, family: Family, text: &str) -> Result<String, String> {
    let ns = namespace("import_rt");
    ns.restore(b, tk_family(family), text, &[])?;
    ns.save(b, tk_family(family)).map_err(|e| e.to_string())
}

fn example_cases() -> Vec<Case> {
    let mut cases = vec![
        Case {
            name: "simple_stateful".into(),
            family: Family::V4,
            text: simple_stateful::tables().to_iptables_plain(),
        },
        Case {
            name: "ssh_template".into(),
            family: Family::V4,
            text: ssh_template::tables().to_iptables_plain(),
        },
        Case {
            name: "zone_router_builder".into(),
            family: Family::V4,
            text: zone_router::tables()
                .expect("the zone router builds")
                .to_iptables_plain(),
        },
    ];
    for (name, fw) in [
        (
            "per_host",
            pyptables::Firewall::from_tables(
                per_host::host(Family::V4, per_host::ADMIN_V4, "icmp"),
                per_host::host(Family::V6, per_host::ADMIN_V6, "ipv6-icmp"),
            ),
        ),
        ("docker_host", docker_host::firewall()),
        ("firewall_macro", firewall_macro::firewall()),
        ("zone_router_dsl", zone_router::firewall()),
        ("synproxy_web", synproxy_web::firewall()),
    ] {
        for family in [Family::V4, Family::V6] {
            if !fw.family(family).is_empty() {
                cases.push(Case {
                    name: format!("{name}_v{}", family_number(family)),
                    family,
                    text: fw.family(family).to_iptables_plain(),
                });
            }
        }
    }
    cases
}

/// Matches given without options (both families): a TPROXY setup's `-m socket`, `-m rpfilter`,
/// `-p tcp -m tcp`, and limit and time, which iptables-save prints with their defaults.
const MATCHES_ALONE: &str = "\
*mangle
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp -m socket -j MARK --set-xmark 0x1/0xffffffff
-A PREROUTING -m socket -j ACCEPT
-A PREROUTING -m rpfilter -j ACCEPT
-A PREROUTING -m socket -m rpfilter --invert -j DROP
-A PREROUTING -p udp -m udp -m limit -m time -j LOG
COMMIT
";

/// What Docker (27, iptables backend) writes on a host with one published container port,
/// plus a user rule in DOCKER-USER.
const DOCKER_V4: &str = "\
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 172.17.0.2/32 -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-ISOLATION-STAGE-1
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A FORWARD -i docker0 -o docker0 -j ACCEPT
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-1 -j RETURN
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A DOCKER-ISOLATION-STAGE-2 -j RETURN
-A DOCKER-USER -s 203.0.113.0/24 -i eth0 -m comment --comment \"blocked \\\"bad\\\" net\" -j DROP
-A DOCKER-USER -j RETURN
COMMIT
";

const DOCKER_V6: &str = "\
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s fd00:dead:beef::/48 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -o docker0 -j DOCKER
-A FORWARD -i docker0 ! -o docker0 -j ACCEPT
-A DOCKER-USER -j RETURN
COMMIT
";

/// ferm's example firewalls rendered by ferm (in a namespace of its own: ferm reads the
/// running tables); the ones ferm cannot render here are left out with a note.
/// The targets of iptables-extensions(8) that this kernel loads and the common rulesets do
/// not use, each with its options, so that what iptables-save prints of them (`0x` numbers,
/// reordered options) is imported back.
const EXTENSION_TARGETS_V4: &str = "\
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -p udp -m udp --dport 514 -j TEE --gateway 192.0.2.9 --oif eth1
-A PREROUTING -j HMARK --hmark-tuple src,dst,proto --hmark-mod 4 --hmark-offset 16 --hmark-rnd 0xcafe
-A FORWARD -p tcp -j TCPOPTSTRIP --strip-options sack-permitted,timestamp
-A FORWARD -p tcp -j ECN --ecn-tcp-remove
-A INPUT -m conntrack --ctstate NEW -j CONNSECMARK --save
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j CONNSECMARK --restore
-A INPUT -m mark --mark 0x1 -j CONNMARK --restore-mark --right-shift-mark 8
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -p tcp -m tcp --dport 443 -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp --wscale 7 --mss 1460 --ecn
-A INPUT -i eth0 -j IDLETIMER --timeout 600 --label pyptables_import
-A INPUT -j RATEEST --rateest-name pyptables_import --rateest-interval 250ms --rateest-ewmalog 1s
COMMIT
";

const EXTENSION_TARGETS_V6: &str = "\
*mangle
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A PREROUTING -i eth0 -j DNPT --src-pfx 2001:db8:1::/48 --dst-pfx fd00:1::/48
-A PREROUTING -p udp -j TEE --gateway 2001:db8::9
-A POSTROUTING -o eth0 -j SNPT --src-pfx fd00:1::/48 --dst-pfx 2001:db8:1::/48
-A POSTROUTING -j HMARK --hmark-src-prefix 64 --hmark-dst-prefix 64 --hmark-mod 2 --hmark-rnd 0x1
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A FORWARD -p tcp -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY --mss 1440 --wscale 9
COMMIT
";

fn ferm_cases() -> Vec<Case> {
    let dir = Path::new("/usr/share/doc/ferm/examples");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("note: {} does not exist; no ferm examples", dir.display());
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "ferm"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let stem = file
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('-', "_");
        let ns = Netns::new("import_ferm").expect("namespace");
        let out = match ns.exec_ok(
            "ferm",
            &["--noexec", "--lines", file.to_str().expect("UTF-8 path")],
        ) {
            Ok(out) => out,
            Err(e) => {
                eprintln!("note: ferm cannot render {}: {}", file.display(), e.trim());
                continue;
            }
        };
        let (mut v4, mut v6) = (String::new(), String::new());
        let mut n = 0;
        for line in out.lines() {
            if line.starts_with("# Generated by ferm") {
                n += 1;
                continue;
            }
            let t = if n <= 1 { &mut v4 } else { &mut v6 };
            t.push_str(line);
            t.push('\n');
        }
        for (family, text) in [(Family::V4, v4), (Family::V6, v6)] {
            if text.contains('*') {
                cases.push(Case {
                    name: format!("ferm_{stem}_v{}", family_number(family)),
                    family,
                    text,
                });
            }
        }
    }
    cases
}

/// A small random generator (xorshift), so a failure can be reproduced from the seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// A valid value of `kind` for random rules, for the kinds this generator uses.
fn sample(kind: ValueKind, family: Family, rng: &mut Rng) -> Option<String> {
    let v4 = family == Family::V4;
    let s = |t: &str| Some(t.to_string());
    match kind {
        ValueKind::Address | ValueKind::Network => s(if v4 {
            ["192.0.2.1", "198.51.100.0/24", "10.0.0.0/8"][rng.below(3)]
        } else {
            ["2001:db8::1", "2001:db8:1::/64", "fd00::/8"][rng.below(3)]
        }),
        ValueKind::Port | ValueKind::PortRange => s(["22", "80", "1024:65535"][rng.below(3)]),
        ValueKind::PortList => s(["22,80,443", "53", "1000:2000,3000"][rng.below(3)]),
        ValueKind::Mark | ValueKind::NamedMark(_) => s(["0x1", "0x10/0xff"][rng.below(2)]),
        ValueKind::Rate => s(["10/sec", "5/min", "100/hour"][rng.below(3)]),
        ValueKind::Text { .. } => s(["x", "two words", "quote \" inside"][rng.below(3)]),
        ValueKind::Choice(c) | ValueKind::ChoiceList(c) => s(rng.pick::<&str>(c)),
        ValueKind::FamilyChoice { v4: a, v6: b } | ValueKind::FamilyChoiceList { v4: a, v6: b } => {
            s(if v4 {
                rng.pick::<&str>(a)
            } else {
                rng.pick::<&str>(b)
            })
        }
        ValueKind::UInt { min, max } if max < 1 << 20 => {
            Some((min + rng.next() % (max - min + 1).min(100)).to_string())
        }
        ValueKind::Interface => s(["eth0", "lo", "br+"][rng.below(3)]),
        ValueKind::SetRef => Some(format!(
            "{} {}",
            if v4 {
                "pyptables_imp"
            } else {
                "pyptables_imp6"
            },
            ["src", "dst", "src,dst"][rng.below(3)]
        )),
        ValueKind::TcpFlags => s(["SYN,ACK SYN", "ALL NONE", "FIN,SYN,RST,ACK SYN"][rng.below(3)]),
        _ => None,
    }
}

/// A random ruleset over the catalog: in filter FORWARD and a user chain, rules with random
/// built-in options, one to three catalog matches with random options, and a random target;
/// each kept only if the catalog's validation accepts it.
fn random_case(seed: u64, family: Family) -> Case {
    let mut rng = Rng(seed);
    let usable: Vec<_> = MATCHES
        .iter()
        .filter(|m| m.scope.families.contains(family) && m.protocols.is_none())
        .collect();
    let mut tables = Tables::new(family);
    let mut filter = Table::with_builtin_chains("filter").unwrap();
    filter.add_chain(pyptables::Chain::user("rnd-user"));
    let mut kept = 0;
    let mut tries = 0;
    while kept < 60 && tries < 3000 {
        tries += 1;
        let mut rule = Rule::new();
        if rng.below(2) == 0 {
            let v = sample(ValueKind::Address, family, &mut rng).unwrap();
            rule = if rng.below(3) == 0 {
                rule.source(pyptables::value::not(v))
            } else {
                rule.source(v)
            };
        }
        if rng.below(3) == 0 {
            rule = rule.in_interface(sample(ValueKind::Interface, family, &mut rng).unwrap());
        }
        let proto = *rng.pick(&["", "tcp", "udp"]);
        if !proto.is_empty() {
            rule = rule.proto(proto);
            if rng.below(2) == 0 {
                let m = Match::new(proto).opt(
                    "dport",
                    sample(ValueKind::PortRange, family, &mut rng).unwrap(),
                );
                rule = rule.with_match(m);
            }
        }
        for _ in 0..1 + rng.below(3) {
            let spec = rng.pick(&usable);
            // A match without options (eui64) is used alone.
            if spec.options.is_empty() {
                rule = rule.with_match(Match::new(spec.name));
                continue;
            }
            let option = rng.pick(spec.options);
            let mut m = Match::new(spec.name);
            if option.kind.is_flag() {
                m = if option.negatable && rng.below(3) == 0 {
                    m.not_flag(option.name)
                } else {
                    m.flag(option.name)
                };
            } else if let Some(v) = sample(option.kind, family, &mut rng) {
                m = if option.negatable && rng.below(3) == 0 {
                    m.opt(option.name, pyptables::value::not(v))
                } else {
                    m.opt(option.name, v)
                };
            } else {
                continue;
            }
            rule = rule.with_match(m);
        }
        let rule = match rng.below(6) {
            0 => rule.accept(),
            1 => rule.drop(),
            2 => rule.target(Target::new("LOG").opt("log-prefix", "rnd: ")),
            3 => rule.jump("rnd-user"),
            4 => rule.goto("rnd-user"),
            _ => rule.target(Target::new("REJECT")),
        };
        let chain = if rng.below(4) == 0 {
            "rnd-user"
        } else {
            "FORWARD"
        };
        let mut one = Tables::new(family);
        let mut t = filter.clone();
        t[chain].push(rule.clone());
        one.add(t);
        if one.validate().is_ok() {
            filter[chain].push(rule);
            kept += 1;
        }
    }
    tables.add(filter);
    Case {
        name: format!("random_{seed:x}_v{}", family_number(family)),
        family,
        text: tables.to_iptables_plain(),
    }
}

/// Loads `case` with backend `b`; if the kernel refuses one of the random rules the catalog
/// let through, those rules are left out of the case (found by loading each alone).
fn original(b: tk::Backend, case: &Case) -> Result<String, String> {
    match kernel_save(b, case.family, &case.text) {
        Ok(s) => Ok(s),
        Err(e) if case.name.starts_with("random") => {
            let mut kept = String::new();
            let mut refused = 0;
            for line in case.text.lines() {
                if line.starts_with("-A ") {
                    let alone = case
                        .text
                        .lines()
                        .filter(|l| !l.starts_with("-A ") || *l == line)
                        .collect::<Vec<_>>()
                        .join("\n")
                        + "\n";
                    if kernel_save(b, case.family, &alone).is_err() {
                        refused += 1;
                        continue;
                    }
                }
                kept.push_str(line);
                kept.push('\n');
            }
            eprintln!(
                "note: {}: {refused} random rules refused by the kernel ({e})",
                case.name
            );
            kernel_save(b, case.family, &kept)
        }
        Err(e) => Err(e),
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Builds every program in `programs` (bin name → src/main.rs text) in one crate; returns the
/// directory holding the binaries.
fn build_all(programs: &[(String, String)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("import_roundtrip");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src/bin")).unwrap();
    let ws = workspace();
    let manifest = format!(
        "[package]\nname = \"pyptables-import-roundtrip\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\npyptables = {{ path = {:?} }}\n\n[workspace]\n",
        ws.join("pyptables").display().to_string()
    );
    for (name, source) in programs {
        std::fs::write(dir.join(format!("src/bin/{name}.rs")), source).unwrap();
    }
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    let _ = std::fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| ws.join("target"));
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["build", "--offline", "--bins", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target)
        .output()
        .expect("run cargo");
    assert!(
        out.status.success(),
        "the generated programs do not build:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("debug")
}

#[test]
#[ignore = "needs root, iptables (nft and legacy), ipset and cargo (kernel test)"]
fn imported_programs_give_the_kernel_the_same_rules() {
    require_root_and_iptables();
    let mut cases = example_cases();
    cases.push(Case {
        name: "docker_v4".into(),
        family: Family::V4,
        text: DOCKER_V4.into(),
    });
    cases.push(Case {
        name: "docker_v6".into(),
        family: Family::V6,
        text: DOCKER_V6.into(),
    });
    for family in [Family::V4, Family::V6] {
        cases.push(Case {
            name: format!("matches_alone_v{}", family_number(family)),
            family,
            text: MATCHES_ALONE.into(),
        });
    }
    cases.push(Case {
        name: "extension_targets_v4".into(),
        family: Family::V4,
        text: EXTENSION_TARGETS_V4.into(),
    });
    cases.push(Case {
        name: "extension_targets_v6".into(),
        family: Family::V6,
        text: EXTENSION_TARGETS_V6.into(),
    });
    let ferm = ferm_cases();
    if Path::new("/usr/share/doc/ferm/examples").exists() {
        assert!(
            ferm.len() >= 4,
            "ferm rendered only {} example rulesets",
            ferm.len()
        );
    }
    cases.extend(ferm);
    for (i, seed) in [0x5eed_0001_u64, 0x5eed_0002].into_iter().enumerate() {
        cases.push(random_case(
            seed,
            if i == 0 { Family::V4 } else { Family::V6 },
        ));
    }

    // (bin name, backend, family, original save)
    let mut runs = Vec::new();
    let mut programs = Vec::new();
    let mut failures = Vec::new();
    for case in &cases {
        for b in [tk::Backend::Nft, tk::Backend::Legacy] {
            let saved = match original(b, case) {
                Ok(s) => s,
                // ferm writes what its example says, e.g. service names this host's
                // /etc/services lacks (`imap3`): not a ruleset to import.
                Err(e) if case.name.starts_with("ferm_") => {
                    eprintln!("note: {} does not load with {b}; left out: {e}", case.name);
                    continue;
                }
                Err(e) => {
                    failures.push(format!("{} does not load with {b}: {e}", case.name));
                    continue;
                }
            };
            let imported = match import::parse(&saved, case.family) {
                Ok(i) => i,
                Err(e) => {
                    failures.push(format!("{} ({b}): import failed: {e}\n{saved}", case.name));
                    continue;
                }
            };
            let mut langs = vec![("dsl", import::to_dsl(&imported))];
            if b == tk::Backend::Nft {
                langs.push(("builder", Ok(import::to_builder(&imported))));
            }
            for (lang, source) in langs {
                match source {
                    Ok(source) => {
                        let bin = format!("imported_{}_{b}_{lang}", case.name)
                            .replace(['-', '.'], "_")
                            .to_lowercase();
                        programs.push((bin.clone(), source));
                        runs.push((bin, b, case.family, saved.clone()));
                    }
                    Err(e) => failures.push(format!("{} ({b}, {lang}): {e}", case.name)),
                }
            }
        }
    }
    let bin_dir = build_all(&programs);
    for (bin, b, family, saved) in &runs {
        let out = Command::new(bin_dir.join(bin))
            .args(["print", "--plain", "--family", family_number(*family)])
            .output()
            .expect("run the generated program");
        if !out.status.success() {
            failures.push(format!(
                "{bin} print failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let printed = String::from_utf8_lossy(&out.stdout).into_owned();
        match kernel_save(*b, *family, &printed) {
            Ok(again) if normalise(&again) == normalise(saved) => {}
            Ok(again) => failures.push(format!(
                "{bin}: the kernel's rules differ\n--- original\n{saved}--- imported\n{again}"
            )),
            Err(e) => failures.push(format!(
                "{bin}: the printed rules do not load: {e}\n{printed}"
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} round trips failed:\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n\n")
    );
    assert!(runs.len() >= 20, "only {} round trips", runs.len());
}

/// The built-in chains that the `firewall!` macro adds to a table it names (policy ACCEPT,
/// no rules) are not in every save (the nf_tables backend prints only the chains that
/// exist), and the legacy backend prints the tables in the kernel's order, not the input's:
/// the declarations of built-in chains with policy ACCEPT are left out, and the table blocks
/// are compared sorted by name.
fn normalise(save: &str) -> String {
    let mut blocks: Vec<String> = Vec::new();
    for l in save.lines() {
        if l.starts_with('*') {
            blocks.push(String::new());
        }
        if l.starts_with(':') && l.ends_with(" ACCEPT") {
            continue;
        }
        if let Some(b) = blocks.last_mut() {
            b.push_str(l);
            b.push('\n');
        }
    }
    blocks.sort();
    blocks.concat()
}

/// `pyptables import --running --netns NAME` reads the running rules of that namespace.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn import_reads_the_running_rules() {
    require_root_and_iptables();
    let ns = Netns::new("import_running").expect("namespace");
    ns.restore(tk::Backend::Nft, tk::Family::V4, DOCKER_V4, &[])
        .expect("load the Docker rules");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = pyptables::cli::run_tool_with_args(
        [
            "pyptables",
            "import",
            "--running",
            "--netns",
            ns.name(),
            "--to",
            "builder",
        ],
        &mut out,
        &mut err,
    );
    let (out, err) = (String::from_utf8_lossy(&out), String::from_utf8_lossy(&err));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Chain::user(\"DOCKER-ISOLATION-STAGE-2\")"),
        "{out}"
    );
    assert!(
        out.contains(".target(Target::new(\"DNAT\").opt(\"to-destination\", \"172.17.0.2:80\"))"),
        "{out}"
    );
}

/// A running ruleset with what the catalog does not know (here policy's `--next`, which
/// describes a second policy element) is refused with the line of the saved text that holds
/// it, not imported without it.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn an_unknown_extension_in_the_running_rules_is_refused_with_its_line() {
    require_root_and_iptables();
    let ns = Netns::new("import_unknown").expect("namespace");
    let rules = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n\
                 -A INPUT -m policy --dir in --pol ipsec --strict --proto esp --next --proto ah \
                 -j ACCEPT\nCOMMIT\n";
    ns.restore(tk::Backend::Nft, tk::Family::V4, rules, &[])
        .expect("load");
    let saved = ns
        .exec_ok("iptables-save", &[] as &[&str])
        .expect("iptables-save");
    let line = saved
        .lines()
        .position(|l| l.contains("-m policy"))
        .expect("the rule is saved")
        + 1;
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = pyptables::cli::run_tool_with_args(
        ["pyptables", "import", "--running", "--netns", ns.name()],
        &mut out,
        &mut err,
    );
    let err = String::from_utf8_lossy(&err);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains(&format!(
            "line {line}: option `--next` is not supported (match `policy` has no such option"
        )),
        "{err}\n{saved}"
    );
}

/// iptables-save prints a realm or device group that has a name in iproute2's files
/// (`/etc/iproute2/rt_realms`, `/etc/iproute2/group`, both naming only 0 by default) by that
/// name: `--realm cosmos`, `--src-group default`. Such a saved ruleset imports, and what
/// pyptables writes for it loads as the same rules.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn realm_and_device_group_names_printed_by_iptables_save_import() {
    require_root_and_iptables();
    let rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
                 -A INPUT -m devgroup --src-group 0 -j ACCEPT\n\
                 -A OUTPUT -m devgroup ! --dst-group 0 -j ACCEPT\n\
                 -A OUTPUT -m realm --realm 0 -j ACCEPT\n\
                 -A OUTPUT -m realm ! --realm 0 -j DROP\nCOMMIT\n";
    for b in tk::Backend::ALL {
        let saved = kernel_save(b, Family::V4, rules).unwrap_or_else(|e| panic!("{b}: {e}"));
        if !saved.contains("--realm cosmos") || !saved.contains("--src-group default") {
            eprintln!("{b}: iptables-save printed no names (no iproute2 files?):\n{saved}");
        }
        let tables = pyptables::Tables::parse_save(&saved, Family::V4)
            .unwrap_or_else(|e| panic!("{b}: {e}\n{saved}"));
        tables
            .validate()
            .unwrap_or_else(|e| panic!("{b}: the saved rules are refused: {e}\n{saved}"));
        let again = kernel_save(b, Family::V4, &tables.to_iptables_plain())
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(normalise(&again), normalise(&saved), "{b}");
    }
}

/// iptables-save prints rateest's `--rateest-bps` with a unit (`16bit`, `1000Kbit`); such a
/// saved ruleset imports, and what pyptables writes for it loads as the same rules.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn rateest_rates_printed_by_iptables_save_import() {
    require_root_and_iptables();
    let rules = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
                 -A INPUT -j RATEEST --rateest-name kv --rateest-interval 250ms --rateest-ewmalog 500ms\n\
                 -A INPUT -m rateest --rateest kv --rateest-bps 16 --rateest-gt -j ACCEPT\n\
                 -A INPUT -m rateest --rateest kv --rateest-bps 1000000 --rateest-lt -j ACCEPT\n\
                 -A INPUT -m rateest --rateest kv --rateest-bps 8000000000 --rateest-lt -j ACCEPT\nCOMMIT\n";
    for b in tk::Backend::ALL {
        let saved = kernel_save(b, Family::V4, rules).unwrap_or_else(|e| panic!("{b}: {e}"));
        assert!(saved.contains("--rateest-bps 1000Kbit"), "{b}: {saved}");
        let tables = pyptables::Tables::parse_save(&saved, Family::V4)
            .unwrap_or_else(|e| panic!("{b}: {e}\n{saved}"));
        tables
            .validate()
            .unwrap_or_else(|e| panic!("{b}: the saved rules are refused: {e}\n{saved}"));
        let again = kernel_save(b, Family::V4, &tables.to_iptables_plain())
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(normalise(&again), normalise(&saved), "{b}");
    }
}
