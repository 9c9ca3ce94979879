//! Where a table, chain or rule was written, for annotations and error messages.

use std::fmt;
use std::panic::Location;

/// A place in the user's source: file, line and column.
///
/// Constructors of tables, chains and rules are `#[track_caller]`, so each remembers the line
/// that created it, like python-pyptables' debug comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The source file, as the compiler names it.
    pub file: &'static str,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
}

impl Origin {
    /// The place that called the current `#[track_caller]` function.
    #[track_caller]
    #[must_use]
    pub fn caller() -> Origin {
        let l = Location::caller();
        Origin {
            file: l.file(),
            line: l.line(),
            column: l.column(),
        }
    }

    /// A place given explicitly (used by the `firewall!` macro for each rule it writes).
    #[must_use]
    pub const fn new(file: &'static str, line: u32, column: u32) -> Origin {
        Origin { file, line, column }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}
