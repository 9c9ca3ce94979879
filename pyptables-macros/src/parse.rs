//! Parsing: the tokens of a `firewall! { … }` invocation → [`Firewall`], plus every syntax error.
//!
//! The parser never stops at the first mistake. Each level (top level, table body, chain body,
//! block body) is first cut into statements, each ending at a `;` or at a `{ … }` body (a brace
//! group right after `=` is a `{expr}` value, not a body). A statement's header is then parsed on
//! its own, so a malformed rule yields one error at the offending token and parsing resumes at the
//! next statement. Malformed rules and blocks are left out of the tree; a chain whose header is
//! malformed after its name is kept (so jumps to it do not cascade into more errors).
//!
//! Only syntax is judged here. Table names, chain names, verbs, option keys and value texts are
//! kept as written for the check stage, which owns the catalog.

use crate::ast::PreservePattern;
use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{braced, bracketed, Ident, LitStr, Token};

use crate::ast::{
    Block, ChainDef, ExprValue, FamilyScope, Firewall, HostsDecl, HostsValue, Item, List, Name,
    Opt, Policy, Rule, Scalar, Section, SpanRange, TableBlock, Value, Verb, VerbKind, ZoneDecl,
};

/// Parses a whole invocation. Returns the tree of everything that parsed and every syntax error,
/// in source order. Never panics.
pub fn parse_firewall(input: TokenStream) -> (Firewall, Vec<syn::Error>) {
    let mut ctx = Ctx { errors: Vec::new() };
    let firewall = ctx.firewall(input);
    (firewall, ctx.errors)
}

/// Folds errors into one `syn::Error` (with [`syn::Error::combine`]), `None` if there are none.
pub fn combine_errors(errors: impl IntoIterator<Item = syn::Error>) -> Option<syn::Error> {
    errors.into_iter().reduce(|mut all, e| {
        all.combine(e);
        all
    })
}

const TABLES_HINT: &str = "a table (`filter`, `nat`, `mangle`, `raw`, `security`) or a family \
     block (`ip6 { … }`, `inet { … }`)";
const OPTION_HINT: &str = "an option (`key=value`, `key!=value`, `flag` or `!flag`)";

// ---------------------------------------------------------------------------------------------
// Statements

/// What ended a statement.
enum End {
    /// `;`
    Semi(Span),
    /// A `{ … }` body.
    Brace(Group),
    /// The end of the enclosing group, with no terminator.
    Eof,
}

/// The tokens of one statement, without its terminator.
struct Stmt {
    tokens: Vec<TokenTree>,
    end: End,
}

/// Where a statement's header ends, for errors about a missing token at its end.
#[derive(Clone, Copy)]
struct HeaderEnd {
    span: Span,
    /// The terminator as it is shown in messages (`` `;` ``, `` `{` ``); `None` at end of input.
    found: Option<&'static str>,
}

impl Stmt {
    fn header_end(&self) -> HeaderEnd {
        match &self.end {
            End::Semi(span) => HeaderEnd {
                span: *span,
                found: Some("`;`"),
            },
            End::Brace(group) => HeaderEnd {
                span: group.span_open(),
                found: Some("`{`"),
            },
            End::Eof => HeaderEnd {
                span: self
                    .tokens
                    .last()
                    .map_or_else(Span::call_site, TokenTree::span),
                found: None,
            },
        }
    }

    fn first_span(&self) -> Span {
        match (self.tokens.first(), &self.end) {
            (Some(tt), _) => tt.span(),
            (None, End::Semi(span)) => *span,
            (None, End::Brace(group)) => group.span_open(),
            (None, End::Eof) => Span::call_site(),
        }
    }

    /// From the first token to the terminator (or the last token).
    fn span(&self) -> SpanRange {
        SpanRange {
            first: self.first_span(),
            last: self.header_end().span,
        }
    }

    fn stream(&self) -> TokenStream {
        self.tokens.iter().cloned().collect()
    }
}

/// Cuts a token stream into statements.
fn split(stream: TokenStream) -> Vec<Stmt> {
    let mut out = Vec::new();
    let mut tokens: Vec<TokenTree> = Vec::new();
    for tt in stream {
        match tt {
            TokenTree::Punct(p) if p.as_char() == ';' => out.push(Stmt {
                tokens: std::mem::take(&mut tokens),
                end: End::Semi(p.span()),
            }),
            TokenTree::Group(g)
                if g.delimiter() == Delimiter::Brace
                    && !matches!(tokens.last(), Some(TokenTree::Punct(p)) if p.as_char() == '=') =>
            {
                out.push(Stmt {
                    tokens: std::mem::take(&mut tokens),
                    end: End::Brace(g),
                })
            }
            other => tokens.push(other),
        }
    }
    if !tokens.is_empty() {
        out.push(Stmt {
            tokens,
            end: End::Eof,
        });
    }
    out
}

