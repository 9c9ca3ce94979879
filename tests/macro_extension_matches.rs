//! The iptables-extensions matches rpfilter, socket, cgroup, connbytes, connlabel, cluster,
//! cpu, devgroup, policy, realm, rateest, nfacct, osf and ipvs from `firewall!` and from the
//! builder: both give the lines written here by hand in iptables' syntax, and (as root) the
//! rules load into the kernel with both backends.

use pyptables::value::not;
use pyptables::{firewall, Family, Firewall, Match, Rule, Table, Tables};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

/// The `-A CHAIN …` lines of `chain` in `table`, without the `-A CHAIN ` prefix.
fn rules(tables: &Tables, table: &str, chain: &str) -> Vec<String> {
    let prefix = format!("-A {chain} ");
    let mut in_table = false;
    let mut out = Vec::new();
    for line in tables.to_iptables_plain().lines() {
        if let Some(name) = line.strip_prefix('*') {
            in_table = name == table;
        } else if in_table {
            if let Some(rule) = line.strip_prefix(&prefix) {
                out.push(rule.to_string());
            }
        }
    }
    out
}

/// The same firewall as [`builder_firewall`], in the DSL. rateest and nfacct are left out:
/// they load only with a RATEEST estimator and an nfacct object of the name they give.
fn macro_firewall() -> Firewall {
    firewall! {
        inet {
            raw {
                PREROUTING {
                    drop match=rpfilter invert;
                    accept match=rpfilter loose validmark;
                }
            }
            mangle {
                PREROUTING {
                    accept match=socket transparent nowildcard;
                    accept match=policy dir=in pol=ipsec strict proto=esp mode=tunnel;
                }
                INPUT {
                    accept src_group=1;
                    accept match=cgroup cgroup=0x10;
                }
                FORWARD {
                    accept match=connbytes connbytes!=10:100 connbytes_dir=original connbytes_mode=packets;
                    accept match=connlabel label=3 set;
                    accept match=cluster cluster_total_nodes=2 cluster_local_nodemask=3 cluster_hash_seed=7;
                    accept cpu!=0 dst_group=0x2/0xff;
                }
                OUTPUT {
                    accept match=policy dir=out pol=none;
                }
            }
        }
        mangle {
            INPUT {
                accept realm=0x1/0xff;
                accept proto=tcp match=osf genre=Linux ttl=2;
            }
        }
    }
}

/// The lines both give, by table and chain (IPv4).
const EXPECTED_V4: &[(&str, &str, &[&str])] = &[
    (
        "raw",
        "PREROUTING",
        &[
            "-m rpfilter --invert -j DROP",
            "-m rpfilter --loose --validmark -j ACCEPT",
        ],
    ),
    (
        "mangle",
        "PREROUTING",
        &[
            "-m socket --transparent --nowildcard -j ACCEPT",
            "-m policy --dir in --pol ipsec --strict --proto esp --mode tunnel -j ACCEPT",
        ],
    ),
    (
        "mangle",
        "INPUT",
        &[
            "-m devgroup --src-group 0x1 -j ACCEPT",
            "-m cgroup --cgroup 16 -j ACCEPT",
            "-m realm --realm 0x1/0xff -j ACCEPT",
            "-p tcp -m osf --genre Linux --ttl 2 -j ACCEPT",
        ],
    ),
    (
        "mangle",
        "FORWARD",
        &[
            "-m connbytes ! --connbytes 10:100 --connbytes-dir original --connbytes-mode packets -j ACCEPT",
            "-m connlabel --label 3 --set -j ACCEPT",
            "-m cluster --cluster-total-nodes 2 --cluster-local-nodemask 3 --cluster-hash-seed 7 -j ACCEPT",
            "-m cpu ! --cpu 0 -m devgroup --dst-group 0x2/0xff -j ACCEPT",
        ],
    ),
    (
        "mangle",
        "OUTPUT",
        &["-m policy --dir out --pol none -j ACCEPT"],
    ),
];

