//! Chains: built-in chains with a policy, user chains with an optional comment.

use std::fmt;
use std::str::FromStr;

use crate::model::rule::{IntoRules, Rule};
use crate::origin::Origin;
use crate::Error;

/// A built-in chain's policy: what happens to a packet no rule decided on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Policy {
    /// Let it through (the kernel's default).
    #[default]
    Accept,
    /// Drop it.
    Drop,
}

impl Policy {
    /// `ACCEPT` or `DROP`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Accept => "ACCEPT",
            Policy::Drop => "DROP",
        }
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Policy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Policy, Error> {
        match s {
            "ACCEPT" => Ok(Policy::Accept),
            "DROP" => Ok(Policy::Drop),
            _ => Err(Error::Problem(pyptables_catalog::Problem::BadPolicy {
                policy: s.to_string(),
                suggestion: pyptables_catalog::suggest::did_you_mean(s, ["ACCEPT", "DROP"])
                    .map(str::to_string),
            })),
        }
    }
}

/// Whether a chain is built in (with a policy) or user-defined (with an optional comment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainKind {
    /// A built-in chain (`INPUT`, `POSTROUTING`, …) and its policy.
    Builtin(Policy),
    /// A user-defined chain and its comment.
    User(Option<String>),
}

/// An ordered list of rules, list-like: [`push`](Chain::push), [`insert`](Chain::insert),
/// [`remove`](Chain::remove), iteration, [`len`](Chain::len).
///
/// ```
/// use pyptables::{Chain, Policy, Rule};
/// let mut input = Chain::builtin("INPUT", Policy::Drop);
/// input.push(Rule::new().in_interface("lo").accept());
/// input.insert(0, Rule::new().ctstate("ESTABLISHED").accept()).unwrap();
/// assert_eq!(input.len(), 2);
/// assert!(input.insert(5, Rule::new()).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    name: String,
    kind: ChainKind,
    rules: Vec<Rule>,
    origin: Origin,
}

impl Chain {
    /// A built-in chain with `policy`.
    #[track_caller]
    pub fn builtin(name: impl Into<String>, policy: Policy) -> Chain {
        Chain {
            name: name.into(),
            kind: ChainKind::Builtin(policy),
            rules: Vec::new(),
            origin: Origin::caller(),
        }
    }

    /// A user-defined chain.
    #[track_caller]
    pub fn user(name: impl Into<String>) -> Chain {
        Chain {
            name: name.into(),
            kind: ChainKind::User(None),
            rules: Vec::new(),
            origin: Origin::caller(),
        }
    }

    /// A user-defined chain with a comment (shown in the annotated output).
    #[track_caller]
    pub fn user_with_comment(name: impl Into<String>, comment: impl Into<String>) -> Chain {
        Chain {
            name: name.into(),
            kind: ChainKind::User(Some(comment.into())),
            rules: Vec::new(),
            origin: Origin::caller(),
        }
    }

    /// The chain's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Built-in with a policy, or user-defined.
    #[must_use]
    pub fn kind(&self) -> &ChainKind {
        &self.kind
    }

    /// Whether it is a built-in chain.
    #[must_use]
    pub fn is_builtin(&self) -> bool {
        matches!(self.kind, ChainKind::Builtin(_))
    }

    /// The policy of a built-in chain.
    #[must_use]
    pub fn policy(&self) -> Option<Policy> {
        match self.kind {
            ChainKind::Builtin(p) => Some(p),
            ChainKind::User(_) => None,
        }
    }

    /// Sets the policy. A user chain has none: that is an error.
    pub fn set_policy(&mut self, policy: Policy) -> Result<(), Error> {
        match &mut self.kind {
            ChainKind::Builtin(p) => {
                *p = policy;
                Ok(())
            }
            ChainKind::User(_) => Err(Error::Problem(
                pyptables_catalog::Problem::PolicyOnUserChain {
                    chain: self.name.clone(),
                },
            )),
        }
    }

    /// The comment of a user chain.
    #[must_use]
    pub fn comment(&self) -> Option<&str> {
        match &self.kind {
            ChainKind::User(c) => c.as_deref(),
            ChainKind::Builtin(_) => None,
        }
    }

    /// Where the chain was created.
    #[must_use]
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The same chain, recorded as written at `origin`.
    #[must_use]
    pub fn at(mut self, origin: Origin) -> Chain {
        self.origin = origin;
        self
    }

    /// Appends a rule, or each rule of a group.
    pub fn push(&mut self, rules: impl IntoRules) -> &mut Chain {
        self.rules.extend(rules.into_rules());
        self
    }

    /// Appends a rule (pyptables' `append`).
    pub fn append(&mut self, rules: impl IntoRules) -> &mut Chain {
        self.push(rules)
    }

    /// Inserts rules at `index` (0 is first). An index past the end is an error.
    pub fn insert(&mut self, index: usize, rules: impl IntoRules) -> Result<(), Error> {
        if index > self.rules.len() {
            return Err(Error::IndexOutOfRange {
                chain: self.name.clone(),
                index,
                len: self.rules.len(),
            });
        }
        self.rules.splice(index..index, rules.into_rules());
        Ok(())
    }

    /// Removes and returns the rule at `index`.
    pub fn remove(&mut self, index: usize) -> Result<Rule, Error> {
        if index >= self.rules.len() {
            return Err(Error::IndexOutOfRange {
                chain: self.name.clone(),
                index,
                len: self.rules.len(),
            });
        }
        Ok(self.rules.remove(index))
    }

    /// The rule at `index`.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&Rule> {
        self.rules.get(index)
    }

    /// The number of rules.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether the chain has no rules.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rules in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Rule> {
        self.rules.iter()
    }

    /// The rules in order, mutably.
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Rule> {
        self.rules.iter_mut()
    }

    /// The rules as a slice.
    #[must_use]
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Reserves room for `n` more rules.
    pub fn reserve(&mut self, n: usize) {
        self.rules.reserve(n);
    }
}

impl<'a> IntoIterator for &'a Chain {
    type Item = &'a Rule;
    type IntoIter = std::slice::Iter<'a, Rule>;
    fn into_iter(self) -> Self::IntoIter {
        self.rules.iter()
    }
}

impl Extend<Rule> for Chain {
    fn extend<I: IntoIterator<Item = Rule>>(&mut self, iter: I) {
        self.rules.extend(iter);
    }
}