/// Runs a header parser over a statement's tokens. On error, the rest of the header is skipped.
fn run<T>(stmt: &Stmt, f: impl FnOnce(ParseStream) -> syn::Result<T>) -> syn::Result<T> {
    (|input: ParseStream| {
        let result = f(input);
        if result.is_err() {
            skip_rest(input);
        }
        result
    })
    .parse2(stmt.stream())
}

fn skip_rest(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((_, next)) = rest.token_tree() {
            rest = next;
        }
        Ok(((), rest))
    });
}

// ---------------------------------------------------------------------------------------------
// Token helpers

/// How a token is shown in a message: `` `text` ``, long texts shortened.
fn show(tt: &TokenTree) -> String {
    let text = match tt {
        TokenTree::Group(g) => match g.delimiter() {
            Delimiter::Parenthesis => "(".to_string(),
            Delimiter::Brace => "{".to_string(),
            Delimiter::Bracket => "[".to_string(),
            Delimiter::None => g.stream().to_string(),
        },
        TokenTree::Ident(i) => i.to_string(),
        TokenTree::Punct(p) => p.as_char().to_string(),
        TokenTree::Literal(l) => l.to_string(),
    };
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("`{short}…`")
    } else {
        format!("`{short}`")
    }
}

/// The next token tree of `input`, if any (invisible groups included as groups).
fn peek_tt(input: ParseStream) -> Option<TokenTree> {
    input.cursor().token_tree().map(|(tt, _)| tt)
}

/// An error "`message`, found X" at the next token, or at the header's end if there is none.
fn expected(input: ParseStream, end: HeaderEnd, message: &str) -> syn::Error {
    match peek_tt(input) {
        Some(tt) => syn::Error::new(tt.span(), format!("{message}, found {}", show(&tt))),
        None => match end.found {
            Some(found) => syn::Error::new(end.span, format!("{message}, found {found}")),
            None => syn::Error::new(end.span, message),
        },
    }
}

/// Whether two tokens touch: the first ends exactly where the second starts.
/// Zero-width spans (tokens without a real source position) never touch.
fn adjacent(a: Span, b: Span) -> bool {
    let (a_start, a_end, b_start, b_end) = (a.start(), a.end(), b.start(), b.end());
    a_start != a_end && b_start != b_end && a_end == b_start
}

fn is_number(lit: &proc_macro2::Literal) -> bool {
    lit.to_string().starts_with(|c: char| c.is_ascii_digit())
}

fn token_text(tt: &TokenTree) -> String {
    match tt {
        TokenTree::Ident(i) => i.unraw().to_string(),
        TokenTree::Punct(p) => p.as_char().to_string(),
        TokenTree::Literal(l) => l.to_string(),
        TokenTree::Group(g) => g.to_string(),
    }
}

/// Consumes the next token and every following token that touches the previous one and is
/// accepted by `more`; returns their joined text and span range. The caller checks that there is
/// a first token.
fn take_joined(
    input: ParseStream,
    more: impl Fn(&TokenTree) -> bool,
) -> syn::Result<(String, SpanRange)> {
    input.step(|cursor| {
        let Some((first, mut rest)) = cursor.token_tree() else {
            return Err(cursor.error("expected a token"));
        };
        let mut text = token_text(&first);
        let mut range = SpanRange::single(first.span());
        while let Some((tt, next)) = rest.token_tree() {
            if !(adjacent(range.last, tt.span()) && more(&tt)) {
                break;
            }
            text.push_str(&token_text(&tt));
            range.last = tt.span();
            rest = next;
        }
        Ok(((text, range), rest))
    })
}

/// A name: an identifier (keywords and raw identifiers included) followed by touching `-`,
/// identifiers and numbers (`ssh-guard`, `in-interface`, `fw-1`). The caller checks that an
/// identifier comes first.
fn parse_name(input: ParseStream) -> syn::Result<Name> {
    let (text, span) = take_joined(input, |tt| match tt {
        TokenTree::Ident(_) => true,
        TokenTree::Punct(p) => p.as_char() == '-',
        TokenTree::Literal(l) => is_number(l),
        TokenTree::Group(_) => false,
    })?;
    Ok(Name { text, span })
}

/// `=` next (also the first `=` of `==`).
fn peek_eq(input: ParseStream) -> bool {
    input.peek(Token![=])
}

/// `!` followed by `=` next.
fn peek_ne(input: ParseStream) -> bool {
    input.peek(Token![!]) && input.peek2(Token![=])
}

// ---------------------------------------------------------------------------------------------
// Values

/// Whether a token may continue a plain value it touches.
fn continues_value(tt: &TokenTree) -> bool {
    match tt {
        TokenTree::Ident(_) => true,
        TokenTree::Literal(l) => is_number(l),
        TokenTree::Punct(p) => matches!(p.as_char(), '.' | ':' | '/' | '-' | '+' | '%'),
        TokenTree::Group(_) => false,
    }
}

