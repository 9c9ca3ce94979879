//! The limits of `iptables-restore` (a line is read into a 10,240-byte buffer, at most 251
//! words a rule line, at most 1,023 bytes a word) are checked by validation, for every line the
//! renderer writes, each error naming the rule or chain and the line of source that wrote it.
//! The kernel side (what a too-long line does when loaded) is in `tests/kernel_limits.rs`.

use pyptables::{default_tables, Chain, Match, Rule, Tables, ValidationError};

/// The errors of `tables`, which must not be valid.
#[track_caller]
fn errors(tables: &Tables) -> Vec<ValidationError> {
    match tables.validate() {
        Ok(()) => panic!("expected errors, the tables are valid"),
        Err(e) => e.0,
    }
}

/// A raw rule whose rendered line (`-A FORWARD …`) is `len` a line of, padded with spaces.
fn padded_raw(len: usize, tail: &str) -> String {
    let head = "-j ACCEPT";
    let used = "-A FORWARD ".len() + head.len() + tail.len();
    format!("{head}{}{tail}", " ".repeat(len - used))
}

#[test]
fn a_rule_line_longer_than_iptables_restore_reads_is_refused_with_its_source_line() {
    // What iptables-restore would run as a second line starts at byte 10,239: here a policy.
    let mut t = default_tables();
    // The raw-rule check reads `x-P INPUT ACCEPT` as a comment; cut, it is a policy line.
    let tail = "-m comment --comment \"x-P INPUT ACCEPT\"";
    let text = padded_raw(10_239 + "-P INPUT ACCEPT\"".len(), tail);
    let line = line!() + 1;
    t["filter"]["FORWARD"].push(Rule::raw(text));
    let errs = errors(&t);
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert_eq!(
        (e.origin.line, e.rule, e.chain.as_deref()),
        (line, Some(0), Some("FORWARD"))
    );
    let msg = e.to_string();
    assert!(
        msg.contains("a line of 10255 bytes") && msg.contains("at most 10238"),
        "{msg}"
    );
}

#[test]
fn the_longest_line_iptables_restore_reads_whole_is_accepted() {
    let mut t = default_tables();
    t["filter"]["FORWARD"].push(Rule::raw(padded_raw(10_238, "")));
    assert_eq!(t.validate(), Ok(()));
    let mut t = default_tables();
    t["filter"]["FORWARD"].push(Rule::raw(padded_raw(10_239, "")));
    assert_eq!(errors(&t).len(), 1);
}

#[test]
fn many_options_make_a_long_line() {
    // 60 comments of 200 bytes: each is valid, the line (12 KB) is not.
    let mut rule = Rule::new();
    for i in 0..60 {
        rule = rule
            .with_match(Match::new("comment").opt("comment", format!("{i:03}{}", "c".repeat(197))));
    }
    let mut t = default_tables();
    t["filter"]["INPUT"].push(rule.accept());
    let errs = errors(&t);
    assert!(
        errs.iter()
            .any(|e| e.rule == Some(0) && e.to_string().contains("a line of")),
        "{errs:?}"
    );
}

#[test]
fn a_long_multiport_list_is_refused_for_its_line_too() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(
        Rule::new()
            .proto("tcp")
            .dports((1..=3000u16).collect::<Vec<_>>())
            .accept(),
    );
    let errs = errors(&t);
    assert!(
        errs.iter()
            .any(|e| e.rule == Some(0) && e.to_string().contains("a line of")),
        "{}",
        errs.len()
    );
}

#[test]
fn a_long_chain_comment_is_refused_because_the_annotated_output_carries_it() {
    // The annotated output (`to_iptables()`) is restore input too; its `# User Chain` line
    // holds the comment, and a cut in it would run the rest as a command.
    let mut t = default_tables();
    let comment = format!("{}-P INPUT ACCEPT", "x".repeat(10_300));
    let line = line!() + 1;
    t["filter"].add_chain(Chain::user_with_comment("long", comment));
    let errs = errors(&t);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].origin.line, line);
    assert_eq!(errs[0].chain.as_deref(), Some("long"));
    assert!(errs[0].to_string().contains("a line of"), "{}", errs[0]);
}

#[test]
fn too_many_words_in_a_rule_line_are_refused() {
    // `-A INPUT` + 62 × `-m comment --comment x` + `-j ACCEPT` = 252 words; iptables-restore
    // takes 251.
    let text = format!("{}-j ACCEPT", "-m comment --comment x ".repeat(62));
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(text));
    let errs = errors(&t);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].to_string().contains("252 words"), "{}", errs[0]);
    let text = format!("{}-j ACCEPT", "-m comment --comment x ".repeat(61) + "-v ");
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(text));
    assert_eq!(t.validate(), Ok(()), "251 words load");
}

#[test]
fn a_word_longer_than_iptables_restore_takes_is_refused() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(format!(
        "-m comment --comment \"{}\" -j ACCEPT",
        "w".repeat(1024)
    )));
    let errs = errors(&t);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].to_string().contains("1024 bytes"), "{}", errs[0]);
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw(format!(
        "-m comment --comment \"{}\" -j ACCEPT",
        "w".repeat(1023)
    )));
    assert_eq!(t.validate(), Ok(()));
}

/// `c0 -> c1 -> … -> c{n-1}`, and, with `back`, `c{n-1} -> c0`; with `from_input`, also
/// `INPUT -> c0`. (A path from a built-in chain through more than 15 user chains is refused on
/// its own, so the long chain hangs off INPUT only where that is what is tested; the loop
/// search and the look-ups walk every chain either way.)
fn chained(n: usize, back: bool, from_input: bool) -> Tables {
    let mut t = default_tables();
    if from_input {
        t["filter"]["INPUT"].push(Rule::new().jump("c0"));
    }
    for i in 0..n {
        let mut chain = Chain::user(format!("c{i}"));
        if i + 1 < n {
            chain.push(Rule::new().proto("tcp").jump(format!("c{}", i + 1)));
        } else if back {
            chain.push(Rule::new().jump("c0"));
        }
        chain.push(Rule::new().proto("tcp").dport(22).accept());
        t["filter"].add_chain(chain);
    }
    t
}

#[test]
fn fifty_thousand_chained_chains_validate_without_overflowing_the_stack() {
    // Recursion over the jump graph overflowed the stack at about 30,000 chains, and duplicate
    // and jump-target look-ups were quadratic.
    assert_eq!(chained(50_000, false, false).validate(), Ok(()));
    // Reached from INPUT, the path is too deep for nf_tables: reported once, at the 16th chain.
    let errs = errors(&chained(50_000, false, true));
    assert_eq!(errs.len(), 1, "{:?}", &errs[..errs.len().min(3)]);
    assert!(errs[0].to_string().contains("c14 -> c15"), "{}", errs[0]);
    let errs = errors(&chained(50_000, true, false));
    assert_eq!(errs.len(), 1, "{:?}", &errs[..errs.len().min(3)]);
    let msg = errs[0].to_string();
    assert!(
        msg.contains("chains jump in a loop: c0 -> c1 -> c2"),
        "{}",
        &msg[..200]
    );
    assert!(
        msg.ends_with("c49999 -> c0; the kernel refuses loops"),
        "{}",
        &msg[msg.len() - 100..]
    );
    assert_eq!(errs[0].chain.as_deref(), Some("c49999"));
}
