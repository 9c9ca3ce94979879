//! `check`, `apply`, `confirm` and `diff`.

use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pyptables_catalog::Family;

use crate::error::RestoreError;
use crate::firewall::Firewall;
use crate::restore::RestoreOptions;

use super::scratch::{self, ScratchNetns, SetsError};
use super::system;
use super::{Io, Tools, EXIT_ERROR, EXIT_FAILED, EXIT_OK, EXIT_ROLLBACK_FAILED};

/// The families that have tables, IPv4 first.
fn families(fw: &Firewall) -> Vec<Family> {
    [Family::V4, Family::V6]
        .into_iter()
        .filter(|f| !fw.family(*f).is_empty())
        .collect()
}

/// Prints every validation problem, one per line; `false` if there were any.
fn validate(fw: &Firewall, io: &mut Io<'_>) -> bool {
    match fw.validate() {
        Ok(()) => true,
        Err(errors) => {
            for e in errors.iter() {
                let _ = writeln!(io.err, "{e}");
            }
            let _ = writeln!(
                io.err,
                "{} problem{} found; the kernel was not asked and no rules were changed",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            false
        }
    }
}

/// Prints a restore error, one problem per line, each naming the source line when known.
fn report(io: &mut Io<'_>, family: Family, e: &RestoreError) {
    match e {
        RestoreError::Rejected {
            program,
            line,
            rule,
            message,
        } => {
            let place = match (rule, line) {
                (Some(r), _) => format!("{r} ({family})"),
                (None, Some(l)) => format!("{family} input line {l}"),
                (None, None) => family.to_string(),
            };
            let message: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            let _ = writeln!(
                io.err,
                "{place}: rejected by `{}`: {}",
                program.display(),
                message.join("; ")
            );
        }
        RestoreError::Invalid(errors) => {
            for e in errors.iter() {
                let _ = writeln!(io.err, "{e}");
            }
        }
        other => {
            let _ = writeln!(io.err, "error: {family}: {other}");
        }
    }
}

fn summary(fw: &Firewall, families: &[Family]) -> String {
    families
        .iter()
        .map(|f| {
            let t = fw.family(*f);
            let names: Vec<&str> = t.iter().map(|t| t.name()).collect();
            format!("{f}: {} rules in {}", t.rule_count(), names.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn options(tools: &Tools, family: Family, netns: Option<&str>) -> RestoreOptions {
    RestoreOptions {
        backend: tools.backend(family),
        netns: netns.map(str::to_string),
        skip_validation: true,
        ..RestoreOptions::default()
    }
}

/// `check`: static checks, then a real load into a scratch namespace (root) or `--test`.
pub(crate) fn check(fw: &Firewall, tools: &Tools, no_netns: bool, io: &mut Io<'_>) -> u8 {
    if !validate(fw, io) {
        return EXIT_FAILED;
    }
    if let Some(Err(e)) = tools.netns.as_deref().map(scratch::require_netns) {
        let _ = writeln!(io.err, "error: {e}");
        return EXIT_ERROR;
    }
    let families = families(fw);
    if families.is_empty() {
        let _ = writeln!(io.out, "ok: the firewall has no tables");
        return EXIT_OK;
    }
    if system::is_root() && !no_netns {
        let ns = match ScratchNetns::new("check") {
            Ok(ns) => ns,
            Err(e) => {
                let _ = writeln!(io.err, "error: {e}");
                return EXIT_ERROR;
            }
        };
        let sets = scratch::referenced_sets(fw, &families);
        match scratch::copy_sets(&sets, tools.netns.as_deref(), ns.name()) {
            Ok(()) => {}
            Err(SetsError::Missing(e)) => {
                let _ = writeln!(io.err, "{e}");
                return EXIT_FAILED;
            }
            Err(SetsError::Tool(e)) => {
                let _ = writeln!(io.err, "error: {e}");
                return EXIT_ERROR;
            }
        }
        let mut rejected = false;
        for family in &families {
            if let Err(e) = fw
                .family(*family)
                .restore(&options(tools, *family, Some(ns.name())))
            {
                report(io, *family, &e);
                match e {
                    RestoreError::Rejected { .. } => rejected = true,
                    _ => return EXIT_ERROR,
                }
            }
        }
        if rejected {
            let _ = writeln!(
                io.err,
                "the kernel rejected the rules (loaded into a scratch network namespace; the running rules were not touched)"
            );
            return EXIT_FAILED;
        }
        let _ = writeln!(
            io.out,
            "ok: {}; the kernel accepted them in a scratch network namespace",
            summary(fw, &families)
        );
        return EXIT_OK;
    }
    let mut rejected = false;
    let mut not_run = Vec::new();
    for family in &families {
        let opts = RestoreOptions {
            test: true,
            ..options(tools, *family, tools.netns.as_deref())
        };
        match fw.family(*family).restore(&opts) {
            Ok(()) => {}
            Err(e @ RestoreError::Rejected { .. }) => {
                report(io, *family, &e);
                rejected = true;
            }
            Err(e) => not_run.push(format!("{family}: {e}")),
        }
    }
    if rejected {
        let _ = writeln!(io.err, "iptables-restore --test rejected the rules");
        return EXIT_FAILED;
    }
    for n in &not_run {
        let _ = writeln!(
            io.err,
            "note: `--test` could not run, only the static checks did: {n}"
        );
    }
    let how = if not_run.is_empty() {
        "passed the static checks and iptables-restore --test"
    } else {
        "passed the static checks"
    };
    let why = if no_netns {
        "--no-netns"
    } else {
        "not root: run as root to load them into a scratch network namespace"
    };
    let _ = writeln!(
        io.out,
        "ok: {} {how}; the kernel was not asked ({why})",
        summary(fw, &families)
    );
    EXIT_OK
}

/// Restores the saved rules of `applied`; the exit status to return.
fn rollback(fw: &Firewall, tools: &Tools, applied: &[(Family, String)], io: &mut Io<'_>) -> u8 {
    let mut ok = true;
    for (family, saved) in applied.iter().rev() {
        let text = system::rollback_text(saved, fw.family(*family));
        match system::load_saved(tools, *family, &text) {
            Ok(()) => {
                let _ = writeln!(io.err, "rolled back: the previous {family} rules are back");
            }
            Err(e) => {
                ok = false;
                let _ = writeln!(
                    io.err,
                    "error: rolling back the {family} rules failed, they may be the new ones: {e}"
                );
            }
        }
    }
    if ok {
        EXIT_FAILED
    } else {
        EXIT_ROLLBACK_FAILED
    }
}

/// `apply`: save, apply family by family, roll back on failure or without confirmation.
pub(crate) fn apply(fw: &Firewall, tools: &Tools, confirm: Option<u64>, io: &mut Io<'_>) -> u8 {
    if !validate(fw, io) {
        return EXIT_FAILED;
    }
    let families = families(fw);
    if families.is_empty() {
        let _ = writeln!(io.err, "nothing to apply: the firewall has no tables");
        return EXIT_OK;
    }
    let mut saved = Vec::new();
    for family in &families {
        match system::save(tools, *family, tools.netns.as_deref()) {
            Ok(text) => saved.push((*family, text)),
            Err(e) => {
                let _ = writeln!(
                    io.err,
                    "error: cannot save the running {family} rules, so nothing was applied: {e}"
                );
                return EXIT_ERROR;
            }
        }
    }
    let mut applied: Vec<(Family, String)> = Vec::new();
    for (family, text) in saved {
        let result = fw
            .family(family)
            .restore(&options(tools, family, tools.netns.as_deref()));
        if let Err(e) = result {
            report(io, family, &e);
            let _ = writeln!(io.err, "the running {family} rules are unchanged");
            if applied.is_empty() {
                return match e {
                    RestoreError::Rejected { .. } => EXIT_FAILED,
                    _ => EXIT_ERROR,
                };
            }
            return rollback(fw, tools, &applied, io);
        }
        let _ = writeln!(
            io.out,
            "applied {family}: {} rules",
            fw.family(family).rule_count()
        );
        applied.push((family, text));
    }
    let Some(seconds) = confirm else {
        return EXIT_OK;
    };
    let dir = system::state_dir(&io.program, tools.netns.as_deref());
    let confirmed = match wait_for_confirmation(&dir, seconds, tools, io) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}; restoring the previous rules");
            false
        }
    };
    let (code, result) = if confirmed {
        let _ = writeln!(io.out, "confirmed: the new rules stay");
        (EXIT_OK, "kept")
    } else {
        let code = rollback(fw, tools, &applied, io);
        if code == EXIT_FAILED {
            (code, "rolled back")
        } else {
            (code, "rollback failed")
        }
    };
    let _ = fs::write(dir.join("result"), result);
    let _ = fs::remove_file(dir.join("pending"));
    if !dir.join("confirmed").exists() {
        // Nobody waits for the answer; a `confirm` arriving now finds nothing pending.
        let _ = fs::remove_dir_all(&dir);
    }
    code
}

fn wait_for_confirmation(
    dir: &Path,
    seconds: u64,
    tools: &Tools,
    io: &mut Io<'_>,
) -> Result<bool, String> {
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let pid = std::process::id();
    fs::write(dir.join("pending"), format!("{pid}\n"))
        .map_err(|e| format!("cannot write {}: {e}", dir.join("pending").display()))?;
    system::install_confirm_signals();
    let netns = tools
        .netns
        .as_ref()
        .map(|n| format!(" --netns {n}"))
        .unwrap_or_default();
    let typed = if io.stdin_is_terminal {
        "type `yes` here, or "
    } else {
        ""
    };
    let _ = writeln!(
        io.err,
        "Keep the new rules? Within {seconds} s {typed}run `{}{netns} confirm` from another session (or `kill -USR1 {pid}`); otherwise the previous rules come back.",
        io.program
    );
    let _ = io.err.flush();
    let (tx, rx) = std::sync::mpsc::channel();
    if io.stdin_is_terminal {
        std::thread::spawn(move || {
            let mut line = String::new();
            loop {
                line.clear();
                match std::io::stdin().read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    Ok(_) if line.trim() == "yes" => {
                        let _ = tx.send(());
                        return;
                    }
                    Ok(_) => {}
                }
            }
        });
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let confirmed = loop {
        if dir.join("confirmed").exists()
            || system::CONFIRMED_BY_SIGNAL.load(Ordering::SeqCst)
            || rx.try_recv().is_ok()
        {
            break true;
        }
        if system::INTERRUPTED.load(Ordering::SeqCst) {
            let _ = writeln!(io.err, "interrupted");
            break false;
        }
        if Instant::now() >= deadline {
            let _ = writeln!(io.err, "no confirmation within {seconds} s");
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    system::restore_default_signals();
    Ok(confirmed)
}

/// `confirm`: tells a waiting `apply --confirm` to keep its rules and reports its answer.
pub(crate) fn confirm(tools: &Tools, io: &mut Io<'_>) -> u8 {
    let dir = system::state_dir(&io.program, tools.netns.as_deref());
    let pid = match fs::read_to_string(dir.join("pending")) {
        Ok(pid) => pid.trim().to_string(),
        Err(_) => {
            let _ = writeln!(
                io.err,
                "no `apply --confirm` is waiting (nothing pending in {})",
                dir.display()
            );
            return EXIT_FAILED;
        }
    };
    if pid.is_empty() || !Path::new("/proc").join(&pid).exists() {
        let _ = writeln!(
            io.err,
            "the `apply --confirm` that was waiting (pid {pid}) is gone"
        );
        return EXIT_FAILED;
    }
    if let Err(e) = fs::write(dir.join("confirmed"), "") {
        if e.kind() == std::io::ErrorKind::NotFound {
            let _ = writeln!(io.err, "too late: the apply has just finished without it");
            return EXIT_FAILED;
        }
        let _ = writeln!(io.err, "error: cannot confirm in {}: {e}", dir.display());
        return EXIT_ERROR;
    }
    let start = Instant::now();
    loop {
        if let Ok(result) = fs::read_to_string(dir.join("result")) {
            let _ = fs::remove_dir_all(&dir);
            return if result.trim() == "kept" {
                let _ = writeln!(io.out, "confirmed: the new rules stay");
                EXIT_OK
            } else {
                let _ = writeln!(io.err, "too late: {}", result.trim());
                EXIT_FAILED
            };
        }
        if !dir.join("pending").exists() && !dir.join("result").exists() {
            let _ = writeln!(
                io.err,
                "too late: the apply finished before the confirmation reached it"
            );
            return EXIT_FAILED;
        }
        if start.elapsed() > Duration::from_secs(5) {
            let _ = writeln!(
                io.err,
                "error: the waiting apply (pid {pid}) did not answer"
            );
            return EXIT_ERROR;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Drops `#` lines and packet/byte counters, like comparing two `iptables-save` outputs needs.
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut line = line.trim_end();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line.starts_with('[') {
            if let Some(end) = line.find("] ") {
                if is_counters(&line[1..end]) {
                    line = &line[end + 2..];
                }
            }
        }
        if line.starts_with(':') && line.ends_with(']') {
            if let Some(start) = line.rfind(" [") {
                if is_counters(&line[start + 2..line.len() - 1]) {
                    line = &line[..start];
                }
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn is_counters(s: &str) -> bool {
    s.split_once(':').is_some_and(|(p, b)| {
        !p.is_empty()
            && !b.is_empty()
            && p.bytes().all(|c| c.is_ascii_digit())
            && b.bytes().all(|c| c.is_ascii_digit())
    })
}

/// The `*table` … `COMMIT` blocks of `tables`, in that order (a missing table gives nothing).
pub(crate) fn select_tables(text: &str, tables: &[&str]) -> String {
    let mut blocks: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            blocks.push((name.trim().to_string(), String::new()));
        }
        if let Some((_, block)) = blocks.last_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    let mut out = String::new();
    for t in tables {
        if let Some((_, block)) = blocks.iter().find(|(n, _)| n == t) {
            out.push_str(block);
        }
    }
    out
}

/// `diff`: the running rules against these (of `only` that family), both as the kernel
/// prints them; coloured when `colour`.
pub(crate) fn diff(
    fw: &Firewall,
    tools: &Tools,
    only: Option<Family>,
    colour: bool,
    io: &mut Io<'_>,
) -> u8 {
    if !validate(fw, io) {
        return EXIT_ERROR;
    }
    if let Some(Err(e)) = tools.netns.as_deref().map(scratch::require_netns) {
        let _ = writeln!(io.err, "error: {e}");
        return EXIT_ERROR;
    }
    let families = match only {
        Some(family) if fw.family(family).is_empty() => {
            let _ = writeln!(
                io.err,
                "error: this firewall has no {family} rules (it leaves {family} as it is): nothing to compare"
            );
            return EXIT_ERROR;
        }
        Some(family) => vec![family],
        None => families(fw),
    };
    if families.is_empty() {
        return EXIT_OK;
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
    let sets = scratch::referenced_sets(fw, &families);
    if let Err(SetsError::Missing(e) | SetsError::Tool(e)) =
        scratch::copy_sets(&sets, tools.netns.as_deref(), ns.name())
    {
        let _ = writeln!(io.err, "error: {e}");
        return EXIT_ERROR;
    }
    let mut differ = false;
    for family in families {
        let tables = fw.family(family);
        if let Err(e) = tables.restore(&options(tools, family, Some(ns.name()))) {
            report(io, family, &e);
            let _ = writeln!(
                io.err,
                "error: the kernel rejected these {family} rules in a scratch network namespace"
            );
            return EXIT_ERROR;
        }
        let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
        let saves = system::save(tools, family, Some(ns.name())).and_then(|desired| {
            system::save(tools, family, tools.netns.as_deref()).map(|running| (desired, running))
        });
        let (desired, running) = match saves {
            Ok(s) => s,
            Err(e) => {
                let _ = writeln!(io.err, "error: {e}");
                return EXIT_ERROR;
            }
        };
        let desired = select_tables(&normalise(&desired), &names);
        let running = select_tables(&normalise(&running), &names);
        if desired != running {
            differ = true;
            let text = similar::TextDiff::from_lines(&running, &desired)
                .unified_diff()
                .context_radius(3)
                .header(&format!("running {family}"), &format!("desired {family}"))
                .to_string();
            let text = if colour { colour_diff(&text) } else { text };
            let _ = io.out.write_all(text.as_bytes());
        }
    }
    if differ {
        EXIT_FAILED
    } else {
        EXIT_OK
    }
}

/// A unified diff with the file names bold, hunk headers cyan, removed lines red and added
/// lines green.
fn colour_diff(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.lines() {
        let code = if line.starts_with("---") || line.starts_with("+++") {
            Some("1")
        } else if line.starts_with("@@") {
            Some("36")
        } else if line.starts_with('-') {
            Some("31")
        } else if line.starts_with('+') {
            Some("32")
        } else {
            None
        };
        match code {
            Some(c) => out.push_str(&format!("\x1b[{c}m{line}\x1b[0m\n")),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_diff_marks_each_kind_of_line() {
        let text = "--- running IPv4\n+++ desired IPv4\n@@ -1,2 +1,2 @@\n COMMIT\n-A x\n+A y\n";
        assert_eq!(
            colour_diff(text),
            "\x1b[1m--- running IPv4\x1b[0m\n\x1b[1m+++ desired IPv4\x1b[0m\n\x1b[36m@@ -1,2 +1,2 @@\x1b[0m\n COMMIT\n\x1b[31m-A x\x1b[0m\n\x1b[32m+A y\x1b[0m\n"
        );
    }

    #[test]
    fn normalise_drops_comments_and_counters_only() {
        let save = "# Generated by iptables-save v1.8.9\n*filter\n:INPUT DROP [12:3456]\n[3:180] -A INPUT -s 192.0.2.1/32 -j ACCEPT\n-A INPUT -m comment --comment \"[1:2] x\" -j DROP\nCOMMIT\n# Completed\n";
        assert_eq!(
            normalise(save),
            "*filter\n:INPUT DROP\n-A INPUT -s 192.0.2.1/32 -j ACCEPT\n-A INPUT -m comment --comment \"[1:2] x\" -j DROP\nCOMMIT\n"
        );
    }

    #[test]
    fn select_tables_keeps_the_named_tables_in_order() {
        let text =
            "*nat\n:POSTROUTING ACCEPT\nCOMMIT\n*filter\n:INPUT ACCEPT\nCOMMIT\n*mangle\nCOMMIT\n";
        assert_eq!(
            select_tables(text, &["filter", "nat", "raw"]),
            "*filter\n:INPUT ACCEPT\nCOMMIT\n*nat\n:POSTROUTING ACCEPT\nCOMMIT\n"
        );
    }
}
