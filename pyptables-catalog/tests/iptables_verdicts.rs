//! Rules iptables or the kernel refuse must be refused by the catalog, and rules they load must
//! pass it. Every case here was loaded into a scratch network namespace with iptables 1.8.9
//! (nft and legacy backends); `tests/kernel_catalog.rs` at the workspace root repeats that
//! proof for whole generated classes. These run without root.

use pyptables_catalog::chains::{check_table, ChainInfo};
use pyptables_catalog::rule::check_rule;
use pyptables_catalog::{Arg, Family, Hook, Hooks, RuleContext, TargetCall, TargetKind};

/// The catalog's problems for `rule` (iptables syntax, as after `-A CHAIN`; no quoting).
/// `--key` followed by a word that does not start with `-` or `!` is an option with that
/// value, otherwise a flag; `-m NAME` names the module of the options after it.
fn problems(family: Family, table: &str, chain: &str, rule: &str) -> Vec<String> {
    let ctx = RuleContext {
        family,
        table,
        chain,
        reach: Hooks::of(Hook::from_chain_name(chain).expect("a built-in chain")),
    };
    let words: Vec<&str> = rule.split_whitespace().collect();
    let (mut args, mut target_args) = (Vec::new(), Vec::new());
    let (mut module, mut target, mut negated) = (None, None, false);
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        i += 1;
        match w {
            "!" => negated = true,
            "-m" => {
                module = Some(words[i]);
                i += 1;
            }
            "-j" => {
                target = Some(words[i]);
                i += 1;
            }
            _ => {
                let key = match w {
                    "-p" => "protocol",
                    "-s" => "source",
                    _ => w
                        .strip_prefix("--")
                        .unwrap_or_else(|| panic!("not an option: {w} in {rule}")),
                };
                let mut value = words
                    .get(i)
                    .filter(|v| !v.starts_with("--") && **v != "!" && **v != "-j")
                    .copied();
                if value.is_some() {
                    i += 1;
                }
                if key == "tcp-flags" {
                    // Two words: the mask and the set flags.
                    value = Some(&*Box::leak(format!("{} {}", words[i - 1], words[i]).into()));
                    i += 1;
                }
                let arg = Arg {
                    module: if key == "protocol" { None } else { module },
                    key,
                    negated,
                    value,
                };
                negated = false;
                if target.is_some() {
                    target_args.push(Arg {
                        module: None,
                        ..arg
                    });
                } else {
                    args.push(arg);
                }
            }
        }
    }
    let call = target.map(|name| TargetCall {
        name,
        kind: TargetKind::Builtin,
        args: &target_args,
    });
    let mut found = Vec::new();
    check_rule(&ctx, &args, call.as_ref(), &mut |f| {
        found.push(f.problem.to_string())
    });
    found
}

#[track_caller]
fn refused(family: Family, table: &str, chain: &str, rule: &str, says: &str) {
    let found = problems(family, table, chain, rule);
    assert!(
        found.iter().any(|p| p.contains(says)),
        "{family} {table}/{chain} `{rule}`: expected a problem saying {says:?}, got {found:?}"
    );
}

#[track_caller]
fn accepted(family: Family, table: &str, chain: &str, rule: &str) {
    let found = problems(family, table, chain, rule);
    assert!(
        found.is_empty(),
        "{family} {table}/{chain} `{rule}`: expected no problem, got {found:?}"
    );
}

use Family::{V4, V6};

#[test]
fn reject_with_tcp_reset_in_any_spelling_needs_tcp() {
    for with in ["tcp-reset", "tcp-rst", "TCP-RESET", "Tcp-Rst"] {
        refused(
            V4,
            "filter",
            "INPUT",
            &format!("-j REJECT --reject-with {with}"),
            "needs protocol tcp",
        );
        accepted(
            V4,
            "filter",
            "INPUT",
            &format!("-p tcp -j REJECT --reject-with {with}"),
        );
    }
    refused(
        V6,
        "filter",
        "INPUT",
        "-p tcp -j REJECT --reject-with tcp-rst",
        "IPv4",
    );
    refused(
        V6,
        "filter",
        "INPUT",
        "-j REJECT --reject-with TCP-RESET",
        "needs protocol tcp",
    );
    accepted(V4, "filter", "INPUT", "-j REJECT --reject-with net-unreach");
    accepted(V6, "filter", "INPUT", "-j REJECT --reject-with policy-fail");
}

