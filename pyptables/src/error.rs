//! The crate's error types.

use std::path::PathBuf;

use pyptables_catalog::Problem;

use crate::origin::Origin;
use crate::validate::ValidationErrors;

/// An error from the model's checked operations.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A problem the catalog describes (unknown table, bad policy, …).
    #[error("{0}")]
    Problem(Problem),
    /// No chain of that name.
    #[error("the {table} table has no chain `{chain}`{}", pyptables_catalog::suggest::hint(suggestion.as_deref()))]
    NoSuchChain {
        /// The table.
        table: String,
        /// The chain asked for.
        chain: String,
        /// The nearest chain name.
        suggestion: Option<String>,
    },
    /// A rule index past the end of a chain.
    #[error("index {index} is out of range for chain `{chain}` with {len} rules")]
    IndexOutOfRange {
        /// The chain.
        chain: String,
        /// The index asked for.
        index: usize,
        /// The chain's length.
        len: usize,
    },
}

/// Which rule a line of `iptables-restore` input came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRef {
    /// The table.
    pub table: String,
    /// The chain (if the line was a rule or chain line).
    pub chain: Option<String>,
    /// The rule's index in its chain (if the line was a rule).
    pub index: Option<usize>,
    /// Where it was written.
    pub origin: Origin,
}

impl std::fmt::Display for RuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.origin, self.table)?;
        if let Some(c) = &self.chain {
            write!(f, " {c}")?;
        }
        if let Some(i) = self.index {
            write!(f, " rule {}", i + 1)?;
        }
        Ok(())
    }
}

/// An error from [`restore`](crate::restore).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The model has problems; nothing was run.
    #[error("the rules have problems, nothing was applied:\n{0}")]
    Invalid(ValidationErrors),
    /// The restore program is not installed.
    #[error("`{program}` was not found; install iptables (e.g. `apt-get install iptables`)")]
    NotFound {
        /// The program.
        program: PathBuf,
    },
    /// The program may not change the rules (not root, or no CAP_NET_ADMIN).
    #[error("`{program}` was refused permission (run as root or with CAP_NET_ADMIN): {message}")]
    PermissionDenied {
        /// The program.
        program: PathBuf,
        /// What it printed.
        message: String,
    },
    /// The program (or the kernel) rejected the rules; the previous rules are still in place.
    #[error("`{program}` rejected the rules{}: {message}", match (line, rule) { (_, Some(r)) => format!(" at {r}"), (Some(l), None) => format!(" at line {l}"), _ => String::new() })]
    Rejected {
        /// The program.
        program: PathBuf,
        /// The line of the input it named, if it named one.
        line: Option<usize>,
        /// The rule (or table/chain) that line came from.
        rule: Option<Box<RuleRef>>,
        /// What it printed.
        message: String,
    },
    /// The new rules were refused, and loading the saved previous rules back failed too: the
    /// running rules may be a mix of old and new.
    #[error("{error}; putting the previous rules back failed as well: {rollback}")]
    RollbackFailed {
        /// Why the new rules were refused.
        error: Box<RestoreError>,
        /// Why the rollback failed.
        rollback: Box<RestoreError>,
    },
    /// A table would replace a running table that holds chains of other software it neither
    /// defines nor `preserve`s (Docker, fail2ban, Kubernetes, … — see
    /// [`FOREIGN_OWNERS`](pyptables_catalog::preserve::FOREIGN_OWNERS)); nothing was applied.
    #[error("the running {table} table ({family}) has chains of other software: {}; applying would delete them and the jumps to them. Add `{preserve}` to the {table} table to keep them, or replace them anyway (`--replace-foreign`, `RestoreOptions::replace_foreign`)", chains.join(", "))]
    ForeignChains {
        /// The family.
        family: pyptables_catalog::Family,
        /// The table.
        table: String,
        /// The chains found.
        chains: Vec<String>,
        /// The `preserve` line that would keep them.
        preserve: String,
    },
    /// A table with `preserve` needs the running table, but the backend has no save program
    /// ([`Backend::Path`](crate::Backend::Path)); nothing was applied.
    #[error("the {table} table preserves chains of other software, which needs the running rules, but `{program}` has no matching iptables-save; choose a backend instead of a program path")]
    NoSaveProgram {
        /// The table.
        table: String,
        /// The restore program.
        program: PathBuf,
    },
    /// The program did not finish within [`RestoreOptions::timeout`](crate::RestoreOptions::timeout)
    /// and was killed (with everything it started). Whether it changed the rules before that is
    /// not known.
    #[error("`{program}` did not finish within {} s and was killed", timeout.as_secs_f64())]
    TimedOut {
        /// The program.
        program: PathBuf,
        /// How long it was given.
        timeout: std::time::Duration,
    },
    /// The program was killed by a signal. Whether it changed the rules before that is not
    /// known.
    #[error("`{program}` was killed by signal {signal}{}", signal_name(*signal).map(|n| format!(" ({n})")).unwrap_or_default())]
    Killed {
        /// The program.
        program: PathBuf,
        /// The signal's number.
        signal: i32,
    },
    /// The program failed without printing why. Whether it changed the rules is not known.
    #[error("`{program}` exited with status {status} without a message")]
    Failed {
        /// The program.
        program: PathBuf,
        /// Its exit status.
        status: i32,
    },
    /// Running the program failed.
    #[error("running `{program}` failed: {source}")]
    Io {
        /// The program.
        program: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The usual name of signal `n` on Linux.
fn signal_name(n: i32) -> Option<&'static str> {
    Some(match n {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        10 => "SIGUSR1",
        11 => "SIGSEGV",
        12 => "SIGUSR2",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return None,
    })
}
