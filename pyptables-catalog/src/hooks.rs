//! Netfilter hooks (the five built-in chain names) and sets of them.

use std::fmt;

/// A netfilter hook, named like the built-in chain that sits on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hook {
    /// `PREROUTING`
    Prerouting,
    /// `INPUT`
    Input,
    /// `FORWARD`
    Forward,
    /// `OUTPUT`
    Output,
    /// `POSTROUTING`
    Postrouting,
}

impl Hook {
    /// All hooks in packet-path order.
    pub const ALL: [Hook; 5] = [
        Hook::Prerouting,
        Hook::Input,
        Hook::Forward,
        Hook::Output,
        Hook::Postrouting,
    ];

    /// The built-in chain name of this hook.
    #[must_use]
    pub fn chain_name(self) -> &'static str {
        match self {
            Hook::Prerouting => "PREROUTING",
            Hook::Input => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::Output => "OUTPUT",
            Hook::Postrouting => "POSTROUTING",
        }
    }

    /// The hook whose built-in chain is called `name` (case-sensitive, like iptables).
    #[must_use]
    pub fn from_chain_name(name: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|h| h.chain_name() == name)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chain_name())
    }
}

/// A set of hooks: where something is allowed, or which built-in chains reach a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Hooks(u8);

impl Hooks {
    /// No hook.
    pub const NONE: Hooks = Hooks(0);
    /// Every hook.
    pub const ALL: Hooks = Hooks(0b1_1111);
    /// `PREROUTING`
    pub const PREROUTING: Hooks = Hooks(1);
    /// `INPUT`
    pub const INPUT: Hooks = Hooks(2);
    /// `FORWARD`
    pub const FORWARD: Hooks = Hooks(4);
    /// `OUTPUT`
    pub const OUTPUT: Hooks = Hooks(8);
    /// `POSTROUTING`
    pub const POSTROUTING: Hooks = Hooks(16);

    /// The set holding just `hook`.
    #[must_use]
    pub const fn of(hook: Hook) -> Hooks {
        Hooks(hook.bit())
    }

    /// Union of two sets.
    #[must_use]
    pub const fn or(self, other: Hooks) -> Hooks {
        Hooks(self.0 | other.0)
    }

    /// The hooks of `self` that are not in `other`.
    #[must_use]
    pub const fn minus(self, other: Hooks) -> Hooks {
        Hooks(self.0 & !other.0)
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `hook` is in the set.
    #[must_use]
    pub const fn contains(self, hook: Hook) -> bool {
        self.0 & hook.bit() != 0
    }

    /// The hooks in the set, in packet-path order.
    pub fn iter(self) -> impl Iterator<Item = Hook> {
        Hook::ALL.into_iter().filter(move |h| self.contains(*h))
    }

    /// `"INPUT, FORWARD"` style list of the chain names.
    pub fn names(self) -> String {
        self.iter()
            .map(Hook::chain_name)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl std::ops::BitOr for Hooks {
    type Output = Hooks;
    fn bitor(self, rhs: Hooks) -> Hooks {
        self.or(rhs)
    }
}

impl std::ops::BitOrAssign for Hooks {
    fn bitor_assign(&mut self, rhs: Hooks) {
        *self = self.or(rhs);
    }
}
