//! The typed view of a `firewall! { … }` invocation, as produced by [`crate::parse`].
//!
//! The tree mirrors the source: sections (address families) hold table blocks, table blocks hold
//! chain definitions, chains hold items (rules and nested blocks), rules hold an optional verb and
//! options, options hold values. Nothing here is checked against the iptables catalog yet: table
//! names, chain names, verbs, option keys and value texts are kept exactly as written, with the
//! spans of the tokens that wrote them, so that the check stage can report each mistake at the
//! precise token and the expansion can record the source line of every rule.
//!
//! Conventions used throughout:
//! - Names and value texts that the Rust lexer splits into several tokens (`ssh-guard`,
//!   `echo-request`, `10.0.0.0/8`) are joined back into one [`String`] when the tokens touch in
//!   the source; their location is a [`SpanRange`] from the first to the last token.
//! - Raw identifiers lose their `r#` prefix (`r#type` is the key `type`).
//! - Line numbers are 1-based, as `proc_macro2::LineColumn::line`.

use std::fmt;

use proc_macro2::{Punct, Spacing, Span, TokenStream};
use quote::ToTokens;
use syn::{Ident, LitStr};

/// The location of a piece of source that may span several tokens.
///
/// `Span::join` is not available inside the compiler on stable Rust, so both ends are kept;
/// [`SpanRange::error`] builds a `syn::Error` that rustc underlines from `first` to `last`.
#[derive(Clone, Copy, Debug)]
pub struct SpanRange {
    /// Span of the first token.
    pub first: Span,
    /// Span of the last token (equal to `first` for a single token).
    pub last: Span,
}

impl SpanRange {
    /// A range covering one token.
    pub fn single(span: Span) -> Self {
        SpanRange {
            first: span,
            last: span,
        }
    }

    /// A range from the first token of `self` to the last token of `other`.
    pub fn to(self, other: SpanRange) -> Self {
        SpanRange {
            first: self.first,
            last: other.last,
        }
    }

    /// One span for the whole range where the platform can join spans, else the first token's.
    #[cfg(test)]
    pub fn span(&self) -> Span {
        self.first.join(self.last).unwrap_or(self.first)
    }

    /// 1-based source line of the first token.
    pub fn line(&self) -> usize {
        self.first.start().line
    }

    /// An error underlining the whole range.
    pub fn error(&self, message: impl fmt::Display) -> syn::Error {
        let mut tokens = TokenStream::new();
        let mut first = Punct::new('.', Spacing::Alone);
        first.set_span(self.first);
        let mut last = Punct::new('.', Spacing::Alone);
        last.set_span(self.last);
        first.to_tokens(&mut tokens);
        last.to_tokens(&mut tokens);
        syn::Error::new_spanned(tokens, message)
    }
}

/// A word as written: a chain name, an option key, a verb.
///
/// Chain names and keys may contain `-` (`ssh-guard`), which the lexer splits; the parts are
/// joined when they touch in the source.
#[derive(Clone, Debug)]
pub struct Name {
    /// The text, without any `r#` prefix.
    pub text: String,
    /// Where it was written.
    pub span: SpanRange,
}

impl Name {
    /// Shorthand for `self.span.error(message)`.
    pub fn error(&self, message: impl fmt::Display) -> syn::Error {
        self.span.error(message)
    }
}

/// The whole invocation: its sections in source order.
#[derive(Clone, Debug, Default)]
pub struct Firewall {
    /// Sections in source order. The same table may appear in several sections (and several
    /// times within one); merging or rejecting repeats is up to the check stage.
    pub sections: Vec<Section>,
    /// The zones of every `zones { … }` block, in source order.
    pub zones: Vec<ZoneDecl>,
    /// The host groups of every `hosts { … }` block, in source order.
    pub hosts: Vec<HostsDecl>,
}

/// `NAME = INTERFACE [port=PORT];` in `zones { … }`.
#[derive(Clone, Debug)]
pub struct ZoneDecl {
    /// The zone's name, as rules use it.
    pub name: Name,
    /// The interface.
    pub interface: Scalar,
    /// The bridge port (`-m physdev`), if any.
    pub port: Option<Scalar>,
}

/// `NAME = ADDRESSES;` or `NAME = ipset SET;` in `hosts { … }`.
#[derive(Clone, Debug)]
pub struct HostsDecl {
    /// The group's name, as rules use it.
    pub name: Name,
    /// What it holds.
    pub value: HostsValue,
}

