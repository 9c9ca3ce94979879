//! Parser tests. Inputs are parsed from strings, so spans carry real line/column positions
//! (proc-macro2's `span-locations`); expected positions below are counted by hand in the input
//! texts (lines and columns 1-based, as rustc prints them).

use proc_macro2::{Delimiter, Group, Span, TokenStream, TokenTree};

use super::{combine_errors, parse_firewall};
use crate::ast::*;

// ---------------------------------------------------------------------------------------------
// Helpers

fn parse(src: &str) -> (Firewall, Vec<syn::Error>) {
    let tokens: TokenStream = src.parse().expect("test input lexes");
    parse_firewall(tokens)
}

/// Line and 1-based column of a span's start.
fn loc(span: Span) -> (usize, usize) {
    let start = span.start();
    (start.line, start.column + 1)
}

/// Line and 1-based column of a span's end (one past the last character).
fn end_loc(span: Span) -> (usize, usize) {
    let end = span.end();
    (end.line, end.column + 1)
}

fn errors(src: &str) -> (Firewall, Vec<(usize, usize, String)>) {
    let (fw, errors) = parse(src);
    let errors = errors
        .iter()
        .map(|e| {
            let (line, column) = loc(e.span());
            (line, column, e.to_string())
        })
        .collect();
    (fw, errors)
}

fn parse_ok(src: &str) -> Firewall {
    let (fw, errors) = errors(src);
    assert!(errors.is_empty(), "unexpected errors: {errors:#?}");
    fw
}

fn show_scalar(s: &Scalar) -> String {
    let shape = if s.quoted { "Str" } else { shape(&s.text) };
    format!("{shape}({})", s.text)
}

/// What a plain value's text looks like, so that the expectations below say which form of
/// joined tokens each case is (the parser keeps only the text; the check stage reads it).
fn shape(text: &str) -> &'static str {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let digits_or_empty = |s: &str| s.is_empty() || digits(s);
    if digits(text) {
        return "Int";
    }
    if let Some((low, high)) = text.split_once(':') {
        if !high.contains(':')
            && digits_or_empty(low)
            && digits_or_empty(high)
            && !(low.is_empty() && high.is_empty())
        {
            return "Range";
        }
    }
    if let Some((low, high)) = text.split_once('-') {
        if digits(low) && digits(high) {
            return "Range";
        }
    }
    if looks_like_address(text) {
        return "Address";
    }
    let mut chars = text.chars();
    if chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return "Ident";
    }
    "Other"
}

fn looks_like_address(text: &str) -> bool {
    let v4_chars = |c: char| c.is_ascii_digit() || matches!(c, '.' | '/' | ':' | '-');
    if text.chars().all(v4_chars) {
        // A dotted quad somewhere: four non-empty digit groups joined by three dots.
        return text
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .any(|part| part.split('.').count() == 4 && part.split('.').all(|g| !g.is_empty()));
    }
    let v6_chars = |c: char| c.is_ascii_hexdigit() || matches!(c, '.' | '/' | ':' | '-');
    text.chars().all(v6_chars) && (text.contains("::") || text.matches(':').count() >= 2)
}

