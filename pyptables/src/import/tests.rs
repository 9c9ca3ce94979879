use super::*;

const V4: Family = Family::V4;

fn one_rule(rule: &str) -> Result<Tables, ImportError> {
    Tables::parse_save(
        &format!("*filter\n:INPUT ACCEPT [0:0]\n:sub - [0:0]\n-A INPUT {rule}\nCOMMIT\n"),
        V4,
    )
}

#[test]
fn save_output_comes_back_unchanged() {
    let text = "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:sub - [0:0]\n\
        -A INPUT -i lo -j ACCEPT\n\
        -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
        -A INPUT ! -s 10.0.0.0/8 -p tcp -m tcp --dport 22 -m comment --comment \"ssh \\\"x\\\"\" -j sub\n\
        -A INPUT -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j LOG --log-prefix \"new: \"\n\
        -A FORWARD -g sub\n\
        -A sub -m recent --set --name x --mask 255.255.255.255 --rsource\n\
        COMMIT\n";
    let t = Tables::parse_save(text, V4).unwrap();
    t.validate().unwrap();
    assert_eq!(t.to_iptables_plain(), text);
    assert_eq!(t["filter"]["INPUT"].rules()[2].origin().line, 7);
}

#[test]
fn counters_long_names_and_any_order_are_read() {
    let text = "*filter\n:INPUT ACCEPT [5:300]\n[1:2] -A INPUT --jump ACCEPT --protocol tcp -m tcp --dport 22 \
                --source 1.2.3.4\nCOMMIT\n";
    let t = Tables::parse_save(text, V4).unwrap();
    assert_eq!(
        t.to_iptables_plain(),
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 1.2.3.4 -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n"
    );
}

#[test]
fn unsupported_constructs_name_the_line() {
    for (rule, what) in [
        ("-m nosuch --x 1 -j DROP", "`-m nosuch` is not supported"),
        (
            "-p tcp -m tcp --nosuch 1 -j DROP",
            "`--nosuch` is not supported",
        ),
        ("-j NOSUCH", "NOSUCH"),
        (
            "-m comment --comment a -m comment --comment b",
            "used twice",
        ),
        ("-j ACCEPT stray", "`stray`"),
        ("-c 1 2 -j ACCEPT", "set counters"),
        ("! -j ACCEPT", "not possible"),
        ("-j sub --x", "not supported"),
    ] {
        let e = one_rule(rule).expect_err(rule);
        assert_eq!(e.line, 4, "{rule}: {e}");
        assert!(e.to_string().contains(what), "{rule}: {e}");
    }
    let e = Tables::parse_save(
        "*filter\n:INPUT ACCEPT [0:0]\n-I INPUT -j DROP\nCOMMIT\n",
        V4,
    )
    .unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    let e = Tables::parse_save(
        "*filter\n:INPUT ACCEPT [0:0]\n-A nochain -j DROP\nCOMMIT\n",
        V4,
    )
    .unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    let e = Tables::parse_save("*filter\n:INPUT ACCEPT [0:0]\n", V4).unwrap_err();
    assert!(e.message.contains("no COMMIT"), "{e}");
    let e = Tables::parse_save("*nosuch\nCOMMIT\n", V4).unwrap_err();
    assert_eq!(e.line, 1);
}

/// Every word of every accepted rule is accounted for: rendering the imported rule and
/// reading both with iptables' own option reader gives the same options (as a multiset), so
/// no option can go missing between the input and the model.
#[test]
fn no_option_is_dropped() {
    let rules = [
        "-s 1.2.3.4/32 ! -d 5.6.7.0/24 -i eth0 -p udp -m udp --sport 53 --dport 1024:65535 -j ACCEPT",
        "-p tcp -m tcp ! --tcp-flags SYN,ACK SYN -m comment --comment \"a b\" -j REJECT --reject-with tcp-reset",
        "-m limit --limit 5/min --limit-burst 7 -j LOG --log-prefix \"x \" --log-level 4",
        "-p icmp -m icmp --icmp-type 8 -m state --state NEW -j ACCEPT",
        "-f -j DROP",
        "-m set --match-set blocked src -j DROP",
        "-p tcp -m tcp -m socket -j ACCEPT",
        "-m socket -m rpfilter --invert -m limit -j DROP",
    ];
    for rule in rules {
        let t = one_rule(rule).unwrap_or_else(|e| panic!("{rule}: {e}"));
        let out = t.to_iptables_plain();
        let line = out.lines().find(|l| l.starts_with("-A INPUT")).unwrap();
        let words = |s: &str| {
            let mut w = raw::split(s);
            w.sort();
            w
        };
        assert_eq!(
            words(line.trim_start_matches("-A INPUT ")),
            words(rule),
            "{rule}"
        );
    }
}

