//! The model: [`Tables`] → [`Table`] → [`Chain`] → [`Rule`].

pub(crate) mod chain;
pub(crate) mod marks;
pub(crate) mod rule;
pub(crate) mod tables;

pub use chain::{Chain, ChainKind, Policy};
pub use marks::{marked, Mark};
pub use rule::{Arg, ChainName, IntoRules, Match, Rule, Target};
pub use tables::{default_tables, default_tables_v6, Table, Tables};
