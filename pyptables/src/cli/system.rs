//! What the commands need from the system: the effective uid, `iptables-save`, loading saved
//! text back, signals, the per-namespace apply lock and the confirmation state directory
//! (scratch network namespaces are in `scratch`).

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyptables_catalog::Family;

use crate::error::RestoreError;
use crate::restore::{command_in, failure, run_bounded, run_restore_with, RestoreOptions};

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

/// The running rules of `family` with their packet and byte counters (`iptables-save
/// --counters`), for putting them back exactly; the save program is killed after `timeout`.
pub(crate) fn snapshot(
    tools: &Tools,
    family: Family,
    timeout: Duration,
) -> Result<String, RestoreError> {
    let program = tools
        .save_program(family)
        .map_err(|message| RestoreError::Io {
            program: PathBuf::new(),
            source: std::io::Error::other(message),
        })?;
    let mut cmd = command_in(tools.netns.as_deref(), &program);
    cmd.arg("--counters");
    let out = run_bounded(cmd, &program, None, Some(timeout))?;
    if !out.status.success() {
        return Err(
            failure(&program, &out).unwrap_or_else(|message| RestoreError::Rejected {
                program: program.clone(),
                line: None,
                rule: None,
                message,
            }),
        );
    }
    String::from_utf8(out.stdout).map_err(|_| RestoreError::Io {
        program: program.clone(),
        source: std::io::Error::other("it printed something that is not UTF-8"),
    })
}

/// Loads `text` (a save, counters included) for `family`, replacing the tables it names;
/// with `test`, only asks the restore program whether it would (`--test`).
pub(crate) fn load_saved(
    tools: &Tools,
    family: Family,
    text: &str,
    test: bool,
    timeout: Duration,
) -> Result<(), RestoreError> {
    let options = RestoreOptions {
        backend: tools.backend(family),
        netns: tools.netns.clone(),
        test,
        timeout: Some(timeout),
        ..RestoreOptions::default()
    };
    let program = options.backend.restore_program(family);
    // `--counters` puts the saved packet and byte counters back too.
    run_restore_with(&options, &program, text, &["--counters"])
}

/// What puts `saved` (a snapshot taken before the new `tables` were applied) back: the
/// snapshot itself, or, when a table preserves other software's chains, the firewall's part of
/// it merged with what that software has now (a fresh save), so that its changes made
/// meanwhile — a container started during the confirmation wait — survive the rollback.
pub(crate) fn rollback_input(
    tools: &Tools,
    tables: &crate::Tables,
    saved: &str,
    timeout: Duration,
) -> Result<String, RestoreError> {
    if tables.iter().all(|t| t.preserved().is_empty()) {
        return Ok(saved.to_string());
    }
    let current = snapshot(tools, tables.family(), timeout)?;
    Ok(crate::preserve::rollback_input(saved, &current, tables))
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

/// Set by SIGINT, SIGTERM or SIGQUIT while an [`ApplySignals`] exists.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);
/// Set by SIGUSR1 while an [`ApplySignals`] exists.
pub(crate) static CONFIRMED_BY_SIGNAL: AtomicBool = AtomicBool::new(false);

extern "C" fn on_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

extern "C" fn on_usr1(_: libc::c_int) {
    CONFIRMED_BY_SIGNAL.store(true, Ordering::SeqCst);
}

/// The signal dispositions of `apply`, from before its first change to the kernel until the
/// new rules are confirmed or the previous ones are back; the previous dispositions return
/// when it is dropped.
///
/// No signal that can be caught may end the process in between, or the host would keep rules
/// nobody confirmed: SIGHUP (a dropped SSH session) and SIGPIPE are ignored, so the wait
/// runs out and rolls back; SIGINT, SIGTERM and SIGQUIT set [`INTERRUPTED`], which rolls back
/// at the next step (a load or rollback under way finishes first); SIGUSR1 confirms;
/// SIGTSTP, SIGTTIN and SIGTTOU are ignored so that neither Ctrl-Z nor reading the terminal
/// from the background can stop the process with the rules half-way.
pub(crate) struct ApplySignals {
    previous: Vec<(libc::c_int, libc::sighandler_t)>,
}

impl ApplySignals {
    pub(crate) fn install() -> ApplySignals {
        INTERRUPTED.store(false, Ordering::SeqCst);
        CONFIRMED_BY_SIGNAL.store(false, Ordering::SeqCst);
        let interrupt = on_interrupt as extern "C" fn(libc::c_int) as libc::sighandler_t;
        let usr1 = on_usr1 as extern "C" fn(libc::c_int) as libc::sighandler_t;
        let wanted = [
            (libc::SIGHUP, libc::SIG_IGN),
            (libc::SIGPIPE, libc::SIG_IGN),
            (libc::SIGTSTP, libc::SIG_IGN),
            (libc::SIGTTIN, libc::SIG_IGN),
            (libc::SIGTTOU, libc::SIG_IGN),
            (libc::SIGINT, interrupt),
            (libc::SIGTERM, interrupt),
            (libc::SIGQUIT, interrupt),
            (libc::SIGUSR1, usr1),
        ];
        let previous = wanted
            .iter()
            // SAFETY: the handlers only store to atomics, which is async-signal-safe.
            .map(|&(sig, handler)| (sig, unsafe { libc::signal(sig, handler) }))
            .collect();
        ApplySignals { previous }
    }
}

impl Drop for ApplySignals {
    fn drop(&mut self) {
        for &(sig, handler) in self.previous.iter().rev() {
            if handler != libc::SIG_ERR {
                // SAFETY: putting back a disposition signal(2) returned.
                unsafe {
                    libc::signal(sig, handler);
                }
            }
        }
    }
}

/// The base of the run directory: `$PYPTABLES_RUN_DIR`, default `/run`.
fn run_dir() -> PathBuf {
    std::env::var_os("PYPTABLES_RUN_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/run"))
}

