//! Tables (`filter`, `nat`, …) and the set of them for one family.

use std::ops::{Index, IndexMut};

use pyptables_catalog::tables::{self, DEFAULT_TABLES};
use pyptables_catalog::Family;

use crate::model::chain::{Chain, Policy};
use crate::origin::Origin;
use crate::Error;

/// One table and its chains, in order: built-in chains first as the kernel lists them, then
/// user chains as added.
///
/// Indexing by chain name (`table["INPUT"]`) panics when there is no such chain, like a map;
/// [`chain`](Table::chain) and [`try_chain_mut`](Table::try_chain_mut) are the checked forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    name: String,
    chains: Vec<Chain>,
    origin: Origin,
    preserve: Vec<String>,
}

impl Table {
    /// An empty table called `name` (no chains).
    #[track_caller]
    pub fn new(name: impl Into<String>) -> Table {
        Table {
            name: name.into(),
            chains: Vec::new(),
            origin: Origin::caller(),
            preserve: Vec::new(),
        }
    }

    /// The table `name` with all its built-in chains, policy ACCEPT. An unknown table name is
    /// an error.
    ///
    /// ```
    /// let nat = pyptables::Table::with_builtin_chains("nat").unwrap();
    /// assert_eq!(nat.chains().map(|c| c.name()).collect::<Vec<_>>(), ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]);
    /// assert!(pyptables::Table::with_builtin_chains("filtre").is_err());
    /// ```
    #[track_caller]
    pub fn with_builtin_chains(name: &str) -> Result<Table, Error> {
        Table::with_builtin_chains_at(name, Origin::caller())
    }

    fn with_builtin_chains_at(name: &str, origin: Origin) -> Result<Table, Error> {
        let spec = tables::lookup(name).map_err(Error::Problem)?;
        let mut table = Table {
            name: name.to_string(),
            chains: Vec::new(),
            origin,
            preserve: Vec::new(),
        };
        for chain in spec.chains {
            table
                .chains
                .push(Chain::builtin(*chain, Policy::Accept).at(origin));
        }
        Ok(table)
    }

    /// The table's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the table was created.
    #[must_use]
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The same table, recorded as written at `origin`.
    #[must_use]
    pub fn at(mut self, origin: Origin) -> Table {
        self.origin = origin;
        self
    }

    /// Adds a chain and returns it. A second chain of the same name is kept and reported by
    /// [`Tables::validate`].
    pub fn add_chain(&mut self, chain: Chain) -> &mut Chain {
        self.chains.push(chain);
        self.chains.last_mut().expect("just pushed")
    }

    /// Adds a chain (pyptables' `table.append(chain)`).
    pub fn append(&mut self, chain: Chain) -> &mut Chain {
        self.add_chain(chain)
    }

    /// The chain called `name`.
    #[must_use]
    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chains.iter().find(|c| c.name() == name)
    }

    /// The chain called `name`, mutably.
    pub fn chain_mut(&mut self, name: &str) -> Option<&mut Chain> {
        self.chains.iter_mut().find(|c| c.name() == name)
    }

    /// The chain called `name`, or an error naming the chains there are.
    pub fn try_chain_mut(&mut self, name: &str) -> Result<&mut Chain, Error> {
        let names = self.chain_names();
        let table = self.name.clone();
        self.chain_mut(name).ok_or_else(|| Error::NoSuchChain {
            table,
            chain: name.to_string(),
            suggestion: pyptables_catalog::suggest::did_you_mean(
                name,
                names.iter().map(String::as_str),
            )
            .map(str::to_string),
        })
    }

    /// The chains in order.
    pub fn chains(&self) -> impl Iterator<Item = &Chain> {
        self.chains.iter()
    }

    /// The chains in order, mutably.
    pub fn chains_mut(&mut self) -> impl Iterator<Item = &mut Chain> {
        self.chains.iter_mut()
    }

    /// Shares the table with other software: chains matching one of `patterns` (a chain name,
    /// or a prefix ending in `*`: `"DOCKER*"`, `"f2b-*"`) belong to someone else, unless this
    /// table defines them itself. Applying such a table keeps them as they run, keeps the
    /// jumps to them in built-in chains, and leaves alone the built-in chains this table does
    /// not have (policy included) — so build it with [`Table::new`] and add only the built-in
    /// chains the firewall owns. Rules may jump to a preserved chain without defining it.
    /// Patterns are checked by [`Tables::validate`].
    ///
    /// ```
    /// use pyptables::{Chain, Policy, Rule, Table};
    /// let mut filter = Table::new("filter");
    /// filter.preserve(["DOCKER*", "f2b-*"]);
    /// filter.add_chain(Chain::user("DOCKER-USER")).push(Rule::new().drop());
    /// assert!(filter.is_foreign("DOCKER-FORWARD") && filter.is_foreign("f2b-sshd"));
    /// assert!(!filter.is_foreign("DOCKER-USER"));          // defined here: owned
    /// ```
    pub fn preserve<S: Into<String>>(
        &mut self,
        patterns: impl IntoIterator<Item = S>,
    ) -> &mut Table {
        self.preserve.extend(patterns.into_iter().map(Into::into));
        self
    }

    /// The `preserve` patterns (see [`Table::preserve`]).
    pub fn preserved(&self) -> &[String] {
        &self.preserve
    }

    /// Whether chain `name` belongs to other software: a `preserve` pattern matches it and this
    /// table does not define it.
    pub fn is_foreign(&self, name: &str) -> bool {
        pyptables_catalog::preserve::any_matches(self.preserve.iter().map(String::as_str), name)
            && self.chain(name).is_none()
    }

    pub(crate) fn chain_slice(&self) -> &[Chain] {
        &self.chains
    }

    fn chain_names(&self) -> Vec<String> {
        self.chains.iter().map(|c| c.name().to_string()).collect()
    }
}

