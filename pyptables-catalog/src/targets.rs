//! Targets (`-j NAME`): their options and where the kernel allows them.

use std::net::Ipv6Addr;

use crate::combos;
use crate::family::Families;
use crate::hooks::Hooks;
use crate::matches::DSCP_CLASSES;
use crate::nft;
use crate::packet::{Effect as E, NatKind};
use crate::spec::{Constraint as C, Given, OptionSpec as O, Scope, TargetSpec, Violation};
use crate::value::ValueKind as K;

const FLAG: K = K::Flag;
const U32: u64 = u32::MAX as u64;
const NOT_NAT: &[&str] = &["raw", "mangle", "filter", "security"];

const fn t(name: &'static str, options: &'static [O]) -> TargetSpec {
    TargetSpec {
        name,
        options,
        scope: Scope::ANYWHERE,
        protocols: None,
        required: &[],
        exclusive: &[],
        constraints: &[],
        effect: E::Unknown,
        nft: None,
        removed: None,
    }
}

const fn at(mut spec: TargetSpec, tables: &'static [&'static str], hooks: Hooks) -> TargetSpec {
    spec.scope.tables = tables;
    spec.scope.hooks = hooks;
    spec
}

const fn family(mut spec: TargetSpec, families: Families) -> TargetSpec {
    spec.scope.families = families;
    spec
}

const fn needs(mut spec: TargetSpec, protocols: &'static [&'static str]) -> TargetSpec {
    spec.protocols = Some(protocols);
    spec
}

