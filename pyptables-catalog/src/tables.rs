//! The tables and their built-in chains (the same for IPv4 and IPv6).

use crate::problem::Problem;
use crate::suggest::did_you_mean;

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
#[must_use]
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// The table called `name`, or the problem of a name that is none: the tables there are, and
/// the nearest one.
///
/// ```
/// use pyptables_catalog::tables::lookup;
/// assert_eq!(lookup("nat").unwrap().name, "nat");
/// assert!(lookup("filtr").unwrap_err().to_string().contains("did you mean `filter`?"));
/// ```
pub fn lookup(name: &str) -> Result<&'static TableSpec, Problem> {
    table(name).ok_or_else(|| Problem::UnknownTable {
        name: name.to_string(),
        valid: TABLES
            .iter()
            .map(|t| format!("`{}`", t.name))
            .collect::<Vec<_>>()
            .join(", "),
        suggestion: did_you_mean(name, TABLES.iter().map(|t| t.name)).map(str::to_string),
    })
}

impl TableSpec {
    /// Whether `chain` is one of this table's built-in chains.
    #[must_use]
    pub fn has_builtin(&self, chain: &str) -> bool {
        self.chains.contains(&chain)
    }
}
