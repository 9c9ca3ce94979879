//! Scratch network namespaces for `check` and `diff`, and what they need from the namespace
//! the rules are meant for.
//!
//! - A scratch namespace is `pyptables-<purpose>-<pid>-<n>`, deleted when dropped. A signal
//!   that ends the process skips `Drop`, so while one exists SIGINT, SIGTERM and SIGHUP are
//!   caught (a signal that was ignored stays ignored): a thread deletes the scratch namespaces,
//!   then the signal ends the process with its default action, so the shell sees the signal.
//!   A run killed outright (SIGKILL) leaves its namespace behind; the next scratch namespace
//!   deletes those whose process is gone.
//! - Rules may refer to ipsets (`-m set --match-set NAME`, `-j SET --add-set NAME`). Sets
//!   live in a network namespace and iptables refuses a rule naming a set that is not there,
//!   so the scratch namespace gets each set the rules name, created like the one in the
//!   namespace the rules are for (`ipset save NAME`, without its members).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use pyptables_catalog::Family;

use crate::firewall::Firewall;
use crate::restore::command_in;
use crate::Style;

/// Where `ip netns` keeps the names of network namespaces (iproute2's `NETNS_RUN_DIR`).
const NETNS_DIR: &str = "/var/run/netns";

/// The purposes a scratch namespace is made for; only these are cleaned up as stale.
const PURPOSES: [&str; 2] = ["check", "diff"];

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A network namespace of our own, deleted (with its rules and sets) when dropped or when
/// SIGINT, SIGTERM or SIGHUP end the process.
pub(crate) struct ScratchNetns {
    name: String,
}

