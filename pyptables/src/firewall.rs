//! [`Firewall`]: the IPv4 and IPv6 tables together, as the `firewall!` macro builds them.

use pyptables_catalog::Family;

use crate::error::RestoreError;
use crate::model::Tables;
use crate::restore::RestoreOptions;
use crate::validate::ValidationErrors;

/// A firewall for both families: the tables for `iptables-restore` and for
/// `ip6tables-restore`. The `firewall!` macro returns one; it holds only the tables the
/// source names.
///
/// ```
/// use pyptables::{Firewall, Rule};
/// let mut fw = Firewall::new();
/// fw.ipv4_mut().table_or_default("filter").unwrap()["INPUT"].push(Rule::new().in_interface("lo").accept());
/// assert_eq!(fw.ipv4().rule_count(), 1);
/// assert!(fw.ipv6().is_empty());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Firewall {
    v4: Tables,
    v6: Tables,
}

impl Default for Firewall {
    fn default() -> Self {
        Firewall::new()
    }
}

impl Firewall {
    /// A firewall with no tables.
    #[must_use]
    pub fn new() -> Firewall {
        Firewall {
            v4: Tables::new(Family::V4),
            v6: Tables::new(Family::V6),
        }
    }

    /// A firewall from the tables of each family.
    #[must_use]
    pub fn from_tables(v4: Tables, v6: Tables) -> Firewall {
        Firewall { v4, v6 }
    }

    /// The IPv4 tables.
    #[must_use]
    pub fn ipv4(&self) -> &Tables {
        &self.v4
    }

    /// The IPv6 tables.
    #[must_use]
    pub fn ipv6(&self) -> &Tables {
        &self.v6
    }

    /// The IPv4 tables, mutably.
    pub fn ipv4_mut(&mut self) -> &mut Tables {
        &mut self.v4
    }

    /// The IPv6 tables, mutably.
    pub fn ipv6_mut(&mut self) -> &mut Tables {
        &mut self.v6
    }

    /// The tables of `family`.
    #[must_use]
    pub fn family(&self, family: Family) -> &Tables {
        match family {
            Family::V4 => &self.v4,
            Family::V6 => &self.v6,
        }
    }

    /// Validates both families, reporting every problem.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut all = Vec::new();
        for tables in [&self.v4, &self.v6] {
            if let Err(e) = tables.validate() {
                all.extend(e.0);
            }
        }
        if all.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(all))
        }
    }

    /// Both families' annotated text, IPv4 first; a family with no tables is left out.
    #[must_use]
    pub fn to_iptables(&self) -> String {
        [&self.v4, &self.v6]
            .iter()
            .filter(|t| !t.is_empty())
            .map(|t| t.to_iptables())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Applies both families (each family with no tables is skipped), validating first.
    ///
    /// Each family's load is atomic. This does not roll IPv4 back if IPv6 then fails; the
    /// `cli` apply does (it saves the running rules first).
    pub fn restore(&self, options: &RestoreOptions) -> Result<(), RestoreError> {
        self.validate().map_err(RestoreError::Invalid)?;
        let opts = RestoreOptions {
            skip_validation: true,
            ..options.clone()
        };
        for tables in [&self.v4, &self.v6] {
            if !tables.is_empty() {
                tables.restore(&opts)?;
            }
        }
        Ok(())
    }
}