/// Whether a token may start a plain (non-string) value.
fn starts_value(tt: &TokenTree) -> bool {
    match tt {
        TokenTree::Ident(_) => true,
        TokenTree::Literal(l) => is_number(l),
        TokenTree::Punct(p) => matches!(p.as_char(), '-' | ':'),
        TokenTree::Group(_) => false,
    }
}

fn scalar_from_joined(input: ParseStream) -> syn::Result<Scalar> {
    let (text, span) = take_joined(input, continues_value)?;
    Ok(Scalar {
        text,
        span,
        quoted: false,
    })
}

fn scalar_from_string(input: ParseStream) -> syn::Result<Scalar> {
    let lit: LitStr = input.parse()?;
    Ok(Scalar {
        text: lit.value(),
        span: SpanRange::single(lit.span()),
        quoted: true,
    })
}

/// A value after `=` / `!=` (`op`, whose span is `op_span`).
fn parse_value(input: ParseStream, op: &str, op_span: SpanRange) -> syn::Result<Value> {
    let after = format!("expected a value after `{op}`");
    let Some(tt) = peek_tt(input) else {
        return Err(op_span.error(after));
    };
    match &tt {
        TokenTree::Group(g) => match g.delimiter() {
            Delimiter::Bracket => parse_list(input).map(Value::List),
            Delimiter::Brace => parse_expr(input).map(Value::Expr),
            Delimiter::None => {
                // An expression handed over by a `macro_rules!` fragment (`$e:expr`).
                let _: TokenTree = input.parse()?;
                let expr = syn::parse2::<syn::Expr>(g.stream())?;
                Ok(Value::Expr(ExprValue {
                    expr,
                    span: g.span(),
                }))
            }
            Delimiter::Parenthesis => Err(syn::Error::new(
                g.span(),
                format!(
                    "{after}, found `(`: write a list as `[a, b]` and a Rust expression as \
                     `{{ expr }}`"
                ),
            )),
        },
        TokenTree::Literal(l) if !is_number(l) => match syn::Lit::new(l.clone()) {
            syn::Lit::Str(_) => scalar_from_string(input).map(Value::Scalar),
            _ => Err(syn::Error::new(
                l.span(),
                format!(
                    "{after}, found {}: write text as a string literal `\"…\"`",
                    show(&tt)
                ),
            )),
        },
        TokenTree::Punct(p) if p.as_char() == '!' => Err(syn::Error::new(
            p.span(),
            format!("{after}, found `!`: to negate an option, write `key!=value`"),
        )),
        _ if starts_value(&tt) => scalar_from_joined(input).map(Value::Scalar),
        _ => Err(syn::Error::new(
            tt.span(),
            format!("{after}, found {}", show(&tt)),
        )),
    }
}

/// `[a, b, c]`: non-empty, plain values only, trailing comma allowed.
fn parse_list(input: ParseStream) -> syn::Result<List> {
    let content;
    let bracket = bracketed!(content in input);
    let span = bracket.span.join();
    let mut items = Vec::new();
    while let Some(tt) = peek_tt(&content) {
        let item = match &tt {
            TokenTree::Literal(l) if !is_number(l) => match syn::Lit::new(l.clone()) {
                syn::Lit::Str(_) => scalar_from_string(&content)?,
                _ => {
                    return Err(syn::Error::new(
                        l.span(),
                        format!(
                            "expected a value in the list, found {}: write text as a string \
                             literal `\"…\"`",
                            show(&tt)
                        ),
                    ))
                }
            },
            TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                return Err(syn::Error::new(g.span(), "lists cannot be nested"))
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                return Err(syn::Error::new(
                    g.span(),
                    "a list holds plain values: for values computed at run time, write the whole \
                     value as `{ expr }` (an iterable gives one value per element)",
                ))
            }
            _ if starts_value(&tt) => scalar_from_joined(&content)?,
            _ => {
                return Err(syn::Error::new(
                    tt.span(),
                    format!("expected a value in the list, found {}", show(&tt)),
                ))
            }
        };
        items.push(item);
        if content.is_empty() {
            break;
        }
        if content.peek(Token![,]) {
            let _: Token![,] = content.parse()?;
        } else {
            let next = peek_tt(&content).map_or_else(String::new, |tt| show(&tt));
            return Err(syn::Error::new(
                content.span(),
                format!("expected `,` or `]` after a list element, found {next}"),
            ));
        }
    }
    if items.is_empty() {
        return Err(syn::Error::new(
            span,
            "expected at least one value in the list",
        ));
    }
    Ok(List { items, span })
}

