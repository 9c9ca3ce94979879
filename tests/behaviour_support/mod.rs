//! What the `behaviour_*` tests share: loading a ruleset into one host of a topology through
//! pyptables itself (`restore` with `netns` and `backend`), and putting documentation
//! addresses in place of the real ones an example was written with.
//!
//! The behaviour tests send real packets through rules loaded into throw-away network
//! namespaces (see the `pyptables-testkit` crate) and check what the firewall promises:
//! "lan reaches dmz:443", "wan cannot reach lan:22". Each runs once per iptables backend and
//! once on the nftables engine, with a topology of its own for each: [`on_both_backends!`]
//! makes the three tests, and [`apply`] / [`apply_firewall`] load through the engine the
//! test runs on ([`engine`]), so the packet expectations are the same for all three.

#![allow(dead_code)] // each test file uses a different part of this

use std::cell::Cell;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use pyptables::{Backend, Firewall, NftOptions, RestoreOptions, Rule, Tables};
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

/// How a behaviour test loads its rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// `iptables-restore` with the test's backend.
    Iptables,
    /// `nft -f` of the firewall's own nft tables.
    Nftables,
}

thread_local! {
    /// The engine of the test running on this thread (each test has its own thread).
    static ENGINE: Cell<Engine> = const { Cell::new(Engine::Iptables) };
}

/// The engine the current test loads its rules with.
pub fn engine() -> Engine {
    ENGINE.with(Cell::get)
}

/// Makes the current test load its rules with `e`.
pub fn set_engine(e: Engine) {
    ENGINE.with(|c| c.set(e));
}

/// The per-host binary's options for the current engine (`--engine nftables` or none).
pub fn engine_args() -> &'static [&'static str] {
    match engine() {
        Engine::Iptables => &[],
        Engine::Nftables => &["--engine", "nftables"],
    }
}

/// What the messages call the current run: the backend, or `nftables`.
pub fn run_name(b: tk::Backend) -> String {
    match engine() {
        Engine::Iptables => b.to_string(),
        Engine::Nftables => "nftables".to_string(),
    }
}

fn nft_options(ns: &Netns) -> NftOptions {
    NftOptions {
        netns: Some(ns.name().to_string()),
        ..NftOptions::default()
    }
}

/// Loads `tables` into `host` of `net` with backend `b`, or with `nft` on the nftables engine
/// (validated first either way).
#[track_caller]
pub fn apply(net: &Topology, host: &str, b: tk::Backend, tables: &Tables) {
    let result = match engine() {
        Engine::Iptables => tables.restore(&options(net.ns(host), b)),
        Engine::Nftables => tables.apply_nft(&nft_options(net.ns(host))),
    };
    result.unwrap_or_else(|e| panic!("{}: loading the rules into {host}: {e}", run_name(b)));
}

/// Loads both families of `fw` into `host` of `net` with backend `b` (or `nft`).
#[track_caller]
pub fn apply_firewall(net: &Topology, host: &str, b: tk::Backend, fw: &Firewall) {
    let result = match engine() {
        Engine::Iptables => fw.restore(&options(net.ns(host), b)),
        Engine::Nftables => fw.apply_nft(&nft_options(net.ns(host))),
    };
    result.unwrap_or_else(|e| panic!("{}: loading the firewall into {host}: {e}", run_name(b)));
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
/// `nft` and `legacy`, which call it with their backend after [`require_root_and_iptables`],
/// and `nftables`, which calls it with the nft backend on the nftables engine ([`engine`]).
/// Each thus gets its own topology, runs in parallel with the others and fails on its own
/// (`NAME::nft`, `NAME::legacy`, `NAME::nftables`).
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

            #[test]
            #[ignore = "needs root and nftables (kernel test)"]
            fn nftables() {
                pyptables_testkit::require_root_and_iptables();
                super::behaviour_support::set_engine(super::behaviour_support::Engine::Nftables);
                super::$check(pyptables_testkit::Backend::Nft);
            }
        }
    )+};
}
pub(crate) use on_both_backends;
