//! A command-line front end for per-host firewall binaries.
//!
//! ```no_run
//! use pyptables::{default_tables, Firewall, Policy, Rule, Tables};
//!
//! fn main() -> std::process::ExitCode {
//!     let mut v4 = default_tables();
//!     v4["filter"]["INPUT"].set_policy(Policy::Drop).unwrap();
//!     v4["filter"]["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
//!     pyptables::cli::run(Firewall::from_tables(v4, Tables::new(pyptables::Family::V6)))
//! }
//! ```
//!
//! The binary then offers `print` (the default), `check`, `apply` (with rollback and
//! `--confirm SECONDS`), `confirm`, `diff` and `save`; `--help` lists options and exit codes,
//! `--version` names the program and the pyptables version.
//!
//! - `apply` takes a lock (one apply at a time per network namespace, `flock` on
//!   `$PYPTABLES_RUN_DIR/pyptables-apply[@<netns>].lock`, default under `/run`), saves the
//!   running rules of the tables it changes with their counters (`iptables-save --counters`)
//!   and checks that they would load back (`iptables-restore --test`) before changing
//!   anything. It then loads IPv4 then IPv6 (each load atomic); if IPv6 fails it loads the
//!   saved IPv4 rules back with `--counters`. A table the new rules create that did not exist
//!   before comes back empty (built-in chains, ACCEPT policies), since iptables cannot delete
//!   a table. Every save and restore program is killed after `--restore-timeout` seconds.
//! - From the first change to the kernel until the rules are confirmed or the previous ones
//!   are back, SIGHUP is ignored (a dropped SSH session still ends in a rollback) and SIGINT,
//!   SIGTERM or SIGQUIT roll back (a load under way finishes first; the programs run in their
//!   own process group, so a Ctrl-C does not reach them).
//! - `apply --confirm SECONDS` then waits in `$PYPTABLES_RUN_DIR/pyptables-<program>[@<netns>]`
//!   for `confirm` (which names the run it confirms), for `y`/`yes` typed on a terminal, or for
//!   SIGUSR1. On a terminal, `apply` alone asks like `iptables-apply` (10 s); `--yes` skips
//!   the question.
//! - `diff` loads the rules into a scratch network namespace and compares what
//!   `iptables-save` prints there with the running rules, for the tables the firewall names,
//!   without comments and counters.
//! - `print` validates first, and starts each family's rules with a comment line naming the
//!   program and the version. `iptables-restore` reads one family: loading a stream that holds
//!   both would replace the IPv4 rules with the IPv6 ones, so when both families have rules
//!   only a terminal gets both; a pipe or file needs `--family`.
//! - `check` and `print` list every unchecked raw rule (`Rule::raw_unchecked`,
//!   `raw unchecked "…"`) on stderr with its source line and what the catalog does not know
//!   in it: only the kernel's load (`check`'s scratch namespace) checks such a rule.
//! - The scratch namespace of `check` and `diff` (see `scratch`) gets the ipsets the rules
//!   name, copied from the host or `--netns` namespace, and is deleted also when SIGINT,
//!   SIGTERM or SIGHUP end the run.
//! - `save` writes each family's rules where the distribution's boot scripts read them (see
//!   `save`), atomically.

#[cfg(test)]
mod apply_tests;
mod commands;
mod explain;
mod lint;
mod nft;
mod save;
mod scratch;
mod system;
mod tool;

pub use tool::{read_ruleset, run_tool_with_args, tool_main};

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use pyptables_catalog::Family;

use crate::firewall::Firewall;
use crate::restore::Backend;

/// Exit status: success (same rules for `diff`, confirmed for `apply --confirm`).
pub const EXIT_OK: u8 = 0;
/// Exit status: the rules have problems, were rejected (the running rules are unchanged), were
/// not confirmed (the previous rules are back), or differ (`diff`).
pub const EXIT_FAILED: u8 = 1;
/// Exit status: usage error, or a tool could not be run (not root, iptables missing, …).
pub const EXIT_ERROR: u8 = 2;
/// Exit status: a rollback failed; the running rules may be neither the old nor the new ones.
pub const EXIT_ROLLBACK_FAILED: u8 = 3;

