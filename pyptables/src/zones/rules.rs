//! [`ForwardingRule`] and [`InputRule`]: policies between locations that expand into plain
//! [`Rule`]s.

use pyptables_catalog::Family;

use crate::model::rule::{Rule, Target};
use crate::origin::Origin;
use crate::zones::channel::Channel;
use crate::zones::hosts::{Direction, Endpoint, Location};
use crate::zones::ZoneError;

/// What both kinds of rule share: the verdict, the log, the comment and the channels.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Common {
    verdict: Option<Target>,
    log: Option<String>,
    comment: Option<String>,
    channels: Vec<Channel>,
}

impl Common {
    fn new(verdict: Option<Target>) -> Common {
        Common {
            verdict,
            log: None,
            comment: None,
            channels: Vec::new(),
        }
    }

    /// sources × destinations × channels, in that order, each with its LOG rule first.
    /// `destinations` is `None` for input rules (the destination is this machine).
    fn expand(
        &self,
        sources: &[Location],
        destinations: Option<&[Location]>,
        only: Option<Family>,
        origin: Origin,
    ) -> Result<Vec<Rule>, ZoneError> {
        if self.verdict.is_none() && self.log.is_none() {
            return Err(ZoneError::NothingToDo);
        }
        for c in &self.channels {
            c.check()?;
        }
        let srcs = side(sources);
        let dsts = destinations.map_or_else(|| vec![None], side);
        let channels: Vec<Option<&Channel>> = if self.channels.is_empty() {
            vec![None]
        } else {
            self.channels.iter().map(Some).collect()
        };
        let mut out = Vec::new();
        for src in &srcs {
            for dst in &dsts {
                for channel in &channels {
                    let families = [
                        src.and_then(|e| e.family()),
                        dst.and_then(|e| e.family()),
                        channel.and_then(|c| c.family()),
                    ];
                    let family = match one_family(families) {
                        Ok(f) => f,
                        Err(()) if only.is_some() => continue,
                        Err(()) => {
                            return Err(ZoneError::MixedFamilies {
                                route: self.describe(src, dst, destinations.is_some(), *channel),
                            })
                        }
                    };
                    if only.is_some() && family.is_some() && family != only {
                        continue;
                    }
                    let mut rule = Rule::new().at(origin);
                    if let Some(e) = src {
                        rule = e.apply(rule, Direction::Source);
                    }
                    if let Some(e) = dst {
                        rule = e.apply(rule, Direction::Destination);
                    }
                    if let Some(c) = channel {
                        rule = c.apply(rule);
                    }
                    let rule =
                        rule.comment(self.describe(src, dst, destinations.is_some(), *channel));
                    if let Some(prefix) = &self.log {
                        out.push(
                            rule.clone()
                                .at(origin)
                                .target(Target::LOG.opt("log-prefix", prefix.clone())),
                        );
                    }
                    if let Some(verdict) = &self.verdict {
                        out.push(rule.target(verdict.clone()));
                    }
                }
            }
        }
        Ok(out)
    }

    /// `[comment: ]lan -> dmz:web[, channel tcp, ports any -> 443]`
    fn describe(
        &self,
        src: &Option<Endpoint<'_>>,
        dst: &Option<Endpoint<'_>>,
        forwarding: bool,
        channel: Option<&Channel>,
    ) -> String {
        fn name<'a>(e: &Option<Endpoint<'a>>) -> &'a str {
            e.map_or("any", |e| e.location.name())
        }
        let mut s = match &self.comment {
            Some(c) => format!("{c}: "),
            None => String::new(),
        };
        s.push_str(name(src));
        s.push_str(" -> ");
        s.push_str(if forwarding { name(dst) } else { "local" });
        if let Some(c) = channel {
            s.push_str(", channel ");
            s.push_str(&c.to_string());
        }
        s
    }
}

/// One side's entries, or a single `None` (anything) when it names no location.
fn side(locations: &[Location]) -> Vec<Option<Endpoint<'_>>> {
    if locations.is_empty() {
        vec![None]
    } else {
        locations
            .iter()
            .flat_map(|l| l.endpoints())
            .map(Some)
            .collect()
    }
}

/// The one family the parts agree on (`None` if none pins one), or `Err` if they differ.
fn one_family(parts: [Option<Family>; 3]) -> Result<Option<Family>, ()> {
    let mut found = None;
    for f in parts.into_iter().flatten() {
        match found {
            Some(g) if g != f => return Err(()),
            _ => found = Some(f),
        }
    }
    Ok(found)
}