impl Index<&str> for Table {
    type Output = Chain;
    fn index(&self, name: &str) -> &Chain {
        match self.chain(name) {
            Some(c) => c,
            None => panic!(
                "the {} table has no chain `{name}` (use Table::chain for a checked lookup)",
                self.name
            ),
        }
    }
}

impl IndexMut<&str> for Table {
    fn index_mut(&mut self, name: &str) -> &mut Chain {
        let table = self.name.clone();
        match self.chain_mut(name) {
            Some(c) => c,
            None => panic!("the {table} table has no chain `{name}` (use Table::chain_mut for a checked lookup)"),
        }
    }
}

/// All the tables for one family: what one `iptables-restore` (or `ip6tables-restore`) loads.
///
/// ```
/// use pyptables::{default_tables, Rule};
/// let mut tables = default_tables();
/// tables["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
/// assert!(tables.table("raw").is_none());
/// assert_eq!(tables["filter"]["INPUT"].len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tables {
    family: Family,
    tables: Vec<Table>,
}

impl Tables {
    /// No tables, for `family`.
    #[must_use]
    pub fn new(family: Family) -> Tables {
        Tables {
            family,
            tables: Vec::new(),
        }
    }

    /// The family these tables are for.
    #[must_use]
    pub fn family(&self) -> Family {
        self.family
    }

    /// Adds a table and returns it. A second table of the same name is reported by
    /// [`validate`](Tables::validate).
    pub fn add(&mut self, table: Table) -> &mut Table {
        self.tables.push(table);
        self.tables.last_mut().expect("just pushed")
    }

    /// The table called `name`.
    #[must_use]
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name() == name)
    }

    /// The table called `name`, mutably.
    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.iter_mut().find(|t| t.name() == name)
    }

    /// The table called `name`, creating it with its built-in chains when missing (an unknown
    /// table name is an error).
    #[track_caller]
    pub fn table_or_default(&mut self, name: &str) -> Result<&mut Table, Error> {
        match self.tables.iter().position(|t| t.name() == name) {
            Some(i) => Ok(&mut self.tables[i]),
            None => Ok(self.add(Table::with_builtin_chains_at(name, Origin::caller())?)),
        }
    }

    /// The tables in order.
    pub fn iter(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter()
    }

    /// The tables in order, mutably.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Table> {
        self.tables.iter_mut()
    }

    /// Whether there are no tables.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The number of rules in all tables.
    pub fn rule_count(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| t.chains())
            .map(Chain::len)
            .sum()
    }
}

impl Index<&str> for Tables {
    type Output = Table;
    fn index(&self, name: &str) -> &Table {
        match self.table(name) {
            Some(t) => t,
            None => panic!("no table `{name}` (use Tables::table for a checked lookup)"),
        }
    }
}

impl IndexMut<&str> for Tables {
    fn index_mut(&mut self, name: &str) -> &mut Table {
        match self.table_mut(name) {
            Some(t) => t,
            None => panic!("no table `{name}` (use Tables::table_mut for a checked lookup)"),
        }
    }
}

impl<'a> IntoIterator for &'a Tables {
    type Item = &'a Table;
    type IntoIter = std::slice::Iter<'a, Table>;
    fn into_iter(self) -> Self::IntoIter {
        self.tables.iter()
    }
}

fn defaults(family: Family, origin: Origin) -> Tables {
    let mut tables = Tables::new(family);
    for name in DEFAULT_TABLES {
        tables.add(
            Table::with_builtin_chains_at(name, origin)
                .expect("the default tables are in the catalog"),
        );
    }
    tables
}

/// The IPv4 tables python-pyptables' `default_tables()` gives: `filter`, `nat` and `mangle`
/// with all their built-in chains, policy ACCEPT.
#[track_caller]
#[must_use]
pub fn default_tables() -> Tables {
    defaults(Family::V4, Origin::caller())
}

/// The IPv6 counterpart of [`default_tables`], for `ip6tables-restore`.
#[track_caller]
#[must_use]
pub fn default_tables_v6() -> Tables {
    defaults(Family::V6, Origin::caller())
}
