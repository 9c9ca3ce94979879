//! `pyptables lint --running` on rules loaded into a namespace: the findings name the lines
//! of the namespace's own `iptables-save` output (both backends).

use pyptables::cli::run_tool_with_args;
use pyptables_testkit::{require_root_and_iptables, Backend, Family as TkFamily, Netns};

/// Worked by hand: rule 2 (DROP tcp 22 from 10.1/16) is shadowed by rule 1 (ACCEPT tcp
/// 1:1024 from 10/8); rule 3 jumps to `empty`, which has no rules.
const RULES: &str = "*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:empty - [0:0]
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 1:1024 -j ACCEPT
-A INPUT -s 10.1.0.0/16 -p tcp -m tcp --dport 22 -j DROP
-A INPUT -p tcp -m tcp --dport 80 -j empty
COMMIT
";

fn tool(args: &[&str]) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let argv = std::iter::once("pyptables").chain(args.iter().copied());
    let code = run_tool_with_args(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// The 1-based line of `iptables-save`'s output that starts with `prefix`.
fn line_of(save: &str, prefix: &str) -> usize {
    save.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in\n{save}"))
        + 1
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn lint_running_names_the_lines_of_iptables_save() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let ns = Netns::new(&format!("lintrun{}", backend as u8)).unwrap();
        ns.restore(backend, TkFamily::V4, RULES, &[]).unwrap();
        // What the tool reads: the same program's output, header and all.
        let save = ns
            .exec_ok::<&str>(backend.save_bin(TkFamily::V4), &[])
            .unwrap();
        let shadowed = line_of(&save, "-A INPUT -s 10.1.0.0/16");
        let cover = line_of(&save, "-A INPUT -s 10.0.0.0/8");
        let jump = line_of(&save, "-A INPUT -p tcp -m tcp --dport 80 -j empty");
        // The testkit names its backends as the tool's --backend does.
        let b = backend.to_string();
        let b = b.as_str();
        for family in [&["--family", "4"][..], &[]] {
            let mut args = vec!["lint", "--running", "--netns", ns.name(), "--backend", b];
            args.extend_from_slice(family);
            let (code, out, err) = tool(&args);
            assert_eq!(
                (code, out.as_str()),
                (0, ""),
                "{backend} {args:?}: {err}\n{save}"
            );
            let warnings: Vec<&str> = err.lines().collect();
            assert_eq!(warnings.len(), 2, "{backend} {args:?}: {err}\n{save}");
            assert!(
                warnings[0].starts_with(&format!(
                    "warning: shadowed: ipv4 filter/INPUT rule 2 (iptables-save:{shadowed}): \
                     rule 1 (iptables-save:{cover}, ACCEPT)"
                )),
                "{backend}: {err}\n{save}"
            );
            assert!(
                warnings[1].starts_with(&format!(
                    "warning: return-only: ipv4 filter/INPUT rule 3 (iptables-save:{jump}): \
                     jumps to `empty`"
                )),
                "{backend}: {err}\n{save}"
            );
        }
        // --deny-warnings and --json work on the running rules too.
        let (code, out, _) = tool(&[
            "lint",
            "--running",
            "--netns",
            ns.name(),
            "--backend",
            b,
            "--family",
            "4",
            "--json",
            "--deny-warnings",
        ]);
        assert_eq!(code, 1);
        assert!(
            out.contains(&format!("\"origin\": \"iptables-save:{shadowed}\"")),
            "{out}"
        );
        // A namespace that does not exist: the save fails, exit 2.
        let (code, _, err) = tool(&["lint", "--running", "--netns", "pyptables-no-such-ns"]);
        assert_eq!(code, 2, "{err}");
        assert!(err.starts_with("error: "), "{err}");
    }
}