fn show_value(v: &Value) -> String {
    match v {
        Value::Scalar(s) => show_scalar(s),
        Value::List(l) => format!(
            "[{}]",
            l.items
                .iter()
                .map(show_scalar)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Expr(e) => {
            use quote::ToTokens;
            format!("{{{}}}", e.expr.to_token_stream())
        }
    }
}

fn show_opt(o: &Opt) -> String {
    match (&o.value, o.negated()) {
        (None, false) => o.key.text.clone(),
        (None, true) => format!("!{}", o.key.text),
        (Some(v), false) => format!("{}={}", o.key.text, show_value(v)),
        (Some(v), true) => format!("{}!={}", o.key.text, show_value(v)),
    }
}

fn show_opts(options: &[Opt]) -> String {
    options.iter().map(show_opt).collect::<Vec<_>>().join(" ")
}

fn show_rule(r: &Rule) -> String {
    let verb = match &r.verb {
        None => "-".to_string(),
        Some(v) => match &v.kind {
            VerbKind::Target => v.word.text.clone(),
            VerbKind::Jump(n) => format!("jump->{}", n.text),
            VerbKind::Goto(n) => format!("goto->{}", n.text),
            VerbKind::Raw(s, false) => format!("raw<{}>", s.value()),
            VerbKind::Raw(s, true) => format!("raw unchecked<{}>", s.value()),
        },
    };
    let mut out = format!("L{} {verb}", r.span.line());
    if !r.options.is_empty() {
        out.push(' ');
        out.push_str(&show_opts(&r.options));
    }
    out
}

fn dump_items(items: &[Item], indent: &str, out: &mut Vec<String>) {
    for item in items {
        match item {
            Item::Rule(r) => out.push(format!("{indent}{}", show_rule(r))),
            Item::Block(b) => {
                out.push(format!(
                    "{indent}block L{} {}",
                    b.options[0].span.line(),
                    show_opts(&b.options)
                ));
                dump_items(&b.items, &format!("{indent}  "), out);
            }
        }
    }
}

/// The whole tree, one line per node.
fn dump(fw: &Firewall) -> Vec<String> {
    let mut out = Vec::new();
    for section in &fw.sections {
        let keyword = section
            .keyword
            .as_ref()
            .map_or_else(|| "-".to_string(), ToString::to_string);
        out.push(format!("section {:?} {keyword}", section.family));
        for table in &section.tables {
            out.push(format!("  table {}", table.name));
            for chain in &table.chains {
                let mut line = format!("    chain {} L{}", chain.name.text, chain.line);
                if chain.user {
                    line.push_str(" user");
                }
                if let Some(c) = &chain.comment {
                    line.push_str(&format!(" comment={:?}", c.value()));
                }
                if let Some(p) = &chain.policy {
                    line.push_str(&format!(" policy={}", p.name));
                }
                if chain.items.is_empty() {
                    line.push_str(" empty");
                }
                out.push(line);
                dump_items(&chain.items, "      ", &mut out);
            }
        }
    }
    out
}

fn first_rule(fw: &Firewall) -> &Rule {
    match fw.sections[0].tables[0].chains[0].items.first() {
        Some(Item::Rule(r)) => r,
        other => panic!("expected a rule, got {other:?}"),
    }
}

fn scalar(v: &Option<Value>) -> &Scalar {
    match v {
        Some(Value::Scalar(s)) => s,
        other => panic!("expected a scalar, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The program of the issue

/// The issue's example program (the body of `firewall! { … }`), line 1 = `filter {`.
const EXAMPLE: &str = r#"filter {
    INPUT policy DROP {
        accept in_interface=lo;
        accept ctstate=[ESTABLISHED, RELATED];
        drop ctstate=INVALID;
        accept proto=icmp icmp_type=echo-request;
        accept proto=tcp dport=ssh source=10.0.0.0/8 comment="SSH from the LAN";
        jump ssh_guard proto=tcp dport=22;
        in_interface=ppp0 {                 // a nested block: its matches prefix every inner rule
            accept proto=udp dport=500;
            accept proto=[esp, ah];         // a list on a non-port key: one rule per element
        }
        log log_prefix="INPUT drop: " log_level=4;
    }
    FORWARD policy DROP {
        accept ctstate=ESTABLISHED;
        accept proto=tcp dport=[53, 80, 443];   // ports: one rule with -m multiport (<= 15)
        reject proto=tcp source!=192.168.0.0/16 reject_with=tcp-reset;
    }
    OUTPUT policy ACCEPT;
    chain ssh_guard "SSH from known hosts only" {
        accept source=1.1.1.1;
        match=recent name=ssh set;              // a rule with no target (ferm's NOP)
        return;
    }
}
nat {
    POSTROUTING { masquerade out_interface=eth0 source=192.168.0.0/16; }
    PREROUTING { dnat proto=tcp dport=8080 to_destination=10.0.0.2:80; }
}
ip6 {
    filter {
        INPUT policy DROP { accept proto=ipv6-icmp; accept source="2001:db8::/32"; }
    }
}
"#;

#[test]
fn issue_example_parses_into_the_expected_tree() {
    let fw = parse_ok(EXAMPLE);
    let expected = [
        "section V4 -",
        "  table filter",
        "    chain INPUT L2 policy=DROP",
        "      L3 accept in_interface=Ident(lo)",
        "      L4 accept ctstate=[Ident(ESTABLISHED), Ident(RELATED)]",
        "      L5 drop ctstate=Ident(INVALID)",
        "      L6 accept proto=Ident(icmp) icmp_type=Ident(echo-request)",
        "      L7 accept proto=Ident(tcp) dport=Ident(ssh) source=Address(10.0.0.0/8) \
         comment=Str(SSH from the LAN)",
        "      L8 jump->ssh_guard proto=Ident(tcp) dport=Int(22)",
        "      block L9 in_interface=Ident(ppp0)",
        "        L10 accept proto=Ident(udp) dport=Int(500)",
        "        L11 accept proto=[Ident(esp), Ident(ah)]",
        "      L13 log log_prefix=Str(INPUT drop: ) log_level=Int(4)",
        "    chain FORWARD L15 policy=DROP",
        "      L16 accept ctstate=Ident(ESTABLISHED)",
        "      L17 accept proto=Ident(tcp) dport=[Int(53), Int(80), Int(443)]",
        "      L18 reject proto=Ident(tcp) source!=Address(192.168.0.0/16) \
         reject_with=Ident(tcp-reset)",
        "    chain OUTPUT L20 policy=ACCEPT empty",
        "    chain ssh_guard L21 user comment=\"SSH from known hosts only\"",
        "      L22 accept source=Address(1.1.1.1)",
        "      L23 - match=Ident(recent) name=Ident(ssh) set",
        "      L24 return",
        "  table nat",
        "    chain POSTROUTING L28",
        "      L28 masquerade out_interface=Ident(eth0) source=Address(192.168.0.0/16)",
        "    chain PREROUTING L29",
        "      L29 dnat proto=Ident(tcp) dport=Int(8080) to_destination=Address(10.0.0.2:80)",
        "section V6 ip6",
        "  table filter",
        "    chain INPUT L33 policy=DROP",
        "      L33 accept proto=Ident(ipv6-icmp)",
        "      L33 accept source=Str(2001:db8::/32)",
    ];
    assert_eq!(dump(&fw), expected);
}

#[test]
fn issue_example_keeps_spans_of_chains_policies_and_options() {
    let fw = parse_ok(EXAMPLE);
    let filter = &fw.sections[0].tables[0];
    assert_eq!(loc(filter.name.span()), (1, 1));
    let input = &filter.chains[0];
    assert_eq!(loc(input.name.span.first), (2, 5));
    let policy = input.policy.as_ref().expect("INPUT has a policy");
    assert_eq!(loc(policy.keyword), (2, 11));
    assert_eq!(loc(policy.name.span()), (2, 18));

    let guard = &filter.chains[3];
    assert!(guard.user);
    assert_eq!(loc(guard.name.span.first), (21, 11));
    assert_eq!(
        loc(guard.comment.as_ref().expect("comment").span()),
        (21, 21)
    );

    // `        accept proto=tcp dport=ssh source=10.0.0.0/8 comment="SSH from the LAN";`
    let Item::Rule(rule) = &input.items[4] else {
        panic!("rule expected")
    };
    assert_eq!(loc(rule.span.first), (7, 9));
    assert_eq!(
        loc(rule.span.last),
        (7, 80),
        "the rule's span ends at its `;`"
    );
    let verb = rule.verb.as_ref().expect("verb");
    assert_eq!(loc(verb.word.span.first), (7, 9));
    let source = &rule.options[2];
    assert_eq!(loc(source.key.span.first), (7, 36));
    assert_eq!(loc(source.span.first), (7, 36));
    let value = scalar(&source.value);
    // `10.0.0.0/8` is several tokens; the range runs from `10.0` to `8`.
    assert_eq!(loc(value.span.first), (7, 43));
    assert_eq!(loc(value.span.last), (7, 52));
    assert_eq!(end_loc(value.span.span()), (7, 53));
    assert_eq!(end_loc(source.span.span()), (7, 53));

    // `        reject proto=tcp source!=192.168.0.0/16 reject_with=tcp-reset;`
    let Item::Rule(reject) = &filter.chains[1].items[2] else {
        panic!("rule expected")
    };
    let negated = &reject.options[1];
    assert!(negated.negated());
    assert_eq!(loc(negated.bang.expect("bang")), (18, 32));

    // The nested block and its header.
    let Item::Block(block) = &input.items[6] else {
        panic!("block expected")
    };
    assert_eq!(loc(block.options[0].span.first), (9, 9));
    assert_eq!(
        end_loc(block.options.last().expect("options").span.last),
        (9, 26)
    );
}

#[test]
fn issue_example_as_written_in_rust_source_parses() {
    // The same body, as the compiler hands it over when nested in a `let` in a function: the
    // leading indentation and comments must not matter.
    let indented: String = EXAMPLE
        .lines()
        .map(|line| format!("        {line}\n"))
        .collect();
    let fw = parse_ok(&indented);
    let rules: usize = fw
        .sections
        .iter()
        .flat_map(|s| &s.tables)
        .flat_map(|t| &t.chains)
        .map(|c| c.items.len())
        .sum();
    // 8 items in INPUT (one a block), 3 in FORWARD, 3 in ssh_guard, 2 in nat, 2 in ip6 INPUT.
    assert_eq!(rules, 18);
}

// ---------------------------------------------------------------------------------------------
// Values

#[test]
fn every_scalar_form_gets_its_text_and_kind() {
    let fw = parse_ok(
        "filter { INPUT {\n\
         accept a=echo-request b=22 c=1024:65535 d=1024: e=:1024 f=10.0.0.0/8 g=1.1.1.1 \
         h=10.0.0.2:80 i=192.168.1.1-192.168.1.9 j=2001:db8::1 k=fe80::/10 l=eth+ m=5/min \
         n=0x10/0xff o=-1 p=ESTABLISHED q=1000-2000 r=eth0.100 s=\"a \\\"b\\\" c\" t=r\"x\\y\" \
         u=br-lan v=1.5;\n\
         } }",
    );
    let rule = first_rule(&fw);
    let got: Vec<String> = rule
        .options
        .iter()
        .map(|o| format!("{}={}", o.key.text, show_scalar(scalar(&o.value))))
        .collect();
    assert_eq!(
        got,
        [
            "a=Ident(echo-request)",
            "b=Int(22)",
            "c=Range(1024:65535)",
            "d=Range(1024:)",
            "e=Range(:1024)",
            "f=Address(10.0.0.0/8)",
            "g=Address(1.1.1.1)",
            "h=Address(10.0.0.2:80)",
            "i=Address(192.168.1.1-192.168.1.9)",
            "j=Address(2001:db8::1)",
            "k=Address(fe80::/10)",
            "l=Other(eth+)",
            "m=Other(5/min)",
            "n=Other(0x10/0xff)",
            "o=Other(-1)",
            "p=Ident(ESTABLISHED)",
            "q=Range(1000-2000)",
            "r=Other(eth0.100)",
            "s=Str(a \"b\" c)",
            "t=Str(x\\y)",
            "u=Ident(br-lan)",
            "v=Other(1.5)",
        ]
    );
}

#[test]
fn a_string_value_keeps_the_literal_span() {
    let fw = parse_ok("filter { INPUT { accept comment=\"hi there\"; } }");
    let value = scalar(&first_rule(&fw).options[0].value);
    assert!(value.quoted);
    assert_eq!(loc(value.span.first), (1, 33));
    assert_eq!(end_loc(value.span.last), (1, 43));
}

#[test]
fn tokens_that_do_not_touch_are_not_joined() {
    let (fw, errors) = errors("filter { INPUT { accept source=10.0.0.0 /8; accept; } }");
    assert_eq!(
        errors,
        [(
            1,
            41,
            "expected an option (`key=value`, `key!=value`, `flag` or `!flag`), found `/`"
                .to_string()
        )]
    );
    // The malformed rule is left out, the next one is kept.
    assert_eq!(dump(&fw)[3..], ["      L1 accept"]);
}

#[test]
fn lists_hold_scalars_of_every_form() {
    let fw = parse_ok(
        "filter { INPUT { accept source=[10.0.0.0/8, \"2001:db8::/32\", 1.1.1.1,] \
         dport=[22, 1024:2048, http]; } }",
    );
    let rule = first_rule(&fw);
    assert_eq!(
        show_opts(&rule.options),
        "source=[Address(10.0.0.0/8), Str(2001:db8::/32), Address(1.1.1.1)] \
         dport=[Int(22), Range(1024:2048), Ident(http)]"
    );
    let Some(Value::List(list)) = &rule.options[0].value else {
        panic!("list expected")
    };
    assert_eq!(loc(list.span), (1, 32));
    assert_eq!(loc(list.items[1].span.first), (1, 45));
}

#[test]
fn braces_after_an_equals_sign_are_rust_expressions() {
    let fw = parse_ok(
        "filter { INPUT {\n\
         accept source={ lan } dport={ ports.iter().copied() } s!={ let a = 1; a };\n\
         source={ nets } { accept; drop proto=tcp; }\n\
         } }",
    );
    let items = &fw.sections[0].tables[0].chains[0].items;
    let Item::Rule(rule) = &items[0] else {
        panic!("rule expected")
    };
    let exprs: Vec<&syn::Expr> = rule
        .options
        .iter()
        .map(|o| match &o.value {
            Some(Value::Expr(e)) => &e.expr,
            other => panic!("expected an expression, got {other:?}"),
        })
        .collect();
    assert!(matches!(exprs[0], syn::Expr::Path(_)));
    assert!(matches!(exprs[1], syn::Expr::MethodCall(_)));
    assert!(
        matches!(exprs[2], syn::Expr::Block(b) if b.block.stmts.len() == 2),
        "statements are kept as a block expression"
    );
    assert!(rule.options[2].negated());
    let Some(Value::Expr(lan)) = &rule.options[0].value else {
        unreachable!()
    };
    assert_eq!(loc(lan.span), (2, 15));
    // A block whose header holds an expression value: the first `{` is the value, the second the body.
    assert_eq!(
        dump(&fw)[4..],
        [
            "      block L3 source={nets}",
            "        L3 accept",
            "        L3 drop proto=Ident(tcp)",
        ]
    );
}

#[test]
fn an_invisible_group_from_macro_rules_is_an_expression() {
    // `macro_rules!` hands `$e:expr` fragments over in an invisible (`Delimiter::None`) group.
    let mut tokens: Vec<TokenTree> = "accept source ="
        .parse::<TokenStream>()
        .expect("lexes")
        .into_iter()
        .collect();
    let expr: TokenStream = "a + b".parse().expect("lexes");
    tokens.push(TokenTree::Group(Group::new(Delimiter::None, expr)));
    tokens.extend("; drop;".parse::<TokenStream>().expect("lexes"));
    let body = Group::new(Delimiter::Brace, tokens.into_iter().collect());
    let mut input: TokenStream = "filter INPUT".parse().expect("lexes");
    let chain: TokenStream = [
        TokenTree::Ident(proc_macro2::Ident::new("INPUT", Span::call_site())),
        TokenTree::Group(body),
    ]
    .into_iter()
    .collect();
    input = TokenStream::from_iter(
        input
            .into_iter()
            .take(1)
            .chain([TokenTree::Group(Group::new(Delimiter::Brace, chain))]),
    );
    let (fw, errors) = parse_firewall(input);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        dump(&fw)[3..],
        ["      L1 accept source={a + b}", "      L1 drop"]
    );
}

// ---------------------------------------------------------------------------------------------
// Keys, flags, verbs

#[test]
fn rust_keywords_work_as_keys_flags_and_verbs() {
    let fw = parse_ok(
        "filter { INPUT {\n\
         match=recent name=ssh set type=x in=eth0 mod=1 r#type=y;\n\
         return;\n\
         r#return proto=tcp;\n\
         accept !match use;\n\
         } }",
    );
    assert_eq!(
        dump(&fw)[3..],
        [
            "      L2 - match=Ident(recent) name=Ident(ssh) set type=Ident(x) in=Ident(eth0) \
             mod=Int(1) type=Ident(y)",
            "      L3 return",
            "      L4 return proto=Ident(tcp)",
            "      L5 accept !match use",
        ]
    );
}

#[test]
fn verbs_and_their_arguments() {
    let fw = parse_ok(
        "filter { INPUT {\n\
         jump ssh-guard proto=tcp;\n\
         goto other_chain;\n\
         raw \"-p tcp --dport 22 -j ACCEPT\";\n\
         ACCEPT proto=tcp;\n\
         masquerade;\n\
         !syn proto=tcp;\n\
         set;\n\
         jump=x;\n\
         raw unchecked \"-j SYNPROXY\";\n\
         } }",
    );
    assert_eq!(
        dump(&fw)[3..],
        [
            "      L2 jump->ssh-guard proto=Ident(tcp)",
            "      L3 goto->other_chain",
            "      L4 raw<-p tcp --dport 22 -j ACCEPT>",
            "      L5 ACCEPT proto=Ident(tcp)",
            "      L6 masquerade",
            "      L7 - !syn proto=Ident(tcp)",
            "      L8 set",
            "      L9 - jump=Ident(x)",
            "      L10 raw unchecked<-j SYNPROXY>",
        ]
    );
    let Item::Rule(jump) = &fw.sections[0].tables[0].chains[0].items[0] else {
        panic!("rule expected")
    };
    let Some(Verb {
        word,
        kind: VerbKind::Jump(target),
    }) = &jump.verb
    else {
        panic!("jump expected")
    };
    assert_eq!(word.text, "jump");
    assert_eq!(loc(target.span.first), (2, 6));
    assert_eq!(loc(target.span.last), (2, 10));
    assert_eq!(end_loc(target.span.span()), (2, 15));
}

#[test]
fn negation_and_flags_anywhere_in_a_rule() {
    let fw = parse_ok("filter { INPUT { accept proto=tcp !syn fragment dport != 22 x!=y; } }");
    let rule = first_rule(&fw);
    assert_eq!(
        show_opts(&rule.options),
        "proto=Ident(tcp) !syn fragment dport!=Int(22) x!=Ident(y)"
    );
    let bang = &rule.options[1];
    assert_eq!(loc(bang.bang.expect("negated")), (1, 35));
    assert_eq!(loc(bang.span.first), (1, 35));
    assert!(rule.options[2].is_flag() && !rule.options[2].negated());
}

#[test]
fn keys_and_chain_names_with_dashes_are_joined() {
    let fw = parse_ok("filter { chain ssh-guard-2 { accept in-interface=eth0; } }");
    let chain = &fw.sections[0].tables[0].chains[0];
    assert_eq!(chain.name.text, "ssh-guard-2");
    assert_eq!(loc(chain.name.span.first), (1, 16));
    assert_eq!(end_loc(chain.name.span.last), (1, 27));
    assert_eq!(first_rule(&fw).options[0].key.text, "in-interface");
}

// ---------------------------------------------------------------------------------------------
// Structure

#[test]
fn nested_blocks_nest_and_keep_their_options() {
    let fw = parse_ok(
        "filter { INPUT {\n\
         proto=tcp !syn {\n\
             dport=22 { accept; }\n\
             in_interface!=lo source=[1.1.1.1, 2.2.2.2] { drop; log log_prefix=\"x\"; }\n\
             accept dport=80;\n\
         }\n\
         } }",
    );
    assert_eq!(
        dump(&fw)[3..],
        [
            "      block L2 proto=Ident(tcp) !syn",
            "        block L3 dport=Int(22)",
            "          L3 accept",
            "        block L4 in_interface!=Ident(lo) source=[Address(1.1.1.1), Address(2.2.2.2)]",
            "          L4 drop",
            "          L4 log log_prefix=Str(x)",
            "        L5 accept dport=Int(80)",
        ]
    );
}

#[test]
fn family_wrappers_and_sections() {
    let fw = parse_ok(
        "filter { } nat { }\n\
         ip6 { filter { } mangle { } }\n\
         inet { filter { INPUT { accept; } } }\n\
         ip4 { raw { } } ip { security { } }\n\
         bogus { }",
    );
    assert_eq!(
        dump(&fw),
        [
            "section V4 -",
            "  table filter",
            "  table nat",
            "section V6 ip6",
            "  table filter",
            "  table mangle",
            "section Both inet",
            "  table filter",
            "    chain INPUT L3",
            "      L3 accept",
            "section V4 ip4",
            "  table raw",
            "section V4 ip",
            "  table security",
            "section V4 -",
            "  table bogus",
        ]
    );
}

#[test]
fn chain_forms() {
    let fw = parse_ok(
        "filter {\n\
         OUTPUT policy ACCEPT;\n\
         INPUT policy DROP { }\n\
         FORWARD { drop; }\n\
         chain a { }\n\
         chain b \"a comment\" { return; }\n\
         chain c policy DROP { }\n\
         PREROUTING \"odd\" policy ACCEPT { }\n\
         ;\n\
         }",
    );
    assert_eq!(
        dump(&fw)[2..],
        [
            "    chain OUTPUT L2 policy=ACCEPT empty",
            "    chain INPUT L3 policy=DROP empty",
            "    chain FORWARD L4",
            "      L4 drop",
            "    chain a L5 user empty",
            "    chain b L6 user comment=\"a comment\"",
            "      L6 return",
            "    chain c L7 user policy=DROP empty",
            "    chain PREROUTING L8 comment=\"odd\" policy=ACCEPT empty",
        ]
    );
}

#[test]
fn empty_input_and_stray_semicolons() {
    assert!(parse_ok("").sections.is_empty());
    let fw = parse_ok("; filter { ; INPUT { ;; accept; ; } ; } ;");
    assert_eq!(dump(&fw)[3..], ["      L1 accept"]);
}

#[test]
fn multi_line_rules_take_the_line_of_their_first_token() {
    let fw = parse_ok("filter { INPUT {\n\n   accept\n proto=tcp\n dport=22\n ;\n} }");
    let rule = first_rule(&fw);
    assert_eq!(rule.span.line(), 3);
    assert_eq!(loc(rule.span.last), (6, 2));
}

// ---------------------------------------------------------------------------------------------
// Errors: every one reported, at the right token

fn owned(expected: &[(usize, usize, &str)]) -> Vec<(usize, usize, String)> {
    expected
        .iter()
        .map(|(l, c, m)| (*l, *c, m.to_string()))
        .collect()
}

const OPTION: &str = "an option (`key=value`, `key!=value`, `flag` or `!flag`)";

#[test]
fn malformed_rules_are_all_reported_and_skipped() {
    let src = "filter {
    INPUT policy DROP {
        accept in_interface=;
        accept proto=tcp dport=22;
        jump;
        accept ctstate=ESTABLISHED,RELATED;
        !proto=tcp accept;
        accept s=(a);
        drop source!=;
        accept comment='x';
    }
    FORWARD DROP { accept; }
    OUTPUT;
    chain { }
}";
    let (fw, errors) = errors(src);
    assert_eq!(
        errors,
        owned(&[
            (3, 28, "expected a value after `=`"),
            (5, 13, "expected a chain name after `jump`, found `;`"),
            (
                6,
                35,
                "unexpected `,`: to give several values, write a list: `key=[a, b]`"
            ),
            (
                7,
                10,
                "`!proto` is a negated flag and takes no value: to negate a value, write \
                 `proto!=value`"
            ),
            (
                8,
                18,
                "expected a value after `=`, found `(`: write a list as `[a, b]` and a Rust \
                 expression as `{ expr }`"
            ),
            (9, 20, "expected a value after `!=`"),
            (
                10,
                24,
                "expected a value after `=`, found `'x'`: write text as a string literal `\"…\"`"
            ),
            (
                12,
                13,
                "expected `{` or `policy` after chain name `FORWARD`, found `DROP`"
            ),
            (
                13,
                11,
                "expected `{` or `policy` after chain name `OUTPUT`, found `;`"
            ),
            (14, 11, "expected a chain name after `chain`, found `{`"),
        ])
    );
    // Only the well-formed rule survives; chains with a malformed header after their name stay.
    assert_eq!(
        dump(&fw),
        [
            "section V4 -",
            "  table filter",
            "    chain INPUT L2 policy=DROP",
            "      L4 accept proto=Ident(tcp) dport=Int(22)",
            "    chain FORWARD L12",
            "      L12 accept",
            "    chain OUTPUT L13 empty",
        ]
    );
}

#[test]
fn malformed_lists_expressions_and_blocks() {
    let src = "filter {
    INPUT {
        accept dport=[];
        accept dport=[[1]];
        accept dport=[1, {x}];
        accept dport=[1 2];
        accept source={};
        accept source={ 1 + };
        { accept; drop x=; }
        jump x { accept; }
        chain y { }
        proto=tcp { accept dport=; accept dport=22; }
        accept proto tcp dport 22;
        accept proto=tcp =x;
        accept proto=tcp
    }
}";
    let (fw, errors) = errors(src);
    let option_eq = format!("expected {OPTION}, found `=`: an option's key is a name");
    let option_22 = format!(
        "expected {OPTION}, found `22`: a value follows its key after `=`, as in `dport=22`"
    );
    assert_eq!(
        errors,
        owned(&[
            (3, 22, "expected at least one value in the list"),
            (4, 23, "lists cannot be nested"),
            (
                5,
                26,
                "a list holds plain values: for values computed at run time, write the whole \
                 value as `{ expr }` (an iterable gives one value per element)"
            ),
            (6, 25, "expected `,` or `]` after a list element, found `2`"),
            (7, 23, "expected a Rust expression inside `{ }`"),
            (8, 29, "unexpected end of input, expected an expression"),
            (
                9,
                9,
                "expected options before `{`: a nested block is `key=value … { rules }`"
            ),
            (9, 25, "expected a value after `=`"),
            (
                10,
                9,
                "expected options before `{`: `jump` is a verb and belongs in the rules inside \
                 the block"
            ),
            (
                11,
                9,
                "`chain` defines a user chain in a table, not inside another chain"
            ),
            (12, 33, "expected a value after `=`"),
            (13, 32, &option_22),
            (14, 26, &option_eq),
            (15, 22, "expected `;` after the rule"),
        ])
    );
    assert_eq!(
        dump(&fw)[2..],
        [
            "    chain INPUT L2",
            "      block L12 proto=Ident(tcp)",
            "        L12 accept dport=Int(22)",
            "      L15 accept proto=Ident(tcp)",
        ]
    );
}

