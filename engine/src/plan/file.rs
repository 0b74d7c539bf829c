//! Saved plan files (`plan -out FILE`): JSON that keeps unknowns and sensitive marks.

use std::collections::BTreeMap;

use serde_json::{json, Value as J};

use super::{Action, OutputChange, Plan, ResourceChange};
use crate::diag::Diagnostics;
use crate::value::Value;

/// The format version written into plan files.
const FORMAT: &str = "galley-plan-1";

/// Why a plan file cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid plan file: {0}")]
pub struct PlanFileError(pub String);

fn enc(v: &Value) -> J {
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(_) => v.to_json(),
        Value::String(s) => J::String(s.clone()),
        Value::List(i) => json!({"l": i.iter().map(enc).collect::<Vec<_>>()}),
        Value::Set(i) => json!({"S": i.iter().map(enc).collect::<Vec<_>>()}),
        Value::Tuple(i) => json!({"t": i.iter().map(enc).collect::<Vec<_>>()}),
        Value::Map(m) => {
            json!({"m": m.iter().map(|(k, v)| (k.clone(), enc(v))).collect::<serde_json::Map<_, _>>()})
        }
        Value::Object(m) => {
            json!({"o": m.iter().map(|(k, v)| (k.clone(), enc(v))).collect::<serde_json::Map<_, _>>()})
        }
        Value::Unknown => json!({"u": true}),
        Value::Sensitive(inner) => json!({"s": enc(inner)}),
    }
}

fn dec(j: &J) -> Result<Value, PlanFileError> {
    let bad = || PlanFileError(format!("unexpected value {j}"));
    Ok(match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Number(n.as_f64().ok_or_else(bad)?),
        J::String(s) => Value::String(s.clone()),
        J::Array(_) => return Err(bad()),
        J::Object(o) => {
            let (tag, inner) = o.iter().next().ok_or_else(bad)?;
            let seq = |x: &J| -> Result<Vec<Value>, PlanFileError> {
                x.as_array().ok_or_else(bad)?.iter().map(dec).collect()
            };
            let map = |x: &J| -> Result<crate::value::ValueMap, PlanFileError> {
                x.as_object()
                    .ok_or_else(bad)?
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), dec(v)?)))
                    .collect()
            };
            match tag.as_str() {
                "l" => Value::List(seq(inner)?),
                "S" => Value::Set(seq(inner)?),
                "t" => Value::Tuple(seq(inner)?),
                "m" => Value::Map(map(inner)?),
                "o" => Value::Object(map(inner)?),
                "u" => Value::Unknown,
                "s" => dec(inner)?.mark(),
                _ => return Err(bad()),
            }
        }
    })
}

fn opt(v: &Option<Value>) -> J {
    v.as_ref().map(enc).unwrap_or(J::Null)
}

fn dec_opt(j: Option<&J>) -> Result<Option<Value>, PlanFileError> {
    match j {
        None | Some(J::Null) => Ok(None),
        Some(j) => dec(j).map(Some),
    }
}

impl Plan {
    /// Serializes the plan for `apply PLANFILE`.
    pub fn to_file(&self) -> Vec<u8> {
        let doc = json!({
            "format": FORMAT,
            "state_serial": self.state_serial,
            "state_lineage": self.state_lineage,
            "destroy": self.destroy,
            "variables": self.variables.iter().map(|(k, v)| (k.clone(), enc(v))).collect::<serde_json::Map<_, _>>(),
            "changes": self.changes.iter().map(|c| json!({
                "address": c.addr.to_string(),
                "action": c.action.as_str(),
                "provider": c.provider,
                "before": opt(&c.before),
                "after": opt(&c.after),
                "replace_paths": c.replace_paths,
                "create_before_destroy": c.create_before_destroy,
                "reason": c.reason,
                "moved_from": c.moved_from.as_ref().map(|m| m.to_string()),
                "importing": c.importing,
                "deposed": c.deposed,
            })).collect::<Vec<_>>(),
            "outputs": self.outputs.iter().map(|(k, o)| (k.clone(), json!({
                "action": o.action.as_str(), "before": opt(&o.before), "after": opt(&o.after), "sensitive": o.sensitive,
            }))).collect::<serde_json::Map<_, _>>(),
            // The refreshed state the plan was made from, in the state file's format.
            "prior_state": self.prior_state.as_ref()
                .and_then(|s| crate::state::encode(s).ok())
                .and_then(|b| serde_json::from_slice::<J>(&b).ok()),
        });
        serde_json::to_vec(&doc).unwrap_or_default()
    }

