//! The runtime against the kernel: rulesets built with `pyptables` are loaded for real (never
//! `--test`) into throw-away network namespaces with both iptables backends, and what
//! `iptables-save` prints is compared with the rules that were meant, written by hand in
//! iptables-save's canonical form.
//!
//! Needs root and iptables (nft and legacy):
//! `cargo test --test kernel_runtime -- --include-ignored`.

// The shared kernel-test support: `options` loads into a namespace with a backend.
#[allow(unused_macros, unused_imports)]
mod behaviour_support;

use behaviour_support::options;
use pyptables::value::CtState;
use pyptables::{
    default_tables, default_tables_v6, Backend, Chain, Family, Policy, RestoreError,
    RestoreOptions, Rule, Table, Tables, Target,
};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

#[path = "../examples/simple_stateful.rs"]
#[allow(dead_code)]
mod simple_stateful;

#[path = "../examples/ssh_template.rs"]
#[allow(dead_code)]
mod ssh_template;

/// The normalised `iptables-save -t table` text of a table with only built-in chains.
fn saved(chains: &[(&str, &str)], rules: &[&str], table: &str) -> String {
    let mut s = format!("*{table}\n");
    for (chain, policy) in chains {
        s.push_str(&format!(":{chain} {policy}\n"));
    }
    for r in rules {
        s.push_str(r);
        s.push('\n');
    }
    s.push_str("COMMIT\n");
    s
}

const NAT_EMPTY: &str =
    "*nat\n:PREROUTING ACCEPT\n:INPUT ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\nCOMMIT\n";
const MANGLE_EMPTY: &str = "*mangle\n:PREROUTING ACCEPT\n:INPUT ACCEPT\n:FORWARD ACCEPT\n\
                            :OUTPUT ACCEPT\n:POSTROUTING ACCEPT\nCOMMIT\n";

/// Splits a rule line as `iptables-restore` does.
fn tokenize(line: &str) -> Vec<String> {
    tk::restore_argv(line).unwrap_or_else(|e| panic!("{e}"))
}

/// The value after `flag` in each `-A` line of `save`.
fn values_of(save: &str, flag: &str) -> Vec<String> {
    save.lines()
        .filter(|l| l.starts_with("-A "))
        .filter_map(|l| {
            let tokens = tokenize(l);
            let at = tokens.iter().position(|t| t == flag)?;
            tokens.get(at + 1).cloned()
        })
        .collect()
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn simple_stateful_example_loads_as_printed() {
    require_root_and_iptables();
    // Exactly the text `cargo run --example simple_stateful` prints, annotations included.
    let text = simple_stateful::tables().to_iptables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("simple_stateful").unwrap();
        ns.restore(b, tk::Family::V4, &text, &[])
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "filter").unwrap(),
            saved(
                &[
                    ("INPUT", "ACCEPT"),
                    ("FORWARD", "DROP"),
                    ("OUTPUT", "ACCEPT")
                ],
                &[
                    "-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT",
                    "-A FORWARD -p tcp -m tcp --dport 53 -j ACCEPT",
                    "-A FORWARD -p tcp -m tcp --dport 80 -j ACCEPT",
                    "-A FORWARD -p tcp -m tcp --dport 443 -j ACCEPT",
                ],
                "filter"
            ),
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "nat").unwrap(),
            NAT_EMPTY,
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "mangle").unwrap(),
            MANGLE_EMPTY,
            "{b}"
        );
    }
}