#[test]
fn malformed_tables_and_families() {
    let src = "\"filter\" { }
filter;
filter INPUT { }
{ }
ip6 { inet { filter { INPUT { accept x=; } } } }
nat { { accept; } }
raw";
    let (fw, errors) = errors(src);
    let tables = "a table (`filter`, `nat`, `mangle`, `raw`, `security`) or a family block \
                  (`ip6 { … }`, `inet { … }`)";
    let found_string = format!("expected {tables}, found `\"filter\"`");
    let before_brace = format!("expected {tables} before `{{`");
    assert_eq!(
        errors,
        owned(&[
            (1, 1, &found_string),
            (2, 7, "expected `{` after table name `filter`, found `;`"),
            (
                3,
                8,
                "expected `{` after table name `filter`, found `INPUT`"
            ),
            (4, 1, &before_brace),
            (
                5,
                7,
                "`inet` cannot be nested in `ip6`: a family block holds tables"
            ),
            (5, 39, "expected a value after `=`"),
            (
                6,
                7,
                "expected a chain name before `{` (`INPUT { … }` or `chain NAME { … }`)"
            ),
            (7, 1, "expected `{` after table name `raw`"),
        ])
    );
    assert_eq!(dump(&fw), ["section V6 ip6", "section V4 -", "  table nat"]);
}

