//! Planning by schema alone, for any provider: configured values, then defaults, prior
//! values or unknowns for computed attributes; required attributes and block counts
//! checked; the force-new attributes whose change replaces the object.
//!
//! A provider adds its own knowledge on top (derived attributes, rules about other
//! objects); what every provider would write the same way is here.

use super::shape::attr;
use super::{Nesting, ProviderError, Schema};
use crate::value::{Value, ValueMap};

/// Defaults for computed attributes the configuration leaves out, looked up by dotted
/// path (`instance_tenancy`, `vpc_config.endpoint_public_access`).
pub trait Defaults {
    /// The value the service gives `path` when it is not configured, if known in advance.
    fn default_for(&self, path: &str) -> Option<Value>;
}

/// No defaults: every computed attribute the configuration leaves out is unknown on create.
pub struct NoDefaults;

impl Defaults for NoDefaults {
    fn default_for(&self, _: &str) -> Option<Value> {
        None
    }
}

/// Fails with `MissingParameter` when a required attribute is null, also inside blocks,
/// and with `InvalidParameterValue` when a block appears too few or too many times.
pub fn check_required(schema: &Schema, obj: &Value, prefix: &str) -> Result<(), ProviderError> {
    if !matches!(obj, Value::Object(_)) {
        return Ok(());
    }
    for (name, a) in &schema.attributes {
        if a.required && attr(obj, name).is_null() {
            return Err(ProviderError::Api {
                code: "MissingParameter".to_string(),
                message: format!("The request must contain the parameter {prefix}{name}"),
            });
        }
    }
    for (name, b) in &schema.blocks {
        let v = attr(obj, name);
        let items = v
            .as_seq()
            .map(<[Value]>::len)
            .unwrap_or(usize::from(!v.is_null()));
        if !v.is_unknown() && (items < b.min_items || (b.max_items > 0 && items > b.max_items)) {
            return Err(ProviderError::Api {
                code: "InvalidParameterValue".to_string(),
                message: format!(
                    "block {prefix}{name} appears {items} times; allowed: {} to {}",
                    b.min_items,
                    if b.max_items == 0 {
                        "any".to_string()
                    } else {
                        b.max_items.to_string()
                    }
                ),
            });
        }
        let nested = format!("{prefix}{name}.");
        match v.as_seq() {
            Some(xs) => xs
                .iter()
                .try_for_each(|x| check_required(&b.schema, x, &nested))?,
            None => check_required(&b.schema, v, &nested)?,
        }
    }
    Ok(())
}

/// The planned object: configured values, then defaults, prior values or unknowns for
/// computed attributes. `prefix` is the dotted block path for default lookups.
pub fn plan_object(
    defaults: &dyn Defaults,
    schema: &Schema,
    config: &Value,
    prior: Option<&Value>,
    prefix: &str,
) -> Value {
    if config.is_unknown() {
        return Value::Unknown;
    }
    let mut out = ValueMap::new();
    for (name, a) in &schema.attributes {
        let configured = attr(config, name);
        let v = if !a.computed || !configured.is_null() {
            configured.clone()
        } else if let Some(d) = defaults.default_for(&format!("{prefix}{name}")) {
            d
        } else if let Some(p) = prior {
            attr(p, name).clone()
        } else {
            Value::Unknown
        };
        out.insert(name.clone(), v);
    }
    for (name, b) in &schema.blocks {
        let cfg = attr(config, name);
        let pri = prior.map(|p| attr(p, name));
        let nested = format!("{prefix}{name}.");
        let v = match (b.nesting, cfg) {
            (_, Value::Unknown) => Value::Unknown,
            (Nesting::Single, Value::Null) => Value::Null,
            (Nesting::Single, c) => plan_object(defaults, &b.schema, c, pri, &nested),
            (nesting, c) => {
                let prior_items = pri.and_then(Value::as_seq).unwrap_or(&[]);
                let items: Vec<Value> = c
                    .as_seq()
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let p = match nesting {
                            Nesting::Set => matching_item(&b.schema, item, prior_items),
                            _ => prior_items.get(i),
                        };
                        plan_object(defaults, &b.schema, item, p, &nested)
                    })
                    .collect();
                if nesting == Nesting::Set {
                    Value::set(items)
                } else {
                    Value::List(items)
                }
            }
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

/// The prior set element whose configurable attributes equal the configured ones.
fn matching_item<'a>(schema: &Schema, item: &Value, prior: &'a [Value]) -> Option<&'a Value> {
    prior.iter().find(|p| {
        schema
            .attributes
            .iter()
            .filter(|(_, a)| !a.computed)
            .all(|(n, _)| attr(p, n).semantic_eq(attr(item, n)))
    })
}

