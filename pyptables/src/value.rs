//! Typed values for rule options, and the [`IntoValue`] conversion the rule builder takes.
//!
//! Option setters accept typed values (`IpNet`, `u16`, [`PortRange`], [`CtState`] …) and plain
//! strings. Typed values are correct by construction; strings are checked by
//! [`Tables::validate`](crate::Tables::validate) with the same catalog the `firewall!` macro
//! uses. Each typed value also parses from a string with a clear error.
//!
//! ```
//! use pyptables::value::{PortRange, Rate};
//! let r: PortRange = "1024:65535".parse().unwrap();
//! assert_eq!(r.to_string(), "1024:65535");
//! assert!("70000".parse::<PortRange>().unwrap_err().to_string().contains("out of range"));
//! assert_eq!("5/minute".parse::<Rate>().unwrap().to_string(), "5/minute");
//! ```

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

pub use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use pyptables_catalog::{Family, ValueError, ValueKind};

/// The text of option names and values: a string kept inline when short (most are), so
/// building a rule allocates little. It reads as a `&str` (`Deref`, `AsRef<str>`, `Display`)
/// and is made from any string (`From<&str>`, `From<String>`, …); how it is stored is not
/// part of the API.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(compact_str::CompactString);

impl Text {
    /// A text of `s` without copying it (a `'static` string is kept by reference).
    #[must_use]
    pub const fn const_new(s: &'static str) -> Text {
        Text(compact_str::CompactString::const_new(s))
    }

    /// The text as a `&str`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Appends `s`.
    pub fn push_str(&mut self, s: &str) {
        self.0.push_str(s);
    }

    /// Appends `c`.
    pub fn push(&mut self, c: char) {
        self.0.push(c);
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.0.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.0.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0.as_str(), f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0.as_str(), f)
    }
}

impl fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.push_str(s);
        Ok(())
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(s.into())
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text(s.as_str().into())
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(s.into())
    }
}

impl From<Cow<'_, str>> for Text {
    fn from(s: Cow<'_, str>) -> Text {
        Text(s.into())
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Text {
        Text(s.into())
    }
}

impl From<&Text> for Text {
    fn from(s: &Text) -> Text {
        s.clone()
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0.into()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.0 == other.as_str()
    }
}

/// An option value as text, possibly inverted with `!`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// The text written after the option.
    pub text: Text,
    /// Whether the option is inverted (`! --opt value`).
    pub negated: bool,
}

/// Anything usable as an option value.
pub trait IntoValue {
    /// The value.
    fn into_value(self) -> Value;
}

fn plain(text: impl Into<Text>) -> Value {
    Value {
        text: text.into(),
        negated: false,
    }
}

impl IntoValue for Value {
    fn into_value(self) -> Value {
        self
    }
}
impl IntoValue for &'static str {
    fn into_value(self) -> Value {
        plain(self)
    }
}
impl IntoValue for String {
    fn into_value(self) -> Value {
        plain(self)
    }
}
impl IntoValue for &String {
    fn into_value(self) -> Value {
        plain(self.clone())
    }
}
impl IntoValue for Cow<'static, str> {
    fn into_value(self) -> Value {
        plain(self)
    }
}
macro_rules! display_values {
    ($($t:ty),*) => {$(
        impl IntoValue for $t {
            fn into_value(self) -> Value {
                plain(Text(compact_str::ToCompactString::to_compact_string(&self)))
            }
        }
    )*};
}
display_values!(u8, u32, u64, usize, i32, IpAddr, Ipv6Addr, IpNet, Ipv6Net);

// Ports and IPv4 addresses are the bulk of large rulesets: format them on the stack, without
// the general formatting machinery, and make the text in one step.
struct Digits {
    buf: [u8; 24],
    len: usize,
}

impl Digits {
    fn new() -> Digits {
        Digits {
            buf: [0; 24],
            len: 0,
        }
    }

    fn byte(&mut self, b: u8) {
        self.buf[self.len] = b;
        self.len += 1;
    }

    fn decimal(&mut self, mut n: u32) {
        let mut tmp = [0u8; 10];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &tmp[i..] {
            self.byte(d);
        }
    }

    fn ipv4(&mut self, addr: Ipv4Addr) {
        for (i, octet) in addr.octets().into_iter().enumerate() {
            if i > 0 {
                self.byte(b'.');
            }
            self.decimal(u32::from(octet));
        }
    }

    fn value(&self) -> Value {
        plain(Text::from(
            std::str::from_utf8(&self.buf[..self.len]).expect("digits and dots are ASCII"),
        ))
    }
}

impl IntoValue for u16 {
    fn into_value(self) -> Value {
        let mut d = Digits::new();
        d.decimal(u32::from(self));
        d.value()
    }
}

impl IntoValue for Ipv4Addr {
    fn into_value(self) -> Value {
        let mut d = Digits::new();
        d.ipv4(self);
        d.value()
    }
}

impl IntoValue for Ipv4Net {
    fn into_value(self) -> Value {
        let mut d = Digits::new();
        d.ipv4(self.addr());
        d.byte(b'/');
        d.decimal(u32::from(self.prefix_len()));
        d.value()
    }
}

/// Several values joined with commas (`ctstate` states, multiport ports). A list of negated
/// values is one negated value ("none of these": `[not(22), not(80)]` → `! --dports 22,80`); a
/// list mixing negated and plain values is refused by validation.
impl<T: IntoValue, const N: usize> IntoValue for [T; N] {
    fn into_value(self) -> Value {
        join(self)
    }
}
impl<T: IntoValue> IntoValue for Vec<T> {
    fn into_value(self) -> Value {
        join(self)
    }
}

