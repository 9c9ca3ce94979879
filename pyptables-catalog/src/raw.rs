//! Raw rule text (python-pyptables' `CustomRule`): split the way `iptables-restore` splits a
//! line, read the way iptables' `getopt_long` reads its arguments, and refused when it could
//! break the file or mean something else than it seems to. Used by the runtime validation and
//! by the `firewall!` macro's `raw "…"` rules.
//!
//! iptables 1.8.9 reads a rule line with `getopt_long` over its own option table
//! (`original_opts` in iptables.c/xtables.c, [`IPTABLES_OPTIONS`] here) merged with the options
//! of each match and target as it is loaded. So, exactly as on the command line:
//! - a long option may be abbreviated to any unique prefix (`--app` is `--append`) and may take
//!   its value after `=` (`--table=nat`);
//! - short options may be glued together and to their value (`-AINPUT`, `-tnat`, `-vj X`);
//! - an option that takes a value takes the next word whatever it is (`--comment -A` is a
//!   comment);
//! - for `-s -d -p -i -o -j`, iptables reads the value from `argv[optind - 1]`: glued to its
//!   option (`-ieth0`, `--jump=X`), the value is the *whole word* (`-i -ieth0` matches an
//!   interface called `-ieth0`), so a glued value is refused here.

use crate::targets;

/// One of iptables' own long options (`original_opts` in iptables 1.8.9's iptables.c and
/// xtables.c; ip6tables.c has the same).
#[derive(Clone, Copy, Debug)]
pub struct IptablesOption {
    /// The long name.
    pub name: &'static str,
    /// 0: no value, 1: a value, 2: an optional value (only after `=` or glued).
    pub has_arg: u8,
    /// The short option it stands for.
    pub short: char,
}

const fn o(name: &'static str, has_arg: u8, short: char) -> IptablesOption {
    IptablesOption {
        name,
        has_arg,
        short,
    }
}

/// iptables' own long options, in its order (which decides nothing: a prefix of several is
/// ambiguous unless they all stand for the same short option).
pub const IPTABLES_OPTIONS: &[IptablesOption] = &[
    o("append", 1, 'A'),
    o("delete", 1, 'D'),
    o("check", 1, 'C'),
    o("insert", 1, 'I'),
    o("replace", 1, 'R'),
    o("list", 2, 'L'),
    o("list-rules", 2, 'S'),
    o("flush", 2, 'F'),
    o("zero", 2, 'Z'),
    o("new-chain", 1, 'N'),
    o("delete-chain", 2, 'X'),
    o("rename-chain", 1, 'E'),
    o("policy", 1, 'P'),
    o("source", 1, 's'),
    o("destination", 1, 'd'),
    o("src", 1, 's'),
    o("dst", 1, 'd'),
    o("protocol", 1, 'p'),
    o("in-interface", 1, 'i'),
    o("jump", 1, 'j'),
    o("table", 1, 't'),
    o("match", 1, 'm'),
    o("numeric", 0, 'n'),
    o("out-interface", 1, 'o'),
    o("verbose", 0, 'v'),
    o("wait", 2, 'w'),
    o("wait-interval", 2, 'W'),
    o("exact", 0, 'x'),
    o("fragments", 0, 'f'),
    o("version", 0, 'V'),
    o("help", 2, 'h'),
    o("line-numbers", 0, '0'),
    o("modprobe", 1, 'M'),
    o("set-counters", 1, 'c'),
    o("goto", 1, 'g'),
    o("ipv4", 0, '4'),
    o("ipv6", 0, '6'),
];

/// iptables' short options (`IPT_OPTSTRING` in xshared.h, without its leading `-:`): a letter,
/// then `:` if it takes a value, `::` if the value is optional (glued only).
pub const IPTABLES_SHORT_OPTIONS: &str =
    "A:C:D:E:F::I:L::M:N:P:VX::Z::c:d:i:j:o:p:s:t:R:S::W::46bfg:h::m:nvw::x";

/// How many values short option `c` takes: 0, 1, 2 (optional), or `None` if iptables has no
/// such option.
fn short_has_arg(c: char) -> Option<u8> {
    let s = IPTABLES_SHORT_OPTIONS;
    let at = s.find(c).filter(|_| c != ':')?;
    let rest = &s[at + c.len_utf8()..];
    Some(if rest.starts_with("::") {
        2
    } else if rest.starts_with(':') {
        1
    } else {
        0
    })
}

