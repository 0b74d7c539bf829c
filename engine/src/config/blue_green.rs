//! The `blue_green` block: upgrade an EKS cluster by building a second one beside it and
//! shifting traffic to it through weighted DNS records, instead of in place.
//!
//! ```hcl
//! blue_green "app" {
//!   cluster = aws_eks_cluster.main       # the cluster whose version changes
//!   record  = aws_route53_record.app     # the weighted record pointing at it
//!   steps   = [10, 50, 100]              # percent of traffic on the new side per shift
//!   bake    = "10m"                      # wait after each shift, then the health gate
//!   shared  = [aws_lb_target_group.x]    # dependents of the cluster that are not copied
//!   health {                             # the gate, re-evaluated after every bake
//!     condition     = data.galley_sim_traffic.app.error_rate <= 0.01
//!     error_message = "the new cluster serves errors"
//!   }
//! }
//! ```

use std::time::Duration;

use crate::addr::Resource;
use crate::diag::Span;

use super::Check;

/// Traffic steps when the block names none: a canary, half, all.
pub const DEFAULT_STEPS: [u8; 3] = [10, 50, 100];
/// Bake time when the block names none.
pub const DEFAULT_BAKE: Duration = Duration::from_secs(300);

/// A resource named by a `blue_green` argument, with where it was named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The resource.
    pub resource: Resource,
    /// The reference in the block.
    pub span: Option<Span>,
}

/// One `blue_green` block.
#[derive(Debug, Clone)]
pub struct BlueGreen {
    /// Its label.
    pub name: String,
    /// The `aws_eks_cluster` upgraded this way.
    pub cluster: Named,
    /// The weighted `aws_route53_record` that sends traffic to the cluster's side.
    pub record: Named,
    /// Percent of traffic on the new side after each shift, increasing, ending at 100.
    pub steps: Vec<u8>,
    /// How long each shift bakes before the health gate.
    pub bake: Duration,
    /// Resources that depend on the cluster but are not copied for the new side.
    pub shared: Vec<Named>,
    /// The health gate: every condition must hold after each bake.
    pub health: Vec<Check>,
    /// The block's header.
    pub span: Option<Span>,
}

/// Parses a duration as Terraform's `timeouts` blocks write them: a sequence of numbers
/// with units `h`, `m`, `s` (`"1h30m"`, `"90s"`, `"10m"`).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0u64;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: u64 = digits.parse().ok()?;
        digits.clear();
        total = total.checked_add(n.checked_mul(match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        })?)?;
    }
    digits.is_empty().then_some(Duration::from_secs(total))
}

/// Why a `steps` list is not usable, or `None` when it is.
pub fn steps_problem(steps: &[u8]) -> Option<String> {
    if steps.is_empty() {
        return Some("at least one step is needed".into());
    }
    if steps.iter().any(|&p| p == 0 || p > 100) {
        return Some("each step is a percentage from 1 to 100".into());
    }
    if steps.windows(2).any(|w| w[0] >= w[1]) {
        return Some("steps must increase".into());
    }
    if steps.last() != Some(&100) {
        return Some("the last step must be 100, or blue would keep traffic".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_terraform_timeouts() {
        assert_eq!(parse_duration("10m"), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("45s"), Some(Duration::from_secs(45)));
        assert_eq!(parse_duration("0s"), Some(Duration::ZERO));
        for bad in ["", "10", "10x", "m", "1.5h", "-1m"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn steps_must_increase_to_one_hundred() {
        assert_eq!(steps_problem(&[10, 50, 100]), None);
        assert_eq!(steps_problem(&[100]), None);
        assert!(steps_problem(&[]).is_some());
        assert!(steps_problem(&[50, 10, 100]).is_some());
        assert!(steps_problem(&[10, 10, 100]).is_some());
        assert!(steps_problem(&[10, 50]).unwrap().contains("100"));
        assert!(steps_problem(&[0, 100]).is_some());
    }
}