#[test]
fn malformed_chain_headers_keep_the_chain() {
    let src = "filter {
    INPUT policy { accept; }
    FORWARD policy DROP x { }
    chain ssh-guard \"c\" x { accept; }
    chain a \"c\" policy DROP { }
    chain foo;
    OUTPUT policy ACCEPT
}";
    let (fw, errors) = errors(src);
    assert_eq!(
        errors,
        owned(&[
            (
                2,
                18,
                "expected a policy (`ACCEPT` or `DROP`) after `policy`, found `{`"
            ),
            (3, 25, "expected `{` or `;` after `policy DROP`, found `x`"),
            (
                4,
                25,
                "expected `{` after the comment of chain `ssh-guard`, found `x`"
            ),
            (
                6,
                14,
                "expected `{` or a comment string after chain name `foo`, found `;`"
            ),
            (7, 19, "expected `{` or `;` after `policy ACCEPT`"),
        ])
    );
    assert_eq!(
        dump(&fw)[2..],
        [
            "    chain INPUT L2",
            "      L2 accept",
            "    chain FORWARD L3 policy=DROP empty",
            "    chain ssh-guard L4 user comment=\"c\"",
            "      L4 accept",
            "    chain a L5 user comment=\"c\" policy=DROP empty",
            "    chain foo L6 user empty",
            "    chain OUTPUT L7 policy=ACCEPT empty",
        ]
    );
}

