//! `pyptables lint -` and `pyptables lint` read standard input; the findings name
//! `<stdin>` and the line. Runs the built `pyptables` binary (standard input is the
//! process's own).

use std::io::Write;
use std::process::{Command, Stdio};

/// Line 4 (DROP tcp 22 from 10.1/16) is shadowed by line 3 (ACCEPT tcp 1:1024 from 10/8),
/// worked by hand.
const DUMP: &str = "*filter
:INPUT DROP [0:0]
-A INPUT -s 10.0.0.0/8 -p tcp -m tcp --dport 1:1024 -j ACCEPT
-A INPUT -s 10.1.0.0/16 -p tcp -m tcp --dport 22 -j DROP
COMMIT
";

fn lint(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pyptables"))
        .arg("lint")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn lint_reads_standard_input() {
    for args in [&["-", "--family", "4"][..], &["--family", "4"]] {
        let (code, out, err) = lint(args, DUMP);
        assert_eq!((code, out.as_str()), (0, ""), "{args:?}: {err}");
        assert!(
            err.starts_with(
                "warning: shadowed: ipv4 filter/INPUT rule 2 (<stdin>:4): rule 1 (<stdin>:3, ACCEPT)"
            ),
            "{args:?}: {err}"
        );
    }
    let (code, _, err) = lint(&["--deny-warnings", "--family", "4"], DUMP);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = lint(&["-"], "*filter\n-A INPUT -m nosuch -j DROP\nCOMMIT\n");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error: <stdin>:line 2: "), "{err}");
}
