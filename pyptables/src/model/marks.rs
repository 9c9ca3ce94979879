//! Packet marks, pyptables' `Mark`, `Marked` and `random_mark()`.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;

use crate::model::rule::{Match, Rule, Target};
use crate::value::MarkValue;

/// A packet mark value: a rule that sets it ([`Mark::set`]) and rules that match it
/// ([`Mark::marked`]).
///
/// ```
/// use pyptables::Mark;
/// let web = Mark::new(0x10);
/// assert_eq!(web.set().to_string(), "-j MARK --set-mark 0x10");
/// assert_eq!(web.marked().drop().to_string(), "-m mark --mark 0x10 -j DROP");
/// assert_ne!(Mark::random().value(), Mark::random().value());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mark(u32);

static USED_RANDOM_MARKS: Mutex<Option<HashSet<u32>>> = Mutex::new(None);

impl Mark {
    /// The mark `value`.
    #[must_use]
    pub fn new(value: u32) -> Mark {
        Mark(value)
    }

    /// A random mark from 1 to 65535 that no other `Mark::random()` in this process has
    /// returned. After all 65535 are used it wraps around and may repeat.
    pub fn random() -> Mark {
        let mut used = USED_RANDOM_MARKS.lock().unwrap_or_else(|e| e.into_inner());
        let used = used.get_or_insert_with(HashSet::new);
        if used.len() >= 65535 {
            used.clear();
        }
        loop {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_usize(used.len());
            let v = (h.finish() % 65535) as u32 + 1;
            if used.insert(v) {
                return Mark(v);
            }
        }
    }

    /// The mark's value.
    #[must_use]
    pub fn value(self) -> u32 {
        self.0
    }

    /// A rule that sets this mark: `-j MARK --set-mark V` (add matches to narrow it).
    #[track_caller]
    #[must_use]
    pub fn set(self) -> Rule {
        Rule::new().target(Target::new("MARK").opt("set-mark", MarkValue::new(self.0)))
    }

    /// A rule that matches packets with this mark: `-m mark --mark V` (add a target).
    #[track_caller]
    #[must_use]
    pub fn marked(self) -> Rule {
        Rule::new().with_match(Match::new("mark").opt("mark", MarkValue::new(self.0)))
    }
}

/// A rule matching packets marked with `mark`, pyptables' `Marked(mark)`.
#[track_caller]
#[must_use]
pub fn marked(mark: Mark) -> Rule {
    mark.marked()
}
