//! `-j RATEEST`'s times ([`Constraint::Check`]): libxt_RATEEST reads `--rateest-interval`
//! and `--rateest-ewmalog` as times and keeps only some of them; the catalog takes a pair
//! only where iptables keeps both as written.
//!
//! iptables reads a time as a number (`strtod`) with a unit `s`, `sec`, `secs`, `ms`,
//! `msec`, `msecs`, `us`, `usec`, `usecs` (any case); without a unit it is microseconds. It
//! keeps the interval as 250ms·2^k (k = 0…5: 250ms, 500ms, 1s, 2s, 4s, 8s), rounding what
//! lies between up and refusing more than 8s. The ewmalog is kept as a power of two k of
//! the interval: its loop finds the smallest k with `interval / -ln(1 - 2^-k) > ewmalog`
//! and keeps k − 1, refusing 0 (an ewmalog not above the interval); iptables-save prints
//! `interval · 2^k` in 32 bits of microseconds. So a pair is kept as written when the
//! interval is one of the six and the ewmalog is the interval times 2, 4, 8, … up to
//! 4096s (2^32 microseconds overflow).
//!
//! [`Constraint::Check`]: crate::spec::Constraint::Check

use crate::spec::{Given, Violation};

/// Microseconds per second (libxt_RATEEST's `TIME_UNITS_PER_SEC`).
const US_PER_S: f64 = 1_000_000.0;

/// The intervals iptables keeps, in microseconds.
const INTERVALS: [u64; 6] = [250_000, 500_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000];

/// The largest time iptables-save prints back (32 bits of microseconds).
const MAX_US: u64 = u32::MAX as u64;

/// A time as libxt_RATEEST reads it, in microseconds, or `None` where iptables refuses it.
/// Only a plain decimal number is read (no hex, `inf` or spaces, which `strtod` would take):
/// a firewall writes its times plainly.
fn parse_time(text: &str) -> Option<f64> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    if number.is_empty()
        || !number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    let n: f64 = number.parse().ok()?;
    let scale = match unit.to_ascii_lowercase().as_str() {
        "" | "us" | "usec" | "usecs" => 1.0,
        "ms" | "msec" | "msecs" => US_PER_S / 1000.0,
        "s" | "sec" | "secs" => US_PER_S,
        _ => return None,
    };
    Some(n * scale)
}

/// A whole number of microseconds that fits in 32 bits, as written (no fraction dropped).
fn whole_us(us: f64) -> Option<u64> {
    (us >= 0.0 && us <= MAX_US as f64 && us.fract() == 0.0).then_some(us as u64)
}

/// A time in microseconds the way iptables-save prints it, shortened (`250ms`, `2s`).
fn show(us: u64) -> String {
    if us >= 1_000_000 && us.is_multiple_of(1_000_000) {
        format!("{}s", us / 1_000_000)
    } else if us >= 1_000 && us.is_multiple_of(1_000) {
        format!("{}ms", us / 1_000)
    } else {
        format!("{us}us")
    }
}

/// The ewmalog's power of two as libxt_RATEEST's loop computes it (0 or 31 are refused).
fn ewma_log(interval: f64, ewmalog: f64) -> u32 {
    let mut k = 1;
    while k < 32 {
        let w = 1.0 - 1.0 / f64::from(1u32 << k);
        if interval / -w.ln() > ewmalog {
            break;
        }
        k += 1;
    }
    k - 1
}

