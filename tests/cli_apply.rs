//! `apply` of the per-host CLI when things go wrong around it: restore programs that hang, die
//! or fail silently (stand-in shell scripts, no root needed), signals during the load and two
//! applies at once (kernel tests, in namespaces, both backends).
//!
//! Signals need a process of their own: [`child_process`] is this test executable run again
//! (`current_exe`) with the CLI's arguments in `PYPTABLES_TEST_CHILD_ARGS`, so a test can send
//! SIGTERM, SIGINT or SIGHUP to it alone.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pyptables::cli::run_with_args;
use pyptables::{Family, Firewall, Policy, Rule, Tables};
use pyptables_testkit::{require_root_and_iptables, Backend, Netns};

/// Held while scripts are written and run: a script still open for writing in one thread is
/// inherited by a process another thread forks, and executing it then fails ("Text file busy").
static SERIAL: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// The apply lock and confirmation state of every run here (`PYPTABLES_RUN_DIR`, inherited
/// by the child processes): a directory of this test process, not the host's `/run`. Those
/// of test processes that have ended are removed.
fn run_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        for entry in fs::read_dir(std::env::temp_dir())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("pyptables-cli-apply-run-") {
                if !Path::new("/proc").join(pid).exists() {
                    let _ = fs::remove_dir_all(entry.path());
                }
            }
        }
        let dir =
            std::env::temp_dir().join(format!("pyptables-cli-apply-run-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        std::env::set_var("PYPTABLES_RUN_DIR", &dir);
        dir
    })
}

/// IPv4 SSH from one admin address, IPv6 loopback only.
fn desired() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(
        Rule::new()
            .source("192.0.2.1")
            .proto("tcp")
            .dport(22)
            .accept(),
    );
    let mut v6 = Tables::new(Family::V6);
    let input = &mut v6.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(Rule::new().in_interface("lo").accept());
    Firewall::from_tables(v4, v6)
}

/// A scratch directory of stand-in programs, removed on drop.
struct Scripts {
    dir: PathBuf,
}

