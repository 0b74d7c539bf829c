//! The state file format: JSON modelled on Terraform's v4 state, encoded deterministically.
//!
//! ```json
//! {"version": 1, "galley_version": "0.1.0", "serial": 3, "lineage": "<uuid>",
//!  "resources": [{"module": "module.net", "mode": "managed", "type": "aws_vpc",
//!                 "name": "main", "provider": "provider[\"aws\"]",
//!                 "instances": [{"index_key": "a", "attributes": {...},
//!                                "sensitive_attributes": [["password"]],
//!                                "dependencies": ["aws_vpc.other"]}]}],
//!  "outputs": {"vpc_id": {"value": "vpc-1", "type": "string", "sensitive": false}},
//!  "extra": {}}
//! ```
//!
//! Sensitive marks do not survive JSON, so their paths are recorded in
//! `sensitive_attributes` (strings for attribute names and map keys, numbers for
//! indexes) and re-applied on load.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value as J;

use super::ctytype;
use super::json::{AsJson, FromJson};
use super::model::{InstanceState, OutputState, ResourceState, State};
use super::StateError;
use crate::addr::{AbsResource, InstanceKey, Mode, ModulePath, Resource, ResourceInstance, Target};
use crate::value::Value;

/// The format version this galley writes.
pub const STATE_VERSION: u64 = 1;

/// The format versions this galley reads.
pub const SUPPORTED_VERSIONS: &[u64] = &[1];

/// One step of a path into an attributes value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
enum PathStep {
    /// An index into a list, set or tuple.
    Index(u64),
    /// An attribute name or map key.
    Key(String),
}

/// A borrowed [`PathStep`], so walking a value does not copy every key on the way.
#[derive(Clone, Copy)]
enum StepRef<'a> {
    Index(usize),
    Key(&'a str),
}

#[derive(Serialize)]
struct DocOut<'a> {
    version: u64,
    galley_version: &'static str,
    serial: u64,
    lineage: &'a str,
    resources: Vec<ResourceOut<'a>>,
    outputs: BTreeMap<&'a str, OutputDoc>,
    extra: serde_json::Map<String, J>,
}

#[derive(Serialize)]
struct ResourceOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    module: Option<String>,
    mode: Mode,
    #[serde(rename = "type")]
    type_name: &'a str,
    name: &'a str,
    provider: &'a str,
    instances: Vec<InstanceOut<'a>>,
}

#[derive(Serialize)]
struct InstanceOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    index_key: Option<J>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    attributes: AsJson<'a>,
    sensitive_attributes: Vec<Vec<PathStep>>,
    dependencies: &'a [String],
    #[serde(skip_serializing_if = "is_false")]
    create_before_destroy: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    deposed: Option<&'a str>,
}

#[derive(Serialize, Deserialize)]
struct OutputDoc {
    value: J,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    ty: Option<J>,
    #[serde(default)]
    sensitive: bool,
}

#[derive(Deserialize)]
#[serde(expecting = "a state document (a JSON object)")]
struct DocIn {
    version: Option<J>,
    terraform_version: Option<serde::de::IgnoredAny>,
    serial: u64,
    lineage: String,
    #[serde(default)]
    resources: Vec<ResourceIn>,
    #[serde(default)]
    outputs: BTreeMap<String, OutputDoc>,
    #[serde(default)]
    extra: serde_json::Map<String, J>,
}

#[derive(Deserialize)]
struct ResourceIn {
    #[serde(default)]
    module: Option<String>,
    mode: Mode,
    #[serde(rename = "type")]
    type_name: String,
    name: String,
    provider: String,
    #[serde(default)]
    instances: Vec<InstanceIn>,
}

#[derive(Deserialize)]
struct InstanceIn {
    #[serde(default)]
    index_key: Option<J>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    attributes: FromJson,
    #[serde(default)]
    sensitive_attributes: Vec<Vec<PathStep>>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    create_before_destroy: bool,
    #[serde(default)]
    deposed: Option<String>,
}

/// Only what is needed to decide whether the rest can be read.
#[derive(Deserialize)]
#[serde(expecting = "a state document (a JSON object)")]
struct VersionProbe {
    version: Option<J>,
    terraform_version: Option<serde::de::IgnoredAny>,
}

impl Serialize for Mode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Mode, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "managed" => Ok(Mode::Managed),
            "data" => Ok(Mode::Data),
            other => Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(other),
                &"\"managed\" or \"data\"",
            )),
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Encodes the state as pretty JSON with a trailing newline.
pub fn encode(state: &State) -> Result<Vec<u8>, StateError> {
    let mut buf = Vec::new();
    encode_into(state, &mut buf)?;
    Ok(buf)
}