macro_rules! common_builders {
    ($name:ident) => {
        impl $name {
            /// `-j ACCEPT` for the matching traffic.
            pub fn accept() -> $name {
                $name::new(Target::ACCEPT)
            }

            /// `-j DROP` for the matching traffic.
            pub fn drop() -> $name {
                $name::new(Target::DROP)
            }

            /// `-j REJECT` for the matching traffic.
            pub fn reject() -> $name {
                $name::new(Target::REJECT)
            }

            /// No verdict: only the LOG rules (give a [`log`](Self::log) prefix), pyptables'
            /// policy `NONE`.
            pub fn log_only() -> $name {
                $name::with_verdict(None)
            }

            /// Any target for the matching traffic: a catalog target or a jump to a chain.
            pub fn new(verdict: Target) -> $name {
                $name::with_verdict(Some(verdict))
            }

            /// Adds a source; several sources multiply the rules.
            #[must_use]
            pub fn from(mut self, source: impl Into<Location>) -> $name {
                self.sources.push(source.into());
                self
            }

            /// Adds a channel; several channels multiply the rules.
            #[must_use]
            pub fn channel(mut self, channel: impl Into<Channel>) -> $name {
                self.common.channels.push(channel.into());
                self
            }

            /// Logs each match (`-j LOG --log-prefix PREFIX`) just before its verdict. The
            /// catalog allows at most 29 characters.
            #[must_use]
            pub fn log(mut self, prefix: impl Into<String>) -> $name {
                self.common.log = Some(prefix.into());
                self
            }

            /// A comment put in front of each rule's route description.
            #[must_use]
            pub fn comment(mut self, comment: impl Into<String>) -> $name {
                self.common.comment = Some(comment.into());
                self
            }

            /// The rules, in order. Check them by putting them in a chain and validating the
            /// tables, like any other rule.
            #[track_caller]
            pub fn rules(&self) -> Result<Vec<Rule>, ZoneError> {
                self.expand(None, Origin::caller())
            }

            /// The rules for the tables of `family`: combinations whose addresses (or ICMP
            /// channel) belong to the other family are left out.
            #[track_caller]
            pub fn rules_for(&self, family: Family) -> Result<Vec<Rule>, ZoneError> {
                self.expand(Some(family), Origin::caller())
            }
        }
    };
}

/// Traffic through this machine from some locations to others, pyptables' `ForwardingRule`:
/// for the `FORWARD` chain.
///
/// It expands into one rule per source × destination × channel, in that order (a location
/// with a host group counts once per entry); a missing side matches anything. Each rule's
/// comment describes its route, and with [`log`](ForwardingRule::log) each verdict is preceded
/// by a LOG rule with the same matches.
///
/// ```
/// use pyptables::zones::{ForwardingRule, TcpChannel, Zone};
/// let lan = Zone::new("lan", "eth1");
/// let dmz = Zone::new("dmz", "eth2");
/// let rules = ForwardingRule::accept()
///     .from(&lan)
///     .to(&dmz)
///     .channel(TcpChannel::new().dports([80, 443]))
///     .log("FWD lan-dmz A ")
///     .rules()
///     .unwrap();
/// let lines: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
/// assert_eq!(lines, [
///     "-i eth1 -o eth2 -p tcp -m multiport --dports 80,443 -m comment --comment \"lan -> dmz, channel tcp, ports any -> 80,443\" -j LOG --log-prefix \"FWD lan-dmz A \"",
///     "-i eth1 -o eth2 -p tcp -m multiport --dports 80,443 -m comment --comment \"lan -> dmz, channel tcp, ports any -> 80,443\" -j ACCEPT",
/// ]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForwardingRule {
    common: Common,
    sources: Vec<Location>,
    destinations: Vec<Location>,
}

impl ForwardingRule {
    fn with_verdict(verdict: Option<Target>) -> ForwardingRule {
        ForwardingRule {
            common: Common::new(verdict),
            sources: Vec::new(),
            destinations: Vec::new(),
        }
    }

    /// Adds a destination; several destinations multiply the rules.
    #[must_use]
    pub fn to(mut self, destination: impl Into<Location>) -> ForwardingRule {
        self.destinations.push(destination.into());
        self
    }

    fn expand(&self, only: Option<Family>, origin: Origin) -> Result<Vec<Rule>, ZoneError> {
        self.common
            .expand(&self.sources, Some(&self.destinations), only, origin)
    }
}

common_builders!(ForwardingRule);

/// Traffic to this machine from some locations, pyptables' `InputRule`: for the `INPUT`
/// chain. It expands into sources × channels like a [`ForwardingRule`].
///
/// ```
/// use pyptables::zones::{InputRule, TcpChannel, Zone};
/// let lan = Zone::new("lan", "eth1");
/// let rules = InputRule::accept().from(&lan).channel(TcpChannel::new().dport(22)).rules().unwrap();
/// assert_eq!(rules[0].to_string(),
///     "-i eth1 -p tcp -m tcp --dport 22 -m comment --comment \"lan -> local, channel tcp, ports any -> 22\" -j ACCEPT");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputRule {
    common: Common,
    sources: Vec<Location>,
}

impl InputRule {
    fn with_verdict(verdict: Option<Target>) -> InputRule {
        InputRule {
            common: Common::new(verdict),
            sources: Vec::new(),
        }
    }

    fn expand(&self, only: Option<Family>, origin: Origin) -> Result<Vec<Rule>, ZoneError> {
        self.common.expand(&self.sources, None, only, origin)
    }
}

common_builders!(InputRule);