impl Scripts {
    fn new(name: &str) -> Scripts {
        let dir =
            std::env::temp_dir().join(format!("pyptables-cli-apply-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scripts { dir }
    }

    /// Writes an executable `/bin/sh` script `name` with `body`; `$DIR` in it is this directory.
    fn add(&self, name: &str, body: &str) -> PathBuf {
        let path = self.dir.join(name);
        let body = body.replace("$DIR", &self.dir.display().to_string());
        fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn read(&self, file: &str) -> String {
        fs::read_to_string(self.dir.join(file)).unwrap_or_default()
    }
}

impl Drop for Scripts {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Stand-ins for all four programs: the saves print one empty filter table; the IPv4 restore
/// records each run's arguments (one line per run) in `v4.log`; the IPv6 restore does
/// `v6_new_rules` when given new rules (no `--test`, no `--counters`) and records its runs in
/// `v6.log`.
fn stand_ins(s: &Scripts, v6_new_rules: &str) -> Vec<String> {
    let save = s.add(
        "save",
        "printf '*filter\\n:INPUT ACCEPT [1:2]\\n:FORWARD ACCEPT [0:0]\\n:OUTPUT ACCEPT [0:0]\\nCOMMIT\\n'\n",
    );
    let v4 = s.add(
        "v4-restore",
        "cat >/dev/null\necho \"$*\" >> '$DIR/v4.log'\n",
    );
    let v6 = s.add(
        "v6-restore",
        &format!(
            "echo \"$*\" >> '$DIR/v6.log'\ncase \" $* \" in *' --test '*|*' --counters '*) cat >/dev/null; exit 0;; esac\n{v6_new_rules}\n"
        ),
    );
    let mut args = vec!["--iptables-restore".to_string(), v4.display().to_string()];
    args.extend(["--ip6tables-restore".to_string(), v6.display().to_string()]);
    args.extend(["--iptables-save".to_string(), save.display().to_string()]);
    args.extend(["--ip6tables-save".to_string(), save.display().to_string()]);
    args
}

/// Runs the CLI in this process; (exit status, stdout, stderr).
fn run(args: &[String]) -> (u8, String, String) {
    run_dir();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("web1-firewall".to_string()).chain(args.iter().cloned());
    let code = run_with_args(&desired(), argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn a_hanging_restore_program_is_killed_after_the_timeout_and_ipv4_rolled_back() {
    let _l = lock();
    let s = Scripts::new("hang");
    // The sleep is a child of the script: killing the script alone would leave it holding
    // the output pipes open.
    let mut a = stand_ins(&s, "cat >/dev/null; sleep 20; exit 0");
    a.extend(args(&["apply", "--restore-timeout", "1"]));
    let start = Instant::now();
    let (code, out, err) = run(&a);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("did not finish within 1 s and was killed"),
        "{err}"
    );
    assert!(
        err.contains("rolled back: the previous IPv4 rules are back"),
        "{err}"
    );
    // The new IPv4 rules, then the saved ones with their counters.
    let v4: Vec<String> = s.read("v4.log").lines().map(str::to_string).collect();
    assert_eq!(v4.last().unwrap(), "--wait --counters", "{v4:?}");
}

#[test]
fn a_restore_program_killed_by_a_signal_says_so() {
    let _l = lock();
    let s = Scripts::new("killed");
    let mut a = stand_ins(&s, "cat >/dev/null; kill -9 $$");
    a.push("apply".into());
    let (code, out, err) = run(&a);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("was killed by signal 9 (SIGKILL)"), "{err}");
    assert!(!err.contains("rejected"), "{err}");
    assert!(
        err.contains("rolled back: the previous IPv4 rules are back"),
        "{err}"
    );
}

#[test]
fn a_restore_program_failing_without_a_message_says_so() {
    let _l = lock();
    let s = Scripts::new("silent");
    let mut a = stand_ins(&s, "cat >/dev/null; exit 4");
    a.push("apply".into());
    let (code, out, err) = run(&a);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("exited with status 4 without a message"),
        "{err}"
    );
    assert!(!err.contains("rejected by"), "{err}");
}

#[test]
fn a_rejection_is_shown_without_the_try_help_line() {
    let _l = lock();
    let s = Scripts::new("tryhelp");
    let mut a = stand_ins(
        &s,
        "cat >/dev/null\nprintf '%s\\n' 'ip6tables-restore v1.8.9 (legacy): unknown option \"--bogus\"' 'Error occurred at line: 5' \"Try \\`ip6tables-restore -h' or 'ip6tables-restore --help' for more information.\" >&2\nexit 2",
    );
    a.push("apply".into());
    let (code, out, err) = run(&a);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("unknown option \"--bogus\""), "{err}");
    assert!(!err.contains("Try `"), "{err}");
    assert!(!err.contains("--help"), "{err}");
}

// ---- one process per apply: signals, locks -------------------------------------------------

/// Not a test of its own: the body of the child processes of the tests below. Without
/// `PYPTABLES_TEST_CHILD_ARGS` it does nothing.
#[test]
fn child_process() {
    let Ok(a) = std::env::var("PYPTABLES_TEST_CHILD_ARGS") else {
        return;
    };
    let argv = std::iter::once("web1-firewall").chain(a.split('\x1f'));
    let code = run_with_args(
        &desired(),
        argv,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    std::process::exit(code.into());
}

/// Starts the CLI with `args` as a process of its own; its standard error goes to `stderr`.
fn spawn(args: &[String], stderr: &Path) -> Child {
    run_dir();
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PYPTABLES_TEST_CHILD_ARGS", args.join("\x1f"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(fs::File::create(stderr).unwrap())
        .spawn()
        .unwrap()
}

fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_exit(child: &mut Child, timeout: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            panic!("the apply did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill(child: &Child, signal: libc_signal::Signal) {
    let status = Command::new("kill")
        .arg(format!("-{}", signal.name()))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
}

/// Signal names for `kill(1)`, without a dependency on libc in the tests.
mod libc_signal {
    #[derive(Clone, Copy, Debug)]
    pub enum Signal {
        Hup,
        Int,
        Term,
    }
    impl Signal {
        pub fn name(self) -> &'static str {
            match self {
                Signal::Hup => "HUP",
                Signal::Int => "INT",
                Signal::Term => "TERM",
            }
        }
    }
}
use libc_signal::Signal;

/// The running rules of both families with counters, without `#` lines.
fn running(ns: &Netns, backend: Backend) -> String {
    let mut text = String::new();
    for family in [pyptables_testkit::Family::V4, pyptables_testkit::Family::V6] {
        let out = ns
            .exec_ok(backend.save_bin(family), &["--counters"])
            .unwrap();
        for l in out.lines().filter(|l| !l.starts_with('#')) {
            text.push_str(l);
            text.push('\n');
        }
    }
    text
}

fn old_rules(ns: &Netns, backend: Backend) {
    use pyptables_testkit::Family as F;
    ns.restore(
        backend,
        F::V4,
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 203.0.113.7/32 -j DROP\nCOMMIT\n",
        &[],
    )
    .unwrap();
    ns.restore(
        backend,
        F::V6,
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::7/128 -j DROP\nCOMMIT\n",
        &[],
    )
    .unwrap();
}

/// When a slow restore program sleeps.
#[derive(Clone, Copy)]
enum Slow {
    /// Loading the new rules.
    Load,
    /// Loading the saved rules back (`--counters` without `--test`).
    Rollback,
}

/// The common arguments for `ns` and `backend`, with a restore program for `family` that,
/// at the `when` step, touches `started` and sleeps 2 s before running the real program.
fn slow(
    s: &Scripts,
    ns: &Netns,
    backend: Backend,
    family: pyptables_testkit::Family,
    when: Slow,
) -> Vec<String> {
    let real = backend.restore_bin(family);
    let sleep = "touch '$DIR/started'; sleep 2";
    let cases = match when {
        Slow::Load => format!("*' --test '*|*' --counters '*) ;; *) {sleep};;"),
        Slow::Rollback => format!("*' --test '*) ;; *' --counters '*) {sleep};;"),
    };
    let program = s.add(
        "slow-restore",
        &format!("case \" $* \" in {cases} esac\nexec {real} \"$@\"\n"),
    );
    let b = match backend {
        Backend::Nft => "nft",
        Backend::Legacy => "legacy",
    };
    let (restore, save) = match family {
        pyptables_testkit::Family::V4 => ("--iptables-restore", "--iptables-save"),
        pyptables_testkit::Family::V6 => ("--ip6tables-restore", "--ip6tables-save"),
    };
    args(&["--netns", ns.name(), "--backend", b])
        .into_iter()
        .chain([
            restore.to_string(),
            program.display().to_string(),
            save.to_string(),
            backend.save_bin(family).to_string(),
        ])
        .collect()
}

fn slow_v6(s: &Scripts, ns: &Netns, backend: Backend) -> Vec<String> {
    slow(s, ns, backend, pyptables_testkit::Family::V6, Slow::Load)
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn term_during_the_ipv4_load_stops_before_ipv6() {
    require_root_and_iptables();
    for backend in [Backend::Nft, Backend::Legacy] {
        let ns = Netns::new("apply_sig4").unwrap();
        old_rules(&ns, backend);
        let before = running(&ns, backend);
        let s = Scripts::new(&format!("sig4-{backend}"));
        let mut a = slow(&s, &ns, backend, pyptables_testkit::Family::V4, Slow::Load);
        a.extend(args(&["apply", "--confirm", "30"]));
        let mut child = spawn(&a, &s.dir.join("stderr"));
        wait_for("the IPv4 load", Duration::from_secs(20), || {
            s.dir.join("started").exists()
        });
        kill(&child, Signal::Term);
        let status = wait_exit(&mut child, Duration::from_secs(20));
        let err = s.read("stderr");
        assert_eq!(status.code(), Some(1), "{backend}: {err}");
        assert!(
            err.contains("rolled back: the previous IPv4 rules are back"),
            "{backend}: {err}"
        );
        assert!(
            !err.contains("IPv6"),
            "{backend}: IPv6 was not touched: {err}"
        );
        assert_eq!(running(&ns, backend), before, "{backend}: {err}");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn term_during_the_rollback_does_not_stop_it() {
    require_root_and_iptables();
    for backend in [Backend::Nft, Backend::Legacy] {
        let ns = Netns::new("apply_sigrb").unwrap();
        old_rules(&ns, backend);
        let before = running(&ns, backend);
        let s = Scripts::new(&format!("sigrb-{backend}"));
        // IPv6 is rolled back first; IPv4 after it must still happen.
        let mut a = slow(
            &s,
            &ns,
            backend,
            pyptables_testkit::Family::V6,
            Slow::Rollback,
        );
        a.extend(args(&["apply", "--confirm", "1"]));
        let mut child = spawn(&a, &s.dir.join("stderr"));
        wait_for("the IPv6 rollback", Duration::from_secs(20), || {
            s.dir.join("started").exists()
        });
        kill(&child, Signal::Term);
        std::thread::sleep(Duration::from_millis(200));
        kill(&child, Signal::Int);
        let status = wait_exit(&mut child, Duration::from_secs(20));
        let err = s.read("stderr");
        assert_eq!(status.code(), Some(1), "{backend}: {err}");
        assert!(
            err.contains("rolled back: the previous IPv6 rules are back\nrolled back: the previous IPv4 rules are back"),
            "{backend}: {err}"
        );
        assert_eq!(running(&ns, backend), before, "{backend}: {err}");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn term_or_int_during_the_load_brings_the_previous_rules_back() {
    require_root_and_iptables();
    for backend in [Backend::Nft, Backend::Legacy] {
        for signal in [Signal::Term, Signal::Int] {
            let ns = Netns::new("apply_sig").unwrap();
            old_rules(&ns, backend);
            let before = running(&ns, backend);
            let s = Scripts::new(&format!("sig-{backend}-{signal:?}"));
            let mut a = slow_v6(&s, &ns, backend);
            a.extend(args(&["apply", "--confirm", "30"]));
            let log = s.dir.join("stderr");
            let mut child = spawn(&a, &log);
            wait_for("the IPv6 load", Duration::from_secs(20), || {
                s.dir.join("started").exists()
            });
            kill(&child, signal);
            let status = wait_exit(&mut child, Duration::from_secs(20));
            let err = s.read("stderr");
            assert_eq!(status.code(), Some(1), "{backend} {signal:?}: {err}");
            assert!(err.contains("interrupted"), "{backend} {signal:?}: {err}");
            assert_eq!(running(&ns, backend), before, "{backend} {signal:?}: {err}");
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_hang_up_during_the_load_still_ends_in_a_rollback() {
    require_root_and_iptables();
    for backend in [Backend::Nft, Backend::Legacy] {
        let ns = Netns::new("apply_hup").unwrap();
        old_rules(&ns, backend);
        let before = running(&ns, backend);
        let s = Scripts::new(&format!("hup-{backend}"));
        let mut a = slow_v6(&s, &ns, backend);
        a.extend(args(&["apply", "--confirm", "1"]));
        let log = s.dir.join("stderr");
        let mut child = spawn(&a, &log);
        wait_for("the IPv6 load", Duration::from_secs(20), || {
            s.dir.join("started").exists()
        });
        kill(&child, Signal::Hup);
        let status = wait_exit(&mut child, Duration::from_secs(20));
        let err = s.read("stderr");
        assert_eq!(status.code(), Some(1), "{backend}: {err}");
        assert!(
            err.contains("no confirmation within 1 s"),
            "{backend}: {err}"
        );
        assert_eq!(running(&ns, backend), before, "{backend}: {err}");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_second_apply_is_refused_while_one_waits_and_confirm_reaches_only_the_waiting_one() {
    require_root_and_iptables();
    for backend in [Backend::Nft, Backend::Legacy] {
        let ns = Netns::new("apply_two").unwrap();
        old_rules(&ns, backend);
        let before = running(&ns, backend);
        let s = Scripts::new(&format!("two-{backend}"));
        let b = match backend {
            Backend::Nft => "nft",
            Backend::Legacy => "legacy",
        };
        let common = args(&["--netns", ns.name(), "--backend", b]);
        let mut first = common.clone();
        first.extend(args(&["apply", "--confirm", "3"]));
        let log = s.dir.join("stderr");
        let mut child = spawn(&first, &log);
        wait_for("the first apply to wait", Duration::from_secs(20), || {
            s.read("stderr").contains("Keep the new rules?")
        });
        let applied = running(&ns, backend);
        assert_ne!(applied, before, "{backend}");

        // A second apply changes nothing and says why.
        let mut second = common.clone();
        second.extend(args(&["apply", "--confirm", "30"]));
        let (code, out, err) = run(&second);
        assert_eq!(code, 2, "{backend}: {out}{err}");
        assert!(
            err.contains("another `apply` is running in this network namespace"),
            "{backend}: {err}"
        );
        assert!(err.contains(&format!("pid {}", child.id())), "{err}");
        assert_eq!(running(&ns, backend), applied, "{backend}");

        // The first run times out: its previous rules, not the second's, come back.
        let status = wait_exit(&mut child, Duration::from_secs(20));
        assert_eq!(status.code(), Some(1), "{backend}: {}", s.read("stderr"));
        assert_eq!(running(&ns, backend), before, "{backend}");
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_confirmation_meant_for_another_run_is_ignored() {
    require_root_and_iptables();
    for backend in [Backend::Nft, Backend::Legacy] {
        let ns = Netns::new("apply_other").unwrap();
        old_rules(&ns, backend);
        let before = running(&ns, backend);
        let s = Scripts::new(&format!("other-{backend}"));
        let b = match backend {
            Backend::Nft => "nft",
            Backend::Legacy => "legacy",
        };
        let mut a = args(&["--netns", ns.name(), "--backend", b]);
        a.extend(args(&["apply", "--confirm", "2"]));
        let log = s.dir.join("stderr");
        let mut child = spawn(&a, &log);
        wait_for("the apply to wait", Duration::from_secs(20), || {
            s.read("stderr").contains("Keep the new rules?")
        });
        // What a `confirm` that read an earlier run's `pending` writes.
        let dir = run_dir().join(format!("pyptables-web1-firewall@{}", ns.name()));
        fs::write(dir.join("confirmed"), "1-0\n").unwrap();
        let status = wait_exit(&mut child, Duration::from_secs(20));
        let err = s.read("stderr");
        assert_eq!(status.code(), Some(1), "{backend}: {err}");
        assert_eq!(running(&ns, backend), before, "{backend}: {err}");
    }
}
