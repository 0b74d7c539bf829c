//! Pure operations on state behind `galley state list|show|mv|rm` and `galley output`.

use std::fmt::Write;

use serde_json::Value as J;

use super::model::{ResourceState, State};
use super::{ctytype, render, StateError};
use crate::addr::{AbsResource, InstanceKey, Mode, ModulePath, ResourceInstance, Target};
use crate::value::{format_number, Value};

/// The instances `galley state list` prints: all of them, or those named by any filter,
/// in address order.
pub fn list(state: &State, filters: &[Target]) -> Vec<ResourceInstance> {
    state
        .instances()
        .map(|(addr, _)| addr)
        .filter(|addr| filters.is_empty() || filters.iter().any(|t| t.contains(addr)))
        .collect()
}

/// What `galley state show ADDR` prints, or `None` when the state has no such instance.
pub fn show(state: &State, addr: &ResourceInstance) -> Option<String> {
    let inst = state.instance(addr)?;
    let kind = match addr.resource.mode {
        Mode::Managed => "resource",
        Mode::Data => "data",
    };
    let mut out = String::new();
    let tainted = if inst.tainted { " (tainted)" } else { "" };
    let _ = writeln!(out, "# {addr}:{tainted}");
    let _ = writeln!(
        out,
        "{kind} \"{}\" \"{}\" {{",
        addr.resource.type_name, addr.resource.name
    );
    render::show_attributes(&mut out, &inst.attributes, 4);
    out.push_str("}\n");
    Some(out)
}

/// Moves resources in the state (`galley state mv`): a module to a module, a resource to
/// a resource, or an instance to an instance (`aws_vpc.a` to `aws_vpc.a[0]` moves the
/// unkeyed instance). Never overwrites: if any destination exists, nothing changes.
/// Returns each moved instance as `(from, to)`.
pub fn mv(
    state: &mut State,
    from: &Target,
    to: &Target,
) -> Result<Vec<(String, String)>, StateError> {
    let invalid = |reason: String| StateError::InvalidMove {
        from: from.to_string(),
        to: to.to_string(),
        reason,
    };
    if from == to {
        return Err(invalid(
            "the source and the destination are the same".into(),
        ));
    }
    match (from, to) {
        (Target::Module(f), Target::Module(t)) => {
            if f.0.starts_with(&t.0) || t.0.starts_with(&f.0) {
                return Err(invalid("a module cannot move into or out of itself".into()));
            }
            mv_module(state, f, t)
        }
        (Target::Resource(f), Target::Resource(t)) => {
            check_same_kind(
                &f.instance(InstanceKey::None),
                &t.instance(InstanceKey::None),
            )
            .map_err(invalid)?;
            mv_resource(state, f, t)
        }
        (Target::Resource(f), Target::Instance(t)) => {
            mv_instance(state, &f.instance(InstanceKey::None), t)
        }
        (Target::Instance(f), Target::Resource(t)) => {
            mv_instance(state, f, &t.instance(InstanceKey::None))
        }
        (Target::Instance(f), Target::Instance(t)) => mv_instance(state, f, t),
        _ => Err(invalid(
            "a module can move only to a module, and a resource only to a resource".into(),
        )),
    }
}

fn check_same_kind(from: &ResourceInstance, to: &ResourceInstance) -> Result<(), String> {
    let (f, t) = (&from.resource, &to.resource);
    if f.mode != t.mode {
        return Err("a managed resource and a data source cannot replace each other".into());
    }
    if f.type_name != t.type_name {
        return Err(format!(
            "the resource types differ ({} and {}); the state of one type means nothing to the other",
            f.type_name, t.type_name
        ));
    }
    Ok(())
}

fn moved_pairs(from: &AbsResource, to: &AbsResource, res: &ResourceState) -> Vec<(String, String)> {
    res.instances
        .keys()
        .map(|k| {
            (
                from.instance(k.clone()).to_string(),
                to.instance(k.clone()).to_string(),
            )
        })
        .collect()
}

