//! `cargo bench --bench render`: build and render the benchmark ruleset (see
//! `pyptables_suite::bench_ruleset`) through the builder API at 1k, 10k and 100k rules.
//! Throughput is reported in rules per second (elements) — growth should be linear.
//! `benches/compare.sh` runs the same ruleset side by side with python-pyptables and ferm.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pyptables_suite::bench_ruleset;

fn build_and_render(c: &mut Criterion) {
    let mut group = c.benchmark_group("build_and_render");
    group.sample_size(10);
    for n in [1_000usize, 10_000, 100_000] {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| bench_ruleset::tables(n).to_iptables_plain().len());
        });
    }
    group.finish();

    let mut group = c.benchmark_group("render_only");
    group.sample_size(10);
    let tables = bench_ruleset::tables(100_000);
    let bytes = tables.to_iptables_plain().len();
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("100000", |b| b.iter(|| tables.to_iptables_plain().len()));
    group.finish();
}

criterion_group!(benches, build_and_render);
criterion_main!(benches);
