//! What the Elastic Load Balancing types share: tags by ARN, "not found" as gone, the
//! name rule, ARN suffixes, and the ids of attachments.

use aws_sdk_elasticloadbalancingv2::types::Tag;
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;
use md5::{Digest, Md5};

use super::Ctx;
use crate::errors::{invalid, sdk};
use crate::values::{tag_changes, tag_pairs, tags};

/// `Ok(None)` for an object AWS reports as not found.
pub fn found<T>(r: Result<T, ProviderError>) -> Result<Option<T>, ProviderError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ProviderError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The tags to create an object with, if any.
pub fn create_tags(planned: &Value) -> Option<Vec<Tag>> {
    let pairs = tag_pairs(planned);
    (!pairs.is_empty()).then(|| {
        pairs
            .into_iter()
            .map(|(k, v)| Tag::builder().key(k).value(v).build())
            .collect()
    })
}

/// The tag map of the object `arn` (`DescribeTags`).
pub async fn read_tags(cx: &Ctx<'_>, arn: &str) -> Result<Value, ProviderError> {
    let out = cx
        .clients
        .elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .map_err(|e| sdk("DescribeTags", e))?;
    let list = out
        .tag_descriptions()
        .iter()
        .find(|d| d.resource_arn() == Some(arn))
        .map(|d| d.tags())
        .unwrap_or_default();
    Ok(tags(
        list.iter()
            .filter_map(|t| Some((t.key()?, t.value().unwrap_or("")))),
    ))
}

/// Brings the tags of the object `arn` from `prior`'s to `planned`'s.
pub async fn update_tags(
    cx: &Ctx<'_>,
    arn: &str,
    prior: &Value,
    planned: &Value,
) -> Result<(), ProviderError> {
    let (removed, set) = tag_changes(prior, planned);
    let elbv2 = &cx.clients.elbv2;
    if !removed.is_empty() {
        elbv2
            .remove_tags()
            .resource_arns(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(|e| sdk("RemoveTags", e))?;
    }
    if !set.is_empty() {
        elbv2
            .add_tags()
            .resource_arns(arn)
            .set_tags(Some(
                set.into_iter()
                    .map(|(k, v)| Tag::builder().key(k).value(v).build())
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| sdk("AddTags", e))?;
    }
    Ok(())
}

/// The part of an ARN after `marker`: `app/web/50dc6c495c0c9188` after `:loadbalancer/`.
pub fn after<'a>(arn: &'a str, marker: &str) -> Option<&'a str> {
    arn.split_once(marker).map(|(_, rest)| rest)
}

/// Load balancer and target group names: 1–32 letters, digits and hyphens, no hyphen at
/// either end. `what` names the object in the message (`aws_lb`).
pub fn check_name(name: &str, what: &str) -> Result<(), ProviderError> {
    let ok = (1..=32).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what}: name {name:?} must have 1 to 32 letters, digits or hyphens, and must not begin or end with a hyphen"
        )))
    }
}

/// A port attribute, when known, is a whole number from 1 to 65535.
pub fn check_port(obj: &Value, name: &str, what: &str) -> Result<(), ProviderError> {
    match attr(obj, name).as_f64() {
        Some(p) if p.fract() != 0.0 || !(1.0..=65535.0).contains(&p) => Err(invalid(format!(
            "{what}: {name} {p} must be a whole number from 1 to 65535"
        ))),
        _ => Ok(()),
    }
}

/// An attachment's id: `prefix` and 17 hexadecimal digits derived from what it attaches
/// (as the simulator's `tga-…` and `asga-…`), so reading it back gives the same id.
pub fn attachment_id(prefix: &str, parts: &[&str]) -> String {
    let digest: String = Md5::digest(parts.join("\n").as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{prefix}{}", &digest[..17])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_elb_rule() {
        for ok in ["web", "a", "web-1", &"x".repeat(32)] {
            check_name(ok, "aws_lb").unwrap();
        }
        for bad in ["", "-web", "web-", "web_1", "wéb", &"x".repeat(33)] {
            let e = check_name(bad, "aws_lb").unwrap_err();
            assert!(e.to_string().contains("1 to 32 letters"), "{bad}: {e}");
        }
    }

    #[test]
    fn ports_are_whole_numbers_in_range_and_unknowns_pass() {
        let obj = |v| Value::object([("port", v)]);
        check_port(&obj(Value::Number(80.0)), "port", "x").unwrap();
        check_port(&obj(Value::Unknown), "port", "x").unwrap();
        check_port(&obj(Value::Null), "port", "x").unwrap();
        for bad in [0.0, 65536.0, 80.5] {
            assert!(check_port(&obj(Value::Number(bad)), "port", "x").is_err());
        }
    }

    #[test]
    fn attachment_ids_are_stable_and_differ_by_what_they_attach() {
        let a = attachment_id("tga-", &["arn:tg", "i-1", ""]);
        assert_eq!(a.len(), 4 + 17);
        assert!(a[4..].chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, attachment_id("tga-", &["arn:tg", "i-1", ""]));
        assert_ne!(a, attachment_id("tga-", &["arn:tg", "i-2", ""]));
    }

    #[test]
    fn suffixes_follow_the_marker() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123:loadbalancer/app/web/50dc";
        assert_eq!(after(arn, ":loadbalancer/"), Some("app/web/50dc"));
        assert_eq!(after(arn, ":targetgroup/"), None);
    }
}
