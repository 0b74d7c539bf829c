//! How long each AWS resource type's operations typically take.
//!
//! The simulator sleeps (or adds to its virtual clock) these durations, and both providers
//! report them to the engine ([`engine::provider::ProviderFactory::expected_duration`]) so
//! an apply starts the longest chains of work first: an EKS cluster's ten minutes before
//! forty one-second records.

use std::time::Duration;

use engine::plan::Action;

/// Typical create, update-in-place and delete durations of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durations {
    /// Create.
    pub create: Duration,
    /// Update in place.
    pub update: Duration,
    /// Delete.
    pub delete: Duration,
}

impl Durations {
    /// How long a planned `action` takes: a replacement deletes and creates, a no-op or a
    /// data source read takes no time.
    pub fn of(&self, action: Action) -> Duration {
        match action {
            Action::Create => self.create,
            Action::Update => self.update,
            Action::Replace => self.create + self.delete,
            Action::Delete => self.delete,
            Action::NoOp | Action::Read => Duration::ZERO,
        }
    }
}

/// Seconds to create, update and delete, by type name.
const TABLE: &[(&str, [u64; 3])] = &[
    ("aws_autoscaling_attachment", [5, 5, 5]),
    ("aws_dynamodb_table", [20, 10, 20]),
    ("aws_eks_addon", [60, 60, 30]),
    ("aws_eks_cluster", [600, 600, 300]),
    ("aws_eks_node_group", [300, 300, 300]),
    ("aws_elasticache_replication_group", [600, 60, 300]),
    ("aws_instance", [30, 10, 30]),
    ("aws_lb", [180, 10, 60]),
    ("aws_lb_listener", [5, 5, 5]),
    ("aws_lb_target_group", [5, 5, 5]),
    ("aws_lb_target_group_attachment", [1, 1, 1]),
    ("aws_msk_cluster", [1500, 60, 600]),
    ("aws_msk_configuration", [5, 5, 5]),
    ("aws_rds_cluster", [120, 60, 300]),
    ("aws_rds_cluster_instance", [480, 600, 300]),
    ("aws_rds_cluster_parameter_group", [2, 2, 2]),
    // Route 53 changes are INSYNC within about a minute.
    ("aws_route53_record", [60, 60, 60]),
    ("aws_route53_zone", [45, 5, 30]),
    ("aws_s3_bucket", [2, 1, 1]),
    ("aws_security_group", [2, 1, 1]),
    ("aws_subnet", [1, 1, 1]),
    ("aws_vpc", [2, 1, 1]),
];

/// The typical durations of `type_name`'s operations; None for a type not in the table.
pub fn typical_durations(type_name: &str) -> Option<Durations> {
    TABLE
        .iter()
        .find(|(t, _)| *t == type_name)
        .map(|(_, [c, u, d])| Durations {
            create: Duration::from_secs(*c),
            update: Duration::from_secs(*u),
            delete: Duration::from_secs(*d),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_resource_type_has_typical_durations() {
        for (name, _) in crate::aws::resources() {
            assert!(typical_durations(name).is_some(), "{name}");
        }
        assert_eq!(
            typical_durations("aws_eks_cluster").map(|d| d.create),
            Some(Duration::from_secs(600))
        );
        assert_eq!(typical_durations("aws_nothing"), None);
    }
}