#[test]
fn a_missing_semicolon_before_a_chain_is_reported_at_the_next_token() {
    let (_, errors) = errors("filter {\n    OUTPUT policy ACCEPT\n    chain foo { }\n}");
    assert_eq!(
        errors,
        owned(&[(
            3,
            5,
            "expected `{` or `;` after `policy ACCEPT`, found `chain`"
        )])
    );
}

#[test]
fn more_verb_and_option_errors() {
    let src = "filter { INPUT {
    raw 5;
    goto;
    raw;
    accept !;
    accept !x=1;
    accept x=!y;
    accept x=\"a\" \"b\";
    accept x=[1, 'c'];
    accept x=[1, ;];
} }";
    let (_, errors) = errors(src);
    let raw = "expected a string after `raw`, as in `raw \"-p tcp --dport 22 -j ACCEPT\";`";
    let raw_5 = format!("{raw}, found `5`");
    let raw_semi = format!("{raw}, found `;`");
    let string_after_flag = format!("expected {OPTION}, found `\"b\"`");
    assert_eq!(
        errors,
        owned(&[
            (2, 9, &raw_5),
            (3, 9, "expected a chain name after `goto`, found `;`"),
            (4, 8, &raw_semi),
            (5, 13, "expected a flag name after `!`, found `;`"),
            (
                6,
                13,
                "`!x` is a negated flag and takes no value: to negate a value, write `x!=value`"
            ),
            (
                7,
                14,
                "expected a value after `=`, found `!`: to negate an option, write `key!=value`"
            ),
            (8, 18, &string_after_flag),
            (
                9,
                18,
                "expected a value in the list, found `'c'`: write text as a string literal `\"…\"`"
            ),
            (10, 18, "expected a value in the list, found `;`"),
        ])
    );
}

