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
mod model;
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
/// [`firewall!`] macro check against: the `pyptables-catalog` crate, whole, for tools that
/// read the catalog or run its checks themselves. A program that builds firewalls needs only
/// the two catalog types this crate's own API takes and returns, re-exported here:
/// [`Family`] and [`Problem`].
pub use pyptables_catalog as catalog;
pub use pyptables_catalog::{Family, Problem};

/// A firewall written in a compile-time checked DSL; its value is a `pyptables::Firewall`.
///
/// ```
/// use pyptables::firewall;
///
/// let admin: std::net::IpAddr = "192.0.2.7".parse().unwrap();
/// let fw = firewall! {
///     filter {
///         INPUT policy DROP {
///             accept in_interface=lo;
///             accept ctstate=[ESTABLISHED, RELATED];
///             accept proto=tcp dport=ssh source={admin} comment="SSH from the admin host";
///             jump web proto=tcp dport=[http, https];
///             log log_prefix="INPUT drop: ";
///         }
///         chain web "public web" { accept limit=50/second; drop; }
///     }
///     inet { raw { PREROUTING { notrack in_interface=lo; } } }
/// };
/// fw.validate().unwrap();
/// let v4 = fw.ipv4().to_iptables_plain();
/// assert!(v4.contains("-A INPUT -s 192.0.2.7 -p tcp -m tcp --dport 22 -m comment --comment \"SSH from the admin host\" -j ACCEPT\n"));
/// assert!(v4.contains("-A INPUT -p tcp -m multiport --dports 80,443 -j web\n"));
/// assert!(fw.ipv6().to_iptables_plain().contains("-A PREROUTING -i lo -j NOTRACK\n"));
/// ```
///
/// # The language
///
/// - **Families.** Tables at the top level (or in `ip { … }`) are IPv4, in `ip6 { … }` IPv6,
///   in `inet { … }` both: each of their rules goes to both families and is checked for each
///   (an address of one family there is an error that says where to move the rule). A table
///   named more than once in a family — in `inet` and in `ip6`, say — is one table: chains of
///   the same name are merged, rules in source order; a chain's policy (or comment) may be
///   given in more than one place only if it is the same. The value holds only the tables the
///   source names; missing built-in chains of a named table are added with policy ACCEPT
///   (unless the table has `preserve` patterns).
/// - **Chains.** `NAME [policy ACCEPT|DROP] { rules }` or `NAME policy P;` for built-in chains,
///   `chain NAME ["comment"] { rules }` for user chains. A chain written twice in one table
///   block is an error.
/// - **Sharing the host.** `preserve NAME, PREFIX*, "NAME", …;` in a table block names chains
///   of other software (Docker `DOCKER*`, fail2ban `f2b-*`, Kubernetes `KUBE-*`, …; a trailing
///   `*` is a prefix). `jump`/`goto` to a name a pattern matches compiles without a definition
///   (other names are still checked, with "did you mean"); a chain the table defines is its
///   own even when a pattern matches it (`chain DOCKER-USER { … }` with `preserve DOCKER*;`).
///   Such a table holds only the built-in chains it names: applying it keeps the other
///   software's chains, the jumps to them and the built-in chains it does not name (see
///   `Table::preserve`). Patterns apply to the table in the sections they are written in
///   (`inet` for both families).
/// - **Rules.** `[verb] option* ;` where the verb is a catalog target in lower case (`accept`,
///   `drop`, `reject`, `return`, `log`, `masquerade`, `snat`, `dnat`, `redirect`, `mark`, `ct`,
///   `notrack`, …), `jump NAME`, `goto NAME`, or `raw "iptables text"` (no options). Without a
///   verb, a rule has no target; it may then start with a flag (`syn proto=tcp;`).
/// - **Unchecked rules.** `raw unchecked "iptables text"` is the escape hatch for an extension
///   the catalog does not know (`raw unchecked "-j NFLOG --nflog-range 64";`), as
///   [`Rule::raw_unchecked`]. Its text is still read as `iptables-restore` reads it and can
///   never add a line or a command, its gotos and its jumps to names not written in capitals
///   must name a defined chain, and the line limits apply; the catalog's checks of its
///   matches, targets and options are skipped, so **the kernel's verdict (`check`, which loads
///   the rules in a scratch network namespace) is then the only check**. `check` and `print`
///   list every unchecked rule with its source line.
/// - **Options.** `key=value`, `key!=value`, `flag`, `!flag`; keys are iptables' long option
///   names with `_` or `-`, plus short names (`proto`/`p`, `source`/`s`, `destination`/`d`,
///   `in_interface`/`i`, `out_interface`/`o`). The match module is found from the key
///   (`ctstate` → `-m conntrack`, `dport` with `proto=tcp` → `-m tcp`). `match=NAME` makes the
///   options after it that module NAME has belong to NAME (`match=recent name=ssh set`);
///   followed by none of them it is the match alone (`accept match=socket;` → `-m socket`),
///   a compile error at `match=NAME` for a match iptables takes only with options. After
///   a verb, an option of its target (`log_prefix`, `reject_with`, `to_destination`) is the
///   target's, unless the `match=` module in force has an option of that name.
/// - **Blocks.** `option+ { rules }`: the block's options come first in every rule inside,
///   outer blocks first.
/// - **Values.** Names (`echo-request`), numbers, ranges (`1024:65535`), IPv4 addresses and
///   networks, string literals (for text and IPv6), lists `[a, b]`, and `{expr}`. Port service
///   names (those of Debian's netbase `/etc/services`) become numbers at compile time.
/// - **Lists.** On an option that takes a list (`ctstate`, `weekdays`, multiport's `dports`, …)
///   a list is one comma-joined value. On `dport`/`sport` several ports become `-m multiport
///   --dports/--sports` in chunks of at most 15 (a range counts two), one rule per chunk. On any
///   other option each element gives its own rule; several lists give their cartesian product,
///   the first list outermost. A negated list that would need more than one rule is an error.
/// - **`{expr}`.** A Rust expression evaluated at run time, once, in source order, before the
///   tables are built. An iterable (`Vec`, array, slice, `Option`, any `IntoIterator` of values
///   or of references to common value types) gives one value per item, which then works like a
///   list above (joined, multiport chunks, or one rule each); anything else is one value: a
///   `&str`, a `pyptables::value::IntoValue` (addresses, networks, integers, `String`, …) or
///   any `Display`. Such values are checked by `Firewall::validate` (with the same catalog and
///   messages) rather than at compile time. An empty iterable gives no rule ("in the empty set"
///   matches nothing), except on a negated option: `drop source!={allowed}` with nothing
///   allowed is "not in the empty set", every packet, so the rule stays without the option (it
///   is never left out, which would remove the drop). Values negated one by one
///   (`value::not`) are "none of these": joined into one negated option where iptables has
///   one (`! --dports 22,80`, `! --ctstate …`), refused by validation where it has none
///   (several addresses, a mix of negated and plain values). A rule whose lists expand into
///   more than 100,000 rules is an error, at compile time for written lists and from
///   `Firewall::validate` for `{expr}` lists.
///
/// # Zones and host groups
///
/// A zone-based firewall (Shorewall's zones and policy, python-pyptables' `ForwardingRule`)
/// declares its names once at the top level and uses them in rules:
///
/// ```
/// let fw = pyptables::firewall! {
///     zones { lan = eth1; dmz = eth2; wan = ppp+; guests = br0 port=vif3; }
///     hosts {
///         web = [198.51.100.10, 198.51.100.20-198.51.100.30];
///         blocklist = ipset blocklist;
///     }
///     filter {
///         FORWARD policy DROP {
///             accept ctstate=[ESTABLISHED, RELATED];
///             drop from=wan:blocklist;
///             accept from=[lan, wan] to=dmz:web tcp=[http, https] log="to web ";
///             from=guests { accept to=wan; }
///             drop log="FWD drop ";      // log the rest
///         }
///     }
/// };
/// fw.validate().unwrap();
/// assert!(fw.ipv4().to_iptables_plain().contains(
///     "-A FORWARD -i eth1 -o eth2 -p tcp -m iprange --dst-range 198.51.100.20-198.51.100.30 \
///      -m multiport --dports 80,443 -m comment --comment \"lan -> dmz:web, channel tcp, \
///      ports any -> 80,443\" -j ACCEPT"));
/// ```
///
/// - **`zones { NAME = INTERFACE [port=BRIDGE_PORT]; … }`**: a network behind an interface
///   (`-i`/`-o`), optionally one port of a bridge (`-m physdev`).
/// - **`hosts { NAME = ADDRESSES; … }`**: an address, network or `a-b` range (`-m iprange`), or
///   a list of them (IPv6 in strings); **`NAME = ipset SET;`** for an ipset (`-m set`).
///   Zones and host groups share one namespace.
/// - **Zone rules** are rules with `from=`, `to=`, `tcp=`, `udp=`, `icmp=` or `log=`:
///   `from=`/`to=` take a zone, a host group, `zone:group` (the group behind that zone) or a
///   list of them; `tcp=`/`udp=` take destination ports (one, a list — `-m multiport` — or
///   `any`), `icmp=` a type or `any`; `ctstate=` connection states each channel matches;
///   `log="PREFIX"` adds a LOG rule before each verdict;
///   `comment=` prefixes the generated comments. The verb is `accept`, `drop`, `reject`,
///   `jump`/`goto NAME`, or none with `log=` (log only). Nothing else may be given with them,
///   but a block's `from=`/`to=`/… apply to the rules inside.
/// - They expand at run time with `pyptables::zones` (`ForwardingRule` in FORWARD and user
///   chains, `InputRule` in INPUT) into sources × destinations × channels, in that order, each
///   rule commented with its route (`lan -> dmz:web, channel tcp, ports any -> 80,443`). In
///   `inet { … }` each family gets the host entries of its own.
/// - Checked at compile time: unknown zone or group names ("did you mean"), duplicate names,
///   interface names, addresses, networks and ranges (a range that starts after its end or
///   mixes families), ports and port ranges, at most 15 multiport slots, ICMP types, the log
///   prefix and comment lengths, `to=` in INPUT, zone rules in other built-in chains, a group
///   with no address of the rule's only family, `icmp=` for IPv6, service names of the other
///   protocol (`tcp=ntp`). The generated comments' total length is checked by
///   `Firewall::validate`.
/// - Zone and group names are not interfaces or addresses: in any other rule, a zone name as
///   an interface option's value (`out_interface=wan`) or a zone or group name as an address
///   (`source=`, `to_destination=`) is an error that says what to write (a zone named like its
///   own interface, `wan = wan`, is that interface and allowed).
///
/// # Compile-time checks
///
/// Each mistake is an error at its token, all reported together: unknown table; built-in
/// chain not in the table; policy on a user chain, other than ACCEPT/DROP, or DROP in `nat`;
/// unknown verb, match or option ("did you mean"); a verb among the options (a missing `;`);
/// jump or goto to a chain not defined in that table (per family); duplicate chain; loops;
/// target, match or option not allowed in that table or chain, also through jumps (judged from
/// every built-in chain that reaches a user chain); option needing a protocol the rule lacks;
/// option given twice; bad values (addresses, prefixes, ports, ranges, service names, states,
/// ICMP types, interface names, text lengths, rates, …); values and matches of the other
/// family; `!` on an option that cannot be negated; missing or conflicting target options.
/// Rules with only written values become static data, so compile time grows linearly with the
/// number of rules.
pub use pyptables_macros::firewall;