/// iptables' commands (short options).
const COMMANDS: &[char] = &[
    'A', 'C', 'D', 'E', 'F', 'I', 'L', 'N', 'P', 'R', 'S', 'X', 'Z',
];

/// Why a raw rule may not use iptables' option `short`, if it may not.
fn refused(short: char) -> Option<&'static str> {
    Some(match short {
        'A' | 'C' | 'D' | 'E' | 'F' | 'I' | 'L' | 'N' | 'P' | 'R' | 'S' | 'X' | 'Z' => {
            "a command, not part of a rule; the chain is given by where the rule is added"
        }
        't' => {
            "the table option, not part of a rule; the table is given by where the rule is added"
        }
        'V' | 'h' => {
            "an option that makes iptables-restore print a text and stop without loading anything"
        }
        'M' => "the option that sets the program iptables runs to load kernel modules",
        '4' | '6' => {
            "a family option: iptables-restore silently skips a rule with the other family's"
        }
        'w' | 'W' | 'n' | 'x' | '0' | 'b' => {
            "not an option of a rule (iptables-restore refuses it)"
        }
        _ => return None,
    })
}

/// Options whose value iptables reads from the whole word when it is glued (`argv[optind-1]`).
const WHOLE_WORD_VALUE: &[char] = &['s', 'd', 'p', 'i', 'o', 'j'];

/// Options that accept the deprecated `-s ! addr` (`check_inverse`): then the value is the
/// word after the `!`.
const INTRAPOSITIONED_NOT: &[char] = &['s', 'd', 'p', 'i', 'o'];

