//! Chain-level checks of one table: built-in chain names, policies, duplicate and badly named
//! chains, jumps to undefined chains, loops, jump paths deeper than nf_tables allows, and which
//! built-in chains reach each user chain.

use std::collections::HashMap;

use crate::hooks::{Hook, Hooks};
use crate::problem::Problem;
use crate::suggest::did_you_mean;
use crate::tables::{self, MAX_CHAIN_NAME_LEN, POLICIES};
use crate::targets;

/// What the check needs to know about one chain.
#[derive(Clone, Debug)]
pub struct ChainInfo<'a> {
    /// The chain name.
    pub name: &'a str,
    /// Whether it is written as a built-in chain (rather than a user chain).
    pub builtin: bool,
    /// Its policy, if one was written.
    pub policy: Option<&'a str>,
    /// The jumps and gotos of its rules: `(target chain, is_goto, rule index)`.
    pub jumps: Vec<(&'a str, bool, usize)>,
}

/// Where a chain-level problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainPlace {
    /// The table name.
    Table,
    /// The chain at this index (its name).
    Chain(usize),
    /// The policy of the chain at this index.
    Policy(usize),
    /// Rule `rule` of chain `chain` (its jump target).
    Rule {
        /// Chain index.
        chain: usize,
        /// Rule index.
        rule: usize,
    },
}

/// The result of [`check_table`]: problems, and for each chain the hooks that reach it.
#[derive(Debug, Default)]
pub struct TableCheck {
    /// Problems, each with where it is.
    pub problems: Vec<(ChainPlace, Problem)>,
    /// For each chain (same order as given), the built-in hooks that reach it.
    pub reach: Vec<Hooks>,
}

