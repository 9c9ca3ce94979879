//! Match modules (`-m NAME`) and the built-in rule options (`-s -d -i -o -p -f`).
//!
//! Where a module or option is restricted, the restriction was checked against the kernel
//! (see the `catalog_kernel` tests, which load every entry into a scratch network namespace).

use crate::combos;
use crate::family::Families;
use crate::hooks::Hooks;
use crate::nft;
use crate::packet as ev;
use crate::spec::{Constraint as C, Implicit, MatchSpec, OptionSpec as O, Scope};
use crate::value::{ValueKind as K, CT_STATES, CT_STATUSES, MULTIPORT_PROTOCOLS, STATES};

const IN_HOOKS: Hooks = Hooks::PREROUTING.or(Hooks::INPUT).or(Hooks::FORWARD);
const OUT_HOOKS: Hooks = Hooks::FORWARD.or(Hooks::OUTPUT).or(Hooks::POSTROUTING);
const NOT_OUTPUT: Hooks = Hooks::ALL.minus(Hooks::OUTPUT);
const U32: u64 = u32::MAX as u64;
const RATE: K = K::Rate;
const FLAG: K = K::Flag;

/// The options every rule has without a module: `-s -d -i -o -p -f`.
pub static BUILTIN_OPTIONS: &[O] = &[
    O::new("source", K::Address)
        .flag("-s")
        .aliases(&["s", "src", "saddr"])
        .negatable()
        .eval(ev::eval_source)
        .nft(nft::source),
    O::new("destination", K::Address)
        .flag("-d")
        .aliases(&["d", "dst", "daddr"])
        .negatable()
        .eval(ev::eval_destination)
        .nft(nft::destination),
    O::new("in-interface", K::Interface)
        .flag("-i")
        .aliases(&["i", "iif"])
        .negatable()
        .hooks(IN_HOOKS)
        .hooks_direct_only()
        .eval(ev::eval_in_interface)
        .nft(nft::in_interface),
    O::new("out-interface", K::Interface)
        .flag("-o")
        .aliases(&["o", "oif"])
        .negatable()
        .hooks(OUT_HOOKS)
        .hooks_direct_only()
        .eval(ev::eval_out_interface)
        .nft(nft::out_interface),
    O::new("protocol", K::Protocol)
        .flag("-p")
        .aliases(&["p", "proto"])
        .negatable()
        .eval(ev::eval_protocol)
        .nft(nft::protocol),
    O::new("fragment", FLAG)
        .flag("-f")
        .aliases(&["f"])
        .negatable()
        .families(Families::V4)
        .eval(ev::eval_fragment)
        .nft(nft::fragment),
];

const fn m(name: &'static str, implicit: Implicit, options: &'static [O]) -> MatchSpec {
    MatchSpec {
        name,
        options,
        scope: Scope::ANYWHERE,
        protocols: None,
        implicit,
        required: &[],
        exclusive: &[],
        constraints: &[],
        nft: None,
        nft_sets: None,
        bare: false,
    }
}

const fn scoped(mut spec: MatchSpec, scope: Scope) -> MatchSpec {
    spec.scope = scope;
    spec
}

const fn needs(mut spec: MatchSpec, protocols: &'static [&'static str]) -> MatchSpec {
    spec.protocols = Some(protocols);
    spec
}

