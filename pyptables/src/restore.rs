//! Applying rules through `iptables-restore` / `ip6tables-restore`.
//!
//! The whole ruleset goes to the kernel in one `iptables-restore` run, which the kernel applies
//! atomically per table: if any line is refused, the previous rules stay in place, whole.
//!
//! Each program runs in a process group of its own: a Ctrl-C or a hang-up meant for the caller
//! does not kill it half-way, and when it overruns [`RestoreOptions::timeout`] the whole group
//! (a wrapper script and what it started, too) is killed.

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use pyptables_catalog::Family;

use crate::error::{RestoreError, RuleRef};
use crate::model::Tables;
use crate::render::{LineSource, Style};

/// Which `iptables-restore` to run.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Backend {
    /// The distribution's default (`iptables-restore`, nf_tables on current systems).
    #[default]
    Default,
    /// The nf_tables backend explicitly (`iptables-nft-restore`).
    Nft,
    /// The legacy backend (`iptables-legacy-restore`).
    Legacy,
    /// An explicit program (used for both families).
    Path(PathBuf),
}

impl Backend {
    /// The program for `family`.
    #[must_use]
    pub fn restore_program(&self, family: Family) -> PathBuf {
        let six = if family == Family::V6 { "6" } else { "" };
        match self {
            Backend::Default => format!("ip{six}tables-restore").into(),
            Backend::Nft => format!("ip{six}tables-nft-restore").into(),
            Backend::Legacy => format!("ip{six}tables-legacy-restore").into(),
            Backend::Path(p) => p.clone(),
        }
    }

    /// The matching `iptables-save` program for `family` (`None` for an explicit path).
    #[must_use]
    pub fn save_program(&self, family: Family) -> Option<PathBuf> {
        let six = if family == Family::V6 { "6" } else { "" };
        match self {
            Backend::Default => Some(format!("ip{six}tables-save").into()),
            Backend::Nft => Some(format!("ip{six}tables-nft-save").into()),
            Backend::Legacy => Some(format!("ip{six}tables-legacy-save").into()),
            Backend::Path(_) => None,
        }
    }
}

/// How to run `iptables-restore`.
///
/// ```
/// use pyptables::{Backend, RestoreOptions};
/// let opts = RestoreOptions { backend: Backend::Legacy, ..RestoreOptions::default() };
/// assert!(opts.wait && !opts.test && !opts.noflush && opts.timeout.is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RestoreOptions {
    /// `--test`: only parse the rules, change nothing. Note that this does **not** ask the
    /// kernel: MASQUERADE in the filter table, jump loops and (with nf_tables) jumps to
    /// undefined chains all pass. Only a real load gives the kernel's verdict — for that, load
    /// into a scratch network namespace (see [`RestoreOptions::netns`]).
    pub test: bool,
    /// `--noflush`: keep the tables' existing rules and add these.
    pub noflush: bool,
    /// `--wait`: wait for the xtables lock instead of failing (default on).
    pub wait: bool,
    /// Which program.
    pub backend: Backend,
    /// Run inside this named network namespace (`ip netns exec NAME …`).
    pub netns: Option<String>,
    /// Skip [`Tables::validate`] before running (default: validate, and refuse on problems).
    pub skip_validation: bool,
    /// Kill the program (and everything it started) when it has not finished after this long,
    /// and fail with [`RestoreError::TimedOut`]; `None` (the default) waits as long as it
    /// takes. `--wait` makes iptables wait for the xtables lock without limit, so a program
    /// holding that lock can make a load hang.
    pub timeout: Option<Duration>,
    /// Replace running tables even when they hold chains of well-known other software
    /// (Docker, fail2ban, Kubernetes, …; see
    /// [`FOREIGN_OWNERS`](pyptables_catalog::preserve::FOREIGN_OWNERS)) that the table neither
    /// defines nor [`preserve`](crate::Table::preserve)s, and would delete. Default `false`: such a load is
    /// refused with [`RestoreError::ForeignChains`]. (With [`Backend::Path`] and no
    /// [`save_program`](RestoreOptions::save_program) the running tables cannot be read, and
    /// nothing is refused.)
    pub replace_foreign: bool,
    /// The `iptables-save` that goes with [`Backend::Path`] (which has none of its own), for
    /// saving the running tables: tables with `preserve` patterns need it, and so do the
    /// refusal of other software's chains and the rollback of a ruleset of several tables.
    /// Ignored with the other backends.
    pub save_program: Option<PathBuf>,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        RestoreOptions {
            test: false,
            noflush: false,
            wait: true,
            backend: Backend::Default,
            netns: None,
            skip_validation: false,
            timeout: None,
            replace_foreign: false,
            save_program: None,
        }
    }
}

