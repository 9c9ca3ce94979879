//! Builds the N-rule benchmark ruleset (see `pyptables_suite::bench_ruleset`) and prints it
//! in plain iptables-restore form: the Rust side of `benches/compare.sh`.
//!
//! `cargo run --release --example render_bench -- 100000 > rules.txt`

use std::io::Write;

fn main() -> std::process::ExitCode {
    let n = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: render_bench N");
            return std::process::ExitCode::from(2);
        }
    };
    let text = pyptables_suite::bench_ruleset::tables(n).to_iptables_plain();
    if std::io::stdout().lock().write_all(text.as_bytes()).is_err() {
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