const fn one_of(mut spec: TargetSpec, group: &'static [&'static [&'static str]]) -> TargetSpec {
    spec.required = group;
    spec.exclusive = group;
    spec
}

const fn requires(mut spec: TargetSpec, group: &'static [&'static [&'static str]]) -> TargetSpec {
    spec.required = group;
    spec
}

/// `--reject-with` values for IPv4: libipt_REJECT's names and aliases (compared without case;
/// `echo-reply` is left out: the kernel refuses it).
pub const REJECT_WITH_V4: &[&str] = &[
    "icmp-net-unreachable",
    "net-unreach",
    "icmp-host-unreachable",
    "host-unreach",
    "icmp-port-unreachable",
    "port-unreach",
    "icmp-proto-unreachable",
    "proto-unreach",
    "icmp-net-prohibited",
    "net-prohib",
    "icmp-host-prohibited",
    "host-prohib",
    "icmp-admin-prohibited",
    "admin-prohib",
    "tcp-reset",
    "tcp-rst",
];

/// `--reject-with` values for IPv6: libip6t_REJECT's names and aliases (it has no `tcp-rst`).
pub const REJECT_WITH_V6: &[&str] = &[
    "icmp6-no-route",
    "no-route",
    "icmp6-adm-prohibited",
    "adm-prohibited",
    "icmp6-addr-unreachable",
    "addr-unreach",
    "icmp6-port-unreachable",
    "port-unreach",
    "icmp6-policy-fail",
    "policy-fail",
    "icmp6-reject-route",
    "reject-route",
    "tcp-reset",
];

/// Whether a `--reject-with` value sends a TCP reset, which the kernel allows only with `-p tcp`.
fn is_tcp_reset(value: &str) -> bool {
    value.eq_ignore_ascii_case("tcp-reset") || value.eq_ignore_ascii_case("tcp-rst")
}

const TCP: &[&str] = &["tcp"];
/// Protocols iptables accepts with NAT ports (`--to-ports`, `ip:port`): ICMP's id counts as
/// a port, for ip6tables too (`-p icmp`, not `ipv6-icmp`); UDP-Lite does not.
const NAT_PORT_PROTOCOLS: &[&str] = &["tcp", "udp", "sctp", "dccp", "icmp"];
const NAT_HOOKS_IN: Hooks = Hooks::PREROUTING.or(Hooks::OUTPUT);
const NAT_HOOKS_OUT: Hooks = Hooks::INPUT.or(Hooks::POSTROUTING);
/// A plain 32-bit value: `--and-mark`, `--nfmask` and the like take no `/mask` (iptables
/// refuses one).
const MARK_BITS: K = K::UInt { min: 0, max: U32 };
const MARK_OPS: &[&str] = &["set-xmark", "set-mark", "and-mark", "or-mark", "xor-mark"];

/// Every target in the catalog.
pub static TARGETS: &[TargetSpec] = &[
    t("ACCEPT", &[]).effect(E::Accept).nft(nft::accept),
    at(t("DROP", &[]), NOT_NAT, Hooks::ALL)
        .effect(E::Drop)
        .nft(nft::drop),
    t("RETURN", &[]).effect(E::Return).nft(nft::ret),
    at(
        t(
            "REJECT",
            &[O::new(
                "reject-with",
                K::FamilyChoice {
                    v4: REJECT_WITH_V4,
                    v6: REJECT_WITH_V6,
                },
            )
            .value_needs(is_tcp_reset, TCP)],
        ),
        &["filter"],
        Hooks::INPUT.or(Hooks::FORWARD).or(Hooks::OUTPUT),
    )
    .effect(E::Reject)
    .nft(nft::reject),
    t(
        "LOG",
        &[
            O::new("log-level", K::LogLevel),
            O::new("log-prefix", K::Text { min: 1, max: 29 }),
            O::new("log-tcp-sequence", FLAG),
            O::new("log-tcp-options", FLAG),
            O::new("log-ip-options", FLAG),
            O::new("log-uid", FLAG),
            O::new("log-macdecode", FLAG),
        ],
    )
    .effect(E::Continue)
    .nft(nft::log),
    t(
        "NFLOG",
        &[
            O::new("nflog-group", K::UInt { min: 0, max: 65535 }),
            O::new("nflog-prefix", K::Text { min: 1, max: 63 }),
            O::new("nflog-size", K::UInt { min: 0, max: U32 }),
            O::new("nflog-threshold", K::UInt { min: 0, max: 65535 }),
        ],
    )
    .effect(E::Continue)
    .nft(nft::nflog),
    at(
        t(
            "MASQUERADE",
            &[
                O::new("to-ports", K::ToPorts).protocols(NAT_PORT_PROTOCOLS),
                O::new("random", FLAG),
                O::new("random-fully", FLAG),
            ],
        ),
        &["nat"],
        Hooks::POSTROUTING,
    )
    .effect(E::Nat(NatKind::Masquerade))
    .nft(nft::masquerade),
    requires(
        at(
            t(
                "SNAT",
                &[
                    O::new("to-source", K::NatAddress)
                        .value_needs(combos::nat_has_port, NAT_PORT_PROTOCOLS),
                    O::new("random", FLAG),
                    O::new("random-fully", FLAG),
                    O::new("persistent", FLAG),
                ],
            ),
            &["nat"],
            NAT_HOOKS_OUT,
        ),
        &[&["to-source"]],
    )
    .effect(E::Nat(NatKind::Snat))
    .nft(nft::snat),
    requires(
        at(
            t(
                "DNAT",
                &[
                    O::new("to-destination", K::NatAddress)
                        .value_needs(combos::nat_has_port, NAT_PORT_PROTOCOLS),
                    O::new("random", FLAG),
                    O::new("persistent", FLAG),
                ],
            ),
            &["nat"],
            NAT_HOOKS_IN,
        ),
        &[&["to-destination"]],
    )
    .effect(E::Nat(NatKind::Dnat))
    .nft(nft::dnat),
    at(
        t(
            "REDIRECT",
            &[
                O::new("to-ports", K::ToPorts).protocols(NAT_PORT_PROTOCOLS),
                O::new("random", FLAG),
            ],
        ),
        &["nat"],
        NAT_HOOKS_IN,
    )
    .effect(E::Nat(NatKind::Redirect))
    .nft(nft::redirect),
    // No nft form: `snat|dnat ip prefix to …` depends on the hook (NETMAP maps the destination
    // in PREROUTING/OUTPUT, the source elsewhere), which a user chain does not have.
    requires(
        at(
            t("NETMAP", &[O::new("to", K::Network)]),
            &["nat"],
            Hooks::ALL,
        ),
        &[&["to"]],
    ),
    one_of(
        t(
            "MARK",
            &[
                O::new("set-xmark", K::Mark),
                O::new("set-mark", K::Mark),
                O::new("and-mark", MARK_BITS),
                O::new("or-mark", MARK_BITS),
                O::new("xor-mark", MARK_BITS),
            ],
        ),
        &[MARK_OPS],
    )
    .effect(E::Mark)
    .nft(nft::mark_target),
    one_of(
        t(
            "CONNMARK",
            &[
                O::new("set-xmark", K::Mark),
                O::new("set-mark", K::Mark),
                O::new("save-mark", FLAG),
                O::new("restore-mark", FLAG),
                O::new("and-mark", MARK_BITS),
                O::new("or-mark", MARK_BITS),
                O::new("xor-mark", MARK_BITS),
                O::new("nfmask", MARK_BITS),
                O::new("ctmask", MARK_BITS),
                O::new("mask", MARK_BITS),
                // Revision 2: shift the mark copied or set (the kernel refuses 32 and more).
                O::new("left-shift-mark", K::UInt { min: 0, max: 31 }),
                O::new("right-shift-mark", K::UInt { min: 0, max: 31 }),
            ],
        ),
        &[&[
            "set-xmark",
            "set-mark",
            "save-mark",
            "restore-mark",
            "and-mark",
            "or-mark",
            "xor-mark",
        ]],
    )
    .effect(E::ConnMark)
    .nft(nft::connmark_target),
    needs(
        one_of(
            t(
                "TCPMSS",
                &[
                    // libxt_TCPMSS: at most 65535 minus the IPv4 and TCP headers.
                    O::new("set-mss", K::UInt { min: 0, max: 65515 }),
                    O::new("clamp-mss-to-pmtu", FLAG)
                        .hooks(Hooks::FORWARD.or(Hooks::OUTPUT).or(Hooks::POSTROUTING)),
                ],
            )
            .constrained(&[C::Check(combos::tcpmss)]),
            &[&["set-mss", "clamp-mss-to-pmtu"]],
        ),
        TCP,
    )
    .nft(nft::tcpmss_target),
    // No nft form: nft has no statement for the whole TOS byte (`ip dscp set` leaves ECN and
    // iptables-translate's `ip6 dscp set` is wrong for IPv4), and a raw payload write skips
    // the IPv4 header checksum.
    one_of(
        at(
            t(
                "TOS",
                &[
                    O::new("set-tos", K::Tos),
                    O::new("and-tos", K::UInt { min: 0, max: 255 }),
                    O::new("or-tos", K::UInt { min: 0, max: 255 }),
                    O::new("xor-tos", K::UInt { min: 0, max: 255 }),
                ],
            ),
            &["mangle"],
            Hooks::ALL,
        ),
        &[&["set-tos", "and-tos", "or-tos", "xor-tos"]],
    ),
    one_of(
        at(
            t(
                "DSCP",
                &[
                    O::new("set-dscp", K::UInt { min: 0, max: 63 }),
                    O::new("set-dscp-class", K::Choice(DSCP_CLASSES)),
                ],
            ),
            &["mangle"],
            Hooks::ALL,
        ),
        &[&["set-dscp", "set-dscp-class"]],
    )
    .nft(nft::dscp_target),
    one_of(
        family(
            at(
                t(
                    "TTL",
                    &[
                        O::new("ttl-set", K::UInt { min: 0, max: 255 }),
                        O::new("ttl-dec", K::UInt { min: 1, max: 255 }),
                        O::new("ttl-inc", K::UInt { min: 1, max: 255 }),
                    ],
                ),
                &["mangle"],
                Hooks::ALL,
            ),
            Families::V4,
        ),
        &[&["ttl-set", "ttl-dec", "ttl-inc"]],
    )
    .nft(nft::ttl_target),
    one_of(
        family(
            at(
                t(
                    "HL",
                    &[
                        O::new("hl-set", K::UInt { min: 0, max: 255 }),
                        O::new("hl-dec", K::UInt { min: 1, max: 255 }),
                        O::new("hl-inc", K::UInt { min: 1, max: 255 }),
                    ],
                ),
                &["mangle"],
                Hooks::ALL,
            ),
            Families::V6,
        ),
        &[&["hl-set", "hl-dec", "hl-inc"]],
    )
    .nft(nft::hl_target),
    at(
        t(
            "CT",
            &[
                O::new("notrack", FLAG),
                // Conntrack helpers exist for TCP and UDP only; without `-p` the kernel refuses.
                O::new("helper", K::Name { max: 15 }).protocols(&["tcp", "udp"]),
                O::new(
                    "ctevents",
                    K::ChoiceList(&[
                        "new",
                        "related",
                        "destroy",
                        "reply",
                        "assured",
                        "protoinfo",
                        "helper",
                        "mark",
                        "natseqinfo",
                        "secmark",
                    ]),
                ),
                O::new("expevents", K::ChoiceList(&["new"])),
                O::new("zone-orig", K::CtZone),
                O::new("zone-reply", K::CtZone),
                O::new("zone", K::CtZone),
                O::new("timeout", K::Name { max: 31 }),
            ],
        ),
        &["raw"],
        Hooks::PREROUTING.or(Hooks::OUTPUT),
    )
    .nft(nft::ct_target),
    at(t("NOTRACK", &[]), &["raw"], Hooks::ALL).nft(nft::notrack),
    TargetSpec {
        exclusive: &[&["queue-num", "queue-balance"]],
        constraints: &[
            C::Needs("queue-cpu-fanout", &["queue-balance"]),
            C::Check(combos::queue_count),
        ],
        ..t(
            "NFQUEUE",
            &[
                O::new("queue-num", K::UInt { min: 0, max: 65535 }),
                O::new("queue-balance", K::AscendingRange { min: 0, max: 65535 }),
                O::new("queue-bypass", FLAG),
                O::new("queue-cpu-fanout", FLAG),
            ],
        )
    }
    .nft(nft::nfqueue),
    at(t("TRACE", &[]), &["raw"], Hooks::ALL).nft(nft::trace),
    requires(
        at(
            t("CLASSIFY", &[O::new("set-class", K::TcClass)]),
            &[],
            Hooks::FORWARD.or(Hooks::OUTPUT).or(Hooks::POSTROUTING),
        ),
        &[&["set-class"]],
    )
    .nft(nft::classify),
    requires(
        at(
            t("CHECKSUM", &[O::new("checksum-fill", FLAG)]),
            &["mangle"],
            Hooks::ALL,
        ),
        &[&["checksum-fill"]],
    ),
    requires(
        t(
            "AUDIT",
            &[O::new("type", K::Choice(&["accept", "drop", "reject"]))],
        ),
        &[&["type"]],
    ),
    TargetSpec {
        // One rule may add to one set and delete from another.
        required: &[&["add-set", "del-set", "map-set"]],
        constraints: &[
            C::Needs("map-mark", &["map-set"]),
            C::Needs("map-prio", &["map-set"]),
            C::Needs("map-queue", &["map-set"]),
            C::Needs("map-set", &["map-mark", "map-prio", "map-queue"]),
        ],
        ..t(
            "SET",
            &[
                O::new("add-set", K::SetRef),
                O::new("del-set", K::SetRef),
                O::new("timeout", K::UInt { min: 0, max: U32 }),
                O::new("exist", FLAG),
                // xt_set: the packet's mark, priority or queue from the set's entry
                // (skbinfo), in the mangle table only; priority and queue only where the
                // packet leaves.
                O::new("map-set", K::SetRef).tables(&["mangle"]),
                O::new("map-mark", FLAG),
                O::new("map-prio", FLAG).hooks(SET_MAP_HOOKS),
                O::new("map-queue", FLAG).hooks(SET_MAP_HOOKS),
            ],
        )
    },
    // No nft form: xt_TPROXY accepts a packet it diverts and drops one without a transparent
    // socket; nft's `tproxy to` continues, or ends only the rule, so the drop is lost.
    requires(
        needs(
            at(
                t(
                    "TPROXY",
                    &[
                        O::new("on-port", K::Port),
                        O::new("on-ip", K::Host),
                        O::new("tproxy-mark", K::Mark),
                    ],
                ),
                &["mangle"],
                Hooks::PREROUTING,
            ),
            &["tcp", "udp"],
        ),
        &[&["on-port"]],
    ),
    // xt_SYNPROXY: in INPUT and FORWARD of any table, TCP only. It answers a SYN itself and
    // consumes it, and consumes the ACK that completes the handshake (opening the connection
    // to the server); other packets go on, so its effect depends on the packet.
    needs(
        at(
            t(
                "SYNPROXY",
                &[
                    O::new("sack-perm", FLAG),
                    O::new("timestamp", FLAG),
                    // The kernel takes any byte (and iptables any u32, cut to a byte); TCP's
                    // window scale shift is at most 14 (RFC 7323).
                    O::new("wscale", K::UInt { min: 0, max: 14 }),
                    // A u16 in the kernel: iptables cuts larger numbers silently.
                    O::new("mss", K::UInt { min: 0, max: 65535 }),
                    O::new("ecn", FLAG),
                ],
            ),
            &[],
            Hooks::INPUT.or(Hooks::FORWARD),
        ),
        TCP,
    )
    .nft(nft::synproxy),
    // xt_TEE: a copy is routed to the gateway, the packet itself goes on.
    requires(
        t(
            "TEE",
            &[
                O::new("gateway", K::Host),
                O::new("oif", K::Name { max: 15 }),
            ],
        ),
        &[&["gateway"]],
    )
    .effect(E::Continue)
    .nft(nft::tee),
    // No nft form: nft sets a security mark from a named `secmark` object, which the rendered
    // table does not define. The kernel turns the context into an id through the running LSM
    // (SELinux): without one active the kernel refuses every SECMARK rule.
    requires(
        at(
            t("SECMARK", &[O::new("selctx", K::Text { min: 1, max: 255 })]),
            &["mangle", "security"],
            Hooks::ALL,
        ),
        &[&["selctx"]],
    )
    .effect(E::Continue),
    one_of(
        at(
            t(
                "CONNSECMARK",
                &[O::new("save", FLAG), O::new("restore", FLAG)],
            ),
            &["mangle", "security"],
            Hooks::ALL,
        ),
        &[&["save", "restore"]],
    )
    .effect(E::Continue)
    .nft(nft::connsecmark),
    // No nft form: nft's `jhash`/`symhash` hash other fields in another way (no masks, no
    // conntrack tuple). The mark it sets depends on a hash, so its effect is unknown.
    TargetSpec {
        required: &[&["hmark-mod"], &["hmark-rnd"], HMARK_PACKET_FIELDS],
        constraints: &[
            C::Conflicts("hmark-spi-mask", &["hmark-sport-mask", "hmark-dport-mask"]),
            C::Conflicts("hmark-spi", &["hmark-sport", "hmark-dport"]),
            C::Check(hmark_spi_and_ports),
        ],
        ..t(
            "HMARK",
            &[
                O::new(
                    "hmark-tuple",
                    K::ChoiceList(&["src", "dst", "sport", "dport", "spi", "proto", "ct"]),
                ),
                O::new("hmark-src-prefix", K::PrefixLength),
                O::new("hmark-dst-prefix", K::PrefixLength),
                O::new("hmark-sport-mask", K::UInt { min: 0, max: 65535 }),
                O::new("hmark-dport-mask", K::UInt { min: 0, max: 65535 }),
                O::new("hmark-spi-mask", MARK_BITS),
                O::new("hmark-sport", K::UInt { min: 0, max: 65535 }),
                O::new("hmark-dport", K::UInt { min: 0, max: 65535 }),
                O::new("hmark-spi", MARK_BITS),
                O::new("hmark-proto-mask", K::UInt { min: 0, max: 65535 }),
                O::new("hmark-rnd", MARK_BITS),
                O::new("hmark-mod", K::UInt { min: 1, max: U32 }),
                O::new("hmark-offset", MARK_BITS),
            ],
        )
    },
    // No nft form. The timer (one per label, shared by every namespace) shows in sysfs
    // (/sys/class/xt_idletimer/timers/LABEL); rules with one label must agree on `--alarm`.
    requires(
        t(
            "IDLETIMER",
            &[
                // xt_IDLETIMER refuses 0 and anything from INT_MAX / 1000 on.
                O::new(
                    "timeout",
                    K::UInt {
                        min: 1,
                        max: 2_147_482,
                    },
                ),
                O::new("label", K::FileName { max: 27 }),
                O::new("alarm", FLAG),
            ],
        ),
        &[&["timeout"], &["label"]],
    )
    .effect(E::Continue),
    // No nft form. xt_LED needs a kernel built with LED support (CONFIG_NEW_LEDS); without it
    // the kernel has no LED target at all.
    requires(
        t(
            "LED",
            &[
                // The kernel's trigger name is `netfilter-` and this, in 27 bytes.
                O::new("led-trigger-id", K::Name { max: 16 }),
                O::new("led-delay", K::UInt { min: 0, max: U32 }),
                O::new("led-always-blink", FLAG),
            ],
        ),
        &[&["led-trigger-id"]],
    )
    .effect(E::Continue),
    // No nft form. An estimator is shared by every rule naming it, which must give it the same
    // interval and averaging time; the interval and averaging time are taken only as iptables
    // keeps them (it rounds the rest; see `combos::rateest_times`).
    requires(
        t(
            "RATEEST",
            &[
                O::new("rateest-name", K::Name { max: 15 }),
                O::new("rateest-interval", K::Any),
                O::new("rateest-ewmalog", K::Any),
            ],
        ),
        &[
            &["rateest-name"],
            &["rateest-interval"],
            &["rateest-ewmalog"],
        ],
    )
    .constrained(&[C::Check(combos::rateest_times)])
    .effect(E::Continue),
    // No nft form: iptables-translate has none, and nft's `reset tcp option NAME` is not the
    // same on every packet: xt_TCPOPTSTRIP drops a packet whose TCP header it cannot read or
    // make writable, and strips every occurrence of an option.
    needs(
        at(
            t("TCPOPTSTRIP", &[O::new("strip-options", K::TcpOptionList)]),
            &["mangle"],
            Hooks::ALL,
        ),
        TCP,
    )
    .effect(E::Continue),
    // No nft form (iptables-translate has none; nft cannot clear TCP's ECE/CWR and fix the
    // checksum in one statement). It changes header bits later rules may match, so its effect
    // is unknown.
    TargetSpec {
        required: &[&["ecn-tcp-remove", "ecn-tcp-cwr", "ecn-tcp-ece", "ecn-ip-ect"]],
        constraints: &[C::Conflicts(
            "ecn-tcp-remove",
            &["ecn-tcp-cwr", "ecn-tcp-ece"],
        )],
        ..family(
            at(
                t(
                    "ECN",
                    &[
                        O::new("ecn-tcp-remove", FLAG).protocols(TCP),
                        O::new("ecn-tcp-cwr", K::UInt { min: 0, max: 1 }).protocols(TCP),
                        O::new("ecn-tcp-ece", K::UInt { min: 0, max: 1 }).protocols(TCP),
                        O::new("ecn-ip-ect", K::UInt { min: 0, max: 3 }),
                    ],
                ),
                &["mangle"],
                Hooks::ALL,
            ),
            Families::V4,
        )
    },
    // No nft form: nft has no checksum-neutral prefix translation (RFC 6296). Both rewrite an
    // address, so their effect is unknown.
    requires(
        family(
            at(
                t("DNPT", NPT_OPTIONS),
                &["mangle"],
                Hooks::PREROUTING.or(Hooks::OUTPUT),
            ),
            Families::V6,
        ),
        &[&["src-pfx"], &["dst-pfx"]],
    )
    .constrained(&[C::Check(npt_prefixes)]),
    requires(
        family(
            at(
                t("SNPT", NPT_OPTIONS),
                &["mangle"],
                Hooks::INPUT.or(Hooks::POSTROUTING),
            ),
            Families::V6,
        ),
        &[&["src-pfx"], &["dst-pfx"]],
    )
    .constrained(&[C::Check(npt_prefixes)]),
    requires(
        family(
            t(
                "CLUSTERIP",
                &[
                    O::new("new", FLAG),
                    O::new(
                        "hashmode",
                        K::Choice(&[
                            "sourceip",
                            "sourceip-sourceport",
                            "sourceip-sourceport-destport",
                        ]),
                    ),
                    O::new("clustermac", K::Mac),
                    O::new("total-nodes", K::UInt { min: 1, max: 16 }),
                    O::new("local-node", K::UInt { min: 1, max: 16 }),
                    O::new("hash-init", MARK_BITS),
                ],
            ),
            Families::V4,
        ),
        &[&["new"]],
    )
    .removed(
        "Linux 6.3 removed ipt_CLUSTERIP (deprecated since 2015); share the load with \
         `match=cluster` and MARK instead",
    ),
    family(
        t(
            "ULOG",
            &[
                O::new("ulog-nlgroup", K::UInt { min: 1, max: 32 }),
                O::new("ulog-prefix", K::Text { min: 1, max: 31 }),
                O::new("ulog-cprange", K::UInt { min: 0, max: U32 }),
                O::new("ulog-qthreshold", K::UInt { min: 1, max: 50 }),
            ],
        ),
        Families::V4,
    )
    .effect(E::Continue)
    .removed("Linux 3.17 removed ipt_ULOG; use NFLOG (`nflog nflog_group=N`) instead"),
];

/// HMARK's options that put a packet field into the hash: iptables wants at least one.
const HMARK_PACKET_FIELDS: &[&str] = &[
    "hmark-tuple",
    "hmark-src-prefix",
    "hmark-dst-prefix",
    "hmark-sport-mask",
    "hmark-dport-mask",
    "hmark-spi-mask",
    "hmark-sport",
    "hmark-dport",
    "hmark-spi",
    "hmark-proto-mask",
];

/// Each word of `--hmark-tuple` but `ct` sets the same mask as one option: iptables takes
/// only one of the two.
const HMARK_TUPLE_OPTIONS: &[(&str, &str)] = &[
    ("src", "hmark-src-prefix"),
    ("dst", "hmark-dst-prefix"),
    ("sport", "hmark-sport-mask"),
    ("dport", "hmark-dport-mask"),
    ("spi", "hmark-spi-mask"),
    ("proto", "hmark-proto-mask"),
];

/// HMARK's tuple against its masks: a tuple word and the option setting the same mask cannot
/// both be given, and the hash takes either the ports or the ESP/AH SPI (iptables refuses
/// `--hmark-spi-mask` with a port mask, however each is given).
fn hmark_spi_and_ports(given: &Given<'_>) -> Result<(), Violation> {
    let tuple: Vec<&str> = given
        .value("hmark-tuple")
        .map(|t| t.split(',').collect())
        .unwrap_or_default();
    let has = |word: &str| tuple.iter().any(|w| w.eq_ignore_ascii_case(word));
    for (word, option) in HMARK_TUPLE_OPTIONS {
        if has(word) && given.has(option) {
            return Err(Violation::new(
                Some("hmark-tuple"),
                format!(
                    "`{word}` in the tuple and --{option} both set the same mask: drop `{word}` \
                     from the tuple or drop --{option}"
                ),
            ));
        }
    }
    let spi = has("spi") || given.has("hmark-spi-mask");
    let ports = has("sport")
        || has("dport")
        || given.has("hmark-sport-mask")
        || given.has("hmark-dport-mask");
    if spi && ports && (has("spi") || has("sport") || has("dport")) {
        return Err(Violation::new(
            Some("hmark-tuple"),
            "HMARK hashes either ports or the SPI: drop `spi` or `sport`/`dport` (and their \
             masks) from the tuple",
        ));
    }
    Ok(())
}

/// Where SET's `--map-prio` and `--map-queue` work (xt_set).
const SET_MAP_HOOKS: Hooks = Hooks::FORWARD.or(Hooks::OUTPUT).or(Hooks::POSTROUTING);

/// DNPT's and SNPT's options: two IPv6 prefixes.
const NPT_OPTIONS: &[O] = &[O::new("src-pfx", K::Network), O::new("dst-pfx", K::Network)];

/// ip6t_NPT takes prefixes of at most 64 bits with no bit set past the prefix length.
fn npt_prefixes(given: &Given<'_>) -> Result<(), Violation> {
    for name in ["src-pfx", "dst-pfx"] {
        let Some((addr, len)) = given.value(name).and_then(|v| v.split_once('/')) else {
            continue;
        };
        let (Ok(addr), Ok(len)) = (addr.parse::<Ipv6Addr>(), len.parse::<u32>()) else {
            continue;
        };
        if len > 64 {
            return Err(Violation::new(
                Some(name),
                format!("the prefix is /{len}; the kernel translates prefixes of at most /64"),
            ));
        }
        let bits = u128::from(addr);
        let host = u128::MAX.checked_shr(len).unwrap_or(0);
        if bits & host != 0 {
            let network = Ipv6Addr::from(bits & !host);
            return Err(Violation::new(
                Some(name),
                format!("{addr}/{len} has bits set past the prefix; write {network}/{len}"),
            ));
        }
    }
    Ok(())
}

/// The target called `name` (as written after `-j`, e.g. `MASQUERADE`).
#[must_use]
pub fn find(name: &str) -> Option<&'static TargetSpec> {
    TARGETS.iter().find(|t| t.name == name)
}

/// The target whose lower-case verb is `verb` (`masquerade` → `MASQUERADE`).
#[must_use]
pub fn find_verb(verb: &str) -> Option<&'static TargetSpec> {
    TARGETS.iter().find(|t| t.name.eq_ignore_ascii_case(verb))
}
