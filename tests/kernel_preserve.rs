//! Sharing the host: `examples/docker_host.rs` applied (by its CLI, in-process) on a namespace
//! that runs Docker's, fail2ban's and kube-proxy's rules, checked with real packets and saves.
//!
//! The Docker-shaped rules are Docker 28's layout as moby's generated iptables documentation
//! shows it (filter `DOCKER`, `DOCKER-BRIDGE`, `DOCKER-CT`, `DOCKER-FORWARD`,
//! `DOCKER-INTERNAL`, `DOCKER-ISOLATION-STAGE-1/2`, `DOCKER-USER`, FORWARD policy
//! DROP with its two jumps; nat `DOCKER` with the DNAT of a published port, the `addrtype`
//! jumps and the MASQUERADE of the bridge network), for both families as Docker writes them
//! with IPv6 enabled; fail2ban's `f2b-sshd` with its INPUT jump and one banned address;
//! kube-proxy's `KUBE-SERVICES` with its INPUT jump. Docker's bridge is a veth named `docker0`
//! to a "container" namespace; the bridge network is a documentation range.
//!
//! ```text
//! trusted 198.51.100.2/26, 2001:db8:ad::2    ─┐
//! banned  198.51.100.66/26, 2001:db8:ad:1::2 ─┼─ host ── docker0 ── container 192.0.2.2, 2001:db8:2::2 (:80)
//! other   203.0.113.2, 2001:db8:113::2       ─┘   (port 8080 published: DNAT to the container's :80)
//! ```
//!
//! Needs root and iptables: `cargo test --test kernel_preserve -- --include-ignored`.

#[path = "../examples/docker_host.rs"]
mod docker_host;

use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;
use std::time::Duration;

use pyptables::cli::run_with_args;
use pyptables::{firewall, Firewall};
use pyptables_testkit::probe::Tcp;
use pyptables_testkit::{require_root_and_iptables, Backend, Family, TcpOutcome, Topology};

const DOCKER_V4: &str = "*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 192.0.2.0/24 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 192.0.2.2:80
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-BRIDGE - [0:0]
:DOCKER-CT - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-INTERNAL - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
:KUBE-SERVICES - [0:0]
:f2b-sshd - [0:0]
-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A INPUT -m conntrack --ctstate NEW -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A DOCKER -d 192.0.2.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER ! -i docker0 -o docker0 -j DROP
-A DOCKER-BRIDGE -o docker0 -j DOCKER
-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A DOCKER-FORWARD -j DOCKER-CT
-A DOCKER-FORWARD -j DOCKER-INTERNAL
-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
-A DOCKER-FORWARD -j DOCKER-BRIDGE
-A DOCKER-FORWARD -i docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment \"default/kubernetes:https has no endpoints\" -m tcp --dport 443 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -s 198.51.100.66/32 -j REJECT --reject-with icmp-port-unreachable
-A f2b-sshd -j RETURN
COMMIT
";

const DOCKER_V6: &str = "*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:DOCKER - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d ::1/128 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 2001:db8:2::/64 ! -o docker0 -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination [2001:db8:2::2]:80
COMMIT
*filter
:INPUT ACCEPT [0:0]
:FORWARD DROP [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:DOCKER-BRIDGE - [0:0]
:DOCKER-CT - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-INTERNAL - [0:0]
:DOCKER-ISOLATION-STAGE-1 - [0:0]
:DOCKER-ISOLATION-STAGE-2 - [0:0]
:DOCKER-USER - [0:0]
:f2b-sshd - [0:0]
-A INPUT -p tcp -m multiport --dports 22 -j f2b-sshd
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A DOCKER -d 2001:db8:2::2/128 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER ! -i docker0 -o docker0 -j DROP
-A DOCKER-BRIDGE -o docker0 -j DOCKER
-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A DOCKER-FORWARD -j DOCKER-CT
-A DOCKER-FORWARD -j DOCKER-INTERNAL
-A DOCKER-FORWARD -j DOCKER-ISOLATION-STAGE-1
-A DOCKER-FORWARD -j DOCKER-BRIDGE
-A DOCKER-FORWARD -i docker0 -j ACCEPT
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2
-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP
-A f2b-sshd -s 2001:db8:ad:1::2/128 -j REJECT --reject-with icmp6-port-unreachable
-A f2b-sshd -j RETURN
COMMIT
";

/// The apply lock and confirmation state of the runs here: a directory of this test process.
fn run_dir() {
    static DIR: OnceLock<()> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("pyptables-preserve-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::env::set_var("PYPTABLES_RUN_DIR", &dir);
    });
}

