//! The probes against real kernel behaviour: each outcome the docs promise is produced here by
//! a rule (or its absence) and observed with real packets, on both backends and both families.

use pyptables_testkit::{
    require_root_and_iptables, Backend, Family, PingOutcome, Tcp, TcpOutcome, Topology, UdpOutcome,
};

/// Loads `rules` into `host` of `topo`, or fails the test with the tool's message.
fn load(topo: &Topology, host: &str, backend: Backend, family: Family, rules: &str) {
    topo.ns(host)
        .restore(backend, family, rules, &[])
        .unwrap_or_else(|e| panic!("{backend} {family}: loading rules into {host}: {e}"));
}

fn v6(family: Family) -> bool {
    family == Family::V6
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn without_rules_a_listening_port_accepts_and_a_closed_port_refuses() {
    require_root_and_iptables();
    let net = Topology::single_host("no_rules_tcp").unwrap();
    assert_eq!(
        net.tcp("client", "host", 80),
        TcpOutcome::Accepted,
        "client reaches host:80"
    );
    assert_eq!(
        net.tcp6("client", "host", 80),
        TcpOutcome::Accepted,
        "client reaches host:80 over IPv6"
    );
    for family in Family::ALL {
        assert_eq!(
            net.tcp_closed("client", "host", 81, v6(family)),
            TcpOutcome::Refused,
            "{family}: nothing listens on host:81, so the host answers with a reset"
        );
    }
    let report = net.tcp_report("client", "host", 80, false);
    assert_eq!(
        report.source_seen(),
        Some("192.0.2.2".parse().unwrap()),
        "no NAT: host sees the client"
    );
    assert_eq!(report.server_local, Some("192.0.2.1:80".parse().unwrap()));
    assert_eq!(
        report.client_local.map(|a| a.ip()),
        Some("192.0.2.2".parse().unwrap())
    );
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn drop_makes_tcp_time_out_on_each_backend_and_family() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        // One topology per backend: the two backends must not share a namespace.
        let net = Topology::single_host(&format!("drop_{backend}")).unwrap();
        for family in Family::ALL {
            load(
                &net,
                "host",
                backend,
                family,
                "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n",
            );
            assert_eq!(
                net.tcp_report("client", "host", 22, v6(family)).outcome,
                TcpOutcome::TimedOut,
                "{backend} {family}: client cannot reach host:22"
            );
            assert_eq!(
                net.tcp_report("client", "host", 80, v6(family)).outcome,
                TcpOutcome::Accepted,
                "{backend} {family}: client still reaches host:80"
            );
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn reject_answers_refused_or_unreachable_depending_on_the_reply() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let net = Topology::single_host(&format!("reject_{backend}")).unwrap();
        for family in Family::ALL {
            let prohibited = match family {
                Family::V4 => "icmp-host-prohibited",
                Family::V6 => "icmp6-adm-prohibited",
            };
            load(
                &net,
                "host",
                backend,
                family,
                &format!(
                    "*filter\n:INPUT ACCEPT [0:0]\n\
                     -A INPUT -p tcp --dport 22 -j REJECT --reject-with tcp-reset\n\
                     -A INPUT -p tcp --dport 23 -j REJECT\n\
                     -A INPUT -p tcp --dport 24 -j REJECT --reject-with {prohibited}\n\
                     COMMIT\n"
                ),
            );
            let tcp = |port| net.tcp_report("client", "host", port, v6(family)).outcome;
            assert_eq!(
                tcp(22),
                TcpOutcome::Refused,
                "{backend} {family}: tcp-reset refuses :22"
            );
            assert_eq!(
                tcp(23),
                TcpOutcome::Refused,
                "{backend} {family}: port-unreachable refuses :23"
            );
            assert_eq!(
                tcp(24),
                TcpOutcome::Unreachable,
                "{backend} {family}: {prohibited} on :24"
            );
            assert_eq!(
                tcp(25),
                TcpOutcome::Accepted,
                "{backend} {family}: :25 is open"
            );
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn udp_is_delivered_refused_or_dropped() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let net = Topology::single_host(&format!("udp_{backend}")).unwrap();
        for family in Family::ALL {
            let v6 = v6(family);
            let prohibited = if v6 {
                "icmp6-adm-prohibited"
            } else {
                "icmp-host-prohibited"
            };
            let delivered = net.udp_report("client", "host", 53, v6);
            assert_eq!(
                delivered.outcome,
                UdpOutcome::Delivered,
                "{backend} {family}: host gets udp/53"
            );
            assert!(
                delivered.answered,
                "{backend} {family}: the echo from host:53 comes back"
            );
            let client = net.target_addr("host", "client", v6);
            assert_eq!(delivered.server_saw_peer.map(|a| a.ip()), Some(client));

            let closed =
                pyptables_testkit::Udp::to((net.target_addr("client", "host", v6), 54).into())
                    .no_listener();
            assert_eq!(
                net.udp_probe("client", "host", &closed).outcome,
                UdpOutcome::Refused,
                "{backend} {family}: nothing listens on udp/54"
            );

            load(
                &net,
                "host",
                backend,
                family,
                &format!(
                    "*filter\n:INPUT ACCEPT [0:0]\n\
                     -A INPUT -p udp --dport 53 -j DROP\n\
                     -A INPUT -p udp --dport 55 -j REJECT\n\
                     -A INPUT -p udp --dport 56 -j REJECT --reject-with {prohibited}\n\
                     COMMIT\n"
                ),
            );
            let udp = |port| net.udp_report("client", "host", port, v6).outcome;
            assert_eq!(
                udp(53),
                UdpOutcome::Dropped,
                "{backend} {family}: udp/53 dropped"
            );
            assert_eq!(
                udp(55),
                UdpOutcome::Refused,
                "{backend} {family}: udp/55 rejected"
            );
            assert_eq!(
                udp(56),
                UdpOutcome::Unreachable,
                "{backend} {family}: udp/56 {prohibited}"
            );
            assert_eq!(
                udp(57),
                UdpOutcome::Delivered,
                "{backend} {family}: udp/57 still open"
            );
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn ping_replies_unless_dropped_or_rejected() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let net = Topology::single_host(&format!("ping_{backend}")).unwrap();
        assert_eq!(
            net.ping("client", "host"),
            PingOutcome::Reply,
            "{backend}: host answers ping"
        );
        assert_eq!(
            net.ping6("client", "host"),
            PingOutcome::Reply,
            "{backend}: host answers ping6"
        );
        // An address on the link that nobody owns: ARP/ND fails, nothing comes back.
        assert_eq!(
            net.ping_addr("client", "192.0.2.99".parse().unwrap()),
            PingOutcome::NoReply,
            "{backend}: nobody has 192.0.2.99"
        );

        load(
            &net,
            "host",
            backend,
            Family::V4,
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p icmp -j DROP\nCOMMIT\n",
        );
        load(
            &net,
            "host",
            backend,
            Family::V6,
            "*filter\n:INPUT ACCEPT [0:0]\n\
             -A INPUT -p ipv6-icmp --icmpv6-type echo-request -j REJECT\nCOMMIT\n",
        );
        assert_eq!(
            net.ping("client", "host"),
            PingOutcome::NoReply,
            "{backend}: IPv4 ping dropped"
        );
        assert_eq!(
            net.ping6("client", "host"),
            PingOutcome::Unreachable,
            "{backend}: IPv6 ping rejected"
        );

        load(
            &net,
            "host",
            backend,
            Family::V4,
            "*filter\n:INPUT ACCEPT [0:0]\n\
             -A INPUT -p icmp -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n",
        );
        assert_eq!(
            net.ping("client", "host"),
            PingOutcome::Unreachable,
            "{backend}: IPv4 ping rejected"
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn masquerade_on_the_router_shows_the_router_address_at_the_server() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let net = Topology::client_router_server(&format!("masq_{backend}")).unwrap();
        for family in Family::ALL {
            let v6 = v6(family);
            let client = net.target_addr("router", "client", v6);
            let router = net.target_addr("server", "router", v6);
            assert_eq!(
                net.tcp_report("client", "server", 80, v6).source_seen(),
                Some(client),
                "{backend} {family}: without NAT the server sees the client"
            );
            load(
                &net,
                "router",
                backend,
                family,
                "*nat\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -o server -j MASQUERADE\nCOMMIT\n",
            );
            let report = net.tcp_report("client", "server", 80, v6);
            assert_eq!(
                report.outcome,
                TcpOutcome::Accepted,
                "{backend} {family}: client reaches server:80"
            );
            assert_eq!(
                report.source_seen(),
                Some(router),
                "{backend} {family}: with MASQUERADE the server sees the router"
            );
            let udp = net.udp_report("client", "server", 53, v6);
            assert_eq!(
                udp.server_saw_peer.map(|a| a.ip()),
                Some(router),
                "{backend} {family}: udp masqueraded"
            );
            assert!(
                udp.answered,
                "{backend} {family}: the answer is translated back"
            );
        }
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn dnat_on_the_router_brings_the_client_to_the_server() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let net = Topology::client_router_server(&format!("dnat_{backend}")).unwrap();
        load(
            &net,
            "router",
            backend,
            Family::V4,
            "*nat\n:PREROUTING ACCEPT [0:0]\n\
             -A PREROUTING -i client -d 192.0.2.1 -p tcp --dport 80 -j DNAT --to-destination 198.51.100.2:8080\n\
             COMMIT\n",
        );
        let probe =
            Tcp::to("192.0.2.1:80".parse().unwrap()).listen_on("0.0.0.0:8080".parse().unwrap());
        let report = net.tcp_probe("client", "server", &probe);
        assert_eq!(
            report.outcome,
            TcpOutcome::Accepted,
            "{backend}: client reaches router:80"
        );
        assert_eq!(
            report.server_local,
            Some("198.51.100.2:8080".parse().unwrap()),
            "{backend}: the connection to router:80 arrives at server:8080"
        );
        assert_eq!(
            report.source_seen(),
            Some("192.0.2.2".parse().unwrap()),
            "{backend}: source untouched"
        );
        // Port 81 is not forwarded: the router itself has nothing there.
        assert_eq!(
            net.tcp_closed("client", "router", 81, false),
            TcpOutcome::Refused
        );
    }
}

#[test]
#[ignore = "needs root and iptables (kernel test)"]
fn a_lan_dmz_wan_router_keeps_its_promises() {
    require_root_and_iptables();
    for backend in Backend::ALL {
        let net = Topology::lan_dmz_wan(&format!("zones_{backend}")).unwrap();
        assert_eq!(net.iface("router", "dmz"), "dmz");
        for family in Family::ALL {
            load(
                &net,
                "router",
                backend,
                family,
                "*filter\n:FORWARD DROP [0:0]\n\
                 -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\n\
                 -A FORWARD -i lan -o dmz -p tcp --dport 443 -j ACCEPT\n\
                 -A FORWARD -i wan -o dmz -p tcp --dport 443 -j ACCEPT\n\
                 COMMIT\n",
            );
        }
        for family in Family::ALL {
            let v6 = v6(family);
            let tcp = |from, to, port| net.tcp_report(from, to, port, v6).outcome;
            assert_eq!(
                tcp("lan", "dmz", 443),
                TcpOutcome::Accepted,
                "{backend} {family}: lan reaches dmz:443"
            );
            assert_eq!(
                tcp("wan", "dmz", 443),
                TcpOutcome::Accepted,
                "{backend} {family}: wan reaches dmz:443"
            );
            assert_eq!(
                tcp("lan", "dmz", 22),
                TcpOutcome::TimedOut,
                "{backend} {family}: lan cannot reach dmz:22"
            );
            assert_eq!(
                tcp("wan", "lan", 22),
                TcpOutcome::TimedOut,
                "{backend} {family}: wan cannot reach lan:22"
            );
            assert_eq!(
                tcp("dmz", "lan", 443),
                TcpOutcome::TimedOut,
                "{backend} {family}: dmz cannot reach lan"
            );
            let ping = if v6 {
                net.ping6("lan", "dmz")
            } else {
                net.ping("lan", "dmz")
            };
            assert_eq!(
                ping,
                PingOutcome::NoReply,
                "{backend} {family}: lan cannot ping dmz"
            );
            // The router's own INPUT is open: it answers on each side.
            assert_eq!(
                tcp("wan", "router", 22),
                TcpOutcome::Accepted,
                "{backend} {family}: wan reaches router:22"
            );
            let seen = net
                .tcp_report("wan", "router", 22, v6)
                .server_local
                .map(|a| a.ip());
            assert_eq!(
                seen,
                Some(net.addr_toward("router", "wan", v6)),
                "{backend} {family}: on its wan address"
            );
        }
    }
}