/// Checks the chains of table `table`.
pub fn check_table(table: &str, chains: &[ChainInfo<'_>]) -> TableCheck {
    check_table_preserving(table, chains, &[])
}

/// [`check_table`] for a table that preserves chains of other software: a jump or goto to a
/// chain the table does not define is fine when one of the `preserve` patterns matches it
/// (see [`crate::preserve`]); what such a chain does is unknown here.
pub fn check_table_preserving(
    table: &str,
    chains: &[ChainInfo<'_>],
    preserve: &[&str],
) -> TableCheck {
    let mut out = TableCheck {
        problems: Vec::new(),
        reach: vec![Hooks::NONE; chains.len()],
    };
    let spec = match tables::lookup(table) {
        Ok(spec) => spec,
        Err(problem) => {
            out.problems.push((ChainPlace::Table, problem));
            return out;
        }
    };
    // Name -> index of its first chain: every look-up below is by name, and a table may have
    // tens of thousands of chains.
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(chains.len());
    for (i, chain) in chains.iter().enumerate() {
        if *by_name.entry(chain.name).or_insert(i) != i {
            out.problems.push((
                ChainPlace::Chain(i),
                Problem::DuplicateChain {
                    table: table.to_string(),
                    chain: chain.name.to_string(),
                },
            ));
        }
        if chain.builtin {
            if !spec.has_builtin(chain.name) {
                out.problems.push((
                    ChainPlace::Chain(i),
                    Problem::UnknownBuiltinChain {
                        table: table.to_string(),
                        chain: chain.name.to_string(),
                        valid: spec.chains.join(", "),
                        suggestion: did_you_mean(chain.name, spec.chains.iter().copied())
                            .map(str::to_string),
                    },
                ));
            }
            if let Some(policy) = chain.policy {
                if !POLICIES.contains(&policy) {
                    out.problems.push((
                        ChainPlace::Policy(i),
                        Problem::BadPolicy {
                            policy: policy.to_string(),
                            suggestion: did_you_mean(policy, POLICIES.iter().copied())
                                .map(str::to_string),
                        },
                    ));
                } else if policy == "DROP" && table == "nat" {
                    out.problems
                        .push((ChainPlace::Policy(i), Problem::NatPolicyDrop));
                }
            }
        } else {
            if let Some(reason) = chain_name_problem(chain.name) {
                out.problems.push((
                    ChainPlace::Chain(i),
                    Problem::BadChainName {
                        chain: chain.name.to_string(),
                        reason,
                    },
                ));
            }
            if chain.policy.is_some() {
                out.problems.push((
                    ChainPlace::Policy(i),
                    Problem::PolicyOnUserChain {
                        chain: chain.name.to_string(),
                    },
                ));
            }
        }
    }

    // Jump targets.
    let index = |name: &str| by_name.get(name).copied();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); chains.len()];
    for (ci, chain) in chains.iter().enumerate() {
        for &(to, goto, rule) in &chain.jumps {
            let verb = if goto { "goto" } else { "jump" };
            match index(to) {
                Some(ti) if chains[ti].builtin => out.problems.push((
                    ChainPlace::Rule { chain: ci, rule },
                    Problem::JumpToBuiltin {
                        verb,
                        chain: to.to_string(),
                    },
                )),
                Some(ti) => edges[ci].push(ti),
                None if spec.has_builtin(to) => out.problems.push((
                    ChainPlace::Rule { chain: ci, rule },
                    Problem::JumpToBuiltin {
                        verb,
                        chain: to.to_string(),
                    },
                )),
                None if crate::preserve::any_matches(preserve.iter().copied(), to) => {}
                None => {
                    let user = chains.iter().filter(|c| !c.builtin).map(|c| c.name);
                    out.problems.push((
                        ChainPlace::Rule { chain: ci, rule },
                        Problem::UndefinedChain {
                            verb,
                            table: table.to_string(),
                            chain: to.to_string(),
                            owner: crate::preserve::foreign_owner(to),
                            suggestion: did_you_mean(to, user).map(str::to_string),
                        },
                    ))
                }
            }
        }
    }

    // Reach: propagate each built-in chain's hook along the jumps.
    for (ci, chain) in chains.iter().enumerate() {
        if !chain.builtin {
            continue;
        }
        let Some(hook) = Hook::from_chain_name(chain.name) else {
            continue;
        };
        let mut stack = vec![ci];
        while let Some(c) = stack.pop() {
            if out.reach[c].contains(hook) {
                continue;
            }
            out.reach[c] |= Hooks::of(hook);
            stack.extend(edges[c].iter().copied());
        }
    }

    check_depth(chains, &edges, &mut out.problems);

    find_loops(&edges, chains, &mut out.problems);
    out
}

/// The most user chains a path of jumps and gotos from a built-in chain may pass through: the
/// nf_tables kernel refuses the 16th (`NFT_JUMP_STACK_SIZE`, "Too many links"); the legacy
/// backend has no such limit.
pub const MAX_JUMP_DEPTH: usize = 15;