/// Encodes the state into `buf` (cleared first), so a caller writing state after every
/// resource can reuse one allocation.
pub fn encode_into(state: &State, buf: &mut Vec<u8>) -> Result<(), StateError> {
    buf.clear();
    let resources = state
        .resources
        .iter()
        .map(|(abs, res)| resource_out(abs, res))
        .collect();
    let outputs = state
        .outputs
        .iter()
        .map(|(name, o)| {
            let doc = OutputDoc {
                value: o.value.to_json(),
                ty: Some(ctytype::type_of(&o.value)),
                sensitive: o.sensitive || o.value.contains_sensitive(),
            };
            (name.as_str(), doc)
        })
        .collect();
    let mut extra = state.extra.clone();
    sort_object(&mut extra);
    let doc = DocOut {
        version: STATE_VERSION,
        galley_version: env!("CARGO_PKG_VERSION"),
        serial: state.serial,
        lineage: &state.lineage,
        resources,
        outputs,
        extra,
    };
    serde_json::to_writer_pretty(&mut *buf, &doc)
        .map_err(|e| StateError::Invalid(format!("could not encode the state: {e}")))?;
    buf.push(b'\n');
    Ok(())
}

/// Encodes what state holds for one instance (its current object and any deposed ones) as
/// a journal record: `{"set": "<address>", "resource": {...}}`, where `resource` has the
/// shape of a state document's resource entry holding only that instance's objects. An
/// instance that is gone encodes with no objects.
pub(crate) fn encode_instance_record(
    state: &State,
    addr: &ResourceInstance,
    buf: &mut Vec<u8>,
) -> Result<(), StateError> {
    #[derive(Serialize)]
    struct Record<'a> {
        set: String,
        resource: ResourceOut<'a>,
    }
    let abs = addr.abs_resource();
    let empty = ResourceState::default();
    let res = state.resources.get(&abs).unwrap_or(&empty);
    // Only this key's objects: a resource with thousands of instances costs no more.
    let current = res.instances.get_key_value(&addr.key);
    let deposed = res
        .deposed
        .range((addr.key.clone(), String::new())..)
        .take_while(|((k, _), _)| *k == addr.key);
    let out = ResourceOut {
        module: (!abs.module.is_root()).then(|| abs.module.to_string()),
        mode: abs.resource.mode,
        type_name: &abs.resource.type_name,
        name: &abs.resource.name,
        provider: &res.provider,
        instances: current
            .map(|(k, i)| instance_out(k, None, i))
            .into_iter()
            .chain(deposed.map(|((k, d), i)| instance_out(k, Some(d.as_str()), i)))
            .collect(),
    };
    let record = Record {
        set: addr.to_string(),
        resource: out,
    };
    serde_json::to_writer(&mut *buf, &record)
        .map_err(|e| StateError::Invalid(format!("could not encode a journal record: {e}")))
}

/// Applies a journal record made by [`encode_instance_record`] to `state`: the instance's
/// objects are replaced by the record's.
pub(crate) fn apply_instance_record(state: &mut State, record: &J) -> Result<(), StateError> {
    let invalid = |m: String| StateError::Invalid(format!("journal record: {m}"));
    let addr: ResourceInstance = record
        .get("set")
        .and_then(J::as_str)
        .ok_or_else(|| invalid("no \"set\" address".into()))?
        .parse()
        .map_err(|e: crate::addr::AddrError| invalid(e.to_string()))?;
    let r: ResourceIn = serde_json::from_value(record.get("resource").cloned().unwrap_or(J::Null))
        .map_err(|e| invalid(e.to_string()))?;
    let abs = addr.abs_resource();
    let mut fresh = ResourceState::new(r.provider);
    for i in r.instances {
        add_instance(&abs, &mut fresh, i)?;
    }
    let entry = state
        .resources
        .entry(abs.clone())
        .or_insert_with(|| ResourceState::new(fresh.provider.clone()));
    entry.instances.remove(&addr.key);
    entry.deposed.retain(|(k, _), _| *k != addr.key);
    if !fresh.provider.is_empty() {
        entry.provider = fresh.provider;
    }
    entry.instances.extend(fresh.instances);
    entry.deposed.extend(fresh.deposed);
    if entry.is_empty() {
        state.resources.remove(&abs);
    }
    Ok(())
}

