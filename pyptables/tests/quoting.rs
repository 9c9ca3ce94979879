//! Quoting: every string the renderer writes must come back from `iptables-restore`'s parser
//! as exactly one argument with exactly the same bytes, and nothing may add a line. The parser
//! is `pyptables_testkit::restore_argv`, a port of iptables' own `add_param_to_argv`.

use pyptables::{default_tables, Chain, Family, Rule, Table, Tables, Target};
use pyptables_testkit::restore_argv as tokenize;

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
