//! `save`: the rules written to the files that the distribution loads at boot.
//!
//! | layout | loaded by | IPv4 | IPv6 |
//! |---|---|---|---|
//! | `debian` (Debian, Ubuntu) | `netfilter-persistent` (package `iptables-persistent`) | `/etc/iptables/rules.v4` | `/etc/iptables/rules.v6` |
//! | `rhel` (RHEL, Fedora, …) | `iptables.service`, `ip6tables.service` (package `iptables-services`) | `/etc/sysconfig/iptables` | `/etc/sysconfig/ip6tables` |
//!
//! Each file is the plain `iptables-restore` input of one family after a header line naming
//! the program. It is written atomically: a temporary file in the same directory, flushed to
//! disk (fsync), renamed over the old file, then the directory flushed, so a crash leaves the
//! old file or the new one, never half of one. A family the firewall has no tables for is not
//! written (as `apply` leaves that family's running rules alone).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pyptables_catalog::Family;

use crate::firewall::Firewall;

use super::{Io, ToolArgs, EXIT_ERROR, EXIT_FAILED, EXIT_OK};

/// Options of `save`.
#[derive(Args, Debug, Clone)]
pub(crate) struct SaveArgs {
    /// Which distribution's files [default: rhel when /etc/redhat-release or
    /// /etc/sysconfig/iptables-config exists, otherwise debian]
    #[arg(long, value_enum)]
    layout: Option<Layout>,
    /// Write the files into DIR instead of the layout's directory
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Where a distribution's boot scripts read the rules.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// Debian, Ubuntu (iptables-persistent): /etc/iptables/rules.v4 and rules.v6
    Debian,
    /// RHEL, Fedora and relatives (iptables-services): /etc/sysconfig/iptables and ip6tables
    Rhel,
}

impl Layout {
    fn detect() -> Layout {
        if Path::new("/etc/redhat-release").exists()
            || Path::new("/etc/sysconfig/iptables-config").exists()
        {
            Layout::Rhel
        } else {
            Layout::Debian
        }
    }

    fn dir(self) -> &'static Path {
        Path::new(match self {
            Layout::Debian => "/etc/iptables",
            Layout::Rhel => "/etc/sysconfig",
        })
    }

    fn file(self, family: Family) -> &'static str {
        match (self, family) {
            (Layout::Debian, Family::V4) => "rules.v4",
            (Layout::Debian, Family::V6) => "rules.v6",
            (Layout::Rhel, Family::V4) => "iptables",
            (Layout::Rhel, Family::V6) => "ip6tables",
        }
    }

    /// The mode of a new file: what the distribution's own save gives it.
    fn mode(self) -> u32 {
        match self {
            Layout::Debian => 0o640,
            Layout::Rhel => 0o600,
        }
    }

    fn package(self) -> &'static str {
        match self {
            Layout::Debian => "iptables-persistent",
            Layout::Rhel => "iptables-services",
        }
    }
}

/// `save`: validate, then write each family's file atomically.
pub(crate) fn save(fw: &Firewall, tools: &ToolArgs, args: &SaveArgs, io: &mut Io<'_>) -> u8 {
    if let Some(ns) = &tools.netns {
        let _ = writeln!(
            io.err,
            "error: `save` writes files and runs no iptables program, so `--netns {ns}` does not apply to it"
        );
        return super::EXIT_ERROR;
    }
    let families = super::families(fw);
    if families.is_empty() {
        let _ = writeln!(io.err, "nothing to save: the firewall has no tables");
        return EXIT_OK;
    }
    if !super::report_problems(fw, &families, "nothing was written", io) {
        return EXIT_FAILED;
    }
    let layout = args.layout.unwrap_or_else(Layout::detect);
    let dir = args.dir.as_deref().unwrap_or(layout.dir());
    if !dir.is_dir() {
        let _ = writeln!(
            io.err,
            "error: {} does not exist; the rules there are loaded at boot by {} (install it), or give --dir",
            dir.display(),
            layout.package()
        );
        return EXIT_ERROR;
    }
    for family in [Family::V4, Family::V6] {
        let path = dir.join(layout.file(family));
        let tables = fw.family(family);
        if tables.is_empty() {
            let _ = writeln!(
                io.out,
                "{family}: this firewall has no {family} rules; {} is left as it is",
                path.display()
            );
            continue;
        }
        let mut text = super::header(&io.program, family);
        text.push_str(&tables.standalone_text());
        if let Err(e) = write_atomically(&path, text.as_bytes(), layout.mode()) {
            let _ = writeln!(io.err, "error: cannot write {}: {e}", path.display());
            return EXIT_ERROR;
        }
        let names: Vec<&str> = tables.iter().map(|t| t.name()).collect();
        let _ = writeln!(
            io.out,
            "wrote {}: {family}, {} rules in {}",
            path.display(),
            tables.rule_count(),
            names.join(", ")
        );
    }
    if families
        .iter()
        .any(|f| fw.family(*f).iter().any(|t| !t.preserved().is_empty()))
    {
        // At boot the other software has not started yet; a reload later would not keep it.
        let _ = writeln!(
            io.err,
            "note: tables that preserve other software's chains are saved with the firewall's \
             part only, for boot, before that software starts; to change the rules later, use \
             `apply`, which keeps its chains (reloading these files would delete them)"
        );
    }
    let sets = super::scratch::referenced_sets(fw, &families);
    if !sets.is_empty() {
        // The boot scripts load these files as they are: the sets must be there first.
        let _ = writeln!(
            io.err,
            "note: the rules use the ipsets {}; at boot they must exist before these files load ({})",
            sets.join(", "),
            match layout {
                Layout::Debian => "ipset-persistent saves them to /etc/iptables/ipsets",
                Layout::Rhel => "ipset-service saves them to /etc/sysconfig/ipset",
            }
        );
    }
    EXIT_OK
}

/// Replaces `path` with `data` so that a crash leaves either the old or the new file: a
/// temporary file in the same directory (same file system, so the rename is atomic), synced,
/// renamed over `path`, then the directory synced. An existing file keeps its mode; a new one
/// gets `mode`.
fn write_atomically(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mode = match fs::metadata(path) {
        Ok(m) => m.permissions().mode() & 0o7777,
        Err(_) => mode,
    };
    let tmp = dir.join(format!(".{name}.pyptables-{}.tmp", std::process::id()));
    // A temporary file left by a crashed run of this same pid cannot be in use.
    let _ = fs::remove_file(&tmp);
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask may have taken bits away.
        file.set_permissions(fs::Permissions::from_mode(mode))?;
        file.write_all(data)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_the_file_and_keeps_its_mode() {
        let dir = std::env::temp_dir().join(format!("pyptables-save-test-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("rules.v4");
        write_atomically(&path, b"one\n", 0o640).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "one\n");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        write_atomically(&path, b"two\n", 0o640).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two\n");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // Nothing else is left in the directory.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["rules.v4"]);
        fs::remove_dir_all(&dir).unwrap();
    }
}
