//! Size limits: of the `iptables-restore` input format, of one `-m multiport` option, and of
//! how far one rule of the `firewall!` language may expand.
//!
//! The restore limits are iptables 1.8.9's, the same for both backends and both families
//! (`xtables-restore.c` for nf_tables, `iptables-restore.c` for legacy, `ip6tables-restore`
//! included), and were confirmed by loading lines of each size into a network namespace:
//!
//! - each line is read with `fgets(buffer, 10240, …)`: a longer line is cut, and its rest is run
//!   as a *new line* (a `-P INPUT ACCEPT` placed at the cut changes the policy). A line of
//!   10,239 bytes still loads, but its newline is then read as an extra, empty line, which shifts
//!   the line numbers of iptables' error messages; so a line may have at most
//!   [`MAX_LINE_BYTES`] = 10,238 bytes before its newline.
//! - `add_param_to_argv` (xshared.c) splits a rule line into at most `MAX_ARGC` = 255 arguments
//!   including the three it adds itself (program name, `-t`, table); so a rule line may have
//!   [`MAX_RULE_WORDS`] = 251 words, `-A CHAIN` included ("Parser cannot handle more
//!   arguments").
//! - each word goes through a 1,024-byte buffer: [`MAX_WORD_BYTES`] = 1,023 bytes after
//!   unquoting ("Parameter too long!").

use crate::problem::Problem;
use crate::raw;

/// The size of the buffer `iptables-restore` reads each line into (`fgets`).
pub const RESTORE_LINE_BUFFER: usize = 10_240;

/// The most bytes a line of `iptables-restore` input may have, its newline not counted: the
/// buffer less the terminating NUL and the newline.
pub const MAX_LINE_BYTES: usize = RESTORE_LINE_BUFFER - 2;

/// The most words (arguments) a rule line may have, `-A CHAIN` included.
pub const MAX_RULE_WORDS: usize = 255 - 1 - 3;

/// The most bytes one word of a rule line may have after unquoting.
pub const MAX_WORD_BYTES: usize = 1_023;

/// The most rules one rule of the `firewall!` language may expand into (the product of the
/// lengths of its lists), at compile time and, for `{expr}` lists, at run time.
pub const MAX_EXPANSION: usize = 100_000;

/// The most ports one `-m multiport` option (`--dports`, `--sports`, `--ports`) takes, a range
/// counting two (`XT_MULTI_PORTS` in the kernel's `xt_multiport.h`).
pub const MULTIPORT_SLOTS: usize = 15;

/// How many of the [`MULTIPORT_SLOTS`] one port or range (`a:b`, or `a-b` as a zone channel
/// writes it) takes: a range two, a port (or service name, `ftp-data` included) one.
#[must_use]
pub fn port_slots(low: u16, high: u16) -> usize {
    if low == high {
        1
    } else {
        2
    }
}

/// Why a list of ports needing `slots` slots does not fit in one `-m multiport` option.
///
/// ```
/// use pyptables_catalog::limits::too_many_ports;
/// assert_eq!(
///     too_many_ports(16),
///     "-m multiport takes at most 15 ports (a range counts two); this list needs 16"
/// );
/// ```
#[must_use]
pub fn too_many_ports(slots: usize) -> String {
    format!(
        "-m multiport takes at most {MULTIPORT_SLOTS} ports (a range counts two); this list needs \
         {slots}"
    )
}

/// Splits ports into `-m multiport` lists, in order, each as full as [`MULTIPORT_SLOTS`]
/// allows; `slots` says how many each item takes (see [`port_slots`]).
///
/// ```
/// use pyptables_catalog::limits::multiport_chunks;
/// let chunks = multiport_chunks(1..=20, |_| 1);
/// assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [15, 5]);
/// ```
pub fn multiport_chunks<T>(
    items: impl IntoIterator<Item = T>,
    slots: impl Fn(&T) -> usize,
) -> Vec<Vec<T>> {
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut used = 0;
    for item in items {
        let n = slots(&item);
        match chunks.last_mut() {
            Some(chunk) if used + n <= MULTIPORT_SLOTS => {
                chunk.push(item);
                used += n;
            }
            _ => {
                chunks.push(vec![item]);
                used = n;
            }
        }
    }
    chunks
}

/// What is wrong with one line of `iptables-restore` input, if anything: too long, or (for a
/// rule line, `rule` true) too many or too long words. `what` names the line in the message
/// (`this rule`, `the comment line of chain x`).
///
/// ```
/// use pyptables_catalog::limits::{line_problem, MAX_LINE_BYTES};
/// assert!(line_problem("-A INPUT -j ACCEPT", true, "this rule").is_none());
/// let long = format!("# {}", "x".repeat(MAX_LINE_BYTES));
/// assert!(line_problem(&long, false, "a comment").unwrap().to_string().contains("a line of"));
/// ```
#[must_use]
pub fn line_problem(line: &str, rule: bool, what: &str) -> Option<Problem> {
    if line.len() > MAX_LINE_BYTES {
        return Some(Problem::LineTooLong {
            what: what.to_string(),
            bytes: line.len(),
            max: MAX_LINE_BYTES,
        });
    }
    // Fewer bytes cannot make too many words (each takes a byte and a separator) or a word
    // too long: most lines are not split at all.
    if !rule || line.len() < (MAX_RULE_WORDS + 1) * 2 - 1 && line.len() <= MAX_WORD_BYTES {
        return None;
    }
    let words = raw::split(line);
    if words.len() > MAX_RULE_WORDS {
        return Some(Problem::TooManyWords {
            what: what.to_string(),
            words: words.len(),
            max: MAX_RULE_WORDS,
        });
    }
    words
        .iter()
        .find(|w| w.len() > MAX_WORD_BYTES)
        .map(|w| Problem::WordTooLong {
            what: what.to_string(),
            start: w.chars().take(20).collect(),
            bytes: w.len(),
            max: MAX_WORD_BYTES,
        })
}
