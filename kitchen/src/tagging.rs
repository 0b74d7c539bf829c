//! Marks everything a kitchen run creates: a provider wrapper that adds the run tag to
//! every resource whose type has `tags`, and prefixes its `name` with the random part of
//! the run id ([`crate::runid::name_prefix`]).
//!
//! The wrapper changes the configuration the provider sees at plan time (both `config`
//! and `proposed`), so the planned and applied objects carry the mark and later plans
//! see no difference. Tags are a map (`aws`: `galley-kitchen-run = <id>`) or a set of
//! strings (`openstack`: `galley-kitchen-run=<id>`). Names are prefixed `kt-<hex>-` unless
//! they already are, are unknown, or contain a dot: dotted names are DNS names, which a
//! prefix would move out of their zone.

use std::sync::Arc;

use async_trait::async_trait;
use engine::provider::{
    ApplyRequest, Created, PlanRequest, PlanResponse, Provider, ProviderConfig, ProviderError,
    ProviderFactory, ProviderSchema, Schema, ValidationError,
};
use engine::types::Type;
use engine::value::Value;

/// The tag key (map tags) or tag prefix (`key=value` set tags) that marks kitchen objects.
pub const RUN_TAG: &str = "galley-kitchen-run";

/// Wraps every provider of `inner` so that what it creates carries `run_id`.
pub struct Tagging {
    inner: Arc<dyn ProviderFactory>,
    run_id: String,
}

impl Tagging {
    /// A factory marking objects with `run_id`.
    pub fn new(inner: Arc<dyn ProviderFactory>, run_id: &str) -> Tagging {
        Tagging {
            inner,
            run_id: run_id.to_string(),
        }
    }
}

impl ProviderFactory for Tagging {
    fn names(&self) -> Vec<String> {
        self.inner.names()
    }

    fn schema(&self, name: &str) -> Option<ProviderSchema> {
        self.inner.schema(name)
    }

    fn configure(&self, cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(Tagged {
            inner: self.inner.configure(cfg)?,
            run_id: self.run_id.clone(),
        }))
    }

    fn expected_duration(
        &self,
        name: &str,
        type_name: &str,
        action: engine::plan::Action,
    ) -> Option<std::time::Duration> {
        self.inner.expected_duration(name, type_name, action)
    }
}

struct Tagged {
    inner: Arc<dyn Provider>,
    run_id: String,
}

#[async_trait]
impl Provider for Tagged {
    fn schema(&self) -> &ProviderSchema {
        self.inner.schema()
    }

    fn validate(&self, type_name: &str, config: &Value) -> Vec<ValidationError> {
        self.inner.validate(type_name, config)
    }

    async fn plan(&self, mut req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        if let Some(schema) = self.inner.schema().resources.get(&req.type_name) {
            req.config = mark(req.config, schema, &self.run_id);
            req.proposed = mark(req.proposed, schema, &self.run_id);
        }
        self.inner.plan(req).await
    }

    async fn apply(&self, req: ApplyRequest) -> Result<Option<Value>, ProviderError> {
        self.inner.apply(req).await
    }

    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        self.inner.read(type_name, state).await
    }

    async fn find_created(&self, type_name: &str, token: &str) -> Result<Created, ProviderError> {
        self.inner.find_created(type_name, token).await
    }

    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        self.inner.import(type_name, id).await
    }

    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        self.inner.read_data(type_name, config).await
    }
}

