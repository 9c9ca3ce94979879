//! Quoting: every string the renderer writes must come back from `iptables-restore`'s parser
//! as exactly one argument with exactly the same bytes, and nothing may add a line.
//!
//! `tokenize` below is a line-by-line port of iptables 1.8.9's `add_param_to_argv`
//! (iptables/xshared.c), the function `iptables-restore` splits each rule line with:
//! - only `"` quotes; `'` is an ordinary character;
//! - inside quotes `\` takes the next byte literally; outside quotes `\` is ordinary;
//! - a closing quote ends the argument at once (so `""` is an empty argument);
//! - outside quotes, space, tab and newline separate arguments;
//! - `#` is a comment only as the first character of a line, which a rule line never has.

use pyptables::{default_tables, Chain, Family, Rule, Table, Tables, Target};

/// Splits `line` as `iptables-restore` does. An unterminated quote is an error here (in
/// iptables it silently swallows the rest of the line).
fn tokenize(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut param: Vec<u8> = Vec::new();
    let mut quote_open = false;
    let mut escaped = false;
    for &c in line.as_bytes() {
        if quote_open {
            if escaped {
                param.push(c);
                escaped = false;
                continue;
            } else if c == b'\\' {
                escaped = true;
                continue;
            } else if c == b'"' {
                quote_open = false;
                // falls through to the separator handling: the argument ends here
            } else {
                param.push(c);
                continue;
            }
        } else if c == b'"' {
            quote_open = true;
            continue;
        }
        match c {
            b'"' => {}
            b' ' | b'\t' | b'\n' => {
                if param.is_empty() {
                    continue;
                }
            }
            _ => {
                param.push(c);
                continue;
            }
        }
        args.push(String::from_utf8(std::mem::take(&mut param)).map_err(|e| e.to_string())?);
    }
    if quote_open {
        return Err(format!("unterminated quote in {line:?}"));
    }
    if !param.is_empty() {
        args.push(String::from_utf8(param).map_err(|e| e.to_string())?);
    }
    Ok(args)
}