impl RestoreOptions {
    pub(crate) fn command(&self, program: &std::path::Path) -> Command {
        let mut cmd = command_in(self.netns.as_deref(), program);
        if self.test {
            cmd.arg("--test");
        }
        if self.noflush {
            cmd.arg("--noflush");
        }
        if self.wait {
            cmd.arg("--wait");
        }
        cmd
    }
}

/// `program`, run inside the named network namespace `netns` when given (`ip netns exec`).
pub(crate) fn command_in(netns: Option<&str>, program: &std::path::Path) -> Command {
    match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Applies `tables` with the default options: validate, then one `iptables-restore --wait`
/// (or `ip6tables-restore` for IPv6 tables) with the text on standard input.
pub fn restore(tables: &Tables) -> Result<(), RestoreError> {
    tables.restore(&RestoreOptions::default())
}

impl Tables {
    /// Applies these tables with `options` (see [`restore`]).
    ///
    /// `iptables-restore` commits table by table: when a later table is refused, the earlier
    /// ones are already applied. So, unless only testing, when this ruleset names more than one
    /// table the running tables it names are saved first (with the backend's `iptables-save`) and, when the kernel refuses the new
    /// rules, loaded back — the previous rules stay in place, whole. With
    /// [`Backend::Path`] there is no matching save program and no such rollback.
    ///
    /// A table with [`preserve`](crate::Table::preserve) patterns replaces only what it owns:
    /// its running table is saved and the other software's chains, the jumps to them and the
    /// built-in chains the table does not name are copied into the same load (see the README,
    /// "Sharing the host"). A table without patterns whose running table holds chains of
    /// well-known other software is refused ([`RestoreError::ForeignChains`]) unless
    /// [`RestoreOptions::replace_foreign`].
    pub fn restore(&self, options: &RestoreOptions) -> Result<(), RestoreError> {
        if !options.skip_validation {
            self.validate().map_err(RestoreError::Invalid)?;
        }
        let program = options.backend.restore_program(self.family());
        let live = !options.test && !options.noflush;
        let preserving = self.iter().any(|t| !t.preserved().is_empty());
        // The running tables, counters included: what other software owns is copied from
        // them, they show chains a load would delete, and they are what a rollback loads.
        // (Only a single table replaced regardless of what runs needs none of that.)
        let needed = preserving || !options.replace_foreign || self.iter().nth(1).is_some();
        let saved = if live && needed {
            self.save_running(options)?
        } else {
            None
        };
        if live && preserving && saved.is_none() {
            let table = self.iter().find(|t| !t.preserved().is_empty());
            return Err(RestoreError::NoSaveProgram {
                table: table.map(|t| t.name().to_string()).unwrap_or_default(),
                program,
            });
        }
        if let (Some(saved), false) = (&saved, options.replace_foreign) {
            self.refuse_foreign(saved)?;
        }
        // Plain text for the kernel; the line map (what each line came from) is only needed to
        // explain a refusal, so it is built then — rendering is deterministic.
        let rendered = self.render(Style::Plain);
        // With `--noflush` nothing but the user chains named is replaced anyway; an empty
        // declaration of a preserved chain there would flush it.
        let input = if preserving && !options.noflush {
            Some(self.preserving_input(&rendered, saved.as_deref().unwrap_or_default()))
        } else {
            None
        };
        let (text, from) = match &input {
            Some(m) => (m.text.as_str(), Some(&m.from)),
            None => (rendered.as_str(), None),
        };
        // Copied lines carry their counters.
        let extra: &[&str] = if preserving && live {
            &["--counters"]
        } else {
            &[]
        };
        let result = run_restore_with(options, &program, text, extra).map_err(|e| match e {
            RestoreError::Rejected {
                program,
                line,
                message,
                ..
            } => {
                let rendered = self.render_mapped(Style::Plain);
                // A line copied from the running table is no line of these rules.
                let own = match from {
                    Some(from) => line.and_then(|l| from.get(l.checked_sub(1)?).copied().flatten()),
                    None => line,
                };
                let rule = own
                    .and_then(|l| rendered.source_of(l))
                    .and_then(rule_ref)
                    .map(Box::new);
                RestoreError::Rejected {
                    program,
                    line,
                    rule,
                    message,
                }
            }
            e => e,
        });
        // One table is committed atomically by the kernel: only with several tables can a
        // refusal leave some of them applied and need the rollback.
        match (result, saved) {
            (Err(error @ RestoreError::Rejected { .. }), Some(saved))
                if self.iter().nth(1).is_some() =>
            {
                let back = RestoreOptions {
                    test: false,
                    noflush: false,
                    ..options.clone()
                };
                let text = if preserving {
                    match self.save_running(options) {
                        Ok(Some(current)) => {
                            crate::preserve::rollback_input(&saved, &current, self)
                        }
                        Ok(None) => saved,
                        Err(rollback) => {
                            return Err(RestoreError::RollbackFailed {
                                error: Box::new(error),
                                rollback: Box::new(rollback),
                            })
                        }
                    }
                } else {
                    saved
                };
                match run_restore_with(&back, &program, &text, &["--counters"]) {
                    Ok(()) => Err(error),
                    Err(rollback) => Err(RestoreError::RollbackFailed {
                        error: Box::new(error),
                        rollback: Box::new(rollback),
                    }),
                }
            }
            (result, _) => result,
        }
    }

    /// [`RestoreError::ForeignChains`] for the first table whose running table (in `saved`)
    /// holds chains of well-known other software that loading it would delete: chains it
    /// neither defines nor preserves.
    pub(crate) fn refuse_foreign(&self, saved: &str) -> Result<(), RestoreError> {
        let running = crate::preserve::parse(saved);
        for table in self.iter() {
            let Some(r) = running.iter().find(|r| r.name == table.name()) else {
                continue;
            };
            let patterns = table.preserved().iter().map(String::as_str);
            let chains: Vec<&str> = crate::preserve::well_known_foreign(r)
                .into_iter()
                .filter(|c| {
                    table.chain(c).is_none()
                        && !pyptables_catalog::preserve::any_matches(patterns.clone(), c)
                })
                .collect();
            if !chains.is_empty() {
                return Err(RestoreError::ForeignChains {
                    family: self.family(),
                    table: table.name().to_string(),
                    preserve: pyptables_catalog::preserve::preserve_line(chains.iter().copied()),
                    chains: chains.iter().map(|c| c.to_string()).collect(),
                });
            }
        }
        Ok(())
    }

    /// The plain text, loadable on its own: a table with `preserve` patterns also declares
    /// (empty) the preserved chains its rules jump to, which the other software has not
    /// created yet when this text is loaded at boot.
    pub(crate) fn standalone_text(&self) -> String {
        let rendered = self.render(Style::Plain);
        if self.iter().all(|t| t.preserved().is_empty()) {
            return rendered;
        }
        self.preserving_input(&rendered, "").text
    }

    /// The restore input when some table preserves: those tables merged with their running
    /// tables in `saved`, the others as rendered (`rendered` is the plain rendering).
    fn preserving_input(&self, rendered: &str, saved: &str) -> crate::preserve::Merged {
        use crate::preserve::{merge, parse, scope_of, Merged};
        let desired = parse(rendered);
        let running = parse(saved);
        let mut out = Merged::default();
        let mut skip = false;
        for (i, line) in rendered.lines().enumerate() {
            if let Some(name) = line.strip_prefix('*') {
                let name = name.trim();
                let scope = scope_of(self, name);
                let d = desired.iter().find(|d| d.name == name);
                if let (Some(scope), Some(d)) = (scope, d) {
                    merge(d, running.iter().find(|r| r.name == name), &scope, &mut out);
                    skip = true;
                    continue;
                }
            }
            if skip {
                skip = line.trim_end() != "COMMIT";
                continue;
            }
            out.text.push_str(line);
            out.text.push('\n');
            out.from.push(Some(i + 1));
        }
        out
    }

    /// The running rules of the tables this ruleset names, as `iptables-save` prints them, or
    /// `None` when the backend has no save program.
    fn save_running(&self, options: &RestoreOptions) -> Result<Option<String>, RestoreError> {
        let save = match (&options.backend, &options.save_program) {
            (Backend::Path(_), Some(p)) => p.clone(),
            (backend, _) => match backend.save_program(self.family()) {
                Some(p) => p,
                None => return Ok(None),
            },
        };
        let mut text = String::new();
        for table in self.iter() {
            let mut cmd = command_in(options.netns.as_deref(), &save);
            cmd.args(["--counters", "-t", table.name()]);
            let out = run_bounded(cmd, &save, None, options.timeout)?;
            if !out.status.success() {
                return Err(failure(&save, &out).unwrap_or_else(|message| {
                    RestoreError::Rejected {
                        program: save.clone(),
                        line: None,
                        rule: None,
                        message,
                    }
                }));
            }
            text.push_str(&String::from_utf8_lossy(&out.stdout));
        }
        Ok(Some(text))
    }
}

pub(crate) fn rule_ref(source: &LineSource) -> Option<RuleRef> {
    match source {
        LineSource::Rule {
            table,
            chain,
            index,
            origin,
        } => Some(RuleRef {
            table: table.clone(),
            chain: Some(chain.clone()),
            index: Some(*index),
            origin: *origin,
        }),
        LineSource::Chain {
            table,
            chain,
            origin,
        } => Some(RuleRef {
            table: table.clone(),
            chain: Some(chain.clone()),
            index: None,
            origin: *origin,
        }),
        LineSource::Table { table, origin } => Some(RuleRef {
            table: table.clone(),
            chain: None,
            index: None,
            origin: *origin,
        }),
        LineSource::Other => None,
    }
}

/// Runs a restore program on `text` with `extra_args`; on refusal returns `Rejected` with the
/// line it named.
pub(crate) fn run_restore_with(
    options: &RestoreOptions,
    program: &std::path::Path,
    text: &str,
    extra_args: &[&str],
) -> Result<(), RestoreError> {
    let mut cmd = options.command(program);
    cmd.args(extra_args);
    let output = run_bounded(cmd, program, Some(text), options.timeout)?;
    if output.status.success() {
        return Ok(());
    }
    let message = match failure(program, &output) {
        Ok(e) => return Err(e),
        Err(message) => message,
    };
    let lower = message.to_ascii_lowercase();
    if lower.contains("permission denied")
        || lower.contains("operation not permitted")
        || lower.contains("you must be root")
    {
        return Err(RestoreError::PermissionDenied {
            program: program.to_path_buf(),
            message,
        });
    }
    if options.netns.is_some()
        && (lower.contains("executable file not found")
            || lower.contains("no such file or directory"))
        && lower.contains("exec of")
    {
        return Err(RestoreError::NotFound {
            program: program.to_path_buf(),
        });
    }
    Err(RestoreError::Rejected {
        program: program.to_path_buf(),
        line: error_line(&message),
        rule: None,
        message,
    })
}

/// Runs `cmd` in a process group of its own with `input` on its standard input (or none),
/// collecting its output; after `timeout` the whole group is killed.
pub(crate) fn run_bounded(
    mut cmd: Command,
    program: &std::path::Path,
    input: Option<&str>,
    timeout: Option<Duration>,
) -> Result<Output, RestoreError> {
    let io_err = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            RestoreError::NotFound {
                program: program.to_path_buf(),
            }
        } else {
            RestoreError::Io {
                program: program.to_path_buf(),
                source,
            }
        }
    };
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    // Signals sent to the caller's process group (Ctrl-C, a terminal hang-up) must not stop
    // a load or a rollback half-way; the caller decides what to do about them.
    .process_group(0);
    let mut child = cmd.spawn().map_err(io_err)?;
    let pid = child.id() as libc::pid_t;
    let stdin = child.stdin.take();
    let (Some(mut stdout), Some(mut stderr)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(io_err(std::io::Error::other("its output is not a pipe")));
    };
    let (status, out, err, timed_out) = std::thread::scope(|scope| {
        // Write and read from threads so a program that fails early, or writes a lot, cannot
        // block us on a full pipe.
        if let (Some(mut stdin), Some(text)) = (stdin, input) {
            scope.spawn(move || {
                let _ = stdin.write_all(text.as_bytes());
            });
        }
        let out = scope.spawn(move || {
            let mut buf = Vec::new();
            let _ = stdout.read_to_end(&mut buf);
            buf
        });
        let err = scope.spawn(move || {
            let mut buf = Vec::new();
            let _ = stderr.read_to_end(&mut buf);
            buf
        });
        let (tx, rx) = std::sync::mpsc::channel();
        scope.spawn(move || {
            let _ = tx.send(child.wait());
        });
        let mut timed_out = false;
        let status = match timeout {
            None => rx.recv(),
            Some(t) => match rx.recv_timeout(t) {
                Ok(s) => Ok(s),
                Err(_) => {
                    timed_out = true;
                    // SAFETY: kill(2) has no memory-safety preconditions; the negative pid
                    // names the group the child leads, so its children go too.
                    unsafe {
                        libc::kill(-pid, libc::SIGKILL);
                    }
                    rx.recv()
                }
            },
        };
        // The waiting thread always sends; should it not, that is an error, not a panic.
        let status =
            status.unwrap_or_else(|_| Err(std::io::Error::other("no exit status was received")));
        // After a kill, the group's other processes close the pipes as they die.
        if timed_out {
            // SAFETY: as above; anything of the group still alive goes now.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
            }
        }
        (
            status,
            out.join().unwrap_or_default(),
            err.join().unwrap_or_default(),
            timed_out,
        )
    });
    let status = status.map_err(io_err)?;
    if timed_out {
        return Err(RestoreError::TimedOut {
            program: program.to_path_buf(),
            timeout: timeout.unwrap_or_default(),
        });
    }
    Ok(Output {
        status,
        stdout: out,
        stderr: err,
    })
}