impl ScratchNetns {
    /// Creates `pyptables-<purpose>-<pid>-<n>`, first deleting the scratch namespaces of runs
    /// that are gone.
    pub(crate) fn new(purpose: &str) -> Result<ScratchNetns, String> {
        remove_stale();
        let name = format!(
            "pyptables-{purpose}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        // Registered before it exists, so that no signal can come between the two.
        register(&name)?;
        let scratch = ScratchNetns { name };
        let out = Command::new("ip")
            .args(["netns", "add", &scratch.name])
            .output()
            .map_err(|e| format!("cannot run `ip netns add`: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`ip netns add {}` failed: {}",
                scratch.name,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(scratch)
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for ScratchNetns {
    fn drop(&mut self) {
        delete(&self.name);
        unregister(&self.name);
    }
}

fn delete(name: &str) {
    let _ = Command::new("ip")
        .args(["netns", "del", name])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The pid in a scratch namespace's name, `None` for any other name.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix("pyptables-")?;
    let (purpose, rest) = rest.split_once('-')?;
    if !PURPOSES.contains(&purpose) {
        return None;
    }
    let (pid, n) = rest.split_once('-')?;
    n.parse::<usize>().ok()?;
    pid.parse().ok()
}

/// Deletes the scratch namespaces whose process no longer runs (killed by SIGKILL, or by a
/// version without the signal handling).
fn remove_stale() {
    let Ok(entries) = fs::read_dir(NETNS_DIR) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(pid) = owner_pid(&name) {
            if !Path::new("/proc").join(pid.to_string()).exists() {
                delete(&name);
            }
        }
    }
}

/// The scratch namespaces that exist now, for the signal thread.
static LIVE: Mutex<Vec<String>> = Mutex::new(Vec::new());
/// The write end of the pipe the signal handler writes the signal number to.
static PIPE: AtomicI32 = AtomicI32::new(-1);
/// The dispositions the handlers replaced, put back when the last namespace is gone.
static PREVIOUS: Mutex<Vec<(libc::c_int, libc::sigaction)>> = Mutex::new(Vec::new());

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(signal: libc::c_int) {
    let fd = PIPE.load(Ordering::SeqCst);
    if fd >= 0 {
        let byte = signal as u8;
        // SAFETY: write(2) is async-signal-safe; the buffer is one valid byte.
        unsafe {
            libc::write(fd, (&byte as *const u8).cast(), 1);
        }
    }
}

/// Starts, once, the thread that cleans up after a signal: it reads the signal number from
/// the pipe, deletes the live scratch namespaces, and lets the signal end the process.
fn start_signal_thread() -> Result<(), String> {
    static STARTED: OnceLock<Result<(), String>> = OnceLock::new();
    STARTED
        .get_or_init(|| {
            let mut fds = [0 as libc::c_int; 2];
            // SAFETY: `fds` has room for the two descriptors pipe2(2) returns.
            if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
                return Err(format!(
                    "cannot create a pipe: {}",
                    std::io::Error::last_os_error()
                ));
            }
            let read_end = fds[0];
            std::thread::Builder::new()
                .name("pyptables-scratch-signals".into())
                .spawn(move || loop {
                    let mut byte = 0u8;
                    // SAFETY: reads one byte into a valid buffer from our own pipe.
                    let n = unsafe { libc::read(read_end, (&mut byte as *mut u8).cast(), 1) };
                    if n == 1 {
                        // Held until the process ends: the command, whose restore program
                        // the same signal may have killed, cannot report that as an error.
                        let _quiet = std::io::stderr().lock();
                        let live = LIVE.lock().map(|l| l.clone()).unwrap_or_default();
                        for name in &live {
                            delete(name);
                        }
                        let signal = libc::c_int::from(byte);
                        // SAFETY: the default disposition, then the signal again: the process
                        // ends the way the signal would have ended it.
                        unsafe {
                            libc::signal(signal, libc::SIG_DFL);
                            libc::raise(signal);
                        }
                    } else if n == 0 {
                        return;
                    }
                })
                .map_err(|e| format!("cannot start a thread: {e}"))?;
            PIPE.store(fds[1], Ordering::SeqCst);
            Ok(())
        })
        .clone()
}

fn register(name: &str) -> Result<(), String> {
    start_signal_thread()?;
    let mut live = LIVE
        .lock()
        .map_err(|_| "the scratch namespace list is poisoned")?;
    if live.is_empty() {
        let mut previous = PREVIOUS.lock().map_err(|_| "the signal list is poisoned")?;
        for signal in SIGNALS {
            // SAFETY: sigaction(2) with valid pointers; a zeroed struct is a valid start, and
            // the handler only writes to a pipe, which is async-signal-safe.
            unsafe {
                let mut old: libc::sigaction = std::mem::zeroed();
                libc::sigaction(signal, std::ptr::null(), &mut old);
                if old.sa_sigaction == libc::SIG_IGN {
                    // Ignored on purpose (nohup): it stays ignored.
                    continue;
                }
                let mut new: libc::sigaction = std::mem::zeroed();
                new.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
                new.sa_flags = libc::SA_RESTART;
                libc::sigemptyset(&mut new.sa_mask);
                libc::sigaction(signal, &new, std::ptr::null_mut());
                previous.push((signal, old));
            }
        }
    }
    live.push(name.to_string());
    Ok(())
}

fn unregister(name: &str) {
    let Ok(mut live) = LIVE.lock() else {
        return;
    };
    live.retain(|n| n != name);
    if live.is_empty() {
        if let Ok(mut previous) = PREVIOUS.lock() {
            for (signal, old) in previous.drain(..) {
                // SAFETY: puts back the action that was there before.
                unsafe { libc::sigaction(signal, &old, std::ptr::null_mut()) };
            }
        }
    }
}

/// Fails unless the network namespace `name` exists (as `ip netns exec` finds it: a name in
/// `/var/run/netns`, or a path).
pub(crate) fn require_netns(name: &str) -> Result<(), String> {
    let path = if name.contains('/') {
        PathBuf::from(name)
    } else {
        Path::new(NETNS_DIR).join(name)
    };
    if path.exists() {
        Ok(())
    } else {
        Err(format!(
            "the network namespace `{name}` does not exist (`ip netns list` names those there are)"
        ))
    }
}

/// The ipsets the rules of `families` refer to, each once, in order of appearance.
pub(crate) fn referenced_sets(fw: &Firewall, families: &[Family]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for family in families {
        let text = fw.family(*family).render(Style::Plain);
        for line in text.lines() {
            let Some(rule) = line
                .strip_prefix("-A ")
                .and_then(|l| l.split_once(' '))
                .map(|(_, rule)| rule)
            else {
                continue;
            };
            for name in pyptables_catalog::raw::set_names(rule) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }
    names
}

/// Why the sets could not be copied.
pub(crate) enum SetsError {
    /// The rules name sets that do not exist where they are meant to run (a problem of the
    /// rules: loading them there would fail too).
    Missing(String),
    /// `ipset` could not run or failed otherwise.
    Tool(String),
}

/// Creates in the scratch namespace `to` each set of `names` as it is in `from` (the host's
/// namespace when `None`): same name, type and options, no members.
pub(crate) fn copy_sets(names: &[String], from: Option<&str>, to: &str) -> Result<(), SetsError> {
    if names.is_empty() {
        return Ok(());
    }
    let ipset = Path::new("ipset");
    let mut creates = String::new();
    let mut missing = Vec::new();
    for name in names {
        let out = command_in(from, ipset)
            .args(["save", name])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                SetsError::Tool(format!(
                    "cannot run `ipset`, which the rules need for their sets ({}): {e}",
                    names.join(", ")
                ))
            })?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            if stderr.contains("does not exist") {
                missing.push(name.as_str());
                continue;
            }
            return Err(SetsError::Tool(format!(
                "`ipset save {name}` failed: {}",
                stderr.trim()
            )));
        }
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if line.starts_with("create ") {
                creates.push_str(line);
                creates.push('\n');
            }
        }
    }
    if !missing.is_empty() {
        let place = match from {
            Some(ns) => format!("in the network namespace `{ns}`"),
            None => "on this host".to_string(),
        };
        let list = missing
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let (sets, exist) = if missing.len() == 1 {
            ("ipset", "does not exist")
        } else {
            ("ipsets", "do not exist")
        };
        return Err(SetsError::Missing(format!(
            "the rules use the {sets} {list}, which {exist} {place}; create {} first \
             (`ipset create NAME TYPE`): loading the rules would fail the same way",
            if missing.len() == 1 { "it" } else { "them" }
        )));
    }
    let mut child = command_in(Some(to), ipset)
        .arg("restore")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| SetsError::Tool(format!("cannot run `ipset restore`: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(creates.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| SetsError::Tool(format!("`ipset restore` failed: {e}")))?;
    if !out.status.success() {
        return Err(SetsError::Tool(format!(
            "creating the sets in a scratch network namespace failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_scratch_names_have_an_owner() {
        assert_eq!(owner_pid("pyptables-check-1234-0"), Some(1234));
        assert_eq!(owner_pid("pyptables-diff-99-12"), Some(99));
        assert_eq!(owner_pid("pyptables-apply-99-12"), None);
        assert_eq!(owner_pid("pyptables-check-x-0"), None);
        assert_eq!(owner_pid("pyptables-check-1234"), None);
        assert_eq!(owner_pid("ptk-check-1234-0"), None);
    }
}