/// `obj` with the run tag added and its name prefixed, where the schema allows.
pub fn mark(obj: Value, schema: &Schema, run_id: &str) -> Value {
    let Value::Object(mut m) = obj else {
        return obj;
    };
    if let Some(attr) = schema.attributes.get("tags") {
        let tags = m.get("tags").cloned().unwrap_or(Value::Null);
        if !tags.is_unknown() {
            let tagged = match &attr.ty {
                Type::Map(_) | Type::Object(_) => {
                    let mut t = tags.as_map().cloned().unwrap_or_default();
                    t.insert(RUN_TAG.to_string(), Value::string(run_id));
                    Some(Value::Map(t))
                }
                Type::Set(_) | Type::List(_) => {
                    let mut items = tags.as_seq().map(<[Value]>::to_vec).unwrap_or_default();
                    let entry = Value::string(format!("{RUN_TAG}={run_id}"));
                    if !items.contains(&entry) {
                        items.push(entry);
                    }
                    Some(if matches!(attr.ty, Type::Set(_)) {
                        Value::set(items)
                    } else {
                        Value::List(items)
                    })
                }
                _ => None,
            };
            if let Some(t) = tagged {
                m.insert("tags".into(), t);
            }
        }
        let prefix = crate::runid::name_prefix(run_id);
        let configurable = schema
            .attributes
            .get("name")
            .is_some_and(|a| a.required || a.optional);
        if configurable {
            if let Some(Value::String(name)) = m.get("name") {
                if !name.starts_with(&prefix) && !name.contains('.') {
                    let prefixed = format!("{prefix}{name}");
                    m.insert("name".into(), Value::String(prefixed));
                }
            }
        }
    }
    Value::Object(m)
}

/// The run id an object's tags carry (`tags`, `tags_all` or `all_tags`), if any.
pub fn run_tag_of(obj: &Value) -> Option<String> {
    for key in ["tags", "tags_all", "all_tags"] {
        let Some(tags) = obj.get_attr(key) else {
            continue;
        };
        if let Some(m) = tags.as_map() {
            if let Some(id) = m.get(RUN_TAG).and_then(Value::as_str) {
                return Some(id.to_string());
            }
        }
        if let Some(items) = tags.as_seq() {
            let prefix = format!("{RUN_TAG}=");
            for item in items {
                if let Some(id) = item.as_str().and_then(|s| s.strip_prefix(&prefix)) {
                    return Some(id.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::provider::Attribute;

    fn schema(tags: Type) -> Schema {
        Schema::default()
            .attr("tags", Attribute::optional(tags))
            .attr("name", Attribute::optional(Type::String))
            .attr("id", Attribute::computed(Type::String))
    }

    #[test]
    fn map_tags_get_the_run_tag_and_names_the_prefix() {
        let obj = Value::object([
            ("name", Value::string("web")),
            (
                "tags",
                Value::Map(
                    [("Name".to_string(), Value::string("x"))]
                        .into_iter()
                        .collect(),
                ),
            ),
        ]);
        let out = mark(obj, &schema(Type::Map(Box::new(Type::String))), "kt-1-ab");
        assert_eq!(out.get_attr("name"), Some(&Value::string("kt-ab-web")));
        assert_eq!(run_tag_of(&out).as_deref(), Some("kt-1-ab"));
        assert_eq!(
            out.get_attr("tags").and_then(|t| t.get_attr("Name")),
            Some(&Value::string("x"))
        );
    }

    #[test]
    fn marking_twice_changes_nothing_more() {
        let obj = Value::object([("name", Value::string("web")), ("tags", Value::Null)]);
        let s = schema(Type::Map(Box::new(Type::String)));
        let once = mark(obj, &s, "kt-1-ab");
        assert_eq!(mark(once.clone(), &s, "kt-1-ab"), once);
    }

    #[test]
    fn set_tags_get_a_key_value_entry() {
        let obj = Value::object([("tags", Value::Null)]);
        let out = mark(obj, &schema(Type::Set(Box::new(Type::String))), "kt-1-ab");
        assert_eq!(run_tag_of(&out).as_deref(), Some("kt-1-ab"));
    }

    #[test]
    fn dns_names_unknown_tags_and_untaggable_types_are_left_alone() {
        let s = schema(Type::Map(Box::new(Type::String)));
        let dotted = mark(
            Value::object([("name", Value::string("a.example.com"))]),
            &s,
            "kt",
        );
        assert_eq!(
            dotted.get_attr("name"),
            Some(&Value::string("a.example.com"))
        );
        let unknown = mark(Value::object([("tags", Value::Unknown)]), &s, "kt");
        assert_eq!(unknown.get_attr("tags"), Some(&Value::Unknown));
        let plain = Schema::default().attr("name", Attribute::optional(Type::String));
        let obj = Value::object([("name", Value::string("x"))]);
        assert_eq!(mark(obj.clone(), &plain, "kt"), obj);
    }
}
