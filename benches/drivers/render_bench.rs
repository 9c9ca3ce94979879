//! Builds the N-rule benchmark ruleset (see `pyptables_suite::bench_ruleset`) and prints it
//! in plain iptables-restore form: the Rust side of `benches/compare.sh`.
//!
//! `cargo run --release --example render_bench -- 100000 > rules.txt`

fn main() -> std::process::ExitCode {
    let n = match std::env::args().nth(1).map(|a| a.parse::<usize>()) {
        Some(Ok(n)) => n,
        _ => {
            eprintln!("usage: render_bench N");
            return std::process::ExitCode::from(2);
        }
    };
    let tables = pyptables_suite::bench_ruleset::tables(n);
    // Streamed to standard output as it is rendered, as a per-host binary would.
    if tables
        .write_iptables(&mut std::io::stdout().lock(), pyptables::Style::Plain)
        .is_err()
    {
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
