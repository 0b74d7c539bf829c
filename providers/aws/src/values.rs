//! Turning what AWS reports into state: the planned object settled with the observed
//! one after a change, prior state refreshed by a read, and tags.

use engine::provider::shape::{attr, conform_object};
use engine::provider::{Nesting, Schema};
use engine::value::{Value, ValueMap};

/// The state after a create or update: what was planned, with every value the plan did
/// not know taken from what AWS reported. Known planned values are kept, so the result
/// is always consistent with the plan.
pub fn settle(schema: &Schema, planned: &Value, observed: &Value) -> Value {
    let observed = conform_object(observed.clone(), schema);
    merge(schema, planned, &observed, Pick::Planned)
}

/// The state after a refresh: what AWS reports, and the prior value where it reports
/// nothing (settings that exist only in configuration: `timeouts`, `apply_immediately`).
pub fn refresh(schema: &Schema, prior: &Value, observed: &Value) -> Value {
    let observed = conform_object(observed.clone(), schema);
    merge(schema, prior, &observed, Pick::Observed)
}

#[derive(Clone, Copy, PartialEq)]
enum Pick {
    /// Keep the base value unless it is unknown.
    Planned,
    /// Take the observed value unless it is null.
    Observed,
}

fn merge(schema: &Schema, base: &Value, observed: &Value, pick: Pick) -> Value {
    let mut out = ValueMap::new();
    for name in schema.attributes.keys() {
        let (b, o) = (attr(base, name), attr(observed, name));
        let v = match pick {
            Pick::Planned if b.is_unknown() => o.clone(),
            Pick::Planned => b.clone(),
            Pick::Observed if o.is_null() => b.clone(),
            Pick::Observed => o.clone(),
        };
        out.insert(name.clone(), v);
    }
    for (name, block) in &schema.blocks {
        let (b, o) = (attr(base, name), attr(observed, name));
        let v = match (block.nesting, b, o) {
            (_, Value::Unknown, o) => o.clone(),
            (_, b, Value::Null) => b.clone(),
            (Nesting::Single, b @ Value::Object(_), o @ Value::Object(_)) => {
                merge(&block.schema, b, o, pick)
            }
            (_, Value::List(bs), Value::List(os)) if bs.len() == os.len() => Value::List(
                bs.iter()
                    .zip(os)
                    .map(|(b, o)| merge(&block.schema, b, o, pick))
                    .collect(),
            ),
            (_, b, o) => match pick {
                Pick::Planned => b.clone(),
                Pick::Observed => o.clone(),
            },
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// A tag map as state holds it: null when AWS has no tags and none were configured
/// (`tags` omitted), so an untagged object shows no difference.
pub fn tags<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Value {
    let m: ValueMap = pairs
        .into_iter()
        .filter(|(k, _)| !k.starts_with("aws:"))
        .map(|(k, v)| (k.to_string(), Value::string(v)))
        .collect();
    Value::Map(m)
}

/// The configured tags of an object as `(key, value)` pairs.
pub fn tag_pairs(obj: &Value) -> Vec<(String, String)> {
    attr(obj, "tags")
        .as_map()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// What a tag update does, from `prior`'s configured tags to `planned`'s: the keys to
/// remove, and the `(key, value)` pairs to set (new or changed).
pub fn tag_changes(prior: &Value, planned: &Value) -> (Vec<String>, Vec<(String, String)>) {
    let (old, new) = (tag_pairs(prior), tag_pairs(planned));
    let removed = old
        .iter()
        .filter(|(k, _)| !new.iter().any(|(n, _)| n == k))
        .map(|(k, _)| k.clone())
        .collect();
    let set = new.into_iter().filter(|p| !old.contains(p)).collect();
    (removed, set)
}

/// Sets `tags` (null when empty and the base had none) and `tags_all` on an observed object.
pub fn with_tags(mut observed: Value, base: &Value, aws_tags: Value) -> Value {
    let empty = aws_tags.as_map().is_none_or(|m| m.is_empty());
    if let Value::Object(m) = &mut observed {
        m.insert("tags_all".to_string(), aws_tags.clone());
        let tags = if empty && attr(base, "tags").is_null() {
            Value::Null
        } else {
            aws_tags
        };
        m.insert("tags".to_string(), tags);
    }
    observed
}

/// A known string attribute, or `None`.
pub fn text<'a>(obj: &'a Value, name: &str) -> Option<&'a str> {
    engine::provider::shape::str_attr(obj, name)
}

/// A known boolean attribute, or `None`.
pub fn flag(obj: &Value, name: &str) -> Option<bool> {
    attr(obj, name).as_bool()
}

/// A known number attribute as an `i32`, or `None`.
pub fn int(obj: &Value, name: &str) -> Option<i32> {
    attr(obj, name).as_f64().map(|n| n as i32)
}

/// The strings of a list or set attribute.
pub fn strings(obj: &Value, name: &str) -> Vec<String> {
    attr(obj, name)
        .as_seq()
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// The first (for `max_items = 1` blocks: the only) item of a nested block, if any.
pub fn block<'a>(obj: &'a Value, name: &str) -> Option<&'a Value> {
    attr(obj, name)
        .as_seq()
        .and_then(|items| items.first())
        .filter(|b| !b.is_null())
}

/// An optional string as a value: null for `None`.
pub fn opt_string(s: Option<&str>) -> Value {
    s.map_or(Value::Null, Value::string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::provider::Attribute;
    use engine::types::Type;

    fn schema() -> Schema {
        Schema::default()
            .attr("cidr_block", Attribute::required(Type::String))
            .attr("id", Attribute::computed(Type::String))
            .attr("apply_immediately", Attribute::optional(Type::Bool))
    }

    #[test]
    fn settle_keeps_planned_values_and_fills_unknowns() {
        let planned = Value::object([
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("id", Value::Unknown),
            ("apply_immediately", Value::Bool(true)),
        ]);
        let observed = Value::object([
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("id", Value::string("vpc-1")),
        ]);
        let s = settle(&schema(), &planned, &observed);
        assert_eq!(s.get_attr("id"), Some(&Value::string("vpc-1")));
        assert_eq!(s.get_attr("apply_immediately"), Some(&Value::Bool(true)));
    }

    #[test]
    fn refresh_takes_what_aws_reports_and_keeps_configuration_only_settings() {
        let prior = Value::object([
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("id", Value::string("vpc-1")),
            ("apply_immediately", Value::Bool(true)),
        ]);
        let observed = Value::object([
            ("cidr_block", Value::string("10.9.0.0/16")),
            ("id", Value::string("vpc-1")),
        ]);
        let s = refresh(&schema(), &prior, &observed);
        assert_eq!(
            s.get_attr("cidr_block"),
            Some(&Value::string("10.9.0.0/16"))
        );
        assert_eq!(s.get_attr("apply_immediately"), Some(&Value::Bool(true)));
    }

    #[test]
    fn tag_changes_remove_what_went_and_set_what_is_new_or_changed() {
        let tagged = |pairs: &[(&str, &str)]| {
            Value::object([(
                "tags",
                Value::Map(
                    pairs
                        .iter()
                        .map(|(k, v)| (k.to_string(), Value::string(*v)))
                        .collect(),
                ),
            )])
        };
        let (removed, set) = tag_changes(
            &tagged(&[("a", "1"), ("b", "2"), ("c", "3")]),
            &tagged(&[("a", "1"), ("b", "9"), ("d", "4")]),
        );
        assert_eq!(removed, vec!["c".to_string()]);
        assert_eq!(
            set,
            vec![
                ("b".to_string(), "9".to_string()),
                ("d".to_string(), "4".to_string())
            ]
        );
    }

    #[test]
    fn untagged_objects_keep_null_tags() {
        let base = Value::object([("tags", Value::Null)]);
        let v = with_tags(Value::object([("id", Value::string("x"))]), &base, tags([]));
        assert_eq!(v.get_attr("tags"), Some(&Value::Null));
        let v = with_tags(
            Value::object([("id", Value::string("x"))]),
            &base,
            tags([("Name", "a"), ("aws:cloudformation:stack", "s")]),
        );
        assert_eq!(
            v.get_attr("tags").and_then(Value::as_map).map(|m| m.len()),
            Some(1)
        );
    }
}
