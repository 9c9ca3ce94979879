//! The per-host commands on the nftables engine (`--engine nftables`): `print` writes the
//! `nft -f` script, `check` loads it into a scratch network namespace, `apply` loads it with
//! one `nft -f` (both families in one transaction) and puts the saved tables back without a
//! confirmation, `diff` compares the running tables with the desired ones as the kernel lists
//! them. Only the firewall's own tables (`--nft-table`, default `pyptables`) are read or
//! changed.

use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Args, ValueEnum};
use pyptables_catalog::Family;

use super::commands::{confirm_or_roll_back, write_diff, ApplySettings, ASK_SECONDS};
use super::scratch::{self, ScratchNetns};
use super::system;
use super::{Io, Tools, EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_ROLLBACK_FAILED};
use crate::error::RestoreError;
use crate::firewall::Firewall;
use crate::nft::{list_tables, run_nft, snapshot, NftOptions};
use crate::render::Style;

/// Runs `cli`'s command on the nftables engine; `None` for a command that does not depend on
/// the engine (`confirm`, `explain`).
pub(crate) fn dispatch(
    fw: &Firewall,
    cli: &super::Cli,
    tools: &Tools,
    io: &mut Io<'_>,
) -> Option<u8> {
    use super::Command;
    let args = &cli.engine;
    Some(match &cli.command {
        None => print(
            fw,
            args,
            cli.print.plain,
            cli.print.line_numbers,
            cli.print.family.map(Family::from),
            io,
        ),
        Some(Command::Print(p)) => {
            let p = super::merge(&cli.print, p);
            print(
                fw,
                args,
                p.plain,
                p.line_numbers,
                p.family.map(Family::from),
                io,
            )
        }
        Some(Command::Check { no_netns, lint }) => {
            super::lint::check(fw, lint, io, |io| check(fw, args, *no_netns, io))
        }
        Some(Command::Apply {
            confirm,
            yes,
            restore_timeout,
            replace_foreign,
        }) => {
            // Our nft tables hold no other software's chains: `--replace-foreign` has nothing
            // to allow.
            let settings = ApplySettings {
                confirm: *confirm,
                yes: *yes,
                restore_timeout: Duration::from_secs(*restore_timeout),
                replace_foreign: *replace_foreign,
            };
            apply(fw, args, tools, &settings, io)
        }
        Some(Command::Diff { family, color }) => {
            let family = family.or(cli.print.family).map(Family::from);
            let color = if *color != super::ColorArg::Auto {
                *color
            } else {
                cli.print.color
            };
            let colour = super::colour_enabled(
                color,
                io.out_is_terminal,
                std::env::var_os("NO_COLOR").as_deref(),
            );
            diff(fw, args, tools, family, colour, io)
        }
        // Explaining a packet reads the model only: the same with either engine.
        Some(Command::Confirm) | Some(Command::Explain(_)) => return None,
        Some(Command::Save(_)) => {
            let _ = writeln!(
                io.err,
                "error: `save` writes iptables-restore files for the distribution's loader; with \
                 --engine nftables, run `apply --engine nftables` at boot instead (see the README)"
            );
            EXIT_ERROR
        }
    })
}

/// The engine options (global).
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct EngineArgs {
    /// Which engine loads the rules: iptables-restore, or nft with tables of the firewall's
    /// own (`table ip NAME`, `table ip6 NAME`), both families in one transaction
    #[arg(long, global = true, value_enum, default_value = "iptables")]
    pub(crate) engine: EngineArg,
    /// The name of the firewall's own nft tables (nftables engine)
    #[arg(long, global = true, value_name = "NAME", default_value = crate::nft::DEFAULT_TABLE)]
    pub(crate) nft_table: String,
    /// The nft program (nftables engine)
    #[arg(long, global = true, value_name = "PATH", default_value = "nft")]
    pub(crate) nft: std::path::PathBuf,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum EngineArg {
    /// iptables-restore / ip6tables-restore
    #[default]
    Iptables,
    /// nft -f, tables of its own
    Nftables,
}

fn options(args: &EngineArgs, netns: Option<&str>, timeout: Option<Duration>) -> NftOptions {
    NftOptions {
        table: args.nft_table.clone(),
        program: args.nft.clone(),
        netns: netns.map(str::to_string),
        check: false,
        timeout,
    }
}

/// Every problem of the firewall under the nftables engine; `false` if there were any.
/// The firewall translated and validated once for the nftables engine (the same
/// translation is then rendered and loaded), or its problems reported.
fn prepare<'f>(
    fw: &'f Firewall,
    args: &EngineArgs,
    what: &str,
    io: &mut Io<'_>,
) -> Option<crate::nft::Prepared<'f>> {
    match crate::nft::prepare(&[fw.ipv4(), fw.ipv6()], &args.nft_table) {
        Ok(p) => Some(p),
        Err(errors) => {
            for e in errors.iter() {
                let _ = writeln!(io.err, "{e}");
            }
            let n = errors.len();
            let _ = writeln!(
                io.err,
                "{n} problem{} found (nftables engine); {what}",
                if n == 1 { "" } else { "s" }
            );
            None
        }
    }
}

