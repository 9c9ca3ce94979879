//! `cargo bench --bench render`: build and render the benchmark ruleset (see
//! `pyptables_suite::bench_ruleset`) at 1k, 10k and 100k rules
//!
//! - `build_and_render`: through the builder API;
//! - `macro_build_and_render`: through `firewall!` with every value written in the source
//!   (`fw_1k.rs`, `fw_10k.rs`, written into `OUT_DIR` by the root package's `build.rs`;
//!   checked at compile time and expanded to static data). 100k is not written out (about 8 MB of
//!   source);
//! - `macro_expr_build_and_render`: through one `firewall!` rule with `{expr}` values,
//!   expanded once per rule (`benches/macro_ruleset/fw_expr.rs`), up to 100k;
//! - `render_only`: rendering an already built 100k ruleset.
//!
//! Throughput is reported in rules per second and bytes of output per second; growth should
//! be linear. `benches/compare.sh` runs the same ruleset side by side with python-pyptables
//! and ferm. `tests/bench_ruleset_macro.rs` checks that the macro forms render the builder's
//! text.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pyptables_suite::bench_ruleset;

// Written by build.rs.
mod fw_10k {
    include!(concat!(env!("OUT_DIR"), "/fw_10k.rs"));
}
mod fw_1k {
    include!(concat!(env!("OUT_DIR"), "/fw_1k.rs"));
}
#[path = "macro_ruleset/fw_expr.rs"]
mod fw_expr;

fn throughput(rules: usize, text: &str) -> Throughput {
    Throughput::ElementsAndBytes {
        elements: rules as u64,
        bytes: text.len() as u64,
    }
}

/// The builder's text with the INPUT and OUTPUT chains `firewall!` adds to a filter table.
fn builder_text_completed(n: usize) -> String {
    bench_ruleset::tables(n).to_iptables_plain().replacen(
        ":FORWARD DROP [0:0]\n",
        ":INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n",
        1,
    )
}

fn build_and_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("build_and_render");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        group.throughput(throughput(n, &bench_ruleset::tables(n).to_iptables_plain()));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| bench_ruleset::tables(n).to_iptables_plain().len());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("macro_build_and_render");
    group.sample_size(10);
    let written: [(usize, fn() -> pyptables::Firewall); 2] =
        [(1_000, fw_1k::firewall), (10_000, fw_10k::firewall)];
    for (n, firewall) in written {
        let text = firewall().ipv4().to_iptables_plain();
        // Not a benchmark of the wrong thing: the same rules, the same text.
        assert_eq!(
            text,
            builder_text_completed(n),
            "firewall! text for {n} rules"
        );
        group.throughput(throughput(n, &text));
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| firewall().ipv4().to_iptables_plain().len());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("macro_expr_build_and_render");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        let text = fw_expr::firewall(n).ipv4().to_iptables_plain();
        assert_eq!(
            text,
            builder_text_completed(n),
            "firewall! {{expr}} text for {n} rules"
        );
        group.throughput(throughput(n, &text));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| fw_expr::firewall(n).ipv4().to_iptables_plain().len());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("render_only");
    group.sample_size(10);
    let tables = bench_ruleset::tables(100_000);
    group.throughput(throughput(100_000, &tables.to_iptables_plain()));
    group.bench_function("100000", |b| b.iter(|| tables.to_iptables_plain().len()));
    group.finish();
}

criterion_group!(benches, build_and_render);
criterion_main!(benches);
