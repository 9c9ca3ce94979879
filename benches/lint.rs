//! `cargo bench --bench lint`: `Tables::lint` on the benchmark ruleset (see
//! `pyptables_suite::bench_ruleset`) with a 1k- and a 10k-rule FORWARD chain of distinct
//! ACCEPT rules (each a candidate to cover every later one), and on the same chain with a
//! shadowed copy of every tenth rule appended; on a chain of the same lengths where a third
//! of the rules are covered only by two earlier rules together (see [`union_chain`]); and
//! `Firewall::lint` on the benchmark ruleset with an IPv6 part whose FORWARD drops everything
//! (the IPv4/IPv6 comparison walks the chain for each of the 128 lowest ports it names, into
//! INPUT and through FORWARD).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pyptables::{Chain, Family, Firewall, Policy, Rule, Table, Tables};
use pyptables_suite::bench_ruleset;

/// A FORWARD chain of `n` rules (rounded down to a multiple of 6) in groups of six, group `g`
/// with its own /24s `A` (in 10/8) and `B` (in 11/8): DROP from each half of `A`, then ACCEPT
/// tcp port 22 from `A` (shadowed by the two halves together); ACCEPT tcp ports 1:1000 and
/// 1001:65535 from `B`, then ports 500:2000 from `B` (redundant with the two together).
pub fn union_chain(n: usize) -> Tables {
    let mut tables = Tables::new(Family::V4);
    let filter = tables.add(Table::new("filter"));
    let forward = filter.add_chain(Chain::builtin("FORWARD", Policy::Drop));
    for g in 0..n / 6 {
        let (hi, lo) = (g >> 8, g & 255);
        let a = |last: u8, len: u8| format!("10.{hi}.{lo}.{last}/{len}");
        let b = format!("11.{hi}.{lo}.0/24");
        let tcp = |ports: &str| {
            Rule::new()
                .proto("tcp")
                .source(b.clone())
                .dport(ports.to_string())
        };
        forward.push(vec![
            Rule::new().source(a(0, 25)).drop(),
            Rule::new().source(a(128, 25)).drop(),
            Rule::new().proto("tcp").dport(22).source(a(0, 24)).accept(),
            tcp("1:1000").accept(),
            tcp("1001:65535").accept(),
            tcp("500:2000").accept(),
        ]);
    }
    tables
}

fn lint_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let tables = bench_ruleset::tables(n);
        assert_eq!(tables.lint(), vec![], "the benchmark ruleset lints clean");
        group.bench_with_input(BenchmarkId::new("clean", n), &n, |b, _| {
            b.iter(|| tables.lint().len())
        });
        // Every tenth rule again at the end: n/10 redundant findings.
        let mut dup = tables.clone();
        let chain = &mut dup["filter"]["FORWARD"];
        let copies: Vec<_> = chain.iter().step_by(10).cloned().collect();
        let k = copies.len();
        chain.push(copies);
        assert_eq!(dup.lint().len(), k);
        group.bench_with_input(BenchmarkId::new("tenth_repeated", n), &n, |b, _| {
            b.iter(|| dup.lint().len())
        });
        let union = union_chain(n);
        let findings = union.lint();
        assert_eq!(findings.len(), n / 6 * 2);
        assert!(findings
            .iter()
            .all(|f| f.by.len() == 2 && f.witness.is_some()));
        group.bench_with_input(BenchmarkId::new("union_covered", n), &n, |b, _| {
            b.iter(|| union.lint().len())
        });
    }
    group.finish();
}

fn firewall_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("lint_firewall");
    group.sample_size(10);
    for n in [1_000usize, 10_000] {
        let mut v6 = Tables::new(Family::V6);
        v6.add(Table::new("filter"))
            .add_chain(Chain::builtin("FORWARD", Policy::Drop));
        let fw = Firewall::from_tables(bench_ruleset::tables(n), v6);
        // Every rule is from one source address; a client elsewhere is dropped by both.
        assert_eq!(fw.lint(), vec![], "the benchmark firewall lints clean");
        group.bench_with_input(BenchmarkId::new("dual_stack", n), &n, |b, _| {
            b.iter(|| fw.lint().len())
        });
    }
    group.finish();
}

criterion_group!(benches, lint_bench, firewall_bench);
criterion_main!(benches);
