//! Compile-fail and compile-pass tests of the `firewall!` macro (trybuild).
//!
//! Each `tests/ui/fail/*.rs` must fail to compile with exactly the committed `.stderr`: the
//! message and the span of every mistake. Regenerate with `TRYBUILD=overwrite cargo test --test
//! ui` and read every changed `.stderr` before committing; see `tests/ui/README.md` for the
//! toolchain the snapshots were made with.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
