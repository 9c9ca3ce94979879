//! `check`, `apply`, `confirm` and `diff`.

use std::fs;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pyptables_catalog::raw::is_counters;
use pyptables_catalog::Family;

use crate::error::RestoreError;
use crate::firewall::Firewall;
use crate::preserve::owned_rules;
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

/// Lists every unchecked raw rule of `families` on stderr with its source line: the catalog
/// checked nothing of what it uses, so only the kernel's verdict stands behind it.
pub(crate) fn note_unchecked(fw: &Firewall, families: &[Family], io: &mut Io<'_>) {
    for family in families {
        for table in fw.family(*family).iter() {
            for chain in table.chains() {
                for rule in chain.iter().filter(|r| r.is_unchecked()) {
                    let unknown = rule
                        .raw_text()
                        .map(pyptables_catalog::raw::unknown_to_catalog)
                        .unwrap_or_default();
                    let what = if unknown.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (the catalog does not know {})",
                            unknown
                                .iter()
                                .map(|u| format!("`{u}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    };
                    let _ = writeln!(
                        io.err,
                        "note: {}: unchecked rule{what} in {family} {} {}: only the kernel checks it",
                        rule.origin(),
                        table.name(),
                        chain.name(),
                    );
                }
            }
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
        save_program: tools.save_program(family).ok(),
        netns: netns.map(str::to_string),
        skip_validation: true,
        ..RestoreOptions::default()
    }
}

/// [`options`] for loading `tables` into the scratch namespace `ns`: nothing else runs there,
/// so there is nothing of other software to refuse to delete, and a restore program given by
/// path is used without its save program — unless a table preserves, which needs one.
fn scratch_options(tools: &Tools, tables: &crate::Tables, ns: &str) -> RestoreOptions {
    let family = tables.family();
    let preserving = tables.iter().any(|t| !t.preserved().is_empty());
    RestoreOptions {
        replace_foreign: true,
        save_program: tools.save_program(family).ok().filter(|_| preserving),
        ..options(tools, family, Some(ns))
    }
}

/// `check`: static checks, then a real load into a scratch namespace (root) or `--test`.
pub(crate) fn check(fw: &Firewall, tools: &Tools, no_netns: bool, io: &mut Io<'_>) -> u8 {
    if !validate(fw, io) {
        return EXIT_FAILED;
    }
    note_unchecked(fw, &families(fw), io);
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
            if let Err(e) =
                fw.family(*family)
                    .restore(&scratch_options(tools, fw.family(*family), ns.name()))
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

/// How `apply` runs (its command-line options).
pub(crate) struct ApplySettings {
    /// `--confirm SECONDS`.
    pub(crate) confirm: Option<u64>,
    /// `--yes`: do not ask on a terminal.
    pub(crate) yes: bool,
    /// `--restore-timeout SECONDS`: the longest a save or restore program may run.
    pub(crate) restore_timeout: Duration,
    /// `--replace-foreign`: replace tables holding other software's chains.
    pub(crate) replace_foreign: bool,
}

/// How long `apply` on a terminal waits for the answer to its question, as `iptables-apply`.
pub(crate) const ASK_SECONDS: u64 = 10;

fn interrupted() -> bool {
    system::INTERRUPTED.load(Ordering::SeqCst)
}

/// Loads the saved rules of `applied` back, last family first; `false` if one failed. In
/// tables that preserve other software's chains only the firewall's part goes back (see
/// [`system::rollback_input`]).
fn rollback(
    fw: &Firewall,
    tools: &Tools,
    applied: &[(Family, String)],
    timeout: Duration,
    io: &mut Io<'_>,
) -> bool {
    let mut ok = true;
    for (family, text) in applied.iter().rev() {
        let result = system::rollback_input(tools, fw.family(*family), text, timeout)
            .and_then(|text| system::load_saved(tools, *family, &text, false, timeout));
        match result {
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
    ok
}

/// `code` after a rollback that went as `ok` says.
fn rolled_back(ok: bool, code: u8) -> u8 {
    if ok {
        code
    } else {
        EXIT_ROLLBACK_FAILED
    }
}

/// `apply`: lock, save, apply family by family, roll back on failure, on SIGINT/SIGTERM, or
/// without confirmation.
pub(crate) fn apply(fw: &Firewall, tools: &Tools, settings: &ApplySettings, io: &mut Io<'_>) -> u8 {
    if !validate(fw, io) {
        return EXIT_FAILED;
    }
    let families = families(fw);
    if families.is_empty() {
        let _ = writeln!(io.err, "nothing to apply: the firewall has no tables");
        return EXIT_OK;
    }
    // On a terminal, ask like iptables-apply unless told not to.
    let (confirm, ask) = match settings.confirm {
        Some(s) => (Some(s), false),
        None if io.stdin_is_terminal && !settings.yes => (Some(ASK_SECONDS), true),
        None => (None, false),
    };
    let timeout = settings.restore_timeout;
    let _lock = match system::ApplyLock::acquire(tools.netns.as_deref()) {
        Ok(lock) => lock,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}");
            return EXIT_ERROR;
        }
    };
    // From here until the end no catchable signal may leave unconfirmed rules behind.
    let _signals = system::ApplySignals::install();

    // What a rollback would load, checked to be loadable before anything changes: a running
    // rule iptables-save prints in a form iptables-restore refuses would make it fail.
    let mut saved = Vec::new();
    let mut foreign = false;
    for family in &families {
        let tables = fw.family(*family);
        let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
        let text = match system::snapshot(tools, *family, timeout) {
            Ok(text) => system::rollback_text(&select_tables(&text, &names), tables),
            Err(e) => {
                let _ = writeln!(
                    io.err,
                    "error: cannot save the running {family} rules, so nothing was applied: {e}"
                );
                return EXIT_ERROR;
            }
        };
        if let Err(e) = system::load_saved(tools, *family, &text, true, timeout) {
            let why = match &e {
                RestoreError::Rejected {
                    program,
                    line: Some(l),
                    message,
                    ..
                } => format!(
                    "`{} --test` refuses line {l} of what the save program printed ({}): {}",
                    program.display(),
                    text.lines()
                        .nth(l.saturating_sub(1))
                        .unwrap_or_default()
                        .trim(),
                    one_line(message)
                ),
                other => one_line(&other.to_string()),
            };
            let _ = writeln!(
                io.err,
                "error: the running {family} rules could not be put back if needed, so nothing \
                 was applied: {why}. A rule whose comment holds a newline does that; replace \
                 it by hand first."
            );
            return EXIT_ERROR;
        }
        // Other software's chains a table without `preserve` would delete: refused before
        // anything changes, for every family at once.
        if !settings.replace_foreign {
            if let Err(e) = tables.refuse_foreign(&text) {
                report(io, *family, &e);
                foreign = true;
            }
        }
        saved.push((*family, text));
    }
    if foreign {
        let _ = writeln!(io.err, "nothing was applied");
        return EXIT_FAILED;
    }
    if interrupted() {
        let _ = writeln!(io.err, "interrupted: nothing was applied");
        return EXIT_FAILED;
    }

    let mut applied: Vec<(Family, String)> = Vec::new();
    for (family, text) in saved {
        if interrupted() {
            break;
        }
        let options = RestoreOptions {
            timeout: Some(timeout),
            replace_foreign: settings.replace_foreign,
            ..options(tools, family, tools.netns.as_deref())
        };
        if let Err(e) = fw.family(family).restore(&options) {
            report(io, family, &e);
            // Refused outright, the family is as it was; a program killed or failing silently
            // may have committed some tables: put the family back too.
            let (unchanged, code) = match e {
                RestoreError::Rejected { .. } | RestoreError::ForeignChains { .. } => {
                    (true, EXIT_FAILED)
                }
                RestoreError::NoSaveProgram { .. } => (true, EXIT_ERROR),
                RestoreError::NotFound { .. } | RestoreError::PermissionDenied { .. } => {
                    (true, EXIT_ERROR)
                }
                _ => (false, EXIT_ERROR),
            };
            if unchanged {
                let _ = writeln!(io.err, "the running {family} rules are unchanged");
            } else {
                applied.push((family, text));
            }
            if applied.is_empty() {
                return code;
            }
            return rolled_back(rollback(fw, tools, &applied, timeout, io), code);
        }
        let _ = writeln!(
            io.out,
            "applied {family}: {} rules",
            fw.family(family).rule_count()
        );
        applied.push((family, text));
    }
    if interrupted() {
        let _ = writeln!(io.err, "interrupted: restoring the previous rules");
        return rolled_back(rollback(fw, tools, &applied, timeout, io), EXIT_FAILED);
    }
    let Some(seconds) = confirm else {
        return EXIT_OK;
    };
    confirm_or_roll_back(seconds, ask, "rules", tools, io, |io| {
        rollback(fw, tools, &applied, timeout, io)
    })
}

/// The confirmation step of `apply`, for either engine: waits `seconds` for `confirm` (or asks
/// on a terminal when `ask`), puts the previous `what` ("rules", "tables") back with
/// `roll_back` unless confirmed, and records the outcome for a `confirm` that may be waiting.
/// `roll_back` returns whether the previous state is back.
pub(crate) fn confirm_or_roll_back(
    seconds: u64,
    ask: bool,
    what: &str,
    tools: &Tools,
    io: &mut Io<'_>,
    roll_back: impl FnOnce(&mut Io<'_>) -> bool,
) -> u8 {
    let dir = system::state_dir(&io.program, tools.netns.as_deref());
    let run_id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let confirmed = match wait_for_confirmation(&dir, &run_id, seconds, ask, tools, io) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(io.err, "error: {e}; restoring the previous {what}");
            false
        }
    };
    let (code, result) = if confirmed {
        let _ = writeln!(io.out, "confirmed: the new rules stay");
        (EXIT_OK, "kept")
    } else if roll_back(io) {
        (EXIT_FAILED, "rolled back")
    } else {
        (EXIT_ROLLBACK_FAILED, "rollback failed")
    };
    let _ = write_atomically(&dir.join("result"), &format!("{run_id} {result}\n"));
    let _ = fs::remove_file(dir.join("pending"));
    let ours = fs::read_to_string(dir.join("confirmed"))
        .is_ok_and(|t| t.lines().next().map(str::trim) == Some(run_id.as_str()));
    if !ours {
        // Nobody waits for the answer; a `confirm` arriving now finds nothing pending.
        let _ = fs::remove_dir_all(&dir);
    }
    code
}

/// Writes the unified diff from the `running` to the `desired` rules of `family` (coloured
/// when `colour`), for either engine's `diff`; returns whether they differ.
pub(crate) fn write_diff(
    running: &str,
    desired: &str,
    family: Family,
    colour: bool,
    io: &mut Io<'_>,
) -> bool {
    if running == desired {
        return false;
    }
    let text = similar::TextDiff::from_lines(running, desired)
        .unified_diff()
        .context_radius(3)
        .header(&format!("running {family}"), &format!("desired {family}"))
        .to_string();
    let text = if colour { colour_diff(&text) } else { text };
    let _ = io.out.write_all(text.as_bytes());
    true
}

/// `text`'s non-empty lines, trimmed, joined by "; ".
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Writes `text` to `path` through a temporary file and a rename, so that a reader sees
/// either nothing or all of it.
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    fs::write(&tmp, text)?;
    fs::rename(&tmp, path)
}

/// Whether a typed answer keeps the new rules: `y` or `yes`, in any case.
pub(crate) fn is_yes(answer: &str) -> bool {
    let a = answer.trim();
    a.eq_ignore_ascii_case("y") || a.eq_ignore_ascii_case("yes")
}

/// `program` as a shell word.
fn shell_word(program: &str) -> String {
    if !program.is_empty()
        && program
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@%+=:,".contains(c))
    {
        program.to_string()
    } else {
        format!("'{}'", program.replace('\'', "'\\''"))
    }
}

fn wait_for_confirmation(
    dir: &Path,
    run_id: &str,
    seconds: u64,
    ask: bool,
    tools: &Tools,
    io: &mut Io<'_>,
) -> Result<bool, String> {
    // The apply lock is held: whatever is here is left from an earlier run.
    let _ = fs::remove_dir_all(dir);
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let pid = std::process::id();
    write_atomically(&dir.join("pending"), &format!("{pid}\n{run_id}\n"))
        .map_err(|e| format!("cannot write {}: {e}", dir.join("pending").display()))?;
    let netns = tools
        .netns
        .as_ref()
        .map(|n| format!(" --netns {}", shell_word(n)))
        .unwrap_or_default();
    let confirm_command = format!("{}{netns} confirm", shell_word(&io.binary));
    if ask {
        let _ = write!(
            io.err,
            "Keep the new rules? Check that you can still open new connections to this host. \
             Without `y` within {seconds} s the previous rules come back \
             (or from another session: `{confirm_command}`). [y/N] "
        );
    } else {
        let typed = if io.stdin_is_terminal {
            "type `y` here, or "
        } else {
            ""
        };
        let _ = writeln!(
            io.err,
            "Keep the new rules? Within {seconds} s {typed}run `{confirm_command}` from another session (or `kill -USR1 {pid}`); otherwise the previous rules come back."
        );
    }
    let _ = io.err.flush();
    let (tx, rx) = std::sync::mpsc::channel();
    if io.stdin_is_terminal {
        let read_line = io.read_line;
        std::thread::spawn(move || {
            // End of input (a closed terminal) says nothing: the wait runs out.
            if let Some(line) = read_line() {
                let _ = tx.send(is_yes(&line));
            }
        });
    }
    let mine = |text: &str| text.lines().next().map(str::trim) == Some(run_id);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    // After the question, what comes next starts on a line of its own unless the answer,
    // typed with its Enter, already did that.
    let end_question = |io: &mut Io<'_>| {
        if ask {
            let _ = writeln!(io.err);
        }
    };
    let confirmed = loop {
        if fs::read_to_string(dir.join("confirmed")).is_ok_and(|t| mine(&t))
            || system::CONFIRMED_BY_SIGNAL.load(Ordering::SeqCst)
        {
            end_question(io);
            break true;
        }
        match rx.try_recv() {
            Ok(true) => break true,
            Ok(false) => {
                let _ = writeln!(io.err, "not confirmed: restoring the previous rules");
                break false;
            }
            Err(_) => {}
        }
        if interrupted() {
            end_question(io);
            let _ = writeln!(io.err, "interrupted: restoring the previous rules");
            break false;
        }
        if Instant::now() >= deadline {
            end_question(io);
            let _ = writeln!(io.err, "no confirmation within {seconds} s");
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Ok(confirmed)
}

/// `confirm`: tells the waiting `apply --confirm` (that run only) to keep its rules and
/// reports its answer.
pub(crate) fn confirm(tools: &Tools, io: &mut Io<'_>) -> u8 {
    let dir = system::state_dir(&io.program, tools.netns.as_deref());
    let pending = fs::read_to_string(dir.join("pending")).unwrap_or_default();
    let mut lines = pending.lines().map(str::trim);
    let (pid, run_id) = match (lines.next(), lines.next()) {
        (Some(pid), Some(run_id)) if !pid.is_empty() && !run_id.is_empty() => {
            (pid.to_string(), run_id.to_string())
        }
        _ => {
            let _ = writeln!(
                io.err,
                "no `apply --confirm` is waiting (nothing pending in {})",
                dir.display()
            );
            return EXIT_FAILED;
        }
    };
    if !Path::new("/proc").join(&pid).exists() {
        let _ = writeln!(
            io.err,
            "the `apply --confirm` that was waiting (pid {pid}) is gone"
        );
        return EXIT_FAILED;
    }
    // The run is named, so a later run can never take this confirmation as its own.
    if let Err(e) = write_atomically(&dir.join("confirmed"), &format!("{run_id}\n")) {
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
            let result = result.trim();
            let answer = result
                .strip_prefix(run_id.as_str())
                .map(str::trim)
                .unwrap_or("finished without it");
            let _ = fs::remove_dir_all(&dir);
            return if answer == "kept" {
                let _ = writeln!(io.out, "confirmed: the new rules stay");
                EXIT_OK
            } else {
                let _ = writeln!(io.err, "too late: {answer}");
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
        if let Err(e) = tables.restore(&scratch_options(tools, tables, ns.name())) {
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
        // Other software's chains and jumps, in tables that preserve them, are no difference.
        let desired = select_tables(&normalise(&owned_rules(&desired, tables)), &names);
        let running = select_tables(&normalise(&owned_rules(&running, tables)), &names);
        differ |= write_diff(&running, &desired, family, colour, io);
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
