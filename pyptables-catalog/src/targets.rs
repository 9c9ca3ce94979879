//! Targets (`-j NAME`): their options and where the kernel allows them.

use crate::combos;
use crate::family::Families;
use crate::hooks::Hooks;
use crate::matches::DSCP_CLASSES;
use crate::nft;
use crate::packet::{Effect as E, NatKind};
use crate::spec::{Constraint as C, OptionSpec as O, Scope, TargetSpec};
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
    ),
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
    ),
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
                O::new("zone-orig", K::UInt { min: 0, max: 65535 }),
                O::new("zone-reply", K::UInt { min: 0, max: 65535 }),
                O::new("zone", K::UInt { min: 0, max: 65535 }),
                O::new("timeout", K::Name { max: 31 }),
            ],
        ),
        &["raw"],
        Hooks::PREROUTING.or(Hooks::OUTPUT),
    ),
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
    ),
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
        required: &[&["add-set", "del-set"]],
        ..t(
            "SET",
            &[
                O::new("add-set", K::SetRef),
                O::new("del-set", K::SetRef),
                O::new("timeout", K::UInt { min: 0, max: U32 }),
                O::new("exist", FLAG),
            ],
        )
    },
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
];

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
