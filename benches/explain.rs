//! `cargo bench --bench explain`: packets explained per second (`pyptables::explain`) on the
//! benchmark ruleset (see `pyptables_suite::bench_ruleset`) with a 1k- and a 10k-rule
//! FORWARD chain.
//!
//! - `last_rule`: a packet that only the chain's last rule accepts, so every rule is tried;
//! - `policy`: a packet no rule matches (the chain's DROP policy decides).
//!
//! Each rule's first option (`-s`) already fails for all but one rule; a rule costs a catalog
//! lookup of its options and the evaluation of the first.

use std::net::{IpAddr, Ipv4Addr};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pyptables::explain::{explain, Packet, Path, Verdict};
use pyptables_suite::bench_ruleset;

/// The packet rule `i` of the benchmark ruleset accepts.
fn packet_for(i: usize) -> Packet {
    let src = Ipv4Addr::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8);
    let dst = Ipv4Addr::new(192, 0, 2, (i % 250 + 1) as u8);
    Packet::tcp(
        IpAddr::V4(src),
        IpAddr::V4(dst),
        40000,
        (1024 + i % 60000) as u16,
    )
    .in_interface("eth0")
    .out_interface("eth1")
}

fn explain_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("explain");
    for n in [1_000usize, 10_000] {
        let tables = bench_ruleset::tables(n);
        let last = packet_for(n);
        let e = explain(&tables, &last, Path::Forward);
        assert_eq!(
            (e.verdict, e.rule.map(|r| r.position)),
            (Verdict::Accept, Some(n))
        );
        let none = packet_for(n + 1);
        assert_eq!(
            explain(&tables, &none, Path::Forward).verdict,
            Verdict::Drop
        );
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::new("last_rule", n), &n, |b, _| {
            b.iter(|| explain(&tables, &last, Path::Forward).path.len())
        });
        group.bench_with_input(BenchmarkId::new("policy", n), &n, |b, _| {
            b.iter(|| explain(&tables, &none, Path::Forward).path.len())
        });
    }
    group.finish();
}

criterion_group!(benches, explain_bench);
criterion_main!(benches);