/// The error for a program that did not succeed and did not say why (killed, or a status
/// without a message); otherwise `Err` with what it said, without iptables' "Try
/// `iptables-restore -h`" advice, which is about its own command line, not the rules.
pub(crate) fn failure(program: &std::path::Path, output: &Output) -> Result<RestoreError, String> {
    if let Some(signal) = output.status.signal() {
        return Ok(RestoreError::Killed {
            program: program.to_path_buf(),
            signal,
        });
    }
    let clean = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .lines()
            .filter(|l| {
                let l = l.trim();
                !(l.starts_with("Try `") && l.contains("--help"))
            })
            .collect::<Vec<_>>()
            .join("\n")
            .trim()
            .to_string()
    };
    let mut message = clean(&output.stderr);
    if message.is_empty() {
        message = clean(&output.stdout);
    }
    if message.is_empty() {
        return Ok(RestoreError::Failed {
            program: program.to_path_buf(),
            status: output.status.code().unwrap_or(-1),
        });
    }
    Err(message)
}

/// The input line an iptables-restore error names (`line 7 failed`, `line 7: …`, `at line: 7`).
pub(crate) fn error_line(message: &str) -> Option<usize> {
    let bytes = message.as_bytes();
    let mut i = 0;
    while let Some(pos) = message[i..].find("line") {
        let mut j = i + pos + 4;
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b':') {
            j += 1;
        }
        let start = j;
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
        }
        if j > start {
            return message[start..j].parse().ok();
        }
        i += pos + 4;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::error_line;

    #[test]
    fn finds_the_line_in_both_backends_messages() {
        assert_eq!(error_line("iptables-restore: line 7 failed"), Some(7));
        assert_eq!(error_line("iptables-restore v1.8.9 (nf_tables): line 12: RULE_APPEND failed (No such file or directory): rule in chain INPUT"), Some(12));
        assert_eq!(
            error_line("iptables-restore: COMMIT expected at line 4"),
            Some(4)
        );
        assert_eq!(error_line("something else"), None);
    }
}