const fn rules(
    mut spec: MatchSpec,
    required: &'static [&'static [&'static str]],
    exclusive: &'static [&'static [&'static str]],
) -> MatchSpec {
    spec.required = required;
    spec.exclusive = exclusive;
    spec
}

const fn hooks_only(hooks: Hooks) -> Scope {
    Scope {
        tables: &[],
        hooks,
        families: Families::BOTH,
    }
}

const fn family_only(families: Families) -> Scope {
    Scope {
        tables: &[],
        hooks: Hooks::ALL,
        families,
    }
}

const PORTS: &[O] = &[
    O::new("sport", K::PortRange)
        .aliases(&["source-port"])
        .negatable()
        .eval(ev::eval_sport),
    O::new("dport", K::PortRange)
        .aliases(&["destination-port"])
        .negatable()
        .eval(ev::eval_dport),
];

/// sctp's options: the ports and libxt_sctp's `--chunk-types`.
const SCTP_OPTIONS: &[O] = &[
    O::new("sport", K::PortRange)
        .aliases(&["source-port"])
        .negatable()
        .eval(ev::eval_sport),
    O::new("dport", K::PortRange)
        .aliases(&["destination-port"])
        .negatable()
        .eval(ev::eval_dport),
    O::new("chunk-types", K::SctpChunks).negatable(),
];

/// dccp's options: the ports, the packet types and an option number (libxt_dccp).
const DCCP_OPTIONS: &[O] = &[
    O::new("sport", K::PortRange)
        .aliases(&["source-port"])
        .negatable()
        .eval(ev::eval_sport),
    O::new("dport", K::PortRange)
        .aliases(&["destination-port"])
        .negatable()
        .eval(ev::eval_dport),
    O::new("dccp-types", K::ChoiceList(DCCP_TYPES)).negatable(),
    O::new("dccp-option", K::UInt { min: 1, max: 255 }).negatable(),
];

/// DCCP packet types of `--dccp-types` (compared without case).
const DCCP_TYPES: &[&str] = &[
    "REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC",
    "SYNCACK", "INVALID",
];

/// The extension headers `-m ipv6header --header` names (libip6t_ipv6header: its own names,
/// and those `/etc/protocols` gives their numbers, compared with case; written as listed).
const IPV6_HEADERS: &[&str] = &[
    "hop-by-hop",
    "hop",
    "hopopt",
    "dst",
    "ipv6-opts",
    "route",
    "ipv6-route",
    "frag",
    "ipv6-frag",
    "auth",
    "ah",
    "esp",
    "none",
    "ipv6-nonxt",
    "protocol",
    "prot",
    "0",
    "60",
    "43",
    "44",
    "51",
    "50",
    "59",
    "255",
];

/// An SPI, CPI or fragment id: a 32-bit number or a range `a:b` of them.
const SPI: K = K::UIntRange { min: 0, max: U32 };
/// A header length or type compared whole (libxtables' `XTTYPE_UINT32`).
const U32_VALUE: K = K::UInt { min: 0, max: U32 };
/// srh's 8-bit fields.
const U8_VALUE: K = K::UInt { min: 0, max: 255 };
/// A device group: iptables-save prints group 0 as `default` (iproute2's
/// `/etc/iproute2/group`), so that name is read too.
const DEVICE_GROUP: K = K::NamedMark(&[("default", 0)]);
/// A route realm: iptables-save prints realm 0 as `cosmos` (iproute2's
/// `/etc/iproute2/rt_realms`), so that name is read too.
const REALM: K = K::NamedMark(&[("cosmos", 0)]);

/// addrtype's `--src-type`/`--dst-type`: comma lists of these.
const ADDR_TYPE: K = K::FamilyChoiceList {
    v4: ADDR_TYPES,
    v6: ADDR_TYPES_V6,
};

const ADDR_TYPES: &[&str] = &[
    "UNSPEC",
    "UNICAST",
    "LOCAL",
    "BROADCAST",
    "ANYCAST",
    "MULTICAST",
    "BLACKHOLE",
    "UNREACHABLE",
    "PROHIBIT",
    "THROW",
    "NAT",
    "XRESOLVE",
];

/// The address types the kernel matches in IPv6 (xt_addrtype refuses BROADCAST, BLACKHOLE
/// and everything from PROHIBIT on).
const ADDR_TYPES_V6: &[&str] = &[
    "UNSPEC",
    "UNICAST",
    "LOCAL",
    "ANYCAST",
    "MULTICAST",
    "UNREACHABLE",
];

/// Packet types of `--pkt-type`, with libxt_pkttype's aliases (compared without case).
const PKT_TYPES: &[&str] = &[
    "unicast",
    "broadcast",
    "multicast",
    "otherhost",
    "host",
    "bcast",
    "mcast",
];

/// DSCP class names for `--dscp-class` and `--set-dscp-class`.
pub const DSCP_CLASSES: &[&str] = &[
    "CS0", "CS1", "CS2", "CS3", "CS4", "CS5", "CS6", "CS7", "BE", "EF", "AF11", "AF12", "AF13",
    "AF21", "AF22", "AF23", "AF31", "AF32", "AF33", "AF41", "AF42", "AF43",
];

/// Every match module in the catalog. Order matters for options found by name alone: the
/// first module that has the option wins.
pub static MATCHES: &[MatchSpec] = &[
    needs(
        m(
            "tcp",
            Implicit::ByProtocol,
            &[
                O::new("sport", K::PortRange)
                    .aliases(&["source-port"])
                    .negatable()
                    .eval(ev::eval_sport),
                O::new("dport", K::PortRange)
                    .aliases(&["destination-port"])
                    .negatable()
                    .eval(ev::eval_dport),
                O::new("syn", FLAG).negatable().eval(ev::eval_syn),
                O::new("tcp-flags", K::TcpFlags)
                    .negatable()
                    .eval(ev::eval_tcp_flags),
                // libxt_tcp: option kinds 1-255.
                O::new("tcp-option", K::UInt { min: 1, max: 255 }).negatable(),
            ],
        ),
        &["tcp"],
    )
    .nft(nft::tcp)
    .bare(),
    needs(m("udp", Implicit::ByProtocol, PORTS), &["udp"])
        .nft(nft::udp)
        .bare(),
    needs(m("sctp", Implicit::ByProtocol, SCTP_OPTIONS), &["sctp"])
        .nft(nft::sctp)
        .bare(),
    needs(m("dccp", Implicit::ByProtocol, DCCP_OPTIONS), &["dccp"])
        .nft(nft::dccp)
        .bare(),
    needs(
        scoped(
            m(
                "icmp",
                Implicit::ByProtocol,
                &[O::new("icmp-type", K::IcmpType)
                    .negatable()
                    .eval(ev::eval_icmp_type)],
            ),
            family_only(Families::V4),
        ),
        &["icmp"],
    )
    .nft(nft::icmp),
    needs(
        scoped(
            m(
                "icmp6",
                Implicit::ByProtocol,
                &[O::new("icmpv6-type", K::Icmp6Type)
                    .aliases(&["icmp6-type"])
                    .negatable()
                    .eval(ev::eval_icmpv6_type)],
            ),
            family_only(Families::V6),
        ),
        &["ipv6-icmp", "icmpv6"],
    )
    .nft(nft::icmp6),
    // ---- packet-header matches: ecn, esp, ah, ipcomp, u32 and IPv6's extension headers ----
    // Their kernel modules: xt_ecn, xt_esp, ipt_ah/ip6t_ah, xt_ipcomp, xt_u32, xt_bpf,
    // ip6t_frag, ip6t_hbh (also dst), ip6t_rt, ip6t_mh, ip6t_ipv6header, ip6t_srh, ip6t_eui64.
    // None is limited to tables; eui64 (no options: always alone) to the incoming hooks.
    rules(
        m(
            "ecn",
            Implicit::ByKey,
            &[
                // xt_ecn refuses the TCP bits without `-p tcp`.
                O::new("ecn-tcp-cwr", FLAG).negatable().protocols(&["tcp"]),
                O::new("ecn-tcp-ece", FLAG).negatable().protocols(&["tcp"]),
                O::new("ecn-ip-ect", K::UInt { min: 0, max: 3 }).negatable(),
            ],
        ),
        &[&["ecn-tcp-cwr", "ecn-tcp-ece", "ecn-ip-ect"]],
        &[],
    )
    .nft(nft::ecn),
    needs(
        m(
            "esp",
            Implicit::ByProtocol,
            &[O::new("espspi", SPI).negatable()],
        ),
        &["esp"],
    )
    .nft(nft::esp)
    .bare(),
    // One name, two modules: libipt_ah (`--ahspi`) and libip6t_ah (also `--ahlen`, `--ahres`).
    m(
        "ah",
        Implicit::ByKey,
        &[
            O::new("ahspi", SPI).negatable(),
            O::new("ahlen", U32_VALUE)
                .negatable()
                .families(Families::V6),
            O::new("ahres", FLAG).families(Families::V6),
        ],
    )
    .constrained(&[C::Check(combos::ah_protocol)])
    .nft(nft::ah)
    .bare(),
    needs(
        m(
            "ipcomp",
            Implicit::ByProtocol,
            &[
                O::new("ipcompspi", SPI).negatable(),
                // Taken by iptables, ignored by xt_ipcomp.
                O::new("compres", FLAG),
            ],
        ),
        &["ipcomp"],
    )
    .nft(nft::ipcomp)
    .bare(),
    // No nft form: nft has no expression that follows u32's `@` (an offset read from the
    // packet) or shifts a loaded word, and iptables-translate has none either.
    rules(
        m("u32", Implicit::ByKey, &[O::new("u32", K::U32).negatable()]),
        &[&["u32"]],
        &[],
    ),
    // No nft form: nft cannot run a classic BPF program. `--object-pinned` (a pinned eBPF
    // program, which only the loading machine has) is not here.
    rules(
        m(
            "bpf",
            Implicit::Never,
            &[O::new("bytecode", K::BpfBytecode)],
        ),
        &[&["bytecode"]],
        &[],
    ),
    rules(
        scoped(
            m(
                "frag",
                Implicit::ByKey,
                &[
                    O::new("fragid", SPI).negatable(),
                    O::new("fraglen", U32_VALUE).negatable(),
                    O::new("fragres", FLAG),
                    O::new("fragfirst", FLAG),
                    O::new("fragmore", FLAG),
                    O::new("fraglast", FLAG),
                ],
            ),
            family_only(Families::V6),
        ),
        &[],
        &[&["fragmore", "fraglast"]],
    )
    .nft(nft::frag)
    .bare(),
    // hbh and dst: the kernel compares `--*-len` with the header's length in bytes, nft's
    // `hdrlength` is the raw field (8-byte units less one), which the forms convert
    // (iptables-translate's `hbh hdrlength N` does not); nft cannot list options.
    scoped(
        m(
            "hbh",
            Implicit::ByKey,
            &[
                O::new("hbh-len", U32_VALUE).negatable(),
                O::new("hbh-opts", K::Ip6Options),
            ],
        ),
        family_only(Families::V6),
    )
    .nft(nft::hbh)
    .bare(),
    scoped(
        m(
            "dst",
            Implicit::ByKey,
            &[
                O::new("dst-len", U32_VALUE).negatable(),
                O::new("dst-opts", K::Ip6Options),
            ],
        ),
        family_only(Families::V6),
    )
    .nft(nft::dst)
    .bare(),
    scoped(
        m(
            "rt",
            Implicit::ByKey,
            &[
                O::new("rt-type", U32_VALUE).negatable(),
                O::new("rt-segsleft", SPI).negatable(),
                O::new("rt-len", U32_VALUE).negatable(),
                O::new("rt-0-res", FLAG),
                O::new("rt-0-addrs", K::Ip6AddressList),
                O::new("rt-0-not-strict", FLAG),
            ],
        ),
        family_only(Families::V6),
    )
    .constrained(&[C::Check(combos::rt_type0)])
    .nft(nft::rt)
    .bare(),
    needs(
        scoped(
            m(
                "mh",
                Implicit::ByProtocol,
                &[O::new("mh-type", K::MhType).negatable()],
            ),
            family_only(Families::V6),
        ),
        &["mh", "ipv6-mh", "mobility-header"],
    )
    .nft(nft::mh)
    .bare(),
    // No nft form: `exthdr NAME exists` tests one header anywhere in the chain, while
    // ipv6header (without --soft) wants exactly the listed set, and nft has no test for the
    // upper-layer "protocol" or "none" entries; iptables-translate has none either.
    rules(
        scoped(
            m(
                "ipv6header",
                Implicit::Never,
                &[
                    O::new("header", K::ChoiceList(IPV6_HEADERS)).negatable(),
                    O::new("soft", FLAG),
                ],
            ),
            family_only(Families::V6),
        ),
        &[&["header"]],
        &[],
    ),
    // No nft form: nft 1.0.6 has `srh flags`/`srh tag`/`srh last-entry`, but not the
    // greater/less comparisons as one expression with xt_srh's inversion per option, nor
    // the segment-id masks; iptables-translate has none.
    rules(
        scoped(
            m(
                "srh",
                Implicit::ByKey,
                &[
                    O::new("srh-next-hdr", U8_VALUE).negatable(),
                    O::new("srh-hdr-len-eq", U8_VALUE).negatable(),
                    O::new("srh-hdr-len-gt", U8_VALUE).negatable(),
                    O::new("srh-hdr-len-lt", U8_VALUE).negatable(),
                    O::new("srh-segs-left-eq", U8_VALUE).negatable(),
                    O::new("srh-segs-left-gt", U8_VALUE).negatable(),
                    O::new("srh-segs-left-lt", U8_VALUE).negatable(),
                    O::new("srh-last-entry-eq", U8_VALUE).negatable(),
                    O::new("srh-last-entry-gt", U8_VALUE).negatable(),
                    O::new("srh-last-entry-lt", U8_VALUE).negatable(),
                    O::new("srh-tag", K::UInt { min: 0, max: 65535 }).negatable(),
                    O::new("srh-psid", K::Address).negatable(),
                    O::new("srh-nsid", K::Address).negatable(),
                    O::new("srh-lsid", K::Address).negatable(),
                ],
            ),
            family_only(Families::V6),
        ),
        &[],
        // libip6t_srh keeps each group's value in one field: the last one given would
        // silently count for all of them.
        &[
            &["srh-hdr-len-eq", "srh-hdr-len-gt", "srh-hdr-len-lt"],
            &["srh-segs-left-eq", "srh-segs-left-gt", "srh-segs-left-lt"],
            &[
                "srh-last-entry-eq",
                "srh-last-entry-gt",
                "srh-last-entry-lt",
            ],
        ],
    )
    .bare(),
    // eui64: the source address's lower 64 bits against the EUI-64 of the frame's source MAC
    // (ip6t_eui64 needs the MAC header: PREROUTING, INPUT, FORWARD). No nft form, nor one
    // from ip6tables-translate.
    scoped(
        m("eui64", Implicit::Never, &[]),
        Scope {
            tables: &[],
            hooks: IN_HOOKS,
            families: Families::V6,
        },
    )
    .bare(),
    // ---- end of the packet-header matches ----
    rules(
        needs(
            m(
                "multiport",
                Implicit::ByKey,
                &[
                    O::new("sports", K::PortList)
                        .aliases(&["source-ports"])
                        .negatable()
                        .eval(ev::eval_sports),
                    O::new("dports", K::PortList)
                        .aliases(&["destination-ports"])
                        .negatable()
                        .eval(ev::eval_dports),
                    O::new("ports", K::PortList)
                        .negatable()
                        .eval(ev::eval_ports),
                ],
            ),
            MULTIPORT_PROTOCOLS,
        ),
        &[&["sports", "dports", "ports"]],
        &[&["sports", "dports", "ports"]],
    )
    .nft(nft::multiport),
    m(
        "conntrack",
        Implicit::ByKey,
        &[
            O::new("ctstate", K::ChoiceList(CT_STATES))
                .negatable()
                .eval(ev::eval_ctstate),
            O::new("ctproto", K::Protocol).negatable(),
            O::new("ctorigsrc", K::Address).negatable(),
            O::new("ctorigdst", K::Address).negatable(),
            O::new("ctreplsrc", K::Address).negatable(),
            O::new("ctrepldst", K::Address).negatable(),
            O::new("ctorigsrcport", K::PortRange).negatable(),
            O::new("ctorigdstport", K::PortRange).negatable(),
            O::new("ctreplsrcport", K::PortRange).negatable(),
            O::new("ctrepldstport", K::PortRange).negatable(),
            O::new("ctstatus", K::ChoiceList(CT_STATUSES)).negatable(),
            O::new("ctexpire", K::UIntRange { min: 0, max: U32 }).negatable(),
            O::new("ctdir", K::Choice(&["ORIGINAL", "REPLY"])),
        ],
    )
    .nft(nft::conntrack),
    m(
        "state",
        Implicit::ByKey,
        &[O::new("state", K::ChoiceList(STATES))
            .negatable()
            .eval(ev::eval_ctstate)],
    )
    .nft(nft::state),
    m(
        "comment",
        Implicit::ByKey,
        &[O::new("comment", K::Text { min: 0, max: 255 }).eval(ev::eval_true)],
    )
    .nft(nft::comment),
    m(
        "limit",
        Implicit::ByKey,
        &[
            O::new("limit", RATE),
            O::new("limit-burst", K::UInt { min: 1, max: 10000 }),
        ],
    )
    .constrained(&[C::Check(combos::limit_overflow)])
    .nft(nft::limit)
    .bare(),
    // On nft (address modes): `update @NAME { ip saddr timeout … limit rate … }` on a
    // dynamic set the engine declares; what stays refused says why in nft::hashlimit.
    rules(
        m(
            "hashlimit",
            Implicit::ByKey,
            &[
                O::new("hashlimit-upto", RATE).aliases(&["hashlimit"]),
                O::new("hashlimit-above", RATE),
                // libxt_hashlimit's XT_HASHLIMIT_BURST_MAX (packet rates).
                O::new(
                    "hashlimit-burst",
                    K::UInt {
                        min: 1,
                        max: 1_000_000,
                    },
                ),
                O::new(
                    "hashlimit-mode",
                    K::ChoiceList(&["srcip", "srcport", "dstip", "dstport"]),
                ),
                O::new("hashlimit-srcmask", K::PrefixLength),
                O::new("hashlimit-dstmask", K::PrefixLength),
                O::new("hashlimit-name", K::FileName { max: 254 }),
                O::new("hashlimit-htable-size", K::UInt { min: 1, max: U32 }),
                O::new("hashlimit-htable-max", K::UInt { min: 1, max: U32 }),
                O::new("hashlimit-htable-expire", K::UInt { min: 1, max: U32 }),
                O::new("hashlimit-htable-gcinterval", K::UInt { min: 1, max: U32 }),
            ],
        )
        .constrained(&[C::Check(combos::hashlimit_overflow)]),
        &[&["hashlimit-name"], &["hashlimit-upto", "hashlimit-above"]],
        &[&["hashlimit-upto", "hashlimit-above"]],
    )
    .nft(nft::hashlimit)
    .nft_sets(nft::hashlimit_sets),
    // On nft: `add @connlimitN { ip saddr ct count over N }`, a dynamic set of the rule's own
    // that the engine declares; both count with nf_conncount.
    rules(
        m(
            "connlimit",
            Implicit::ByKey,
            &[
                O::new("connlimit-upto", K::UInt { min: 0, max: U32 }),
                O::new("connlimit-above", K::UInt { min: 0, max: U32 }),
                O::new("connlimit-mask", K::UInt { min: 0, max: 128 }),
                O::new("connlimit-saddr", FLAG),
                O::new("connlimit-daddr", FLAG),
            ],
        ),
        &[&["connlimit-upto", "connlimit-above"]],
        &[
            &["connlimit-upto", "connlimit-above"],
            &["connlimit-saddr", "connlimit-daddr"],
        ],
    )
    .nft(nft::connlimit)
    .nft_sets(nft::connlimit_sets),
    rules(
        m(
            "recent",
            Implicit::Never,
            &[
                O::new("name", K::FileName { max: 199 }),
                O::new("set", FLAG).negatable(),
                O::new("rcheck", FLAG).negatable(),
                O::new("update", FLAG).negatable(),
                O::new("remove", FLAG).negatable(),
                O::new("seconds", K::UInt { min: 1, max: U32 }),
                O::new("reap", FLAG),
                O::new("hitcount", K::UInt { min: 1, max: 65535 }),
                O::new("rttl", FLAG),
                O::new("rsource", FLAG),
                O::new("rdest", FLAG),
                O::new("mask", K::Host),
            ],
        )
        // xt_recent: `--set` and `--remove` take no modifiers; `--reap` needs `--seconds`.
        .constrained(&[
            C::Conflicts("seconds", &["set", "remove"]),
            C::Conflicts("hitcount", &["set", "remove"]),
            C::Conflicts("rttl", &["set", "remove"]),
            C::Conflicts("reap", &["set", "remove"]),
            C::Needs("reap", &["seconds"]),
        ]),
        &[&["set", "rcheck", "update", "remove"]],
        &[
            &["set", "rcheck", "update", "remove"],
            &["rsource", "rdest"],
        ],
    )
    .nft(nft::recent)
    .nft_sets(nft::recent_sets),
    m(
        "iprange",
        Implicit::ByKey,
        &[
            O::new("src-range", K::AddressRange)
                .negatable()
                .eval(ev::eval_src_range),
            O::new("dst-range", K::AddressRange)
                .negatable()
                .eval(ev::eval_dst_range),
        ],
    )
    .nft(nft::iprange),
    scoped(
        m(
            "mac",
            Implicit::ByKey,
            &[O::new("mac-source", K::Mac).negatable()],
        ),
        hooks_only(IN_HOOKS),
    )
    .nft(nft::mac),
    m(
        "mark",
        Implicit::ByKey,
        &[O::new("mark", K::Mark).negatable().eval(ev::eval_mark)],
    )
    .nft(nft::mark),
    m(
        "connmark",
        Implicit::Never,
        &[O::new("mark", K::Mark).negatable().eval(ev::eval_connmark)],
    )
    .nft(nft::connmark),
    scoped(
        m(
            "owner",
            Implicit::ByKey,
            &[
                O::new("uid-owner", K::Owner).negatable(),
                O::new("gid-owner", K::Owner).negatable(),
                O::new("socket-exists", FLAG).negatable(),
                O::new("suppl-groups", FLAG),
            ],
        ),
        hooks_only(Hooks::OUTPUT.or(Hooks::POSTROUTING)),
    )
    .nft(nft::owner),
    rules(
        m(
            "addrtype",
            Implicit::ByKey,
            &[
                O::new("src-type", ADDR_TYPE).negatable(),
                O::new("dst-type", ADDR_TYPE).negatable(),
                O::new("limit-iface-in", FLAG)
                    .hooks(Hooks::PREROUTING.or(Hooks::INPUT).or(Hooks::FORWARD)),
                O::new("limit-iface-out", FLAG).hooks(OUT_HOOKS),
            ],
        ),
        &[&["src-type", "dst-type"]],
        &[&["limit-iface-in", "limit-iface-out"]],
    )
    .nft(nft::addrtype),
    m(
        "pkttype",
        Implicit::ByKey,
        &[O::new("pkt-type", K::Choice(PKT_TYPES)).negatable()],
    )
    .nft(nft::pkttype),
    m(
        "physdev",
        Implicit::ByKey,
        &[
            O::new("physdev-in", K::Interface).negatable(),
            // The kernel refuses the output side in OUTPUT (unless --physdev-is-bridged is
            // given too, which this cannot express: refusing it is the safe side).
            O::new("physdev-out", K::Interface)
                .negatable()
                .hooks(NOT_OUTPUT),
            O::new("physdev-is-in", FLAG).negatable(),
            O::new("physdev-is-out", FLAG).negatable().hooks(NOT_OUTPUT),
            O::new("physdev-is-bridged", FLAG).negatable(),
        ],
    ),
    // On nft: a named set of the firewall's table, declared by the engine, filled by the
    // operator (`nft add element`) as the ipset is (`ipset add`).
    m(
        "set",
        Implicit::ByKey,
        &[
            O::new("match-set", K::SetRef)
                .negatable()
                .eval(ev::eval_match_set),
            O::new("return-nomatch", FLAG),
        ],
    )
    .nft(nft::match_set)
    .nft_sets(nft::match_set_sets),
    rules(
        m(
            "string",
            Implicit::Never,
            &[
                O::new("algo", K::Choice(&["bm", "kmp"])),
                O::new("string", K::Text { min: 1, max: 128 }).negatable(),
                O::new("hex-string", K::HexString).negatable(),
                O::new("from", K::UInt { min: 0, max: 65535 }),
                O::new("to", K::UInt { min: 0, max: 65535 }),
                O::new("icase", FLAG),
            ],
        )
        .constrained(&[C::Check(combos::string_offsets)]),
        &[&["algo"], &["string", "hex-string"]],
        &[&["string", "hex-string"]],
    ),
    m(
        "length",
        Implicit::ByKey,
        &[O::new("length", K::UIntRange { min: 0, max: 65535 }).negatable()],
    )
    .nft(nft::length),
    rules(
        scoped(
            m(
                "ttl",
                Implicit::ByKey,
                &[
                    O::new("ttl-eq", K::UInt { min: 0, max: 255 }).negatable(),
                    O::new("ttl-lt", K::UInt { min: 0, max: 255 }),
                    O::new("ttl-gt", K::UInt { min: 0, max: 255 }),
                ],
            ),
            family_only(Families::V4),
        ),
        &[&["ttl-eq", "ttl-lt", "ttl-gt"]],
        &[&["ttl-eq", "ttl-lt", "ttl-gt"]],
    )
    .nft(nft::ttl),
    rules(
        scoped(
            m(
                "hl",
                Implicit::ByKey,
                &[
                    O::new("hl-eq", K::UInt { min: 0, max: 255 }).negatable(),
                    O::new("hl-lt", K::UInt { min: 0, max: 255 }),
                    O::new("hl-gt", K::UInt { min: 0, max: 255 }),
                ],
            ),
            family_only(Families::V6),
        ),
        &[&["hl-eq", "hl-lt", "hl-gt"]],
        &[&["hl-eq", "hl-lt", "hl-gt"]],
    )
    .nft(nft::hl),
    // No nft form: the whole TOS byte is only a raw `@nh,8,8` match, which nft 1.0.6 lists
    // back as `ip dscp … ip ecn …` (a negation then reloads as a different rule) and compiles
    // wrongly for IPv6's unaligned traffic class.
    m("tos", Implicit::ByKey, &[O::new("tos", K::Tos).negatable()]),
    rules(
        m(
            "dscp",
            Implicit::ByKey,
            &[
                O::new("dscp", K::UInt { min: 0, max: 63 }).negatable(),
                O::new("dscp-class", K::Choice(DSCP_CLASSES)).negatable(),
            ],
        ),
        &[&["dscp", "dscp-class"]],
        &[&["dscp", "dscp-class"]],
    )
    .nft(nft::dscp),
    // No nft form: nft converts `meta hour` from the local time of the `nft` process at load
    // (one fixed offset, DST ignored) and `meta day` is UTC, while xt_time uses UTC or, with
    // --kerneltz, the kernel's timezone for all fields; `meta time` dates are read in the
    // loader's timezone too, and nft has no month days.
    m(
        "time",
        Implicit::ByKey,
        &[
            O::new("timestart", K::TimeOfDay),
            O::new("timestop", K::TimeOfDay),
            O::new("datestart", K::Date),
            O::new("datestop", K::Date),
            O::new("weekdays", K::Weekdays).negatable(),
            O::new("monthdays", K::Monthdays).negatable(),
            O::new("kerneltz", FLAG),
            O::new("contiguous", FLAG),
        ],
    )
    .bare(),
    needs(
        m(
            "tcpmss",
            Implicit::ByKey,
            &[O::new("mss", K::UIntRange { min: 0, max: 65535 }).negatable()],
        ),
        &["tcp"],
    )
    .nft(nft::tcpmss),
    m(
        "helper",
        Implicit::ByKey,
        &[O::new("helper", K::Name { max: 29 }).negatable()],
    )
    .nft(nft::helper),
    m(
        "quota",
        Implicit::ByKey,
        &[O::new(
            "quota",
            K::UInt {
                min: 0,
                max: u64::MAX,
            },
        )],
    )
    .nft(nft::quota),
    rules(
        m(
            "statistic",
            Implicit::Never,
            &[
                O::new("mode", K::Choice(&["random", "nth"])),
                O::new("probability", K::Probability).negatable(),
                O::new("every", K::UInt { min: 1, max: U32 }).negatable(),
                O::new("packet", K::UInt { min: 0, max: U32 }),
            ],
        )
        // libxt_statistic's option table and its final check.
        .constrained(&[
            C::Conflicts("probability", &["every", "packet"]),
            C::Needs("every", &["packet"]),
            C::Needs("packet", &["every"]),
            C::Check(combos::statistic_mode),
        ]),
        &[&["mode"]],
        &[],
    )
    .nft(nft::statistic),
    // rpfilter: the kernel (ipt_rpfilter, ip6t_rpfilter) allows it in raw and mangle, on the
    // PREROUTING hook only.
    scoped(
        m(
            "rpfilter",
            Implicit::Never,
            &[
                O::new("loose", FLAG),
                O::new("validmark", FLAG),
                O::new("accept-local", FLAG),
                O::new("invert", FLAG),
            ],
        ),
        Scope {
            tables: &["raw", "mangle"],
            hooks: Hooks::PREROUTING,
            families: Families::BOTH,
        },
    )
    .nft(nft::rpfilter)
    .bare(),
    // socket: xt_socket looks the packet's socket up on the way in only.
    scoped(
        m(
            "socket",
            Implicit::Never,
            &[
                O::new("transparent", FLAG),
                O::new("nowildcard", FLAG),
                O::new("restore-skmark", FLAG),
            ],
        ),
        hooks_only(Hooks::PREROUTING.or(Hooks::INPUT)),
    )
    .nft(nft::socket)
    .bare(),
    // cgroup: xt_cgroup needs a local socket (INPUT, OUTPUT, POSTROUTING). A `--path` must
    // exist in the cgroup2 hierarchy when the rule is loaded, which only the kernel can say;
    // libxt_cgroup cuts a longer path at 511 bytes.
    rules(
        scoped(
            m(
                "cgroup",
                Implicit::Never,
                &[
                    O::new("path", K::Text { min: 1, max: 511 }).negatable(),
                    O::new("cgroup", K::UInt { min: 0, max: U32 }).negatable(),
                ],
            ),
            hooks_only(Hooks::INPUT.or(Hooks::OUTPUT).or(Hooks::POSTROUTING)),
        ),
        &[&["path", "cgroup"]],
        &[&["path", "cgroup"]],
    )
    .nft(nft::cgroup),
    rules(
        m(
            "connbytes",
            Implicit::ByKey,
            &[
                O::new(
                    "connbytes",
                    K::UIntRange {
                        min: 0,
                        max: u64::MAX,
                    },
                )
                .negatable(),
                O::new("connbytes-dir", K::Choice(&["original", "reply", "both"])),
                O::new("connbytes-mode", K::Choice(&["packets", "bytes", "avgpkt"])),
            ],
        ),
        &[&["connbytes"], &["connbytes-dir"], &["connbytes-mode"]],
        &[],
    )
    .nft(nft::connbytes),
    // connlabel: a label is a bit 0-127 (nf_connlabels_get). iptables reads names from
    // /etc/xtables/connlabel.conf when that file exists, and then only names; the catalog
    // takes bit numbers, which iptables reads when the file is absent.
    rules(
        m(
            "connlabel",
            Implicit::Never,
            &[
                O::new("label", K::UInt { min: 0, max: 127 }).negatable(),
                O::new("set", FLAG),
            ],
        ),
        &[&["label"]],
        &[],
    )
    .nft(nft::connlabel),
    // cluster: libxt_cluster takes node numbers and masks 1-32 (XT_CLUSTER_NODES_MAX).
    // No nft form: nft's `jhash ct original saddr mod N` hashes the address bytes, xt_cluster
    // the address as a number with another seed mix, so a node would take other connections;
    // and xt_cluster also turns multicast link-layer packets into host ones.
    rules(
        m(
            "cluster",
            Implicit::ByKey,
            &[
                O::new("cluster-total-nodes", K::UInt { min: 1, max: 32 }),
                O::new("cluster-local-node", K::UInt { min: 1, max: 32 }).negatable(),
                O::new("cluster-local-nodemask", K::UInt { min: 1, max: 32 }).negatable(),
                O::new("cluster-hash-seed", K::UInt { min: 0, max: U32 }),
            ],
        )
        .constrained(&[C::Check(combos::cluster_nodes)]),
        &[
            &["cluster-total-nodes"],
            &["cluster-local-node", "cluster-local-nodemask"],
            &["cluster-hash-seed"],
        ],
        &[&["cluster-local-node", "cluster-local-nodemask"]],
    ),
    rules(
        m(
            "cpu",
            Implicit::ByKey,
            &[O::new("cpu", K::UInt { min: 0, max: U32 }).negatable()],
        ),
        &[&["cpu"]],
        &[],
    )
    .nft(nft::cpu),
    // devgroup: xt_devgroup checks the hooks (also through jumps): the incoming device's group
    // where there is one, the outgoing device's where there is one. Group names from
    // /etc/iproute2/group are not read: numbers only.
    rules(
        m(
            "devgroup",
            Implicit::ByKey,
            &[
                O::new("src-group", DEVICE_GROUP)
                    .negatable()
                    .hooks(IN_HOOKS),
                O::new("dst-group", DEVICE_GROUP)
                    .negatable()
                    .hooks(OUT_HOOKS),
            ],
        ),
        &[&["src-group", "dst-group"]],
        &[],
    )
    .nft(nft::devgroup),
    // policy: one policy element. Several (`--next`, which repeats the element options) are
    // not modelled; write such a rule with `raw unchecked`.
    rules(
        m(
            "policy",
            Implicit::Never,
            &[
                O::new("dir", K::Choice(&["in", "out"])).value_hooks(combos::policy_dir_hooks),
                O::new("pol", K::Choice(&["none", "ipsec"])),
                O::new("strict", FLAG),
                O::new("reqid", K::UInt { min: 0, max: U32 }).negatable(),
                O::new("spi", K::UInt { min: 0, max: U32 }).negatable(),
                O::new("proto", K::Choice(&["ah", "esp", "ipcomp"])).negatable(),
                O::new("mode", K::Choice(&["transport", "tunnel"])).negatable(),
                O::new("tunnel-src", K::Address).negatable(),
                O::new("tunnel-dst", K::Address).negatable(),
            ],
        )
        .constrained(&[C::Check(combos::policy_element)]),
        &[&["dir"]],
        &[],
    )
    .nft(nft::policy),
    // realm: IPv4 only (libipt_realm); the route's realm is known once it is routed, so not
    // in PREROUTING. Realm names from /etc/iproute2/rt_realms are not read: numbers only.
    rules(
        scoped(
            m(
                "realm",
                Implicit::ByKey,
                &[O::new("realm", REALM).negatable()],
            ),
            Scope {
                tables: &[],
                hooks: Hooks::ALL.minus(Hooks::PREROUTING),
                families: Families::V4,
            },
        ),
        &[&["realm"]],
        &[],
    )
    .nft(nft::realm),
    // rateest: compares the rates of estimators made by `-j RATEEST` (xt_rateest refuses a
    // name no RATEEST rule has made). `--rateest-bps1` … `--rateest-pps2` are written without
    // a rate (they name what is compared); `--rateest-bps`/`--rateest-pps` (iptables' names of
    // `--rateest-bps2`/`--rateest-pps2` with a rate) carry the rate in absolute mode: bits
    // per second (also with iptables' units, `1000Kbit` as iptables-save prints it) and
    // packets per second. No nft form: nft has no rate estimators.
    rules(
        m(
            "rateest",
            Implicit::ByKey,
            &[
                O::new("rateest1", K::Name { max: 15 }).aliases(&["rateest"]),
                O::new("rateest2", K::Name { max: 15 }),
                O::new("rateest-delta", FLAG),
                O::new("rateest-bps1", FLAG),
                O::new("rateest-pps1", FLAG),
                O::new("rateest-bps2", FLAG),
                O::new("rateest-pps2", FLAG),
                O::new("rateest-bps", K::BitRate),
                O::new("rateest-pps", K::UInt { min: 0, max: U32 }),
                O::new("rateest-lt", FLAG).negatable(),
                O::new("rateest-gt", FLAG).negatable(),
                O::new("rateest-eq", FLAG).negatable(),
            ],
        ),
        &[
            &["rateest1"],
            &[
                "rateest-bps1",
                "rateest-pps1",
                "rateest-bps2",
                "rateest-pps2",
                "rateest-bps",
                "rateest-pps",
            ],
            &["rateest-lt", "rateest-gt", "rateest-eq"],
        ],
        &[
            &["rateest-lt", "rateest-gt", "rateest-eq"],
            &["rateest-bps2", "rateest-bps"],
            &["rateest-pps2", "rateest-pps"],
        ],
    ),
    // nfacct: the accounting object must exist (made with `nfacct add NAME`) when the rule
    // is loaded; its name has at most 31 characters (NFACCT_NAME_MAX). No nft form: nft's
    // named counters are not nfacct objects.
    rules(
        m(
            "nfacct",
            Implicit::ByKey,
            &[O::new("nfacct-name", K::Name { max: 31 })],
        ),
        &[&["nfacct-name"]],
        &[],
    ),
    // osf: IPv4 TCP SYNs on the way in (xt_osf); a genre has at most 31 characters. Matching
    // needs fingerprints loaded with `nfnl_osf`, loading the rule does not. No nft form:
    // nft's `osf name` compares the genre of the first fingerprint that fits, xt_osf any.
    rules(
        needs(
            scoped(
                m(
                    "osf",
                    Implicit::Never,
                    &[
                        O::new("genre", K::Name { max: 31 }).negatable(),
                        O::new("ttl", K::UInt { min: 0, max: 2 }),
                        O::new("log", K::UInt { min: 0, max: 2 }),
                    ],
                ),
                Scope {
                    tables: &[],
                    hooks: IN_HOOKS,
                    families: Families::V4,
                },
            ),
            &["tcp"],
        ),
        &[&["genre"]],
        &[],
    ),
    // ipvs: needs the kernel's IPVS (ip_vs), and for IPv6 one built with IP_VS_IPV6. No nft
    // form: nft has no IPVS expression.
    rules(
        m(
            "ipvs",
            Implicit::ByKey,
            &[
                O::new("ipvs", FLAG).negatable(),
                O::new("vproto", K::Protocol).negatable(),
                O::new("vaddr", K::Address).negatable(),
                O::new("vport", K::Port).negatable(),
                O::new("vdir", K::Choice(&["ORIGINAL", "REPLY"])),
                O::new("vmethod", K::Choice(&["GATE", "IPIP", "MASQ"])).negatable(),
                O::new("vportctl", K::Port).negatable(),
            ],
        )
        .constrained(&[C::Check(combos::ipvs_inverted)]),
        &[&[
            "ipvs", "vproto", "vaddr", "vport", "vdir", "vmethod", "vportctl",
        ]],
        &[],
    ),
];

/// The match module called `name`.
#[must_use]
pub fn find(name: &str) -> Option<&'static MatchSpec> {
    MATCHES.iter().find(|m| m.name == name)
}
