//! Rendering the model as `iptables-restore` input, annotated or plain, plus pyptables'
//! `colorize` and `add_line_numbers`.
//!
//! Rendering never fails and never lets a value break out of its line: text the format cannot
//! carry (a newline, a NUL) is written as `?` here and reported by
//! [`Tables::validate`](crate::Tables::validate), which [`restore`](crate::restore) runs first.

use std::fmt::{self, Write};

use pyptables_catalog::limits;
use pyptables_catalog::matches::BUILTIN_OPTIONS;
use pyptables_catalog::rule::{is_protocol_option, resolve, write_flag};
use pyptables_catalog::value::{is_plain, push_quoted, quote};
use pyptables_catalog::{Family, MatchSpec, Problem, TargetKind};

use crate::model::rule::{Arg, Body, Rule, Target};
use crate::model::{Chain, ChainKind, Table, Tables};
use crate::origin::Origin;

/// How to render.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Style {
    /// With table banners, chain headers and a `# Rule: comment (file:line)` line before each
    /// rule, like python-pyptables.
    #[default]
    Annotated,
    /// Only what `iptables-restore` needs.
    Plain,
}

/// What one line of rendered output came from, for mapping `iptables-restore` errors back to
/// the user's source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineSource {
    /// A rule: table, chain, index in the chain, and where it was written.
    Rule {
        /// The table.
        table: String,
        /// The chain.
        chain: String,
        /// The rule's index in its chain.
        index: usize,
        /// Where it was written.
        origin: Origin,
    },
    /// A table's `*name` line or its `COMMIT`.
    Table {
        /// The table.
        table: String,
        /// Where it was created.
        origin: Origin,
    },
    /// A chain declaration `:NAME POLICY [0:0]`.
    Chain {
        /// The table.
        table: String,
        /// The chain.
        chain: String,
        /// Where it was created.
        origin: Origin,
    },
    /// A comment or blank line.
    Other,
}

/// Rendered text and, for each line (0-based), what it came from.
#[derive(Clone, Debug, Default)]
pub struct Rendered {
    /// The `iptables-restore` input.
    pub text: String,
    /// One entry per line of `text`.
    pub lines: Vec<LineSource>,
}

impl Rendered {
    /// What 1-based line `line` came from.
    #[must_use]
    pub fn source_of(&self, line: usize) -> Option<&LineSource> {
        line.checked_sub(1).and_then(|i| self.lines.get(i))
    }
}

struct Out<'w> {
    text: String,
    lines: Option<Vec<LineSource>>,
    /// Where to stream the text, in chunks, instead of keeping it all.
    sink: Option<&'w mut dyn std::io::Write>,
    error: Option<std::io::Error>,
    /// When checking the lines against `iptables-restore`'s limits: what each line written
    /// from now on is about, and the problems found.
    about: About,
    problems: Option<Vec<(About, Problem)>>,
}

/// What a rendered line is about, by position: table, chain and rule indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum About {
    /// The file's header.
    File,
    /// A table's own lines.
    Table(usize),
    /// A chain's declaration or header.
    Chain(usize, usize),
    /// A rule or the comment line before it.
    Rule(usize, usize, usize),
}

/// Text kept before it is written to the sink.
const CHUNK: usize = 1 << 16;

impl<'w> Out<'w> {
    fn new(
        text: String,
        lines: Option<Vec<LineSource>>,
        sink: Option<&'w mut dyn std::io::Write>,
    ) -> Self {
        Out {
            text,
            lines,
            sink,
            error: None,
            about: About::File,
            problems: None,
        }
    }

    fn line(&mut self, source: impl FnOnce() -> LineSource, write: impl FnOnce(&mut String)) {
        let start = self.text.len();
        write(&mut self.text);
        if let Some(problems) = &mut self.problems {
            let line = &self.text[start..];
            let rule = line.starts_with("-A ");
            let what = match (line.as_bytes().first(), self.about) {
                (Some(b'-'), _) => "this rule",
                (Some(b':'), _) => "the declaration of this chain",
                (_, About::Rule(..)) => "the comment line before this rule",
                (_, About::Chain(..)) => "the comment line of this chain",
                _ => "a comment line of this table",
            };
            if let Some(p) = limits::line_problem(line, rule, what) {
                problems.push((self.about, p));
            }
        }
        self.text.push('\n');
        if let Some(lines) = &mut self.lines {
            lines.push(source());
        }
        if self.text.len() >= CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if let Some(sink) = &mut self.sink {
            if self.error.is_none() {
                if let Err(e) = sink.write_all(self.text.as_bytes()) {
                    self.error = Some(e);
                }
            }
            self.text.clear();
        }
    }
}

