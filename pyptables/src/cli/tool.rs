//! The `pyptables` command: the saved-ruleset forms of the per-host commands.
//!
//! `pyptables import` turns an `iptables-save` dump (a file, standard input or the running
//! rules) into the `src/main.rs` of a per-host binary; `pyptables check FILE` runs the
//! per-host `check` on a saved ruleset. Further saved-ruleset commands (`explain`, `lint`,
//! `nft`) are added as variants of [`ToolCommand`], each reading its input with
//! [`read_ruleset`] and handing the [`Firewall`] to the per-host code.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pyptables_catalog::Family;

use super::{commands, system, FamilyArg, Io, ToolArgs, Tools, EXIT_ERROR, EXIT_FAILED, EXIT_OK};
use crate::firewall::Firewall;
use crate::import;
use crate::model::Tables;

#[derive(Parser, Debug)]
#[command(
    name = "pyptables",
    about = "Work with saved iptables rulesets: import one into a per-host firewall program, check one.",
    version
)]
struct ToolCli {
    #[command(subcommand)]
    command: ToolCommand,
}

/// The subcommands; a saved-ruleset command of the per-host CLI is added here.
#[derive(Subcommand, Debug)]
enum ToolCommand {
    /// Print the src/main.rs of a per-host firewall binary holding a saved ruleset
    /// (iptables-save output), written with the firewall! DSL or the builder API.
    Import {
        /// The family of the ruleset: 4 (iptables-save) or 6 (ip6tables-save).
        #[arg(long, value_enum, default_value = "4")]
        family: FamilyArg,
        /// What to write: the firewall! DSL or builder code.
        #[arg(long, value_enum, default_value = "dsl")]
        to: ToLanguage,
        /// Read the running rules (with iptables-save) instead of a file.
        #[arg(long, conflicts_with = "file")]
        running: bool,
        /// With --running: read the rules of this network namespace.
        #[arg(long, value_name = "NAME", requires = "running")]
        netns: Option<String>,
        /// The saved ruleset; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
    /// Check a saved ruleset as a per-host binary's `check` does: read it, every static
    /// check, then (as root) a load into a scratch network namespace.
    Check {
        /// The family of the ruleset.
        #[arg(long, value_enum, default_value = "4")]
        family: FamilyArg,
        /// Do not load into a scratch namespace; use iptables-restore --test.
        #[arg(long)]
        no_netns: bool,
        /// The saved ruleset; `-` reads standard input.
        file: PathBuf,
        #[command(flatten)]
        tools: ToolArgs,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum ToLanguage {
    Dsl,
    Builder,
}

/// Runs the `pyptables` command with the process's arguments.
pub fn tool_main() -> ExitCode {
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr();
    let code = run_tool_with_args(std::env::args_os(), &mut out, &mut err);
    let _ = out.flush();
    ExitCode::from(code)
}

/// Runs the `pyptables` command with `args` (the first is the program name), writing to
/// `out` and `err`; returns the exit status (0 ok, 1 problems found, 2 usage or input error).
pub fn run_tool_with_args<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> u8
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match ToolCli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = e.render().to_string();
            return if e.use_stderr() {
                let _ = write!(err, "{text}");
                EXIT_ERROR
            } else {
                let _ = write!(out, "{text}");
                EXIT_OK
            };
        }
    };
    match cli.command {
        ToolCommand::Import {
            family,
            to,
            running,
            netns,
            file,
        } => {
            let family = Family::from(family);
            let text = if running {
                let tools = Tools::from_args(&ToolArgs {
                    netns: netns.clone(),
                    ..ToolArgs::default()
                });
                match system::save(&tools, family, netns.as_deref()) {
                    Ok(t) => t,
                    Err(e) => {
                        let _ = writeln!(err, "error: {e}");
                        return EXIT_ERROR;
                    }
                }
            } else {
                match read_input(file.as_ref()) {
                    Ok(t) => t,
                    Err(e) => {
                        let _ = writeln!(err, "error: {e}");
                        return EXIT_ERROR;
                    }
                }
            };
            let what = file
                .as_ref()
                .map_or("<stdin>".into(), |f| f.display().to_string());
            let imported = match import::parse(&text, family) {
                Ok(i) => i,
                Err(e) => {
                    let _ = writeln!(err, "error: {what}:{e}");
                    return EXIT_FAILED;
                }
            };
            // What the catalog refuses stops the generated program from building (DSL) or
            // running (builder): say so now, with the input lines.
            if let Err(problems) = imported.tables.validate() {
                for p in problems.iter() {
                    let _ = writeln!(err, "warning: {what}: {p}");
                }
                let _ = writeln!(
                    err,
                    "warning: the program below reports these too; fix them in it or in {what}"
                );
            }
            let source = match to {
                ToLanguage::Dsl => import::to_dsl(&imported),
                ToLanguage::Builder => Ok(import::to_builder(&imported)),
            };
            match source {
                Ok(s) => {
                    let _ = write!(out, "{s}");
                    EXIT_OK
                }
                Err(e) => {
                    let _ = writeln!(err, "error: {what}:{e}");
                    EXIT_FAILED
                }
            }
        }
        ToolCommand::Check {
            family,
            no_netns,
            file,
            tools,
        } => {
            let family = Family::from(family);
            let fw = match read_ruleset(Some(&file), family) {
                Ok(fw) => fw,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    return EXIT_FAILED;
                }
            };
            let mut io = Io {
                out,
                err,
                out_is_terminal: false,
                stdin_is_terminal: false,
                program: "pyptables".into(),
                binary: "pyptables".into(),
                read_line: || None,
            };
            commands::check(&fw, &Tools::from_args(&tools), no_netns, &mut io)
        }
    }
}

fn read_input(file: Option<&PathBuf>) -> Result<String, String> {
    match file {
        Some(f) if f.as_os_str() != "-" => {
            std::fs::read_to_string(f).map_err(|e| format!("cannot read `{}`: {e}", f.display()))
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(text)
        }
    }
}

/// Reads a saved ruleset of `family` from `file` (`-` or `None`: standard input) into a
/// [`Firewall`] whose other family is empty; errors name the file and the line.
pub fn read_ruleset(file: Option<&PathBuf>, family: Family) -> Result<Firewall, String> {
    let text = read_input(file)?;
    let what = file.map_or("<stdin>".into(), |f| f.display().to_string());
    let tables = Tables::parse_save(&text, family).map_err(|e| format!("{what}:{e}"))?;
    Ok(match family {
        Family::V4 => Firewall::from_tables(tables, Tables::new(Family::V6)),
        Family::V6 => Firewall::from_tables(Tables::new(Family::V4), tables),
    })
}
