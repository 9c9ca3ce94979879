//! Throw-away network namespaces: create, run things inside, load and read rules, delete.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, Once, OnceLock};
use std::thread;
use std::time::Duration;

use crate::backend::{Backend, Family};

/// Every namespace this crate creates starts with this, so stale ones can be recognised.
const PREFIX: &str = "ptk-";
/// Longest part of the namespace name taken from the test name.
const LABEL_MAX: usize = 24;

static COUNTER: AtomicU32 = AtomicU32::new(0);
/// `ip netns add` mounts `/run/netns` on first use; two of them racing can stack mounts.
static CREATE_LOCK: Mutex<()> = Mutex::new(());
static SWEEP: Once = Once::new();

/// A network namespace that exists for as long as this value does.
///
/// [`Netns::new`] creates it (`ip netns add`) and brings `lo` up. Dropping it — also while a
/// failing test unwinds — kills every process still running inside it and deletes it
/// (`ip netns del`); the kernel then destroys its interfaces, including any veth ends, and its
/// rules.
///
/// Names look like `ptk-<test name>-<pid>-<n>`: unique per process and per call, and
/// recognisable, so that namespaces left behind by a killed test process are deleted the next
/// time a `Netns` is created (see [`remove_stale_namespaces`]).
#[derive(Debug)]
pub struct Netns {
    name: String,
    backend: Mutex<Option<Backend>>,
    children: Mutex<Vec<Child>>,
}

