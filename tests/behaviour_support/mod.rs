//! What the `behaviour_*` tests share: loading a ruleset into one host of a topology through
//! pyptables itself (`restore` with `netns` and `backend`), and putting documentation
//! addresses in place of the real ones an example was written with.
//!
//! The behaviour tests send real packets through rules loaded into throw-away network
//! namespaces (see the `pyptables-testkit` crate) and check what the firewall promises:
//! "lan reaches dmz:443", "wan cannot reach lan:22". Each runs once per iptables backend, with
//! a topology of its own for each: [`on_both_backends!`] makes the two tests.

#![allow(dead_code)] // each test file uses a different part of this

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use pyptables::{Backend, Firewall, RestoreOptions, Rule, Tables};
use pyptables_testkit::{self as tk, Netns, Topology};

/// pyptables' backend for a test-kit backend.
pub fn backend(b: tk::Backend) -> Backend {
    match b {
        tk::Backend::Nft => Backend::Nft,
        tk::Backend::Legacy => Backend::Legacy,
    }
}

/// Restore options that load into `ns` with backend `b`.
pub fn options(ns: &Netns, b: tk::Backend) -> RestoreOptions {
    RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: backend(b),
        ..RestoreOptions::default()
    }
}

/// Loads `tables` into `host` of `net` with backend `b` (validated first, as `restore` does).
#[track_caller]
pub fn apply(net: &Topology, host: &str, b: tk::Backend, tables: &Tables) {
    tables
        .restore(&options(net.ns(host), b))
        .unwrap_or_else(|e| panic!("{b}: loading the rules into {host}: {e}"));
}

/// Loads both families of `fw` into `host` of `net` with backend `b`.
#[track_caller]
pub fn apply_firewall(net: &Topology, host: &str, b: tk::Backend, fw: &Firewall) {
    fw.restore(&options(net.ns(host), b))
        .unwrap_or_else(|e| panic!("{b}: loading the firewall into {host}: {e}"));
}

/// `tables` with every `-s`/`-d` value equal to `from` replaced by `to`, and how many were
/// replaced. Everything else about each rule (its other options in order, negation, target)
/// stays as it was.
///
/// The test hosts may only use documentation addresses, so an example written for, say,
/// `1.1.1.1` is checked with a TEST-NET address in its place.
pub fn replace_address(tables: &mut Tables, from: &str, to: &str) -> usize {
    let mut replaced = 0;
    for table in tables.iter_mut() {
        for chain in table.chains_mut() {
            for rule in chain.iter_mut() {
                let hit = |a: &pyptables::Arg| {
                    matches!(&*a.key, "source" | "destination") && a.value.as_deref() == Some(from)
                };
                if !rule.args().iter().any(hit) {
                    continue;
                }
                let mut new = Rule::new().at(rule.origin());
                for arg in rule.args() {
                    let mut arg = arg.clone();
                    if hit(&arg) {
                        arg.value = Some(to.to_string().into());
                        replaced += 1;
                    }
                    new = new.arg(arg);
                }
                if let Some(target) = rule.get_target() {
                    new = new.target(target.clone());
                }
                *rule = new;
            }
        }
    }
    replaced
}

/// Builds `examples/per_host.rs` and returns the path of the binary.
///
/// A test run does not build examples on its own (`cargo test --tests` and `--test NAME` skip
/// them), and a binary left from an earlier build may be stale, so build it here: a no-op when
/// it is up to date. The test executable lives in `<target>/<profile>/deps/`, the example
/// goes to `<target>/<profile>/examples/`. Built once per test process.
pub fn per_host_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(build_per_host)
}

fn build_per_host() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test executable is in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("<target>/<profile>");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(name) => name,
        None => panic!("odd target directory {}", profile_dir.display()),
    };
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--offline", "--example", "per_host"])
        .args(["--profile", profile])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build --example per_host: {status}");
    let binary = profile_dir.join("examples").join("per_host");
    assert!(binary.is_file(), "{} was not built", binary.display());
    binary
}

/// Makes kernel tests of functions `fn NAME(b: Backend)`: for each, `mod NAME` with the tests
/// `nft` and `legacy`, which call it with their backend after [`require_root_and_iptables`].
/// Each backend thus gets its own topology, runs in parallel with the other and fails on its
/// own (`NAME::nft`, `NAME::legacy`).
///
/// [`require_root_and_iptables`]: pyptables_testkit::require_root_and_iptables
macro_rules! on_both_backends {
    ($($check:ident),+ $(,)?) => {$(
        mod $check {
            #[test]
            #[ignore = "needs root and iptables (kernel test)"]
            fn nft() {
                pyptables_testkit::require_root_and_iptables();
                super::$check(pyptables_testkit::Backend::Nft);
            }

            #[test]
            #[ignore = "needs root and iptables (kernel test)"]
            fn legacy() {
                pyptables_testkit::require_root_and_iptables();
                super::$check(pyptables_testkit::Backend::Legacy);
            }
        }
    )+};
}
pub(crate) use on_both_backends;
