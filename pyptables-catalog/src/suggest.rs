//! "Did you mean …?" — the nearest known name to a misspelt one.

/// The candidate closest to `wrong`, if one is close enough to be a likely typo.
///
/// Case differences count as near (`forward` → `FORWARD`), `_`/`-` are treated alike, and a
/// swap of two neighbouring letters counts as one edit, so short names are found too
/// (`lna` → `lan`).
///
/// ```
/// use pyptables_catalog::suggest::did_you_mean;
/// assert_eq!(did_you_mean("FORWRD", ["INPUT", "FORWARD", "OUTPUT"]), Some("FORWARD"));
/// assert_eq!(did_you_mean("lna", ["lan", "dmz", "wan"]), Some("lan"));
/// assert_eq!(did_you_mean("xyz", ["INPUT", "FORWARD"]), None);
/// ```
pub fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let norm = |s: &str| s.to_ascii_lowercase().replace('_', "-");
    let wrong_n = norm(wrong);
    let mut best: Option<(f64, &'a str)> = None;
    for cand in candidates {
        let cand_n = norm(cand);
        let score = if cand_n == wrong_n {
            2.0
        } else {
            strsim::jaro_winkler(&wrong_n, &cand_n)
        };
        let close = score >= 0.85
            || strsim::osa_distance(&wrong_n, &cand_n) <= usize::max(1, wrong_n.len() / 4);
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, cand));
        }
    }
    best.map(|(_, c)| c)
}

/// `" (did you mean `x`?)"`, or nothing.
#[must_use]
pub fn hint(suggestion: Option<&str>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}
