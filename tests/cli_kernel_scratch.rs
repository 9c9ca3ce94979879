//! The per-host CLI (`pyptables::cli`) against the kernel: what `check` and `diff` do with
//! their scratch network namespaces (signals, stale ones, ipsets), and `save`'s files loading
//! into the kernel. Each test uses its own network namespace (`--netns`) and both backends.

#[allow(unused_macros, unused_imports)]
mod behaviour_support;

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pyptables::cli::run_with_args;
use pyptables::{Family, Firewall, Match, Policy, Rule, Tables, Target};
use pyptables_testkit::{require_root_and_iptables, Backend, Netns};

/// Runs the CLI on `fw` inside `ns` with `backend`; (exit status, stdout, stderr).
fn run(fw: &Firewall, ns: &Netns, backend: Backend, args: &[&str]) -> (u8, String, String) {
    let backend = backend.to_string();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = ["web1-firewall", "--netns", ns.name(), "--backend", &backend]
        .into_iter()
        .chain(args.iter().copied());
    let code = run_with_args(fw, argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Whether `ip netns` has a namespace called `name`.
fn netns_exists(name: &str) -> bool {
    Path::new("/var/run/netns").join(name).exists()
}

/// A directory of its own for one test, empty.
fn scratch_dir(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pyptables-cli-kernel-{label}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Rules naming sets: IPv4 drops `blocklist` and adds every new source to `seen`; IPv6
/// drops `blocklist6`.
fn with_sets() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.push(
        Rule::new()
            .with_match(Match::new("set").opt("match-set", "blocklist src"))
            .drop(),
    );
    input.push(Rule::new().target(Target::new("SET").opt("add-set", "seen src")));
    let mut v6 = Tables::new(Family::V6);
    v6.table_or_default("filter").unwrap()["INPUT"].push(
        Rule::new()
            .with_match(Match::new("set").opt("match-set", "blocklist6 src"))
            .drop(),
    );
    Firewall::from_tables(v4, v6)
}

fn ipset(ns: &Netns, args: &[&str]) {
    ns.exec_ok("ipset", args)
        .unwrap_or_else(|e| panic!("ipset {args:?}: {e}"));
}

#[test]
#[ignore = "needs root, iptables and ipset (kernel test)"]
fn check_and_diff_give_the_scratch_namespace_the_sets_the_rules_use() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_sets").unwrap();
        ipset(&ns, &["create", "blocklist", "hash:net", "family", "inet"]);
        ipset(&ns, &["add", "blocklist", "203.0.113.0/24"]);
        ipset(
            &ns,
            &[
                "create", "seen", "hash:ip", "family", "inet", "timeout", "600",
            ],
        );
        ipset(
            &ns,
            &["create", "blocklist6", "hash:net", "family", "inet6"],
        );
        let fw = with_sets();

        let (code, out, err) = run(&fw, &ns, backend, &["check"]);
        assert_eq!(code, 0, "{backend}: {out}{err}");
        assert!(
            out.ends_with("the kernel accepted them in a scratch network namespace\n"),
            "{backend}: {out}"
        );

        let (code, out, err) = run(&fw, &ns, backend, &["diff"]);
        assert_eq!(code, 1, "{backend}: {out}{err}");
        assert!(
            out.contains("+-A INPUT -m set --match-set blocklist src -j DROP\n"),
            "{backend}: {out}"
        );
        assert_eq!(run(&fw, &ns, backend, &["apply"]).0, 0, "{backend}");
        assert_eq!(
            run(&fw, &ns, backend, &["diff"]),
            (0, String::new(), String::new()),
            "{backend}"
        );
        // The sets of the namespace were only read: the member is still there.
        let members = ns.exec_ok("ipset", &["list", "blocklist"]).unwrap();
        assert!(members.contains("203.0.113.0/24"), "{backend}: {members}");
    }
}

#[test]
#[ignore = "needs root, iptables and ipset (kernel test)"]
fn a_set_missing_where_the_rules_go_is_named() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_no_set").unwrap();
        ipset(&ns, &["create", "blocklist", "hash:net", "family", "inet"]);
        let fw = with_sets();
        let expected = format!(
            "the rules use the ipsets `seen`, `blocklist6`, which do not exist in the network \
             namespace `{}`; create them first (`ipset create NAME TYPE`): loading the rules \
             would fail the same way\n",
            ns.name()
        );
        assert_eq!(
            run(&fw, &ns, backend, &["check"]),
            (1, String::new(), expected.clone()),
            "{backend}"
        );
        let (code, out, err) = run(&fw, &ns, backend, &["diff"]);
        assert_eq!(
            (code, out, err),
            (2, String::new(), format!("error: {expected}")),
            "{backend}"
        );
        // What check announces: apply is refused by the kernel for the same reason.
        let (code, _, err) = run(&fw, &ns, backend, &["apply"]);
        assert_eq!(code, 1, "{backend}: {err}");
        assert!(err.contains("seen"), "{backend}: {err}");
    }
}