impl Tables {
    /// The annotated `iptables-restore` text (see [`Style::Annotated`]).
    ///
    /// ```
    /// use pyptables::{default_tables, Rule};
    /// let mut t = default_tables();
    /// t["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
    /// let text = t.to_iptables();
    /// assert!(text.contains("*filter\n:INPUT ACCEPT [0:0]\n"));
    /// assert!(text.contains("-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n"));
    /// ```
    #[must_use]
    pub fn to_iptables(&self) -> String {
        self.render(Style::Annotated)
    }

    /// The plain `iptables-restore` text (see [`Style::Plain`]).
    #[must_use]
    pub fn to_iptables_plain(&self) -> String {
        self.render(Style::Plain)
    }

    /// The text in `style`.
    #[must_use]
    pub fn render(&self, style: Style) -> String {
        let mut out = Out::new(
            String::with_capacity(64 + self.rule_count() * 160),
            None,
            None,
        );
        render_tables(self, style, &mut out);
        out.text
    }

    /// Writes the text in `style` to `writer` as it is rendered, without holding all of it in
    /// memory — for large rulesets going to a file, a pipe or standard output.
    ///
    /// ```
    /// use pyptables::{default_tables, Style};
    /// let mut out = Vec::new();
    /// default_tables().write_iptables(&mut out, Style::Plain).unwrap();
    /// assert_eq!(String::from_utf8(out).unwrap(), default_tables().to_iptables_plain());
    /// ```
    pub fn write_iptables(
        &self,
        writer: &mut dyn std::io::Write,
        style: Style,
    ) -> std::io::Result<()> {
        let mut out = Out::new(String::with_capacity(CHUNK + 4096), None, Some(writer));
        render_tables(self, style, &mut out);
        out.flush();
        match out.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The text in `style`, with what each line came from.
    #[must_use]
    pub fn render_mapped(&self, style: Style) -> Rendered {
        let mut out = Out::new(String::new(), Some(Vec::new()), None);
        render_tables(self, style, &mut out);
        Rendered {
            text: out.text,
            lines: out.lines.unwrap_or_default(),
        }
    }
}

impl fmt::Display for Tables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iptables())
    }
}

/// Every line of the annotated text (which holds every line of the plain text too) that
/// `iptables-restore` cannot read as one line of arguments, with what it is about.
pub(crate) fn check_lines(tables: &Tables) -> Vec<(About, Problem)> {
    let mut sink = std::io::sink();
    let mut out = Out::new(String::with_capacity(CHUNK + 4096), None, Some(&mut sink));
    out.problems = Some(Vec::new());
    render_tables(tables, Style::Annotated, &mut out);
    out.problems.unwrap_or_default()
}

fn render_tables(tables: &Tables, style: Style, out: &mut Out) {
    let annotated = style == Style::Annotated;
    let family = tables.family();
    if annotated {
        out.line(
            || LineSource::Other,
            |s| {
                let _ = write!(
                    s,
                    "# Generated by pyptables {} for {}-restore",
                    env!("CARGO_PKG_VERSION"),
                    restore_name(family)
                );
            },
        );
    }
    for (ti, table) in tables.iter().enumerate() {
        out.about = About::Table(ti);
        render_table(ti, table, family, annotated, out);
    }
}

fn restore_name(family: Family) -> &'static str {
    match family {
        Family::V4 => "iptables",
        Family::V6 => "ip6tables",
    }
}

fn render_table(ti: usize, table: &Table, family: Family, annotated: bool, out: &mut Out) {
    let tsrc = || LineSource::Table {
        table: table.name().to_string(),
        origin: table.origin(),
    };
    if annotated {
        let title = format!("# {} table ({}) #", table.name(), table.origin());
        let bar = "#".repeat(title.chars().count());
        out.line(|| LineSource::Other, |s| s.push_str(&bar));
        out.line(|| LineSource::Other, |s| s.push_str(&title));
        out.line(|| LineSource::Other, |s| s.push_str(&bar));
        if !table.preserved().is_empty() {
            // Not in the text below, but kept when it is applied.
            out.line(
                || LineSource::Other,
                |s| {
                    let _ = write!(
                        s,
                        "# Kept as they run: chains {}, the jumps to them, and the built-in chains not listed here",
                        sanitize(&table.preserved().join(", "))
                    );
                },
            );
        }
    }
    out.line(tsrc, |s| {
        s.push('*');
        s.push_str(&safe(table.name()));
    });
    for (ci, chain) in table.chains().enumerate() {
        out.about = About::Chain(ti, ci);
        let policy = chain.policy().map_or("-", |p| p.as_str());
        out.line(
            || LineSource::Chain {
                table: table.name().to_string(),
                chain: chain.name().to_string(),
                origin: chain.origin(),
            },
            |s| {
                let _ = write!(s, ":{} {policy} [0:0]", safe(chain.name()));
            },
        );
    }
    for (ci, chain) in table.chains().enumerate() {
        out.about = About::Chain(ti, ci);
        if annotated {
            out.line(|| LineSource::Other, |_| {});
            out.line(|| LineSource::Other, |s| chain_header(chain, s));
            if chain.is_empty() {
                out.line(|| LineSource::Other, |s| s.push_str("# No rules"));
            }
        }
        let name = safe(chain.name());
        for (index, rule) in chain.iter().enumerate() {
            out.about = About::Rule(ti, ci, index);
            if annotated {
                out.line(
                    || LineSource::Other,
                    |s| {
                        s.push_str("# Rule: ");
                        if let Some(comment) = rule.comment_text() {
                            s.push_str(&sanitize(comment));
                            s.push(' ');
                        }
                        let _ = write!(s, "({})", rule.origin());
                    },
                );
            }
            out.line(
                || LineSource::Rule {
                    table: table.name().to_string(),
                    chain: chain.name().to_string(),
                    index,
                    origin: rule.origin(),
                },
                |s| {
                    s.push_str("-A ");
                    s.push_str(&name);
                    write_rule(rule, family, s);
                },
            );
        }
    }
    out.about = About::Table(ti);
    out.line(tsrc, |s| s.push_str("COMMIT"));
}