/// The same rules with the builder, in `family` (realm and osf: IPv4 only).
fn builder_tables(family: Family) -> Tables {
    let mut tables = Tables::new(family);
    let raw = tables.add(Table::with_builtin_chains("raw").unwrap());
    raw["PREROUTING"].push(
        Rule::new()
            .with_match(Match::new("rpfilter").flag("invert"))
            .drop(),
    );
    raw["PREROUTING"].push(
        Rule::new()
            .with_match(Match::new("rpfilter").flag("loose").flag("validmark"))
            .accept(),
    );
    let mangle = tables.add(Table::with_builtin_chains("mangle").unwrap());
    mangle["PREROUTING"].push(
        Rule::new()
            .with_match(Match::new("socket").flag("transparent").flag("nowildcard"))
            .accept(),
    );
    mangle["PREROUTING"].push(
        Rule::new()
            .with_match(
                Match::new("policy")
                    .opt("dir", "in")
                    .opt("pol", "ipsec")
                    .flag("strict")
                    .opt("proto", "esp")
                    .opt("mode", "tunnel"),
            )
            .accept(),
    );
    mangle["INPUT"].push(Rule::new().opt("src-group", 1).accept());
    mangle["INPUT"].push(
        Rule::new()
            .with_match(Match::new("cgroup").opt("cgroup", "0x10"))
            .accept(),
    );
    mangle["FORWARD"].push(
        Rule::new()
            .with_match(
                Match::new("connbytes")
                    .opt("connbytes", not("10:100"))
                    .opt("connbytes-dir", "original")
                    .opt("connbytes-mode", "packets"),
            )
            .accept(),
    );
    mangle["FORWARD"].push(
        Rule::new()
            .with_match(Match::new("connlabel").opt("label", 3).flag("set"))
            .accept(),
    );
    mangle["FORWARD"].push(
        Rule::new()
            .with_match(
                Match::new("cluster")
                    .opt("cluster-total-nodes", 2)
                    .opt("cluster-local-nodemask", 3)
                    .opt("cluster-hash-seed", 7),
            )
            .accept(),
    );
    mangle["FORWARD"].push(
        Rule::new()
            .opt("cpu", not("0"))
            .opt("dst-group", "0x2/0xff")
            .accept(),
    );
    mangle["OUTPUT"].push(
        Rule::new()
            .with_match(Match::new("policy").opt("dir", "out").opt("pol", "none"))
            .accept(),
    );
    if family == Family::V4 {
        mangle["INPUT"].push(Rule::new().opt("realm", "0x1/0xff").accept());
        mangle["INPUT"].push(
            Rule::new()
                .proto("tcp")
                .with_match(Match::new("osf").opt("genre", "Linux").opt("ttl", 2))
                .accept(),
        );
    }
    tables
}

fn builder_firewall() -> Firewall {
    Firewall::from_tables(builder_tables(Family::V4), builder_tables(Family::V6))
}

#[test]
fn the_dsl_and_the_builder_write_the_same_lines() {
    for fw in [macro_firewall(), builder_firewall()] {
        if let Err(e) = fw.validate() {
            panic!("the firewall does not validate:\n{e}");
        }
        for (table, chain, lines) in EXPECTED_V4 {
            assert_eq!(rules(fw.ipv4(), table, chain), *lines, "{table} {chain}");
            let v6: Vec<&str> = lines
                .iter()
                .copied()
                .filter(|l| !l.contains("-m realm") && !l.contains("-m osf"))
                .collect();
            assert_eq!(rules(fw.ipv6(), table, chain), v6, "IPv6 {table} {chain}");
        }
    }
}

/// rateest and nfacct from the builder (their kernel objects are not made here).
#[test]
fn rateest_and_nfacct_from_the_builder() {
    let rule = Rule::new()
        .with_match(
            Match::new("rateest")
                .opt("rateest", "uplink")
                .flag("rateest-gt")
                .opt("rateest-bps", 1_000_000),
        )
        .with_match(Match::new("nfacct").opt("nfacct-name", "web"))
        .accept();
    assert_eq!(
        rule.to_string(),
        "-m rateest --rateest1 uplink --rateest-gt --rateest-bps 1000000 \
         -m nfacct --nfacct-name web -j ACCEPT"
    );
}

