//! Every problem the checks can find, with the one message both the `firewall!` macro and the
//! runtime validation print.

use thiserror::Error;

use crate::family::Family;
use crate::suggest::hint;

/// A problem in a firewall description. `Display` gives the message: what is wrong and, where
/// possible, what would be right.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Problem {
    /// A table name the kernel does not have.
    #[error("unknown table `{name}`; tables are {valid}{}", hint(suggestion.as_deref()))]
    UnknownTable {
        /// The name written.
        name: String,
        /// The tables there are.
        valid: String,
        /// The nearest table name.
        suggestion: Option<String>,
    },
    /// A built-in chain name the table does not have.
    #[error("the {table} table has no built-in chain `{chain}`; its built-in chains are {valid}{}", hint(suggestion.as_deref()))]
    UnknownBuiltinChain {
        /// The table.
        table: String,
        /// The chain name written.
        chain: String,
        /// The table's built-in chains.
        valid: String,
        /// The nearest built-in chain.
        suggestion: Option<String>,
    },
    /// A policy other than ACCEPT or DROP.
    #[error("policy `{policy}` is not allowed: a built-in chain's policy is `ACCEPT` or `DROP`{}", hint(suggestion.as_deref()))]
    BadPolicy {
        /// The policy written.
        policy: String,
        /// The nearest policy.
        suggestion: Option<String>,
    },
    /// DROP as a policy of a nat chain.
    #[error("the nat table is not for filtering: its chains cannot have policy DROP")]
    NatPolicyDrop,
    /// A policy on a user-defined chain.
    #[error("user chain `{chain}` cannot have a policy; only built-in chains have one (use a final rule such as `drop;` instead)")]
    PolicyOnUserChain {
        /// The chain.
        chain: String,
    },
    /// A table defined twice for one family.
    #[error("the {table} table is defined twice")]
    DuplicateTable {
        /// The table.
        table: String,
    },
    /// A chain defined twice in one table.
    #[error("chain `{chain}` is defined twice in the {table} table")]
    DuplicateChain {
        /// The table.
        table: String,
        /// The chain.
        chain: String,
    },
    /// A user chain name the kernel refuses.
    #[error("invalid chain name `{chain}`: {reason}")]
    BadChainName {
        /// The name.
        chain: String,
        /// Why it is refused.
        reason: String,
    },
    /// A `preserve` pattern that names no chain (see [`crate::preserve`]).
    #[error("invalid `preserve` pattern `{pattern}`: {reason}")]
    BadPreservePattern {
        /// The pattern written.
        pattern: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A jump or goto to a chain that is not defined in the table.
    #[error("{verb} to undefined chain `{chain}` in the {table} table{}{}", hint(suggestion.as_deref()), owner.map(|o| format!("; if it is {}'s chain, keep it with `preserve {};` in the table", o.owner, o.pattern)).unwrap_or_default())]
    UndefinedChain {
        /// `jump` or `goto`.
        verb: &'static str,
        /// The table.
        table: String,
        /// The missing chain.
        chain: String,
        /// The well-known software whose chains are named like it (see [`crate::preserve`]).
        owner: Option<&'static crate::preserve::ForeignOwner>,
        /// The nearest defined chain.
        suggestion: Option<String>,
    },
    /// A jump to a built-in chain.
    #[error("cannot {verb} to built-in chain `{chain}`; only user chains can be jumped to")]
    JumpToBuiltin {
        /// `jump` or `goto`.
        verb: &'static str,
        /// The chain.
        chain: String,
    },
    /// User chains that jump to each other in a circle.
    #[error("chains jump in a loop: {path}; the kernel refuses loops")]
    Loop {
        /// `a -> b -> a`.
        path: String,
    },
    /// A path of jumps from a built-in chain through more user chains than nf_tables allows.
    #[error("chain `{chain}` is reached through too many nested jumps: {path}; the nf_tables backend allows at most {max} user chains in a row (the kernel refuses the rule with \"Too many links\")")]
    JumpTooDeep {
        /// The chain one too deep.
        chain: String,
        /// The path from the built-in chain.
        path: String,
        /// The most user chains allowed in a path.
        max: usize,
    },
    /// A target name the catalog does not know.
    #[error("unknown target `{name}`{}", hint(suggestion.as_deref()))]
    UnknownTarget {
        /// The name written.
        name: String,
        /// The nearest target (or user chain).
        suggestion: Option<String>,
    },
    /// A target whose kernel module no current kernel has.
    #[error("target {name} cannot be loaded by any current kernel: {reason}")]
    RemovedTarget {
        /// The target.
        name: String,
        /// When and why it was removed, and what to use instead.
        reason: String,
    },
    /// A match module the catalog does not know.
    #[error("unknown match `{name}`{}", hint(suggestion.as_deref()))]
    UnknownMatch {
        /// The name written.
        name: String,
        /// The nearest module name.
        suggestion: Option<String>,
    },
    /// An option no known match or target has.
    #[error("unknown option `{key}`{}{}", owner.as_ref().map(|o| format!(" for {o}")).unwrap_or_default(), hint(suggestion.as_deref()))]
    UnknownOption {
        /// The option written.
        key: String,
        /// `match conntrack`, `target LOG`, or nothing for rule options.
        owner: Option<String>,
        /// The nearest option.
        suggestion: Option<String>,
    },
    /// An option used twice in one rule.
    #[error("option `{key}` is given twice in one rule")]
    DuplicateOption {
        /// The option.
        key: String,
    },
    /// An option that needs a protocol the rule does not have.
    #[error("`{what}` needs {} {}; {}", if protocols.len() > 1 { "one of the protocols" } else { "protocol" }, protocols.join("|"), match have { Some(p) => format!("this rule has proto={p}"), None => format!("add proto={}", protocols[0]) })]
    NeedsProtocol {
        /// The option, match or target.
        what: String,
        /// The protocols that would do.
        protocols: Vec<String>,
        /// The protocol the rule has, if any.
        have: Option<String>,
    },
    /// A value the option does not accept.
    #[error("bad value `{value}` for `{key}`: {reason}")]
    BadValue {
        /// The option.
        key: String,
        /// The value written (control characters escaped).
        value: String,
        /// What is wrong, and what would be right.
        reason: String,
    },
    /// A value of the other family (`10.0.0.1` in an IPv6 table).
    #[error("`{value}` is an {found} value but this rule is in an {family} table")]
    WrongFamily {
        /// The value.
        value: String,
        /// Its family.
        found: Family,
        /// The table's family.
        family: Family,
    },
    /// A match, target or option that does not exist in the rule's family.
    #[error("`{what}` is {} only; this rule is in an {family} table{}", family.other().name(), alternative.as_ref().map(|a| format!(" (use `{a}`)")).unwrap_or_default())]
    FamilyOnly {
        /// What was used.
        what: String,
        /// The rule's family.
        family: Family,
        /// The counterpart in the rule's family, if any.
        alternative: Option<String>,
    },
    /// A flag given a value, or an option given none.
    #[error("{}", if *flag { format!("`{key}` is a flag and takes no value") } else { format!("`{key}` needs a value: {expected}") })]
    ValueShape {
        /// The option.
        key: String,
        /// Whether it is a flag.
        flag: bool,
        /// What value it wants.
        expected: String,
    },
    /// `!` on an option that cannot be inverted.
    #[error("`{key}` cannot be negated with `!`")]
    NotNegatable {
        /// The option.
        key: String,
    },
    /// A target or match used where the kernel refuses it.
    #[error("{what} is not allowed in {}; it is allowed only in {allowed}", place(table, chain, via.as_deref()))]
    NotAllowedHere {
        /// `target MASQUERADE`, `match owner`, `option in-interface`.
        what: String,
        /// The table.
        table: String,
        /// The chain.
        chain: String,
        /// For a user chain: the built-in chains that reach it and are not allowed.
        via: Option<String>,
        /// Where it is allowed.
        allowed: String,
    },
    /// A required option is missing.
    #[error("{owner} needs {}", if options.len() == 1 { format!("option `{}`", options[0]) } else { format!("one of the options {}", options.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")) })]
    MissingOption {
        /// `target SNAT`, `match hashlimit`.
        owner: String,
        /// The options of which one is needed.
        options: Vec<String>,
    },
    /// Options that exclude each other.
    #[error("{owner}: `{first}` and `{second}` cannot be used together")]
    Exclusive {
        /// `target MARK`.
        owner: String,
        /// The first option.
        first: String,
        /// The second option.
        second: String,
    },
    /// Options of one match or target that do not go together (or a combination the kernel
    /// refuses, such as a slow rate with a big burst).
    #[error("{owner}: {reason}")]
    Combination {
        /// `match recent`, `target NFQUEUE`.
        owner: String,
        /// What is wrong, and what would be right.
        reason: String,
    },
    /// A raw rule text that would break the file.
    #[error("raw rule `{text}` is not allowed: {reason}")]
    BadRawRule {
        /// The text (control characters escaped).
        text: String,
        /// Why.
        reason: String,
    },
    /// A rule that could not be built from its description (a `firewall!` zone rule whose
    /// expansion failed at run time); it stands in the chain so that the failure is reported.
    #[error("the rule could not be built: {reason}")]
    Unbuilt {
        /// Why.
        reason: String,
    },
    /// A line of the rendered `iptables-restore` input longer than `iptables-restore` reads
    /// as one line (it would run the rest as a new line).
    #[error("{what} is written as a line of {bytes} bytes; iptables-restore reads at most {max} bytes a line and would run the rest as a new line: make it shorter (fewer or shorter options, or split it into several rules)")]
    LineTooLong {
        /// What the line holds: `this rule`, `the comment line of chain x`.
        what: String,
        /// Its length.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A rule line with more words than `iptables-restore` takes.
    #[error("{what} is written as {words} words; iptables-restore takes at most {max} words a rule line (`-A CHAIN` included): split it into several rules")]
    TooManyWords {
        /// What the line holds.
        what: String,
        /// How many words it has.
        words: usize,
        /// The limit.
        max: usize,
    },
    /// A word of a rule line longer than `iptables-restore` takes.
    #[error("{what} has a word of {bytes} bytes (`{start}…`); iptables-restore takes at most {max} bytes a word")]
    WordTooLong {
        /// What the line holds.
        what: String,
        /// The word's first characters.
        start: String,
        /// Its length.
        bytes: usize,
        /// The limit.
        max: usize,
    },
    /// A list value mixing negated and plain values.
    #[error("`{key}` has a list that mixes negated and plain values; iptables negates a whole option, so no rule means that: negate every value (none of them), none, or write several rules")]
    MixedNegation {
        /// The option.
        key: String,
    },
    /// Several addresses negated together.
    #[error("`{key}` has several negated addresses; iptables refuses `!` with several addresses and has no \"none of these\" for them: use an ipset (`match=set match_set!=NAME`, `-m set ! --match-set NAME src`), or a user chain that returns for each address before the rule")]
    NegatedAddresses {
        /// The option.
        key: String,
    },
    /// An option given an empty list.
    #[error("`{key}` has no value (an empty list): a rule needs a value to match; leave the rule out, or, for a negated list (\"not in the empty set\" is every packet), the option")]
    EmptyList {
        /// The option.
        key: String,
    },
    /// A rule whose lists expand into too many rules (a runaway cartesian product).
    #[error(
        "this rule's lists expand into {count} rules (at most {max}); use fewer or shorter lists"
    )]
    TooManyRules {
        /// How many rules (`too many` when it does not fit a number).
        count: String,
        /// The limit.
        max: usize,
    },
    /// Under the nftables engine: something nft has no equivalent of.
    #[error("nftables cannot express {what}: {reason}")]
    NoNftForm {
        /// The match, target or option (`-m recent`).
        what: String,
        /// Why, or what to write instead.
        reason: String,
    },
    /// Under the nftables engine: a name nft cannot write as an identifier.
    #[error("nftables cannot name the {what} `{name}`: nft names are letters, digits and `_ - . /`, starting with a letter or `_`, and not a word of nft's language (`ip`, `counter`, `timeout`, …)")]
    NftName {
        /// What is named: `chain`, `table`, `set`.
        what: &'static str,
        /// The name.
        name: String,
    },
}

fn place(table: &str, chain: &str, via: Option<&str>) -> String {
    match via {
        Some(via) => format!("{table} chain `{chain}` (reached from {via})"),
        None => format!("{table} {chain}"),
    }
}

/// `text` with control characters shown as escapes, safe to print in one line.
#[must_use]
pub fn shown(text: &str) -> String {
    text.escape_debug().to_string()
}