/// Whether `s` is a pair of counters as `iptables-save -c` writes them, `packets:bytes`
/// (inside the `[…]` before a rule or after a chain's policy).
///
/// ```
/// use pyptables_catalog::raw::is_counters;
/// assert!(is_counters("0:0"));
/// assert!(!is_counters("0:") && !is_counters("a:1"));
/// ```
#[must_use]
pub fn is_counters(s: &str) -> bool {
    s.split_once(':').is_some_and(|(p, b)| {
        !p.is_empty()
            && !b.is_empty()
            && p.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// Splits `text` into words exactly as `iptables-restore`'s `add_param_to_argv` does: only
/// double quotes quote, `\` escapes inside them, a closing quote ends the word (`""` is an
/// empty word), space, tab and newline separate, and an unclosed quote runs to the end.
///
/// ```
/// use pyptables_catalog::raw::split;
/// assert_eq!(split(r#"-m comment --comment "a \"b\""x"#), ["-m", "comment", "--comment", "a \"b\"", "x"]);
/// ```
#[must_use]
pub fn split(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Vec<u8> = Vec::new();
    let (mut quote_open, mut escaped) = (false, false);
    for &c in text.as_bytes() {
        if quote_open {
            if escaped {
                word.push(c);
                escaped = false;
                continue;
            } else if c == b'\\' {
                escaped = true;
                continue;
            } else if c == b'"' {
                quote_open = false;
                // The word ends here, even an empty one.
                words.push(String::from_utf8_lossy(&std::mem::take(&mut word)).into_owned());
                continue;
            }
            word.push(c);
            continue;
        }
        match c {
            b'"' => quote_open = true,
            b' ' | b'\t' | b'\n' => {
                if !word.is_empty() {
                    words.push(String::from_utf8_lossy(&std::mem::take(&mut word)).into_owned());
                }
            }
            _ => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(String::from_utf8_lossy(&word).into_owned());
    }
    words
}

/// What a raw rule's text says, read as iptables reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RawRule {
    /// The words, as `iptables-restore` splits them.
    pub words: Vec<String>,
    /// The jump (`false`) or goto (`true`) target, as iptables reads it: the value of the first
    /// `-j`/`--jump` or `-g`/`--goto`, in any spelling.
    pub target: Option<(String, bool)>,
    /// Every option read, in order, with its value and whether a `!` inverted it.
    pub options: Vec<RawOption>,
    /// Indices into `words` of the words no option took (iptables refuses most of them; a
    /// reader that must account for every word reports them).
    pub stray: Vec<usize>,
}

/// One option of a rule as iptables' option parser read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawOption {
    /// The index in [`RawRule::words`] of the word that named it.
    pub at: usize,
    /// Whether a `!` before it (or the deprecated `-s ! addr`) inverted it.
    pub negated: bool,
    /// Which option it is.
    pub name: RawName,
    /// Its value: one word, or the words of a multi-word value joined by a space
    /// (`--tcp-flags SYN,ACK SYN`); `None` for a flag.
    pub value: Option<String>,
}

/// Which option a [`RawOption`] is.
#[derive(Clone, Debug)]
pub enum RawName {
    /// One of iptables' own options, by its short letter (`s`, `p`, `j`, `m`, `f`, …).
    Own(char),
    /// An option of a match or target loaded earlier in the rule.
    Extension {
        /// The match (`-m`, or the protocol's match after `-p`) or target (`-j`) name.
        owner: &'static str,
        /// Whether the owner is a target.
        target: bool,
        /// The catalog's option.
        option: &'static crate::OptionSpec,
    },
    /// An option the catalog does not know at that point, as written.
    Unknown(String),
}

impl PartialEq for RawName {
    fn eq(&self, other: &RawName) -> bool {
        match (self, other) {
            (RawName::Own(a), RawName::Own(b)) => a == b,
            (
                RawName::Extension {
                    owner: a,
                    target: at,
                    option: ao,
                },
                RawName::Extension {
                    owner: b,
                    target: bt,
                    option: bo,
                },
            ) => a == b && at == bt && std::ptr::eq(*ao, *bo),
            (RawName::Unknown(a), RawName::Unknown(b)) => a == b,
            _ => false,
        }
    }
}
impl Eq for RawName {}

/// An option of a loaded match or target, with what loaded it.
#[derive(Clone, Copy, Debug)]
struct Loaded {
    owner: &'static str,
    target: bool,
    spec: &'static crate::OptionSpec,
}

/// How a long option name reads among the options known at that point.
enum Long<'a> {
    /// One of iptables' own.
    Own(&'static IptablesOption),
    /// An option of a loaded match or target.
    Extension(Loaded),
    /// A prefix of several options, some of them iptables' own (`--de`).
    Ambiguous(Vec<&'a str>),
    /// Nothing known (an extension the catalog does not know, or a mistake).
    Unknown,
}

/// Resolves `--name` as glibc's `getopt_long` does: an exact name wins; otherwise a unique
/// prefix, or several that all stand for the same option.
fn resolve_long(name: &str, loaded: &[Loaded]) -> Long<'static> {
    if let Some(own) = IPTABLES_OPTIONS.iter().find(|o| o.name == name) {
        return Long::Own(own);
    }
    let ext_names = |o: &'static crate::OptionSpec| {
        std::iter::once(o.name)
            .chain(o.aliases.iter().copied())
            .filter(|n| n.len() > 1)
    };
    // iptables merges the options of each newly loaded match or target in before the
    // earlier ones' (xtables_merge_options), so the last one loaded wins a shared name.
    if let Some(o) = loaded
        .iter()
        .rev()
        .find(|o| ext_names(o.spec).any(|n| n == name))
    {
        return Long::Extension(*o);
    }
    let own: Vec<&'static IptablesOption> = IPTABLES_OPTIONS
        .iter()
        .filter(|o| o.name.starts_with(name))
        .collect();
    let ext: Vec<Loaded> = loaded
        .iter()
        .copied()
        .filter(|o| ext_names(o.spec).any(|n| n.starts_with(name)))
        .collect();
    match (own.as_slice(), ext.as_slice()) {
        ([], []) => Long::Unknown,
        ([], [one]) => Long::Extension(*one),
        ([], _) => Long::Unknown,
        ([first, rest @ ..], []) if rest.iter().all(|o| o.short == first.short) => Long::Own(first),
        _ => Long::Ambiguous(own.iter().map(|o| o.name).collect()),
    }
}

/// Options of a match or target loaded by `-m`, `-p` or `-j`, which iptables then reads too.
fn load(word: &str, short: char, loaded: &mut Vec<Loaded>) {
    let (owner, target, options): (&'static str, bool, &'static [crate::OptionSpec]) = match short {
        'm' => crate::matches::find(word).map_or(("", false, &[]), |m| (m.name, false, m.options)),
        'p' => {
            let lower = word.to_ascii_lowercase();
            let name = match lower.as_str() {
                "icmpv6" | "ipv6-icmp" => "icmp6",
                other => other,
            };
            crate::matches::find(name).map_or(("", false, &[]), |m| (m.name, false, m.options))
        }
        'j' => targets::find(word).map_or(("", true, &[]), |t| (t.name, true, t.options)),
        _ => ("", false, &[]),
    };
    loaded.extend(options.iter().map(|spec| Loaded {
        owner,
        target,
        spec,
    }));
}

/// Reads raw rule text as `iptables-restore` reads it after `-A CHAIN`, or says why it cannot
/// be used: a control character, an unclosed quote, or an option that is not part of a rule
/// (a command such as `-A`/`--app`/`-PINPUT`, `-t`/`--table=nat`, `-V`, `-M`, `-6`, …), or
/// a value glued to `-s -d -p -i -o -j`, which iptables would read as the whole word.
///
/// ```
/// use pyptables_catalog::raw::parse;
/// assert_eq!(parse("-p tcp -gnext").unwrap().target, Some(("next".to_string(), true)));
/// assert!(parse("--app INPUT").unwrap_err().contains("`--append`"));
/// assert!(parse("-m comment --comment -A -j ACCEPT").is_ok(), "a comment may say -A");
/// ```
pub fn parse(text: &str) -> Result<RawRule, String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "it contains {:?}, which would end the rule's line",
            c
        ));
    }
    // A backslash just before the end inside quotes escapes nothing: the quote stays open.
    if unclosed_quote(text) {
        return Err("a double quote is not closed".into());
    }
    let words = split(text);
    if words.is_empty() {
        return Err("it is empty".into());
    }
    let mut target = None;
    let mut loaded: Vec<Loaded> = Vec::new();
    let mut options: Vec<RawOption> = Vec::new();
    let mut stray: Vec<usize> = Vec::new();
    // The index of a `!` that waits for the option it inverts.
    let mut not_at: Option<usize> = None;
    // Whether a match the catalog does not know was loaded: its options are unknown here.
    let mut unknown_match = false;
    let unknown = |m: Option<&str>| m.is_some_and(|m| crate::matches::find(m).is_none());
    let mut i = 0;
    while i < words.len() {
        let at = i;
        let word = &words[i];
        i += 1;
        let negated = not_at.take().is_some();
        if word == "--" {
            return Err("`--` ends iptables' options; iptables refuses the words after it".into());
        }
        if let Some(long) = word.strip_prefix("--") {
            let (name, glued) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (long, None),
            };
            match resolve_long(name, &loaded) {
                // An abbreviated command after a match the catalog does not know may be that
                // match's own option (`-m policy --pol ipsec`): an exact name wins in getopt.
                // If it is not, iptables refuses the line (two commands), so it is let through.
                Long::Own(opt)
                    if opt.name != name && unknown_match && COMMANDS.contains(&opt.short) =>
                {
                    options.push(RawOption {
                        at,
                        negated,
                        name: RawName::Unknown(word.clone()),
                        value: None,
                    });
                }
                Long::Own(opt) => {
                    let shown = format!("--{}", opt.name);
                    if let Some(why) = refused(opt.short) {
                        return Err(read_as(word, &shown, why));
                    }
                    let value = match (opt.has_arg, glued) {
                        (0, Some(_)) => {
                            return Err(format!("`{shown}` takes no value (`{word}`)"));
                        }
                        (0, None) | (2, None) => None,
                        (_, Some(v)) => {
                            if WHOLE_WORD_VALUE.contains(&opt.short) {
                                return Err(whole_word(word, &shown, v));
                            }
                            Some(v.to_string())
                        }
                        (_, None) => match words.get(i) {
                            Some(v) => {
                                i += 1;
                                Some(v.clone())
                            }
                            None => return Err(format!("`{word}` needs a value")),
                        },
                    };
                    i = after_value(opt.short, value.as_deref(), &words, i);
                    unknown_match |= opt.short == 'm' && unknown(value.as_deref());
                    options.push(own_option(at, negated, opt.short, &value, &words, i));
                    note(opt.short, value, &words, i, &mut target, &mut loaded);
                }
                Long::Extension(ext) => {
                    let value = if ext.spec.kind.is_flag() {
                        glued.map(str::to_string)
                    } else if let Some(v) = glued {
                        Some(v.to_string())
                    } else {
                        // A multi-word value (`--tcp-flags MASK COMP`) takes its words.
                        let n = if ext.spec.kind.is_multi_word() { 2 } else { 1 };
                        let end = (i + n).min(words.len());
                        let taken = words[i..end].join(" ");
                        let whole = end - i == n;
                        i = end;
                        // Too few words left: iptables refuses it; recorded without a value.
                        whole.then_some(taken)
                    };
                    options.push(RawOption {
                        at,
                        negated,
                        name: RawName::Extension {
                            owner: ext.owner,
                            target: ext.target,
                            option: ext.spec,
                        },
                        value,
                    });
                }
                Long::Ambiguous(names) => {
                    let names: Vec<String> = names.iter().map(|n| format!("`--{n}`")).collect();
                    return Err(format!(
                        "`{word}` is an abbreviation iptables cannot resolve: it could be {}; \
                         write the option in full",
                        names.join(" or ")
                    ));
                }
                // Not known here: its value (if any) is read as an option, which only refuses
                // more.
                Long::Unknown => options.push(RawOption {
                    at,
                    negated,
                    name: RawName::Unknown(word.clone()),
                    value: glued.map(str::to_string),
                }),
            }
            continue;
        }
        let Some(cluster) = word.strip_prefix('-').filter(|c| !c.is_empty()) else {
            // `!`, or a value of an option the catalog does not know.
            if word == "COMMIT" {
                return Err("`COMMIT` ends a table; it is not part of a rule".into());
            }
            if word == "!" && !negated {
                not_at = Some(at);
            } else {
                stray.push(at);
            }
            continue;
        };
        // Short options, possibly glued together and to a value: `-vjX`, `-AINPUT`.
        for (pos, c) in cluster.char_indices() {
            let Some(has_arg) = short_has_arg(c) else {
                options.push(RawOption {
                    at,
                    negated,
                    name: RawName::Unknown(format!("-{c}")),
                    value: None,
                });
                continue;
            };
            let shown = format!("-{c}");
            if let Some(why) = refused(c) {
                return Err(read_as(word, &shown, why));
            }
            if has_arg == 0 {
                if c == 'f' || c == 'v' {
                    options.push(RawOption {
                        at,
                        negated,
                        name: RawName::Own(c),
                        value: None,
                    });
                    continue;
                }
                return Err(read_as(word, &shown, "not an option of a rule"));
            }
            let rest = &cluster[pos + c.len_utf8()..];
            let value = if !rest.is_empty() {
                if WHOLE_WORD_VALUE.contains(&c) {
                    return Err(whole_word(word, &shown, rest));
                }
                Some(rest.to_string())
            } else if has_arg == 1 {
                match words.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(format!("`{word}` needs a value")),
                }
            } else {
                None
            };
            i = after_value(c, value.as_deref(), &words, i);
            unknown_match |= c == 'm' && unknown(value.as_deref());
            options.push(own_option(at, negated, c, &value, &words, i));
            note(c, value, &words, i, &mut target, &mut loaded);
            break;
        }
    }
    if let Some(at) = not_at {
        stray.push(at);
    }
    Ok(RawRule {
        words,
        target,
        options,
        stray,
    })
}

