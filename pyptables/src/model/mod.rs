//! The model: [`Tables`] → [`Table`] → [`Chain`] → [`Rule`].

pub mod chain;
pub mod marks;
pub mod rule;
pub mod tables;

pub use chain::{Chain, ChainKind, Policy};
pub use marks::{marked, Mark};
pub use rule::{Arg, ChainName, IntoRules, Match, Rule, Target};
pub use tables::{default_tables, default_tables_v6, Table, Tables};
