//! Chains owned by other software, and `preserve` patterns.
//!
//! A table with `preserve` patterns shares the host: chains matching a pattern (and not
//! defined by the firewall itself) belong to someone else and are kept as they run. A table
//! without patterns replaces everything; [`FOREIGN_OWNERS`] is the list of well-known owners
//! whose chains make `restore`/`apply` refuse such a table rather than delete them.

use crate::chains::chain_name_problem;
use crate::problem::Problem;

/// Software that adds its own chains to the running tables, and the chains it adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForeignOwner {
    /// Who owns the chains (`Docker`, `fail2ban`, …).
    pub owner: &'static str,
    /// The `preserve` pattern of its chains (a trailing `*` is a prefix).
    pub pattern: &'static str,
}

/// The well-known owners of iptables chains, one pattern each.
///
/// Docker: `DOCKER`, `DOCKER-USER`, `DOCKER-FORWARD`, `DOCKER-ISOLATION-STAGE-1/2`, … (the set
/// changes between versions, hence a prefix); fail2ban: `f2b-<jail>` (older versions
/// `fail2ban-<jail>`); Kubernetes (kube-proxy): `KUBE-*`; libvirt: `LIBVIRT_INP`, `LIBVIRT_FWO`,
/// …; Calico: `cali-*`; Cilium: `CILIUM_*`; Tailscale: `ts-input`, `ts-forward`, `ts-postrouting`;
/// CNI plugins: `CNI-*`; Podman's netavark: `NETAVARK_*`, `NETAVARK-*`; flannel: `FLANNEL-*`;
/// Weave Net: `WEAVE`, `WEAVE-NPC*`.
pub const FOREIGN_OWNERS: &[ForeignOwner] = &[
    ForeignOwner {
        owner: "Docker",
        pattern: "DOCKER*",
    },
    ForeignOwner {
        owner: "fail2ban",
        pattern: "f2b-*",
    },
    ForeignOwner {
        owner: "fail2ban",
        pattern: "fail2ban-*",
    },
    ForeignOwner {
        owner: "Kubernetes",
        pattern: "KUBE-*",
    },
    ForeignOwner {
        owner: "libvirt",
        pattern: "LIBVIRT_*",
    },
    ForeignOwner {
        owner: "Calico",
        pattern: "cali-*",
    },
    ForeignOwner {
        owner: "Cilium",
        pattern: "CILIUM_*",
    },
    ForeignOwner {
        owner: "Tailscale",
        pattern: "ts-*",
    },
    ForeignOwner {
        owner: "CNI",
        pattern: "CNI-*",
    },
    ForeignOwner {
        owner: "Podman (netavark)",
        pattern: "NETAVARK*",
    },
    ForeignOwner {
        owner: "flannel",
        pattern: "FLANNEL-*",
    },
    ForeignOwner {
        owner: "Weave Net",
        pattern: "WEAVE*",
    },
];

/// Whether `pattern` (a name, or a prefix ending in `*`) matches chain `chain`.
///
/// ```
/// use pyptables_catalog::preserve::pattern_matches;
/// assert!(pattern_matches("DOCKER*", "DOCKER-USER"));
/// assert!(pattern_matches("DOCKER*", "DOCKER"));
/// assert!(pattern_matches("f2b-sshd", "f2b-sshd"));
/// assert!(!pattern_matches("f2b-sshd", "f2b-sshd2"));
/// ```
pub fn pattern_matches(pattern: &str, chain: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => chain.starts_with(prefix),
        None => pattern == chain,
    }
}

/// Whether one of `patterns` matches `chain`.
pub fn any_matches<'a>(patterns: impl IntoIterator<Item = &'a str>, chain: &str) -> bool {
    patterns.into_iter().any(|p| pattern_matches(p, chain))
}

/// The well-known owner of chain `chain`, if it has one.
///
/// ```
/// use pyptables_catalog::preserve::foreign_owner;
/// assert_eq!(foreign_owner("DOCKER-ISOLATION-STAGE-1").unwrap().owner, "Docker");
/// assert_eq!(foreign_owner("f2b-sshd").unwrap().pattern, "f2b-*");
/// assert!(foreign_owner("ssh_guard").is_none());
/// ```
pub fn foreign_owner(chain: &str) -> Option<&'static ForeignOwner> {
    FOREIGN_OWNERS
        .iter()
        .find(|o| pattern_matches(o.pattern, chain))
}

/// Why `pattern` is not a valid `preserve` pattern, if it is not: a chain name, or the start of
/// one followed by `*`.
///
/// ```
/// use pyptables_catalog::preserve::pattern_problem;
/// assert!(pattern_problem("DOCKER*").is_none());
/// assert!(pattern_problem("f2b-sshd").is_none());
/// assert!(pattern_problem("*").is_some());
/// assert!(pattern_problem("DO*CKER").is_some());
/// assert!(pattern_problem("INPUT").is_some());
/// ```
pub fn pattern_problem(pattern: &str) -> Option<Problem> {
    let (name, prefix) = match pattern.strip_suffix('*') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let reason = if name.contains('*') {
        Some("`*` is allowed only at the end of a pattern (`DOCKER*`)".to_string())
    } else if prefix && name.is_empty() {
        Some(
            "`*` alone would preserve every chain; name the chains or their common start \
             (`DOCKER*`, `f2b-*`)"
                .to_string(),
        )
    } else if prefix {
        // A prefix needs only the characters of a chain name.
        name.chars()
            .find(|c| !crate::value::is_name_char(*c))
            .map(|c| {
                format!("it contains {c:?}; chain names use letters, digits and `_ - . : @ +`")
            })
    } else {
        chain_name_problem(name).map(|reason| format!("not a user chain name: {reason}"))
    };
    reason.map(|reason| Problem::BadPreservePattern {
        pattern: pattern.to_string(),
        reason,
    })
}

/// The `preserve` line that keeps `chains` (their well-known owners' patterns, and the names
/// of the others), as written in `firewall!`: `preserve DOCKER*, f2b-*;`.
///
/// ```
/// use pyptables_catalog::preserve::preserve_line;
/// assert_eq!(preserve_line(["DOCKER", "DOCKER-USER", "f2b-sshd", "other"]), "preserve DOCKER*, f2b-*, other;");
/// ```
pub fn preserve_line<'a>(chains: impl IntoIterator<Item = &'a str>) -> String {
    let mut patterns: Vec<&str> = Vec::new();
    for chain in chains {
        let pattern = foreign_owner(chain).map_or(chain, |o| o.pattern);
        if !patterns.contains(&pattern) {
            patterns.push(pattern);
        }
    }
    format!("preserve {};", patterns.join(", "))
}
