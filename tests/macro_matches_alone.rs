//! Matches given without options (`-m socket`, `-m rpfilter`, `-p tcp -m tcp`, `-m limit`,
//! `-m time`) from `firewall!` and from the builder: both write `-m NAME` alone at its place
//! among the rule's matches, and (as root) the rules load with both backends and
//! iptables-save gives back the lines written here by hand from what it printed.

use pyptables::{firewall, Family, Firewall, Match, Rule, Table, Tables, Target};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

/// The rules of mangle PREROUTING, in `firewall!`.
fn macro_firewall() -> Firewall {
    firewall! {
        inet {
            mangle {
                PREROUTING {
                    accept proto=tcp match=tcp match=socket;
                    mark match=socket set_mark=1;
                    accept match=rpfilter;
                    drop match=socket match=rpfilter invert;
                    log match=limit;
                    accept proto=udp match=udp match=time comment="udp";
                    accept match=limit limit=5/sec match=socket;
                }
            }
        }
    }
}

/// The same rules with the builder.
fn builder_tables(family: Family) -> Tables {
    let mut tables = Tables::new(family);
    let mangle = tables.add(Table::with_builtin_chains("mangle").unwrap());
    let pre = &mut mangle["PREROUTING"];
    pre.push(
        Rule::new()
            .proto("tcp")
            .with_match(Match::new("tcp"))
            .with_match(Match::new("socket"))
            .accept(),
    );
    pre.push(
        Rule::new()
            .with_match(Match::new("socket"))
            .target(Target::new("MARK").opt("set-mark", 1)),
    );
    pre.push(Rule::new().with_match(Match::new("rpfilter")).accept());
    pre.push(
        Rule::new()
            .with_match(Match::new("socket"))
            .with_match(Match::new("rpfilter").flag("invert"))
            .drop(),
    );
    pre.push(Rule::new().with_match(Match::new("limit")).log());
    pre.push(
        Rule::new()
            .proto("udp")
            .with_match(Match::new("udp"))
            .with_match(Match::new("time"))
            .comment("udp")
            .accept(),
    );
    pre.push(
        Rule::new()
            .with_match(Match::new("limit").opt("limit", "5/sec"))
            .with_match(Match::new("socket"))
            .accept(),
    );
    tables
}

fn builder_firewall() -> Firewall {
    Firewall::from_tables(builder_tables(Family::V4), builder_tables(Family::V6))
}

/// What both write, after `-A PREROUTING `.
const WRITTEN: &[&str] = &[
    "-p tcp -m tcp -m socket -j ACCEPT",
    "-m socket -j MARK --set-mark 0x1",
    "-m rpfilter -j ACCEPT",
    "-m socket -m rpfilter --invert -j DROP",
    "-m limit -j LOG",
    "-p udp -m udp -m time -m comment --comment udp -j ACCEPT",
    "-m limit --limit 5/sec -m socket -j ACCEPT",
];

/// What iptables-save prints for them (both backends, both families): limit and time
/// alone come back with their defaults written out.
const SAVED: &[&str] = &[
    "-p tcp -m tcp -m socket -j ACCEPT",
    "-m socket -j MARK --set-xmark 0x1/0xffffffff",
    "-m rpfilter -j ACCEPT",
    "-m socket -m rpfilter --invert -j DROP",
    "-m limit --limit 3/hour -j LOG",
    "-p udp -m udp -m time --datestop 2038-01-19T03:14:07 -m comment --comment udp -j ACCEPT",
    "-m limit --limit 5/sec -m socket -j ACCEPT",
];

/// The `-A PREROUTING …` lines of `text`, without the prefix.
fn prerouting(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("-A PREROUTING "))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_dsl_and_the_builder_write_matches_alone() {
    for fw in [macro_firewall(), builder_firewall()] {
        if let Err(e) = fw.validate() {
            panic!("the firewall does not validate:\n{e}");
        }
        for tables in [fw.ipv4(), fw.ipv6()] {
            assert_eq!(prerouting(&tables.to_iptables_plain()), WRITTEN);
        }
    }
}

/// Loaded with both backends, each family: iptables-save gives back [`SAVED`].
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn matches_alone_load_with_both_backends() {
    require_root_and_iptables();
    for fw in [macro_firewall(), builder_firewall()] {
        for backend in tk::Backend::ALL {
            let ns = Netns::new(&format!("alone_{backend}")).unwrap();
            for (family, tables) in [(tk::Family::V4, fw.ipv4()), (tk::Family::V6, fw.ipv6())] {
                ns.restore(backend, family, &tables.to_iptables_plain(), &[])
                    .unwrap_or_else(|e| panic!("{backend} {family:?}: {e}"));
                let saved = ns.save_table(backend, family, "mangle").unwrap();
                assert_eq!(prerouting(&saved), SAVED, "{backend} {family:?}");
            }
        }
    }
}