/// Mistakes in these matches are refused with the catalog's messages, at run time as at
/// compile time.
#[test]
fn misplaced_and_malformed_uses_are_refused() {
    let refused = |table: &str, chain: &str, rule: Rule| -> String {
        let mut tables = Tables::new(Family::V4);
        let t = tables.add(Table::with_builtin_chains(table).unwrap());
        t[chain].push(rule);
        tables.validate().unwrap_err().to_string()
    };
    let e = refused(
        "filter",
        "INPUT",
        Rule::new().with_match(Match::new("rpfilter").flag("invert")),
    );
    assert!(
        e.contains("match rpfilter") && e.contains("the raw/mangle tables PREROUTING"),
        "{e}"
    );
    let e = refused(
        "mangle",
        "INPUT",
        Rule::new().with_match(Match::new("policy").opt("dir", "out")),
    );
    assert!(
        e.contains("`dir out`") && e.contains("FORWARD, OUTPUT, POSTROUTING"),
        "{e}"
    );
    let e = refused(
        "filter",
        "INPUT",
        Rule::new().with_match(
            Match::new("cluster")
                .opt("cluster-total-nodes", 2)
                .opt("cluster-local-node", 3)
                .opt("cluster-hash-seed", 1),
        ),
    );
    assert!(e.contains("node 3 is not one of the 2 nodes"), "{e}");
    let e = refused(
        "filter",
        "INPUT",
        Rule::new().with_match(Match::new("connlabel").opt("label", 128)),
    );
    assert!(e.contains("128 is out of range 0-127"), "{e}");
    let e = refused(
        "filter",
        "INPUT",
        Rule::new().with_match(Match::new("connbytes").opt("connbytes", "10")),
    );
    assert!(
        e.contains("connbytes-dir") && e.contains("connbytes-mode"),
        "{e}"
    );
}

/// What the firewall above loads as, with both backends.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_rules_load_with_both_backends() {
    require_root_and_iptables();
    for fw in [macro_firewall(), builder_firewall()] {
        for backend in tk::Backend::ALL {
            let ns = Netns::new(&format!("ext_matches_{backend}")).unwrap();
            for (family, tables) in [(tk::Family::V4, fw.ipv4()), (tk::Family::V6, fw.ipv6())] {
                ns.restore(backend, family, &tables.to_iptables_plain(), &[])
                    .unwrap_or_else(|e| panic!("{backend} {family:?}: {e}"));
                let saved = ns.save(backend, family).unwrap();
                for module in ["rpfilter", "socket", "policy", "connbytes", "cluster"] {
                    assert!(
                        saved.contains(&format!("-m {module} ")),
                        "{backend} {family:?}: no -m {module} in\n{saved}"
                    );
                }
            }
        }
    }
}

/// The names iptables-save prints for realm 0 (`cosmos`) and device group 0 (`default`), from
/// iproute2's files, are read by the DSL and written as the number, which loads without the
/// files; nft gets the number too.
#[test]
fn realm_and_device_group_names_are_written_as_numbers() {
    let fw: Firewall = firewall! {
        ip {
            mangle {
                INPUT {
                    accept src_group=default;
                    accept realm!=cosmos;
                }
            }
        }
    };
    fw.validate().unwrap();
    let text = fw.ipv4().to_iptables_plain();
    assert!(
        text.contains("-A INPUT -m devgroup --src-group 0x0 -j ACCEPT\n"),
        "{text}"
    );
    assert!(
        text.contains("-A INPUT -m realm ! --realm 0x0 -j ACCEPT\n"),
        "{text}"
    );
    let nft = fw.render_nft("t", pyptables::Style::Plain).text;
    assert!(nft.contains("meta iifgroup 0x0 accept"), "{nft}");
    assert!(nft.contains("meta rtclassid != 0x0 accept"), "{nft}");
}