#[test]
fn the_reference_tokenizer_follows_iptables() {
    let t = |s: &str| tokenize(s).unwrap();
    assert_eq!(t("-A INPUT -j ACCEPT"), ["-A", "INPUT", "-j", "ACCEPT"]);
    assert_eq!(t("a  b\tc "), ["a", "b", "c"]);
    assert_eq!(t(r#"--comment "a b""#), ["--comment", "a b"]);
    assert_eq!(t(r#""a\"b""#), [r#"a"b"#]);
    assert_eq!(t(r#""a\\b""#), [r"a\b"]);
    assert_eq!(t(r#""it\'s""#), ["it's"]);
    assert_eq!(
        t(r"it\'s"),
        [r"it\'s"],
        "outside quotes a backslash is kept"
    );
    assert_eq!(t("'a b'"), ["'a", "b'"], "single quotes do not quote");
    assert_eq!(t(r#""" x"#), ["", "x"], "an empty quoted argument");
    assert_eq!(
        t(r#""ab"cd"#),
        ["ab", "cd"],
        "a closing quote ends the argument"
    );
    assert_eq!(t(r#"ab"c d""#), ["abc d"]);
    assert_eq!(t("a # b"), ["a", "#", "b"]);
    assert!(tokenize(r#""open"#).is_err());
}

/// The `-A` lines of the plain rendering.
fn rule_lines(tables: &Tables) -> Vec<String> {
    tables
        .to_iptables_plain()
        .lines()
        .filter(|l| l.starts_with("-A"))
        .map(str::to_string)
        .collect()
}

/// Renders a rule commented `comment` and returns what iptables-restore would read.
fn comment_round_trip(comment: &str) -> Vec<String> {
    let mut tables = default_tables();
    tables["filter"]["INPUT"].push(Rule::new().comment(comment.to_string()).accept());
    tables
        .validate()
        .unwrap_or_else(|e| panic!("{comment:?} should be valid: {e}"));
    let lines = rule_lines(&tables);
    assert_eq!(lines.len(), 1, "{comment:?} gave {lines:?}");
    tokenize(&lines[0]).unwrap_or_else(|e| panic!("{comment:?}: {e}"))
}

fn expect_comment(comment: &str) {
    assert_eq!(
        comment_round_trip(comment),
        [
            "-A",
            "INPUT",
            "-m",
            "comment",
            "--comment",
            comment,
            "-j",
            "ACCEPT"
        ],
        "comment {comment:?}"
    );
}

const NASTY: &[&str] = &[
    "plain",
    "say \"hi\"",
    "back\\slash",
    "ends with a backslash \\",
    "\\",
    "\\\\",
    "\\\"",
    "\"",
    "\"\"",
    "\" -j DROP \"",
    "# not a comment",
    "#",
    "it's",
    "'single quoted'",
    "two  spaces",
    " leading and trailing ",
    "grüße → 日本語 🚀",
    "-A INPUT -s 6.6.6.6 -j DROP",
    "--comment",
    "COMMIT",
    "*filter",
    ":INPUT DROP [0:0]",
    "a\"b\\\"c\\\\d'e#f g",
    "$(reboot); `id` | & > <",
    "",
    "%s %n {} [0:0]",
];

#[test]
fn hostile_comments_come_back_as_one_identical_argument() {
    for comment in NASTY {
        expect_comment(comment);
    }
}

#[test]
fn the_longest_comment_of_quotes_stays_one_argument() {
    expect_comment(&"\"".repeat(255));
    expect_comment(&"\\".repeat(255));
    expect_comment(&"é".repeat(127));
}

/// Deterministic pseudo-random strings over the characters that matter.
#[test]
fn random_comments_round_trip() {
    const ALPHABET: &[char] = &[
        'a', 'Z', '0', ' ', ' ', '"', '"', '\\', '\\', '#', '\'', '-', ':', ',', '!', '*', '=',
        'é', '日', '🚀', '$', '`', ';',
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3000 {
        let len = (next() % 48) as usize;
        let comment: String = (0..len)
            .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
            .collect();
        if comment.len() <= 255 {
            expect_comment(&comment);
        }
    }
}

#[test]
fn log_and_nflog_prefixes_round_trip() {
    for prefix in ["DROP: ", "\"q\" \\ #", "it's ", "日本: ", "-j ACCEPT"] {
        let mut tables = default_tables();
        tables["filter"]["INPUT"]
            .push(Rule::new().target(Target::new("LOG").opt("log-prefix", prefix.to_string())));
        tables["filter"]["INPUT"]
            .push(Rule::new().target(Target::new("NFLOG").opt("nflog-prefix", prefix.to_string())));
        tables
            .validate()
            .unwrap_or_else(|e| panic!("{prefix:?}: {e}"));
        let lines = rule_lines(&tables);
        assert_eq!(
            tokenize(&lines[0]).unwrap(),
            ["-A", "INPUT", "-j", "LOG", "--log-prefix", prefix]
        );
        assert_eq!(
            tokenize(&lines[1]).unwrap(),
            ["-A", "INPUT", "-j", "NFLOG", "--nflog-prefix", prefix]
        );
    }
}

#[test]
fn strings_the_file_cannot_carry_never_add_a_line() {
    let bad = [
        "x\n-A INPUT -s 6.6.6.6 -j DROP",
        "x\r-A INPUT -j DROP",
        "nul\0byte",
        "tab\there",
        "\nCOMMIT\n*nat",
    ];
    for comment in bad {
        let mut tables = Tables::new(Family::V4);
        let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
        filter["INPUT"].push(Rule::new().comment(comment).accept());
        filter["INPUT"].push(Rule::new().target(Target::new("LOG").opt("log-prefix", comment)));
        filter.add_chain(Chain::user_with_comment("c", comment));
        let plain = tables.to_iptables_plain();
        // *filter, 4 chain lines, 2 rules, COMMIT: nothing more.
        assert_eq!(plain.lines().count(), 8, "{comment:?}:\n{plain}");
        for line in rule_lines(&tables) {
            let tokens = tokenize(&line).unwrap();
            assert!(!tokens.iter().any(|t| t.contains('\n') || t.contains('\r')));
        }
        let annotated = tables.to_iptables();
        assert!(
            annotated
                .lines()
                .all(|l| !l.starts_with("-A") || l.starts_with("-A INPUT")),
            "{annotated}"
        );
        assert_eq!(annotated.lines().filter(|l| *l == "COMMIT").count(), 1);
        // The chain's comment only appears in an annotation (with `?` for the control
        // character) and never reaches iptables; the rule's comment and prefix are errors.
        assert!(annotated.contains("# User Chain \"c\": "), "{annotated}");
        let errors = tables.validate().unwrap_err();
        assert_eq!(errors.len(), 2, "{comment:?}: {errors}");
    }
}

#[test]
fn raw_rules_are_tokenized_like_iptables_restore_would() {
    let raw = r#"-p tcp --dport 22 -m comment --comment "say \"hi\" it's" -j ACCEPT"#;
    let mut tables = default_tables();
    tables["filter"]["INPUT"].push(Rule::raw(raw));
    tables.validate().unwrap();
    let lines = rule_lines(&tables);
    assert_eq!(
        tokenize(&lines[0]).unwrap(),
        [
            "-A",
            "INPUT",
            "-p",
            "tcp",
            "--dport",
            "22",
            "-m",
            "comment",
            "--comment",
            "say \"hi\" it's",
            "-j",
            "ACCEPT"
        ]
    );
}