/// Random rules made of known and unknown options, in random order: each either imports
/// with all its words or is refused naming line 4 — never accepted with fewer words.
#[test]
fn random_rules_are_read_whole_or_refused() {
    let pieces = [
        "-p tcp",
        "-m tcp",
        "--dport 22",
        "! --sport 1",
        "-s 1.2.3.4",
        "! -i eth0",
        "-j ACCEPT",
        "-m comment",
        "--comment x",
        "--bogus 1",
        "-m bogus",
        "!",
        "-j LOG",
        "--log-prefix p",
        "-m conntrack",
        "--ctstate NEW",
        "word",
        "-m mark",
        "--mark 0x1/0xff",
        "-g sub",
        "-f",
        "--log-level",
        "-m",
        "--dport=80",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut ok, mut refused) = (0, 0);
    for _ in 0..3000 {
        let n = 1 + (next() % 7) as usize;
        let rule: Vec<&str> = (0..n)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect();
        let rule = rule.join(" ");
        match one_rule(&rule) {
            Ok(t) => {
                ok += 1;
                let out = t.to_iptables_plain();
                let line = out.lines().find(|l| l.starts_with("-A INPUT")).unwrap();
                // `-p tcp --dport 22` loads `-m tcp` implicitly; the output writes it.
                let words = |s: &str| {
                    let s = s.replace("--dport=80", "--dport 80").replace("-m tcp", "");
                    raw::split(&s)
                };
                let mut got = words(line.trim_start_matches("-A INPUT "));
                let mut want = words(&rule);
                got.sort();
                want.sort();
                assert_eq!(got, want, "{rule}");
            }
            Err(e) => {
                refused += 1;
                assert_eq!(e.line, 4, "{rule}: {e}");
            }
        }
    }
    assert!(ok > 100 && refused > 100, "ok {ok}, refused {refused}");
}

/// A match given alone (`-m socket`) comes across alone, at its place among the matches,
/// as `match=NAME` in the DSL and `Match::new(NAME)` in the builder; a match iptables takes
/// only with options is imported and then refused by validation.
#[test]
fn matches_alone_are_imported_in_place() {
    let text = "*mangle\n:PREROUTING ACCEPT [0:0]\n\
        -A PREROUTING -m socket -j ACCEPT\n\
        -A PREROUTING -p tcp -m socket -m tcp --dport 22 -j ACCEPT\n\
        -A PREROUTING -m rpfilter -m limit --limit 5/sec -m socket -j DROP\n\
        -A PREROUTING -p tcp -m tcp -m socket -j ACCEPT\n\
        COMMIT\n";
    let imported = parse(text, V4).unwrap();
    imported.tables.validate().unwrap();
    assert_eq!(imported.tables.to_iptables_plain(), text);
    let dsl = to_dsl(&imported).unwrap();
    for line in [
        "accept match=socket; // line 3\n",
        "accept proto=tcp match=socket dport=22; // line 4\n",
        "drop match=rpfilter limit=\"5/sec\" match=socket; // line 5\n",
        "accept proto=tcp match=tcp match=socket; // line 6\n",
    ] {
        assert!(dsl.contains(line), "{line}\n{dsl}");
    }
    let builder = to_builder(&imported);
    assert!(
        builder.contains("Rule::new().with_match(Match::new(\"socket\")).accept()"),
        "{builder}"
    );
    let t = one_rule("-m tos -j ACCEPT").unwrap();
    let e = t.validate().unwrap_err().to_string();
    assert!(
        e.contains("iptables refuses `-m tos` without options"),
        "{e}"
    );
}

