//! `check`'s lint step: the findings of [`Firewall::lint`] (both families' rules, and the
//! services whose IPv4 and IPv6 verdicts differ), as warnings (exit status unchanged unless `--deny-warnings`) or, with `--json`,
//! as one JSON object on standard output (the rest of `check`'s messages then go to standard
//! error, so standard output stays parseable).

use clap::Args;
use pyptables_catalog::Family;

use super::{Io, EXIT_FAILED, EXIT_OK};
use crate::explain::Packet;
use crate::lint::{describe, Finding};
use crate::Firewall;

/// The lint options of `check`.
#[derive(Args, Debug, Default, Clone)]
pub(crate) struct LintArgs {
    /// Fail (exit status 1) when the lint finds shadowed, unreachable, redundant or
    /// return-only rules or a dual-stack trap; without it they are warnings
    #[arg(long)]
    deny_warnings: bool,
    /// Print the lint findings as JSON on standard output (other messages go to standard
    /// error)
    #[arg(long)]
    json: bool,
}

/// `check`: the engine's checks (`run`), then the lint's findings.
pub(crate) fn check(
    fw: &Firewall,
    a: &LintArgs,
    io: &mut Io<'_>,
    run: impl FnOnce(&mut Io<'_>) -> u8,
) -> u8 {
    let code = if a.json {
        let mut buf = Vec::new();
        let code = {
            let mut sub = Io {
                out: &mut buf,
                err: &mut *io.err,
                out_is_terminal: false,
                stdin_is_terminal: io.stdin_is_terminal,
                program: io.program.clone(),
                binary: io.binary.clone(),
                read_line: io.read_line,
            };
            run(&mut sub)
        };
        let _ = io.err.write_all(&buf);
        code
    } else {
        run(io)
    };
    report(&fw.lint(), a, io, code)
}

/// Prints `findings` as `check` does (warnings on standard error, or the JSON object on
/// standard output) and gives the exit status: `code`, or 1 when it was 0 and there are
/// findings under `--deny-warnings`.
pub(crate) fn report(findings: &[Finding], a: &LintArgs, io: &mut Io<'_>, code: u8) -> u8 {
    if a.json {
        let _ = io.out.write_all(json(findings).as_bytes());
    } else {
        for f in findings {
            let _ = writeln!(io.err, "warning: {f}");
        }
    }
    if code == EXIT_OK && a.deny_warnings && !findings.is_empty() {
        if !a.json {
            let _ = writeln!(
                io.err,
                "error: {} lint finding(s) and --deny-warnings",
                findings.len()
            );
        }
        return EXIT_FAILED;
    }
    code
}

fn js(text: &str) -> String {
    super::explain::js(text)
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or("null".into(), |v| v.to_string())
}

fn witness(p: &Packet) -> String {
    format!(
        "{{\"family\": {}, \"protocol\": {}, \"src\": {}, \"dst\": {}, \"sport\": {}, \"dport\": {}, \"icmp\": {}, \"in_interface\": {}, \"out_interface\": {}, \"state\": {}, \"summary\": {}}}",
        js(match p.family {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }),
        opt(&p.protocol),
        p.src.map_or("null".into(), |a| js(&a.to_string())),
        p.dst.map_or("null".into(), |a| js(&a.to_string())),
        opt(&p.sport),
        opt(&p.dport),
        p.icmp
            .map_or("null".into(), |(t, c)| format!("[{t}, {c}]")),
        p.in_interface.as_deref().map_or("null".into(), js),
        p.out_interface.as_deref().map_or("null".into(), js),
        p.state.map_or("null".into(), |s| js(s.name())),
        js(&describe(p)),
    )
}

/// `{"findings": [{"kind": …, "table": …, "chain": …, "position": N, "origin": "file:line",
/// "by": [positions], "witness": {…}}]}`.
pub(crate) fn json(findings: &[Finding]) -> String {
    let items: Vec<String> = findings
        .iter()
        .map(|f| {
            format!(
                "{{\"kind\": {}, \"family\": {}, \"table\": {}, \"chain\": {}, \"position\": {}, \"origin\": {}, \"by\": [{}], \"evidence\": {}, \"witness\": {}}}",
                js(f.kind.as_str()),
                js(match f.family {
                    Family::V4 => "ipv4",
                    Family::V6 => "ipv6",
                }),
                js(&f.table),
                js(&f.chain),
                opt(&f.position),
                js(&format!("{}:{}", f.origin.file, f.origin.line)),
                f.by.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(", "),
                js(&f.evidence),
                f.witness.as_ref().map_or("null".into(), witness),
            )
        })
        .collect();
    format!("{{\"findings\": [{}]}}\n", items.join(", "))
}