fn chain_header(chain: &Chain, s: &mut String) {
    match chain.kind() {
        ChainKind::Builtin(_) => {
            let _ = write!(
                s,
                "# Builtin Chain \"{}\" ({})",
                sanitize(chain.name()),
                chain.origin()
            );
        }
        ChainKind::User(comment) => {
            let _ = write!(s, "# User Chain \"{}\"", sanitize(chain.name()));
            if let Some(c) = comment {
                let _ = write!(s, ": {}", sanitize(c));
            }
            let _ = write!(s, " ({})", chain.origin());
        }
    }
}

/// Replaces characters that would end a line (or a comment line) with `?`.
fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect::<String>()
            .into()
    } else {
        text.into()
    }
}

/// Appends a name or value as one safe token: [`safe`] without an intermediate string.
fn push_safe(text: &str, s: &mut String) {
    // Plain tokens (the bulk of a ruleset) have no control characters and need no quotes.
    if is_plain(text) {
        s.push_str(text);
        return;
    }
    push_quoted(&sanitize(text), s);
}

/// A name or value as one safe token.
fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    match sanitize(text) {
        std::borrow::Cow::Borrowed(t) => quote(t),
        std::borrow::Cow::Owned(t) => std::borrow::Cow::Owned(quote(&t).into_owned()),
    }
}

/// Writes the options and target of `rule` (everything after `-A CHAIN`), each token
/// preceded by a space.
pub(crate) fn write_rule(rule: &Rule, family: Family, s: &mut String) {
    match &rule.body {
        Body::Raw { text, .. } => {
            s.push(' ');
            s.push_str(&sanitize(text));
        }
        // An option iptables does not have, so the line is refused if it is ever loaded; it
        // says why.
        Body::Invalid(problem) => {
            s.push_str(" --invalid-rule ");
            push_safe(&problem.to_string(), s);
        }
        Body::Options { args, target } => {
            write_args(args, family, s);
            if let Some(t) = target {
                write_target(t, family, s);
            }
        }
    }
}

fn write_args(args: &[Arg], family: Family, s: &mut String) {
    let protocol = args
        .iter()
        .find(|a| a.module.is_none() && !a.negated && is_protocol_option(&a.key))
        .and_then(|a| a.value.as_deref());
    // Most rules have a handful of options: resolve them into a stack buffer.
    let mut stack = [None; 16];
    let mut heap = Vec::new();
    let resolved: &[Option<_>] = if args.len() <= stack.len() {
        for (slot, a) in stack.iter_mut().zip(args) {
            *slot = resolve(&a.as_catalog(), protocol).ok();
        }
        &stack[..args.len()]
    } else {
        heap.extend(args.iter().map(|a| resolve(&a.as_catalog(), protocol).ok()));
        &heap
    };

    // Built-in options first, in iptables-save's order (-s -d -i -o -p -f).
    for spec in BUILTIN_OPTIONS {
        for (arg, r) in args.iter().zip(resolved) {
            if let Some(r) = r {
                if r.module.is_none() && std::ptr::eq(r.option, spec) {
                    write_option(arg, r.option, family, s);
                }
            }
        }
    }
    // Then each match with its options, in the order the matches first appear.
    let mut done: Vec<*const MatchSpec> = Vec::new();
    for (i, r) in resolved.iter().enumerate() {
        let Some(module) = r.and_then(|r| r.module) else {
            continue;
        };
        if done.contains(&(module as *const _)) {
            continue;
        }
        done.push(module);
        s.push_str(" -m ");
        s.push_str(module.name);
        for (arg, r2) in args[i..].iter().zip(&resolved[i..]) {
            if let Some(r2) = r2 {
                // A match given alone is its `-m NAME`, written above.
                if r2.module.is_some_and(|m| std::ptr::eq(m, module)) && !arg.is_bare() {
                    write_option(arg, r2.option, family, s);
                }
            }
        }
    }
    // Options the catalog does not know: written as given, so the output shows what was
    // asked for; validation reports them.
    for (arg, r) in args.iter().zip(resolved) {
        if r.is_none() {
            if let Some(m) = &arg.module {
                s.push_str(" -m ");
                push_safe(m, s);
            }
            write_unknown(arg, s);
        }
    }
}