#[test]
fn dsl_and_builder_output() {
    let text = "# Generated by iptables-save\n*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:DOCKER-USER - [0:0]\n\
        -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n\
        -A INPUT -m recent --set --name ssh --mask 255.255.255.255 --rsource\n\
        -A FORWARD -j DOCKER-USER\n\
        -A DOCKER-USER -m comment --comment \"keep me\" -j RETURN\n\
        COMMIT\n";
    let imported = parse(text, V4).unwrap();
    let dsl = to_dsl(&imported).unwrap();
    assert!(
        dsl.contains("accept proto=tcp dport=22; // line 6\n"),
        "{dsl}"
    );
    assert!(
        dsl.contains("match=recent set name=ssh mask=255.255.255.255 rsource; // line 7"),
        "{dsl}"
    );
    assert!(dsl.contains("jump DOCKER-USER; // line 8"), "{dsl}");
    assert!(
        dsl.contains("return comment=\"keep me\"; // line 9"),
        "{dsl}"
    );
    assert!(dsl.contains("// Generated by iptables-save"), "{dsl}");
    assert!(dsl.contains("INPUT policy DROP {"), "{dsl}");
    let builder = to_builder(&imported);
    assert!(
        builder
            .contains("chain.push(Rule::new().proto(\"tcp\").dport(\"22\").accept()); // line 6"),
        "{builder}"
    );
    assert!(
        builder.contains(".with_match(Match::new(\"recent\").flag(\"set\")"),
        "{builder}"
    );
}

/// Matches keep their order: `limit` after `connmark` only spends its tokens on packets
/// connmark matched, so writing `limit` first (it needs no `match=`) would change what the
/// rule does.
#[test]
fn generated_code_keeps_the_order_of_matches() {
    let text = "*filter\n:FORWARD ACCEPT [0:0]\n\
        -A FORWARD -m connmark --mark 0x1 -m limit --limit 5/sec -j ACCEPT\nCOMMIT\n";
    let imported = parse(text, V4).unwrap();
    let dsl = to_dsl(&imported).unwrap();
    assert!(
        dsl.contains("accept match=connmark mark=\"0x1\" limit=\"5/sec\";"),
        "{dsl}"
    );
    let builder = to_builder(&imported);
    assert!(
        builder.contains(
            ".with_match(Match::new(\"connmark\").opt(\"mark\", \"0x1\")).limit(\"5/sec\")"
        ),
        "{builder}"
    );
}

/// Consecutive rules that differ only in a source, destination or interface are one DSL
/// rule with a list (the macro expands it back into the same rules, in order) and a loop in
/// builder code; a negated value, a comment line between them or a second difference
/// keeps them apart.
#[test]
fn lists_are_folded_only_where_exact() {
    let text = "*filter\n:INPUT ACCEPT [0:0]\n\
        -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT\n\
        -A INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 22 -j ACCEPT\n\
        # kept\n\
        -A INPUT -s 10.0.0.3/32 -p tcp -m tcp --dport 22 -j ACCEPT\n\
        -A INPUT -s 10.0.0.4/32 -p tcp -m tcp --dport 23 -j ACCEPT\n\
        -A INPUT -i eth0 -j DROP\n\
        -A INPUT ! -i eth1 -j DROP\n\
        -A INPUT -p tcp -m tcp --dport 80 -j DROP\n\
        -A INPUT -p tcp -m tcp --dport 81 -j DROP\n\
        COMMIT\n";
    let imported = parse(text, V4).unwrap();
    let dsl = to_dsl(&imported).unwrap();
    let rules: Vec<&str> = dsl
        .lines()
        .map(str::trim)
        .filter(|l| l.ends_with(|c: char| c.is_ascii_digit()))
        .collect();
    assert_eq!(
        rules,
        [
            "accept source=[10.0.0.1/32, 10.0.0.2/32] proto=tcp dport=22; // lines 3-4",
            "accept source=10.0.0.3/32 proto=tcp dport=22; // line 6",
            "accept source=10.0.0.4/32 proto=tcp dport=23; // line 7",
            "drop in_interface=eth0; // line 8",
            "drop in_interface!=eth1; // line 9",
            "drop proto=tcp dport=80; // line 10",
            "drop proto=tcp dport=81; // line 11",
        ],
        "{dsl}"
    );
    let builder = to_builder(&imported);
    assert!(
        builder.contains("    for source in [\"10.0.0.1/32\", \"10.0.0.2/32\"] { // lines 3-4\n        chain.push(Rule::new().source(source).proto(\"tcp\").dport(\"22\").accept());\n    }\n"),
        "{builder}"
    );
}