const SSH_FILTER: &[&str] = &[
    "-A INPUT -s 1.1.1.1/32 -p tcp -m tcp --dport 22 -m comment --comment \"Allow SSH from my workstation\" -j ACCEPT",
    "-A INPUT -p tcp -m tcp --dport 22 -m comment --comment \"Prevent any other access to local SSH\" -j REJECT --reject-with icmp-port-unreachable",
    "-A FORWARD -p tcp -m tcp --dport 22 -m comment --comment \"Don\\'t route any SSH traffic\" -j REJECT --reject-with icmp-port-unreachable",
];
const FILTER_ACCEPT: &[(&str, &str)] = &[
    ("INPUT", "ACCEPT"),
    ("FORWARD", "ACCEPT"),
    ("OUTPUT", "ACCEPT"),
];

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn ssh_template_example_loads_through_restore() {
    require_root_and_iptables();
    let tables = ssh_template::tables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("ssh_template").unwrap();
        tables
            .restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        let filter = ns.save_table(b, tk::Family::V4, "filter").unwrap();
        assert_eq!(filter, saved(FILTER_ACCEPT, SSH_FILTER, "filter"), "{b}");
        assert_eq!(
            values_of(&filter, "--comment"),
            [
                "Allow SSH from my workstation",
                "Prevent any other access to local SSH",
                "Don't route any SSH traffic"
            ],
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "nat").unwrap(),
            NAT_EMPTY,
            "{b}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_default_backend_is_iptables_restore() {
    require_root_and_iptables();
    let ns = Netns::new("default_backend").unwrap();
    let opts = RestoreOptions {
        netns: Some(ns.name().to_string()),
        ..RestoreOptions::default()
    };
    assert_eq!(opts.backend, Backend::Default);
    ssh_template::tables().restore(&opts).unwrap();
    // Debian's iptables-restore is the nf_tables one.
    assert_eq!(
        ns.save_table(tk::Backend::Nft, tk::Family::V4, "filter")
            .unwrap(),
        saved(FILTER_ACCEPT, SSH_FILTER, "filter")
    );
}

/// A first ruleset, loaded before each rejection test.
fn first_ruleset() -> Tables {
    let mut tables = default_tables();
    let filter = &mut tables["filter"];
    filter["INPUT"].set_policy(Policy::Drop).unwrap();
    filter.add_chain(Chain::user_with_comment("ssh_in", "SSH"));
    filter["INPUT"].push(
        Rule::new()
            .ctstate([CtState::Established, CtState::Related])
            .accept(),
    );
    filter["INPUT"].push(Rule::new().proto("tcp").dport(22).jump("ssh_in"));
    filter["ssh_in"].push(Rule::new().source("192.0.2.0/24").accept());
    tables["nat"]["POSTROUTING"].push(Rule::new().out_interface("eth0").masquerade());
    tables
}

const FIRST_FILTER: &str = "*filter\n:INPUT DROP\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\n:ssh_in -\n\
    -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
    -A INPUT -p tcp -m tcp --dport 22 -j ssh_in\n\
    -A ssh_in -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n";

/// Loads `first_ruleset`, checks it, and returns the whole save to compare with later.
fn load_first(ns: &Netns, b: tk::Backend) -> String {
    first_ruleset().restore(&options(ns, b)).unwrap();
    assert_eq!(
        ns.save_table(b, tk::Family::V4, "filter").unwrap(),
        FIRST_FILTER,
        "{b}"
    );
    assert!(ns
        .save_table(b, tk::Family::V4, "nat")
        .unwrap()
        .contains("\n-A POSTROUTING -o eth0 -j MASQUERADE\n"));
    ns.save(b, tk::Family::V4).unwrap()
}