fn resource_out<'a>(abs: &'a AbsResource, res: &'a ResourceState) -> ResourceOut<'a> {
    let current = res.instances.iter().map(|(k, i)| (k, None, i));
    let deposed = res
        .deposed
        .iter()
        .map(|((k, d), i)| (k, Some(d.as_str()), i));
    let mut all: Vec<_> = current.chain(deposed).collect();
    // Each instance's current object, then its deposed ones, like Terraform.
    all.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    ResourceOut {
        module: (!abs.module.is_root()).then(|| abs.module.to_string()),
        mode: abs.resource.mode,
        type_name: &abs.resource.type_name,
        name: &abs.resource.name,
        provider: &res.provider,
        instances: all
            .into_iter()
            .map(|(key, deposed, inst)| instance_out(key, deposed, inst))
            .collect(),
    }
}

fn instance_out<'a>(
    key: &InstanceKey,
    deposed: Option<&'a str>,
    inst: &'a InstanceState,
) -> InstanceOut<'a> {
    let mut sensitive = Vec::new();
    collect_sensitive(&inst.attributes, &mut Vec::new(), &mut sensitive);
    InstanceOut {
        index_key: key.to_json(),
        status: inst.tainted.then_some("tainted"),
        attributes: AsJson(&inst.attributes),
        sensitive_attributes: sensitive,
        dependencies: &inst.dependencies,
        create_before_destroy: inst.create_before_destroy,
        deposed,
    }
}