/// `{ expr }`, or `{ statements; expr }` kept as a block expression.
fn parse_expr(input: ParseStream) -> syn::Result<ExprValue> {
    let content;
    let brace = braced!(content in input);
    let span = brace.span.join();
    let mut stmts = content.call(syn::Block::parse_within)?;
    let expr = match stmts.len() {
        0 => {
            return Err(syn::Error::new(
                span,
                "expected a Rust expression inside `{ }`",
            ))
        }
        1 if matches!(stmts.first(), Some(syn::Stmt::Expr(_, None))) => match stmts.pop() {
            Some(syn::Stmt::Expr(expr, None)) => expr,
            _ => return Err(syn::Error::new(span, "expected a Rust expression")),
        },
        _ => syn::Expr::Block(syn::ExprBlock {
            attrs: Vec::new(),
            label: None,
            block: syn::Block {
                brace_token: brace,
                stmts,
            },
        }),
    };
    Ok(ExprValue { expr, span })
}

// ---------------------------------------------------------------------------------------------
// Options, verbs, rules

/// The rest of an option after its key: `=value`, `!=value` or nothing (a flag).
fn parse_opt_rest(input: ParseStream, key: Name) -> syn::Result<Opt> {
    if peek_eq(input) {
        let eq: Token![=] = input.parse()?;
        let value = parse_value(input, "=", SpanRange::single(eq.span))?;
        let span = key.span.to(value.span());
        Ok(Opt {
            key,
            bang: None,
            value: Some(value),
            span,
        })
    } else if peek_ne(input) {
        let bang: Token![!] = input.parse()?;
        let eq: Token![=] = input.parse()?;
        let op_span = SpanRange {
            first: bang.span,
            last: eq.span,
        };
        let value = parse_value(input, "!=", op_span)?;
        let span = key.span.to(value.span());
        Ok(Opt {
            key,
            bang: Some(bang.span),
            value: Some(value),
            span,
        })
    } else {
        let span = key.span;
        Ok(Opt {
            key,
            bang: None,
            value: None,
            span,
        })
    }
}

/// One option; `previous` is the option before it in the same rule (for hints).
fn parse_opt(input: ParseStream, end: HeaderEnd, previous: Option<&Opt>) -> syn::Result<Opt> {
    if input.peek(Token![!]) {
        let bang: Token![!] = input.parse()?;
        if !input.peek(Ident::peek_any) {
            return Err(expected(input, end, "expected a flag name after `!`"));
        }
        let key = parse_name(input)?;
        if peek_eq(input) || peek_ne(input) {
            return Err(key.error(format!(
                "`!{k}` is a negated flag and takes no value: to negate a value, write \
                 `{k}!=value`",
                k = key.text
            )));
        }
        let span = SpanRange {
            first: bang.span,
            last: key.span.last,
        };
        return Ok(Opt {
            key,
            bang: Some(bang.span),
            value: None,
            span,
        });
    }
    if input.peek(Ident::peek_any) {
        let key = parse_name(input)?;
        return parse_opt_rest(input, key);
    }
    let Some(tt) = peek_tt(input) else {
        return Err(expected(input, end, &format!("expected {OPTION_HINT}")));
    };
    let found = show(&tt);
    let message = match (&tt, previous) {
        (TokenTree::Punct(p), _) if p.as_char() == ',' => {
            "unexpected `,`: to give several values, write a list: `key=[a, b]`".to_string()
        }
        (TokenTree::Punct(p), _) if p.as_char() == '=' => {
            format!("expected {OPTION_HINT}, found `=`: an option's key is a name")
        }
        (_, Some(prev)) if prev.is_flag() && !prev.negated() && starts_value(&tt) => format!(
            "expected {OPTION_HINT}, found {found}: a value follows its key after `=`, as in \
             `{}={}`",
            prev.key.text,
            token_text(&tt)
        ),
        (_, Some(prev))
            if prev.is_flag()
                && !prev.negated()
                && matches!(&tt, TokenTree::Literal(l) if !is_number(l)) =>
        {
            format!(
                "expected {OPTION_HINT}, found {found}: a value follows its key after `=`, as \
                 in `{}=\"…\"`",
                prev.key.text
            )
        }
        _ => format!("expected {OPTION_HINT}, found {found}"),
    };
    Err(syn::Error::new(tt.span(), message))
}

