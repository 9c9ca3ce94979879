//! Packet counters read back from `iptables-save -c`, to show which rule saw a packet.

use std::collections::BTreeMap;

/// Packet counters per (table, chain, 1-based position or `None` for the policy).
pub type Counters = BTreeMap<(String, String, Option<usize>), u64>;

/// The packet counters of every rule and built-in chain policy in `save`, the output of
/// `iptables-save -c` (or `ip6tables-save -c`, either backend).
pub fn packet_counters(save: &str) -> Counters {
    let mut out = Counters::new();
    let mut table = String::new();
    let mut positions: BTreeMap<String, usize> = BTreeMap::new();
    for line in save.lines() {
        if let Some(t) = line.strip_prefix('*') {
            table = t.to_string();
            positions.clear();
        } else if let Some(rest) = line.strip_prefix(':') {
            // :CHAIN POLICY [p:b]
            let mut words = rest.split_whitespace();
            let chain = words.next().unwrap_or_default().to_string();
            let policy = words.next().unwrap_or_default();
            if policy != "-" {
                let n = words
                    .next()
                    .and_then(|c| c.trim_matches(['[', ']']).split(':').next()?.parse().ok())
                    .unwrap_or(0);
                out.insert((table.clone(), chain, None), n);
            }
        } else if let Some(rest) = line.strip_prefix('[') {
            let (count, rule) = rest.split_once("] ").expect("[p:b] -A …");
            let n: u64 = count.split(':').next().unwrap().parse().unwrap();
            let chain = rule
                .strip_prefix("-A ")
                .and_then(|r| r.split_whitespace().next())
                .unwrap()
                .to_string();
            let pos = positions.entry(chain.clone()).or_insert(0);
            *pos += 1;
            out.insert((table.clone(), chain, Some(*pos)), n);
        }
    }
    out
}
