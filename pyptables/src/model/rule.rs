//! Rules: matches and a target, usable as templates.

use pyptables_catalog::{targets, TargetKind};

use crate::model::chain::Chain;
use crate::origin::Origin;
use crate::value::{IntoValue, Value};

use crate::value::Text;

/// One option of a rule or target: `--key value`, `! --key value`, or a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The match module it was given for explicitly (`-m recent`), if any; otherwise the
    /// module is found from the catalog (`ctstate` → `conntrack`).
    pub module: Option<Text>,
    /// The option name (`dport`, `log-prefix`; `_` and `-` are alike).
    pub key: Text,
    /// Whether it is inverted with `!`.
    pub negated: bool,
    /// The value; `None` for a flag.
    pub value: Option<Text>,
}

impl Arg {
    /// An option with a value.
    pub fn new(key: impl Into<Text>, value: impl IntoValue) -> Arg {
        let Value { text, negated } = value.into_value();
        Arg {
            module: None,
            key: key.into(),
            negated,
            value: Some(text),
        }
    }

    /// A flag (an option without a value).
    pub fn flag(key: impl Into<Text>) -> Arg {
        Arg {
            module: None,
            key: key.into(),
            negated: false,
            value: None,
        }
    }

    /// The match `module` given without options (`-m socket` alone): an empty key. See
    /// [`Arg::is_bare`].
    pub fn bare(module: impl Into<Text>) -> Arg {
        Arg {
            module: Some(module.into()),
            key: Text::const_new(""),
            negated: false,
            value: None,
        }
    }

    /// Whether it stands for its match given without options (`-m socket` alone) rather than
    /// for an option: its key is empty and it names a module.
    #[must_use]
    pub fn is_bare(&self) -> bool {
        self.key.is_empty() && self.module.is_some()
    }

    pub(crate) fn as_catalog(&self) -> pyptables_catalog::Arg<'_> {
        pyptables_catalog::Arg {
            module: self.module.as_deref(),
            key: &self.key,
            negated: self.negated,
            value: self.value.as_deref(),
        }
    }
}

/// A match module with its options, pyptables' `Match('recent', name='ssh', set=True)`.
///
/// ```
/// use pyptables::{Match, Rule};
/// let rule = Rule::new().with_match(Match::new("recent").opt("name", "ssh").flag("set"));
/// assert_eq!(rule.to_string(), "-m recent --name ssh --set");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    module: Text,
    args: Vec<Arg>,
}

impl Match {
    /// The module `name` (`-m name`).
    pub fn new(name: impl Into<Text>) -> Match {
        Match {
            module: name.into(),
            args: Vec::new(),
        }
    }

    /// Adds `--key value` (or `! --key value` for a [`not`](crate::value::not) value).
    #[must_use]
    pub fn opt(mut self, key: impl Into<Text>, value: impl IntoValue) -> Match {
        self.args.push(Arg::new(key, value));
        self
    }

    /// Adds the flag `--key`.
    #[must_use]
    pub fn flag(mut self, key: impl Into<Text>) -> Match {
        self.args.push(Arg::flag(key));
        self
    }

    /// Adds the inverted flag `! --key`.
    #[must_use]
    pub fn not_flag(mut self, key: impl Into<Text>) -> Match {
        self.args.push(Arg {
            negated: true,
            ..Arg::flag(key)
        });
        self
    }
}

/// What a rule does with a packet that matches: a catalog target or a jump/goto to a user chain.
///
/// ```
/// use pyptables::Target;
/// let log = Target::new("LOG").opt("log-prefix", "dropped: ").opt("log-level", 4);
/// assert_eq!(log.name(), "LOG");
/// assert_eq!(Target::jump("ssh_guard").name(), "ssh_guard");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    name: Text,
    kind: TargetKind,
    args: Vec<Arg>,
}

impl Target {
    /// `-j ACCEPT`
    pub const ACCEPT: Target = Target::builtin_const("ACCEPT");
    /// `-j DROP`
    pub const DROP: Target = Target::builtin_const("DROP");
    /// `-j REJECT`
    pub const REJECT: Target = Target::builtin_const("REJECT");
    /// `-j RETURN`
    pub const RETURN: Target = Target::builtin_const("RETURN");
    /// `-j LOG`
    pub const LOG: Target = Target::builtin_const("LOG");
    /// `-j MASQUERADE`
    pub const MASQUERADE: Target = Target::builtin_const("MASQUERADE");
    /// `-j REDIRECT`
    pub const REDIRECT: Target = Target::builtin_const("REDIRECT");

    const fn builtin_const(name: &'static str) -> Target {
        Target {
            name: Text::const_new(name),
            kind: TargetKind::Builtin,
            args: Vec::new(),
        }
    }

