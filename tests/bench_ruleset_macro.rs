//! The `firewall!` forms of the benchmark ruleset that `benches/render.rs` measures
//! (`build.rs`, `benches/macro_ruleset/`) hold the same rules as the builder's
//! `pyptables_suite::bench_ruleset::tables(n)`: same text, and each rule line as
//! `benches/compare/ruleset.py` writes it for the peers.

// Written by build.rs.
mod fw_10k {
    include!(concat!(env!("OUT_DIR"), "/fw_10k.rs"));
}
mod fw_1k {
    include!(concat!(env!("OUT_DIR"), "/fw_1k.rs"));
}
#[path = "../benches/macro_ruleset/fw_expr.rs"]
mod fw_expr;

use pyptables::Firewall;
use pyptables_suite::bench_ruleset;

/// Rule `i` as the comparison's reference file has it (benches/compare/ruleset.py).
fn reference_line(i: usize) -> String {
    format!(
        "-A FORWARD -s 10.{}.{}.{}/32 -d 192.0.2.{}/32 -p tcp -m tcp --dport {} \
         -m conntrack --ctstate NEW -m comment --comment \"rule {i}\" -j ACCEPT",
        (i >> 16) & 255,
        (i >> 8) & 255,
        i & 255,
        i % 250 + 1,
        1024 + i % 60000
    )
}

fn check(fw: &Firewall, n: usize) {
    fw.validate().expect("the benchmark ruleset is valid");
    assert!(fw.ipv6().is_empty(), "no IPv6 tables");
    let text = fw.ipv4().to_iptables_plain();

    // The builder's text, plus the built-in chains firewall! adds to a table it completes.
    let builder = bench_ruleset::tables(n).to_iptables_plain();
    let completed = builder.replacen(
        ":FORWARD DROP [0:0]\n",
        ":INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n",
        1,
    );
    assert_ne!(builder, completed);
    assert!(
        text == completed,
        "firewall! text for {n} rules differs from the builder's"
    );

    let mut lines = text.lines();
    assert_eq!(
        lines.by_ref().take(4).collect::<Vec<_>>(),
        [
            "*filter",
            ":INPUT ACCEPT [0:0]",
            ":FORWARD DROP [0:0]",
            ":OUTPUT ACCEPT [0:0]"
        ]
    );
    for i in 1..=n {
        assert_eq!(lines.next(), Some(reference_line(i).as_str()), "rule {i}");
    }
    assert_eq!(lines.next(), Some("COMMIT"));
    assert_eq!(lines.next(), None);
}

#[test]
fn written_1k_is_the_builders_ruleset() {
    check(&fw_1k::firewall(), 1_000);
}

#[test]
fn written_10k_is_the_builders_ruleset() {
    check(&fw_10k::firewall(), 10_000);
}

#[test]
fn expr_form_is_the_builders_ruleset() {
    check(&fw_expr::firewall(1), 1);
    check(&fw_expr::firewall(1_000), 1_000);
    // Past 65,535 the source addresses use the second octet.
    let fw = fw_expr::firewall(70_000);
    let text = fw.ipv4().to_iptables_plain();
    assert!(text.contains(&format!("\n{}\n", reference_line(70_000))));
    assert_eq!(fw.ipv4().rule_count(), 70_000);
}