const EXIT_CODES: &str = "\
Exit status:
  0  success; `diff`: the running rules equal these; `apply --confirm`: confirmed
  1  the rules have problems (`check`, `print`, `save`), were rejected (the running
     rules are unchanged), were not confirmed in time or interrupted (the previous rules
     are back), or differ (`diff`)
  2  usage error, or a tool could not be run (not root, iptables missing, another apply
     running, a program killed or timed out: `apply` then put the previous rules back)
  3  a rollback failed: the running rules may be neither the old nor the new ones

Without a command, `print` runs.";

/// The command line.
#[derive(Parser, Debug)]
#[command(
    about = "Print, check, apply or compare this host's firewall (iptables and ip6tables rules).",
    after_help = EXIT_CODES,
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    print: PrintArgs,

    #[command(flatten)]
    tools: ToolArgs,

    #[command(flatten)]
    engine: nft::EngineArgs,

    /// Print the program's name and the pyptables version it was built with
    #[arg(short = 'V', long)]
    version: bool,
}

/// Options that select which programs run, and where.
#[derive(Args, Debug, Clone, Default)]
struct ToolArgs {
    /// Run every iptables program inside the network namespace NAME (`ip netns exec NAME`);
    /// `check` and `diff` still load into a scratch namespace, with NAME's ipsets
    #[arg(long, global = true, value_name = "NAME")]
    netns: Option<String>,
    /// Which iptables implementation [default: the system's `iptables-restore`]
    #[arg(long, global = true, value_enum)]
    backend: Option<BackendArg>,
    /// The program loading IPv4 rules, instead of the backend's
    #[arg(long, global = true, value_name = "PATH")]
    iptables_restore: Option<PathBuf>,
    /// The program loading IPv6 rules, instead of the backend's
    #[arg(long, global = true, value_name = "PATH")]
    ip6tables_restore: Option<PathBuf>,
    /// The program saving IPv4 rules, instead of the backend's
    #[arg(long, global = true, value_name = "PATH")]
    iptables_save: Option<PathBuf>,
    /// The program saving IPv6 rules, instead of the backend's
    #[arg(long, global = true, value_name = "PATH")]
    ip6tables_save: Option<PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum BackendArg {
    /// nf_tables (`iptables-nft-restore`)
    Nft,
    /// the legacy x_tables backend (`iptables-legacy-restore`)
    Legacy,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the rules in iptables-restore format (the default command)
    Print(PrintArgs),
    /// Check the rules: every static check, then the kernel's verdict in a scratch network
    /// namespace (as root) without touching the running rules
    Check {
        /// Do not load into a scratch namespace even as root; only `iptables-restore --test`
        /// (which does not ask the kernel)
        #[arg(long)]
        no_netns: bool,
        #[command(flatten)]
        lint: lint::LintArgs,
    },
    /// Apply the rules, IPv4 then IPv6, each atomically; the previous rules come back on a
    /// failure, on SIGINT/SIGTERM and, on a terminal or with --confirm, without a `y`
    Apply {
        /// After applying, wait SECONDS (1 to 86400) for a confirmation (`y` typed on the
        /// terminal, the `confirm` command, or SIGUSR1); without one, or on SIGINT/SIGTERM,
        /// restore the previous rules exactly, counters included [default on a terminal: 10]
        #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86400))]
        confirm: Option<u64>,
        /// Do not ask on a terminal whether to keep the new rules (as when not on a terminal)
        #[arg(long, short, conflicts_with = "confirm")]
        yes: bool,
        /// Kill a save or restore program that runs longer than SECONDS (1 to 3600) and put
        /// the previous rules back
        #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        restore_timeout: u64,
        /// Replace a table that holds chains of other software (Docker, fail2ban, Kubernetes,
        /// …) even though the firewall does not `preserve` them: they are deleted
        #[arg(long)]
        replace_foreign: bool,
    },
    /// Confirm an `apply --confirm` that is waiting (from a second session)
    Confirm,
    /// Show how the running rules differ from these (exit 0 same, 1 different, 2 error)
    Diff {
        /// Only this family
        #[arg(long, value_enum)]
        family: Option<FamilyArg>,
        /// Colour the diff
        #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
        color: ColorArg,
    },
    /// Write the rules to the files the distribution loads at boot, atomically
    Save(save::SaveArgs),
    /// Which rule decides a packet, offline, with its source line (exit 1: cannot be decided)
    Explain(explain::ExplainArgs),
}

/// Options of `print`.
#[derive(Args, Debug, Clone, Default)]
struct PrintArgs {
    /// Only the header line and what iptables-restore needs: no comments naming the source of
    /// each rule
    #[arg(long)]
    plain: bool,
    /// Colour the output
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    color: ColorArg,
    /// Number the lines as iptables-restore counts them in the errors `apply` and `check`
    /// report (the header line is not counted)
    #[arg(long)]
    line_numbers: bool,
    /// Only this family. Needed when the firewall has rules for both and the output is not a
    /// terminal: iptables-restore reads one family, and the other would replace it
    #[arg(long, value_enum)]
    family: Option<FamilyArg>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
enum ColorArg {
    /// only when writing to a terminal and NO_COLOR is not set
    #[default]
    Auto,
    /// always
    Always,
    /// never
    Never,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum FamilyArg {
    /// IPv4 (iptables)
    #[value(name = "4")]
    V4,
    /// IPv6 (ip6tables)
    #[value(name = "6")]
    V6,
}

impl From<FamilyArg> for Family {
    fn from(f: FamilyArg) -> Family {
        match f {
            FamilyArg::V4 => Family::V4,
            FamilyArg::V6 => Family::V6,
        }
    }
}

/// Where output goes and what the process is attached to.
pub(crate) struct Io<'a> {
    pub(crate) out: &'a mut dyn Write,
    pub(crate) err: &'a mut dyn Write,
    /// Whether `out` is a terminal (for `--color auto`).
    pub(crate) out_is_terminal: bool,
    /// Whether standard input and standard error are terminals: someone can read `apply`'s
    /// question and type the answer.
    pub(crate) stdin_is_terminal: bool,
    /// The program's name, for the confirmation state directory and messages.
    pub(crate) program: String,
    /// The program's full path (or its name if it cannot be found), for commands to copy.
    pub(crate) binary: String,
    /// Reads one answer typed on the terminal (`None` at its end); only called when
    /// `stdin_is_terminal`, from a thread of its own.
    pub(crate) read_line: fn() -> Option<String>,
}

fn read_stdin_line() -> Option<String> {
    let mut line = String::new();
    match std::io::stdin().read_line(&mut line) {
        Ok(1..) => Some(line),
        _ => None,
    }
}

/// Runs the command line of the process on `fw` and returns its exit status.
///
/// This is the whole `main` of a per-host firewall binary.
#[must_use]
pub fn run(fw: Firewall) -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let out_is_terminal = std::io::stdout().is_terminal();
    let stdin_is_terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let code = run_inner(
        &fw,
        std::env::args_os().collect(),
        Io {
            out: &mut out,
            err: &mut err,
            out_is_terminal,
            stdin_is_terminal,
            program: String::new(),
            binary: String::new(),
            read_line: read_stdin_line,
        },
    );
    let _ = out.flush();
    ExitCode::from(code)
}

/// Runs `args` (the first is the program name) on `fw`, writing to `out` and `err`, and
/// returns the exit status ([`EXIT_OK`], [`EXIT_FAILED`], [`EXIT_ERROR`],
/// [`EXIT_ROLLBACK_FAILED`]).
///
/// Output is treated as not a terminal (`--color auto` does not colour, and `print` of a
/// firewall with rules for both families needs `--family`) and standard input is not read.
pub fn run_with_args<I, T>(fw: &Firewall, args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    run_inner(
        fw,
        args.into_iter().map(Into::into).collect(),
        Io {
            out,
            err,
            out_is_terminal: false,
            stdin_is_terminal: false,
            program: String::new(),
            binary: String::new(),
            read_line: read_stdin_line,
        },
    )
}

fn run_inner(fw: &Firewall, args: Vec<OsString>, mut io: Io<'_>) -> u8 {
    io.program = args
        .first()
        .map(|a| {
            std::path::Path::new(a)
                .file_name()
                .unwrap_or(a.as_os_str())
                .to_string_lossy()
                .into_owned()
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "firewall".into());
    io.binary = args
        .first()
        .map(|a| binary_path(a).display().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| io.program.clone());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                let _ = write!(io.err, "{text}");
                EXIT_ERROR
            } else {
                // --help
                let _ = write!(io.out, "{text}");
                EXIT_OK
            };
        }
    };
    if cli.version {
        let _ = writeln!(io.out, "{}", program_and_version(&io.program));
        return EXIT_OK;
    }
    if let Some(e) = stray_print_option(&cli) {
        let _ = writeln!(io.err, "error: {e}");
        return EXIT_ERROR;
    }
    let tools = Tools::from_args(&cli.tools);
    if cli.engine.engine == nft::EngineArg::Nftables {
        if let Some(code) = nft::dispatch(fw, &cli, &tools, &mut io) {
            let _ = io.out.flush();
            let _ = io.err.flush();
            return code;
        }
    }
    let code = match cli.command {
        None => print(fw, &cli.print, &mut io),
        Some(Command::Print(p)) => print(fw, &merge(&cli.print, &p), &mut io),
        Some(Command::Check { no_netns, lint }) => lint::check(fw, &lint, &mut io, |io| {
            commands::check(fw, &tools, no_netns, io)
        }),
        Some(Command::Apply {
            confirm,
            yes,
            restore_timeout,
            replace_foreign,
        }) => {
            let settings = commands::ApplySettings {
                confirm,
                yes,
                restore_timeout: std::time::Duration::from_secs(restore_timeout),
                replace_foreign,
            };
            commands::apply(fw, &tools, &settings, &mut io)
        }
        Some(Command::Confirm) => commands::confirm(&tools, &mut io),
        Some(Command::Diff { family, color }) => {
            let family = family.or(cli.print.family).map(Family::from);
            let color = if color != ColorArg::Auto {
                color
            } else {
                cli.print.color
            };
            let colour = colour_enabled(
                color,
                io.out_is_terminal,
                std::env::var_os("NO_COLOR").as_deref(),
            );
            commands::diff(fw, &tools, family, colour, &mut io)
        }
        Some(Command::Save(args)) => save::save(fw, &cli.tools, &args, &mut io),
        Some(Command::Explain(args)) => explain::explain(fw, &args, &mut io),
    };
    let _ = io.out.flush();
    let _ = io.err.flush();
    code
}

