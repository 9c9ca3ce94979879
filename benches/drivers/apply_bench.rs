//! Builds the N-rule benchmark ruleset (see `pyptables_suite::bench_ruleset`) and applies it
//! in the current network namespace through `Tables::restore` (validate, render, one
//! `iptables-restore --wait` with the text on standard input): the apply side of
//! `benches/compare.sh`, which runs it under `ip netns exec` in a fresh namespace.
//!
//! `BENCH_IPTABLES` names the iptables program the peers use (`iptables`, `iptables-nft`,
//! `iptables-legacy`, or a path to any `iptables` variant); the matching `…-restore` is run.
//! Unset, the distribution's default `iptables-restore` is used.
//!
//! `restore` first saves the running tables it names (one `iptables-save` per table): to refuse
//! deleting other software's chains (Docker's, fail2ban's, …), and, for a ruleset of several
//! tables, to put them back if the kernel refuses a later table. With `BENCH_APPLY_SKIP_SAVE=1`
//! the same restore program is named as a [`Backend::Path`], which has no matching save
//! program, so it never saves: what that safety net costs shows against the default
//! (`benches/compare.sh --apply-skip-save`). In a fresh namespace the save finds an empty
//! table and costs a few milliseconds; over a running table of 10,000 rules about 0.2 s.
//!
//! ```text
//! ip netns add scratch
//! ip netns exec scratch target/release/examples/apply_bench 10000
//! ip netns del scratch
//! ```
//!
//! `BENCH_ENGINE=nftables` applies through the nftables engine instead (`Firewall::apply_nft`:
//! validate, render, one `nft -f`); `BENCH_ENGINE=print-nft` only prints that `nft -f` script,
//! for timing a bare `nft -f` of it.
//!
//! Never run it outside a throw-away namespace: it replaces the filter table.

use std::path::PathBuf;
use std::process::ExitCode;

use pyptables::{Backend, Family, RestoreOptions};

/// The `restore` backend for the iptables program `name`, as compare.py passes it.
fn backend(name: &str) -> Backend {
    match name {
        "" | "iptables" => Backend::Default,
        "iptables-nft" => Backend::Nft,
        "iptables-legacy" => Backend::Legacy,
        // Any other program (`/usr/sbin/iptables-legacy`, …): its `-restore` sibling.
        other => Backend::Path(PathBuf::from(format!("{other}-restore"))),
    }
}

fn main() -> ExitCode {
    let n = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: apply_bench N   (applies N rules in the current network namespace)");
            return ExitCode::from(2);
        }
    };
    let mut backend = backend(&std::env::var("BENCH_IPTABLES").unwrap_or_default());
    if std::env::var_os("BENCH_APPLY_SKIP_SAVE").is_some_and(|v| v == "1") {
        backend = Backend::Path(backend.restore_program(Family::V4));
    }
    let options = RestoreOptions {
        backend,
        ..RestoreOptions::default()
    };
    let tables = pyptables_suite::bench_ruleset::tables(n);
    let engine = std::env::var("BENCH_ENGINE").unwrap_or_default();
    if engine == "nftables" || engine == "print-nft" {
        let fw = pyptables::Firewall::from_tables(tables, pyptables::Tables::new(Family::V6));
        if engine == "print-nft" {
            print!(
                "{}",
                fw.render_nft("pyptables", pyptables::Style::Plain).text
            );
            return ExitCode::SUCCESS;
        }
        return match fw.apply_nft(&pyptables::NftOptions::default()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("apply_bench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    match tables.restore(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("apply_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