fn join<T: IntoValue>(items: impl IntoIterator<Item = T>) -> Value {
    let values: Vec<Value> = items.into_iter().map(IntoValue::into_value).collect();
    join_values(&values)
}

/// Several values as one, joined with commas, keeping their negation: a list of negated values
/// means "none of these", one negated option (`[not(22), not(80)]` → `! --dports 22,80`).
/// A list that mixes negated and plain values has no such option: its negated values are
/// written `!value`, which validation refuses with a message that says so. An empty list is an
/// empty value, which validation refuses too.
pub(crate) fn join_values(values: &[Value]) -> Value {
    let negated = values.iter().filter(|v| v.negated).count();
    let mixed = negated > 0 && negated < values.len();
    let mut text = Text::default();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        if mixed && v.negated {
            text.push('!');
        }
        text.push_str(&v.text);
    }
    Value {
        text,
        negated: negated > 0 && !mixed,
    }
}

/// An inverted value: `rule.source(not("10.0.0.0/8"))` gives `! -s 10.0.0.0/8`.
#[derive(Clone, Debug)]
pub struct Not<T>(pub T);

/// Inverts a value (iptables' `!`, pyptables' `__not`).
pub fn not<T: IntoValue>(value: T) -> Not<T> {
    Not(value)
}

impl<T: IntoValue> IntoValue for Not<T> {
    fn into_value(self) -> Value {
        let mut v = self.0.into_value();
        v.negated = !v.negated;
        v
    }
}

/// A value that did not parse; the message says why, in the catalog's words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} `{text}`: {reason}")]
pub struct ParseValueError {
    /// What was being parsed (`port range`).
    pub what: &'static str,
    /// The text.
    pub text: String,
    /// Why it was refused.
    pub reason: String,
}

fn checked(kind: ValueKind, what: &'static str, text: &str) -> Result<String, ParseValueError> {
    // Family-neutral kinds only, so the family passed does not matter.
    kind.check(text, Family::V4)
        .map(Cow::into_owned)
        .map_err(|e| ParseValueError {
            what,
            text: text.to_string(),
            reason: match e {
                ValueError::Invalid(r) => r,
                ValueError::WrongFamily { found } => format!("an {found} value"),
            },
        })
}

macro_rules! text_value {
    ($(#[$doc:meta])* $name:ident, $kind:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The canonical text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = ParseValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                checked($kind, $what, s).map($name)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl IntoValue for $name {
            fn into_value(self) -> Value {
                plain(self.0)
            }
        }
    };
}

text_value!(
    /// An interface name (at most 15 characters; `eth+` matches every `eth…`).
    Interface, ValueKind::Interface, "interface name"
);
text_value!(
    /// A protocol: a name such as `tcp`, a number 0–255, or `all`.
    Protocol, ValueKind::Protocol, "protocol"
);
text_value!(
    /// A port or port range `low:high`; service names become numbers.
    PortRange, ValueKind::PortRange, "port range"
);
text_value!(
    /// A 32-bit mark with an optional mask, `0x10/0xff`.
    MarkValue, ValueKind::Mark, "mark"
);
text_value!(
    /// A rate such as `5/minute`, at most 10000/second.
    Rate, ValueKind::Rate, "rate"
);
text_value!(
    /// An address range `a-b` for `-m iprange`.
    AddressRange, ValueKind::AddressRange, "address range"
);

impl PortRange {
    /// The range `low:high`.
    pub fn new(low: u16, high: u16) -> Result<PortRange, ParseValueError> {
        format!("{low}:{high}").parse()
    }
}

impl MarkValue {
    /// A mark value with no mask.
    #[must_use]
    pub fn new(value: u32) -> MarkValue {
        MarkValue(format!("0x{value:x}"))
    }

    /// A mark value under a mask.
    #[must_use]
    pub fn masked(value: u32, mask: u32) -> MarkValue {
        MarkValue(format!("0x{value:x}/0x{mask:x}"))
    }
}

/// A connection-tracking state for `ctstate` (and, but for SNAT/DNAT, `state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum CtState {
    Invalid,
    New,
    Established,
    Related,
    Untracked,
    Snat,
    Dnat,
}

impl CtState {
    /// The name iptables uses.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            CtState::Invalid => "INVALID",
            CtState::New => "NEW",
            CtState::Established => "ESTABLISHED",
            CtState::Related => "RELATED",
            CtState::Untracked => "UNTRACKED",
            CtState::Snat => "SNAT",
            CtState::Dnat => "DNAT",
        }
    }
}

impl FromStr for CtState {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let name = checked(
            ValueKind::Choice(pyptables_catalog::value::CT_STATES),
            "conntrack state",
            s,
        )?;
        Ok(match name.as_str() {
            "INVALID" => CtState::Invalid,
            "NEW" => CtState::New,
            "ESTABLISHED" => CtState::Established,
            "RELATED" => CtState::Related,
            "UNTRACKED" => CtState::Untracked,
            "SNAT" => CtState::Snat,
            _ => CtState::Dnat,
        })
    }
}

impl fmt::Display for CtState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl IntoValue for CtState {
    fn into_value(self) -> Value {
        plain(self.as_str())
    }
}
