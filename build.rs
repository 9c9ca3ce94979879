//! Writes the `firewall!` form of the benchmark ruleset into `OUT_DIR` for
//! `benches/render.rs` and `tests/bench_ruleset_macro.rs`, instead of committing 11,000 lines
//! of generated source.
//!
//! `fw_1k.rs` and `fw_10k.rs` each define `firewall()`: one `firewall!` invocation holding
//! rules 1..=N of the benchmark ruleset (the rules of `pyptables_suite::bench_ruleset` and
//! `benches/compare/ruleset.py`), every value written in the source, so the macro checks them
//! at compile time and turns them into static data. The rules share a `proto=tcp { … }` block,
//! which keeps the source small; tests/bench_ruleset_macro.rs checks that the rendered text is
//! the builder's and each line the one the peers' reference file has.
//!
//! 100,000 rules are not generated: the source would be about 8 MB. The benchmark builds that
//! size from one `firewall!` rule with `{expr}` values instead (benches/macro_ruleset/fw_expr.rs).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (name, n) in [("fw_1k.rs", 1_000), ("fw_10k.rs", 10_000)] {
        fs::write(out.join(name), ruleset(n)).expect("OUT_DIR is writable");
    }
}

/// The source of `firewall()` with rules `1..=n`.
fn ruleset(n: usize) -> String {
    let mut s = format!(
        "/// Rules 1..={n} of the benchmark ruleset, written with `firewall!`.\n\
         pub fn firewall() -> pyptables::Firewall {{\n\
         pyptables::firewall! {{ filter {{ FORWARD policy DROP {{ proto=tcp {{\n"
    );
    for i in 1..=n {
        writeln!(
            s,
            "accept s=10.{}.{}.{}/32 d=192.0.2.{}/32 dport={} ctstate=NEW comment=\"rule {i}\";",
            (i >> 16) & 255,
            (i >> 8) & 255,
            i & 255,
            i % 250 + 1,
            1024 + i % 60_000
        )
        .expect("writing to a String");
    }
    s.push_str("} } } }\n}\n");
    s
}