/// The record of iptables' own option `short` with `value`, read up to word `i`: the
/// deprecated `-s ! addr` is an inverted `-s addr`.
fn own_option(
    at: usize,
    negated: bool,
    short: char,
    value: &Option<String>,
    words: &[String],
    i: usize,
) -> RawOption {
    let (negated, value) = if value.as_deref() == Some("!") && INTRAPOSITIONED_NOT.contains(&short)
    {
        (true, words.get(i - 1).cloned())
    } else {
        (negated, value.clone())
    };
    RawOption {
        at,
        negated,
        name: RawName::Own(short),
        value,
    }
}

/// The next word to read after option `short` took `value`: with the deprecated `-s ! addr`,
/// the word after the `!` is the value too.
fn after_value(short: char, value: Option<&str>, words: &[String], i: usize) -> usize {
    if value == Some("!") && INTRAPOSITIONED_NOT.contains(&short) && i < words.len() {
        i + 1
    } else {
        i
    }
}

/// Records what option `short` with `value` means for the rest of the rule.
fn note(
    short: char,
    value: Option<String>,
    words: &[String],
    i: usize,
    target: &mut Option<(String, bool)>,
    loaded: &mut Vec<Loaded>,
) {
    let Some(mut value) = value else {
        return;
    };
    if value == "!" && INTRAPOSITIONED_NOT.contains(&short) {
        value = words.get(i - 1).cloned().unwrap_or_default();
    }
    match short {
        'j' | 'g' if target.is_none() => *target = Some((value.clone(), short == 'g')),
        _ => {}
    }
    load(&value, short, loaded);
}