fn mv_module(
    state: &mut State,
    from: &ModulePath,
    to: &ModulePath,
) -> Result<Vec<(String, String)>, StateError> {
    let moves: Vec<(AbsResource, AbsResource)> = state
        .resources
        .keys()
        .filter(|abs| abs.module.0.starts_with(&from.0))
        .map(|abs| {
            let mut steps = to.0.clone();
            steps.extend_from_slice(&abs.module.0[from.0.len()..]);
            let dest = AbsResource {
                module: ModulePath(steps),
                resource: abs.resource.clone(),
            };
            (abs.clone(), dest)
        })
        .collect();
    if moves.is_empty() {
        return Err(StateError::NotFound {
            address: from.to_string(),
        });
    }
    if let Some((_, dest)) = moves.iter().find(|(_, d)| state.resources.contains_key(d)) {
        return Err(StateError::AlreadyExists {
            address: dest.to_string(),
        });
    }
    let mut pairs = Vec::new();
    for (src, dest) in moves {
        if let Some(res) = state.resources.remove(&src) {
            pairs.extend(moved_pairs(&src, &dest, &res));
            state.resources.insert(dest, res);
        }
    }
    Ok(pairs)
}

fn mv_resource(
    state: &mut State,
    from: &AbsResource,
    to: &AbsResource,
) -> Result<Vec<(String, String)>, StateError> {
    if !state.resources.contains_key(from) {
        return Err(StateError::NotFound {
            address: from.to_string(),
        });
    }
    if state.resources.contains_key(to) {
        return Err(StateError::AlreadyExists {
            address: to.to_string(),
        });
    }
    let Some(res) = state.resources.remove(from) else {
        return Ok(Vec::new());
    };
    let pairs = moved_pairs(from, to, &res);
    state.resources.insert(to.clone(), res);
    Ok(pairs)
}

fn mv_instance(
    state: &mut State,
    from: &ResourceInstance,
    to: &ResourceInstance,
) -> Result<Vec<(String, String)>, StateError> {
    check_same_kind(from, to).map_err(|reason| StateError::InvalidMove {
        from: from.to_string(),
        to: to.to_string(),
        reason,
    })?;
    if state.instance(to).is_some() {
        return Err(StateError::AlreadyExists {
            address: to.to_string(),
        });
    }
    let from_abs = from.abs_resource();
    let Some(src) = state.resources.get_mut(&from_abs) else {
        return Err(StateError::NotFound {
            address: from.to_string(),
        });
    };
    let Some(current) = src.instances.remove(&from.key) else {
        return Err(StateError::NotFound {
            address: from.to_string(),
        });
    };
    // Deposed objects belong to the instance, so they move with it.
    let deposed_keys: Vec<(InstanceKey, String)> = src
        .deposed
        .keys()
        .filter(|(k, _)| *k == from.key)
        .cloned()
        .collect();
    let deposed: Vec<_> = deposed_keys
        .into_iter()
        .filter_map(|k| src.deposed.remove(&k).map(|obj| (k.1, obj)))
        .collect();
    let provider = src.provider.clone();
    if src.is_empty() {
        state.resources.remove(&from_abs);
    }
    let dest = state
        .resources
        .entry(to.abs_resource())
        .or_insert_with(|| ResourceState::new(provider));
    dest.instances.insert(to.key.clone(), current);
    for (dk, obj) in deposed {
        dest.deposed.insert((to.key.clone(), dk), obj);
    }
    Ok(vec![(from.to_string(), to.to_string())])
}