#[test]
fn nat_with_a_port_needs_a_port_protocol() {
    refused(
        V4,
        "nat",
        "PREROUTING",
        "-j DNAT --to-destination 192.0.2.1:80",
        "needs one of the protocols",
    );
    refused(
        V4,
        "nat",
        "PREROUTING",
        "-j DNAT --to-destination :80",
        "needs one of the protocols",
    );
    refused(
        V6,
        "nat",
        "POSTROUTING",
        "-j SNAT --to-source [2001:db8::1]:80",
        "needs one of the protocols",
    );
    accepted(
        V4,
        "nat",
        "PREROUTING",
        "-j DNAT --to-destination 192.0.2.1",
    );
    accepted(V6, "nat", "POSTROUTING", "-j SNAT --to-source 2001:db8::1");
    accepted(
        V4,
        "nat",
        "PREROUTING",
        "-p icmp -j DNAT --to-destination 192.0.2.1:80",
    );
    accepted(
        V4,
        "nat",
        "PREROUTING",
        "-p 6 -j DNAT --to-destination 192.0.2.1:80",
    );
}

#[test]
fn addrtype_types_and_interface_limits() {
    for t in [
        "BROADCAST",
        "BLACKHOLE",
        "NAT",
        "PROHIBIT",
        "THROW",
        "XRESOLVE",
    ] {
        refused(
            V6,
            "filter",
            "INPUT",
            &format!("-m addrtype --dst-type {t}"),
            "IPv6",
        );
        accepted(
            V4,
            "filter",
            "INPUT",
            &format!("-m addrtype --dst-type {t}"),
        );
    }
    accepted(V6, "filter", "INPUT", "-m addrtype --dst-type UNREACHABLE");
    refused(
        V4,
        "filter",
        "FORWARD",
        "-m addrtype --dst-type LOCAL --limit-iface-in --limit-iface-out",
        "cannot be used together",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        "-m addrtype --limit-iface-in",
        "needs one of the options",
    );
}

#[test]
fn recent_combinations() {
    refused(
        V4,
        "filter",
        "INPUT",
        "-m recent --name a --set --seconds 5",
        "`seconds` cannot be used with `set`",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        "-m recent --name a --remove --hitcount 2",
        "`hitcount` cannot be used with `remove`",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        "-m recent --name a --rcheck --reap",
        "`reap` needs `seconds`",
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        "-m recent --name a --rcheck --seconds 5 --reap",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        "-m recent --name a --rcheck --mask 10.0.0.0/8",
        "one address",
    );
}

#[test]
fn hashlimit_masks_and_overflow() {
    let hl = "-m hashlimit --hashlimit-name a --hashlimit-upto";
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{hl} 1/sec --hashlimit-srcmask 64"),
        "out of range 0-32",
    );
    accepted(
        V6,
        "filter",
        "INPUT",
        &format!("{hl} 1/sec --hashlimit-srcmask 64"),
    );
    refused(V4, "filter", "INPUT", &format!("{hl} 1/day"), "burst");
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{hl} 1/day --hashlimit-burst 2"),
        "burst",
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        &format!("{hl} 1/day --hashlimit-burst 1"),
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        &format!("{hl} 1/min --hashlimit-burst 100000"),
    );
}

#[test]
fn limit_overflow_of_the_legacy_backend() {
    refused(V4, "filter", "INPUT", "-m limit --limit 1/day", "legacy");
    refused(
        V6,
        "filter",
        "INPUT",
        "-m limit --limit 1/day --limit-burst 4",
        "legacy",
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        "-m limit --limit 1/day --limit-burst 1",
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        "-m limit --limit 1/hour --limit-burst 100",
    );
}

#[test]
fn string_offsets_hex_and_length() {
    let s = "-m string --algo bm";
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{s} --string abc --from 10 --to 5"),
        "`from` 10 is after `to` 5",
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        &format!("{s} --string abc --from 5 --to 5"),
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{s} --hex-string |zz|"),
        "hex",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{s} --hex-string |616|"),
        "hex",
    );
    accepted(V4, "filter", "INPUT", &format!("{s} --hex-string a|61|b"));
    let long = format!("|{}|", "61".repeat(128));
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{s} --hex-string {long}"),
        "too long",
    );
    let fits = format!("|{}|", "61".repeat(127));
    accepted(V4, "filter", "INPUT", &format!("{s} --hex-string {fits}"));
    let long = "a".repeat(2000);
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{s} --hex-string {long}"),
        "too long",
    );
}

#[test]
fn statistic_modes() {
    let st = "-m statistic --mode";
    for bad in ["1.5", "-0.1", "x", "nan"] {
        refused(
            V4,
            "filter",
            "INPUT",
            &format!("{st} random --probability {bad}"),
            "probability",
        );
    }
    accepted(
        V4,
        "filter",
        "INPUT",
        &format!("{st} random --probability .5"),
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        &format!("{st} random --probability 1"),
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{st} random --probability 0.5 --every 2"),
        "cannot be used with",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{st} random --every 2 --packet 0"),
        "mode random needs `probability`",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{st} nth --probability 0.5"),
        "mode nth needs `every`",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{st} nth --every 3"),
        "`every` needs `packet`",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        &format!("{st} nth --every 3 --packet 3"),
        "`packet` 3 must be less than `every` 3",
    );
    accepted(
        V4,
        "filter",
        "INPUT",
        &format!("{st} nth --every 3 --packet 2"),
    );
}

