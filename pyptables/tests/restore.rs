//! Applying, without root: `Backend::Path` points `restore` at small stand-in scripts that
//! record what they were given and answer like `iptables-restore` does.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pyptables::{
    default_tables, default_tables_v6, Backend, Family, Firewall, RestoreError, RestoreOptions,
    Rule, Table, Tables,
};

/// Held while a script is written and run. A file still open for writing in one thread is
/// inherited by a process another thread forks, and executing it then fails with "Text file
/// busy"; running these tests one at a time avoids that.
static SERIAL: Mutex<()> = Mutex::new(());

/// A scratch directory with a stand-in `iptables-restore`, removed on drop.
struct StandIn {
    dir: PathBuf,
}

impl StandIn {
    /// A script that saves its arguments and standard input, prints `stderr` to standard
    /// error and exits with `status`.
    fn new(name: &str, stderr: &str, status: i32) -> StandIn {
        let dir = std::env::temp_dir().join(format!(
            "pyptables-restore-test-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        let script = format!(
            "#!/bin/sh\n\
             for a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{dir}/args'\n\
             cat > '{dir}/stdin'\n\
             echo run >> '{dir}/runs'\n\
             printf '%s\\n' '{stderr}' >&2\n\
             exit {status}\n",
            dir = dir.display(),
        );
        let path = dir.join("iptables-restore");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        StandIn { dir }
    }

    fn options(&self) -> RestoreOptions {
        RestoreOptions {
            backend: Backend::Path(self.program()),
            ..RestoreOptions::default()
        }
    }

    fn program(&self) -> PathBuf {
        self.dir.join("iptables-restore")
    }

    fn read(&self, file: &str) -> Option<String> {
        fs::read_to_string(self.dir.join(file)).ok()
    }

    fn args(&self) -> Vec<String> {
        self.read("args")
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn runs(&self) -> usize {
        self.read("runs").map_or(0, |r| r.lines().count())
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Only the filter table, so that line numbers are easy to count by hand:
/// 1 `*filter`, 2 `:INPUT`, 3 `:FORWARD`, 4 `:OUTPUT`, 5 and 6 the INPUT rules,
/// 7 the FORWARD rule, 8 `COMMIT`.
fn filter_only() -> (Tables, u32, u32) {
    let mut tables = Tables::new(Family::V4);
    let filter = tables.add(Table::with_builtin_chains("filter").unwrap());
    filter["INPUT"].push(Rule::new().in_interface("lo").accept());
    let input_line = line!() + 1;
    filter["INPUT"].push(Rule::new().proto("tcp").dport(22).accept());
    let forward_line = line!() + 1;
    filter["FORWARD"].push(Rule::new().drop());
    (tables, input_line, forward_line)
}

#[test]
fn the_ruleset_goes_to_standard_input_with_wait() {
    let _l = lock();
    let stand_in = StandIn::new("stdin", "", 0);
    let (tables, _, _) = filter_only();
    tables.restore(&stand_in.options()).unwrap();
    assert_eq!(stand_in.read("stdin").unwrap(), tables.to_iptables_plain());
    assert_eq!(stand_in.args(), ["--wait"]);
    assert_eq!(stand_in.runs(), 1);
}

#[test]
fn test_and_noflush_are_passed_and_wait_can_be_turned_off() {
    let _l = lock();
    let stand_in = StandIn::new("flags", "", 0);
    let (tables, _, _) = filter_only();
    let options = RestoreOptions {
        test: true,
        noflush: true,
        ..stand_in.options()
    };
    tables.restore(&options).unwrap();
    assert_eq!(stand_in.args(), ["--test", "--noflush", "--wait"]);
    let options = RestoreOptions {
        wait: false,
        ..stand_in.options()
    };
    tables.restore(&options).unwrap();
    assert!(stand_in.args().is_empty(), "{:?}", stand_in.args());
}

#[test]
fn legacy_line_failed_names_the_rule_and_its_origin() {
    let _l = lock();
    let stand_in = StandIn::new("legacy", "iptables-restore: line 6 failed", 1);
    let (tables, input_line, _) = filter_only();
    let err = tables.restore(&stand_in.options()).unwrap_err();
    match &err {
        RestoreError::Rejected {
            program,
            line,
            rule,
            message,
        } => {
            assert_eq!(program, &stand_in.program());
            assert_eq!(*line, Some(6));
            assert_eq!(message, "iptables-restore: line 6 failed");
            let rule = rule.as_ref().expect("line 6 is a rule");
            assert_eq!(rule.table, "filter");
            assert_eq!(rule.chain.as_deref(), Some("INPUT"));
            assert_eq!(rule.index, Some(1));
            assert_eq!((rule.origin.file, rule.origin.line), (file!(), input_line));
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
    let shown = err.to_string();
    assert!(
        shown.contains(&format!("{}:{input_line}", file!())),
        "the message names the source line: {shown}"
    );
    assert!(shown.contains("INPUT rule 2"), "{shown}");
}

#[test]
fn nft_messages_are_mapped_the_same_way() {
    let _l = lock();
    let stand_in = StandIn::new(
        "nft",
        "iptables-restore v1.8.9 (nf_tables): line 7: RULE_APPEND failed (Invalid argument): rule in chain FORWARD",
        1,
    );
    let (tables, _, forward_line) = filter_only();
    match tables.restore(&stand_in.options()).unwrap_err() {
        RestoreError::Rejected {
            line: Some(7),
            rule: Some(rule),
            ..
        } => {
            assert_eq!(rule.chain.as_deref(), Some("FORWARD"));
            assert_eq!(rule.index, Some(0));
            assert_eq!(rule.origin.line, forward_line);
        }
        other => panic!("expected Rejected at line 7, got {other:?}"),
    }
}

#[test]
fn chain_and_commit_lines_map_to_the_chain_and_the_table() {
    let _l = lock();
    let (tables, _, _) = filter_only();
    let stand_in = StandIn::new("chainline", "iptables-restore: line 3 failed", 1);
    match tables.restore(&stand_in.options()).unwrap_err() {
        RestoreError::Rejected { rule: Some(r), .. } => {
            assert_eq!((r.chain.as_deref(), r.index), (Some("FORWARD"), None));
        }
        other => panic!("{other:?}"),
    }
    drop(stand_in);
    let stand_in = StandIn::new("commit", "iptables-restore: COMMIT expected at line 8", 1);
    match tables.restore(&stand_in.options()).unwrap_err() {
        RestoreError::Rejected {
            line: Some(8),
            rule: Some(r),
            ..
        } => {
            assert_eq!(
                (r.table.as_str(), r.chain.as_deref(), r.index),
                ("filter", None, None)
            );
            assert_eq!(r.origin, tables["filter"].origin());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_message_without_a_line_is_still_rejected() {
    let _l = lock();
    let stand_in = StandIn::new(
        "noline",
        "iptables-restore: unable to initialize table 'filter'",
        2,
    );
    let (tables, _, _) = filter_only();
    match tables.restore(&stand_in.options()).unwrap_err() {
        RestoreError::Rejected {
            line: None,
            rule: None,
            message,
            ..
        } => assert!(message.contains("unable to initialize")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn permission_denied_is_its_own_error() {
    let _l = lock();
    let stand_in = StandIn::new(
        "perm",
        "iptables-restore v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)",
        4,
    );
    let (tables, _, _) = filter_only();
    let err = tables.restore(&stand_in.options()).unwrap_err();
    assert!(
        matches!(&err, RestoreError::PermissionDenied { message, .. } if message.contains("you must be root")),
        "{err:?}"
    );
    assert!(err.to_string().contains("root"), "{err}");
}

#[test]
fn a_missing_program_is_not_found() {
    let _l = lock();
    let (tables, _, _) = filter_only();
    let missing = Path::new("/nonexistent/pyptables-test/iptables-restore");
    let options = RestoreOptions {
        backend: Backend::Path(missing.to_path_buf()),
        ..RestoreOptions::default()
    };
    let err = tables.restore(&options).unwrap_err();
    match &err {
        RestoreError::NotFound { program } => assert_eq!(program, missing),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert!(err.to_string().contains("not found"), "{err}");
}

#[test]
fn invalid_rules_are_refused_before_anything_runs() {
    let _l = lock();
    let stand_in = StandIn::new("invalid", "", 0);
    let mut tables = default_tables();
    let line = line!() + 1;
    tables["filter"]["INPUT"].push(Rule::new().dport(22).accept());
    match tables.restore(&stand_in.options()).unwrap_err() {
        RestoreError::Invalid(errors) => {
            assert_eq!(errors.len(), 1);
            assert_eq!(errors.0[0].origin.line, line);
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_eq!(stand_in.runs(), 0, "the program was not run");

    // skip_validation hands the text over anyway.
    let options = RestoreOptions {
        skip_validation: true,
        ..stand_in.options()
    };
    tables.restore(&options).unwrap();
    assert_eq!(stand_in.runs(), 1);
}

#[test]
fn a_program_that_exits_without_reading_does_not_hang() {
    let _l = lock();
    let dir = std::env::temp_dir().join(format!(
        "pyptables-restore-test-early-{}",
        std::process::id()
    ));
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("iptables-restore");
    fs::write(
        &path,
        "#!/bin/sh\necho 'iptables-restore: line 1 failed' >&2\nexit 1\n",
    )
    .unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    let mut tables = default_tables();
    for i in 0..50_000u32 {
        tables["filter"]["INPUT"].push(Rule::new().comment(format!("rule {i}")).accept());
    }
    let options = RestoreOptions {
        backend: Backend::Path(path),
        skip_validation: true,
        ..RestoreOptions::default()
    };
    let result = tables.restore(&options);
    let _ = fs::remove_dir_all(&dir);
    match result {
        Err(RestoreError::Rejected {
            line: Some(1),
            rule: Some(r),
            ..
        }) => {
            assert_eq!((r.table.as_str(), r.chain, r.index), ("filter", None, None));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_firewall_runs_one_restore_per_family_with_tables() {
    let _l = lock();
    let stand_in = StandIn::new("firewall", "", 0);
    let mut v4 = default_tables();
    v4["filter"]["INPUT"].push(Rule::new().accept());
    let v6 = default_tables_v6();
    Firewall::from_tables(v4.clone(), v6.clone())
        .restore(&stand_in.options())
        .unwrap();
    assert_eq!(stand_in.runs(), 2);
    // The last run was the IPv6 one.
    assert_eq!(stand_in.read("stdin").unwrap(), v6.to_iptables_plain());

    let only_v4 = Firewall::from_tables(v4, Tables::new(Family::V6));
    only_v4.restore(&stand_in.options()).unwrap();
    assert_eq!(stand_in.runs(), 3, "an empty family is skipped");
}

#[test]
fn backend_program_names() {
    use Family::{V4, V6};
    let name = |b: Backend, f| b.restore_program(f).display().to_string();
    assert_eq!(name(Backend::Default, V4), "iptables-restore");
    assert_eq!(name(Backend::Default, V6), "ip6tables-restore");
    assert_eq!(name(Backend::Nft, V4), "iptables-nft-restore");
    assert_eq!(name(Backend::Nft, V6), "ip6tables-nft-restore");
    assert_eq!(name(Backend::Legacy, V4), "iptables-legacy-restore");
    assert_eq!(name(Backend::Legacy, V6), "ip6tables-legacy-restore");
    assert_eq!(name(Backend::Path("/x/r".into()), V6), "/x/r");
    assert_eq!(
        Backend::Legacy
            .save_program(V6)
            .unwrap()
            .display()
            .to_string(),
        "ip6tables-legacy-save"
    );
    assert_eq!(
        Backend::Default
            .save_program(V4)
            .unwrap()
            .display()
            .to_string(),
        "iptables-save"
    );
    assert_eq!(Backend::Path("/x".into()).save_program(V4), None);
    assert_eq!(Backend::default(), Backend::Default);
}

/// A stand-in `iptables-restore` running `body` (after reading its input) in a directory of
/// its own; (the options running it, the directory to remove).
fn script(name: &str, body: &str) -> (RestoreOptions, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "pyptables-restore-test-{name}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join("iptables-restore");
    fs::write(&path, format!("#!/bin/sh\ncat >/dev/null\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    let options = RestoreOptions {
        backend: Backend::Path(path),
        ..RestoreOptions::default()
    };
    (options, dir)
}

#[test]
fn a_hanging_program_is_killed_after_the_timeout() {
    let _l = lock();
    // `sleep` is a child of the script: it too must go, or it would hold the pipes open.
    let (options, dir) = script("hang", "sleep 20");
    let options = RestoreOptions {
        timeout: Some(std::time::Duration::from_millis(500)),
        ..options
    };
    let (tables, _, _) = filter_only();
    let start = std::time::Instant::now();
    let err = tables.restore(&options).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert!(matches!(err, RestoreError::TimedOut { .. }), "{err:?}");
    assert!(
        err.to_string()
            .ends_with("did not finish within 0.5 s and was killed"),
        "{err}"
    );
}

#[test]
fn a_program_killed_by_a_signal_is_not_a_rejection() {
    let _l = lock();
    let (options, dir) = script("killed", "kill -TERM $$");
    let (tables, _, _) = filter_only();
    let err = tables.restore(&options).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    assert!(
        matches!(err, RestoreError::Killed { signal: 15, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("was killed by signal 15 (SIGTERM)"),
        "{err}"
    );
}

#[test]
fn a_program_failing_without_a_message_is_not_a_rejection() {
    let _l = lock();
    let (options, dir) = script("silent", "exit 3");
    let (tables, _, _) = filter_only();
    let err = tables.restore(&options).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    assert!(
        matches!(err, RestoreError::Failed { status: 3, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .ends_with("exited with status 3 without a message"),
        "{err}"
    );
}

#[test]
fn the_try_help_line_is_left_out_of_the_message() {
    let _l = lock();
    let (options, dir) = script(
        "tryhelp",
        "printf '%s\\n' 'iptables-restore v1.8.9 (legacy): unknown option \"--bogus\"' 'Error occurred at line: 5' \"Try \\`iptables-restore -h' or 'iptables-restore --help' for more information.\" >&2\nexit 2",
    );
    let (tables, _, _) = filter_only();
    let err = tables.restore(&options).unwrap_err();
    let _ = fs::remove_dir_all(&dir);
    match err {
        RestoreError::Rejected {
            line: Some(5),
            message,
            ..
        } => assert_eq!(
            message,
            "iptables-restore v1.8.9 (legacy): unknown option \"--bogus\"\nError occurred at line: 5"
        ),
        other => panic!("{other:?}"),
    }
}