/// `s` with everything but letters, digits, `-`, `_` and `.` replaced by `_`, for file names.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// One `apply` at a time per network namespace, whichever binary runs it: an exclusive
/// `flock(2)` on `<run dir>/pyptables-apply[@<netns>].lock`, released when the process ends in
/// any way. The file holds the pid of the holder, for messages; the holder removes it when
/// done (a process that locked a file already removed tries again on the new one).
pub(crate) struct ApplyLock {
    file: File,
    path: PathBuf,
}

impl ApplyLock {
    /// Takes the lock, or says who holds it.
    pub(crate) fn acquire(netns: Option<&str>) -> Result<ApplyLock, String> {
        use std::os::unix::fs::MetadataExt;
        let base = run_dir();
        std::fs::create_dir_all(&base)
            .map_err(|e| format!("cannot create {}: {e}", base.display()))?;
        let mut name = "pyptables-apply".to_string();
        if let Some(ns) = netns {
            name.push('@');
            name.push_str(&clean(ns));
        }
        name.push_str(".lock");
        let path = base.join(name);
        loop {
            let mut file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|e| {
                    let root = if e.kind() == std::io::ErrorKind::PermissionDenied {
                        " (apply needs root)"
                    } else {
                        ""
                    };
                    format!("cannot open the lock file {}: {e}{root}", path.display())
                })?;
            // SAFETY: flock(2) on a descriptor we own.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
                let e = std::io::Error::last_os_error();
                if e.raw_os_error() != Some(libc::EWOULDBLOCK) {
                    return Err(format!("cannot lock {}: {e}", path.display()));
                }
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => String::new(),
                    pid => format!("pid {pid}, "),
                };
                return Err(format!(
                    "another `apply` is running in this network namespace ({holder}lock {}), \
                     so nothing was changed; wait until it has finished, or confirm it if it \
                     waits for a confirmation",
                    path.display()
                ));
            }
            // Locked; but if the holder before us removed the file meanwhile, a third process
            // may lock a new one at the same path: only the file at the path counts.
            let same = match (file.metadata(), std::fs::metadata(&path)) {
                (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
                _ => false,
            };
            if !same {
                continue;
            }
            let _ = file.set_len(0);
            let _ = file.rewind();
            let _ = writeln!(file, "{}", std::process::id());
            return Ok(ApplyLock { file, path });
        }
    }
}

impl Drop for ApplyLock {
    fn drop(&mut self) {
        // Removed while still locked, then unlocked by closing.
        let _ = std::fs::remove_file(&self.path);
        let _ = &self.file;
    }
}

/// The directory where a waiting `apply --confirm` and `confirm` meet:
/// `$PYPTABLES_RUN_DIR` (default `/run`) / `pyptables-<program>[@<netns>]`.
pub(crate) fn state_dir(program: &str, netns: Option<&str>) -> PathBuf {
    let base = run_dir();
    let mut name = format!("pyptables-{}", clean(program));
    if let Some(ns) = netns {
        name.push('@');
        name.push_str(&clean(ns));
    }
    base.join(name)
}