/// Checks a `Rejected` error: with nf_tables the kernel's refusal names the rule's line, so
/// the error names the rule and where it was written; the legacy backend names the table's
/// COMMIT line, so the error names the table.
#[track_caller]
fn assert_rejected_at(err: RestoreError, b: tk::Backend, chain: &str, index: usize, line: u32) {
    let shown = err.to_string();
    let RestoreError::Rejected { rule, line: at, .. } = err else {
        panic!("{b}: expected Rejected, got {shown}");
    };
    let rule = rule.unwrap_or_else(|| panic!("{b}: no rule for line {at:?}: {shown}"));
    assert_eq!(rule.table, "filter", "{b}: {shown}");
    match b {
        tk::Backend::Nft => {
            assert_eq!(rule.chain.as_deref(), Some(chain), "{b}: {shown}");
            assert_eq!(rule.index, Some(index), "{b}: {shown}");
            assert_eq!(
                (rule.origin.file, rule.origin.line),
                (file!(), line),
                "{b}: {shown}"
            );
            assert!(shown.contains(&format!("{}:{line}", file!())), "{shown}");
        }
        tk::Backend::Legacy => {
            assert_eq!((rule.chain, rule.index), (None, None), "{b}: {shown}");
            assert!(shown.contains("filter"), "{shown}");
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_raw_rule_the_kernel_refuses_is_mapped_back_and_changes_nothing() {
    require_root_and_iptables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("rejected_raw").unwrap();
        let before = load_first(&ns, b);

        let mut tables = default_tables();
        let input = &mut tables["filter"]["INPUT"];
        input.push(Rule::new().in_interface("lo").accept());
        // The catalog cannot judge raw text beyond its shape; the kernel refuses MASQUERADE
        // outside the nat table.
        let line = line!() + 1;
        input.push(Rule::raw("-p tcp -m tcp --dport 22 -j MASQUERADE"));
        input.push(Rule::new().drop());
        tables.validate().expect("a raw rule passes validation");

        let err = tables.restore(&options(&ns, b)).unwrap_err();
        assert_rejected_at(err, b, "INPUT", 1, line);
        assert_eq!(
            ns.save(b, tk::Family::V4).unwrap(),
            before,
            "{b}: rules changed"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn skipping_validation_hands_mistakes_to_the_kernel_which_refuses_them() {
    require_root_and_iptables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("rejected_skip").unwrap();
        let before = load_first(&ns, b);

        let mut tables = default_tables();
        let line = line!() + 1;
        tables["filter"]["FORWARD"].push(Rule::new().out_interface("eth0").masquerade());
        assert!(tables.validate().is_err());
        assert!(matches!(
            tables.restore(&options(&ns, b)),
            Err(RestoreError::Invalid(_))
        ));
        let opts = RestoreOptions {
            skip_validation: true,
            ..options(&ns, b)
        };
        let err = tables.restore(&opts).unwrap_err();
        assert_rejected_at(err, b, "FORWARD", 0, line);
        assert_eq!(
            ns.save(b, tk::Family::V4).unwrap(),
            before,
            "{b}: rules changed"
        );
    }
}

/// Each mistake issue 2 asks validation to catch, loaded anyway: the kernel (or iptables'
/// parser) refuses every one of them, and nothing changes.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn what_validation_refuses_the_kernel_refuses_too() {
    require_root_and_iptables();
    type AddMistake = Box<dyn Fn(&mut Tables)>;
    let cases: Vec<(&str, AddMistake)> = vec![
        (
            "jump to an undefined chain",
            Box::new(|t| {
                t["filter"]["INPUT"].push(Rule::new().proto("tcp").jump("nosuch"));
            }),
        ),
        (
            "MASQUERADE in filter",
            Box::new(|t| {
                t["filter"]["OUTPUT"].push(Rule::new().masquerade());
            }),
        ),
        (
            "owner in INPUT",
            Box::new(|t| {
                t["filter"]["INPUT"].push(Rule::new().opt("uid-owner", 0u32).accept());
            }),
        ),
        (
            "dport without a protocol",
            Box::new(|t| {
                t["filter"]["INPUT"].push(Rule::new().dport(22).accept());
            }),
        ),
        (
            "port 70000",
            Box::new(|t| {
                t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(70000u32).accept());
            }),
        ),
        (
            "a loop between two user chains",
            Box::new(|t| {
                let f = &mut t["filter"];
                f.add_chain(Chain::user("ping"));
                f.add_chain(Chain::user("pong"));
                f["INPUT"].push(Rule::new().proto("udp").jump("ping"));
                f["ping"].push(Rule::new().proto("tcp").jump("pong"));
                f["pong"].push(Rule::new().proto("tcp").jump("ping"));
            }),
        ),
    ];
    for b in tk::Backend::ALL {
        let ns = Netns::new("kernel_refuses").unwrap();
        let before = load_first(&ns, b);
        for (what, add) in &cases {
            let mut tables = default_tables();
            tables["filter"]["INPUT"].push(Rule::new().in_interface("lo").accept());
            add(&mut tables);
            assert!(tables.validate().is_err(), "{what}: validation misses it");
            let opts = RestoreOptions {
                skip_validation: true,
                ..options(&ns, b)
            };
            match tables.restore(&opts) {
                Err(RestoreError::Rejected { .. }) => {}
                other => panic!("{b}: {what}: expected Rejected, got {other:?}"),
            }
            assert_eq!(ns.save(b, tk::Family::V4).unwrap(), before, "{b}: {what}");
        }
        // Without the mistakes the same ruleset loads: each refusal above was the mistake's.
        let mut base = default_tables();
        base["filter"]["INPUT"].push(Rule::new().in_interface("lo").accept());
        base.restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: {e}"));
    }
}

/// `--test` only parses: the kernel is not asked, so it passes MASQUERADE in the filter
/// table, as `RestoreOptions::test` documents.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn test_mode_does_not_ask_the_kernel() {
    require_root_and_iptables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("test_mode").unwrap();
        let before = load_first(&ns, b);
        let mut tables = default_tables();
        tables["filter"]["INPUT"].push(Rule::raw("-j MASQUERADE"));
        let opts = RestoreOptions {
            test: true,
            ..options(&ns, b)
        };
        tables.restore(&opts).unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(ns.save(b, tk::Family::V4).unwrap(), before, "{b}");
        // A real load of the same text is refused.
        assert!(tables.restore(&options(&ns, b)).is_err(), "{b}");
    }
}