/// The full path of the program started as `argv0`: as given when it has a `/` (made
/// absolute), else the first match on `PATH`, else `argv0`. Symbolic links are kept: the
/// name decides the confirmation state directory.
fn binary_path(argv0: &std::ffi::OsStr) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    use std::path::{Component, Path};
    let given = Path::new(argv0);
    let found = if argv0.as_bytes().contains(&b'/') {
        std::env::current_dir().ok().map(|d| d.join(given))
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(given))
                .find(|p| p.is_absolute() && p.is_file())
        })
    };
    match found {
        Some(p) => p
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .collect(),
        None => given.to_path_buf(),
    }
}

/// An option of `print` written before another command, which would otherwise be ignored
/// without a word (`diff` takes `--family` and `--color` from there too).
fn stray_print_option(cli: &Cli) -> Option<String> {
    let command = match &cli.command {
        None | Some(Command::Print(_)) => return None,
        Some(Command::Diff { .. }) => "diff",
        Some(Command::Check { .. }) => "check",
        Some(Command::Apply { .. }) => "apply",
        Some(Command::Confirm) => "confirm",
        Some(Command::Save(_)) => "save",
        Some(Command::Explain(_)) => "explain",
    };
    let p = &cli.print;
    let diff = command == "diff";
    [
        (p.plain, "--plain"),
        (p.line_numbers, "--line-numbers"),
        (!diff && p.family.is_some(), "--family"),
        (!diff && p.color != ColorArg::Auto, "--color"),
    ]
    .into_iter()
    .find(|(given, _)| *given)
    .map(|(_, flag)| format!("`{flag}` is an option of `print`; `{command}` does not take it"))
}