/// Forgets everything the targets name (`galley state rm`), without touching the real
/// infrastructure. Fails, changing nothing, if any target names nothing. Returns the
/// removed addresses; deposed objects are listed as `ADDR (deposed object KEY)`.
pub fn rm(state: &mut State, targets: &[Target]) -> Result<Vec<String>, StateError> {
    for t in targets {
        let current = state.instances().any(|(a, _)| t.contains(&a));
        let deposed = state.deposed().any(|(a, _, _)| t.contains(&a));
        if !current && !deposed {
            return Err(StateError::NotFound {
                address: t.to_string(),
            });
        }
    }
    let hit = |a: &ResourceInstance| targets.iter().any(|t| t.contains(a));
    let current: Vec<ResourceInstance> = state.instances().map(|(a, _)| a).filter(hit).collect();
    let deposed: Vec<(ResourceInstance, String)> = state
        .deposed()
        .filter(|(a, _, _)| hit(a))
        .map(|(a, k, _)| (a, k.to_string()))
        .collect();
    let mut removed = Vec::new();
    for a in current {
        state.remove_instance(&a);
        removed.push(a.to_string());
    }
    for (a, k) in deposed {
        state.remove_deposed(&a, &k);
        removed.push(format!("{a} (deposed object {k})"));
    }
    Ok(removed)
}

/// How `galley output NAME` prints one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// HCL syntax, like `terraform output NAME`.
    Hcl,
    /// JSON, like `terraform output -json NAME`.
    Json,
    /// The bare string, number or bool, like `terraform output -raw NAME`.
    Raw,
}

/// What `galley output` prints: `name = value` lines in name order, sensitive values as
/// `<sensitive>`. Empty when there are no outputs.
pub fn outputs_text(state: &State) -> String {
    let mut out = String::new();
    for (name, o) in &state.outputs {
        if o.sensitive || o.value.contains_sensitive() {
            let _ = writeln!(out, "{name} = <sensitive>");
        } else {
            let _ = writeln!(out, "{name} = {}", render::output_value(&o.value, 0));
        }
    }
    out
}

/// What `galley output -json` prints: every output with its sensitivity, type and value
/// (sensitive values included, as Terraform does for machine-readable output).
pub fn outputs_json(state: &State) -> String {
    let mut all = serde_json::Map::new();
    for (name, o) in &state.outputs {
        let mut entry = serde_json::Map::new();
        entry.insert(
            "sensitive".into(),
            J::Bool(o.sensitive || o.value.contains_sensitive()),
        );
        entry.insert("type".into(), ctytype::type_of(&o.value));
        entry.insert("value".into(), o.value.to_json());
        all.insert(name.clone(), J::Object(entry));
    }
    pretty(&J::Object(all))
}

/// What `galley output [-json|-raw] NAME` prints. Naming an output shows it even when
/// sensitive. Ends with a newline except in the raw form, which prints the bare text.
pub fn output_value(state: &State, name: &str, format: OutputFormat) -> Result<String, StateError> {
    let o = state
        .outputs
        .get(name)
        .ok_or_else(|| StateError::OutputNotFound {
            name: name.to_string(),
        })?;
    let (value, _) = o.value.clone().unmark_deep();
    Ok(match format {
        OutputFormat::Hcl => format!("{}\n", render::output_value(&value, 0)),
        OutputFormat::Json => pretty(&value.to_json()),
        OutputFormat::Raw => match &value {
            Value::String(s) => s.clone(),
            Value::Number(n) => format_number(*n),
            Value::Bool(b) => b.to_string(),
            other => {
                return Err(StateError::RawUnsupported {
                    name: name.to_string(),
                    type_name: other.type_name(),
                })
            }
        },
    })
}