fn write_option(arg: &Arg, option: &pyptables_catalog::OptionSpec, family: Family, s: &mut String) {
    if arg.negated {
        s.push_str(" !");
    }
    s.push(' ');
    write_flag(option, s);
    if let Some(v) = &arg.value {
        let canonical = option.kind.canonical(v, family);
        let text: &str = &canonical;
        if option.kind.is_multi_word() {
            for word in text.split_whitespace() {
                s.push(' ');
                push_safe(word, s);
            }
        } else {
            s.push(' ');
            push_safe(text, s);
        }
    }
}

fn write_unknown(arg: &Arg, s: &mut String) {
    if arg.negated {
        s.push_str(" !");
    }
    s.push_str(" --");
    s.push_str(&safe(&arg.key.replace('_', "-")));
    if let Some(v) = &arg.value {
        s.push(' ');
        push_safe(v, s);
    }
}

fn write_target(target: &Target, family: Family, s: &mut String) {
    s.push_str(if target.kind() == TargetKind::Goto {
        " -g "
    } else {
        " -j "
    });
    push_safe(target.name(), s);
    let spec = pyptables_catalog::targets::find(target.name());
    for arg in target.args() {
        match spec.and_then(|t| t.option(&arg.key)) {
            Some(option) => write_option(arg, option, family, s),
            None => write_unknown(arg, s),
        }
    }
}

impl fmt::Display for Rule {
    /// The rule's options and target as iptables arguments (IPv4 canonical forms).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        write_rule(self, Family::V4, &mut s);
        f.write_str(s.trim_start())
    }
}

const RESET: &str = "\x1b[0m";

/// Colours rendered text for a terminal, like pyptables' `colorize`: comments dim, table
/// lines bold, chain declarations cyan, `-A CHAIN` blue, targets green (ACCEPT), red (DROP,
/// REJECT) or yellow (others), and `!` magenta.
///
/// ```
/// let coloured = pyptables::colorize("*filter\n-A INPUT -j DROP\nCOMMIT\n");
/// assert!(coloured.contains("\x1b[31mDROP"));
/// ```
#[must_use]
pub fn colorize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.lines() {
        if line.starts_with('#') {
            out.push_str(&format!("\x1b[2m{line}{RESET}"));
        } else if line.starts_with('*') || line == "COMMIT" {
            out.push_str(&format!("\x1b[1m{line}{RESET}"));
        } else if line.starts_with(':') {
            out.push_str(&format!("\x1b[36m{line}{RESET}"));
        } else {
            let mut first = true;
            let mut prev = "";
            for w in line.split(' ') {
                if !first {
                    out.push(' ');
                }
                first = false;
                let colour = match (prev, w) {
                    ("-j" | "-g", "ACCEPT") => Some("32"),
                    ("-j" | "-g", "DROP" | "REJECT") => Some("31"),
                    ("-j" | "-g", _) => Some("33"),
                    ("-A", _) => Some("34"),
                    (_, "!") => Some("35"),
                    _ => None,
                };
                match colour {
                    Some(c) => out.push_str(&format!("\x1b[{c}m{w}{RESET}")),
                    None => out.push_str(w),
                }
                prev = w;
            }
        }
        out.push('\n');
    }
    out
}

/// Numbers each line, like pyptables' `add_line_numbers`: `   1: *filter`. The numbers are
/// the ones `iptables-restore` uses in its error messages.
///
/// ```
/// assert_eq!(pyptables::add_line_numbers("*filter\nCOMMIT\n"), "1: *filter\n2: COMMIT\n");
/// ```
#[must_use]
pub fn add_line_numbers(text: &str) -> String {
    let count = text.lines().count();
    let width = count.to_string().len();
    let mut out = String::with_capacity(text.len() + count * (width + 2));
    for (i, line) in text.lines().enumerate() {
        let _ = writeln!(out, "{:>width$}: {line}", i + 1);
    }
    out
}