    /// A target by name, as pyptables' `jump=`: a catalog target when the name is one
    /// (`ACCEPT`, `LOG`), otherwise a jump to the user chain of that name.
    pub fn new(name: impl Into<Text>) -> Target {
        let name = name.into();
        let kind = if targets::find(&name).is_some() {
            TargetKind::Builtin
        } else {
            TargetKind::Jump
        };
        Target {
            name,
            kind,
            args: Vec::new(),
        }
    }

    /// `-j CHAIN`: a jump to a user chain (by name or by the chain itself).
    pub fn jump(chain: impl ChainName) -> Target {
        Target {
            name: chain.chain_name(),
            kind: TargetKind::Jump,
            args: Vec::new(),
        }
    }

    /// `-g CHAIN`: a goto to a user chain; its RETURN goes back past this rule's chain.
    pub fn goto(chain: impl ChainName) -> Target {
        Target {
            name: chain.chain_name(),
            kind: TargetKind::Goto,
            args: Vec::new(),
        }
    }

    /// Adds a target option `--key value`.
    #[must_use]
    pub fn opt(mut self, key: impl Into<Text>, value: impl IntoValue) -> Target {
        self.args.push(Arg::new(key, value));
        self
    }

    /// Adds a target flag `--key`.
    #[must_use]
    pub fn flag(mut self, key: impl Into<Text>) -> Target {
        self.args.push(Arg::flag(key));
        self
    }

    /// The target or chain name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether it is a catalog target, a jump or a goto.
    #[must_use]
    pub fn kind(&self) -> TargetKind {
        self.kind
    }

    /// The target's options.
    #[must_use]
    pub fn args(&self) -> &[Arg] {
        &self.args
    }

    pub(crate) fn from_parts(name: Text, kind: TargetKind, args: Vec<Arg>) -> Target {
        Target { name, kind, args }
    }
}

/// Something that names a chain: a `&str`, a `String`, or a [`Chain`].
pub trait ChainName {
    /// The chain's name.
    fn chain_name(self) -> Text;
}
impl ChainName for &'static str {
    fn chain_name(self) -> Text {
        Text::const_new(self)
    }
}
impl ChainName for String {
    fn chain_name(self) -> Text {
        Text::from(self)
    }
}
impl ChainName for &Chain {
    fn chain_name(self) -> Text {
        Text::from(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    Options {
        args: Vec<Arg>,
        target: Option<Target>,
    },
    /// Raw text; `extended` records that options were added to it afterwards, which
    /// validation reports rather than guessing how to combine them; `unchecked` marks a
    /// [`Rule::raw_unchecked`] rule.
    Raw {
        text: Text,
        extended: bool,
        unchecked: bool,
    },
    /// Rules that could not be made (a `firewall!` rule whose run-time lists expand into too
    /// many, a zone rule whose expansion failed; see [`Rule::unbuilt`]): validation reports
    /// the problem, and the line written for it is one iptables refuses, so it can never load
    /// as less.
    Invalid(pyptables_catalog::Problem),
}

/// An iptables rule: options that match packets, and an optional target.
///
/// A rule is a value, so it works as a template, like pyptables' `SSH = Rule(proto='tcp',
/// dport='22')`: clone it and add what differs. A clone remembers the line where it was
/// cloned, so each use is annotated with its own place.
///
/// ```
/// use pyptables::{Rule, value::not};
/// let ssh = Rule::new().proto("tcp").dport(22);
/// let from_workstation = ssh.clone().source("1.1.1.1").comment("SSH from my workstation").accept();
/// let others = ssh.clone().source(not("10.0.0.0/8")).reject();
/// assert_eq!(from_workstation.to_string(),
///     "-s 1.1.1.1 -p tcp -m tcp --dport 22 -m comment --comment \"SSH from my workstation\" -j ACCEPT");
/// assert_eq!(others.to_string(), "! -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -j REJECT");
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub(crate) body: Body,
    pub(crate) origin: Origin,
}

impl Clone for Rule {
    #[track_caller]
    fn clone(&self) -> Rule {
        Rule {
            body: self.body.clone(),
            origin: Origin::caller(),
        }
    }
}

impl Default for Rule {
    #[track_caller]
    fn default() -> Rule {
        Rule::new()
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $method:ident => $key:literal;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $method(self, value: impl IntoValue) -> Rule {
            self.opt($key, value)
        }
    )*};
}

macro_rules! verbs {
    ($($(#[$doc:meta])* $method:ident => $target:ident;)*) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $method(self) -> Rule {
            self.target(Target::$target)
        }
    )*};
}

impl Rule {
    /// An empty rule (it matches every packet and has no target).
    #[track_caller]
    #[must_use]
    pub fn new() -> Rule {
        Rule {
            body: Body::Options {
                args: Vec::new(),
                target: None,
            },
            origin: Origin::caller(),
        }
    }

