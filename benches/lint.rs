//! `cargo bench --bench lint`: `Tables::lint` on the benchmark ruleset (see
//! `pyptables_suite::bench_ruleset`) with a 1k- and a 10k-rule FORWARD chain of distinct
//! ACCEPT rules (each a candidate to cover every later one), and on the same chain with a
//! shadowed copy of every tenth rule appended.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
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

criterion_group!(benches, lint_bench);
criterion_main!(benches);
