//! `aws_route53_record`: one record set, simple, weighted (`set_identifier` and
//! `weighted_routing_policy`, how blue/green shifts traffic) or an alias, written with
//! `ChangeResourceRecordSets` and waited on until `INSYNC`.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use engine::provider::shape::attr;
use engine::provider::ProviderError;
use engine::value::Value;

use super::route53_common::{normalize, wait_insync};
use super::{Ctx, Resource};
use crate::errors::{invalid, sdk};
use crate::timeouts::{for_op, Op};
use crate::values::{flag, int, opt_string, strings, text};

/// The `aws_route53_record` type.
pub struct Record;

/// How long record changes may take to reach every name server.
const SYNC_TIMEOUT: Duration = Duration::from_secs(30 * 60);

#[async_trait]
impl Resource for Record {
    async fn create(&self, cx: &Ctx<'_>, planned: &Value) -> Result<Value, ProviderError> {
        let action = if flag(planned, "allow_overwrite") == Some(true) {
            ChangeAction::Upsert
        } else {
            ChangeAction::Create
        };
        change(cx, planned, action).await?;
        let id = record_id(planned);
        let stub = with_id(planned, &id);
        self.read(cx, &stub)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("record {id} after creating it")))
    }

    async fn read(&self, cx: &Ctx<'_>, state: &Value) -> Result<Option<Value>, ProviderError> {
        let state = match text(state, "zone_id") {
            Some(_) => state.clone(),
            None => match text(state, "id") {
                Some(id) => from_import_id(id)?,
                None => return Ok(None),
            },
        };
        let (Some(zone), Some(name), Some(kind)) = (
            text(&state, "zone_id"),
            text(&state, "name"),
            text(&state, "type"),
        ) else {
            return Ok(None);
        };
        let fqdn = fqdn(cx, zone, name).await?;
        let identifier = text(&state, "set_identifier");
        let out = cx
            .clients
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .start_record_name(&fqdn)
            .start_record_type(RrType::from(kind))
            .set_start_record_identifier(identifier.map(str::to_string))
            .max_items(100)
            .send()
            .await
            .map_err(|e| sdk("ListResourceRecordSets", e))?;
        let found = out.resource_record_sets().iter().find(|r| {
            normalize(r.name()) == fqdn
                && r.r#type().as_str() == kind
                && r.set_identifier() == identifier
        });
        let Some(r) = found else {
            return Ok(None);
        };
        let weighted = match r.weight() {
            Some(w) => Value::List(vec![Value::object([("weight", Value::Number(w as f64))])]),
            None => Value::List(Vec::new()),
        };
        let alias = match r.alias_target() {
            Some(a) => Value::List(vec![Value::object([
                ("name", Value::string(normalize(a.dns_name()))),
                ("zone_id", Value::string(a.hosted_zone_id())),
                (
                    "evaluate_target_health",
                    Value::Bool(a.evaluate_target_health()),
                ),
            ])]),
            None => Value::List(Vec::new()),
        };
        let records: Vec<Value> = r
            .resource_records()
            .iter()
            .map(|rr| Value::string(rr.value()))
            .collect();
        Ok(Some(Value::object([
            ("id", Value::string(record_id(&state))),
            ("zone_id", Value::string(zone)),
            ("name", attr(&state, "name").clone()),
            ("type", Value::string(kind)),
            ("fqdn", Value::string(&fqdn)),
            (
                "ttl",
                r.ttl().map_or(Value::Null, |t| Value::Number(t as f64)),
            ),
            (
                "records",
                if records.is_empty() {
                    Value::Null
                } else {
                    Value::set(records)
                },
            ),
            ("set_identifier", opt_string(r.set_identifier())),
            ("health_check_id", opt_string(r.health_check_id())),
            ("weighted_routing_policy", weighted),
            ("alias", alias),
        ])))
    }

    async fn update(
        &self,
        cx: &Ctx<'_>,
        _prior: &Value,
        planned: &Value,
    ) -> Result<Value, ProviderError> {
        // Name, type and set identifier are force-new: an UPSERT of the same set.
        change(cx, planned, ChangeAction::Upsert).await?;
        let id = record_id(planned);
        self.read(cx, &with_id(planned, &id))
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("record {id}")))
    }

    async fn delete(&self, cx: &Ctx<'_>, prior: &Value) -> Result<(), ProviderError> {
        // A DELETE must name the record exactly as it is: read it first.
        match self.read(cx, prior).await? {
            Some(current) => change(cx, &current, ChangeAction::Delete).await,
            None => Ok(()),
        }
    }
}

/// Terraform's record id: `<zone>_<name>_<type>[_<set identifier>]`.
fn record_id(obj: &Value) -> String {
    let mut id = format!(
        "{}_{}_{}",
        text(obj, "zone_id").unwrap_or(""),
        text(obj, "name").unwrap_or(""),
        text(obj, "type").unwrap_or("")
    );
    if let Some(s) = text(obj, "set_identifier") {
        id.push('_');
        id.push_str(s);
    }
    id
}

