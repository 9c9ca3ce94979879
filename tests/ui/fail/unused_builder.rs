// A builder method returns the changed value: called alone on a line, its result is lost.
#![deny(unused_must_use)]
use pyptables::{Match, Rule};

fn main() {
    let rule = Rule::new().proto("tcp");
    rule.clone().accept();
    Match::new("recent").opt("name", "ssh");
    let _kept = rule.dport(22).accept();
}