#[test]
fn a_string_after_a_flag_hints_at_the_equals_sign() {
    let (_, errors) = errors("filter { INPUT { accept comment \"x\"; } }");
    let expected = format!(
        "expected {OPTION}, found `\"x\"`: a value follows its key after `=`, as in `comment=\"…\"`"
    );
    assert_eq!(errors, owned(&[(1, 33, &expected)]));
}

#[test]
fn errors_combine_in_source_order() {
    let (_, errors) = parse("filter { INPUT { accept x=; drop y=; } } nat;");
    assert_eq!(errors.len(), 3);
    let combined = combine_errors(errors).expect("there are errors");
    let messages: Vec<(usize, String)> = combined
        .into_iter()
        .map(|e| (loc(e.span()).1, e.to_string()))
        .collect();
    assert_eq!(
        messages,
        [
            (26, "expected a value after `=`".to_string()),
            (35, "expected a value after `=`".to_string()),
            (
                45,
                "expected `{` after table name `nat`, found `;`".to_string()
            ),
        ]
    );
    assert!(combine_errors(Vec::new()).is_none());
}

#[test]
fn span_range_errors_cover_the_whole_range() {
    let fw = parse_ok("filter { chain ssh-guard { } }");
    let name = &fw.sections[0].tables[0].chains[0].name;
    let error = name.error("bad name");
    assert_eq!(error.to_string(), "bad name");
    assert_eq!(loc(error.span()), (1, 16));
    assert_eq!(end_loc(error.span()), (1, 25));
    // The compile_error! tokens carry the first and the last token's spans.
    let tokens: Vec<TokenTree> = error.to_compile_error().into_iter().collect();
    assert_eq!(loc(tokens[0].span()), (1, 16));
    assert_eq!(loc(tokens.last().expect("tokens").span()), (1, 20));
}