/// A stand-in for iptables-restore that writes its pid next to itself and then waits, so a
/// test can signal `check` while the scratch namespace exists.
fn slow_restore(dir: &Path) -> PathBuf {
    let path = dir.join("slow-restore");
    std::fs::write(&path, "#!/bin/sh\necho $$ > \"$0.pid\"\nexec sleep 30\n").unwrap();
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    path
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn check_ended_by_a_signal_deletes_its_scratch_namespace() {
    require_root_and_iptables();
    let binary = behaviour_support::per_host_binary();
    let dir = scratch_dir("signal");
    let restore = slow_restore(&dir);
    let pid_file = dir.join("slow-restore.pid");
    for (signal, number) in [("TERM", 15), ("INT", 2), ("HUP", 1)] {
        let _ = std::fs::remove_file(&pid_file);
        let mut command = Command::new(binary);
        // SAFETY: signal(2) is async-signal-safe, as pre_exec requires. Other tests of this
        // binary run `apply` in-process, which ignores SIGHUP meanwhile; a child started then
        // would inherit that, and an ignored signal rightly stays ignored by `check`.
        unsafe {
            command.pre_exec(|| {
                for signal in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
                    libc::signal(signal, libc::SIG_DFL);
                }
                Ok(())
            });
        }
        let mut child = command
            .arg("--iptables-restore")
            .arg(&restore)
            .arg("check")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let scratch = format!("pyptables-check-{}-0", child.id());
        let start = Instant::now();
        while !pid_file.exists() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "signal {signal}: the stand-in restore program never ran"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(netns_exists(&scratch), "signal {signal}: no {scratch}");

        let kill = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "signal {signal}: check did not end"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The stand-in is not needed any more.
        if let Ok(pid) = std::fs::read_to_string(&pid_file) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        assert_eq!(status.signal(), Some(number), "signal {signal}: {status}");
        assert!(
            !netns_exists(&scratch),
            "signal {signal}: {scratch} was left behind"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn scratch_namespaces_of_runs_that_are_gone_are_deleted() {
    require_root_and_iptables();
    // A pid that no process has now.
    let mut gone = Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let stale = format!("pyptables-check-{pid}-0");
    let status = Command::new("ip")
        .args(["netns", "add", &stale])
        .status()
        .unwrap();
    assert!(status.success());
    let ns = Netns::new("cli_stale").unwrap();
    let mut fw = Firewall::new();
    fw.ipv4_mut().table_or_default("filter").unwrap();
    let (code, out, err) = run(&fw, &ns, Backend::Nft, &["check"]);
    let left = netns_exists(&stale);
    if left {
        let _ = Command::new("ip").args(["netns", "del", &stale]).status();
    }
    assert_eq!(code, 0, "{out}{err}");
    assert!(!left, "{stale} is still there");
}

/// The firewall `save` writes: IPv4 SSH from one admin address, IPv6 loopback only.
fn desired() -> Firewall {
    let mut v4 = Tables::new(Family::V4);
    let input = &mut v4.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(
        Rule::new()
            .source("192.0.2.1")
            .proto("tcp")
            .dport(22)
            .comment("SSH from the admin")
            .accept(),
    );
    let mut v6 = Tables::new(Family::V6);
    let input = &mut v6.table_or_default("filter").unwrap()["INPUT"];
    input.set_policy(Policy::Drop).unwrap();
    input.push(Rule::new().in_interface("lo").accept());
    Firewall::from_tables(v4, v6)
}

/// What iptables-save prints once the saved files are loaded (checked by hand against
/// iptables 1.8.9: the kernel adds `/32` and `-m tcp`, and quotes the comment).
const DESIRED_V4: &str = "*filter
:INPUT DROP
:FORWARD ACCEPT
:OUTPUT ACCEPT
-A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -m comment --comment \"SSH from the admin\" -j ACCEPT
COMMIT
";
const DESIRED_V6: &str = "*filter
:INPUT DROP
:FORWARD ACCEPT
:OUTPUT ACCEPT
-A INPUT -i lo -j ACCEPT
COMMIT
";

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn saved_files_load_at_boot_as_the_rules() {
    require_root_and_iptables();
    let fw = desired();
    for (layout, v4, v6) in [
        ("debian", "rules.v4", "rules.v6"),
        ("rhel", "iptables", "ip6tables"),
    ] {
        let dir = scratch_dir(&format!("save-{layout}"));
        let mut out = Vec::new();
        let mut err = Vec::new();
        let args = ["web1-firewall", "save", "--layout", layout, "--dir"];
        let argv = args
            .iter()
            .map(std::ffi::OsString::from)
            .chain([dir.clone().into_os_string()]);
        let code = run_with_args(&fw, argv, &mut out, &mut err);
        let out = String::from_utf8(out).unwrap();
        assert_eq!(code, 0, "{layout}: {out}{}", String::from_utf8_lossy(&err));
        for backend in Backend::ALL {
            // As the boot scripts do: `iptables-restore < FILE` in a fresh namespace.
            let ns = Netns::new("cli_saved").unwrap();
            for (family, file, expected) in [
                (pyptables_testkit::Family::V4, v4, DESIRED_V4),
                (pyptables_testkit::Family::V6, v6, DESIRED_V6),
            ] {
                let text = std::fs::read_to_string(dir.join(file)).unwrap();
                ns.restore(backend, family, &text, &[])
                    .unwrap_or_else(|e| panic!("{layout} {backend} {file}: {e}"));
                assert_eq!(
                    ns.save(backend, family).unwrap(),
                    expected,
                    "{layout} {backend} {file}"
                );
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn diff_of_one_family_in_colour() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new("cli_diff_family").unwrap();
        let fw = desired();
        assert_eq!(run(&fw, &ns, backend, &["apply"]).0, 0, "{backend}");
        ns.iptables(
            backend,
            pyptables_testkit::Family::V4,
            &["-A", "INPUT", "-s", "198.51.100.9", "-j", "DROP"],
        )
        .unwrap();
        assert_eq!(
            run(&fw, &ns, backend, &["diff", "--family", "6"]),
            (0, String::new(), String::new()),
            "{backend}"
        );
        assert_eq!(
            run(&fw, &ns, backend, &["diff", "--family", "4", "--color", "always"]),
            (
                1,
                "\x1b[1m--- running IPv4\x1b[0m\n\x1b[1m+++ desired IPv4\x1b[0m\n\
                 \x1b[36m@@ -3,5 +3,4 @@\x1b[0m\n :FORWARD ACCEPT\n :OUTPUT ACCEPT\n \
                 -A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -m comment --comment \"SSH from the admin\" -j ACCEPT\n\
                 \x1b[31m--A INPUT -s 198.51.100.9/32 -j DROP\x1b[0m\n COMMIT\n"
                    .to_string(),
                String::new()
            ),
            "{backend}"
        );
        let v4_only = Firewall::from_tables(fw.ipv4().clone(), Tables::new(Family::V6));
        assert_eq!(
            run(&v4_only, &ns, backend, &["diff", "--family", "6"]),
            (
                2,
                String::new(),
                "error: this firewall has no IPv6 rules (it leaves IPv6 as it is): nothing to compare\n"
                    .to_string()
            ),
            "{backend}"
        );
    }
}

/// Matches written alone: `diff` compares both sides as the kernel prints them, so a running
/// ruleset loaded by hand the way iptables-save prints it (`-m limit --limit 3/hour`,
/// `-m time --datestop 2038-01-19T03:14:07`) is no difference from `-m limit` and `-m time`
/// alone, and `-p tcp -m tcp -m socket` comes back as written.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn diff_sees_no_difference_in_matches_alone() {
    require_root_and_iptables();
    let mut v4 = Tables::new(Family::V4);
    let mangle = v4.add(pyptables::Table::with_builtin_chains("mangle").unwrap());
    mangle["PREROUTING"].push(
        Rule::new()
            .proto("tcp")
            .with_match(Match::new("tcp"))
            .with_match(Match::new("socket"))
            .target(Target::new("MARK").opt("set-mark", 1)),
    );
    mangle["PREROUTING"].push(Rule::new().with_match(Match::new("rpfilter")).accept());
    mangle["PREROUTING"].push(
        Rule::new()
            .proto("udp")
            .with_match(Match::new("limit"))
            .with_match(Match::new("time"))
            .target(Target::LOG),
    );
    let fw = Firewall::from_tables(v4, Tables::new(Family::V6));
    let by_hand = "*mangle\n\
        -A PREROUTING -p tcp -m tcp -m socket -j MARK --set-xmark 0x1/0xffffffff\n\
        -A PREROUTING -m rpfilter -j ACCEPT\n\
        -A PREROUTING -p udp -m limit --limit 3/hour -m time --datestop 2038-01-19T03:14:07 -j LOG\n\
        COMMIT\n";
    for backend in Backend::ALL {
        let ns = Netns::new("cli_diff_alone").unwrap();
        ns.restore(backend, pyptables_testkit::Family::V4, by_hand, &[])
            .unwrap();
        let (code, out, err) = run(&fw, &ns, backend, &["diff", "--family", "4"]);
        assert_eq!((code, out.as_str()), (0, ""), "{backend}: {err}");
    }
}