/// Records the path of every outermost sensitive mark (inner marks add nothing).
fn collect_sensitive<'a>(v: &'a Value, path: &mut Vec<StepRef<'a>>, out: &mut Vec<Vec<PathStep>>) {
    match v {
        Value::Sensitive(_) => out.push(
            path.iter()
                .map(|s| match *s {
                    StepRef::Index(i) => PathStep::Index(i as u64),
                    StepRef::Key(k) => PathStep::Key(k.to_string()),
                })
                .collect(),
        ),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(StepRef::Index(i));
                collect_sensitive(item, path, out);
                path.pop();
            }
        }
        Value::Map(m) | Value::Object(m) => {
            for (k, item) in m {
                path.push(StepRef::Key(k));
                collect_sensitive(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Marks the value at `path` sensitive; paths that lead nowhere mark nothing.
fn mark_path(v: &mut Value, path: &[PathStep]) {
    let Some((step, rest)) = path.split_first() else {
        *v = std::mem::take(v).mark();
        return;
    };
    let child = match (step, v) {
        (PathStep::Key(k), Value::Object(m) | Value::Map(m)) => m.get_mut(k),
        (PathStep::Index(i), Value::Tuple(items) | Value::List(items) | Value::Set(items)) => {
            usize::try_from(*i).ok().and_then(|i| items.get_mut(i))
        }
        _ => None,
    };
    if let Some(child) = child {
        mark_path(child, rest);
    }
}

/// Sorts object keys at every level, so `extra` encodes the same however it was built.
fn sort_object(m: &mut serde_json::Map<String, J>) {
    m.sort_keys();
    for v in m.values_mut() {
        sort_value(v);
    }
}

fn sort_value(v: &mut J) {
    match v {
        J::Object(m) => sort_object(m),
        J::Array(items) => items.iter_mut().for_each(sort_value),
        _ => {}
    }
}

/// Decodes a state document. An unsupported version is reported as such, even when the
/// rest of the document has a shape this galley does not understand.
pub fn decode(bytes: &[u8]) -> Result<State, StateError> {
    match serde_json::from_slice::<DocIn>(bytes) {
        Ok(doc) => {
            check_version(&VersionProbe {
                version: doc.version.clone(),
                terraform_version: doc.terraform_version,
            })?;
            from_doc(doc)
        }
        // Not JSON at all (or nested deeper than serde_json reads): say where, as the
        // version probe below could skip the bad part and blame a missing "version".
        Err(e) if e.is_syntax() || e.is_eof() => Err(malformed(e)),
        // Only on failure is the document read a second time, for its version alone.
        Err(shape_error) => {
            let probe: VersionProbe = serde_json::from_slice(bytes).map_err(malformed)?;
            check_version(&probe)?;
            Err(malformed(shape_error))
        }
    }
}

fn malformed(e: serde_json::Error) -> StateError {
    let text = e.to_string();
    // serde_json appends " at line L column C"; the location is reported separately.
    let message = match text.rsplit_once(" at line ") {
        Some((msg, _)) => msg.to_string(),
        None => text,
    };
    StateError::Malformed {
        line: e.line(),
        column: e.column(),
        message,
    }
}

fn check_version(probe: &VersionProbe) -> Result<(), StateError> {
    let supported = SUPPORTED_VERSIONS
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let Some(version) = &probe.version else {
        return Err(StateError::Invalid(
            "it has no \"version\" field, so it is not a galley state file".to_string(),
        ));
    };
    let found = version.as_u64();
    if found.is_some_and(|v| SUPPORTED_VERSIONS.contains(&v)) {
        return Ok(());
    }
    let hint = if probe.terraform_version.is_some() {
        "this looks like a Terraform state file, which galley cannot use directly".to_string()
    } else if found.is_some_and(|v| v > STATE_VERSION) {
        "it was probably written by a newer galley: use that release (or a later one) to work with it".to_string()
    } else {
        "the file is not a state this galley understands".to_string()
    };
    Err(StateError::UnsupportedVersion {
        found: version.to_string(),
        supported,
        hint,
    })
}

fn from_doc(doc: DocIn) -> Result<State, StateError> {
    let mut state = State {
        serial: doc.serial,
        lineage: doc.lineage,
        resources: BTreeMap::new(),
        outputs: BTreeMap::new(),
        extra: doc.extra,
    };
    let mut modules: HashMap<String, ModulePath> = HashMap::new();
    for (n, r) in doc.resources.into_iter().enumerate() {
        let module = match &r.module {
            None => ModulePath::root(),
            Some(m) => match modules.get(m) {
                Some(p) => p.clone(),
                None => {
                    let p = parse_module(m, n)?;
                    modules.insert(m.clone(), p.clone());
                    p
                }
            },
        };
        for (what, word) in [("type", &r.type_name), ("name", &r.name)] {
            if !is_identifier(word) {
                return Err(StateError::Invalid(format!(
                    "resource #{} has an invalid {what} {word:?}",
                    n + 1
                )));
            }
        }
        let abs = AbsResource {
            module,
            resource: Resource {
                mode: r.mode,
                type_name: r.type_name,
                name: r.name,
            },
        };
        if state.resources.contains_key(&abs) {
            return Err(StateError::Invalid(format!(
                "resource {abs} appears more than once"
            )));
        }
        let mut res = ResourceState::new(r.provider);
        for i in r.instances {
            add_instance(&abs, &mut res, i)?;
        }
        state.resources.insert(abs, res);
    }
    for (name, o) in doc.outputs {
        let mut value = Value::from_json(&o.value);
        if let Some(ty) = &o.ty {
            value = ctytype::retype(value, ty);
        }
        state.outputs.insert(
            name,
            OutputState {
                value,
                sensitive: o.sensitive,
            },
        );
    }
    Ok(state)
}

fn parse_module(m: &str, n: usize) -> Result<ModulePath, StateError> {
    match m.parse::<Target>() {
        Ok(Target::Module(p)) => Ok(p),
        Ok(_) => Err(StateError::Invalid(format!(
            "resource #{}: module {m:?} is not a module address (expected e.g. module.net)",
            n + 1
        ))),
        Err(e) => Err(StateError::Invalid(format!("resource #{}: {e}", n + 1))),
    }
}

fn add_instance(
    abs: &AbsResource,
    res: &mut ResourceState,
    i: InstanceIn,
) -> Result<(), StateError> {
    let key = match &i.index_key {
        None | Some(J::Null) => InstanceKey::None,
        Some(J::String(s)) => InstanceKey::Str(s.clone()),
        Some(J::Number(n)) if n.is_i64() => InstanceKey::Int(n.as_i64().unwrap_or_default()),
        Some(other) => {
            return Err(StateError::Invalid(format!(
                "{abs} has an instance with index_key {other}; expected a whole number or a string"
            )))
        }
    };
    let addr = abs.instance(key.clone());
    let tainted = match i.status.as_deref() {
        None | Some("") => false,
        Some("tainted") => true,
        Some(other) => {
            return Err(StateError::Invalid(format!(
                "{addr} has status {other:?}; the only status is \"tainted\""
            )))
        }
    };
    let FromJson(mut attributes) = i.attributes;
    for path in &i.sensitive_attributes {
        mark_path(&mut attributes, path);
    }
    let inst = InstanceState {
        attributes,
        dependencies: i.dependencies,
        create_before_destroy: i.create_before_destroy,
        tainted,
    };
    let duplicate = match i.deposed {
        None => res.instances.insert(key, inst).is_some(),
        Some(d) => res.deposed.insert((key, d), inst).is_some(),
    };
    if duplicate {
        return Err(StateError::Invalid(format!(
            "{addr} appears more than once"
        )));
    }
    Ok(())
}

/// Type and name words as the address parser accepts them.
fn is_identifier(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::ResourceInstance;
    use serde_json::json;

    fn addr(s: &str) -> ResourceInstance {
        s.parse().unwrap()
    }

    fn sample() -> State {
        let mut s = State::new();
        s.serial = 7;
        let attrs = Value::object([
            ("id", Value::string("vpc-1")),
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("tags", Value::object([("Name", Value::string("main"))])),
        ]);
        s.set_instance(
            &addr("aws_vpc.main"),
            "provider[\"aws\"]",
            InstanceState {
                attributes: attrs,
                dependencies: vec!["aws_vpc.other".into()],
                create_before_destroy: true,
                tainted: false,
            },
        );
        s.set_instance(
            &addr("module.net[\"eu\"].module.sub[2].aws_subnet.private[\"a b\"]"),
            "provider[\"aws\"].west",
            InstanceState {
                attributes: Value::object([("id", Value::string("subnet-1"))]),
                tainted: true,
                ..InstanceState::default()
            },
        );
        s.set_instance(
            &addr("data.aws_ami.ubuntu[0]"),
            "provider[\"aws\"]",
            InstanceState::new(Value::object([("id", Value::string("ami-1"))])),
        );
        s.outputs.insert(
            "ids".into(),
            OutputState {
                value: Value::List(vec![Value::string("a")]),
                sensitive: false,
            },
        );
        s.outputs.insert(
            "pw".into(),
            OutputState {
                value: Value::string("hunter2"),
                sensitive: true,
            },
        );
        s.extra.insert(
            "upgrade".into(),
            json!({"step": 2, "b": [1, {"z": 1, "a": 2}]}),
        );
        s
    }

    #[test]
    fn state_round_trips_with_nested_modules_and_string_keys() {
        let s = sample();
        let back = decode(&encode(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn encoding_is_deterministic_and_terraform_shaped() {
        let s = sample();
        let bytes = encode(&s).unwrap();
        assert_eq!(bytes, encode(&s.clone()).unwrap());
        let j: J = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(j["version"], 1);
        assert_eq!(j["galley_version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(j["serial"], 7);
        let sub = j["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "aws_subnet")
            .unwrap();
        assert_eq!(sub["module"], "module.net[\"eu\"].module.sub[2]");
        assert_eq!(sub["mode"], "managed");
        assert_eq!(sub["provider"], "provider[\"aws\"].west");
        let inst = &sub["instances"][0];
        assert_eq!(inst["index_key"], "a b");
        assert_eq!(inst["status"], "tainted");
        assert!(
            inst.get("create_before_destroy").is_none(),
            "false is omitted"
        );
        let vpc = j["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "aws_vpc")
            .unwrap();
        assert!(vpc.get("module").is_none(), "root resources have no module");
        assert!(vpc["instances"][0].get("index_key").is_none());
        assert!(vpc["instances"][0].get("status").is_none());
        assert_eq!(vpc["instances"][0]["create_before_destroy"], true);
        assert_eq!(j["outputs"]["ids"]["type"], json!(["list", "string"]));
        assert_eq!(j["outputs"]["pw"]["sensitive"], true);
        assert_eq!(j["extra"]["upgrade"]["b"][1], json!({"a": 2, "z": 1}));
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.find("\"a\": 2").unwrap() < text.find("\"z\": 1").unwrap(),
            "extra keys sorted"
        );
    }

    #[test]
    fn sensitive_paths_round_trip() {
        let mut s = State::new();
        let attrs = Value::object([
            ("password", Value::string("hunter2").mark()),
            ("user", Value::string("bob")),
            (
                "nested",
                Value::Tuple(vec![
                    Value::object([("k", Value::string("v").mark())]),
                    Value::string("plain"),
                ]),
            ),
            ("0", Value::Number(1.0).mark()),
        ]);
        s.set_instance(&addr("aws_db.x"), "p", InstanceState::new(attrs));
        let bytes = encode(&s).unwrap();
        let j: J = serde_json::from_slice(&bytes).unwrap();
        let paths = &j["resources"][0]["instances"][0]["sensitive_attributes"];
        assert_eq!(paths, &json!([["0"], ["nested", 0, "k"], ["password"]]));
        assert_eq!(
            j["resources"][0]["instances"][0]["attributes"]["password"],
            "hunter2"
        );
        assert_eq!(decode(&bytes).unwrap(), s);
    }

    #[test]
    fn unknown_version_says_which_versions_are_supported() {
        let e = decode(br#"{"version": 9, "serial": 1, "lineage": "x"}"#).unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, StateError::UnsupportedVersion { .. }), "{e:?}");
        assert!(
            msg.contains("version 9") && msg.contains("only version 1"),
            "{msg}"
        );
        assert!(msg.contains("newer galley"), "{msg}");
    }

    #[test]
    fn terraform_state_is_recognised() {
        let e =
            decode(br#"{"version": 4, "terraform_version": "1.15.5", "serial": 1}"#).unwrap_err();
        assert!(e.to_string().contains("Terraform state"), "{e}");
    }

    #[test]
    fn malformed_json_reports_line_and_column() {
        let e = decode(b"{\n  \"version\": 1,\n  \"serial\": ,\n}").unwrap_err();
        match e {
            StateError::Malformed { line, column, .. } => assert_eq!((line, column), (3, 13)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn wrong_shapes_report_line_and_column() {
        let doc = "{\"version\": 1, \"serial\": 1, \"lineage\": \"l\",\n\"resources\": [{\"mode\": \"weird\", \"type\": \"a\", \"name\": \"b\", \"provider\": \"p\"}]}";
        let e = decode(doc.as_bytes()).unwrap_err();
        assert!(matches!(e, StateError::Malformed { line: 2, .. }), "{e:?}");
        assert!(e.to_string().contains("managed"), "{e}");
    }

    #[test]
    fn invalid_content_is_rejected_with_the_reason() {
        let cases = [
            (
                json!([{"module": "module.", "mode": "managed", "type": "a", "name": "b", "provider": "p"}]),
                "module name",
            ),
            (
                json!([{"module": "aws_vpc.x", "mode": "managed", "type": "a", "name": "b", "provider": "p"}]),
                "not a module address",
            ),
            (
                json!([{"mode": "managed", "type": "a b", "name": "b", "provider": "p"}]),
                "invalid type",
            ),
            (
                json!([{"mode": "managed", "type": "a", "name": "b", "provider": "p", "instances": [{"index_key": 1.5}]}]),
                "index_key 1.5",
            ),
            (
                json!([{"mode": "managed", "type": "a", "name": "b", "provider": "p", "instances": [{"status": "odd"}]}]),
                "status",
            ),
            (
                json!([{"mode": "managed", "type": "a", "name": "b", "provider": "p", "instances": [{}, {}]}]),
                "a.b appears more than once",
            ),
            (
                json!([{"mode": "managed", "type": "a", "name": "b", "provider": "p"}, {"mode": "managed", "type": "a", "name": "b", "provider": "p"}]),
                "appears more than once",
            ),
        ];
        for (resources, want) in cases {
            let doc = json!({"version": 1, "serial": 1, "lineage": "l", "resources": resources});
            let e = decode(doc.to_string().as_bytes()).unwrap_err();
            assert!(e.to_string().contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn a_document_that_is_not_an_object_says_what_was_expected() {
        let e = decode(b"[1, 2]").unwrap_err();
        assert!(e.to_string().contains("expected a state document"), "{e}");
    }

    #[test]
    fn missing_version_is_not_a_state_file() {
        let e = decode(b"{}").unwrap_err();
        assert!(e.to_string().contains("no \"version\""), "{e}");
    }

    #[test]
    fn deposed_objects_round_trip() {
        let mut s = State::new();
        let a = addr("aws_vpc.a[1]");
        s.set_instance(&a, "p", InstanceState::new(Value::string("old")));
        let key = s.depose_instance(&a).unwrap();
        s.set_instance(&a, "p", InstanceState::new(Value::string("new")));
        let bytes = encode(&s).unwrap();
        let j: J = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(j["resources"][0]["instances"][1]["deposed"], json!(key));
        assert_eq!(decode(&bytes).unwrap(), s);
    }

    #[test]
    fn ten_thousand_instances_round_trip() {
        let mut s = State::new();
        for i in 0..10_000 {
            let a = addr(&format!("module.m[{}].aws_instance.web[{}]", i % 10, i));
            s.set_instance(
                &a,
                "p",
                InstanceState::new(Value::object([("id", Value::string(format!("i-{i}")))])),
            );
        }
        let back = decode(&encode(&s).unwrap()).unwrap();
        assert_eq!(back.instance_count(), 10_000);
    }
}
