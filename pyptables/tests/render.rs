//! Rendering: the exact `iptables-restore` text, plain and annotated, plus `colorize` and
//! `add_line_numbers`. Every expected line is written by hand from iptables' syntax.

use pyptables::value::{not, CtState, Ipv4Net, PortRange};
use pyptables::{
    add_line_numbers, colorize, default_tables, default_tables_v6, Chain, Family, LineSource,
    Match, Policy, Rule, Style, Table, Tables, Target,
};

/// The rule as one `-A` line of a plain IPv4 filter table.
fn line_of(rule: Rule) -> String {
    let mut tables = Tables::new(Family::V4);
    tables
        .add(Table::with_builtin_chains("filter").unwrap())
        .try_chain_mut("INPUT")
        .unwrap()
        .push(rule);
    let text = tables.to_iptables_plain();
    let rules: Vec<&str> = text.lines().filter(|l| l.starts_with("-A ")).collect();
    assert_eq!(rules.len(), 1, "{text}");
    rules[0].to_string()
}

#[test]
fn plain_rule_lines() {
    let cases: Vec<(Rule, &str)> = vec![
        (Rule::new().accept(), "-A INPUT -j ACCEPT"),
        (Rule::new(), "-A INPUT"),
        (
            Rule::new()
                .source("192.0.2.0/24")
                .destination("198.51.100.7")
                .proto("udp")
                .dport(53)
                .accept(),
            "-A INPUT -s 192.0.2.0/24 -d 198.51.100.7 -p udp -m udp --dport 53 -j ACCEPT",
        ),
        // Built-in options come first, in -s -d -i -o -p -f order, whatever the order given.
        (
            Rule::new().dport(22).proto("tcp").source("192.0.2.1").drop(),
            "-A INPUT -s 192.0.2.1 -p tcp -m tcp --dport 22 -j DROP",
        ),
        (
            Rule::new().in_interface("eth0").accept(),
            "-A INPUT -i eth0 -j ACCEPT",
        ),
        (
            Rule::new().in_interface(not("eth+")).drop(),
            "-A INPUT ! -i eth+ -j DROP",
        ),
        (
            Rule::new().source(not("10.0.0.0/8")).reject(),
            "-A INPUT ! -s 10.0.0.0/8 -j REJECT",
        ),
        (
            Rule::new()
                .source("192.0.2.0/24".parse::<Ipv4Net>().unwrap())
                .accept(),
            "-A INPUT -s 192.0.2.0/24 -j ACCEPT",
        ),
        (
            Rule::new().proto("tcp").sport("1024:65535").accept(),
            "-A INPUT -p tcp -m tcp --sport 1024:65535 -j ACCEPT",
        ),
        (
            Rule::new()
                .proto("tcp")
                .dport(PortRange::new(6000, 6010).unwrap())
                .accept(),
            "-A INPUT -p tcp -m tcp --dport 6000:6010 -j ACCEPT",
        ),
        (
            Rule::new().proto("tcp").dport(not(22u16)).accept(),
            "-A INPUT -p tcp -m tcp ! --dport 22 -j ACCEPT",
        ),
        // Service names and upper-case protocol names become iptables-save's forms.
        (
            Rule::new().proto("TCP").dport("ssh").accept(),
            "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
        ),
        (
            Rule::new().proto("sctp").dport(9).accept(),
            "-A INPUT -p sctp -m sctp --dport 9 -j ACCEPT",
        ),
        (
            Rule::new().proto("tcp").dports([80, 443]).accept(),
            "-A INPUT -p tcp -m multiport --dports 80,443 -j ACCEPT",
        ),
        (
            Rule::new().proto("udp").sports(["1000:2000", "53"]).accept(),
            "-A INPUT -p udp -m multiport --sports 1000:2000,53 -j ACCEPT",
        ),
        (
            Rule::new().proto("tcp").flag("syn").dport(22).accept(),
            "-A INPUT -p tcp -m tcp --syn --dport 22 -j ACCEPT",
        ),
        (
            Rule::new()
                .proto("tcp")
                .opt("tcp-flags", "SYN,RST SYN")
                .accept(),
            "-A INPUT -p tcp -m tcp --tcp-flags SYN,RST SYN -j ACCEPT",
        ),
        (
            Rule::new()
                .ctstate([CtState::Established, CtState::Related])
                .accept(),
            "-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
        ),
        (
            Rule::new().ctstate(not(CtState::Invalid)).accept(),
            "-A INPUT -m conntrack ! --ctstate INVALID -j ACCEPT",
        ),
        (
            Rule::new().opt("state", "NEW").accept(),
            "-A INPUT -m state --state NEW -j ACCEPT",
        ),
        (
            Rule::new().limit("5/min").opt("limit-burst", 10u32).accept(),
            "-A INPUT -m limit --limit 5/min --limit-burst 10 -j ACCEPT",
        ),
        (
            Rule::new().proto("icmp").icmp_type("echo-request").accept(),
            "-A INPUT -p icmp -m icmp --icmp-type echo-request -j ACCEPT",
        ),
        (
            Rule::new().comment("web").accept(),
            "-A INPUT -m comment --comment web -j ACCEPT",
        ),
        (
            Rule::new().comment("allow web").accept(),
            "-A INPUT -m comment --comment \"allow web\" -j ACCEPT",
        ),
        // Matches appear in the order of their first option; a module's options stay together.
        (
            Rule::new().comment("x").proto("tcp").dport(22).accept(),
            "-A INPUT -p tcp -m comment --comment x -m tcp --dport 22 -j ACCEPT",
        ),
        (
            Rule::new()
                .proto("tcp")
                .dport(22)
                .comment("c")
                .flag("syn")
                .accept(),
            "-A INPUT -p tcp -m tcp --dport 22 --syn -m comment --comment c -j ACCEPT",
        ),
        (
            Rule::new().mark("0x1/0xff").accept(),
            "-A INPUT -m mark --mark 0x1/0xff -j ACCEPT",
        ),
        (
            Rule::new()
                .opt("src-range", "192.0.2.1-192.0.2.9")
                .accept(),
            "-A INPUT -m iprange --src-range 192.0.2.1-192.0.2.9 -j ACCEPT",
        ),
        (
            Rule::new()
                .opt("hashlimit-upto", "10/sec")
                .opt("hashlimit-name", "ssh")
                .opt("hashlimit-mode", "srcip")
                .accept(),
            "-A INPUT -m hashlimit --hashlimit-upto 10/sec --hashlimit-name ssh --hashlimit-mode srcip -j ACCEPT",
        ),
        (
            Rule::new().opt("pkt-type", "broadcast").drop(),
            "-A INPUT -m pkttype --pkt-type broadcast -j DROP",
        ),
        (
            Rule::new().opt("length", "0:100").accept(),
            "-A INPUT -m length --length 0:100 -j ACCEPT",
        ),
        (Rule::new().flag("fragment").drop(), "-A INPUT -f -j DROP"),
        (
            Rule::new().with_match(Match::new("recent").opt("name", "ssh").flag("set")),
            "-A INPUT -m recent --name ssh --set",
        ),
        (
            Rule::new()
                .proto("tcp")
                .target(Target::new("REJECT").opt("reject-with", "tcp-reset")),
            "-A INPUT -p tcp -j REJECT --reject-with tcp-reset",
        ),
        (
            Rule::new().target(
                Target::new("LOG")
                    .opt("log-prefix", "IN drop: ")
                    .opt("log-level", 4u8),
            ),
            "-A INPUT -j LOG --log-prefix \"IN drop: \" --log-level 4",
        ),
        (
            Rule::new().target(Target::new("NFQUEUE").opt("queue-num", 1u16).flag("queue-bypass")),
            "-A INPUT -j NFQUEUE --queue-num 1 --queue-bypass",
        ),
        (Rule::new().jump("ssh_guard"), "-A INPUT -j ssh_guard"),
        (Rule::new().goto("ssh_guard"), "-A INPUT -g ssh_guard"),
        (Rule::raw("-p tcp --dport 22 -j ACCEPT"), "-A INPUT -p tcp --dport 22 -j ACCEPT"),
    ];
    let mut failures = Vec::new();
    for (rule, expected) in cases {
        let got = line_of(rule);
        if got != expected {
            failures.push(format!("expected {expected}\n     got {got}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn nat_mangle_and_raw_targets() {
    let cases: Vec<(&str, &str, Rule, &str)> = vec![
        (
            "nat",
            "POSTROUTING",
            Rule::new().out_interface("eth0").masquerade(),
            "-A POSTROUTING -o eth0 -j MASQUERADE",
        ),
        (
            "nat",
            "POSTROUTING",
            Rule::new()
                .source("192.0.2.0/24")
                .target(Target::new("SNAT").opt("to-source", "203.0.113.5")),
            "-A POSTROUTING -s 192.0.2.0/24 -j SNAT --to-source 203.0.113.5",
        ),
        (
            "nat",
            "PREROUTING",
            Rule::new()
                .proto("tcp")
                .dport(8080)
                .target(Target::new("DNAT").opt("to-destination", "192.0.2.10:80")),
            "-A PREROUTING -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.10:80",
        ),
        (
            "nat",
            "PREROUTING",
            Rule::new()
                .proto("tcp")
                .dport(80)
                .target(Target::REDIRECT.opt("to-ports", 3128u16)),
            "-A PREROUTING -p tcp -m tcp --dport 80 -j REDIRECT --to-ports 3128",
        ),
        (
            "mangle",
            "FORWARD",
            Rule::new()
                .proto("tcp")
                .opt("tcp-flags", "SYN,RST SYN")
                .target(Target::new("TCPMSS").flag("clamp-mss-to-pmtu")),
            "-A FORWARD -p tcp -m tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
        ),
        (
            "mangle",
            "PREROUTING",
            Rule::new().target(Target::new("MARK").opt("set-mark", "0x10")),
            "-A PREROUTING -j MARK --set-mark 0x10",
        ),
        (
            "mangle",
            "PREROUTING",
            Rule::new().target(Target::new("CONNMARK").flag("restore-mark")),
            "-A PREROUTING -j CONNMARK --restore-mark",
        ),
        (
            "mangle",
            "OUTPUT",
            Rule::new().target(Target::new("DSCP").opt("set-dscp-class", "EF")),
            "-A OUTPUT -j DSCP --set-dscp-class EF",
        ),
        (
            "mangle",
            "OUTPUT",
            Rule::new().target(Target::new("TTL").opt("ttl-set", 64u8)),
            "-A OUTPUT -j TTL --ttl-set 64",
        ),
        (
            "raw",
            "PREROUTING",
            Rule::new()
                .proto("udp")
                .dport(53)
                .target(Target::new("CT").flag("notrack")),
            "-A PREROUTING -p udp -m udp --dport 53 -j CT --notrack",
        ),
        (
            "filter",
            "OUTPUT",
            Rule::new().opt("uid-owner", 1000u32).drop(),
            "-A OUTPUT -m owner --uid-owner 1000 -j DROP",
        ),
    ];
    for (table, chain, rule, expected) in cases {
        let mut tables = Tables::new(Family::V4);
        tables
            .table_or_default(table)
            .unwrap()
            .try_chain_mut(chain)
            .unwrap()
            .push(rule);
        tables
            .validate()
            .unwrap_or_else(|e| panic!("{expected}: {e}"));
        let text = tables.to_iptables_plain();
        let got: Vec<&str> = text.lines().filter(|l| l.starts_with("-A")).collect();
        assert_eq!(got, [expected]);
    }
}

#[test]
fn a_whole_plain_file() {
    let mut tables = Tables::new(Family::V4);
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter["INPUT"].set_policy(Policy::Drop).unwrap();
    filter["INPUT"].push(Rule::new().in_interface("lo").accept());
    filter["INPUT"].push(Rule::new().proto("tcp").dport(22).jump("ssh_guard"));
    let guard = filter.add_chain(Chain::user_with_comment("ssh_guard", "SSH checks"));
    guard.push(Rule::new().source("192.0.2.0/24").accept());
    guard.push(Rule::new().drop());
    let nat = tables.add(Table::with_builtin_chains("nat").unwrap());
    nat["POSTROUTING"].push(Rule::new().out_interface("eth0").masquerade());
    tables.validate().unwrap();

    let expected = "\
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:ssh_guard - [0:0]
-A INPUT -i lo -j ACCEPT
-A INPUT -p tcp -m tcp --dport 22 -j ssh_guard
-A ssh_guard -s 192.0.2.0/24 -j ACCEPT
-A ssh_guard -j DROP
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
-A POSTROUTING -o eth0 -j MASQUERADE
COMMIT
";
    assert_eq!(tables.to_iptables_plain(), expected);
    assert_eq!(tables.render(Style::Plain), expected);
}

#[test]
fn ipv6_tables_render_ipv6_rules() {
    let mut tables = default_tables_v6();
    tables["filter"]["INPUT"].push(
        Rule::new()
            .source("2001:db8::/32")
            .proto("ipv6-icmp")
            .opt("icmpv6-type", "echo-request")
            .accept(),
    );
    tables.validate().unwrap();
    let text = tables.to_iptables_plain();
    assert!(
        text.contains(
            "\n-A INPUT -s 2001:db8::/32 -p ipv6-icmp -m icmp6 --icmpv6-type echo-request -j ACCEPT\n"
        ),
        "{text}"
    );
    assert!(tables.to_iptables().starts_with("# Generated by pyptables"));
    assert!(tables
        .to_iptables()
        .lines()
        .next()
        .unwrap()
        .ends_with("for ip6tables-restore"));
}

/// The annotated output of a small ruleset, every line spelled out.
#[test]
fn annotated_output_names_each_rule_and_the_line_that_wrote_it() {
    let file = file!();
    let mut tables = Tables::new(Family::V4);
    let (filter, table_line) = (Table::with_builtin_chains("filter").unwrap(), line!());
    let filter = tables.add(filter);
    let ssh_line = line!() + 1;
    let ssh = Rule::new()
        .proto("tcp")
        .dport(22)
        .comment("SSH in")
        .accept();
    filter["INPUT"].push(ssh);
    let (jump, jump_line) = (Rule::new().jump("guard"), line!());
    filter["INPUT"].push(jump);
    let (guard, guard_line) = (Chain::user_with_comment("guard", "last checks"), line!());
    let guard = filter.add_chain(guard);
    let (drop, drop_line) = (Rule::new().drop(), line!());
    guard.push(drop);

    let banner = format!("# filter table ({file}:{table_line}) #");
    let bar = "#".repeat(banner.len());
    let expected = format!(
        "# Generated by pyptables {version} for iptables-restore
{bar}
{banner}
{bar}
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:guard - [0:0]

# Builtin Chain \"INPUT\" ({file}:{table_line})
# Rule: SSH in ({file}:{ssh_line})
-A INPUT -p tcp -m tcp --dport 22 -m comment --comment \"SSH in\" -j ACCEPT
# Rule: ({file}:{jump_line})
-A INPUT -j guard

# Builtin Chain \"FORWARD\" ({file}:{table_line})
# No rules

# Builtin Chain \"OUTPUT\" ({file}:{table_line})
# No rules

# User Chain \"guard\": last checks ({file}:{guard_line})
# Rule: ({file}:{drop_line})
-A guard -j DROP
COMMIT
",
        version = env!("CARGO_PKG_VERSION"),
    );
    assert_eq!(tables.to_iptables(), expected);
    assert_eq!(
        tables.to_string(),
        expected,
        "Display is the annotated text"
    );
    assert_eq!(tables.render(Style::Annotated), expected);
    assert_eq!(Style::default(), Style::Annotated);
}

#[test]
fn annotations_cannot_break_out_of_their_comment_line() {
    let mut tables = default_tables();
    tables["filter"]["INPUT"].push(Rule::new().comment("two\nlines -A INPUT -j DROP").accept());
    tables["filter"].add_chain(Chain::user_with_comment("c", "x\ny"));
    let annotated = tables.to_iptables();
    for line in annotated.lines() {
        assert!(
            line.is_empty()
                || line.starts_with('#')
                || line.starts_with('*')
                || line.starts_with(':')
                || line.starts_with("-A INPUT -m comment --comment ")
                || line == "COMMIT",
            "unexpected line {line:?}"
        );
    }
    assert!(!annotated.lines().any(|l| l.starts_with("lines")));
    assert_eq!(
        tables
            .to_iptables_plain()
            .lines()
            .filter(|l| l.starts_with("-A"))
            .count(),
        1
    );
    assert!(tables.validate().is_err(), "the newline is still reported");
}

#[test]
fn mapped_rendering_says_where_each_line_came_from() {
    let mut tables = Tables::new(Family::V4);
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter["INPUT"].push(Rule::new().accept());
    let (second, line) = (Rule::new().drop(), line!());
    filter["INPUT"].push(second);
    let rendered = tables.render_mapped(Style::Plain);
    assert_eq!(rendered.text, tables.to_iptables_plain());
    assert_eq!(rendered.lines.len(), rendered.text.lines().count());
    // Line 1 *filter, 2-4 the chains, 5-6 the rules, 7 COMMIT.
    assert!(
        matches!(rendered.source_of(1), Some(LineSource::Table { table, .. }) if table == "filter")
    );
    assert!(
        matches!(rendered.source_of(3), Some(LineSource::Chain { chain, .. }) if chain == "FORWARD")
    );
    match rendered.source_of(6) {
        Some(LineSource::Rule {
            table,
            chain,
            index,
            origin,
        }) => {
            assert_eq!(
                (table.as_str(), chain.as_str(), *index),
                ("filter", "INPUT", 1)
            );
            assert_eq!((origin.file, origin.line), (file!(), line));
        }
        other => panic!("line 6 is {other:?}"),
    }
    assert!(matches!(
        rendered.source_of(7),
        Some(LineSource::Table { .. })
    ));
    assert!(rendered.source_of(0).is_none());
    assert!(rendered.source_of(8).is_none());

    let annotated = tables.render_mapped(Style::Annotated);
    assert_eq!(annotated.text, tables.to_iptables());
    assert_eq!(annotated.lines.len(), annotated.text.lines().count());
    for (i, text) in annotated.text.lines().enumerate() {
        let source = annotated.source_of(i + 1).unwrap();
        if text.starts_with('#') || text.is_empty() {
            assert_eq!(source, &LineSource::Other, "{text}");
        } else if text.starts_with("-A") {
            assert!(matches!(source, LineSource::Rule { .. }), "{text}");
        }
    }
}

#[test]
fn rendering_is_deterministic() {
    fn build() -> Tables {
        let mut t = default_tables();
        for i in 0..200u16 {
            t["filter"]["INPUT"].push(
                Rule::new()
                    .proto(if i % 2 == 0 { "tcp" } else { "udp" })
                    .dport(1000 + i)
                    .comment(format!("rule {i}"))
                    .ctstate([CtState::New])
                    .accept(),
            );
        }
        t["nat"]["POSTROUTING"].push(Rule::new().out_interface("eth0").masquerade());
        t
    }
    let a = build();
    let b = build();
    assert_eq!(a.to_iptables(), b.to_iptables());
    assert_eq!(a.to_iptables_plain(), b.to_iptables_plain());
    assert_eq!(a.to_iptables(), a.to_iptables());
    assert_eq!(a.to_iptables_plain(), a.clone().to_iptables_plain());
}

/// Removes the ANSI colour sequences `colorize` adds.
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            assert_eq!(chars.next(), Some('['));
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
                assert!(c.is_ascii_digit() || c == ';', "bad escape");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn colorize_colours_without_changing_the_text() {
    let mut tables = default_tables();
    let input = &mut tables["filter"]["INPUT"];
    input.push(Rule::new().source(not("192.0.2.1")).accept());
    input.push(Rule::new().drop());
    input.push(Rule::new().reject());
    input.push(Rule::new().log());
    let text = tables.to_iptables();
    let coloured = colorize(&text);
    assert_ne!(coloured, text);
    assert_eq!(strip_ansi(&coloured), text);

    assert!(coloured.contains("\x1b[32mACCEPT\x1b[0m"), "ACCEPT green");
    assert!(coloured.contains("\x1b[31mDROP\x1b[0m"), "DROP red");
    assert!(coloured.contains("\x1b[31mREJECT\x1b[0m"), "REJECT red");
    assert!(
        coloured.contains("\x1b[33mLOG\x1b[0m"),
        "other targets yellow"
    );
    assert!(
        coloured.contains("-A \x1b[34mINPUT\x1b[0m"),
        "chain after -A blue"
    );
    assert!(coloured.contains("\x1b[35m!\x1b[0m"), "! magenta");
    assert!(coloured.contains("\x1b[1m*filter\x1b[0m\n"), "table bold");
    assert!(coloured.contains("\x1b[1mCOMMIT\x1b[0m\n"), "COMMIT bold");
    assert!(
        coloured.contains("\x1b[36m:INPUT ACCEPT [0:0]\x1b[0m\n"),
        "chain cyan"
    );
    assert!(
        coloured.contains("\x1b[2m# No rules\x1b[0m\n"),
        "comments dim"
    );
}

#[test]
fn add_line_numbers_numbers_as_iptables_restore_counts() {
    assert_eq!(add_line_numbers(""), "");
    assert_eq!(add_line_numbers("a\n"), "1: a\n");
    let ten: String = (1..=10).map(|i| format!("l{i}\n")).collect();
    let numbered = add_line_numbers(&ten);
    assert!(numbered.starts_with(" 1: l1\n 2: l2\n"), "{numbered}");
    assert!(numbered.ends_with(" 9: l9\n10: l10\n"), "{numbered}");

    let mut tables = default_tables();
    tables["filter"]["INPUT"].push(Rule::new().drop());
    let text = tables.to_iptables();
    let numbered = add_line_numbers(&text);
    assert_eq!(numbered.lines().count(), text.lines().count());
    for (i, (n, t)) in numbered.lines().zip(text.lines()).enumerate() {
        let (num, rest) = n.split_once(": ").unwrap();
        assert_eq!(num.trim().parse::<usize>().unwrap(), i + 1);
        assert_eq!(rest, t);
    }
    // Blank lines keep their number too (iptables-restore counts them).
    assert!(numbered.lines().any(|l| l.ends_with(": ")));
}
