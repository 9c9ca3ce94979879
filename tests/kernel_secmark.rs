//! SECMARK and CONNSECMARK, the usual pair (iptables-extensions(8)): label new connections'
//! packets, save the label in the connection and restore it for the connection's later
//! packets. SECMARK turns its context into an id through the running LSM: on a kernel without
//! SELinux active (this test machine's) every SECMARK rule is refused, which is what
//! `restore` then reports; CONNSECMARK alone loads anywhere.
//!
//! `cargo test --test kernel_secmark -- --include-ignored` (root, iptables nft + legacy).

use pyptables::{Family, Rule, Table, Tables, Target};
use pyptables_testkit::{self as tk, require_root_and_iptables, Backend, Netns};

/// Whether SELinux is active on this kernel (its filesystem is mounted).
fn selinux_active() -> bool {
    std::path::Path::new("/sys/fs/selinux/enforce").exists()
}

fn secmark_tables(with_secmark: bool) -> Tables {
    let mut v4 = Tables::new(Family::V4);
    let mangle = v4.add(Table::with_builtin_chains("mangle").unwrap());
    let input = &mut mangle["INPUT"];
    if with_secmark {
        input.push(
            Rule::new()
                .proto("tcp")
                .dport(22)
                .ctstate("NEW")
                .target(Target::new("SECMARK").opt("selctx", "system_u:object_r:ssh_packet_t:s0")),
        );
    }
    input.push(
        Rule::new()
            .ctstate("NEW")
            .target(Target::new("CONNSECMARK").flag("save")),
    );
    input.push(
        Rule::new()
            .ctstate("ESTABLISHED,RELATED")
            .target(Target::new("CONNSECMARK").flag("restore")),
    );
    v4
}

fn options(ns: &Netns, b: Backend) -> pyptables::RestoreOptions {
    pyptables::RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: match b {
            Backend::Nft => pyptables::Backend::Nft,
            Backend::Legacy => pyptables::Backend::Legacy,
        },
        ..pyptables::RestoreOptions::default()
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn connsecmark_loads_and_secmark_needs_an_lsm() {
    require_root_and_iptables();
    for b in Backend::ALL {
        let ns = Netns::new("secmark").unwrap();
        secmark_tables(false)
            .restore(&options(&ns, b))
            .unwrap_or_else(|e| panic!("{b}: CONNSECMARK: {e}"));
        let saved = ns.save_table(b, tk::Family::V4, "mangle").unwrap();
        for expected in [
            "-A INPUT -m conntrack --ctstate NEW -j CONNSECMARK --save",
            "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j CONNSECMARK --restore",
        ] {
            assert!(saved.contains(expected), "{b}: {expected}\n{saved}");
        }

        let with = secmark_tables(true);
        with.validate()
            .expect("the catalog allows SECMARK in mangle");
        match (with.restore(&options(&ns, b)), selinux_active()) {
            (Ok(()), true) => {}
            (Err(e), false) => {
                let e = e.to_string();
                eprintln!("{b}: SECMARK refused without an LSM: {e}");
                assert!(e.contains("rejected the rules"), "{b}: {e}");
            }
            (r, active) => panic!("{b}: SELinux active: {active}, restore: {r:?}"),
        }
    }
}