fn pretty(j: &J) -> String {
    let mut s = serde_json::to_string_pretty(j).unwrap_or_else(|_| j.to_string());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{InstanceState, OutputState};

    fn addr(s: &str) -> ResourceInstance {
        s.parse().unwrap()
    }

    fn target(s: &str) -> Target {
        s.parse().unwrap()
    }

    fn state_with(addrs: &[&str]) -> State {
        let mut s = State::new();
        for a in addrs {
            let attrs = Value::object([("id", Value::string(*a))]);
            s.set_instance(&addr(a), "provider[\"aws\"]", InstanceState::new(attrs));
        }
        s
    }

    fn listed(s: &State) -> Vec<String> {
        list(s, &[]).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn list_filters_by_module_resource_and_instance() {
        let s = state_with(&[
            "aws_vpc.main",
            "aws_subnet.a[0]",
            "aws_subnet.a[1]",
            "module.net[\"x\"].aws_vpc.main",
            "module.net[\"y\"].aws_vpc.main",
            "module.other.aws_vpc.main",
        ]);
        let cases: &[(&[&str], &[&str])] = &[
            (
                &[],
                &[
                    "aws_subnet.a[0]",
                    "aws_subnet.a[1]",
                    "aws_vpc.main",
                    "module.net[\"x\"].aws_vpc.main",
                    "module.net[\"y\"].aws_vpc.main",
                    "module.other.aws_vpc.main",
                ],
            ),
            (&["aws_vpc.main"], &["aws_vpc.main"]),
            (&["aws_subnet.a[1]"], &["aws_subnet.a[1]"]),
            (
                &["module.net"],
                &[
                    "module.net[\"x\"].aws_vpc.main",
                    "module.net[\"y\"].aws_vpc.main",
                ],
            ),
            (
                &["module.net[\"y\"]", "aws_subnet.a"],
                &[
                    "aws_subnet.a[0]",
                    "aws_subnet.a[1]",
                    "module.net[\"y\"].aws_vpc.main",
                ],
            ),
        ];
        for (filters, want) in cases {
            let filters: Vec<Target> = filters.iter().map(|f| target(f)).collect();
            let got: Vec<String> = list(&s, &filters).iter().map(ToString::to_string).collect();
            assert_eq!(&got, want, "filters {filters:?}");
        }
    }

    #[test]
    fn show_renders_like_terraform_state_show() {
        let mut s = State::new();
        let attrs = Value::object([
            ("cidr_block", Value::string("10.0.0.0/16")),
            ("id", Value::string("vpc-1")),
            ("secret", Value::string("x").mark()),
            ("tags", Value::object([("Name", Value::string("main"))])),
        ]);
        s.set_instance(&addr("aws_vpc.main"), "p", InstanceState::new(attrs));
        let want = r#"# aws_vpc.main:
resource "aws_vpc" "main" {
    cidr_block = "10.0.0.0/16"
    id         = "vpc-1"
    secret     = (sensitive value)
    tags       = {
        Name = "main"
    }
}
"#;
        assert_eq!(show(&s, &addr("aws_vpc.main")).unwrap(), want);
        assert!(show(&s, &addr("aws_vpc.other")).is_none());
    }

    #[test]
    fn show_marks_tainted_instances_and_data_sources() {
        let mut s = state_with(&["data.aws_ami.u"]);
        s.set_instance(
            &addr("aws_vpc.t[\"k\"]"),
            "p",
            InstanceState {
                tainted: true,
                ..InstanceState::default()
            },
        );
        assert!(show(&s, &addr("data.aws_ami.u"))
            .unwrap()
            .contains("data \"aws_ami\" \"u\" {"));
        assert!(show(&s, &addr("aws_vpc.t[\"k\"]"))
            .unwrap()
            .starts_with("# aws_vpc.t[\"k\"]: (tainted)\n"));
    }

    #[test]
    fn mv_renames_a_whole_resource() {
        let mut s = state_with(&["aws_subnet.a[0]", "aws_subnet.a[1]"]);
        let pairs = mv(
            &mut s,
            &target("aws_subnet.a"),
            &target("module.net.aws_subnet.b"),
        )
        .unwrap();
        assert_eq!(
            pairs[1],
            (
                "aws_subnet.a[1]".to_string(),
                "module.net.aws_subnet.b[1]".to_string()
            )
        );
        assert_eq!(
            listed(&s),
            ["module.net.aws_subnet.b[0]", "module.net.aws_subnet.b[1]"]
        );
        assert_eq!(
            s.instance(&addr("module.net.aws_subnet.b[1]"))
                .unwrap()
                .attributes
                .get_attr("id"),
            Some(&Value::string("aws_subnet.a[1]"))
        );
    }

    #[test]
    fn mv_moves_one_instance_and_adds_a_key() {
        let mut s = state_with(&["aws_vpc.main", "aws_subnet.a[0]"]);
        mv(&mut s, &target("aws_vpc.main"), &target("aws_vpc.main[0]")).unwrap();
        mv(
            &mut s,
            &target("aws_subnet.a[0]"),
            &target("aws_subnet.a[\"x\"]"),
        )
        .unwrap();
        assert_eq!(listed(&s), ["aws_subnet.a[\"x\"]", "aws_vpc.main[0]"]);
    }

    #[test]
    fn mv_moves_a_module_with_its_children() {
        let mut s = state_with(&[
            "module.a.aws_vpc.v",
            "module.a.module.b[0].aws_vpc.w",
            "module.ab.aws_vpc.v",
        ]);
        let pairs = mv(&mut s, &target("module.a"), &target("module.c[\"k\"]")).unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(
            listed(&s),
            [
                "module.ab.aws_vpc.v",
                "module.c[\"k\"].aws_vpc.v",
                "module.c[\"k\"].module.b[0].aws_vpc.w"
            ]
        );
    }

    #[test]
    fn mv_refuses_to_overwrite_and_changes_nothing() {
        let cases = [
            ("aws_vpc.a", "aws_vpc.b"),
            ("aws_vpc.a", "aws_vpc.b[0]"),
            ("module.m", "module.n"),
        ];
        for (from, to) in cases {
            let mut s = state_with(&[
                "aws_vpc.a",
                "aws_vpc.b",
                "aws_vpc.b[0]",
                "module.m.aws_vpc.x",
                "module.m.aws_vpc.y",
                "module.n.aws_vpc.y",
            ]);
            let before = s.clone();
            let e = mv(&mut s, &target(from), &target(to)).unwrap_err();
            assert!(
                matches!(e, StateError::AlreadyExists { .. }),
                "{from} -> {to}: {e:?}"
            );
            assert!(e.to_string().contains("already exists"), "{e}");
            assert_eq!(s, before);
        }
    }

    #[test]
    fn mv_rejects_mismatched_or_missing_sources() {
        let mut s = state_with(&["aws_vpc.a", "module.m.aws_vpc.x"]);
        let cases = [
            ("aws_vpc.a", "aws_subnet.a", "types differ"),
            ("aws_vpc.a", "data.aws_vpc.a", "data source"),
            ("aws_vpc.a", "module.x", "only to a resource"),
            ("module.m", "module.m.module.n", "itself"),
            ("aws_vpc.a", "aws_vpc.a", "same"),
            ("aws_vpc.zz", "aws_vpc.b", "no object"),
            ("aws_vpc.a[3]", "aws_vpc.b", "no object"),
            ("module.nope", "module.n", "no object"),
        ];
        for (from, to, want) in cases {
            let e = mv(&mut s, &target(from), &target(to)).unwrap_err();
            assert!(e.to_string().contains(want), "{from} -> {to}: {e}");
        }
    }

    #[test]
    fn mv_carries_deposed_objects_with_the_instance() {
        let mut s = state_with(&["aws_vpc.a"]);
        s.depose_instance(&addr("aws_vpc.a")).unwrap();
        s.set_instance(&addr("aws_vpc.a"), "p", InstanceState::default());
        mv(&mut s, &target("aws_vpc.a"), &target("aws_vpc.b[0]")).unwrap();
        assert!(s.resource(&addr("aws_vpc.a").abs_resource()).is_none());
        assert_eq!(s.deposed().next().unwrap().0, addr("aws_vpc.b[0]"));
    }

    #[test]
    fn rm_removes_what_the_targets_name() {
        let mut s = state_with(&[
            "aws_vpc.a",
            "aws_subnet.s[0]",
            "aws_subnet.s[1]",
            "module.m[0].aws_vpc.a",
            "module.m[1].aws_vpc.a",
        ]);
        let removed = rm(&mut s, &[target("aws_subnet.s[1]"), target("module.m")]).unwrap();
        assert_eq!(
            removed,
            [
                "aws_subnet.s[1]",
                "module.m[0].aws_vpc.a",
                "module.m[1].aws_vpc.a"
            ]
        );
        assert_eq!(listed(&s), ["aws_subnet.s[0]", "aws_vpc.a"]);
        let removed = rm(&mut s, &[target("aws_vpc.a")]).unwrap();
        assert_eq!(removed, ["aws_vpc.a"]);
    }

    #[test]
    fn rm_with_an_unmatched_target_changes_nothing() {
        let mut s = state_with(&["aws_vpc.a", "module.m.aws_vpc.b"]);
        let before = s.clone();
        let e = rm(&mut s, &[target("aws_vpc.a"), target("aws_vpc.b")]).unwrap_err();
        assert!(
            e.to_string()
                .contains("no object in the state matches aws_vpc.b"),
            "{e}"
        );
        assert_eq!(s, before);
    }

    #[test]
    fn root_resource_targets_do_not_match_module_resources() {
        let t = target("aws_vpc.main");
        assert!(!t.contains(&addr("module.net.aws_vpc.main")));
        assert!(target("module.net.aws_vpc.main").contains(&addr("module.net[\"a\"].aws_vpc.main")));
    }

    fn outputs_state() -> State {
        let mut s = State::new();
        let mut put = |name: &str, value: Value, sensitive: bool| {
            s.outputs
                .insert(name.into(), OutputState { value, sensitive });
        };
        put("s", Value::string("hello"), false);
        put("n", Value::Number(5.0), false);
        put(
            "l",
            Value::Tuple(vec![Value::string("a"), Value::string("b")]),
            false,
        );
        put("secret", Value::string("hunter2"), true);
        put("o", Value::object([("a", Value::Number(1.0))]), false);
        s
    }

    #[test]
    fn output_listing_hides_sensitive_values() {
        let want = "l = [\n  \"a\",\n  \"b\",\n]\nn = 5\no = {\n  \"a\" = 1\n}\ns = \"hello\"\nsecret = <sensitive>\n";
        assert_eq!(outputs_text(&outputs_state()), want);
    }

    #[test]
    fn output_json_lists_sensitivity_type_and_value() {
        let j: J = serde_json::from_str(&outputs_json(&outputs_state())).unwrap();
        assert_eq!(
            j["secret"],
            serde_json::json!({"sensitive": true, "type": "string", "value": "hunter2"})
        );
        assert_eq!(
            j["l"]["type"],
            serde_json::json!(["tuple", ["string", "string"]])
        );
        let text = outputs_json(&outputs_state());
        assert!(text.find("\"sensitive\"").unwrap() < text.find("\"type\"").unwrap());
    }

    #[test]
    fn a_named_output_prints_in_each_format() {
        let s = outputs_state();
        let cases = [
            ("s", OutputFormat::Hcl, "\"hello\"\n"),
            ("secret", OutputFormat::Hcl, "\"hunter2\"\n"),
            ("s", OutputFormat::Raw, "hello"),
            ("secret", OutputFormat::Raw, "hunter2"),
            ("n", OutputFormat::Raw, "5"),
            ("s", OutputFormat::Json, "\"hello\"\n"),
            ("o", OutputFormat::Json, "{\n  \"a\": 1\n}\n"),
        ];
        for (name, format, want) in cases {
            assert_eq!(
                output_value(&s, name, format).unwrap(),
                want,
                "{name} {format:?}"
            );
        }
    }

    #[test]
    fn raw_output_refuses_complex_values_and_missing_outputs_are_reported() {
        let s = outputs_state();
        let e = output_value(&s, "o", OutputFormat::Raw).unwrap_err();
        assert!(e.to_string().contains("is object"), "{e}");
        let e = output_value(&s, "nope", OutputFormat::Hcl).unwrap_err();
        assert!(e.to_string().contains("\"nope\" not found"), "{e}");
    }
}