const HOSTILE_COMMENTS: &[&str] = &[
    "say \"hi\" and \"bye\"",
    "back\\slash, double \\\\ and trailing \\",
    "\\\"",
    "\"",
    "# not a comment",
    "it's 'quoted'",
    "two  spaces and a # hash",
    " leading and trailing ",
    "grüße → 日本語 🚀",
    "-A INPUT -s 6.6.6.6 -j DROP",
    "COMMIT",
    "a\"b\\\"c\\\\d'e#f g\\",
    "$(reboot); `id` | & > <",
    "",
];

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn hostile_comments_and_log_prefixes_round_trip_through_the_kernel() {
    require_root_and_iptables();
    let mut tables = default_tables();
    for comment in HOSTILE_COMMENTS {
        tables["filter"]["INPUT"].push(Rule::new().comment(comment.to_string()).accept());
    }
    let long = "\"\\#'".repeat(63) + "end";
    assert_eq!(long.len(), 255);
    tables["filter"]["INPUT"].push(Rule::new().comment(long.clone()).accept());
    let prefixes = ["\"q\" \\ # it's: ", "日本: ", "-j ACCEPT "];
    for prefix in prefixes {
        tables["filter"]["OUTPUT"].push(Rule::new().target(Target::LOG.opt("log-prefix", prefix)));
    }
    tables.validate().unwrap();
    let mut expected: Vec<String> = HOSTILE_COMMENTS.iter().map(|c| c.to_string()).collect();
    expected.push(long);

    for b in tk::Backend::ALL {
        let ns = Netns::new("hostile_comments").unwrap();
        tables
            .restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        let filter = ns.save_table(b, tk::Family::V4, "filter").unwrap();
        assert_eq!(
            filter.lines().filter(|l| l.starts_with("-A")).count(),
            expected.len() + prefixes.len(),
            "{b}: one rule per comment:\n{filter}"
        );
        assert_eq!(values_of(&filter, "--comment"), expected, "{b}:\n{filter}");
        assert_eq!(
            values_of(&filter, "--log-prefix"),
            prefixes,
            "{b}:\n{filter}"
        );

        // What iptables-save printed loads again unchanged: the quoting is closed both ways.
        let again = Netns::new("hostile_again").unwrap();
        again
            .restore(b, tk::Family::V4, &filter, &[])
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(
            again.save_table(b, tk::Family::V4, "filter").unwrap(),
            filter,
            "{b}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn ipv6_tables_load_through_ip6tables_restore() {
    require_root_and_iptables();
    let mut tables = default_tables_v6();
    assert_eq!(tables.family(), Family::V6);
    let input = &mut tables["filter"]["INPUT"];
    input.push(
        Rule::new()
            .source("2001:db8::/32")
            .proto("tcp")
            .dport(22)
            .accept(),
    );
    input.push(
        Rule::new()
            .proto("ipv6-icmp")
            .opt("icmpv6-type", "echo-request")
            .accept(),
    );
    input.push(
        Rule::new()
            .destination("2001:DB8:0:0::1")
            .proto("udp")
            .dport("domain")
            .accept(),
    );
    input.push(Rule::new().target(Target::REJECT.opt("reject-with", "icmp6-adm-prohibited")));
    tables["nat"]["POSTROUTING"].push(
        Rule::new()
            .source("2001:db8:1::/48")
            .target(Target::new("SNAT").opt("to-source", "2001:db8::1")),
    );
    let mangle = tables.table_mut("mangle").unwrap();
    mangle["PREROUTING"].push(Rule::new().target(Target::new("HL").opt("hl-set", 64u8)));
    tables.validate().unwrap();

    for b in tk::Backend::ALL {
        let ns = Netns::new("ipv6_tables").unwrap();
        tables
            .restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(
            ns.save_table(b, tk::Family::V6, "filter").unwrap(),
            saved(
                FILTER_ACCEPT,
                &[
                    "-A INPUT -s 2001:db8::/32 -p tcp -m tcp --dport 22 -j ACCEPT",
                    "-A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type 128 -j ACCEPT",
                    "-A INPUT -d 2001:db8::1/128 -p udp -m udp --dport 53 -j ACCEPT",
                    "-A INPUT -j REJECT --reject-with icmp6-adm-prohibited",
                ],
                "filter"
            ),
            "{b}"
        );
        let nat = ns.save_table(b, tk::Family::V6, "nat").unwrap();
        assert!(
            nat.contains("\n-A POSTROUTING -s 2001:db8:1::/48 -j SNAT --to-source 2001:db8::1\n"),
            "{b}:\n{nat}"
        );
        let mangle = ns.save_table(b, tk::Family::V6, "mangle").unwrap();
        assert!(
            mangle.contains("\n-A PREROUTING -j HL --hl-set 64\n"),
            "{b}:\n{mangle}"
        );
        // The IPv4 tables were not touched.
        assert!(
            !ns.save(b, tk::Family::V4).unwrap().contains("-A "),
            "{b}: IPv4 rules appeared"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn raw_and_security_tables_and_user_chains_load() {
    require_root_and_iptables();
    let mut tables = Tables::new(Family::V4);
    let raw = tables.add(Table::with_builtin_chains("raw").unwrap());
    raw["PREROUTING"].push(
        Rule::new()
            .proto("udp")
            .dport(53)
            .target(Target::new("CT").flag("notrack")),
    );
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter.add_chain(Chain::user("web"));
    filter["FORWARD"].push(Rule::new().proto("tcp").dports([80, 443]).goto("web"));
    filter["web"].push(
        Rule::new()
            .limit("10/min")
            .opt("limit-burst", 5u32)
            .accept(),
    );
    filter["web"].push(
        Rule::new()
            .proto("tcp")
            .target(Target::REJECT.opt("reject-with", "tcp-reset")),
    );
    let security = tables.add(Table::with_builtin_chains("security").unwrap());
    security["OUTPUT"].push(Rule::new().destination("198.51.100.0/24").accept());
    tables.validate().unwrap();

    for b in tk::Backend::ALL {
        let ns = Netns::new("raw_security").unwrap();
        tables
            .restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "raw").unwrap(),
            "*raw\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\n\
             -A PREROUTING -p udp -m udp --dport 53 -j CT --notrack\nCOMMIT\n",
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "filter").unwrap(),
            "*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\n:web -\n\
             -A FORWARD -p tcp -m multiport --dports 80,443 -g web\n\
             -A web -m limit --limit 10/min -j ACCEPT\n\
             -A web -p tcp -j REJECT --reject-with tcp-reset\nCOMMIT\n",
            "{b}"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "security").unwrap(),
            "*security\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\n\
             -A OUTPUT -d 198.51.100.0/24 -j ACCEPT\nCOMMIT\n",
            "{b}"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_missing_program_inside_a_namespace_is_not_found() {
    require_root_and_iptables();
    let ns = Netns::new("missing_program").unwrap();
    let missing = std::path::PathBuf::from("/nonexistent/pyptables-test/iptables-restore");
    let opts = RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: Backend::Path(missing.clone()),
        ..RestoreOptions::default()
    };
    match ssh_template::tables().restore(&opts) {
        Err(RestoreError::NotFound { program }) => assert_eq!(program, missing),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

/// Where a restricted target may be used is judged through jumps, by validation and by the
/// kernel alike: MASQUERADE in a user chain loads when only POSTROUTING reaches it.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn hook_limits_carry_through_jumps_in_validation_and_in_the_kernel() {
    require_root_and_iptables();
    fn masq_reached_from(from: &[&str]) -> Tables {
        let mut tables = Tables::new(Family::V4);
        let nat = tables.add(Table::with_builtin_chains("nat").unwrap());
        nat.add_chain(Chain::user("masq"))
            .push(Rule::new().proto("udp").masquerade());
        for chain in from {
            nat[chain].push(Rule::new().source("192.0.2.0/24").jump("masq"));
        }
        tables
    }
    for b in tk::Backend::ALL {
        let ns = Netns::new("hooks_through_jumps").unwrap();
        let good = masq_reached_from(&["POSTROUTING"]);
        good.validate().unwrap();
        good.restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: {e}"));
        let saved = ns.save_table(b, tk::Family::V4, "nat").unwrap();
        assert!(
            saved.contains(
                "\n-A POSTROUTING -s 192.0.2.0/24 -j masq\n-A masq -p udp -j MASQUERADE\n"
            ),
            "{b}:\n{saved}"
        );

        let bad = masq_reached_from(&["POSTROUTING", "PREROUTING"]);
        let errors = bad.validate().unwrap_err();
        assert_eq!(errors.len(), 1, "{errors}");
        assert!(
            errors.to_string().contains("reached from PREROUTING"),
            "{errors}"
        );
        let opts = RestoreOptions {
            skip_validation: true,
            ..options(&ns, b)
        };
        assert!(
            matches!(bad.restore(&opts), Err(RestoreError::Rejected { .. })),
            "{b}: the kernel refuses it too"
        );
        assert_eq!(
            ns.save_table(b, tk::Family::V4, "nat").unwrap(),
            saved,
            "{b}"
        );
    }
}

/// `iptables-restore` commits table by table: a refusal in the second table leaves the first
/// one applied. `restore` saves the running tables first and puts them back, so a ruleset
/// refused in its nat table leaves the filter table as it was too.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_refusal_in_a_later_table_leaves_the_earlier_tables_as_they_were() {
    require_root_and_iptables();
    for b in tk::Backend::ALL {
        let ns = Netns::new("later_table").unwrap();
        let before = load_first(&ns, b);

        let mut tables = default_tables();
        // A valid filter table, different from the running one…
        tables["filter"]["INPUT"].push(Rule::new().source("198.51.100.7").drop());
        // …and a nat table the kernel refuses (raw text passes validation; the kernel does not
        // allow MASQUERADE in PREROUTING).
        tables["nat"]["PREROUTING"].push(Rule::raw("-p tcp -j MASQUERADE"));
        tables.validate().expect("raw text passes validation");

        let err = tables.restore(&options(&ns, b)).unwrap_err();
        assert!(
            matches!(err, RestoreError::Rejected { .. }),
            "{b}: expected Rejected, got {err}"
        );
        assert_eq!(
            ns.save(b, tk::Family::V4).unwrap(),
            before,
            "{b}: the filter table kept the new rules of a refused ruleset"
        );
    }
}