    /// A rule written as raw iptables text after `-A CHAIN`, pyptables' `CustomRule`.
    ///
    /// It is still checked: text that could break the file (a newline, an unclosed quote, a
    /// command such as `-A` or `-F`) is a validation error.
    #[track_caller]
    pub fn raw(text: impl Into<Text>) -> Rule {
        Rule {
            body: Body::Raw {
                text: text.into(),
                extended: false,
                unchecked: false,
            },
            origin: Origin::caller(),
        }
    }

    /// The escape hatch: a raw rule using a match, target or option the catalog does not know
    /// (a target newer than the catalog, NFLOG's obsolete `--nflog-range`), written as raw
    /// iptables text after `-A CHAIN`.
    ///
    /// It is still split and quoted exactly as `iptables-restore` reads it and can never add a
    /// line or a command (a newline, an unclosed quote, `-A`, `-F`, `-t` … are validation
    /// errors, as for [`Rule::raw`]); a goto, and a jump to a name that is not written in
    /// capitals like iptables' targets, must name a defined chain; the restore line limits
    /// apply. What is skipped is the catalog's knowledge of its matches, targets and options,
    /// so **the kernel's verdict is then the only check**: run `check`, which loads the
    /// ruleset in a scratch network namespace. `check` and `print` list every unchecked rule
    /// with its source line, the nftables engine refuses it (it cannot translate what it does
    /// not know), and `explain`/`lint` treat it as unknown.
    ///
    /// ```
    /// use pyptables::Rule;
    /// let r = Rule::raw_unchecked("-p udp -j NFLOG --nflog-group 5 --nflog-range 64");
    /// assert!(r.is_unchecked());
    /// assert!(!Rule::raw("-j ACCEPT").is_unchecked());
    /// ```
    #[track_caller]
    pub fn raw_unchecked(text: impl Into<Text>) -> Rule {
        Rule {
            body: Body::Raw {
                text: text.into(),
                extended: false,
                unchecked: true,
            },
            origin: Origin::caller(),
        }
    }

    /// Whether this is a [`Rule::raw_unchecked`] rule, which only the kernel checks.
    #[must_use]
    pub fn is_unchecked(&self) -> bool {
        matches!(
            self.body,
            Body::Raw {
                unchecked: true,
                ..
            }
        )
    }

    /// A rule standing for one that could not be built, so that the failure is reported by
    /// validation (with `reason`) instead of the rule going missing or the program panicking.
    pub(crate) fn unbuilt(reason: String) -> Rule {
        Rule {
            body: Body::Invalid(pyptables_catalog::Problem::Unbuilt { reason }),
            origin: Origin::caller(),
        }
    }

    /// The same rule, recorded as written at `origin` (the `firewall!` macro uses this).
    #[must_use]
    pub fn at(mut self, origin: Origin) -> Rule {
        self.origin = origin;
        self
    }

    /// Where this rule was created (or cloned).
    #[must_use]
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The rule's options, empty for a raw rule.
    #[must_use]
    pub fn args(&self) -> &[Arg] {
        match &self.body {
            Body::Options { args, .. } => args,
            Body::Raw { .. } | Body::Invalid(_) => &[],
        }
    }

    /// The rule's target, if it has one.
    #[must_use]
    pub fn get_target(&self) -> Option<&Target> {
        match &self.body {
            Body::Options { target, .. } => target.as_ref(),
            Body::Raw { .. } | Body::Invalid(_) => None,
        }
    }

    /// The raw text of a [`Rule::raw`] rule.
    #[must_use]
    pub fn raw_text(&self) -> Option<&str> {
        match &self.body {
            Body::Raw { text, .. } => Some(text),
            Body::Options { .. } | Body::Invalid(_) => None,
        }
    }

    /// The rule's comment (`-m comment --comment`), if it has one.
    #[must_use]
    pub fn comment_text(&self) -> Option<&str> {
        self.args()
            .iter()
            .find(|a| pyptables_catalog::rule::same_key(&a.key, "comment"))
            .and_then(|a| a.value.as_deref())
    }

    fn push_arg(mut self, arg: Arg) -> Rule {
        match &mut self.body {
            Body::Options { args, .. } => {
                if args.capacity() == 0 {
                    args.reserve(8);
                }
                args.push(arg)
            }
            Body::Raw { extended, .. } => *extended = true,
            Body::Invalid(_) => {}
        }
        self
    }

    /// Adds `--key value` (`! --key value` for a [`not`](crate::value::not) value). The match
    /// module is found from the catalog (`ctstate` → `-m conntrack`).
    #[must_use]
    pub fn opt(self, key: impl Into<Text>, value: impl IntoValue) -> Rule {
        self.push_arg(Arg::new(key, value))
    }

