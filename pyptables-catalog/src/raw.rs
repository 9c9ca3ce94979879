//! Raw rule text (python-pyptables' `CustomRule`): split the way `iptables-restore` splits a
//! line, and refused when it could break the file. Used by the runtime validation and by the
//! `firewall!` macro's `raw "…"` rules.

use crate::targets;

/// Commands that would change the file's structure if written inside a raw rule.
const RAW_FORBIDDEN: &[&str] = &[
    "-A",
    "--append",
    "-I",
    "--insert",
    "-D",
    "--delete",
    "-R",
    "--replace",
    "-N",
    "--new-chain",
    "--new",
    "-X",
    "--delete-chain",
    "-F",
    "--flush",
    "-P",
    "--policy",
    "-E",
    "--rename-chain",
    "-Z",
    "--zero",
    "-L",
    "--list",
    "-S",
    "--list-rules",
    "-t",
    "--table",
    "COMMIT",
];

/// Splits raw rule text the way `iptables-restore` does, or says why it cannot be used.
///
/// ```
/// use pyptables_catalog::raw::tokens;
/// assert_eq!(tokens(r#"-m comment --comment "a b" -j ACCEPT"#).unwrap(), ["-m", "comment", "--comment", "a b", "-j", "ACCEPT"]);
/// assert!(tokens("-j ACCEPT\n-A INPUT -j DROP").is_err());
/// assert!(tokens("-F").is_err());
/// ```
pub fn tokens(text: &str) -> Result<Vec<String>, String> {
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(format!(
            "it contains {:?}, which would end the rule's line",
            c
        ));
    }
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut chars = text.chars();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '\\' => match chars.next() {
                    Some(n) => cur.push(n),
                    None => return Err("it ends inside a quoted string".into()),
                },
                // Like iptables, a closing quote ends the argument (even an empty one).
                '"' => {
                    quoted = false;
                    tokens.push(std::mem::take(&mut cur));
                    in_token = false;
                }
                c => cur.push(c),
            }
        } else {
            match c {
                '"' => {
                    quoted = true;
                    in_token = true;
                }
                ' ' => {
                    if in_token {
                        tokens.push(std::mem::take(&mut cur));
                        in_token = false;
                    }
                }
                c => {
                    cur.push(c);
                    in_token = true;
                }
            }
        }
    }
    if quoted {
        return Err("a double quote is not closed".into());
    }
    if in_token {
        tokens.push(cur);
    }
    if tokens.is_empty() {
        return Err("it is empty".into());
    }
    if let Some(t) = tokens.iter().find(|t| RAW_FORBIDDEN.contains(&t.as_str())) {
        return Err(format!(
            "`{t}` is a command, not part of a rule; the chain is given by where the rule is added"
        ));
    }
    Ok(tokens)
}

/// The user chain a raw rule jumps or goes to: `(name, is_goto)` for `-j X` where X is not a
/// catalog target, or `-g X`.
pub fn jump(text: &str) -> Option<(String, bool)> {
    let tokens = tokens(text).ok()?;
    tokens.windows(2).find_map(|w| match w[0].as_str() {
        "-j" | "--jump" if targets::find(&w[1]).is_none() => Some((w[1].clone(), false)),
        "-g" | "--goto" => Some((w[1].clone(), true)),
        _ => None,
    })
}

/// The ipsets a rule refers to (the text after `-A CHAIN`): the set name after each option
/// whose value is a [`ValueKind::SetRef`](crate::ValueKind::SetRef) — `--match-set NAME src`
/// of `-m set`, `--add-set`/`--del-set NAME src` of `-j SET`. Unsplittable text names none.
///
/// ```
/// use pyptables_catalog::raw::set_names;
/// assert_eq!(set_names("! -m set --match-set bad src -j SET --add-set seen src"), ["bad", "seen"]);
/// assert!(set_names("-p tcp -j ACCEPT").is_empty());
/// ```
pub fn set_names(rule: &str) -> Vec<String> {
    let Ok(tokens) = tokens(rule) else {
        return Vec::new();
    };
    let names_a_set = |token: &str| {
        token.strip_prefix("--").is_some_and(|key| {
            crate::matches::MATCHES
                .iter()
                .flat_map(|m| m.options)
                .chain(targets::TARGETS.iter().flat_map(|t| t.options))
                .any(|o| o.kind == crate::ValueKind::SetRef && o.is_named(key))
        })
    };
    tokens
        .windows(2)
        .filter(|w| names_a_set(&w[0]))
        .map(|w| w[1].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::tokens as raw_tokens;

    #[test]
    fn raw_text_splits_like_iptables_restore() {
        let t = |s: &str| raw_tokens(s).unwrap();
        assert_eq!(t("-p tcp  --dport 22"), ["-p", "tcp", "--dport", "22"]);
        assert_eq!(
            t(r#"--comment "a \"b\" \\ c""#),
            ["--comment", r#"a "b" \ c"#]
        );
        assert_eq!(
            t(r#"x"y z""#),
            ["xy z"],
            "a quote opened inside a word joins it"
        );
        // iptables' add_param_to_argv ends the argument at a closing quote: `"ab"cd` is two
        // arguments and `""` is an empty one.
        assert_eq!(t(r#""ab"cd"#), ["ab", "cd"]);
        assert_eq!(
            t(r#"--comment "" -j ACCEPT"#),
            ["--comment", "", "-j", "ACCEPT"]
        );
    }

    #[test]
    fn a_command_hidden_behind_a_closing_quote_is_found() {
        // iptables-restore reads `"x"-F` as `x` and `-F`.
        let err = raw_tokens(r#"-p tcp "x"-F"#).unwrap_err();
        assert!(err.contains("`-F` is a command"), "{err}");
    }
}