/// `-j RATEEST`: `--rateest-interval` must be one of 250ms, 500ms, 1s, 2s, 4s, 8s (in any
/// unit) and `--rateest-ewmalog` the interval times a power of two from 2 up to 4096s —
/// what iptables keeps as written; it rounds or refuses the rest.
pub fn rateest_times(given: &Given<'_>) -> Result<(), Violation> {
    const FORM: &str = "a number with unit s, ms or us (without a unit it is microseconds)";
    let Some(interval_text) = given.value("rateest-interval") else {
        return Ok(());
    };
    let Some(raw_interval) = parse_time(interval_text) else {
        return Err(Violation::new(
            Some("rateest-interval"),
            format!("`{interval_text}` is not a time iptables reads: write {FORM}, e.g. 1s"),
        ));
    };
    let interval = whole_us(raw_interval).filter(|us| INTERVALS.contains(us));
    let Some(interval) = interval else {
        let above = INTERVALS.iter().find(|&&i| i as f64 >= raw_interval);
        let below = INTERVALS.iter().rev().find(|&&i| (i as f64) < raw_interval);
        let (does, write) = match (below, above) {
            (None, Some(a)) => (format!("rounds it up to {}", show(*a)), show(*a)),
            (Some(b), Some(a)) => (
                format!("rounds it up to {}", show(*a)),
                format!("{} or {}", show(*b), show(*a)),
            ),
            _ => ("refuses it (at most 8s)".to_owned(), "8s".to_owned()),
        };
        return Err(Violation::new(
            Some("rateest-interval"),
            format!(
                "iptables keeps the interval only as 250ms, 500ms, 1s, 2s, 4s or 8s and \
                 {does}: write {write}"
            ),
        ));
    };
    let Some(ewmalog_text) = given.value("rateest-ewmalog") else {
        return Ok(());
    };
    let Some(raw_ewmalog) = parse_time(ewmalog_text) else {
        return Err(Violation::new(
            Some("rateest-ewmalog"),
            format!("`{ewmalog_text}` is not a time iptables reads: write {FORM}, e.g. 4s"),
        ));
    };
    // The ewmalog iptables keeps is the interval times 2^k; the written one must be one.
    let valid: Vec<u64> = (1..32)
        .map(|k| interval << k)
        .take_while(|&e| e <= MAX_US)
        .collect();
    if whole_us(raw_ewmalog).is_some_and(|e| valid.contains(&e)) {
        return Ok(());
    }
    let k = ewma_log(raw_interval, raw_ewmalog);
    let does = if k == 0 || k >= 31 {
        "it refuses the rule".to_owned()
    } else if (interval << k) > MAX_US {
        "it keeps a value beyond 32 bits of microseconds, which iptables-save prints wrong"
            .to_owned()
    } else {
        format!("it keeps {}", show(interval << k))
    };
    let above = valid.iter().find(|&&e| e as f64 >= raw_ewmalog);
    let below = valid.iter().rev().find(|&&e| (e as f64) < raw_ewmalog);
    let write = match (below, above) {
        (Some(b), Some(a)) => format!("{} or {}", show(*b), show(*a)),
        (None, Some(x)) | (Some(x), None) => show(*x),
        // Not reached: every interval has valid ewmalogs (twice 8s is 16s).
        (None, None) => show(interval << 1),
    };
    Err(Violation::new(
        Some("rateest-ewmalog"),
        format!(
            "iptables keeps the ewmalog only as the interval ({}) times 2, 4, 8, … up to \
             4096s; for `{ewmalog_text}` {does}: write {write}",
            show(interval)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::Family;

    fn check(interval: &str, ewmalog: &str) -> Result<(), Violation> {
        let options = [
            ("rateest-name", Some("x"), false),
            ("rateest-interval", Some(interval), false),
            ("rateest-ewmalog", Some(ewmalog), false),
        ];
        rateest_times(&Given {
            family: Family::V4,
            options: &options,
            rule: &[],
        })
    }

    /// The pairs iptables-save (1.8.9, nft and legacy) printed back unchanged.
    #[test]
    fn kept_pairs_are_allowed() {
        for (i, e) in [
            ("250ms", "500ms"),
            ("0.25s", "2s"),
            ("250000", "2s"),
            ("250000us", "1s"),
            ("1sec", "2SEC"),
            ("1s", "2000000"),
            ("1s", "2000MS"),
            ("8s", "4096s"),
            ("250ms", "4096s"),
            ("4s", "8s"),
        ] {
            assert_eq!(check(i, e), Ok(()), "{i} {e}");
        }
    }

    /// The pairs iptables refused or rounded (what it printed in the comment).
    #[test]
    fn rounded_or_refused_pairs_are_refused() {
        let refused = |i: &str, e: &str| check(i, e).expect_err(&format!("{i} {e}"));
        // 500.0ms 2.0s
        let v = refused("300ms", "2s");
        assert_eq!(v.option, Some("rateest-interval"));
        assert!(
            v.reason
                .contains("rounds it up to 500ms: write 250ms or 500ms"),
            "{v:?}"
        );
        // 250.0ms 500.0ms
        let v = refused("1", "2");
        assert!(
            v.reason.contains("rounds it up to 250ms: write 250ms"),
            "{v:?}"
        );
        // 250.0ms 256.0s
        assert_eq!(refused("1msec", "2s").option, Some("rateest-interval"));
        // refused: ewmalog out of range (the interval is 2s)
        assert!(refused("1.5s", "2s").reason.contains("write 1s or 2s"));
        // refused: interval too large
        assert!(refused("9s", "20s")
            .reason
            .contains("refuses it (at most 8s): write 8s"));
        assert!(refused("abc", "2s").reason.contains("is not a time"));
        // 250.0ms 500.0ms
        let v = refused("250ms", "600ms");
        assert_eq!(v.option, Some("rateest-ewmalog"));
        assert!(v.reason.contains("it keeps 500ms"), "{v:?}");
        assert!(v.reason.contains("write 500ms or 1s"), "{v:?}");
        // refused: ewmalog out of range
        let v = refused("1s", "1s");
        assert!(v.reason.contains("it refuses the rule"), "{v:?}");
        assert!(v.reason.contains("write 2s"), "{v:?}");
        // 250.0ms 2048.0s (wrapped)
        let v = refused("250ms", "8192s");
        assert!(v.reason.contains("write 4096s"), "{v:?}");
        assert!(refused("1s", "2m").reason.contains("is not a time"));
        assert!(refused("1s", "abc").reason.contains("is not a time"));
        // a fraction of a microsecond is dropped by iptables
        assert!(check("250000.5", "1s").is_err());
    }

    #[test]
    fn ewma_log_is_the_loop_of_iptables() {
        assert_eq!(ewma_log(250_000.0, 500_000.0), 1);
        assert_eq!(ewma_log(250_000.0, 600_000.0), 1);
        assert_eq!(ewma_log(1_000_000.0, 1_000_000.0), 0);
        assert_eq!(ewma_log(1_000.0, 2_000_000.0), 10);
    }
}
