//! No panic on user input: mistakes are errors (validation problems, `Result`s), never a
//! crash of the program that builds or applies a firewall.
//!
//! The scan below reads the sources of the runtime crate, the catalog and the macro and fails
//! on every panicking construct outside test code that is not in [`ALLOWED`], so that new ones
//! cannot creep in unnoticed.

use std::path::{Path, PathBuf};

use pyptables::__private::{hosts, push_zone};
use pyptables::zones::ZoneError;
use pyptables::{default_tables, Problem};

/// Constructs that panic (or abort) when reached.
const PANICKING: &[&str] = &[
    "panic!(",
    ".unwrap()",
    ".unwrap_err()",
    ".expect(",
    ".expect_err(",
    "unreachable!(",
    "todo!(",
    "unimplemented!(",
    "assert!(",
    "assert_eq!(",
    "assert_ne!(",
    "unwrap_unchecked(",
];

/// The panics that stay: `(file, text on the line, why)`. A line goes to the longest entry
/// that matches it; each entry must get exactly one line, so that an entry outliving its code
/// is noticed too.
const ALLOWED: &[(&str, &str, &str)] = &[
    // `Index` cannot return an error; `tables["filter"]["INPUT"]` is the pyptables-style
    // shorthand, documented to panic like a map's index, and `table()`, `chain()`,
    // `try_chain_mut()` are the checked lookups for names that come from input.
    (
        "pyptables/src/model/tables.rs",
        "None => panic!(",
        "Index<&str> for Table",
    ),
    (
        "pyptables/src/model/tables.rs",
        "None => panic!(\"the {table} table has no chain `{name}` (use Table::chain_mut",
        "IndexMut<&str> for Table",
    ),
    (
        "pyptables/src/model/tables.rs",
        "None => panic!(\"no table `{name}` (use Tables::table for",
        "Index<&str> for Tables",
    ),
    (
        "pyptables/src/model/tables.rs",
        "None => panic!(\"no table `{name}` (use Tables::table_mut for",
        "IndexMut<&str> for Tables",
    ),
    // Invariants of the code itself, not of any input.
    (
        "pyptables/src/model/tables.rs",
        "self.chains.last_mut().expect(\"just pushed\")",
        "the chain was pushed on the line before",
    ),
    (
        "pyptables/src/model/tables.rs",
        "self.tables.last_mut().expect(\"just pushed\")",
        "the table was pushed on the line before",
    ),
    (
        "pyptables/src/model/tables.rs",
        ".expect(\"the default tables are in the catalog\")",
        "constant table names, checked by the catalog's own tests",
    ),
    (
        "pyptables-macros/src/zones.rs",
        ".expect(\"the catalog has the options a zone rule writes\")",
        "constant catalog entries (LOG's log-prefix, comment's comment), used by every zone rule test",
    ),
    (
        "pyptables/src/value.rs",
        ".expect(\"digits and dots are ASCII\")",
        "the buffer is filled with ASCII digits and dots only",
    ),
];

