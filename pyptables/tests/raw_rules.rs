//! Raw rules are read as iptables reads them: glued (`-AINPUT`), abbreviated (`--app`) and
//! `--opt=value` forms of commands and of the table option are refused, and jumps in any
//! spelling are checked like jumps.

use pyptables::{default_tables, Problem, Rule};

#[test]
fn glued_and_abbreviated_commands_and_jumps_in_raw_rules_are_found() {
    for text in [
        "-p tcp -AINPUT -j ACCEPT",
        "--app INPUT -j ACCEPT",
        "-tnat -j ACCEPT",
        "--table=nat -j ACCEPT",
        "-PINPUT ACCEPT",
        "--jump=nosuch",
        "-gnosuch",
        "-V",
        "-6 -j DROP",
    ] {
        let mut t = default_tables();
        let line = line!() + 1;
        t["filter"]["INPUT"].push(Rule::raw(text));
        let errors = t.validate().expect_err(text);
        assert_eq!(errors.len(), 1, "{text}: {errors}");
        let e = &errors.0[0];
        assert_eq!(e.origin.line, line, "{text}: {e}");
        assert!(
            matches!(
                &e.problem,
                Problem::BadRawRule { .. } | Problem::UndefinedChain { .. }
            ),
            "{text}: {e}"
        );
    }
}

#[test]
fn what_iptables_reads_as_a_value_is_not_a_command() {
    let mut t = default_tables();
    t["filter"]["INPUT"].push(Rule::raw("-m comment --comment -A -j ACCEPT"));
    t["filter"]["INPUT"].push(Rule::raw("-p tcp --dp 22 --ju ACCEPT"));
    assert_eq!(t.validate(), Ok(()));
}