/// The addresses of a host group.
#[derive(Clone, Debug)]
pub enum HostsValue {
    /// Addresses, networks and `a-b` ranges (one, or a list).
    List(Vec<Scalar>),
    /// An ipset, by name.
    Set(Scalar),
}

/// Which address families a section's tables apply to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FamilyScope {
    /// Tables written at the top level, or inside `ip4 { … }` / `ip { … }`.
    V4,
    /// Tables inside `ip6 { … }`.
    V6,
    /// Tables inside `inet { … }`: written once, applied to both families.
    Both,
}

/// A run of table blocks that share a family.
///
/// Consecutive bare table blocks at the top level are gathered into one `V4` section without a
/// keyword; each `ip6`/`inet`/`ip4`/`ip` wrapper is a section of its own.
#[derive(Clone, Debug)]
pub struct Section {
    /// The family the tables apply to.
    pub family: FamilyScope,
    /// The wrapper keyword (`ip6`, `inet`, `ip4`, `ip`) if one was written.
    pub keyword: Option<Ident>,
    /// The tables, in source order.
    pub tables: Vec<TableBlock>,
}

/// `NAME { chains }`: a table block.
#[derive(Clone, Debug)]
pub struct TableBlock {
    /// The table name as written. Not validated: `filter`, `nat`, `mangle`, `raw`, `security`
    /// are the known ones; anything else is for the check stage to report.
    pub name: Ident,
    /// The chains, in source order.
    pub chains: Vec<ChainDef>,
    /// `preserve NAME, PREFIX*, …;`: chains of other software the table keeps.
    pub preserve: Vec<PreservePattern>,
}

/// One pattern of `preserve`: a chain name, or a prefix ending in `*`.
#[derive(Clone, Debug)]
pub struct PreservePattern {
    /// The pattern as written (`DOCKER*`, `f2b-sshd`).
    pub text: String,
    /// Where it is written.
    pub span: SpanRange,
}

/// `policy NAME` after a chain name.
#[derive(Clone, Debug)]
pub struct Policy {
    /// Span of the `policy` keyword.
    pub keyword: Span,
    /// The policy as written (`ACCEPT`, `DROP`, or anything else for the check stage to judge).
    pub name: Ident,
}

/// A chain definition: a built-in chain `NAME [policy P] { items }` / `NAME policy P;`, or a
/// user chain `chain NAME ["comment"] { items }`.
///
/// The parser accepts a comment and a policy on either kind; whether they are allowed (policy
/// only on built-in chains, ACCEPT/DROP only) is decided by the check stage.
#[derive(Clone)]
pub struct ChainDef {
    /// The chain name (`INPUT`, `ssh_guard`, `ssh-guard`).
    pub name: Name,
    /// `true` for `chain NAME …` (a user-defined chain).
    pub user: bool,
    /// The comment string after the name, if any.
    pub comment: Option<LitStr>,
    /// `policy NAME`, if written.
    pub policy: Option<Policy>,
    /// The rules and blocks of the body; empty for `NAME policy P;`.
    pub items: Vec<Item>,
    /// 1-based line of the chain's first token.
    pub line: usize,
}

impl fmt::Debug for ChainDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainDef")
            .field("name", &self.name)
            .field("user", &self.user)
            .field("comment", &self.comment.as_ref().map(LitStr::value))
            .field("policy", &self.policy)
            .field("items", &self.items)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// One element of a chain body or of a nested block.
#[derive(Clone, Debug)]
pub enum Item {
    /// `[verb] option* ;`
    Rule(Rule),
    /// `option+ { items }`
    Block(Block),
}

/// A rule: `[verb] option* ;`.
///
/// Options are kept in source order. A target's own options (`reject_with`, `log_prefix`,
/// `to_destination`) are mixed with match options here; telling them apart is the check stage's
/// work.
#[derive(Clone, Debug)]
pub struct Rule {
    /// The verb, if the rule has one. `None` is a rule without a target.
    pub verb: Option<Verb>,
    /// The options, in source order.
    pub options: Vec<Opt>,
    /// From the rule's first token to its `;`.
    pub span: SpanRange,
}

