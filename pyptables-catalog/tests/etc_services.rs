//! The built-in service names against the machine's `/etc/services` (Debian's `netbase`),
//! read through the C library's own resolver (`getent services NAME/PROTO`, which calls
//! `getservbyname`), so that a name means here what it means to iptables on the host.
//!
//! Needs `/etc/services` from the `netbase` package and `getent` (libc-bin).

use std::process::Command;

use pyptables_catalog::services;

/// The protocols a name is compared for.
const PROTOCOLS: [&str; 5] = ["tcp", "udp", "dccp", "udplite", "sctp"];

/// The protocols glibc's `getaddrinfo` tries for a service name when none is given, in its
/// order (the default entries of `gaih_inet_typeproto`); iptables' `--dport` of udp and dccp,
/// conntrack's ports and the NAT targets' ports resolve names that way.
const ANY_ORDER: [&str; 2] = ["tcp", "udp"];

/// Every service name and alias of `/etc/services`.
fn etc_names() -> Vec<String> {
    let text = std::fs::read_to_string("/etc/services")
        .expect("/etc/services is missing: install the `netbase` package");
    let mut names: Vec<String> = Vec::new();
    for line in text.lines() {
        let data = line.split('#').next().unwrap_or("");
        let mut words = data.split_whitespace();
        let Some(name) = words.next() else { continue };
        let _port_proto = words.next().expect("a port/protocol column");
        for n in std::iter::once(name).chain(words) {
            if !names.iter().any(|m| m == n) {
                names.push(n.to_string());
            }
        }
    }
    assert!(
        names.len() > 300,
        "only {} names in /etc/services",
        names.len()
    );
    names
}

/// `getservbyname(name, proto)`'s port, through `getent`.
fn getservbyname(name: &str, proto: &str) -> Option<u16> {
    let out = Command::new("getent")
        .args(["services", &format!("{name}/{proto}")])
        .output()
        .expect("getent (libc-bin) runs");
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).unwrap();
    let column = text
        .split_whitespace()
        .nth(1)
        .expect("a port/protocol column");
    let (port, p) = column.split_once('/').unwrap();
    assert_eq!(p, proto, "{text}");
    Some(port.parse().unwrap())
}

#[test]
fn every_name_of_etc_services_means_what_the_c_library_says() {
    let mut wrong = Vec::new();
    for name in etc_names() {
        let per_proto: Vec<(&str, Option<u16>)> = PROTOCOLS
            .iter()
            .map(|p| (*p, getservbyname(&name, p)))
            .collect();
        let any = per_proto
            .iter()
            .filter(|(p, _)| ANY_ORDER.contains(p))
            .find_map(|(_, port)| *port);
        if services::port(&name) != any {
            wrong.push(format!(
                "{name}: any protocol {:?}, C library {any:?}",
                services::port(&name)
            ));
        }
        for (proto, port) in &per_proto {
            if services::port_for(&name, proto) != *port {
                wrong.push(format!(
                    "{name}/{proto}: {:?}, C library {port:?}",
                    services::port_for(&name, proto)
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differences:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[test]
fn no_name_is_known_that_etc_services_lacks() {
    let etc = etc_names();
    let extra: Vec<&str> = services::names()
        .filter(|n| !etc.iter().any(|e| e == n))
        .collect();
    assert!(extra.is_empty(), "not in /etc/services: {extra:?}");
}