/// The rest of a verb after its word: the chain of `jump`/`goto`, the string of `raw`.
fn parse_verb_rest(input: ParseStream, word: Name, end: HeaderEnd) -> syn::Result<Verb> {
    let kind = match word.text.as_str() {
        "jump" | "goto" => {
            if !input.peek(Ident::peek_any) {
                return Err(expected(
                    input,
                    end,
                    &format!("expected a chain name after `{}`", word.text),
                ));
            }
            let target = parse_name(input)?;
            if word.text == "jump" {
                VerbKind::Jump(target)
            } else {
                VerbKind::Goto(target)
            }
        }
        "raw" => {
            // `raw unchecked "…"`: the escape hatch for what the catalog does not know.
            let unchecked = input.peek(Ident) && input.fork().parse::<Ident>()? == "unchecked";
            if unchecked {
                input.parse::<Ident>()?;
            }
            if !input.peek(LitStr) {
                return Err(expected(
                    input,
                    end,
                    "expected a string after `raw`, as in `raw \"-p tcp --dport 22 -j ACCEPT\";`",
                ));
            }
            VerbKind::Raw(input.parse()?, unchecked)
        }
        _ => VerbKind::Target,
    };
    Ok(Verb { word, kind })
}

/// `[verb] option*` (the `;` is already split off).
fn parse_rule_header(input: ParseStream, end: HeaderEnd) -> syn::Result<(Option<Verb>, Vec<Opt>)> {
    let mut verb = None;
    let mut options: Vec<Opt> = Vec::new();
    if input.peek(Ident::peek_any) {
        let word = parse_name(input)?;
        if peek_eq(input) || peek_ne(input) {
            options.push(parse_opt_rest(input, word)?);
        } else {
            verb = Some(parse_verb_rest(input, word, end)?);
        }
    }
    while !input.is_empty() {
        let opt = parse_opt(input, end, options.last())?;
        options.push(opt);
    }
    Ok((verb, options))
}

/// `option+` before a nested block's `{`.
fn parse_block_header(input: ParseStream, end: HeaderEnd) -> syn::Result<Vec<Opt>> {
    if input.peek(Ident::peek_any) {
        let fork = input.fork();
        let word = parse_name(&fork)?;
        if !(peek_eq(&fork) || peek_ne(&fork)) {
            match word.text.as_str() {
                "jump" | "goto" | "raw" => {
                    return Err(word.error(format!(
                        "expected options before `{{`: `{}` is a verb and belongs in the rules \
                         inside the block",
                        word.text
                    )))
                }
                "chain" => {
                    return Err(word.error(
                        "`chain` defines a user chain in a table, not inside another chain",
                    ))
                }
                _ => {}
            }
        }
    }
    let mut options: Vec<Opt> = Vec::new();
    while !input.is_empty() {
        let opt = parse_opt(input, end, options.last())?;
        options.push(opt);
    }
    Ok(options)
}

// ---------------------------------------------------------------------------------------------
// Chains

/// What was read of a chain header, kept even when the header has an error after the name.
#[derive(Default)]
struct ChainHeader {
    chain_keyword: Option<Span>,
    name: Option<Name>,
    comment: Option<LitStr>,
    policy: Option<Policy>,
}

impl ChainHeader {
    /// What may come next after what was read, for "expected …" messages.
    fn expectation(&self) -> String {
        let name = self.name.as_ref().map_or("", |n| n.text.as_str());
        if let Some(policy) = &self.policy {
            format!("expected `{{` or `;` after `policy {}`", policy.name)
        } else if self.comment.is_some() {
            format!("expected `{{` after the comment of chain `{name}`")
        } else if self.chain_keyword.is_some() {
            format!("expected `{{` or a comment string after chain name `{name}`")
        } else {
            format!("expected `{{` or `policy` after chain name `{name}`")
        }
    }
}

/// `[chain] NAME ["comment"] [policy NAME]`.
fn parse_chain_header(input: ParseStream, end: HeaderEnd, h: &mut ChainHeader) -> syn::Result<()> {
    if input.peek(Ident::peek_any) {
        let fork = input.fork();
        let word = fork.call(Ident::parse_any)?;
        if word == "chain" {
            let _ = input.call(Ident::parse_any)?;
            h.chain_keyword = Some(word.span());
            if !input.peek(Ident::peek_any) {
                return Err(expected(input, end, "expected a chain name after `chain`"));
            }
        }
    } else {
        return Err(expected(
            input,
            end,
            "expected a chain: `NAME [policy ACCEPT|DROP] { … }` or `chain NAME { … }`",
        ));
    }
    h.name = Some(parse_name(input)?);
    if input.peek(LitStr) {
        h.comment = Some(input.parse()?);
    }
    if input.peek(Ident::peek_any) && input.fork().call(Ident::parse_any)? == "policy" {
        let keyword = input.call(Ident::parse_any)?;
        if !input.peek(Ident::peek_any) {
            return Err(expected(
                input,
                end,
                "expected a policy (`ACCEPT` or `DROP`) after `policy`",
            ));
        }
        let name = input.call(Ident::parse_any)?;
        h.policy = Some(Policy {
            keyword: keyword.span(),
            name,
        });
    }
    if !input.is_empty() {
        return Err(expected(input, end, &h.expectation()));
    }
    Ok(())
}