fn merge(top: &PrintArgs, sub: &PrintArgs) -> PrintArgs {
    PrintArgs {
        plain: top.plain || sub.plain,
        color: if sub.color != ColorArg::Auto {
            sub.color
        } else {
            top.color
        },
        line_numbers: top.line_numbers || sub.line_numbers,
        family: sub.family.or(top.family),
    }
}

/// Whether to colour: `always`/`never` as asked; `auto` only on a terminal and when `NO_COLOR`
/// is unset or empty (<https://no-color.org>).
fn colour_enabled(choice: ColorArg, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// `<program> (pyptables <version>)`, what `--version` prints and the header line names.
fn program_and_version(program: &str) -> String {
    format!("{program} (pyptables {})", env!("CARGO_PKG_VERSION"))
}

/// The comment line that starts each family's rules in `print` and `save`: which program
/// wrote them, with which pyptables, for which restore program. A comment, so the output
/// still loads.
pub(crate) fn header(program: &str, family: Family) -> String {
    let restore = match family {
        Family::V4 => "iptables-restore",
        Family::V6 => "ip6tables-restore",
    };
    format!(
        "# Generated by {} for {restore}\n",
        program_and_version(program)
    )
}

/// The families that have tables, IPv4 first.
pub(crate) fn families(fw: &Firewall) -> Vec<Family> {
    [Family::V4, Family::V6]
        .into_iter()
        .filter(|f| !fw.family(*f).is_empty())
        .collect()
}

/// Prints every validation problem of `families`, one per line, then `N problems found; {what}`;
/// `false` if there were any.
pub(crate) fn report_problems(
    fw: &Firewall,
    families: &[Family],
    what: &str,
    io: &mut Io<'_>,
) -> bool {
    let mut count = 0;
    for family in families {
        if let Err(errors) = fw.family(*family).validate() {
            for e in errors.iter() {
                let _ = writeln!(io.err, "{e}");
            }
            count += errors.len();
        }
    }
    if count > 0 {
        let _ = writeln!(
            io.err,
            "{count} problem{} found; {what}",
            if count == 1 { "" } else { "s" }
        );
    }
    count == 0
}

fn print(fw: &Firewall, args: &PrintArgs, io: &mut Io<'_>) -> u8 {
    let families: Vec<Family> = match args.family {
        Some(family) => {
            let family = Family::from(family);
            if fw.family(family).is_empty() {
                let _ = writeln!(
                    io.err,
                    "error: this firewall has no {family} rules (it leaves {family} as it is): nothing to print"
                );
                return EXIT_ERROR;
            }
            vec![family]
        }
        None => {
            let families = families(fw);
            if families.len() > 1 && !io.out_is_terminal {
                // Both families in one stream: `iptables-restore` would load the IPv6 block
                // after (and instead of) the IPv4 one.
                let _ = writeln!(
                    io.err,
                    "error: this firewall has IPv4 and IPv6 rules, but iptables-restore reads one family \
                     (from one stream, the IPv6 rules would replace the IPv4 ones): choose it with \
                     `--family 4` or `--family 6` (only a terminal gets both), or run `{} save` \
                     to write the file of each family that the boot scripts load",
                    io.program
                );
                return EXIT_ERROR;
            }
            families
        }
    };
    if !report_problems(fw, &families, "nothing was printed", io) {
        return EXIT_FAILED;
    }
    commands::note_unchecked(fw, &families, io);
    let colour = colour_enabled(
        args.color,
        io.out_is_terminal,
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let style = if args.plain {
        crate::Style::Plain
    } else {
        crate::Style::Annotated
    };
    let mut text = String::new();
    for (i, family) in families.iter().enumerate() {
        if i > 0 {
            text.push('\n');
        }
        let header = header(&io.program, *family);
        text.push_str(&if colour {
            crate::colorize(&header)
        } else {
            header
        });
        let mut body = fw.family(*family).render(style);
        // The annotated text starts with a line naming pyptables; the header above names the
        // program too.
        if body.starts_with("# Generated by ") {
            body = body
                .split_once('\n')
                .map(|(_, rest)| rest)
                .unwrap_or("")
                .to_string();
        }
        if colour {
            body = crate::colorize(&body);
        }
        if args.line_numbers {
            body = crate::add_line_numbers(&body);
        }
        text.push_str(&body);
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

/// The programs to run, per family, and the namespace to run them in.
#[derive(Clone, Debug)]
pub(crate) struct Tools {
    pub(crate) netns: Option<String>,
    backend: Backend,
    restore: [Option<PathBuf>; 2],
    save: [Option<PathBuf>; 2],
}

fn index(family: Family) -> usize {
    match family {
        Family::V4 => 0,
        Family::V6 => 1,
    }
}

impl Tools {
    fn from_args(a: &ToolArgs) -> Tools {
        Tools {
            netns: a.netns.clone(),
            backend: match a.backend {
                None => Backend::Default,
                Some(BackendArg::Nft) => Backend::Nft,
                Some(BackendArg::Legacy) => Backend::Legacy,
            },
            restore: [a.iptables_restore.clone(), a.ip6tables_restore.clone()],
            save: [a.iptables_save.clone(), a.ip6tables_save.clone()],
        }
    }

    /// The backend for `family`'s restore program (an override becomes `Backend::Path`).
    pub(crate) fn backend(&self, family: Family) -> Backend {
        match &self.restore[index(family)] {
            Some(p) => Backend::Path(p.clone()),
            None => self.backend.clone(),
        }
    }

    /// The save program for `family`: the override, the backend's, or the restore
    /// override's name with `restore` replaced by `save`.
    pub(crate) fn save_program(&self, family: Family) -> Result<PathBuf, String> {
        if let Some(p) = &self.save[index(family)] {
            return Ok(p.clone());
        }
        if let Some(p) = self.backend.save_program(family) {
            if self.restore[index(family)].is_none() {
                return Ok(p);
            }
        }
        let flag = match family {
            Family::V4 => "--iptables-save",
            Family::V6 => "--ip6tables-save",
        };
        let restore = self.backend(family).restore_program(family);
        let name = restore
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match name.rfind("restore") {
            Some(i) => {
                let save = format!("{}save{}", &name[..i], &name[i + "restore".len()..]);
                Ok(restore.with_file_name(save))
            }
            None => Err(format!(
                "cannot tell which program saves the {family} rules for `{}`; give {flag} PATH",
                restore.display()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn auto_colour_needs_a_terminal_and_no_no_color() {
        assert!(colour_enabled(ColorArg::Auto, true, None));
        assert!(colour_enabled(ColorArg::Auto, true, Some(OsStr::new(""))));
        assert!(!colour_enabled(ColorArg::Auto, true, Some(OsStr::new("1"))));
        assert!(!colour_enabled(ColorArg::Auto, false, None));
        assert!(colour_enabled(
            ColorArg::Always,
            false,
            Some(OsStr::new("1"))
        ));
        assert!(!colour_enabled(ColorArg::Never, true, None));
    }

    #[test]
    fn the_binary_path_is_absolute_and_keeps_the_name() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(binary_path(OsStr::new("./fw")), cwd.join("fw"));
        assert_eq!(
            binary_path(OsStr::new("/usr/sbin/fw")),
            PathBuf::from("/usr/sbin/fw")
        );
        assert_eq!(binary_path(OsStr::new("sh")).file_name().unwrap(), "sh");
        assert!(binary_path(OsStr::new("sh")).is_absolute());
        assert_eq!(
            binary_path(OsStr::new("no-such-program-here")),
            PathBuf::from("no-such-program-here")
        );
    }

    #[test]
    fn a_terminal_gets_both_families_each_under_its_header() {
        let mut v4 = crate::Tables::new(Family::V4);
        v4.table_or_default("filter").unwrap();
        let mut v6 = crate::Tables::new(Family::V6);
        v6.table_or_default("raw").unwrap();
        let fw = Firewall::from_tables(v4, v6);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let io = Io {
            out: &mut out,
            err: &mut err,
            out_is_terminal: true,
            stdin_is_terminal: false,
            program: String::new(),
            binary: String::new(),
            read_line: || None,
        };
        let args = ["/usr/local/sbin/fw", "--plain", "--color", "never"];
        assert_eq!(run_inner(&fw, args.map(OsString::from).to_vec(), io), 0);
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "# Generated by fw (pyptables {v}) for iptables-restore\n\
                 *filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n\
                 \n\
                 # Generated by fw (pyptables {v}) for ip6tables-restore\n\
                 *raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n"
            )
        );
        assert!(err.is_empty());
    }

    #[test]
    fn save_program_follows_the_restore_override() {
        let t = Tools::from_args(&ToolArgs {
            iptables_restore: Some("/opt/xt/sbin/iptables-legacy-restore".into()),
            ..ToolArgs::default()
        });
        assert_eq!(
            t.save_program(Family::V4).unwrap(),
            PathBuf::from("/opt/xt/sbin/iptables-legacy-save")
        );
        assert_eq!(
            t.save_program(Family::V6).unwrap(),
            PathBuf::from("ip6tables-save")
        );
        let t = Tools::from_args(&ToolArgs {
            iptables_restore: Some("/bin/loader".into()),
            ..ToolArgs::default()
        });
        assert!(t
            .save_program(Family::V4)
            .unwrap_err()
            .contains("--iptables-save"));
    }
}