fn read_as(word: &str, option: &str, why: &str) -> String {
    if word == option {
        format!("`{word}` is {why}")
    } else {
        format!("`{word}` is read by iptables as `{option}`, {why}")
    }
}

fn whole_word(word: &str, option: &str, value: &str) -> String {
    format!(
        "iptables reads the value of `{option}` from the whole word `{word}`, not `{value}`; \
         write `{option} {value}`"
    )
}

/// Whether a double quote is still open at the end of `text` (as [`split`] reads it).
fn unclosed_quote(text: &str) -> bool {
    let (mut open, mut escaped) = (false, false);
    for c in text.chars() {
        if open {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                open = false;
            }
        } else if c == '"' {
            open = true;
        }
    }
    open
}

/// Splits raw rule text the way `iptables-restore` does, or says why it cannot be used (see
/// [`parse`]).
///
/// ```
/// use pyptables_catalog::raw::tokens;
/// assert_eq!(tokens(r#"-m comment --comment "a b" -j ACCEPT"#).unwrap(), ["-m", "comment", "--comment", "a b", "-j", "ACCEPT"]);
/// assert!(tokens("-j ACCEPT\n-A INPUT -j DROP").is_err());
/// assert!(tokens("-F").is_err());
/// ```
pub fn tokens(text: &str) -> Result<Vec<String>, String> {
    parse(text).map(|r| r.words)
}