// ---------------------------------------------------------------------------------------------
// Robustness

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

fn soup(rng: &mut Rng, depth: usize, out: &mut String) {
    const WORDS: &[&str] = &[
        "filter",
        "nat",
        "ip6",
        "inet",
        "INPUT",
        "chain",
        "policy",
        "DROP",
        "accept",
        "jump",
        "goto",
        "raw",
        "return",
        "match",
        "x",
        "proto",
        "tcp",
        "=",
        "!",
        "!=",
        ";",
        ";",
        ",",
        ":",
        "-",
        "/",
        ".",
        "10.0.0.0/8",
        "1.1.1.1",
        "22",
        "1024:",
        "\"s\"",
        "'c'",
        "r#type",
        "+",
        "echo-request",
        "=>",
        "::",
        "#",
        "$",
        "@",
    ];
    let len = rng.next() % 12;
    for _ in 0..len {
        if depth < 4 && rng.next().is_multiple_of(5) {
            let (open, close) = match rng.next() % 3 {
                0 => ("{", "}"),
                1 => ("[", "]"),
                _ => ("(", ")"),
            };
            out.push_str(open);
            soup(rng, depth + 1, out);
            out.push_str(close);
        } else {
            out.push_str(rng.pick(WORDS));
        }
        out.push_str(if rng.next().is_multiple_of(3) {
            ""
        } else {
            " "
        });
    }
}