fn docker_host(b: Backend) -> Topology {
    let net = Topology::builder(&format!("preserve_{b}"))
        .add_host("host")
        .add_host("trusted")
        .add_host("banned")
        .add_host("other")
        .add_host("docker0")
        .link("trusted", "host", "198.51.100.2/26", "198.51.100.1/26")
        .address("trusted", "host", "2001:db8:ad::2/64")
        .address("host", "trusted", "2001:db8:ad::1/64")
        .link("banned", "host", "198.51.100.66/26", "198.51.100.65/26")
        .address("banned", "host", "2001:db8:ad:1::2/64")
        .address("host", "banned", "2001:db8:ad:1::1/64")
        .link("other", "host", "203.0.113.2/24", "203.0.113.1/24")
        .address("other", "host", "2001:db8:113::2/64")
        .address("host", "other", "2001:db8:113::1/64")
        .link("host", "docker0", "192.0.2.1/24", "192.0.2.2/24")
        .address("host", "docker0", "2001:db8:2::1/64")
        .address("docker0", "host", "2001:db8:2::2/64")
        .route("docker0", "default", "192.0.2.1")
        .route("docker0", "default", "2001:db8:2::1")
        .enable_forwarding("host")
        .build()
        .unwrap();
    let host = net.ns("host");
    host.restore(b, Family::V4, DOCKER_V4, &[]).unwrap();
    host.restore(b, Family::V6, DOCKER_V6, &[]).unwrap();
    net
}