/// The user chain a raw rule jumps or goes to: `(name, is_goto)` for a jump to a name that is
/// not a catalog target, or any goto — read as iptables reads them (`--jump=X`, `-gX`, `--go X`).
#[must_use]
pub fn jump(text: &str) -> Option<(String, bool)> {
    let (name, goto) = parse(text).ok()?.target?;
    if !goto && targets::find(&name).is_some() {
        return None;
    }
    Some((name, goto))
}

/// The ipsets a rule refers to (the text after `-A CHAIN`): the set name after each option
/// whose value is a [`ValueKind::SetRef`](crate::ValueKind::SetRef) — `--match-set NAME src`
/// of `-m set`, `--add-set`/`--del-set NAME src` of `-j SET`. Unsplittable text names none.
///
/// ```
/// use pyptables_catalog::raw::set_names;
/// assert_eq!(set_names("! -m set --match-set bad src -j SET --add-set seen src"), ["bad", "seen"]);
/// assert!(set_names("-p tcp -j ACCEPT").is_empty());
/// ```
#[must_use]
pub fn set_names(rule: &str) -> Vec<String> {
    let Ok(tokens) = tokens(rule) else {
        return Vec::new();
    };
    let names_a_set = |token: &str| {
        token.strip_prefix("--").is_some_and(|key| {
            crate::matches::MATCHES
                .iter()
                .flat_map(|m| m.options)
                .chain(targets::TARGETS.iter().flat_map(|t| t.options))
                .any(|o| o.kind == crate::ValueKind::SetRef && o.is_named(key))
        })
    };
    tokens
        .windows(2)
        .filter(|w| names_a_set(&w[0]))
        .map(|w| w[1].clone())
        .collect()
}