/// `preserve NAME, PREFIX*, "NAME", …` (the terminator is not part of the statement).
fn parse_preserve(input: ParseStream, end: HeaderEnd) -> syn::Result<Vec<PreservePattern>> {
    const WHAT: &str =
        "expected a chain name or a prefix ending in `*` (`preserve DOCKER*, f2b-*;`)";
    let _ = input.call(Ident::parse_any)?;
    let mut patterns = Vec::new();
    loop {
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            patterns.push(PreservePattern {
                text: lit.value(),
                span: SpanRange::single(lit.span()),
            });
        } else if input.peek(Ident::peek_any) {
            let name = parse_name(input)?;
            let mut text = name.text;
            let mut span = name.span;
            if input.peek(Token![*]) {
                let star: Token![*] = input.parse()?;
                if adjacent(span.last, star.span) {
                    text.push('*');
                    span.last = star.span;
                } else {
                    return Err(syn::Error::new(
                        star.span,
                        format!("write the `*` of a prefix right after it: `{text}*`"),
                    ));
                }
            }
            patterns.push(PreservePattern { text, span });
        } else {
            return Err(expected(input, end, WHAT));
        }
        if input.is_empty() {
            return Ok(patterns);
        }
        if !input.peek(Token![,]) {
            return Err(expected(
                input,
                end,
                "expected `,` between `preserve` patterns, or `;` after them",
            ));
        }
        let _: Token![,] = input.parse()?;
    }
}

// ---------------------------------------------------------------------------------------------
// The walk over levels

struct Ctx {
    errors: Vec<syn::Error>,
}

enum Top {
    Table(TableBlock),
    Family(Section),
    Zones(Vec<ZoneDecl>),
    Hosts(Vec<HostsDecl>),
}

impl Ctx {
    fn firewall(&mut self, input: TokenStream) -> Firewall {
        let mut sections: Vec<Section> = Vec::new();
        let (mut zones, mut hosts) = (Vec::new(), Vec::new());
        for stmt in split(input) {
            match self.top(stmt, None) {
                Some(Top::Zones(z)) => zones.extend(z),
                Some(Top::Hosts(h)) => hosts.extend(h),
                Some(Top::Table(table)) => match sections.last_mut() {
                    Some(section) if section.keyword.is_none() => section.tables.push(table),
                    _ => sections.push(Section {
                        family: FamilyScope::V4,
                        keyword: None,
                        tables: vec![table],
                    }),
                },
                Some(Top::Family(section)) => sections.push(section),
                None => {}
            }
        }
        Firewall {
            sections,
            zones,
            hosts,
        }
    }

    /// A top-level statement (`outer` is `None`) or a statement inside a family block.
    fn top(&mut self, stmt: Stmt, outer: Option<&Ident>) -> Option<Top> {
        let ident = match (stmt.tokens.first(), &stmt.end) {
            (None, End::Semi(_) | End::Eof) => return None,
            (None, End::Brace(g)) => {
                self.errors.push(syn::Error::new(
                    g.span_open(),
                    format!("expected {TABLES_HINT} before `{{`"),
                ));
                return None;
            }
            (Some(TokenTree::Ident(ident)), _) => ident.clone(),
            (Some(other), _) => {
                self.errors.push(syn::Error::new(
                    other.span(),
                    format!("expected {TABLES_HINT}, found {}", show(other)),
                ));
                return None;
            }
        };
        let word = ident.unraw().to_string();
        let declarations = matches!(word.as_str(), "zones" | "hosts");
        let family = match word.as_str() {
            "ip6" => Some(FamilyScope::V6),
            "inet" => Some(FamilyScope::Both),
            "ip4" | "ip" => Some(FamilyScope::V4),
            _ => None,
        };
        let expectation = if family.is_some() {
            format!("expected `{{` after `{word}`")
        } else {
            format!("expected `{{` after table name `{word}`")
        };
        let header_end = stmt.header_end();
        let group = match (stmt.tokens.get(1), &stmt.end) {
            (Some(next), _) => {
                self.errors.push(syn::Error::new(
                    next.span(),
                    format!("{expectation}, found {}", show(next)),
                ));
                return None;
            }
            (None, End::Brace(group)) => group,
            (None, _) => {
                let message = match header_end.found {
                    Some(found) => format!("{expectation}, found {found}"),
                    None => expectation,
                };
                self.errors.push(syn::Error::new(header_end.span, message));
                return None;
            }
        };
        if declarations {
            if let Some(outer) = outer {
                self.errors.push(syn::Error::new(
                    ident.span(),
                    format!(
                        "`{word}` cannot be nested in `{}`: declare zones and host groups at the \
                         top level, once for every family",
                        outer.unraw()
                    ),
                ));
                return None;
            }
            let decls: Vec<Vec<Opt>> = split(group.stream())
                .into_iter()
                .filter_map(|stmt| self.declaration(stmt))
                .collect();
            return Some(if word == "zones" {
                Top::Zones(decls.into_iter().filter_map(|d| self.zone(d)).collect())
            } else {
                Top::Hosts(decls.into_iter().filter_map(|d| self.hosts(d)).collect())
            });
        }
        match (family, outer) {
            (Some(family), None) => {
                let mut tables = Vec::new();
                for inner in split(group.stream()) {
                    if let Some(Top::Table(table)) = self.top(inner, Some(&ident)) {
                        tables.push(table);
                    }
                }
                Some(Top::Family(Section {
                    family,
                    keyword: Some(ident),
                    tables,
                }))
            }
            (Some(_), Some(outer)) => {
                self.errors.push(syn::Error::new(
                    ident.span(),
                    format!(
                        "`{word}` cannot be nested in `{}`: a family block holds tables",
                        outer.unraw()
                    ),
                ));
                for inner in split(group.stream()) {
                    self.top(inner, Some(outer));
                }
                None
            }
            (None, _) => {
                let (chains, preserve) = self.table_body(group.stream());
                Some(Top::Table(TableBlock {
                    name: ident,
                    chains,
                    preserve,
                }))
            }
        }
    }