/// Reports each jump that takes a path from a built-in chain past [`MAX_JUMP_DEPTH`] user
/// chains, once per chain that it reaches too deep. Longest paths over the chains without
/// loops (loops are reported apart), in linear time and without recursion.
fn check_depth(
    chains: &[ChainInfo<'_>],
    edges: &[Vec<usize>],
    problems: &mut Vec<(ChainPlace, Problem)>,
) {
    let n = chains.len();
    let mut indegree = vec![0usize; n];
    for tos in edges {
        for &t in tos {
            indegree[t] += 1;
        }
    }
    // depth[c]: user chains on the longest path from a built-in chain to c (c included);
    // None while c is not known to be reached.
    let mut depth: Vec<Option<usize>> = chains.iter().map(|c| c.builtin.then_some(0)).collect();
    let mut from: Vec<Option<usize>> = vec![None; n];
    let mut ready: Vec<usize> = (0..n).filter(|&c| indegree[c] == 0).collect();
    while let Some(c) = ready.pop() {
        for &t in &edges[c] {
            if let Some(d) = depth[c] {
                if depth[t].is_none_or(|dt| dt < d + 1) {
                    depth[t] = Some(d + 1);
                    from[t] = Some(c);
                }
            }
            indegree[t] -= 1;
            if indegree[t] == 0 {
                ready.push(t);
            }
        }
    }
    for (t, d) in depth.iter().enumerate() {
        let Some(c) = from[t] else { continue };
        if *d != Some(MAX_JUMP_DEPTH + 1) || chains[t].builtin {
            continue;
        }
        let mut path = vec![chains[t].name];
        let mut p = Some(c);
        while let Some(x) = p {
            path.push(chains[x].name);
            p = from[x];
        }
        path.reverse();
        let rule = chains[c]
            .jumps
            .iter()
            .find(|j| j.0 == chains[t].name)
            .map_or(0, |j| j.2);
        problems.push((
            ChainPlace::Rule { chain: c, rule },
            Problem::JumpTooDeep {
                chain: chains[t].name.to_string(),
                path: path.join(" -> "),
                max: MAX_JUMP_DEPTH,
            },
        ));
    }
}

/// Loops among user chains: a depth-first search reporting each cycle once, at the jump that
/// closes it. Iterative (a chain of jumps can be as long as the table has chains) and linear
/// in chains and jumps.
fn find_loops(
    edges: &[Vec<usize>],
    chains: &[ChainInfo<'_>],
    problems: &mut Vec<(ChainPlace, Problem)>,
) {
    const NEW: usize = usize::MAX;
    const DONE: usize = usize::MAX - 1;
    // For each chain: NEW, DONE, or its position in `path` while it is on the search path.
    let mut state = vec![NEW; chains.len()];
    // The search path: each chain with the index of its next edge to follow.
    let mut path: Vec<(usize, usize)> = Vec::new();
    for start in 0..chains.len() {
        if state[start] != NEW {
            continue;
        }
        state[start] = 0;
        path.push((start, 0));
        while let Some(&mut (c, ref mut next)) = path.last_mut() {
            let Some(&to) = edges[c].get(*next) else {
                state[c] = DONE;
                path.pop();
                continue;
            };
            *next += 1;
            match state[to] {
                NEW => {
                    state[to] = path.len();
                    path.push((to, 0));
                }
                DONE => {}
                from => {
                    let mut names: Vec<&str> =
                        path[from..].iter().map(|&(p, _)| chains[p].name).collect();
                    names.push(chains[to].name);
                    let rule = chains[c]
                        .jumps
                        .iter()
                        .find(|j| j.0 == chains[to].name)
                        .map_or(0, |j| j.2);
                    problems.push((
                        ChainPlace::Rule { chain: c, rule },
                        Problem::Loop {
                            path: names.join(" -> "),
                        },
                    ));
                }
            }
        }
    }
}

/// Why the kernel would refuse `name` as a user chain name, if it would.
#[must_use]
pub fn chain_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.len() > MAX_CHAIN_NAME_LEN {
        return Some(format!(
            "it is {} characters long; at most {MAX_CHAIN_NAME_LEN} are allowed",
            name.len()
        ));
    }
    if name.starts_with('-') || name.starts_with('!') {
        return Some("it may not start with `-` or `!`".into());
    }
    // iptables-save writes chain names unquoted: only names made of these characters read
    // back the same.
    if let Some(c) = name.chars().find(|c| !crate::value::is_name_char(*c)) {
        return Some(format!(
            "it contains {c:?}; use letters, digits and `_ - . : @ +`"
        ));
    }
    if Hook::from_chain_name(name).is_some() || targets::find(name).is_some() || name == "QUEUE" {
        return Some("it is the name of a built-in chain or target".into());
    }
    if name == "standard" {
        // libxtables' name for the verdict target: the legacy backend cannot load a jump to
        // such a chain (and crashes adding a rule to it).
        return Some("`standard` is iptables' own name for its verdict target".into());
    }
    None
}