#[test]
fn log_levels_iptables_knows() {
    for bad in ["err", "warn", "WARNING"] {
        refused(
            V4,
            "filter",
            "INPUT",
            &format!("-j LOG --log-level {bad}"),
            "log-level",
        );
    }
    for good in ["error", "panic", "warning", "7"] {
        accepted(V4, "filter", "INPUT", &format!("-j LOG --log-level {good}"));
    }
}

#[test]
fn tproxy_nfqueue_tcpmss() {
    refused(
        V4,
        "mangle",
        "PREROUTING",
        "-p tcp -j TPROXY --on-port 1 --on-ip 192.0.2.0/24",
        "one address",
    );
    refused(
        V4,
        "filter",
        "INPUT",
        "-j NFQUEUE --queue-cpu-fanout",
        "needs `queue-balance`",
    );
    for bad in ["1:1", "2:1", "1", "0:65535"] {
        refused(
            V4,
            "filter",
            "INPUT",
            &format!("-j NFQUEUE --queue-balance {bad}"),
            "queue-balance",
        );
    }
    accepted(
        V4,
        "filter",
        "INPUT",
        "-j NFQUEUE --queue-balance 0:65534 --queue-cpu-fanout",
    );
    accepted(V4, "filter", "INPUT", "-j NFQUEUE --queue-balance 1:65535");
    refused(
        V4,
        "filter",
        "INPUT",
        "-j NFQUEUE --fail-open",
        "unknown option",
    );
    refused(
        V4,
        "mangle",
        "FORWARD",
        "-p tcp -j TCPMSS --set-mss 1400",
        "SYN",
    );
    refused(
        V4,
        "mangle",
        "FORWARD",
        "-p tcp ! --syn -j TCPMSS --set-mss 1400",
        "SYN",
    );
    accepted(
        V4,
        "mangle",
        "FORWARD",
        "-p tcp --syn -j TCPMSS --set-mss 1400",
    );
    accepted(
        V6,
        "mangle",
        "FORWARD",
        "-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu",
    );
    refused(
        V4,
        "mangle",
        "FORWARD",
        "-p tcp --syn -j TCPMSS --set-mss 65516",
        "out of range",
    );
}

#[test]
fn protocols_by_number_and_packet_types() {
    accepted(V4, "filter", "INPUT", "-p 6 --dport 22");
    accepted(V4, "filter", "INPUT", "-p 17 --dport 53");
    accepted(V4, "filter", "INPUT", "-p 6 --syn");
    accepted(V4, "filter", "INPUT", "-p 1 --icmp-type echo-request");
    accepted(V6, "filter", "INPUT", "-p 58 --icmpv6-type echo-request");
    accepted(
        V6,
        "filter",
        "INPUT",
        "-p 6 -j REJECT --reject-with tcp-reset",
    );
    refused(
        V6,
        "filter",
        "INPUT",
        "-p 1 -j REJECT --reject-with tcp-reset",
        "needs protocol tcp",
    );
    for t in ["host", "otherhost", "BCAST", "mcast", "unicast"] {
        accepted(V4, "filter", "INPUT", &format!("-m pkttype --pkt-type {t}"));
    }
    refused(
        V4,
        "filter",
        "INPUT",
        "-m pkttype --pkt-type outgoing",
        "pkt-type",
    );
}

