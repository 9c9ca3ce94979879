//! `cargo bench --bench lint`: `Tables::lint` on the benchmark ruleset (see
//! `pyptables_suite::bench_ruleset`) with a 1k- and a 10k-rule FORWARD chain of distinct
//! ACCEPT rules (each a candidate to cover every later one), and on the same chain with a
//! shadowed copy of every tenth rule appended; `Firewall::lint` on that ruleset with an
//! IPv6 part whose FORWARD drops everything (the IPv4/IPv6 comparison walks the chain for
//! each of the 128 lowest ports it names, into INPUT and through FORWARD).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pyptables::{Chain, Family, Firewall, Policy, Table, Tables};
use pyptables_suite::bench_ruleset;

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
