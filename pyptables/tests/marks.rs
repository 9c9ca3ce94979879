//! Marks: `Mark`, `marked` and the uniqueness promise of `Mark::random`.
//!
//! A test binary of its own, because `Mark::random` keeps process-wide state.

use std::collections::HashSet;

use pyptables::value::MarkValue;
use pyptables::{marked, Mark, Rule, Target};

#[test]
fn a_mark_sets_and_matches_its_value() {
    let web = Mark::new(0x10);
    assert_eq!(web.value(), 16);
    assert_eq!(web.set().to_string(), "-j MARK --set-mark 0x10");
    assert_eq!(
        web.set().proto("tcp").dport(80).to_string(),
        "-p tcp -m tcp --dport 80 -j MARK --set-mark 0x10"
    );
    assert_eq!(
        web.marked().accept().to_string(),
        "-m mark --mark 0x10 -j ACCEPT"
    );
    assert_eq!(
        marked(web).drop().to_string(),
        "-m mark --mark 0x10 -j DROP"
    );
    assert_eq!(Mark::new(0).marked().to_string(), "-m mark --mark 0x0");
    assert_eq!(
        Mark::new(u32::MAX).set().to_string(),
        "-j MARK --set-mark 0xffffffff"
    );
}

#[test]
fn mark_rules_remember_the_callers_line() {
    let (rule, line) = (Mark::new(1).set(), line!());
    assert_eq!((rule.origin().file, rule.origin().line), (file!(), line));
    let (rule, line) = (marked(Mark::new(1)), line!());
    assert_eq!(rule.origin().line, line);
}

#[test]
fn masked_mark_values() {
    assert_eq!(MarkValue::masked(0x1, 0xff).to_string(), "0x1/0xff");
    let rule = Rule::new().mark(MarkValue::masked(0x2, 0xf0)).accept();
    assert_eq!(rule.to_string(), "-m mark --mark 0x2/0xf0 -j ACCEPT");
    let set = Rule::new().target(Target::new("MARK").opt("set-xmark", MarkValue::masked(4, 0xff)));
    assert_eq!(set.to_string(), "-j MARK --set-xmark 0x4/0xff");
    assert!("0x1/0xfffffffff".parse::<MarkValue>().is_err());
    assert!("7".parse::<MarkValue>().is_ok());
}

/// Every one of the 65535 values comes out exactly once, also when several threads ask at
/// the same time; after that the sequence starts over.
#[test]
fn random_marks_are_unique_until_all_are_used() {
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                (0..65535 / 5)
                    .map(|_| Mark::random().value())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = HashSet::new();
    for t in threads {
        for v in t.join().unwrap() {
            assert!((1..=65535).contains(&v), "{v} out of range");
            assert!(seen.insert(v), "{v} was returned twice");
        }
    }
    while seen.len() < 65535 {
        let v = Mark::random().value();
        assert!((1..=65535).contains(&v), "{v} out of range");
        assert!(seen.insert(v), "{v} was returned twice");
    }
    assert_eq!(seen, (1..=65535).collect::<HashSet<u32>>());
    // All used: the next one repeats a value, but is still a valid mark.
    let again = Mark::random().value();
    assert!(seen.contains(&again));
}