    /// Reads a plan written by [`Plan::to_file`].
    pub fn from_file(bytes: &[u8]) -> Result<Plan, PlanFileError> {
        let doc: J = serde_json::from_slice(bytes)
            .map_err(|e| PlanFileError(format!("not a galley plan ({e})")))?;
        if doc["format"] != FORMAT {
            return Err(PlanFileError(format!(
                "unsupported format {}; expected {FORMAT}",
                doc["format"]
            )));
        }
        let s = |k: &str| doc[k].as_str().unwrap_or_default().to_string();
        let mut changes = Vec::new();
        for c in doc["changes"]
            .as_array()
            .ok_or_else(|| PlanFileError("missing changes".into()))?
        {
            let addr = c["address"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .map_err(|e| PlanFileError(format!("{e}")))?;
            changes.push(ResourceChange {
                addr,
                action: Action::parse(c["action"].as_str().unwrap_or_default())
                    .ok_or_else(|| PlanFileError("bad action".into()))?,
                provider: c["provider"].as_str().unwrap_or_default().to_string(),
                before: dec_opt(c.get("before"))?,
                after: dec_opt(c.get("after"))?,
                replace_paths: serde_json::from_value(c["replace_paths"].clone())
                    .unwrap_or_default(),
                create_before_destroy: c["create_before_destroy"].as_bool().unwrap_or(false),
                reason: c["reason"].as_str().map(str::to_string),
                moved_from: c["moved_from"].as_str().and_then(|m| m.parse().ok()),
                importing: c["importing"].as_str().map(str::to_string),
                deposed: c["deposed"].as_str().map(str::to_string),
            });
        }
        let mut outputs = BTreeMap::new();
        if let Some(o) = doc["outputs"].as_object() {
            for (k, v) in o {
                outputs.insert(
                    k.clone(),
                    OutputChange {
                        action: Action::parse(v["action"].as_str().unwrap_or_default())
                            .unwrap_or(Action::NoOp),
                        before: dec_opt(v.get("before"))?,
                        after: dec_opt(v.get("after"))?,
                        sensitive: v["sensitive"].as_bool().unwrap_or(false),
                    },
                );
            }
        }
        let mut variables = BTreeMap::new();
        if let Some(o) = doc["variables"].as_object() {
            for (k, v) in o {
                variables.insert(k.clone(), dec(v)?);
            }
        }
        Ok(Plan {
            changes,
            outputs,
            state_serial: doc["state_serial"].as_u64().unwrap_or(0),
            state_lineage: s("state_lineage"),
            variables,
            diagnostics: Diagnostics::new(),
            destroy: doc["destroy"].as_bool().unwrap_or(false),
            upgrades: Vec::new(),
            prior_state: match doc.get("prior_state") {
                None | Some(J::Null) => None,
                Some(v) => Some(
                    serde_json::to_vec(v)
                        .ok()
                        .and_then(|b| crate::state::decode(&b).ok())
                        .ok_or_else(|| PlanFileError("its prior state is damaged".into()))?,
                ),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_file_round_trips_unknowns_and_marks() {
        let v = Value::object([
            ("a", Value::Unknown),
            ("b", Value::string("x").mark()),
            ("c", Value::List(vec![Value::Number(1.5)])),
        ]);
        assert_eq!(dec(&enc(&v)).unwrap(), v);
        assert!(Plan::from_file(b"{}").is_err());
    }

    #[test]
    fn plan_file_keeps_moves_and_imports() {
        let c = ResourceChange {
            addr: "terraform_data.new".parse().unwrap(),
            action: Action::NoOp,
            provider: String::new(),
            before: None,
            after: None,
            replace_paths: Vec::new(),
            create_before_destroy: false,
            reason: None,
            moved_from: Some("module.a.terraform_data.old[0]".parse().unwrap()),
            importing: Some("id-1".into()),
            deposed: Some("0a1b2c3d".into()),
        };
        let mut state = crate::state::State::new();
        state.set_instance(
            &"terraform_data.x".parse().unwrap(),
            "provider[\"terraform\"]",
            crate::state::InstanceState::new(crate::value::Value::object([(
                "id",
                crate::value::Value::string("x-1"),
            )])),
        );
        let plan = Plan {
            changes: vec![c.clone()],
            prior_state: Some(state.clone()),
            ..Plan::default()
        };
        let back = Plan::from_file(&plan.to_file()).expect("reads back");
        assert_eq!(back.changes, vec![c]);
        assert_eq!(back.prior_state, Some(state), "apply starts from it");
    }
}