    /// Adds the flag `--key` (`syn`, `fragment`).
    #[must_use]
    pub fn flag(self, key: impl Into<Text>) -> Rule {
        self.push_arg(Arg::flag(key))
    }

    /// Adds the inverted flag `! --key`.
    #[must_use]
    pub fn not_flag(self, key: impl Into<Text>) -> Rule {
        self.push_arg(Arg {
            negated: true,
            ..Arg::flag(key)
        })
    }

    /// Adds an explicit match module with its options. A match given no options is written
    /// alone (`-m socket`), where the catalog says iptables takes it so; elsewhere validation
    /// refuses it and says which options it needs.
    #[must_use]
    pub fn with_match(mut self, m: Match) -> Rule {
        if m.args.is_empty() {
            return self.push_arg(Arg::bare(m.module));
        }
        for mut arg in m.args {
            arg.module = Some(m.module.clone());
            self = self.push_arg(arg);
        }
        self
    }

    /// Adds a finished [`Arg`].
    #[must_use]
    pub fn arg(self, arg: Arg) -> Rule {
        self.push_arg(arg)
    }

    /// Sets the target (replacing any earlier one).
    #[must_use]
    pub fn target(mut self, target: Target) -> Rule {
        match &mut self.body {
            Body::Options { target: t, args } => {
                *t = Some(target);
                // The target usually comes last: give back what `push_arg` reserved but the
                // rule did not use (a big ruleset's memory is mostly these options).
                args.shrink_to_fit();
            }
            Body::Raw { extended, .. } => *extended = true,
            Body::Invalid(_) => {}
        }
        self
    }

    /// Sets the target by name, as pyptables' `jump=`: a catalog target or a user chain.
    #[must_use]
    pub fn jump(self, target: impl ChainName) -> Rule {
        self.target(Target::new(target.chain_name()))
    }

    /// Sets a goto (`-g`) to a user chain.
    #[must_use]
    pub fn goto(self, chain: impl ChainName) -> Rule {
        self.target(Target::goto(chain))
    }

    setters! {
        /// `-p`: the protocol (`tcp`, `udp`, `icmp`, a number, `all`).
        proto => "protocol";
        /// `-s`: the source address or network.
        source => "source";
        /// `-d`: the destination address or network.
        destination => "destination";
        /// `-i`: the interface the packet came in on.
        in_interface => "in-interface";
        /// `-o`: the interface the packet goes out on.
        out_interface => "out-interface";
        /// `--sport`: source port or range (needs `proto` tcp, udp, sctp or dccp).
        sport => "sport";
        /// `--dport`: destination port or range (needs `proto` tcp, udp, sctp or dccp).
        dport => "dport";
        /// `-m multiport --dports`: up to 15 destination ports or ranges.
        dports => "dports";
        /// `-m multiport --sports`: up to 15 source ports or ranges.
        sports => "sports";
        /// `-m conntrack --ctstate`: connection states, e.g. `[CtState::Established, CtState::Related]`.
        ctstate => "ctstate";
        /// `-m comment --comment`: a comment, shown in `iptables -L` and in the annotations.
        comment => "comment";
        /// `-m limit --limit`: a rate such as `5/minute`.
        limit => "limit";
        /// `-m mark --mark`: the packet mark, `value[/mask]`.
        mark => "mark";
        /// `--icmp-type` (needs `proto("icmp")`).
        icmp_type => "icmp-type";
    }

    verbs! {
        /// `-j ACCEPT`
        accept => ACCEPT;
        /// `-j DROP`
        drop => DROP;
        /// `-j REJECT`
        reject => REJECT;
        /// `-j RETURN`
        ret => RETURN;
        /// `-j LOG`
        log => LOG;
        /// `-j MASQUERADE`
        masquerade => MASQUERADE;
    }

    /// A rule standing for rules that could not be made, reported by validation.
    pub(crate) fn invalid(problem: pyptables_catalog::Problem, origin: Origin) -> Rule {
        Rule {
            body: Body::Invalid(problem),
            origin,
        }
    }

    pub(crate) fn from_parts(args: Vec<Arg>, target: Option<Target>, origin: Origin) -> Rule {
        Rule {
            body: Body::Options { args, target },
            origin,
        }
    }
}

/// Several rules that belong together, pyptables' `CompositeRule`: added to a chain as one.
pub trait IntoRules {
    /// The rules, in order.
    fn into_rules(self) -> Vec<Rule>;
}

impl IntoRules for Rule {
    fn into_rules(self) -> Vec<Rule> {
        vec![self]
    }
}
impl IntoRules for Vec<Rule> {
    fn into_rules(self) -> Vec<Rule> {
        self
    }
}
impl<const N: usize> IntoRules for [Rule; N] {
    fn into_rules(self) -> Vec<Rule> {
        self.into()
    }
}