fn chain_problems(chains: &[ChainInfo<'_>]) -> Vec<String> {
    check_table("filter", chains)
        .problems
        .into_iter()
        .map(|(_, p)| p.to_string())
        .collect()
}

fn user(name: &str, jumps: Vec<(&'static str, bool, usize)>) -> ChainInfo<'static> {
    ChainInfo {
        name: Box::leak(name.to_string().into_boxed_str()),
        builtin: false,
        policy: None,
        jumps,
    }
}

#[test]
fn a_chain_named_standard_is_refused() {
    let chains = [user("standard", vec![])];
    let found = chain_problems(&chains);
    assert!(found.iter().any(|p| p.contains("standard")), "{found:?}");
}

/// INPUT -> c1 -> … -> c`depth`.
fn jump_path(depth: usize, goto: bool) -> Vec<String> {
    let names: Vec<&'static str> = (1..=depth)
        .map(|i| &*Box::leak(format!("c{i}").into_boxed_str()))
        .collect();
    let mut chains = vec![ChainInfo {
        name: "INPUT",
        builtin: true,
        policy: None,
        jumps: vec![(names[0], false, 0)],
    }];
    for (i, name) in names.iter().enumerate() {
        let jumps = names.get(i + 1).map_or(vec![], |n| vec![(*n, goto, 0)]);
        chains.push(user(name, jumps));
    }
    chain_problems(&chains)
}

#[test]
fn jump_paths_deeper_than_nf_tables_allows_are_refused() {
    for goto in [false, true] {
        assert_eq!(jump_path(15, goto), Vec::<String>::new());
        let found = jump_path(16, goto);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("c16") && found[0].contains("nf_tables"),
            "{found:?}"
        );
        assert_eq!(
            jump_path(40, goto).len(),
            1,
            "reported once, where the limit is passed"
        );
    }
}

/// xt_recent, xt_hashlimit and xt_IDLETIMER make a file named after the rule's name (in
/// /proc/net or sysfs); the kernel refuses `.` and `..` there (EINVAL, both backends), while
/// `...` and other names with dots load.
#[test]
fn names_that_become_files_are_not_dot_or_dot_dot() {
    let v4 = Family::V4;
    for name in [".", ".."] {
        refused(
            v4,
            "filter",
            "INPUT",
            &format!("-m recent --name {name} --set -j ACCEPT"),
            "`.` and `..`",
        );
        refused(
            v4,
            "filter",
            "INPUT",
            &format!("-m hashlimit --hashlimit-name {name} --hashlimit-upto 5/second -j ACCEPT"),
            "`.` and `..`",
        );
        refused(
            v4,
            "filter",
            "INPUT",
            &format!("-j IDLETIMER --timeout 10 --label {name}"),
            "`.` and `..`",
        );
    }
    accepted(
        v4,
        "filter",
        "INPUT",
        "-m recent --name ... --set -j ACCEPT",
    );
    accepted(
        v4,
        "filter",
        "INPUT",
        "-j IDLETIMER --timeout 10 --label a.b",
    );
    // Names that stay names (an estimator, an nfacct object) may be `.`.
    accepted(
        v4,
        "filter",
        "INPUT",
        "-j RATEEST --rateest-name . --rateest-interval 1s --rateest-ewmalog 2s",
    );
}

/// xt_u32 refuses a shift by more than 31 bits (EINVAL, both backends); `@32` (an offset) and
/// `>>31` load.
#[test]
fn u32_shifts_are_at_most_31_bits() {
    for shift in ["0>>32=1", "0<<32=1", "0>>0x20=1", "0>>31<<33=1"] {
        refused(
            V4,
            "filter",
            "INPUT",
            &format!("-m u32 --u32 {shift} -j ACCEPT"),
            "at most 31",
        );
    }
    for fine in ["0>>31=1", "0<<31=1", "0&0xFF@32=1"] {
        accepted(
            V4,
            "filter",
            "INPUT",
            &format!("-m u32 --u32 {fine} -j ACCEPT"),
        );
    }
}

/// libxt_bpf reads its numbers in decimal only (strtoul base 10, sscanf `%u`): `010` is ten
/// and `09` nine, as iptables-save prints them back, so a leading zero is no reason to refuse.
#[test]
fn bpf_numbers_with_leading_zeros_are_decimal() {
    for program in ["01,06 00 0 010", "2,48 0 0 09,6 0 0 0"] {
        let checked = pyptables_catalog::value::check_bpf(program);
        assert!(checked.is_ok(), "{program}: {checked:?}");
    }
    // The count is read as written too: `02` is two instructions.
    assert!(pyptables_catalog::value::check_bpf("02,6 0 0 0").is_err());
}

/// libxt_rateest keeps `--rateest-bps` in bytes per second (a u32): `17` (bits) is loaded as
/// 16, `34359738368` (2^32 bytes) as 0. iptables-save prints the rate with a unit (`16bit`,
/// `1000Kbit`, `8000Mbit`), which it reads back, as the catalog must to import it.
#[test]
fn rateest_bit_rates_are_whole_bytes_and_read_with_units() {
    let rule =
        |rate: &str| format!("-m rateest --rateest kv --rateest-bps {rate} --rateest-gt -j ACCEPT");
    refused(
        V4,
        "filter",
        "INPUT",
        &rule("17"),
        "not a whole number of bytes",
    );
    refused(V4, "filter", "INPUT", &rule("34359738368"), "too large");
    refused(
        V4,
        "filter",
        "INPUT",
        &rule("5furlongs"),
        "unknown rate unit",
    );
    for fine in [
        "16",
        "16bit",
        "1000Kbit",
        "8000Mbit",
        "2KBps",
        "34359738360",
    ] {
        accepted(V4, "filter", "INPUT", &rule(fine));
    }
}