/// Whether `name`, jumped to (`-j`, not `-g`) from an *unchecked* raw rule and not defined as
/// a chain, is taken as a target extension the catalog does not know rather than a missing
/// chain: iptables' target extensions are all named in capitals (`SYNPROXY`, `TEE`, `DNPT`),
/// so a name with a lower-case letter is a chain and still has to exist.
///
/// ```
/// use pyptables_catalog::raw::may_be_unknown_target;
/// assert!(may_be_unknown_target("SYNPROXY"));
/// assert!(!may_be_unknown_target("web_in"));
/// ```
#[must_use]
pub fn may_be_unknown_target(name: &str) -> bool {
    name.bytes().next().is_some_and(|c| c.is_ascii_uppercase())
        && name
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

/// What in raw rule text the catalog does not know, as written (`-m foo`, `-j FOO`,
/// `--nflog-range`): what an unchecked rule leaves to the kernel alone. Empty for text that
/// does not parse or that the catalog knows entirely.
///
/// ```
/// use pyptables_catalog::raw::unknown_to_catalog;
/// assert_eq!(unknown_to_catalog("-p tcp -j FOO --frob 1460"), ["-j FOO", "--frob"]);
/// assert_eq!(unknown_to_catalog("-j NFLOG --nflog-range 64"), ["--nflog-range"]);
/// assert!(unknown_to_catalog("-p tcp --dport 22 -j ACCEPT").is_empty());
/// ```
#[must_use]
pub fn unknown_to_catalog(text: &str) -> Vec<String> {
    let Ok(rule) = parse(text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for o in &rule.options {
        match (&o.name, o.value.as_deref()) {
            (RawName::Own('m'), Some(m)) if crate::matches::find(m).is_none() => {
                out.push(format!("-m {m}"));
            }
            (RawName::Own('j'), Some(t)) if targets::find(t).is_none() => {
                out.push(format!("-j {t}"));
            }
            (RawName::Unknown(w), _) => out.push(w.clone()),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::tokens as raw_tokens;

    #[test]
    fn raw_text_splits_like_iptables_restore() {
        let t = |s: &str| raw_tokens(s).unwrap();
        assert_eq!(t("-p tcp  --dport 22"), ["-p", "tcp", "--dport", "22"]);
        assert_eq!(
            t(r#"--comment "a \"b\" \\ c""#),
            ["--comment", r#"a "b" \ c"#]
        );
        assert_eq!(
            t(r#"x"y z""#),
            ["xy z"],
            "a quote opened inside a word joins it"
        );
        // iptables' add_param_to_argv ends the argument at a closing quote: `"ab"cd` is two
        // arguments and `""` is an empty one.
        assert_eq!(t(r#""ab"cd"#), ["ab", "cd"]);
        assert_eq!(
            t(r#"--comment "" -j ACCEPT"#),
            ["--comment", "", "-j", "ACCEPT"]
        );
    }

    /// Each case was loaded with iptables-restore 1.8.9 (both backends) after `-A FORWARD`:
    /// iptables read each of these as the option named, or as a glued whole word.
    #[test]
    fn glued_abbreviated_and_equals_forms_are_read_as_iptables_reads_them() {
        let refused = [
            ("-AINPUT", "`-A`, a command"),
            ("--app INPUT", "`--append`, a command"),
            ("-tnat", "`-t`, the table option"),
            ("--table=nat", "`--table`, the table option"),
            ("-m comment --comment x --table=nat", "`--table`"),
            ("-PINPUT", "`-P`, a command"),
            ("-m comment --comment x -PINPUT", "`-P`, a command"),
            ("--ne x", "`--new-chain`, a command"),
            ("-vFINPUT", "`-F`, a command"),
            ("--pol INPUT ACCEPT", "`--policy`"),
            ("-V", "stop without loading anything"),
            ("--vers", "`--version`"),
            ("-h", "stop without loading anything"),
            ("-M /bin/true -j ACCEPT", "kernel modules"),
            ("-6 -j DROP", "silently skips"),
            ("--ipv4 -j DROP", "silently skips"),
            ("-w -j ACCEPT", "refuses it"),
            (
                "--de 1.2.3.4",
                "`--delete` or `--delete-chain` or `--destination`",
            ),
            (
                "-ieth0 -j DROP",
                "whole word `-ieth0`, not `eth0`; write `-i eth0`",
            ),
            ("--in-interface=eth0", "write `--in-interface eth0`"),
            ("-s1.2.3.4 -j DROP", "write `-s 1.2.3.4`"),
            ("-ptcp --dport 22", "write `-p tcp`"),
            ("--jump=nosuch", "whole word `--jump=nosuch`"),
            ("-jACCEPT", "write `-j ACCEPT`"),
            ("-vjACCEPT", "write `-j ACCEPT`"),
            ("-j ACCEPT --", "`--` ends"),
            // After an unknown match, only command abbreviations are let through.
            ("-m policy --dir in --vers", "`--version`"),
            ("-m policy --dir in --policy x", "`--policy` is a command"),
        ];
        for (text, why) in refused {
            let err = super::parse(text).expect_err(text);
            assert!(err.contains(why), "{text}: {err}");
        }
        let target = |text: &str| super::parse(text).unwrap().target;
        assert_eq!(target("-gnosuch"), Some(("nosuch".into(), true)));
        assert_eq!(target("--goto=nosuch"), Some(("nosuch".into(), true)));
        assert_eq!(target("--go nosuch"), Some(("nosuch".into(), true)));
        assert_eq!(target("--ju ACCEPT"), Some(("ACCEPT".into(), false)));
        assert_eq!(target("-p tcp -j next"), Some(("next".into(), false)));
        assert_eq!(
            super::jump("--ju ACCEPT"),
            None,
            "ACCEPT is a target, not a chain"
        );
        assert_eq!(super::jump("-gnosuch"), Some(("nosuch".into(), true)));
        // What iptables accepts: values that look like options, abbreviations of options that
        // are no commands, the deprecated `-s ! addr`, and options of loaded matches.
        for ok in [
            "-m comment --comment -A -j ACCEPT",
            "-m comment --comment=-AINPUT -j ACCEPT",
            "--dst 1.2.3.4 -j ACCEPT",
            "--src 1.2.3.4 --sr 1.2.3.5",
            "-p tcp --dport 22 -j ACCEPT",
            "-p tcp --tcp-flags SYN,ACK SYN -j ACCEPT",
            "-m recent --set --name x",
            "-s ! 10.0.0.0/8 -j DROP",
            "! -s 10.0.0.0/8 -f -v -j DROP",
            "--set-c 1 2 -j ACCEPT",
            "-m multiport --dports 22,80 -j ACCEPT",
            "-j LOG --log-prefix -A",
            // The policy match (not in the catalog) has an option `--pol`: exact, so not
            // `--policy` (checked with iptables-restore).
            "-m policy --dir in --pol ipsec -j ACCEPT",
        ] {
            assert!(super::parse(ok).is_ok(), "{ok}: {:?}", super::parse(ok));
        }
    }

    #[test]
    fn every_option_is_recorded_with_its_owner_value_and_negation() {
        use super::RawName;
        let r = super::parse(
            "! -s 1.2.3.4 -p tcp --dp 22 ! --tcp-flags SYN,ACK SYN -m comment --comment \"a b\" -j LOG --log-prefix x stray",
        )
        .unwrap();
        let got: Vec<(String, bool, Option<String>)> = r
            .options
            .iter()
            .map(|o| {
                let name = match &o.name {
                    RawName::Own(c) => format!("-{c}"),
                    RawName::Extension { owner, option, .. } => format!("{owner}:{}", option.name),
                    RawName::Unknown(w) => format!("?{w}"),
                };
                (name, o.negated, o.value.clone())
            })
            .collect();
        let s = |t: &str| Some(t.to_string());
        assert_eq!(
            got,
            [
                ("-s".into(), true, s("1.2.3.4")),
                ("-p".into(), false, s("tcp")),
                ("tcp:dport".into(), false, s("22")),
                ("tcp:tcp-flags".into(), true, s("SYN,ACK SYN")),
                ("-m".into(), false, s("comment")),
                ("comment:comment".into(), false, s("a b")),
                ("-j".into(), false, s("LOG")),
                ("LOG:log-prefix".into(), false, s("x")),
            ]
        );
        assert_eq!(r.stray, [r.words.len() - 1], "`stray` is no option's value");
        // The deprecated `-s ! addr` is an inverted `-s addr`.
        let r = super::parse("-s ! 10.0.0.0/8 -j DROP").unwrap();
        assert_eq!(
            (r.options[0].negated, r.options[0].value.as_deref()),
            (true, Some("10.0.0.0/8"))
        );
        assert!(r.stray.is_empty());
    }

    /// Loaded with iptables 1.8.9 (both backends): `-m connmark --mark 0x1 -m mark --mark 0x2`
    /// saves as it was written, and in `-m mark -m connmark --mark 0x3` connmark gets the
    /// `--mark` (mark then says `--mark` must be specified): iptables puts the options of
    /// the match loaded last before the others', so of two options of the same name the later
    /// match's is read.
    #[test]
    fn an_option_two_loaded_matches_have_goes_to_the_later_one() {
        use super::RawName;
        let owners = |text: &str| -> Vec<String> {
            super::parse(text)
                .unwrap()
                .options
                .iter()
                .filter_map(|o| match &o.name {
                    RawName::Extension { owner, option, .. } => {
                        Some(format!("{owner}:{}", option.name))
                    }
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            owners("-m connmark --mark 0x1 -m mark --mark 0x2"),
            ["connmark:mark", "mark:mark"]
        );
        assert_eq!(owners("-m mark -m connmark --mark 0x3"), ["connmark:mark"]);
    }

    #[test]
    fn a_command_hidden_behind_a_closing_quote_is_found() {
        // iptables-restore reads `"x"-F` as `x` and `-F`.
        let err = raw_tokens(r#"-p tcp "x"-F"#).unwrap_err();
        assert!(err.contains("`-F` is a command"), "{err}");
    }
}