fn report(io: &mut Io<'_>, e: &RestoreError) {
    let _ = writeln!(io.err, "error: {e}");
}

/// The firewall with only `family`'s tables, for `--family`.
fn only(fw: &Firewall, family: Option<Family>) -> Vec<&crate::Tables> {
    [Family::V4, Family::V6]
        .into_iter()
        .filter(|f| family.is_none_or(|o| o == *f))
        .map(|f| fw.family(f))
        .filter(|t| !t.is_empty())
        .collect()
}

/// `print --engine nftables`: the script `nft -f` loads.
pub(crate) fn print(
    fw: &Firewall,
    args: &EngineArgs,
    plain: bool,
    line_numbers: bool,
    family: Option<Family>,
    io: &mut Io<'_>,
) -> u8 {
    let Some(prepared) = prepare(fw, args, "nothing was printed", io) else {
        return EXIT_FAILED;
    };
    let style = if plain {
        Style::Plain
    } else {
        Style::Annotated
    };
    if only(fw, family).is_empty() {
        let _ = writeln!(
            io.err,
            "error: nothing to print: the firewall has no such tables"
        );
        return EXIT_ERROR;
    }
    let mut text = prepared.render(&args.nft_table, style, family).text;
    if line_numbers {
        text = crate::add_line_numbers(&text);
    }
    match io.out.write_all(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => EXIT_OK,
        Err(e) => {
            let _ = writeln!(io.err, "error: cannot write the rules: {e}");
            EXIT_ERROR
        }
    }
}

fn summary(fw: &Firewall) -> String {
    format!(
        "{} IPv4 and {} IPv6 rules",
        fw.ipv4().rule_count(),
        fw.ipv6().rule_count()
    )
}

/// `check --engine nftables`: static checks, then a real load into a scratch namespace (or
/// `nft -c` without root or with `--no-netns`).
pub(crate) fn check(fw: &Firewall, args: &EngineArgs, no_netns: bool, io: &mut Io<'_>) -> u8 {
    let Some(prepared) = prepare(fw, args, "the kernel was not asked", io) else {
        return EXIT_FAILED;
    };
    if no_netns || !system::is_root() {
        let opts = NftOptions {
            check: true,
            ..options(args, None, None)
        };
        let script = prepared.render(&args.nft_table, Style::Plain, None);
        return match run_nft(&opts, &script.text) {
            Ok(()) => {
                let _ = writeln!(io.out, "ok: {} pass `nft -c`", summary(fw));
                EXIT_OK
            }
            Err(e) => {
                report(io, &e);
                EXIT_FAILED
            }
        };
    }
    let ns = match ScratchNetns::new("check") {
        Ok(ns) => ns,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            return EXIT_ERROR;
        }
    };
    match prepared.apply(&options(args, Some(ns.name()), None)) {
        Ok(()) => {
            let _ = writeln!(
                io.out,
                "ok: {} load into a scratch network namespace (nftables)",
                summary(fw)
            );
            EXIT_OK
        }
        Err(e) => {
            report(io, &e);
            let _ = writeln!(
                io.err,
                "the kernel rejected these rules in a scratch network namespace"
            );
            EXIT_FAILED
        }
    }
}

/// `apply --engine nftables`: lock, save our tables (`nft list table`), one `nft -f`, and put
/// the saved tables back without a confirmation or on SIGINT/SIGTERM.
pub(crate) fn apply(
    fw: &Firewall,
    args: &EngineArgs,
    tools: &Tools,
    settings: &ApplySettings,
    io: &mut Io<'_>,
) -> u8 {
    let Some(prepared) = prepare(fw, args, "nothing was applied", io) else {
        return EXIT_FAILED;
    };
    if fw.ipv4().is_empty() && fw.ipv6().is_empty() {
        let _ = writeln!(io.err, "nothing to apply: the firewall has no tables");
        return EXIT_OK;
    }
    let (confirm, ask) = match settings.confirm {
        Some(s) => (Some(s), false),
        None if io.stdin_is_terminal && !settings.yes => (Some(ASK_SECONDS), true),
        None => (None, false),
    };
    let opts = options(args, tools.netns.as_deref(), Some(settings.restore_timeout));
    let _lock = match system::ApplyLock::acquire(tools.netns.as_deref()) {
        Ok(lock) => lock,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            return EXIT_ERROR;
        }
    };
    let _signals = system::ApplySignals::install();
    let saved = match snapshot(&opts) {
        Ok(s) => s,
        Err(e) => {
            let _ = writeln!(
                io.err,
                "error: cannot save the running nft tables, so nothing was applied: {e}"
            );
            return EXIT_ERROR;
        }
    };
    // The saved tables must load back before anything changes.
    if let Err(e) = run_nft(
        &NftOptions {
            check: true,
            ..opts.clone()
        },
        &saved,
    ) {
        let _ = writeln!(
            io.err,
            "error: the running tables could not be put back if needed, so nothing was applied: {e}"
        );
        return EXIT_ERROR;
    }
    if system::INTERRUPTED.load(Ordering::SeqCst) {
        let _ = writeln!(io.err, "interrupted: nothing was applied");
        return EXIT_FAILED;
    }
    if let Err(e) = prepared.apply(&opts) {
        report(io, &e);
        return match e {
            RestoreError::Rejected { .. } => {
                let _ = writeln!(io.err, "the running tables are unchanged (one transaction)");
                EXIT_FAILED
            }
            RestoreError::NotFound { .. } | RestoreError::PermissionDenied { .. } => EXIT_ERROR,
            // Killed or timed out: whether the transaction committed is not known.
            _ => put_back(&opts, &saved, EXIT_ERROR, io),
        };
    }
    let _ = writeln!(
        io.out,
        "applied IPv4 and IPv6 in one transaction (nft table {}): {}",
        args.nft_table,
        summary(fw)
    );
    if system::INTERRUPTED.load(Ordering::SeqCst) {
        let _ = writeln!(io.err, "interrupted: restoring the previous tables");
        return put_back(&opts, &saved, EXIT_FAILED, io);
    }
    let Some(seconds) = confirm else {
        return EXIT_OK;
    };
    confirm_or_roll_back(seconds, ask, "tables", tools, io, |io| {
        put_back(&opts, &saved, EXIT_FAILED, io) == EXIT_FAILED
    })
}

