//! `pyptables`: import a saved iptables ruleset into a per-host firewall program, or check
//! one. See `pyptables --help`.

fn main() -> std::process::ExitCode {
    pyptables::cli::tool_main()
}