/// The crates whose sources are scanned, relative to the workspace.
const SCANNED: &[&str] = &[
    "pyptables/src",
    "pyptables-catalog/src",
    "pyptables-macros/src",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The lines of `text` that are code outside `#[cfg(test)]` items and comments, with their
/// numbers (1-based).
fn code_lines(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let t = line.trim();
        if t == "#[cfg(test)]" {
            // Skip the item: `mod tests;` or everything up to its closing brace.
            let mut depth = 0i32;
            for (_, l) in lines.by_ref() {
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                if depth <= 0 && (l.contains('}') || l.trim_end().ends_with(';')) {
                    break;
                }
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        out.push((i + 1, line));
    }
    out
}

/// Files that are modules declared under `#[cfg(test)]` (`#[cfg(test)] mod apply_tests;` in
/// `cli/mod.rs` is `cli/apply_tests.rs`), and `tests.rs` files.
fn test_only_files(files: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for path in files {
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            out.push(path.clone());
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        // A `mod.rs` or `lib.rs` declares modules beside it; `x.rs` declares them in `x/`.
        let dir = match path.file_name().and_then(|n| n.to_str()) {
            Some("mod.rs" | "lib.rs") => path.parent().map(Path::to_path_buf),
            _ => Some(path.with_extension("")),
        };
        let Some(dir) = dir else { continue };
        let mut after_cfg_test = false;
        for line in text.lines().map(str::trim) {
            if line == "#[cfg(test)]" {
                after_cfg_test = true;
                continue;
            }
            if after_cfg_test {
                if let Some(name) = line
                    .strip_prefix("mod ")
                    .and_then(|rest| rest.strip_suffix(';'))
                {
                    out.push(dir.join(format!("{name}.rs")));
                    out.push(dir.join(name).join("mod.rs"));
                }
            }
            after_cfg_test = false;
        }
    }
    out
}

#[test]
fn no_panicking_construct_outside_the_allow_list() {
    let root = workspace();
    let mut files = Vec::new();
    for dir in SCANNED {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 20, "found only {} files", files.len());
    let mut found = Vec::new();
    let mut used = vec![0usize; ALLOWED.len()];
    let test_only = test_only_files(&files);
    for path in &files {
        if test_only.contains(path) {
            continue;
        }
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for (n, line) in code_lines(&text) {
            if !PANICKING.iter().any(|p| line.contains(p)) {
                continue;
            }
            // The most specific entry that matches.
            match ALLOWED
                .iter()
                .enumerate()
                .filter(|(_, (f, snippet, _))| *f == rel && line.contains(snippet))
                .max_by_key(|(_, (_, snippet, _))| snippet.len())
                .map(|(i, _)| i)
            {
                Some(i) => used[i] += 1,
                None => found.push(format!("{rel}:{n}: {}", line.trim())),
            }
        }
    }
    assert!(
        found.is_empty(),
        "panicking code outside tests (return an error instead, or add it to ALLOWED with the \
         reason it cannot be reached by input):\n{}",
        found.join("\n")
    );
    let stale: Vec<String> = ALLOWED
        .iter()
        .zip(&used)
        .filter(|(_, n)| **n != 1)
        .map(|((f, s, why), n)| format!("{f}: `{s}` ({why}) matched {n} lines"))
        .collect();
    assert!(
        stale.is_empty(),
        "allow-list entries must match one line each:\n{}",
        stale.join("\n")
    );
}

#[test]
fn the_scan_sees_what_it_looks_for() {
    let src = "fn f() {\n    x.unwrap();\n    // y.unwrap();\n}\n#[cfg(test)]\nmod tests {\n    \
               fn g() {\n        z.unwrap();\n    }\n}\nfn h() { panic!(\"p\") }\n";
    let lines: Vec<usize> = code_lines(src)
        .into_iter()
        .filter(|(_, l)| PANICKING.iter().any(|p| l.contains(p)))
        .map(|(n, _)| n)
        .collect();
    assert_eq!(lines, [2, 11]);
}

/// A host group the macro would refuse (and once let through) is an error, not a panic at
/// start-up.
#[test]
fn a_bad_host_group_at_run_time_is_an_error() {
    for entry in ["10.64.0.0/010", "10.0.0.0/+8", "010.0.0.1"] {
        let e = hosts("h", &[entry]).expect_err(entry);
        assert!(matches!(e, ZoneError::BadHost { .. }), "{entry}: {e:?}");
    }
    let ok = hosts("h", &["10.64.0.0/10"]).map(|h| h.to_string());
    assert_eq!(ok, Ok("10.64.0.0/10".to_string()));
}

/// A zone rule whose expansion fails leaves a rule that validation reports and that
/// iptables-restore would refuse: neither a panic nor a silently missing rule.
#[test]
fn a_failed_zone_expansion_is_reported_by_validation() {
    let mut t = default_tables();
    let error = ZoneError::EmptyHosts { name: "h".into() };
    push_zone(
        &mut t["filter"]["FORWARD"],
        Err(error.clone()),
        "fw.rs",
        7,
        5,
    );
    assert_eq!(t["filter"]["FORWARD"].len(), 1);
    let e = t.validate().expect_err("the failure is reported");
    assert_eq!(e.len(), 1, "{e}");
    assert_eq!(
        e.0[0].problem,
        Problem::Unbuilt {
            reason: error.to_string()
        }
    );
    assert_eq!((e.0[0].origin.file, e.0[0].origin.line), ("fw.rs", 7));
    assert!(
        t.to_iptables_plain().contains(
            "-A FORWARD --invalid-rule \"the rule could not be built: host group `h` is empty\""
        ),
        "{}",
        t.to_iptables_plain()
    );
}
