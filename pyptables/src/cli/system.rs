//! What the commands need from the system: the effective uid, `iptables-save`, loading saved
//! text back, signals, and the confirmation state directory (scratch network namespaces are
//! in `scratch`).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};

use pyptables_catalog::Family;

use crate::error::RestoreError;
use crate::restore::{command_in, run_restore_with, RestoreOptions};

use super::Tools;

/// Whether the process runs as root.
pub(crate) fn is_root() -> bool {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The running rules of `family` as the save program prints them (in `netns` if given).
pub(crate) fn save(tools: &Tools, family: Family, netns: Option<&str>) -> Result<String, String> {
    let program = tools.save_program(family)?;
    let out = command_in(netns, &program)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "`{}` failed ({}): {}",
            program.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| {
        format!(
            "`{}` printed something that is not UTF-8",
            program.display()
        )
    })
}

/// Loads `text` (a save, counters included) for `family`, replacing the tables it names.
pub(crate) fn load_saved(tools: &Tools, family: Family, text: &str) -> Result<(), RestoreError> {
    let options = RestoreOptions {
        backend: tools.backend(family),
        netns: tools.netns.clone(),
        ..RestoreOptions::default()
    };
    let program = options.backend.restore_program(family);
    // `--counters` puts the saved packet and byte counters back too.
    run_restore_with(&options, &program, text, &["--counters"])
}

/// Only what a rollback needs to undo in `family`: the saved tables, plus empty built-in
/// chains for each table the new rules named that did not exist before (the save has no
/// text for it, so without this the new rules would stay in it).
pub(crate) fn rollback_text(saved: &str, new_tables: &crate::Tables) -> String {
    let present: Vec<&str> = saved
        .lines()
        .filter_map(|l| l.strip_prefix('*'))
        .map(str::trim)
        .collect();
    let mut text = saved.to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for table in new_tables.iter() {
        if present.contains(&table.name()) {
            continue;
        }
        let mut empty = crate::Tables::new(new_tables.family());
        if empty.table_or_default(table.name()).is_ok() {
            text.push_str(&empty.to_iptables_plain());
        }
    }
    text
}

/// Set by SIGINT/SIGTERM while `apply --confirm` waits.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Set by SIGUSR1 while `apply --confirm` waits.
pub(crate) static CONFIRMED_BY_SIGNAL: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

extern "C" fn on_usr1(_: libc::c_int) {
    CONFIRMED_BY_SIGNAL.store(true, Ordering::SeqCst);
}

/// While waiting for a confirmation: a hang-up (the SSH session dropped) must not kill the
/// process before it rolls back, so SIGHUP and SIGPIPE are ignored; SIGINT and SIGTERM roll
/// back at once; SIGUSR1 confirms.
pub(crate) fn install_confirm_signals() {
    INTERRUPTED.store(false, Ordering::SeqCst);
    CONFIRMED_BY_SIGNAL.store(false, Ordering::SeqCst);
    // SAFETY: the handlers only store to atomics, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGHUP, libc::SIG_IGN);
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        libc::signal(
            libc::SIGINT,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
        libc::signal(
            libc::SIGTERM,
            on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
        libc::signal(
            libc::SIGUSR1,
            on_usr1 as extern "C" fn(libc::c_int) as libc::sighandler_t,
        );
    }
}

/// Puts SIGINT, SIGTERM and SIGUSR1 back to their defaults after the wait.
pub(crate) fn restore_default_signals() {
    // SAFETY: setting default dispositions has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
        libc::signal(libc::SIGTERM, libc::SIG_DFL);
        libc::signal(libc::SIGUSR1, libc::SIG_DFL);
    }
}

/// The directory where a waiting `apply --confirm` and `confirm` meet:
/// `$PYPTABLES_RUN_DIR` (default `/run`) / `pyptables-<program>[@<netns>]`.
pub(crate) fn state_dir(program: &str, netns: Option<&str>) -> PathBuf {
    let base = std::env::var_os("PYPTABLES_RUN_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run"));
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    let mut name = format!("pyptables-{}", clean(program));
    if let Some(ns) = netns {
        name.push('@');
        name.push_str(&clean(ns));
    }
    base.join(name)
}
