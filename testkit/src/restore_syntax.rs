//! The argument syntax of an `iptables-restore` line, as an independent reference for tests.
//!
//! `restore_argv` is a line-by-line port of iptables 1.8.9's `add_param_to_argv`
//! (iptables/xshared.c), the function `iptables-restore` splits each rule line with:
//! - only `"` quotes; `'` is an ordinary character;
//! - inside quotes `\` takes the next byte literally; outside quotes `\` is ordinary;
//! - a closing quote ends the argument at once (so `""` is an empty argument);
//! - outside quotes, space, tab and newline separate arguments;
//! - `#` is a comment only as the first character of a line, which a rule line never has.
//!
//! It is written from iptables' source, not from pyptables' renderer, so tests can check the
//! renderer's quoting against it.

/// Splits `line` as `iptables-restore` does. An unterminated quote is an error here (in
/// iptables it silently swallows the rest of the line).
pub fn restore_argv(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut param: Vec<u8> = Vec::new();
    let mut quote_open = false;
    let mut escaped = false;
    for &c in line.as_bytes() {
        if quote_open {
            if escaped {
                param.push(c);
                escaped = false;
                continue;
            } else if c == b'\\' {
                escaped = true;
                continue;
            } else if c == b'"' {
                quote_open = false;
                // falls through to the separator handling: the argument ends here
            } else {
                param.push(c);
                continue;
            }
        } else if c == b'"' {
            quote_open = true;
            continue;
        }
        match c {
            b'"' => {}
            b' ' | b'\t' | b'\n' => {
                if param.is_empty() {
                    continue;
                }
            }
            _ => {
                param.push(c);
                continue;
            }
        }
        args.push(String::from_utf8(std::mem::take(&mut param)).map_err(|e| e.to_string())?);
    }
    if quote_open {
        return Err(format!("unterminated quote in {line:?}"));
    }
    if !param.is_empty() {
        args.push(String::from_utf8(param).map_err(|e| e.to_string())?);
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::restore_argv as tokenize;

    #[test]
    fn the_reference_tokenizer_follows_iptables() {
        let t = |s: &str| tokenize(s).unwrap();
        assert_eq!(t("-A INPUT -j ACCEPT"), ["-A", "INPUT", "-j", "ACCEPT"]);
        assert_eq!(t("a  b\tc "), ["a", "b", "c"]);
        assert_eq!(t(r#"--comment "a b""#), ["--comment", "a b"]);
        assert_eq!(t(r#""a\"b""#), [r#"a"b"#]);
        assert_eq!(t(r#""a\\b""#), [r"a\b"]);
        assert_eq!(t(r#""it\'s""#), ["it's"]);
        assert_eq!(
            t(r"it\'s"),
            [r"it\'s"],
            "outside quotes a backslash is kept"
        );
        assert_eq!(t("'a b'"), ["'a", "b'"], "single quotes do not quote");
        assert_eq!(t(r#""" x"#), ["", "x"], "an empty quoted argument");
        assert_eq!(
            t(r#""ab"cd"#),
            ["ab", "cd"],
            "a closing quote ends the argument"
        );
        assert_eq!(t(r#"ab"c d""#), ["abc d"]);
        assert_eq!(t("a # b"), ["a", "#", "b"]);
        assert!(tokenize(r#""open"#).is_err());
    }
}
