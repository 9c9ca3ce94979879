//! Generate Linux iptables configurations from Rust code — checked by the compiler, rendered
//! in `iptables-restore` format, applied atomically.
//!
//! A Rust reimagining of python-pyptables. Build a model of [`Tables`] → [`Table`] →
//! [`Chain`] → [`Rule`] with the builder API, or write it in the compile-time checked
//! [`firewall!`] DSL; [`validate`](Tables::validate) it against the iptables catalog; render it
//! with [`to_iptables`](Tables::to_iptables); apply it with [`restore`].
//!
//! ```
//! use pyptables::{default_tables, Policy, Rule};
//!
//! let mut tables = default_tables();
//! let forward = &mut tables["filter"]["FORWARD"];
//! forward.set_policy(Policy::Drop).unwrap();
//! forward.push(Rule::new().ctstate("ESTABLISHED").accept());
//! for port in [53, 80, 443] {
//!     forward.push(Rule::new().proto("tcp").dport(port).accept());
//! }
//! tables.validate().unwrap();
//! let text = tables.to_iptables_plain();
//! assert!(text.contains(":FORWARD DROP [0:0]"));
//! assert!(text.contains("-A FORWARD -m conntrack --ctstate ESTABLISHED -j ACCEPT"));
//! ```
#![warn(missing_docs)]

#[cfg(feature = "cli")]
pub mod cli;
mod error;
pub mod explain;
mod firewall;
pub mod import;
pub mod lint;
pub mod model;
pub mod nft;
mod origin;
mod preserve;
mod render;
mod restore;
mod validate;
pub mod value;
pub mod zones;

#[doc(hidden)]
pub mod __private;

pub use error::{Error, RestoreError, RuleRef};
pub use firewall::Firewall;
pub use import::ImportError;
pub use model::{
    default_tables, default_tables_v6, marked, Arg, Chain, ChainKind, ChainName, IntoRules, Mark,
    Match, Policy, Rule, Table, Tables, Target,
};
pub use nft::NftOptions;
pub use origin::Origin;
pub use render::{add_line_numbers, colorize, LineSource, Rendered, Style};
pub use restore::{restore, Backend, RestoreOptions};
pub use validate::{ValidationError, ValidationErrors};

/// The iptables catalog (tables, targets, matches, value kinds) this crate and the
/// [`firewall!`] macro check against.
pub use pyptables_catalog as catalog;
pub use pyptables_catalog::{Family, Problem};

/// Writes a firewall in a compile-time checked DSL and returns a [`Firewall`].
///
/// ```
/// use pyptables::firewall;
/// let fw = firewall! {
///     filter {
///         FORWARD policy DROP {
///             accept ctstate=ESTABLISHED;
///             accept proto=tcp dport=[53, 80, 443];
///         }
///     }
/// };
/// assert!(fw.ipv4().to_iptables().contains("-A FORWARD -p tcp -m multiport --dports 53,80,443 -j ACCEPT"));
/// ```
pub use pyptables_macros::firewall;