/// Runs the CLI on `fw` in the host namespace: `(exit code, stdout, stderr)`.
fn cli(fw: &Firewall, net: &Topology, b: Backend, args: &[&str]) -> (u8, String, String) {
    run_dir();
    let mut argv = vec![
        "docker_host".to_string(),
        "--netns".into(),
        net.ns("host").name().into(),
        "--backend".into(),
        b.to_string(),
    ];
    argv.extend(args.iter().map(|a| a.to_string()));
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with_args(fw, argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[track_caller]
fn apply_ok(fw: &Firewall, net: &Topology, b: Backend, args: &[&str]) {
    let (code, out, err) = cli(fw, net, b, args);
    assert_eq!(code, 0, "{b}: apply {args:?}: {out}{err}");
}

/// What belongs to the other software in a save of `family`: the whole nat table, and in the
/// filter table the chains it owns, FORWARD and OUTPUT (which the firewall does not name) and
/// INPUT's jumps to its chains.
fn foreign_view(net: &Topology, b: Backend, family: Family) -> String {
    let ns = net.ns("host");
    let mut view = ns.save_table(b, family, "nat").unwrap();
    let filter = ns.save_table(b, family, "filter").unwrap();
    for line in filter.lines() {
        let chain = line
            .strip_prefix(':')
            .or_else(|| line.strip_prefix("-A "))
            .and_then(|l| l.split_whitespace().next());
        let foreign = |c: &str| {
            ["DOCKER", "KUBE-", "f2b-"].iter().any(|p| c.starts_with(p)) && c != "DOCKER-USER"
        };
        let keep = match chain {
            Some("FORWARD" | "OUTPUT") => true,
            Some("INPUT") => {
                line.starts_with("-A") && (line.contains("-j f2b-") || line.contains("-j KUBE-"))
            }
            Some(c) => foreign(c),
            None => false,
        };
        if keep {
            view.push_str(line);
            view.push('\n');
        }
    }
    view
}

/// TCP from `from` to the host's address toward it, port `port`, with the listener in
/// `listener` on `listen_port` (the container's port for the published one).
fn tcp(
    net: &Topology,
    from: &str,
    port: u16,
    listener: &str,
    listen_port: u16,
    v6: bool,
) -> TcpOutcome {
    let addr = net.addr_toward("host", from, v6);
    let any: IpAddr = if v6 {
        "::".parse().unwrap()
    } else {
        "0.0.0.0".parse().unwrap()
    };
    let probe = Tcp::to(SocketAddr::new(addr, port)).listen_on(SocketAddr::new(any, listen_port));
    net.tcp_probe(from, listener, &probe).outcome
}

/// The published port through DNAT, SSH, the fail2ban ban and INPUT's policy, both families.
fn check_traffic(net: &Topology, b: Backend, when: &str) {
    use TcpOutcome::*;
    for v6 in [false, true] {
        let f = if v6 { "IPv6" } else { "IPv4" };
        let published = docker_host::PUBLISHED_PORT;
        assert_eq!(
            tcp(net, "trusted", published, "docker0", 80, v6),
            Accepted,
            "{b} {f} {when}: the trusted net reaches the published port (DNAT to the container)"
        );
        assert_ne!(
            tcp(net, "other", published, "docker0", 80, v6),
            Accepted,
            "{b} {f} {when}: the published port is closed to other networks"
        );
        assert_eq!(
            tcp(net, "trusted", 22, "host", 22, v6),
            Accepted,
            "{b} {f} {when}: SSH from the admin net"
        );
        assert_eq!(
            tcp(net, "banned", 22, "host", 22, v6),
            Refused,
            "{b} {f} {when}: fail2ban's ban still wins over the admin net's SSH accept"
        );
        assert_eq!(
            tcp(net, "other", 22, "host", 22, v6),
            TimedOut,
            "{b} {f} {when}: INPUT policy DROP"
        );
    }
}

fn docker_host_example_keeps_docker_fail2ban_and_kubernetes(b: Backend) {
    let net = docker_host(b);
    let before = Family::ALL.map(|f| foreign_view(&net, b, f));
    // Without the firewall the published port is open to everyone: the checks below are the
    // firewall's doing.
    assert_eq!(
        tcp(
            &net,
            "other",
            docker_host::PUBLISHED_PORT,
            "docker0",
            80,
            false
        ),
        TcpOutcome::Accepted,
        "{b}: Docker's rules publish the port"
    );

    let fw = docker_host::firewall();
    apply_ok(&fw, &net, b, &["apply"]);
    let first = Family::ALL.map(|f| net.ns("host").save(b, f).unwrap());
    for (i, f) in Family::ALL.iter().enumerate() {
        assert_eq!(
            foreign_view(&net, b, *f),
            before[i],
            "{b} {f}: other software's chains and jumps are as they were"
        );
        let input: Vec<&str> = first[i]
            .lines()
            .filter(|l| l.starts_with("-A INPUT ") || l.starts_with(":INPUT "))
            .collect();
        assert_eq!(input[0], ":INPUT DROP", "{b} {f}: the firewall's policy");
        assert!(
            input[1].ends_with("-j f2b-sshd"),
            "{b} {f}: fail2ban's jump stays first: {input:?}"
        );
    }
    check_traffic(&net, b, "after the first apply");

    // Twice: nothing changes, nothing is duplicated.
    apply_ok(&fw, &net, b, &["apply"]);
    for (i, f) in Family::ALL.iter().enumerate() {
        let again = net.ns("host").save(b, *f).unwrap();
        assert_eq!(again, first[i], "{b} {f}: a second apply changed the rules");
        let mut rules: Vec<&str> = again.lines().filter(|l| l.starts_with("-A ")).collect();
        let n = rules.len();
        rules.sort_unstable();
        rules.dedup();
        assert_eq!(rules.len(), n, "{b} {f}: a rule is there twice:\n{again}");
    }
    check_traffic(&net, b, "after the second apply");

    // diff: Docker starting a container after the apply (a new DNAT rule, a new chain rule) is
    // no difference.
    net.ns("host")
        .iptables(
            b,
            Family::V4,
            &[
                "-t",
                "nat",
                "-A",
                "DOCKER",
                "!",
                "-i",
                "docker0",
                "-p",
                "tcp",
                "--dport",
                "8081",
                "-j",
                "DNAT",
                "--to-destination",
                "192.0.2.3:80",
            ],
        )
        .unwrap();
    let (code, out, err) = cli(&fw, &net, b, &["diff"]);
    assert_eq!(code, 0, "{b}: diff sees no difference: {out}{err}");
}

/// A firewall the kernel refuses (MASQUERADE outside nat, in raw text the catalog cannot
/// judge) in a preserving table: the firewall's rules and the other software's stay as they
/// were.
fn refused_rules_change_nothing(b: Backend) {
    let net = docker_host(b);
    let fw = docker_host::firewall();
    apply_ok(&fw, &net, b, &["apply"]);
    let before = Family::ALL.map(|f| net.ns("host").save(b, f).unwrap());
    // The nat table comes first: with the legacy backend it is committed before the filter
    // table is refused, and must be put back.
    let bad = firewall! {
        ip {
            nat { preserve DOCKER*; POSTROUTING { masquerade out_interface=other; } }
            filter {
                preserve DOCKER*, f2b-*, KUBE-*;
                INPUT policy DROP {
                    accept in_interface=lo;
                    raw "-p tcp -m tcp --dport 22 -j MASQUERADE";
                }
            }
        }
    };
    let (code, out, err) = cli(&bad, &net, b, &["apply"]);
    assert_eq!(code, 1, "{b}: refused: {out}{err}");
    // The refusal names the firewall's rule (nf_tables) or table (legacy: at COMMIT), not a
    // line of the merged input.
    let place = match b {
        Backend::Nft => "filter INPUT rule 2 (IPv4): rejected",
        Backend::Legacy => "filter (IPv4): rejected",
    };
    assert!(err.contains(place), "{b}: {err}");
    for (i, f) in Family::ALL.iter().enumerate() {
        assert_eq!(
            net.ns("host").save(b, *f).unwrap(),
            before[i],
            "{b} {f}: a refused apply changed the rules"
        );
    }
}

/// `apply --confirm` not confirmed: the firewall's previous rules come back, and a ban
/// fail2ban added meanwhile stays.
fn a_rollback_keeps_what_others_did_meanwhile(b: Backend) {
    let net = docker_host(b);
    apply_ok(&docker_host::firewall(), &net, b, &["apply"]);
    let previous = net.ns("host").save(b, Family::V4).unwrap();
    let other = firewall! {
        ip {
            filter {
                preserve DOCKER*, f2b-*, KUBE-*;
                INPUT policy DROP { accept in_interface=lo; accept proto=tcp dport=2222; }
                chain DOCKER-USER { return; }
            }
        }
    };
    let ban = "-A f2b-sshd -s 198.51.100.70/32 -j REJECT --reject-with icmp-port-unreachable";
    std::thread::scope(|s| {
        let applying = s.spawn(|| cli(&other, &net, b, &["apply", "--confirm", "2"]));
        // While it waits for the confirmation, fail2ban bans an address.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let now = net.ns("host").save(b, Family::V4).unwrap();
            if now.contains("--dport 2222") {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{b}: the new rules never came"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let args: Vec<&str> = ban.split(' ').map(|a| a.trim_start_matches("-A")).collect();
        let mut args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
        args.insert(0, "-I");
        net.ns("host").iptables(b, Family::V4, &args).unwrap();
        let (code, out, err) = applying.join().unwrap();
        assert_eq!(code, 1, "{b}: not confirmed: {out}{err}");
    });
    let after = net.ns("host").save(b, Family::V4).unwrap();
    assert!(
        after.contains(ban),
        "{b}: fail2ban's new ban survives the rollback:\n{after}"
    );
    let without_ban: String = after
        .lines()
        .filter(|l| *l != ban)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        without_ban, previous,
        "{b}: the firewall's previous rules are back, the rest as it was"
    );
}

/// A firewall without `preserve` is refused on the Docker-shaped host, naming the chains;
/// `--replace-foreign` replaces them.
fn without_preserve_apply_refuses_unless_told(b: Backend) {
    let net = docker_host(b);
    let before = net.ns("host").save(b, Family::V4).unwrap();
    let plain = firewall! {
        filter { INPUT policy DROP { accept in_interface=lo; } }
    };
    let (code, out, err) = cli(&plain, &net, b, &["apply"]);
    assert_eq!(code, 1, "{b}: refused: {out}{err}");
    for chain in [
        "DOCKER-USER",
        "DOCKER-ISOLATION-STAGE-1",
        "KUBE-SERVICES",
        "f2b-sshd",
    ] {
        assert!(err.contains(chain), "{b}: the error names {chain}: {err}");
    }
    assert!(
        err.contains("preserve DOCKER*, KUBE-*, f2b-*;"),
        "{b}: the error gives the preserve line: {err}"
    );
    assert_eq!(
        net.ns("host").save(b, Family::V4).unwrap(),
        before,
        "{b}: nothing changed"
    );

    apply_ok(&plain, &net, b, &["apply", "--replace-foreign"]);
    let after = net.ns("host").save_table(b, Family::V4, "filter").unwrap();
    assert!(!after.contains("DOCKER"), "{b}: replaced:\n{after}");
}

mod docker_host_example_keeps_docker_fail2ban_and_kubernetes {
    #[test]
    #[ignore = "needs root and iptables (kernel test)"]
    fn nft() {
        super::require_root_and_iptables();
        super::docker_host_example_keeps_docker_fail2ban_and_kubernetes(super::Backend::Nft);
    }

    #[test]
    #[ignore = "needs root and iptables (kernel test)"]
    fn legacy() {
        super::require_root_and_iptables();
        super::docker_host_example_keeps_docker_fail2ban_and_kubernetes(super::Backend::Legacy);
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn refused_rules_in_a_preserving_table_change_nothing() {
    require_root_and_iptables();
    for b in Backend::ALL {
        refused_rules_change_nothing(b);
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_confirm_timeout_rolls_back_only_the_firewalls_part() {
    require_root_and_iptables();
    for b in Backend::ALL {
        a_rollback_keeps_what_others_did_meanwhile(b);
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn without_preserve_apply_refuses_on_a_docker_host() {
    require_root_and_iptables();
    for b in Backend::ALL {
        without_preserve_apply_refuses_unless_told(b);
    }
}

/// The library API: `Tables::restore` refuses a table without `preserve` on a host with
/// other software's chains ([`RestoreError::ForeignChains`]), unless `replace_foreign`; a
/// preserving table given a restore program by path needs its save program.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn restore_options_for_foreign_chains() {
    use pyptables::{RestoreError, RestoreOptions};
    require_root_and_iptables();
    let b = Backend::Nft;
    let ns = pyptables_testkit::Netns::new("preserve_api").unwrap();
    ns.restore(b, Family::V4, DOCKER_V4, &[]).unwrap();
    let options = RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: pyptables::Backend::Path("iptables-nft-restore".into()),
        ..RestoreOptions::default()
    };
    let plain = firewall! { filter { INPUT { accept in_interface=lo; } } };
    match plain.ipv4().restore(&options) {
        Err(RestoreError::Invalid(e)) => panic!("{e}"),
        // Without a save program the running table is not read: nothing to refuse with.
        Ok(()) => {}
        Err(e) => panic!("{e}"),
    }
    ns.restore(b, Family::V4, DOCKER_V4, &[]).unwrap();
    let before = ns.save(b, Family::V4).unwrap();
    let with_save = RestoreOptions {
        save_program: Some("iptables-nft-save".into()),
        ..options.clone()
    };
    match plain.ipv4().restore(&with_save) {
        Err(RestoreError::ForeignChains {
            table,
            chains,
            preserve,
            ..
        }) => {
            assert_eq!(table, "filter");
            assert_eq!(
                chains,
                [
                    "DOCKER",
                    "DOCKER-BRIDGE",
                    "DOCKER-CT",
                    "DOCKER-FORWARD",
                    "DOCKER-INTERNAL",
                    "DOCKER-ISOLATION-STAGE-1",
                    "DOCKER-ISOLATION-STAGE-2",
                    "DOCKER-USER",
                    "KUBE-SERVICES",
                    "f2b-sshd"
                ]
            );
            assert_eq!(preserve, "preserve DOCKER*, KUBE-*, f2b-*;");
        }
        other => panic!("expected ForeignChains, got {other:?}"),
    }
    assert_eq!(
        ns.save(b, Family::V4).unwrap(),
        before,
        "refused: nothing changed"
    );

    let keeping =
        firewall! { filter { preserve DOCKER*, f2b-*, KUBE-*; INPUT { accept in_interface=lo; } } };
    assert!(matches!(
        keeping.ipv4().restore(&options),
        Err(RestoreError::NoSaveProgram { .. })
    ));
    keeping.ipv4().restore(&with_save).unwrap();
    let after = ns.save_table(b, Family::V4, "filter").unwrap();
    assert!(
        after.contains("-A DOCKER-FORWARD -j DOCKER-CT\n"),
        "{after}"
    );
    assert!(after.contains("-A INPUT -i lo -j ACCEPT\n"), "{after}");

    let replacing = RestoreOptions {
        replace_foreign: true,
        ..with_save
    };
    plain.ipv4().restore(&replacing).unwrap();
    let filter = ns.save_table(b, Family::V4, "filter").unwrap();
    assert!(!filter.contains("DOCKER"), "{filter}");
}

/// The refusal counts what the firewall does not own: a chain it defines itself is its own
/// (applying it a second time is no refusal), and a preserving table still refuses to delete a
/// well-known owner's chain its patterns miss.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_refusal_counts_only_chains_the_firewall_does_not_own() {
    use pyptables::{RestoreError, RestoreOptions};
    require_root_and_iptables();
    let b = Backend::Nft;
    let ns = pyptables_testkit::Netns::new("preserve_own").unwrap();
    let options = RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: pyptables::Backend::Nft,
        ..RestoreOptions::default()
    };
    let owns_docker_user = firewall! {
        filter { FORWARD { jump DOCKER-USER; } chain DOCKER-USER { return; } }
    };
    owns_docker_user.ipv4().restore(&options).unwrap();
    owns_docker_user
        .ipv4()
        .restore(&options)
        .expect("DOCKER-USER is the firewall's own chain");

    ns.restore(b, Family::V4, DOCKER_V4, &[]).unwrap();
    let before = ns.save(b, Family::V4).unwrap();
    let docker_only = firewall! { filter { preserve DOCKER*; INPUT { accept in_interface=lo; } } };
    match docker_only.ipv4().restore(&options) {
        Err(RestoreError::ForeignChains {
            chains, preserve, ..
        }) => {
            assert_eq!(chains, ["KUBE-SERVICES", "f2b-sshd"]);
            assert_eq!(preserve, "preserve KUBE-*, f2b-*;");
        }
        other => panic!("expected ForeignChains, got {other:?}"),
    }
    assert_eq!(
        ns.save(b, Family::V4).unwrap(),
        before,
        "refused: nothing changed"
    );
}

/// `save` writes the boot file of a preserving firewall so that it loads at boot, before the
/// other software has created its chains: the preserved chains its rules jump to are declared.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn the_boot_file_of_a_preserving_firewall_loads_on_a_fresh_host() {
    require_root_and_iptables();
    let fw = firewall! {
        filter {
            preserve DOCKER*, f2b-*;
            INPUT policy DROP { jump f2b-sshd proto=tcp dport=22; accept in_interface=lo; }
            chain DOCKER-USER { jump DOCKER-FORWARD-EXTRA; return; }
        }
    };
    let dir = std::env::temp_dir().join(format!("pyptables-preserve-save-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_with_args(
        &fw,
        [
            "fw",
            "save",
            "--layout",
            "debian",
            "--dir",
            dir.to_str().unwrap(),
        ],
        &mut out,
        &mut err,
    );
    let err = String::from_utf8(err).unwrap();
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("use `apply`"), "{err}");
    let text = std::fs::read_to_string(dir.join("rules.v4")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    for b in Backend::ALL {
        let ns = pyptables_testkit::Netns::new("preserve_boot").unwrap();
        ns.restore(b, Family::V4, &text, &[])
            .unwrap_or_else(|e| panic!("{b}: the boot file loads: {e}\n{text}"));
        let save = ns.save_table(b, Family::V4, "filter").unwrap();
        assert!(save.contains(":f2b-sshd -\n"), "{b}: {save}");
        assert!(
            save.contains("-A INPUT -p tcp -m tcp --dport 22 -j f2b-sshd\n"),
            "{b}: {save}"
        );
    }
}

/// `--noflush` with a preserving table: the preserved chain its rules jump to is not
/// declared, so it is not flushed.
#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn noflush_does_not_flush_a_preserved_chain() {
    use pyptables::RestoreOptions;
    require_root_and_iptables();
    let b = Backend::Legacy;
    let ns = pyptables_testkit::Netns::new("preserve_noflush").unwrap();
    ns.restore(b, Family::V4, DOCKER_V4, &[]).unwrap();
    let fw = firewall! { filter { preserve f2b-*; INPUT { jump f2b-sshd; } } };
    let options = RestoreOptions {
        netns: Some(ns.name().to_string()),
        backend: pyptables::Backend::Legacy,
        noflush: true,
        ..RestoreOptions::default()
    };
    fw.ipv4().restore(&options).unwrap();
    let filter = ns.save_table(b, Family::V4, "filter").unwrap();
    assert!(
        filter.contains("-A f2b-sshd -s 198.51.100.66/32 -j REJECT"),
        "{filter}"
    );
}
