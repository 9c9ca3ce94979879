//! `apply` on a terminal, with stand-in save and restore programs (no root, no kernel): it
//! asks, `y`/`yes` keep the new rules, anything else brings the previous ones back, `--yes`
//! does not ask.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use pyptables_catalog::Family;

use super::{run_inner, Io};
use crate::firewall::Firewall;
use crate::model::Tables;
use crate::Rule;

/// A directory with stand-ins for the four programs; the restore programs append their
/// arguments to `log`, one line per run.
struct StandIns {
    dir: PathBuf,
}

impl StandIns {
    fn new(name: &str) -> StandIns {
        let dir = std::env::temp_dir().join(format!(
            "pyptables-apply-unit-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("run")).unwrap();
        let write = |file: &str, body: String| {
            let path = dir.join(file);
            fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        };
        write(
            "save",
            "printf '*filter\\n:INPUT ACCEPT [0:0]\\n:FORWARD ACCEPT [0:0]\\n:OUTPUT ACCEPT [0:0]\\nCOMMIT\\n'\n".into(),
        );
        write(
            "restore",
            format!("cat >/dev/null\necho \"$*\" >> '{}/log'\n", dir.display()),
        );
        StandIns { dir }
    }

    fn args(&self, rest: &[&str]) -> Vec<std::ffi::OsString> {
        let p = |f: &str| self.dir.join(f).into_os_string();
        let mut a: Vec<std::ffi::OsString> = vec!["unit-firewall".into()];
        for (flag, file) in [
            ("--iptables-restore", "restore"),
            ("--ip6tables-restore", "restore"),
            ("--iptables-save", "save"),
            ("--ip6tables-save", "save"),
        ] {
            a.push(flag.into());
            a.push(p(file));
        }
        a.extend(rest.iter().map(|s| s.into()));
        a
    }

    fn log(&self) -> Vec<String> {
        fs::read_to_string(self.dir.join("log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for StandIns {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn firewall() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    v4.table_or_default("filter").unwrap()["INPUT"].push(Rule::new().in_interface("lo").accept());
    Firewall::from_tables(v4, Tables::new(Family::V6))
}

/// Runs `apply` as if on a terminal where `answer` is typed; (status, stdout, stderr).
fn on_terminal(
    s: &StandIns,
    args: &[&str],
    answer: fn() -> Option<String>,
) -> (u8, String, String) {
    // The lock and the confirmation state go to the stand-ins' directory, not /run.
    std::env::set_var("PYPTABLES_RUN_DIR", s.dir.join("run"));
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = run_inner(
        &firewall(),
        s.args(args),
        Io {
            out: &mut out,
            err: &mut err,
            out_is_terminal: true,
            stdin_is_terminal: true,
            program: String::new(),
            binary: String::new(),
            read_line: answer,
        },
    );
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// One test, since they share `PYPTABLES_RUN_DIR`.
#[test]
fn apply_on_a_terminal_asks_and_only_y_or_yes_keep_the_rules() {
    let s = StandIns::new("ask");
    for answer in [|| Some("y\n".to_string()), || Some(" YES \n".to_string())] {
        let (code, out, err) = on_terminal(&s, &["apply"], answer);
        assert_eq!(code, 0, "{out}{err}");
        assert!(err.contains("Keep the new rules?"), "{err}");
        assert!(err.contains("[y/N]"), "{err}");
        assert!(out.ends_with("confirmed: the new rules stay\n"), "{out}");
    }
    // The new rules and nothing else: no rollback ran.
    assert!(
        s.log()
            .iter()
            .all(|l| l == "--wait" || l.contains("--test")),
        "{:?}",
        s.log()
    );

    for answer in [
        || Some("n\n".to_string()),
        || Some("\n".to_string()),
        || Some("yes please\n".to_string()),
    ] {
        let before = s.log().len();
        let (code, out, err) = on_terminal(&s, &["apply"], answer);
        assert_eq!(code, 1, "{out}{err}");
        assert!(
            err.contains("not confirmed: restoring the previous rules"),
            "{err}"
        );
        assert!(
            err.contains("rolled back: the previous IPv4 rules are back"),
            "{err}"
        );
        assert_eq!(s.log()[before..].last().unwrap(), "--wait --counters");
    }

    // --yes: no question, the rules stay.
    let before = s.log().len();
    let (code, out, err) = on_terminal(&s, &["apply", "--yes"], || panic!("asked"));
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(s.log()[before..].last().unwrap(), "--wait");

    // Typing is offered with --confirm too; a program not on PATH is named as it was started.
    let (_, _, err) = on_terminal(&s, &["apply", "--confirm", "1"], || None);
    assert!(
        err.contains("Within 1 s type `y` here, or run `unit-firewall confirm`"),
        "{err}"
    );
    assert!(err.contains("no confirmation within 1 s"), "{err}");
}