    /// One `NAME = VALUE …;` statement of `zones { … }` or `hosts { … }`, as options.
    fn declaration(&mut self, stmt: Stmt) -> Option<Vec<Opt>> {
        let end = stmt.header_end();
        if stmt.tokens.is_empty() {
            if let End::Brace(g) = &stmt.end {
                self.errors.push(syn::Error::new(
                    g.span_open(),
                    "expected a declaration `NAME = VALUE;`, found `{`",
                ));
            }
            return None;
        }
        if let End::Brace(g) = &stmt.end {
            self.errors.push(syn::Error::new(
                g.span_open(),
                "expected `;` after the declaration, found `{`",
            ));
            return None;
        }
        let parsed = run(&stmt, |input| {
            if !input.peek(Ident::peek_any) {
                return Err(expected(
                    input,
                    end,
                    "expected a declaration `NAME = VALUE;`",
                ));
            }
            let mut options: Vec<Opt> = Vec::new();
            while !input.is_empty() {
                let opt = parse_opt(input, end, options.last())?;
                options.push(opt);
            }
            Ok(options)
        });
        match parsed {
            Ok(options) => {
                if matches!(stmt.end, End::Eof) {
                    self.errors.push(syn::Error::new(
                        end.span,
                        "expected `;` after the declaration",
                    ));
                }
                Some(options)
            }
            Err(e) => {
                self.errors.push(e);
                None
            }
        }
    }