/// The paths of force-new attributes (and force-new blocks) whose planned value differs
/// from prior: the changes that replace the object.
pub fn replace_paths(schema: &Schema, prior: &Value, planned: &Value) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    collect_replace_paths(schema, prior, planned, &mut Vec::new(), &mut out);
    out
}

fn collect_replace_paths(
    schema: &Schema,
    prior: &Value,
    planned: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<Vec<String>>,
) {
    let changed = |name: &str| !attr(prior, name).semantic_eq(attr(planned, name));
    for (name, a) in &schema.attributes {
        if a.force_new && changed(name) {
            out.push(with(path, name));
        }
    }
    for (name, b) in &schema.blocks {
        if b.force_new {
            if changed(name) {
                out.push(with(path, name));
            }
            continue;
        }
        let (p, n) = (attr(prior, name), attr(planned, name));
        match (b.nesting, p.as_seq(), n.as_seq()) {
            (Nesting::Single, _, _) if !p.is_null() && !n.is_null() => {
                path.push(name.clone());
                collect_replace_paths(&b.schema, p, n, path, out);
                path.pop();
            }
            (Nesting::List, Some(ps), Some(ns)) if ps.len() == ns.len() => {
                for (i, (pi, ni)) in ps.iter().zip(ns).enumerate() {
                    path.push(name.clone());
                    path.push(i.to_string());
                    collect_replace_paths(&b.schema, pi, ni, path, out);
                    path.pop();
                    path.pop();
                }
            }
            // Items added, removed or unordered: replace if the block holds force-new attributes.
            _ if has_force_new(&b.schema) && changed(name) => out.push(with(path, name)),
            _ => {}
        }
    }
}

fn has_force_new(schema: &Schema) -> bool {
    schema.attributes.values().any(|a| a.force_new)
        || schema
            .blocks
            .values()
            .any(|b| b.force_new || has_force_new(&b.schema))
}

fn with(path: &[String], name: &str) -> Vec<String> {
    let mut p = path.to_vec();
    p.push(name.to_string());
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Attribute;
    use crate::types::Type;

    fn schema() -> Schema {
        Schema::default()
            .attr("cidr_block", Attribute::required(Type::String).force_new())
            .attr("tenancy", Attribute::optional_computed(Type::String))
            .attr("id", Attribute::computed(Type::String))
    }

    struct Tenancy;
    impl Defaults for Tenancy {
        fn default_for(&self, path: &str) -> Option<Value> {
            (path == "tenancy").then(|| Value::string("default"))
        }
    }

    #[test]
    fn computed_attributes_take_defaults_then_prior_then_unknown() {
        let config = Value::object([("cidr_block", Value::string("10.0.0.0/16"))]);
        let planned = plan_object(&Tenancy, &schema(), &config, None, "");
        assert_eq!(planned.get_attr("tenancy"), Some(&Value::string("default")));
        assert_eq!(planned.get_attr("id"), Some(&Value::Unknown));
        let prior = Value::object([
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("tenancy", Value::string("dedicated")),
            ("id", Value::string("vpc-1")),
        ]);
        let planned = plan_object(&NoDefaults, &schema(), &config, Some(&prior), "");
        assert_eq!(
            planned.get_attr("tenancy"),
            Some(&Value::string("dedicated"))
        );
        assert_eq!(planned.get_attr("id"), Some(&Value::string("vpc-1")));
    }

    #[test]
    fn a_changed_force_new_attribute_is_a_replace_path() {
        let prior = Value::object([("cidr_block", Value::string("10.0.0.0/16"))]);
        let planned = Value::object([("cidr_block", Value::string("10.1.0.0/16"))]);
        assert_eq!(
            replace_paths(&schema(), &prior, &planned),
            vec![vec!["cidr_block".to_string()]]
        );
        assert!(replace_paths(&schema(), &prior, &prior).is_empty());
    }

    #[test]
    fn a_missing_required_attribute_is_refused() {
        let e = check_required(&schema(), &Value::object([("id", Value::Null)]), "").unwrap_err();
        assert!(e.to_string().contains("cidr_block"), "{e}");
    }
}