/// A nested block `option+ { items }`: its options prefix every rule inside (ferm style).
#[derive(Clone, Debug)]
pub struct Block {
    /// The options before `{`, in source order; never empty.
    pub options: Vec<Opt>,
    /// The rules and blocks inside.
    pub items: Vec<Item>,
}

/// The verb of a rule: the word in first position that is not followed by `=`/`!=`.
#[derive(Clone, Debug)]
pub struct Verb {
    /// The word as written (`accept`, `return`, `jump`, `raw`, `ACCEPT` …). For
    /// [`VerbKind::Target`] this is the target name to look up (in any case); whether it is a
    /// known target is for the check stage.
    pub word: Name,
    /// What the verb is, with its argument.
    pub kind: VerbKind,
}

/// The kinds of verb.
#[derive(Clone)]
pub enum VerbKind {
    /// A target named by [`Verb::word`] (`accept`, `drop`, `masquerade`, `return` …).
    Target,
    /// `jump NAME`: jump to a user chain.
    Jump(Name),
    /// `goto NAME`: go to a user chain.
    Goto(Name),
    /// `raw "text"`: a rule written in iptables syntax, passed through; `raw unchecked "text"`
    /// (`true`) leaves what the catalog does not know to the kernel.
    Raw(LitStr, bool),
}

impl fmt::Debug for VerbKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerbKind::Target => f.write_str("Target"),
            VerbKind::Jump(n) => f.debug_tuple("Jump").field(n).finish(),
            VerbKind::Goto(n) => f.debug_tuple("Goto").field(n).finish(),
            VerbKind::Raw(s, u) => f.debug_tuple("Raw").field(&s.value()).field(u).finish(),
        }
    }
}

/// One option: `key=value`, `key!=value`, `flag` or `!flag`.
#[derive(Clone, Debug)]
pub struct Opt {
    /// The key (`proto`, `in_interface`, `match`, `type` …), `r#` stripped, `-` kept if written.
    pub key: Name,
    /// Span of the `!` for `key!=value` and `!flag`; `None` when not negated.
    pub bang: Option<Span>,
    /// The value; `None` for a flag.
    pub value: Option<Value>,
    /// The whole option, from its first token (the key, or `!` of `!flag`) to its last.
    pub span: SpanRange,
}

impl Opt {
    /// Whether the option is negated (`key!=value` or `!flag`).
    pub fn negated(&self) -> bool {
        self.bang.is_some()
    }

    /// Whether the option is a flag (no value).
    pub fn is_flag(&self) -> bool {
        self.value.is_none()
    }
}

/// The value of an option.
#[derive(Clone, Debug)]
pub enum Value {
    /// One plain value.
    Scalar(Scalar),
    /// `[a, b, c]`: a non-empty list of plain values.
    List(List),
    /// `{ expr }`: a Rust expression evaluated at run time.
    Expr(ExprValue),
}

impl Value {
    /// Where the whole value was written.
    pub fn span(&self) -> SpanRange {
        match self {
            Value::Scalar(s) => s.span,
            Value::List(l) => SpanRange::single(l.span),
            Value::Expr(e) => SpanRange::single(e.span),
        }
    }
}

/// A plain value, as text.
#[derive(Clone, Debug)]
pub struct Scalar {
    /// The value's text: the joined source text of touching tokens (`10.0.0.0/8`,
    /// `echo-request`, `1024:65535`, `5/min`), or a string literal's unescaped value.
    pub text: String,
    /// From the first to the last token of the value.
    pub span: SpanRange,
    /// Whether it was written as a string literal (`"ipset"` is a text, `ipset` a keyword).
    pub quoted: bool,
}

/// `[a, b, c]`.
#[derive(Clone, Debug)]
pub struct List {
    /// The elements, in order; never empty.
    pub items: Vec<Scalar>,
    /// Span of the `[ … ]` group.
    pub span: Span,
}

/// `{ expr }`: a Rust expression, evaluated at run time.
///
/// A brace body with statements (`{ let a = …; a }`) is kept as an `Expr::Block`; a body with
/// a single expression is that expression.
#[derive(Clone)]
pub struct ExprValue {
    /// The expression.
    pub expr: syn::Expr,
    /// Span of the `{ … }` group.
    pub span: Span,
}

impl fmt::Debug for ExprValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExprValue")
            .field(&self.expr.to_token_stream().to_string())
            .finish()
    }
}
