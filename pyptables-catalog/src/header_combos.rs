//! Computed checks of the packet-header matches (`ah`, `rt`): what libipt_ah, libip6t_rt and
//! their kernel `checkentry` functions refuse, where a table of option pairs cannot say it.

use crate::family::Family;
use crate::rule::protocol_of;
use crate::spec::{Given, Violation};
use crate::value::parse_uint;

/// `-m ah`: IPv4's ipt_ah needs `-p ah`. In IPv6, `-p` is the protocol after the extension
/// headers, AH among them, so `-p ah` never matches (ip6tables warns "never matched
/// protocol"); ip6t_ah finds the header itself.
pub fn ah_protocol(g: &Given<'_>) -> Result<(), Violation> {
    let ah = protocol_of(g.rule).is_some_and(|p| p.eq_ignore_ascii_case("ah"));
    match g.family {
        Family::V4 if !ah => Err(Violation::new(
            None,
            "in IPv4 `-m ah` needs `-p ah` (proto=ah)",
        )),
        Family::V6 if ah => Err(Violation::new(
            None,
            "in IPv6 `-p ah` never matches (`-p` is the protocol after the extension headers, \
             AH among them): leave `-p` out, `-m ah` finds the header itself",
        )),
        _ => Ok(()),
    }
}

/// `-m rt`: `--rt-0-res` and `--rt-0-addrs` need `--rt-type 0` (not inverted) before them,
/// `--rt-0-not-strict` needs `--rt-0-addrs` before it (libip6t_rt reads them in order).
pub fn rt_type0(g: &Given<'_>) -> Result<(), Violation> {
    let mut type0 = false;
    let mut addrs = false;
    for &(name, value, negated) in g.options {
        match name {
            "rt-type" => type0 = !negated && value.and_then(parse_uint) == Some(0),
            "rt-0-res" | "rt-0-addrs" if !type0 => {
                let option = if name == "rt-0-res" {
                    "rt-0-res"
                } else {
                    "rt-0-addrs"
                };
                return Err(Violation::new(
                    Some(option),
                    format!("`{name}` needs `rt-type 0` before it"),
                ));
            }
            "rt-0-addrs" => addrs = true,
            "rt-0-not-strict" if !addrs => {
                return Err(Violation::new(
                    Some("rt-0-not-strict"),
                    "`rt-0-not-strict` needs `rt-0-addrs` before it",
                ))
            }
            _ => {}
        }
    }
    Ok(())
}
