//! The tables and their built-in chains (the same for IPv4 and IPv6).

/// A table and the built-in chains it has, in the order `iptables-save` lists them.
#[derive(Debug)]
pub struct TableSpec {
    /// `filter`, `nat`, …
    pub name: &'static str,
    /// Built-in chains, in `iptables-save` order.
    pub chains: &'static [&'static str],
}

/// Every table the kernel offers to iptables, in `iptables-save` order of appearance.
pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "raw",
        chains: &["PREROUTING", "OUTPUT"],
    },
    TableSpec {
        name: "mangle",
        chains: &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
    },
    TableSpec {
        name: "nat",
        chains: &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
    },
    TableSpec {
        name: "filter",
        chains: &["INPUT", "FORWARD", "OUTPUT"],
    },
    TableSpec {
        name: "security",
        chains: &["INPUT", "FORWARD", "OUTPUT"],
    },
];

/// The tables python-pyptables' `default_tables()` creates, in its order.
pub const DEFAULT_TABLES: &[&str] = &["filter", "nat", "mangle"];

/// Policies a built-in chain may have.
pub const POLICIES: &[&str] = &["ACCEPT", "DROP"];

/// The longest user chain name the kernel accepts (`XT_EXTENSION_MAXNAMELEN` - 1 - 1).
pub const MAX_CHAIN_NAME_LEN: usize = 28;

/// The table called `name`.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

impl TableSpec {
    /// Whether `chain` is one of this table's built-in chains.
    pub fn has_builtin(&self, chain: &str) -> bool {
        self.chains.contains(&chain)
    }
}
