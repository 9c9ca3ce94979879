//! The error collector of the macro: every error with its span, none lost, none twice, in
//! source order. The parser's errors are added as they are ([`Errors::parsed`]); the check
//! stage's through [`Errors::error`] and [`Errors::found`].
//!
//! A rule is checked once per family and once per expansion (a list gives several rules), so
//! the same mistake can be found many times; it is reported once. A mistake found in only one
//! family of a rule written in `inet { … }` says which family.

use std::collections::HashMap;
use std::fmt::Display;

use pyptables_catalog::Family;

use crate::ast::SpanRange;

/// Where an error was found: anywhere, or in one family's check of a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// Not family-specific.
    Any,
    /// While checking family `family`; `inet` when the rule is written in `inet { … }`.
    In {
        /// The family checked.
        family: Family,
        /// Whether the rule is written for both families.
        inet: bool,
    },
}

struct Entry {
    span: SpanRange,
    message: String,
    families: [bool; 2],
    inet: bool,
}

type Key = (usize, usize, usize, usize, String);

/// Collects errors; see the module docs.
#[derive(Default)]
pub struct Errors {
    /// The parser's errors, as it made them (spans and combined messages kept).
    parsed: Vec<syn::Error>,
    entries: Vec<Entry>,
    index: HashMap<Key, usize>,
    /// Spans whose error already says what is wrong (see [`Errors::explained`]).
    explained: Vec<SpanRange>,
}

fn key(span: SpanRange, message: &str) -> Key {
    let (start, end) = (span.first.start(), span.last.end());
    (
        start.line,
        start.column,
        end.line,
        end.column,
        message.to_string(),
    )
}

fn same(a: SpanRange, b: SpanRange) -> bool {
    key(a, "") == key(b, "")
}

impl Errors {
    /// An error at `span`.
    pub fn error(&mut self, span: SpanRange, message: impl Display) {
        self.found(span, message, Found::Any);
    }

    /// An error at `span` that explains every other one found there later, which is then
    /// left out (a zone name given as an address is also "not an address").
    pub fn explained(&mut self, span: SpanRange, message: impl Display) {
        self.error(span, message);
        self.explained.push(span);
    }

    /// The parser's errors.
    pub fn parsed(&mut self, errors: impl IntoIterator<Item = syn::Error>) {
        self.parsed.extend(errors);
    }

    /// An error at `span`, found as `found` says.
    pub fn found(&mut self, span: SpanRange, message: impl Display, found: Found) {
        let message = message.to_string();
        let k = key(span, &message);
        if !self.index.contains_key(&k) && self.explained.iter().any(|s| same(*s, span)) {
            return;
        }
        let i = *self.index.entry(k).or_insert_with(|| {
            self.entries.push(Entry {
                span,
                message,
                families: [false; 2],
                inet: false,
            });
            self.entries.len() - 1
        });
        let entry = &mut self.entries[i];
        match found {
            Found::Any => entry.families = [true; 2],
            Found::In { family, inet } => {
                entry.families[family as usize] = true;
                entry.inet |= inet;
            }
        }
    }

    /// How many different errors were found.
    pub fn len(&self) -> usize {
        self.parsed.len() + self.entries.len()
    }

    /// Whether no error was found.
    pub fn is_empty(&self) -> bool {
        self.parsed.is_empty() && self.entries.is_empty()
    }

    /// The errors, in source order (the parser's first among those at one place).
    pub fn into_errors(self) -> Vec<syn::Error> {
        let checked = self.entries.into_iter().map(|e| {
            let only = match e.families {
                [true, false] => Some(Family::V4),
                [false, true] => Some(Family::V6),
                _ => None,
            };
            match only {
                Some(family) if e.inet => e.span.error(format!(
                    "{} (for {family}: rules in `inet {{ … }}` are added to both families)",
                    e.message
                )),
                _ => e.span.error(e.message),
            }
        });
        let mut all: Vec<syn::Error> = self.parsed.into_iter().chain(checked).collect();
        // A stable sort: errors found at one place keep the order they were found in.
        all.sort_by_key(|e| {
            let start = e.span().start();
            (start.line, start.column)
        });
        all
    }
}