/// The state an import id (`Z123_www.example.com_A[_blue]`) stands for.
fn from_import_id(id: &str) -> Result<Value, ProviderError> {
    let parts: Vec<&str> = id.splitn(4, '_').collect();
    if parts.len() < 3 {
        return Err(invalid(format!(
            "{id:?} is not a record id: expected ZONEID_NAME_TYPE or ZONEID_NAME_TYPE_SETIDENTIFIER"
        )));
    }
    Ok(Value::object([
        ("id", Value::string(id)),
        ("zone_id", Value::string(parts[0])),
        ("name", Value::string(parts[1])),
        ("type", Value::string(parts[2])),
        ("set_identifier", opt_string(parts.get(3).copied())),
    ]))
}

fn with_id(obj: &Value, id: &str) -> Value {
    let mut v = obj.clone();
    engine::provider::shape::set_attr(&mut v, "id", Value::string(id));
    v
}

/// The record's full name: `name` as written when it is inside the zone, else
/// `name.<zone name>` (Route 53 appends the zone to relative names).
async fn fqdn(cx: &Ctx<'_>, zone: &str, name: &str) -> Result<String, ProviderError> {
    let name = normalize(name);
    let out = cx
        .clients
        .route53
        .get_hosted_zone()
        .id(zone)
        .send()
        .await
        .map_err(|e| sdk("GetHostedZone", e))?;
    let apex = out
        .hosted_zone()
        .map(|z| normalize(z.name()))
        .unwrap_or_default();
    Ok(
        if apex.is_empty() || name == apex || name.ends_with(&format!(".{apex}")) {
            name
        } else {
            format!("{name}.{apex}")
        },
    )
}

/// Sends one change for the record `obj` describes and waits until it is in sync.
async fn change(cx: &Ctx<'_>, obj: &Value, action: ChangeAction) -> Result<(), ProviderError> {
    let zone = text(obj, "zone_id").ok_or_else(|| invalid("zone_id is required"))?;
    let name = text(obj, "name").ok_or_else(|| invalid("name is required"))?;
    let kind = text(obj, "type").ok_or_else(|| invalid("type is required"))?;
    let mut set = ResourceRecordSet::builder()
        .name(fqdn(cx, zone, name).await?)
        .r#type(RrType::from(kind))
        .set_set_identifier(text(obj, "set_identifier").map(str::to_string))
        .set_health_check_id(text(obj, "health_check_id").map(str::to_string))
        .set_multi_value_answer(flag(obj, "multivalue_answer_routing_policy"));
    if let Some(w) = attr(obj, "weighted_routing_policy")
        .as_seq()
        .and_then(|s| s.first())
    {
        set = set.weight(int(w, "weight").unwrap_or(0).into());
    }
    if let Some(a) = attr(obj, "alias").as_seq().and_then(|s| s.first()) {
        let target = AliasTarget::builder()
            .dns_name(text(a, "name").unwrap_or_default())
            .hosted_zone_id(text(a, "zone_id").unwrap_or_default())
            .evaluate_target_health(flag(a, "evaluate_target_health").unwrap_or(false))
            .build()
            .map_err(|e| invalid(e.to_string()))?;
        set = set.alias_target(target);
    } else {
        set = set.set_ttl(int(obj, "ttl").map(i64::from));
        for v in strings(obj, "records") {
            set = set.resource_records(
                ResourceRecord::builder()
                    .value(v)
                    .build()
                    .map_err(|e| invalid(e.to_string()))?,
            );
        }
    }
    let op = if action == ChangeAction::Delete {
        Op::Delete
    } else {
        Op::Update
    };
    let change = Change::builder()
        .action(action)
        .resource_record_set(set.build().map_err(|e| invalid(e.to_string()))?)
        .build()
        .map_err(|e| invalid(e.to_string()))?;
    let out = cx
        .clients
        .route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(change)
                .build()
                .map_err(|e| invalid(e.to_string()))?,
        )
        .send()
        .await
        .map_err(|e| sdk("ChangeResourceRecordSets", e))?;
    if let Some(info) = out.change_info() {
        wait_insync(
            &cx.clients.route53,
            info.id(),
            for_op(obj, op, SYNC_TIMEOUT),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_terraform_and_import_back() {
        let obj = Value::object([
            ("zone_id", Value::string("Z1")),
            ("name", Value::string("api.example.com")),
            ("type", Value::string("A")),
            ("set_identifier", Value::string("blue")),
        ]);
        assert_eq!(record_id(&obj), "Z1_api.example.com_A_blue");
        let back = from_import_id("Z1_api.example.com_A_blue").unwrap();
        assert_eq!(text(&back, "set_identifier"), Some("blue"));
        assert!(from_import_id("Z1").is_err());
    }
}