    /// The first option of a declaration as `NAME = value`, the value as written.
    fn declared<'a>(&mut self, opts: &'a [Opt], what: &str) -> Option<(&'a Name, &'a Value)> {
        let first = &opts[0];
        match (&first.value, first.bang) {
            (Some(value), None) => Some((&first.key, value)),
            _ => {
                self.errors.push(
                    first
                        .span
                        .error(format!("expected {what}: `{} = …;`", first.key.text)),
                );
                None
            }
        }
    }

    /// `NAME = INTERFACE [port=PORT];`
    fn zone(&mut self, opts: Vec<Opt>) -> Option<ZoneDecl> {
        const WHAT: &str = "a zone, `NAME = INTERFACE;` or `NAME = BRIDGE port=PORT;`";
        let (name, value) = self.declared(&opts, WHAT)?;
        let Value::Scalar(interface) = value else {
            self.errors.push(
                value
                    .span()
                    .error(format!("expected {WHAT}: the interface is one name")),
            );
            return None;
        };
        let mut port = None;
        for opt in &opts[1..] {
            match (&opt.value, opt.key.text.as_str(), opt.bang) {
                (Some(Value::Scalar(p)), "port", None) if port.is_none() => port = Some(p.clone()),
                _ => {
                    self.errors.push(opt.span.error(format!(
                        "expected `;` or a bridge port `port=NAME` after the zone's interface, \
                         found `{}`",
                        opt.key.text
                    )));
                    return None;
                }
            }
        }
        Some(ZoneDecl {
            name: name.clone(),
            interface: interface.clone(),
            port,
        })
    }

    /// `NAME = ADDRESS;`, `NAME = [ADDRESS, …];` or `NAME = ipset SET;`
    fn hosts(&mut self, opts: Vec<Opt>) -> Option<HostsDecl> {
        const WHAT: &str = "a host group, `NAME = [ADDRESS, …];` or `NAME = ipset SET;`";
        let (name, value) = self.declared(&opts, WHAT)?;
        let value = match (value, &opts[1..]) {
            (Value::Scalar(s), [set]) if s.text == "ipset" && !s.quoted => {
                if !set.is_flag() || set.negated() {
                    self.errors.push(set.span.error(format!(
                        "expected the name of the ipset after `ipset`, as in `{} = ipset \
                         blocklist;`",
                        name.text
                    )));
                    return None;
                }
                HostsValue::Set(Scalar {
                    text: set.key.text.clone(),
                    span: set.key.span,
                    quoted: false,
                })
            }
            (_, [extra, ..]) => {
                self.errors.push(extra.span.error(format!(
                    "expected `;` after the host group `{}`: list several addresses as `[a, b]`",
                    name.text
                )));
                return None;
            }
            (Value::Scalar(s), []) => HostsValue::List(vec![s.clone()]),
            (Value::List(l), []) => HostsValue::List(l.items.clone()),
            (Value::Expr(e), []) => {
                self.errors.push(SpanRange::single(e.span).error(
                    "a host group is written in the source: addresses, networks and ranges, or \
                     `ipset NAME`",
                ));
                return None;
            }
        };
        Some(HostsDecl {
            name: name.clone(),
            value,
        })
    }

    /// The statements of a table block: chains, and `preserve …;` lines.
    fn table_body(&mut self, stream: TokenStream) -> (Vec<ChainDef>, Vec<PreservePattern>) {
        let (mut chains, mut preserve) = (Vec::new(), Vec::new());
        for stmt in split(stream) {
            let is_preserve = matches!(stmt.tokens.first(), Some(TokenTree::Ident(i)) if i == "preserve")
                && !matches!(stmt.end, End::Brace(_));
            if is_preserve {
                let end = stmt.header_end();
                match run(&stmt, |input| parse_preserve(input, end)) {
                    Ok(patterns) => preserve.extend(patterns),
                    Err(e) => self.errors.push(e),
                }
                if matches!(stmt.end, End::Eof) {
                    self.errors.push(syn::Error::new(
                        end.span,
                        "expected `;` after the `preserve` patterns",
                    ));
                }
            } else if let Some(chain) = self.chain(stmt) {
                chains.push(chain);
            }
        }
        (chains, preserve)
    }

    fn chain(&mut self, stmt: Stmt) -> Option<ChainDef> {
        if stmt.tokens.is_empty() {
            if let End::Brace(g) = &stmt.end {
                self.errors.push(syn::Error::new(
                    g.span_open(),
                    "expected a chain name before `{` (`INPUT { … }` or `chain NAME { … }`)",
                ));
                self.items(g.stream());
            }
            return None;
        }
        let end = stmt.header_end();
        let mut header = ChainHeader::default();
        let result = run(&stmt, |input| parse_chain_header(input, end, &mut header));
        match result {
            Err(e) => self.errors.push(e),
            Ok(()) => match &stmt.end {
                End::Brace(_) => {}
                End::Semi(span) if header.policy.is_none() => self.errors.push(syn::Error::new(
                    *span,
                    format!("{}, found `;`", header.expectation()),
                )),
                End::Semi(_) => {}
                End::Eof => self
                    .errors
                    .push(syn::Error::new(end.span, header.expectation())),
            },
        }
        let items = match &stmt.end {
            End::Brace(g) => self.items(g.stream()),
            _ => Vec::new(),
        };
        let name = header.name?;
        Some(ChainDef {
            line: stmt.first_span().start().line,
            name,
            user: header.chain_keyword.is_some(),
            comment: header.comment,
            policy: header.policy,
            items,
        })
    }

    fn items(&mut self, stream: TokenStream) -> Vec<Item> {
        split(stream)
            .into_iter()
            .filter_map(|stmt| self.item(stmt))
            .collect()
    }

    fn item(&mut self, stmt: Stmt) -> Option<Item> {
        let end = stmt.header_end();
        match &stmt.end {
            End::Semi(_) if stmt.tokens.is_empty() => None,
            End::Semi(_) | End::Eof => {
                let parsed = run(&stmt, |input| parse_rule_header(input, end));
                let (verb, options) = match parsed {
                    Ok(parsed) => parsed,
                    Err(e) => {
                        self.errors.push(e);
                        return None;
                    }
                };
                if matches!(stmt.end, End::Eof) {
                    self.errors
                        .push(syn::Error::new(end.span, "expected `;` after the rule"));
                }
                Some(Item::Rule(Rule {
                    verb,
                    options,
                    span: stmt.span(),
                }))
            }
            End::Brace(group) => {
                if stmt.tokens.is_empty() {
                    self.errors.push(syn::Error::new(
                        group.span_open(),
                        "expected options before `{`: a nested block is `key=value … { rules }`",
                    ));
                    self.items(group.stream());
                    return None;
                }
                let header = run(&stmt, |input| parse_block_header(input, end));
                if let Err(e) = &header {
                    self.errors.push(e.clone());
                }
                let items = self.items(group.stream());
                let options = header.ok()?;
                Some(Item::Block(Block { options, items }))
            }
        }
    }
}

#[cfg(test)]
mod tests;
