//! Object ids that look like the real services' and are stable for a given world history.
//!
//! Ids derive from the world's name and its creation counter (UUID v5), so a fresh
//! world always hands out the same ids in the same order, which keeps snapshot tests
//! stable, while no two objects ever share one.

use uuid::Uuid;

/// How a resource type's ids look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdStyle {
    /// A prefix and 17 hex digits: `vpc-0a1b2c3d4e5f67890`.
    Prefixed(&'static str),
    /// A UUID (OpenStack, `terraform_data`).
    Uuid,
    /// A Route 53 hosted-zone id: `Z` and 20 upper-case characters.
    HostedZone,
    /// Set by the type's create hook from the object's attributes.
    FromHook,
}

/// A UUID unique to `seed`.
pub fn uuid_for(seed: &str) -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, seed.as_bytes())
}

/// Hex digits drawn from a UUID, without its fixed version and variant digits.
fn hex_digits(seed: &str, n: usize) -> String {
    let s = uuid_for(seed).simple().to_string();
    s.char_indices()
        .filter(|(i, _)| *i != 12 && *i != 16)
        .map(|(_, c)| c)
        .take(n)
        .collect()
}

/// A prefixed id for a sub-object the service creates alongside another one
/// (a VPC's default security group), derived from the parent's id.
pub fn derived(prefix: &str, parent: &str, role: &str) -> String {
    format!(
        "{prefix}{}",
        hex_digits(&format!("galley-sim:{parent}/{role}"), 17)
    )
}

impl IdStyle {
    /// The id for the object created as number `counter` in the world named `world`;
    /// `None` for [`IdStyle::FromHook`].
    pub fn make(self, world: &str, type_name: &str, counter: u64) -> Option<String> {
        let seed = format!("galley-sim:{world}/{type_name}/{counter}");
        match self {
            IdStyle::Prefixed(p) => Some(format!("{p}{}", hex_digits(&seed, 17))),
            IdStyle::Uuid => Some(uuid_for(&seed).to_string()),
            IdStyle::HostedZone => Some(format!("Z{}", hex_digits(&seed, 20).to_uppercase())),
            IdStyle::FromHook => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_ids_have_seventeen_hex_digits_and_differ_by_counter() {
        let a = IdStyle::Prefixed("vpc-")
            .make("aws/eu-west-1", "aws_vpc", 1)
            .unwrap();
        let b = IdStyle::Prefixed("vpc-")
            .make("aws/eu-west-1", "aws_vpc", 2)
            .unwrap();
        assert_eq!(a.len(), 4 + 17);
        assert!(a[4..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(
            a,
            IdStyle::Prefixed("vpc-")
                .make("aws/eu-west-1", "aws_vpc", 1)
                .unwrap()
        );
    }

    #[test]
    fn worlds_do_not_share_ids() {
        let a = IdStyle::Uuid.make("aws/eu-west-1", "t", 1);
        let b = IdStyle::Uuid.make("aws/us-east-1", "t", 1);
        assert_ne!(a, b);
    }
}
