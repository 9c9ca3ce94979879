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
//! # One entry per extension
//!
//! Everything known about one extension sits in its entry: a [`MatchSpec`] in
//! [`matches::MATCHES`] or a [`TargetSpec`] in [`targets::TARGETS`], written as a `const`
//! value. An entry is made by a short constructor (`m(…)`, `t(…)`) with its options
//! ([`OptionSpec`], each `O::new(name, kind)`), and everything else is chained onto it as a
//! `const fn` builder method that returns the changed entry:
//!
//! ```text
//! m("recent", Implicit::Never, &[
//!     O::new("name", K::Name { max: 199 }),  // an option: its name and value kind
//!     O::new("set", FLAG).negatable(),        // option builders: .negatable(), .hooks(), …
//!     …
//! ])
//! .constrained(&[C::Needs("reap", &["seconds"]), …]) // checks on combinations of options
//! ```
//!
//! So a new kind of knowledge (an extension's nftables form, its meaning for a packet) is a new
//! field with a default in the constructor and a builder method that sets it, chained onto the
//! entries that need it; the function using it reads it from the entry ([`matches::find`],
//! [`targets::find`]). Entries are not re-indented or reordered for it, so additions of
//! different kinds merge. The checks shared by the macro and the runtime live next to the data
//! they read: value kinds and their messages in [`value`], the size limits of iptables-restore
//! and `-m multiport` in [`limits`], combinations in [`combos`], tables in [`tables`].
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
mod family;
mod hooks;
pub mod hosts;
pub mod limits;
pub mod matches;
pub mod nft;
pub mod packet;
pub mod preserve;
pub mod problem;
pub mod raw;
pub mod reference;
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