fn check_errors_point_into_the_input(src: &str, errors: &[syn::Error]) {
    let lines = src.lines().count().max(1);
    for e in errors {
        assert!(!e.to_string().is_empty(), "empty message for {src:?}");
        let (line, _) = loc(e.span());
        assert!(
            (1..=lines).contains(&line),
            "error {e} at line {line} outside the input {src:?}"
        );
    }
}

#[test]
fn random_token_soup_never_panics_and_errors_point_into_the_input() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut with_errors = 0;
    for _ in 0..3000 {
        let mut src = String::new();
        soup(&mut rng, 0, &mut src);
        let Ok(tokens) = src.parse::<TokenStream>() else {
            continue;
        };
        let (_, errors) = parse_firewall(tokens);
        check_errors_point_into_the_input(&src, &errors);
        with_errors += usize::from(!errors.is_empty());
    }
    assert!(with_errors > 1000, "the soup should mostly be malformed");
}

#[test]
fn every_truncation_of_the_example_parses_without_panicking() {
    // Cut the example after every token position (by characters), close the open braces, and
    // parse. Cuts after a complete rule or block give no errors; others give errors in the input.
    let mut clean = 0;
    for cut in 0..EXAMPLE.len() {
        if !EXAMPLE.is_char_boundary(cut) {
            continue;
        }
        let prefix = &EXAMPLE[..cut];
        let depth = prefix.matches('{').count() as isize - prefix.matches('}').count() as isize;
        let mut src = prefix.to_string();
        for _ in 0..depth.max(0) {
            src.push_str(" }");
        }
        let Ok(tokens) = src.parse::<TokenStream>() else {
            continue;
        };
        let (_, errors) = parse_firewall(tokens);
        check_errors_point_into_the_input(&src, &errors);
        clean += usize::from(errors.is_empty());
    }
    assert!(clean > 0);
}
