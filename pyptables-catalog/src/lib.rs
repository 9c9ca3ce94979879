//! The iptables extension catalog shared by [`pyptables`] and its `firewall!` macro.
//!
//! One place holds what the kernel and iptables accept: the tables and their built-in chains
//! ([`tables`]), the targets ([`targets`]) and match modules ([`matches`](mod@matches)) with their options,
//! value kinds ([`value`]) and where each is allowed. The checks built on it ([`rule`] for one
//! rule, [`chains`] for a table's chains) are used both at compile time by the macro and at run
//! time by `pyptables`' validation, so both report the same [`Problem`] messages. [`preserve`]
//! lists the chains of well-known other software (Docker, fail2ban, Kubernetes, …) and
//! matches `preserve` patterns. Host group
//! entries are read by one parser, [`hosts::parse_host`], at compile time and at start-up.
//!
//! Most users depend on `pyptables` alone; this crate is public so other tools can reuse the
//! catalog.
//!
//! ```
//! use pyptables_catalog::{targets, Hook};
//! let masquerade = targets::find("MASQUERADE").unwrap();
//! assert!(masquerade.scope.allows_table("nat"));
//! assert!(!masquerade.scope.hooks.contains(Hook::Prerouting));
//! ```
//!
//! [`pyptables`]: https://docs.rs/pyptables

pub mod chains;
pub mod combos;
pub mod family;
pub mod hooks;
pub mod hosts;
pub mod limits;
pub mod matches;
pub mod nft;
pub mod packet;
pub mod preserve;
pub mod problem;
pub mod raw;
pub mod rule;
pub mod services;
pub mod spec;
pub mod suggest;
pub mod tables;
pub mod targets;
pub mod value;

pub use family::{Families, Family};
pub use hooks::{Hook, Hooks};
pub use problem::Problem;
pub use rule::{Arg, Finding, Place, RuleContext, TargetCall, TargetKind};
pub use spec::{Constraint, Given, MatchSpec, OptionSpec, Scope, TargetSpec, Violation};
pub use value::{ValueError, ValueKind};