impl Netns {
    /// Creates a fresh namespace named after `test_name` with only `lo`, which is up.
    pub fn new(test_name: &str) -> io::Result<Netns> {
        SWEEP.call_once(|| {
            // Best effort: a failure here must not stop the test that triggered it.
            let _ = remove_stale_namespaces();
        });
        let name = format!(
            "{PREFIX}{}-{}-{}",
            sanitise(test_name),
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        {
            let _guard = CREATE_LOCK.lock().unwrap_or_else(|e| e.into_inner());
            let out = Command::new(tool("ip"))
                .args(["netns", "add", &name])
                .output()?;
            if !out.status.success() {
                return Err(io::Error::other(format!(
                    "ip netns add {name} failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
        }
        // From here on the guard exists, so any early return deletes the namespace again.
        let ns = Netns {
            name,
            backend: Mutex::new(None),
            children: Mutex::new(Vec::new()),
        };
        ns.ip(&["link", "set", "lo", "up"])
            .map_err(io::Error::other)?;
        Ok(ns)
    }

    /// The namespace's name, as `ip netns list` shows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `/run/netns/<name>`, the handle `setns(2)` takes.
    pub fn path(&self) -> PathBuf {
        Path::new("/run/netns").join(&self.name)
    }

    /// Runs `program args…` inside the namespace (`ip netns exec`) and collects its output.
    ///
    /// The program is looked up in `PATH` and then in the `sbin` directories, so `iptables`
    /// is found even when `PATH` lacks `/usr/sbin`.
    pub fn exec<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> io::Result<Output> {
        self.command(program, args).output()
    }

    /// Like [`exec`](Self::exec), but a non-zero exit is an error: `Ok` holds stdout, `Err`
    /// names the command and holds its exit status and stderr.
    pub fn exec_ok<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> Result<String, String> {
        let out = self
            .exec(program, args)
            .map_err(|e| format!("{}: cannot run {program}: {e}", self.name))?;
        checked(&self.name, program, args, out)
    }

    /// Runs `ip args…` against this namespace (`ip -n <name> args…`).
    pub fn ip<S: AsRef<OsStr>>(&self, args: &[S]) -> Result<String, String> {
        let out = Command::new(tool("ip"))
            .arg("-n")
            .arg(&self.name)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: cannot run ip: {e}", self.name))?;
        checked(&self.name, "ip", args, out)
    }

    /// Runs several `ip` commands in one process (`ip -n <name> -batch -`), one a line, e.g.
    /// `"addr add 192.0.2.1/24 dev eth0"`.
    pub fn ip_batch(&self, commands: &[String]) -> Result<(), String> {
        if commands.is_empty() {
            return Ok(());
        }
        let mut script = commands.join("\n");
        script.push('\n');
        let mut cmd = Command::new(tool("ip"));
        cmd.arg("-n").arg(&self.name).args(["-batch", "-"]);
        let out = feed(cmd, &script).map_err(|e| format!("{}: cannot run ip: {e}", self.name))?;
        checked(&self.name, "ip -batch", &[script.as_str()], out).map(drop)
    }

    /// Starts `program args…` inside the namespace in the background and returns its pid.
    ///
    /// The process is killed when the namespace is dropped, if it has not ended by then.
    pub fn spawn<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> io::Result<u32> {
        let child = self
            .command(program, args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let pid = child.id();
        self.children
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(child);
        Ok(pid)
    }

    /// Runs `f` on a new thread that has entered this namespace, and returns its result.
    ///
    /// Sockets created by `f` live in this namespace. The thread ends before `run` returns; a
    /// panic in `f` is passed on to the caller.
    pub fn run<F, R>(&self, f: F) -> io::Result<R>
    where
        F: FnOnce() -> R + Send,
        R: Send,
    {
        thread::scope(|s| {
            s.spawn(|| {
                self.enter_current_thread()?;
                Ok(f())
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Moves the calling thread into this namespace for good.
    ///
    /// Only for threads made for that purpose (see [`run`](Self::run)); never call it on a
    /// test's own thread.
    pub(crate) fn enter_current_thread(&self) -> io::Result<()> {
        let file = File::open(self.path())?;
        // SAFETY: setns only reads the descriptor, which `file` keeps open for the call.
        let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        if rc == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }

    /// Sets a sysctl of this namespace, e.g. `sysctl("net.ipv4.ip_forward", "1")`.
    ///
    /// Only `net.*` keys are namespaced; this refuses any other.
    pub fn sysctl(&self, key: &str, value: &str) -> io::Result<()> {
        if !key.starts_with("net.") || key.contains('/') || key.contains("..") {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{key}: only net.* sysctls belong to a network namespace"),
            ));
        }
        let path = Path::new("/proc/sys").join(key.replace('.', "/"));
        // /proc/sys/net resolves against the opening thread's namespace.
        self.run(|| std::fs::write(&path, value))?.map_err(|e| {
            io::Error::new(e.kind(), format!("{}: {}: {e}", self.name, path.display()))
        })
    }

    /// Turns on IPv4 and IPv6 forwarding in this namespace.
    pub fn enable_forwarding(&self) -> io::Result<()> {
        self.sysctl("net.ipv4.ip_forward", "1")?;
        self.sysctl("net.ipv6.conf.all.forwarding", "1")
    }

    /// Loads `text` with `<backend>-restore` for `family`, feeding it on stdin.
    ///
    /// `-w` (wait for the xtables lock, which the legacy backend shares between all
    /// namespaces) is always passed; `extra_args` follow it, e.g. `&["--noflush"]` or
    /// `&["--test"]`. `Err` holds the tool's stderr (and its exit status).
    pub fn restore(
        &self,
        backend: Backend,
        family: Family,
        text: &str,
        extra_args: &[&str],
    ) -> Result<(), String> {
        self.claim(backend)?;
        let program = backend.restore_bin(family);
        let mut args = vec!["-w"];
        args.extend_from_slice(extra_args);
        let out = feed(self.command(program, &args), text)
            .map_err(|e| format!("{}: cannot run {program}: {e}", self.name))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{program} {} exited with {} in {}: {}",
                args.join(" "),
                out.status,
                self.name,
                String::from_utf8_lossy(&out.stderr).trim_end()
            ))
        }
    }

    /// The ruleset as `<backend>-save` prints it, normalised by [`normalise_save`] so that it
    /// can be compared with an expected text.
    pub fn save(&self, backend: Backend, family: Family) -> io::Result<String> {
        self.save_with(backend, family, &[])
    }

    /// One table of the ruleset (`-t table`), normalised like [`save`](Self::save).
    pub fn save_table(&self, backend: Backend, family: Family, table: &str) -> io::Result<String> {
        self.save_with(backend, family, &["-t", table])
    }

    fn save_with(&self, backend: Backend, family: Family, args: &[&str]) -> io::Result<String> {
        self.claim(backend).map_err(io::Error::other)?;
        self.exec_ok(backend.save_bin(family), args)
            .map(|out| normalise_save(&out))
            .map_err(io::Error::other)
    }

    /// Runs `iptables`/`ip6tables`/`iptables-legacy`/… with `-w` and `args`, returning stdout
    /// or an error holding stderr. Handy for `-L`, `-C`, `-Z` and one-off changes.
    pub fn iptables(
        &self,
        backend: Backend,
        family: Family,
        args: &[&str],
    ) -> Result<String, String> {
        self.claim(backend)?;
        let mut all = vec!["-w"];
        all.extend_from_slice(args);
        self.exec_ok(backend.iptables_bin(family), &all)
    }

    /// The backend that has touched this namespace's rules so far, if any.
    pub fn backend(&self) -> Option<Backend> {
        *self.backend.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records `backend` as this namespace's backend, or refuses a second, different one.
    fn claim(&self, backend: Backend) -> Result<(), String> {
        let mut used = self.backend.lock().unwrap_or_else(|e| e.into_inner());
        match *used {
            Some(b) if b != backend => Err(format!(
                "{}: already uses the {b} backend; iptables-nft and iptables-legacy must not be \
                 mixed in one namespace (make another namespace for the {backend} backend)",
                self.name
            )),
            _ => {
                *used = Some(backend);
                Ok(())
            }
        }
    }

    fn command<S: AsRef<OsStr>>(&self, program: &str, args: &[S]) -> Command {
        let mut cmd = Command::new(tool("ip"));
        cmd.args(["netns", "exec", &self.name])
            .arg(tool(program))
            .args(args);
        cmd
    }

    fn kill_everything(&self) {
        let mut children = self.children.lock().unwrap_or_else(|e| e.into_inner());
        for child in children.iter_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        children.clear();
        // Anything else still in the namespace (e.g. started through `exec` and detached).
        let me = std::process::id();
        for _ in 0..3 {
            let Ok(out) = Command::new(tool("ip"))
                .args(["netns", "pids", &self.name])
                .output()
            else {
                return;
            };
            let pids: Vec<i32> = String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .filter_map(|p| p.parse().ok())
                .filter(|&p| p > 1 && p as u32 != me)
                .collect();
            if pids.is_empty() {
                return;
            }
            for pid in pids {
                // SAFETY: kill(2) with a pid read from `ip netns pids` for our namespace.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                }
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        self.kill_everything();
        for attempt in 0..5 {
            match Command::new(tool("ip"))
                .args(["netns", "del", &self.name])
                .stderr(Stdio::piped())
                .output()
            {
                Ok(out) if out.status.success() => return,
                Ok(out) if attempt == 4 => eprintln!(
                    "warning: could not delete network namespace {}: {}",
                    self.name,
                    String::from_utf8_lossy(&out.stderr).trim()
                ),
                Err(e) if attempt == 4 => eprintln!(
                    "warning: could not delete network namespace {}: {e}",
                    self.name
                ),
                _ => thread::sleep(Duration::from_millis(50)),
            }
        }
    }
}

/// Deletes namespaces named like this crate's whose creating process no longer exists
/// (left behind when a test process was killed before its guards ran). Returns their names.
///
/// Runs once per process automatically, before the first [`Netns::new`].
pub fn remove_stale_namespaces() -> io::Result<Vec<String>> {
    let out = Command::new(tool("ip")).args(["netns", "list"]).output()?;
    let mut removed = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(pid) = owner_pid(name) else {
            continue;
        };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let del = Command::new(tool("ip"))
            .args(["netns", "del", name])
            .output()?;
        if del.status.success() {
            removed.push(name.to_string());
        }
    }
    Ok(removed)
}

/// The pid embedded in a name made by [`Netns::new`], or `None` for any other name.
fn owner_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let mut parts = rest.rsplitn(3, '-');
    let counter = parts.next()?;
    let pid = parts.next()?;
    parts.next()?;
    counter.parse::<u32>().ok()?;
    pid.parse().ok()
}

/// Keeps `[A-Za-z0-9_-]` of a test name (others become `_`), at most [`LABEL_MAX`] chars.
fn sanitise(test_name: &str) -> String {
    let mut label: String = test_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(LABEL_MAX)
        .collect();
    if label.is_empty() {
        label.push_str("test");
    }
    label
}

/// Strips what differs between two saves of the same ruleset: `#` comment lines (generator,
/// date, warnings) and packet/byte counters (`:INPUT ACCEPT [12:3456]` → `:INPUT ACCEPT`,
/// `[1:60] -A …` → `-A …`). Trailing blanks are trimmed; every line ends with `\n`.
///
/// Apply it to expected texts too, e.g. a restore file with `[0:0]` counters.
pub fn normalise_save(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let mut line = line.trim_end();
        if line.starts_with('[') {
            if let Some(end) = line.find("] ") {
                if is_counters(&line[1..end]) {
                    line = &line[end + 2..];
                }
            }
        }
        if line.starts_with(':') && line.ends_with(']') {
            if let Some(start) = line.rfind(" [") {
                if is_counters(&line[start + 2..line.len() - 1]) {
                    line = &line[..start];
                }
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_counters(s: &str) -> bool {
    match s.split_once(':') {
        Some((p, b)) => {
            !p.is_empty()
                && !b.is_empty()
                && p.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Panics with instructions unless the process is root and `ip` plus every iptables binary of
/// both backends can be found.
///
/// Kernel tests are `#[ignore]`d; when someone does run them they must fail loudly rather than
/// pass without having tested anything, so call this first in each one.
#[track_caller]
pub fn require_root_and_iptables() {
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    assert!(
        euid == 0,
        "kernel tests need root (network namespaces, iptables); run them as root: \
         `sudo -E cargo test -- --include-ignored` (effective uid is {euid})"
    );
    let mut missing: Vec<&str> = Vec::new();
    if find_tool("ip").is_none() {
        missing.push("ip");
    }
    for backend in Backend::ALL {
        for bin in backend.binaries() {
            if find_tool(bin).is_none() {
                missing.push(bin);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "kernel tests need iproute2 and iptables with both backends (Debian: \
         `apt-get install iproute2 iptables`); not found in PATH or /usr/sbin, /sbin: {}",
        missing.join(", ")
    );
    static BACKENDS: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(e) = BACKENDS.get_or_init(check_backend_binaries) {
        panic!("{e}");
    }
}

/// Checks that the plain names really are the nf_tables variants and the `-legacy` names the
/// legacy ones: on Debian the plain names are alternatives that can point to either.
fn check_backend_binaries() -> Result<(), String> {
    for (backend, expected) in [(Backend::Nft, "(nf_tables)"), (Backend::Legacy, "(legacy)")] {
        for family in Family::ALL {
            let bin = backend.restore_bin(family);
            let out = Command::new(tool(bin))
                .arg("--version")
                .output()
                .map_err(|e| format!("cannot run {bin} --version: {e}"))?;
            let version = String::from_utf8_lossy(&out.stdout);
            if !version.contains(expected) {
                return Err(format!(
                    "{bin} is not the {backend} backend (it says {:?}); the plain iptables names \
                     must point to the nf_tables variants: `update-alternatives --set iptables \
                     /usr/sbin/iptables-nft` and `update-alternatives --set ip6tables \
                     /usr/sbin/ip6tables-nft`",
                    version.trim()
                ));
            }
        }
    }
    Ok(())
}

/// Where `program` is: `PATH` first, then the `sbin` directories that a non-login `PATH` may
/// lack. Names containing `/` are returned as given.
pub fn find_tool(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

fn tool(program: &str) -> PathBuf {
    find_tool(program).unwrap_or_else(|| PathBuf::from(program))
}

/// Runs `cmd` with `input` on stdin, written from a second thread so that a command that
/// writes a lot before reading everything cannot deadlock.
fn feed(mut cmd: Command, input: &str) -> io::Result<Output> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    thread::scope(|s| {
        let writer = s.spawn(move || {
            // A tool that exits early closes the pipe; its exit status tells why.
            let _ = stdin.write_all(input.as_bytes());
        });
        let out = child.wait_with_output();
        let _ = writer.join();
        out
    })
}

fn checked<S: AsRef<OsStr>>(
    ns: &str,
    program: &str,
    args: &[S],
    out: Output,
) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let args: Vec<_> = args
            .iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect();
        Err(format!(
            "{program} {} exited with {} in {ns}: {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_drops_comments_and_counters() {
        let saved = "# Generated by iptables-save v1.8.9 (nf_tables) on Wed Nov 25 23:44:02 2026\n\
                     *filter\n\
                     :INPUT DROP [12:3456]\n\
                     :MYCHAIN - [0:0]\n\
                     [3:180] -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n\
                     -A INPUT -m comment --comment \"[1:2] stays\" -j MYCHAIN\n\
                     COMMIT\n\
                     # Completed on Wed Nov 25 23:44:02 2026\n";
        assert_eq!(
            normalise_save(saved),
            "*filter\n:INPUT DROP\n:MYCHAIN -\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n\
             -A INPUT -m comment --comment \"[1:2] stays\" -j MYCHAIN\nCOMMIT\n"
        );
    }

    #[test]
    fn names_embed_the_pid_and_only_ours_are_recognised() {
        assert_eq!(owner_pid("ptk-lan_reaches_dmz-4242-7"), Some(4242));
        assert_eq!(owner_pid("ptk-with-dashes-in-it-4242-7"), Some(4242));
        assert_eq!(owner_pid("ptk-4242-7"), None);
        assert_eq!(owner_pid("other-lan-4242-7"), None);
        assert_eq!(owner_pid("ptk-x-notapid-7"), None);
    }

    #[test]
    fn sanitise_keeps_names_short_and_plain() {
        assert_eq!(sanitise("tests::lan reaches/dmz"), "tests__lan_reaches_dmz");
        assert_eq!(sanitise(""), "test");
        assert_eq!(sanitise(&"x".repeat(100)).len(), LABEL_MAX);
    }
}
