//! Shared pieces of the workspace's integration tests, examples and benchmarks (the
//! `pyptables-suite` package, never published).

pub mod bench_ruleset {
    //! The benchmark ruleset, the same one `benches/compare/ruleset.py` writes for the peers:
    //! rule `i` (1-based) of the filter FORWARD chain (policy DROP) is
    //! `-s 10.X.Y.Z/32 -d 192.0.2.(i % 250 + 1)/32 -p tcp --dport (1024 + i % 60000)
    //! -m conntrack --ctstate NEW -m comment --comment "rule i" -j ACCEPT`, where X.Y.Z are the
    //! low 24 bits of `i`.

    use std::net::Ipv4Addr;

    use pyptables::value::{CtState, Ipv4Net};
    use pyptables::{Chain, Family, Policy, Rule, Table, Tables};

    /// Rule `i` of the ruleset.
    pub fn rule(i: usize) -> Rule {
        let source = Ipv4Addr::new(10, (i >> 16) as u8, (i >> 8) as u8, i as u8);
        let destination = Ipv4Addr::new(192, 0, 2, (i % 250 + 1) as u8);
        Rule::new()
            .source(Ipv4Net::new(source, 32).expect("32 is a valid prefix"))
            .destination(Ipv4Net::new(destination, 32).expect("32 is a valid prefix"))
            .proto("tcp")
            .dport((1024 + i % 60000) as u16)
            .ctstate(CtState::New)
            .comment(format!("rule {i}"))
            .accept()
    }

    /// The tables holding rules `1..=n`.
    pub fn tables(n: usize) -> Tables {
        let mut tables = Tables::new(Family::V4);
        let filter = tables.add(Table::new("filter"));
        let forward = filter.add_chain(Chain::builtin("FORWARD", Policy::Drop));
        forward.reserve(n);
        forward.extend((1..=n).map(rule));
        tables
    }
}
