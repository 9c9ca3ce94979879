//! Negated lists in the kernel (both backends): what the builder writes for a list of negated
//! values loads as one negated option, and what validation refuses instead (`!` with several
//! addresses) iptables refuses too.
//!
//! Needs root and iptables: `cargo test --test kernel_negation -- --include-ignored`.

use pyptables::value::{not, CtState};
use pyptables::{default_tables, Backend, RestoreOptions, Rule};
use pyptables_testkit::{self as tk, require_root_and_iptables, Netns};

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn lists_of_negated_values_load_as_one_negated_option() {
    require_root_and_iptables();
    let mut t = default_tables();
    let input = &mut t["filter"]["INPUT"];
    input.push(Rule::new().source(vec![not("10.0.0.0/8")]).drop());
    input.push(
        Rule::new()
            .proto("tcp")
            .dports([not(22u16), not(80u16)])
            .drop(),
    );
    input.push(
        Rule::new()
            .ctstate([not(CtState::New), not(CtState::Invalid)])
            .drop(),
    );
    t.validate().unwrap();
    for b in tk::Backend::ALL {
        let ns = Netns::new("negated_lists").unwrap();
        let opts = RestoreOptions {
            netns: Some(ns.name().to_string()),
            backend: match b {
                tk::Backend::Nft => Backend::Nft,
                tk::Backend::Legacy => Backend::Legacy,
            },
            ..RestoreOptions::default()
        };
        t.restore(&opts).unwrap_or_else(|e| panic!("{b}: {e}"));
        let save = ns.save_table(b, tk::Family::V4, "filter").unwrap();
        let rules: Vec<&str> = save.lines().filter(|l| l.starts_with("-A")).collect();
        // Written by hand in iptables-save's form (ctstate in its bit order).
        assert_eq!(
            rules,
            [
                "-A INPUT ! -s 10.0.0.0/8 -j DROP",
                "-A INPUT -p tcp -m multiport ! --dports 22,80 -j DROP",
                "-A INPUT -m conntrack ! --ctstate INVALID,NEW -j DROP",
            ],
            "{b}"
        );
        // What validation refuses as "several negated addresses", iptables refuses too.
        let err = ns
            .iptables(
                b,
                tk::Family::V4,
                &[
                    "-A",
                    "INPUT",
                    "!",
                    "-s",
                    "10.0.0.0/8,192.168.0.0/16",
                    "-j",
                    "DROP",
                ],
            )
            .unwrap_err();
        assert!(
            err.contains("! not allowed with multiple source or destination IP addresses"),
            "{b}: {err}"
        );
    }
}
