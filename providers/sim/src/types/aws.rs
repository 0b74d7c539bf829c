//! What AWS resource types share: account, ARNs, tags, regions and availability zones.

use engine::value::Value;

use super::string_map;
use crate::shape::conform;

/// The simulated account.
pub const ACCOUNT_ID: &str = "123456789012";

/// `arn:aws:<service>:<region>:<account>:<resource>`.
pub fn arn(service: &str, region: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}")
}

/// `tags_all` from `tags`: the same map, empty when no tags (no provider default_tags).
pub fn tags_all(tags: &Value) -> Value {
    match conform(tags.clone(), &string_map()) {
        Value::Null => Value::Map(Default::default()),
        v => v,
    }
}

/// True for names shaped like AWS regions: `eu-west-1`, `us-gov-east-1`.
pub fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// The availability zones of a region: `a` to `f` in us-east-1, `a` to `c` elsewhere.
pub fn availability_zones(region: &str) -> Vec<String> {
    let letters = if region == "us-east-1" {
        "abcdef"
    } else {
        "abc"
    };
    letters.chars().map(|c| format!("{region}{c}")).collect()
}

/// The zone id of an availability zone: `eu-west-1b` -> `euw1-az2`.
pub fn zone_id(region: &str, zone: &str) -> Option<String> {
    let letter = zone.strip_prefix(region)?.chars().next()?;
    let index = u32::from(letter).checked_sub(u32::from('a'))? + 1;
    let short: String = region
        .split('-')
        .map(|p| {
            if p.chars().all(|c| c.is_ascii_digit()) {
                p.to_string()
            } else {
                p.chars().take(1).collect()
            }
        })
        .collect();
    let short = match region.split('-').next() {
        Some(cc) => format!("{cc}{}", &short[1.min(short.len())..]),
        None => short,
    };
    Some(format!("{short}-az{index}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names_are_recognised() {
        assert!(is_region("eu-west-1"));
        assert!(is_region("us-gov-east-1"));
        assert!(!is_region("RegionOne"));
        assert!(!is_region("eu-west"));
    }

    #[test]
    fn zone_ids_follow_aws_naming() {
        assert_eq!(
            zone_id("eu-west-1", "eu-west-1b").as_deref(),
            Some("euw1-az2")
        );
        assert_eq!(
            zone_id("us-east-1", "us-east-1a").as_deref(),
            Some("use1-az1")
        );
        assert_eq!(zone_id("eu-west-1", "us-east-1a"), None);
    }
}