fn put_back(opts: &NftOptions, saved: &str, code: u8, io: &mut Io<'_>) -> u8 {
    // The previous rules, with the sets' current elements (not those of the snapshot).
    match crate::nft::put_back(opts, saved) {
        Ok(()) => {
            let _ = writeln!(io.err, "rolled back: the previous tables are back");
            code
        }
        Err(e) => {
            let _ = writeln!(
                io.err,
                "error: putting the previous tables back failed, they may be the new ones: {e}"
            );
            EXIT_ROLLBACK_FAILED
        }
    }
}

/// `diff --engine nftables`: our running tables against the desired ones, both as the kernel
/// lists them (the desired ones loaded into a scratch namespace).
pub(crate) fn diff(
    fw: &Firewall,
    args: &EngineArgs,
    tools: &Tools,
    family: Option<Family>,
    colour: bool,
    io: &mut Io<'_>,
) -> u8 {
    let Some(prepared) = prepare(fw, args, "nothing was compared", io) else {
        return EXIT_ERROR;
    };
    if let Some(Err(e)) = tools.netns.as_deref().map(scratch::require_netns) {
        let _ = writeln!(io.err, "error: {e}");
        return EXIT_ERROR;
    }
    let ns = match ScratchNetns::new("diff") {
        Ok(ns) => ns,
        Err(e) => {
            let _ = writeln!(
                io.err,
                "error: {e} (diff loads the rules into a scratch network namespace, which needs root)"
            );
            return EXIT_ERROR;
        }
    };
    let scratch = options(args, Some(ns.name()), None);
    if let Err(e) = prepared.apply(&scratch) {
        report(io, &e);
        return EXIT_ERROR;
    }
    let lists = list_tables(&scratch)
        .and_then(|d| list_tables(&options(args, tools.netns.as_deref(), None)).map(|r| (d, r)));
    let (desired, running) = match lists {
        Ok(l) => l,
        Err(e) => {
            report(io, &e);
            return EXIT_ERROR;
        }
    };
    let mut differ = false;
    for ((f, want), (_, have)) in desired.into_iter().zip(running) {
        if family.is_some_and(|o| o != f) || fw.family(f).is_empty() {
            continue;
        }
        let clean = |t: Option<String>| normalise(&t.unwrap_or_default());
        differ |= write_diff(&clean(have), &clean(want), f, colour, io);
    }
    if differ {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// A listing without counters (`counter packets N bytes M`), handles and the elements of
/// sets (`elements = { … }`, over one line or several): both are filled at run time.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_elements = false;
    for line in text.lines() {
        let t = line.trim();
        if in_elements || t.starts_with("elements = {") {
            in_elements = !t.ends_with('}');
            continue;
        }
        let mut words: Vec<&str> = Vec::new();
        let mut it = line.split_whitespace().peekable();
        while let Some(w) = it.next() {
            if (w == "packets" || w == "bytes")
                && it.peek().is_some_and(|n| n.parse::<u64>().is_ok())
            {
                it.next();
                continue;
            }
            words.push(w);
        }
        let indent = line.len() - line.trim_start().len();
        out.push_str(&line[..indent]);
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalise;

    /// A set's elements are filled at run time, like counters: `diff` compares the rules.
    #[test]
    fn the_elements_of_sets_are_not_compared() {
        let bare = "table ip pyptables {\n\tset blocklist {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t}\n\n\tchain filter.INPUT {\n\t\tip saddr @blocklist counter packets 0 bytes 0 drop\n\t}\n}\n";
        let filled = "table ip pyptables {\n\tset blocklist {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = { 192.0.2.7, 198.51.100.0/24,\n\t\t\t     203.0.113.9 }\n\t}\n\n\tchain filter.INPUT {\n\t\tip saddr @blocklist counter packets 3 bytes 180 drop\n\t}\n}\n";
        assert_eq!(normalise(filled), normalise(bare));
    }
}
