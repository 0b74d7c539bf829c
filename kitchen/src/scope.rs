//! What assertions see: the root module's resources, data sources and outputs (from the
//! state after apply, or the plan's planned values), variables, and earlier runs' outputs.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use engine::addr::{InstanceKey, Mode, Resource};
use engine::diag::{Diagnostic, Span};
use engine::lang::Scope;
use engine::plan::{Action, Plan};
use engine::state::State;
use engine::value::{Value, ValueMap};

/// The values a run's assertions (and the next runs' `run.<name>` references) see.
#[derive(Debug, Clone, Default)]
pub struct RunValues {
    /// Root resources and data sources by address, as references see them.
    pub resources: BTreeMap<Resource, Value>,
    /// Root outputs by name.
    pub outputs: BTreeMap<String, Value>,
}

impl RunValues {
    /// The values in a state after apply.
    pub fn from_state(state: &State) -> RunValues {
        let mut instances: BTreeMap<Resource, BTreeMap<InstanceKey, Value>> = BTreeMap::new();
        for (addr, inst) in state.instances() {
            if addr.module.is_root() {
                instances
                    .entry(addr.resource.clone())
                    .or_default()
                    .insert(addr.key.clone(), inst.attributes.clone());
            }
        }
        RunValues {
            resources: instances
                .into_iter()
                .map(|(r, i)| (r, collect(i)))
                .collect(),
            outputs: state
                .outputs
                .iter()
                .map(|(k, o)| (k.clone(), o.value.clone().mark_if(o.sensitive)))
                .collect(),
        }
    }

    /// The values a plan promises: the prior state overlaid with planned objects
    /// (unknown where only apply will tell) and the planned outputs.
    pub fn from_plan(prior: &State, plan: &Plan) -> RunValues {
        let mut state = prior.clone();
        for c in &plan.changes {
            match (&c.action, &c.after) {
                (Action::Delete, _) | (_, None) => {
                    state.remove_instance(&c.addr);
                }
                (_, Some(after)) => {
                    state.set_instance(
                        &c.addr,
                        c.provider.clone(),
                        engine::state::InstanceState::new(after.clone()),
                    );
                }
            }
        }
        let mut out = RunValues::from_state(&state);
        out.outputs = plan
            .outputs
            .iter()
            .filter_map(|(k, o)| o.after.clone().map(|v| (k.clone(), v.mark_if(o.sensitive))))
            .collect();
        out
    }

    /// The object `run.<name>` evaluates to: the run's outputs.
    pub fn run_object(&self) -> Value {
        Value::Object(self.outputs.clone().into_iter().collect())
    }
}

/// A resource's instances as a reference sees them: one object, a tuple (`count`) or
/// an object by key (`for_each`).
fn collect(instances: BTreeMap<InstanceKey, Value>) -> Value {
    let keyed = instances.keys().next().cloned();
    match keyed {
        Some(InstanceKey::Int(_)) => Value::Tuple(instances.into_values().collect()),
        Some(InstanceKey::Str(_)) => Value::Object(
            instances
                .into_iter()
                .map(|(k, v)| match k {
                    InstanceKey::Str(s) => (s, v),
                    other => (other.to_string(), v),
                })
                .collect::<ValueMap>(),
        ),
        _ => instances.into_values().next().unwrap_or(Value::Null),
    }
}

/// Resolves references in a test file: `var.*`, `run.<name>.*`, and, for assertions,
/// the run's resources, `data.*` and `output.*`.
pub struct TestScope<'a> {
    /// The run's variables (for `var.*`).
    pub vars: &'a BTreeMap<String, Value>,
    /// Outputs of the runs before, by name.
    pub runs: &'a BTreeMap<String, Value>,
    /// The run's values; `None` while evaluating variables.
    pub values: Option<&'a RunValues>,
    /// The directory of the configuration, for `path.module`.
    pub dir: PathBuf,
}

impl TestScope<'_> {
    fn unknown_name(&self, what: &str, span: Option<Span>, detail: String) -> Diagnostic {
        Diagnostic::error(format!("Reference to undeclared {what}"))
            .with_span(span)
            .with_detail(detail)
    }
}

impl Scope for TestScope<'_> {
    fn resolve(&self, path: &[String], span: Option<Span>) -> Result<(Value, usize), Diagnostic> {
        let name = |i: usize| path.get(i).map(String::as_str);
        match name(0) {
            Some("var") => {
                let n = name(1).unwrap_or_default();
                match self.vars.get(n) {
                    Some(v) => Ok((v.clone(), 2)),
                    None => Err(self.unknown_name(
                        "input variable",
                        span,
                        format!("No value was given for var.{n} in this test file, and the configuration declares no such variable with a default."),
                    )),
                }
            }
            Some("run") => {
                let n = name(1).unwrap_or_default();
                match self.runs.get(n) {
                    Some(v) => Ok((v.clone(), 2)),
                    None => Err(self.unknown_name(
                        "run block",
                        span,
                        format!("There is no run \"{n}\" before this point in the file (runs can only refer to runs above them)."),
                    )),
                }
            }
            Some("path") if matches!(name(1), Some("module" | "root" | "cwd")) => {
                Ok((Value::String(self.dir.display().to_string()), 2))
            }
            Some(root) => {
                let Some(values) = self.values else {
                    return Err(Diagnostic::error("Invalid reference")
                        .with_span(span)
                        .with_detail(format!("Variables in a test file can refer only to var and run values, not {root}.")));
                };
                if root == "output" {
                    let n = name(1).unwrap_or_default();
                    return match values.outputs.get(n) {
                        Some(v) => Ok((v.clone(), 2)),
                        None => Err(self.unknown_name(
                            "output value",
                            span,
                            format!("The configuration has no output \"{n}\" after this run."),
                        )),
                    };
                }
                let (mode, type_name, res_name, used) = if root == "data" {
                    (Mode::Data, name(1), name(2), 3)
                } else {
                    (Mode::Managed, Some(root), name(1), 2)
                };
                let (Some(type_name), Some(res_name)) = (type_name, res_name) else {
                    return Err(Diagnostic::error("Invalid reference")
                        .with_span(span)
                        .with_detail(
                            "A reference to a resource needs a type and a name.".to_string(),
                        ));
                };
                let r = Resource {
                    mode,
                    type_name: type_name.to_string(),
                    name: res_name.to_string(),
                };
                match values.resources.get(&r) {
                    Some(v) => Ok((v.clone(), used)),
                    None => Err(self.unknown_name(
                        "resource",
                        span,
                        format!("There is no {r} in the state after this run."),
                    )),
                }
            }
            None => Err(Diagnostic::error("Invalid reference").with_span(span)),
        }
    }

    fn base_dir(&self) -> &Path {
        &self.dir
    }

    fn root_dir(&self) -> &Path {
        &self.dir
    }

    fn planning(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::addr::ResourceInstance;
    use engine::state::{InstanceState, OutputState};

    fn eval(text: &str, values: &RunValues) -> Result<Value, Diagnostic> {
        let sources = engine::diag::SourceMap::new();
        let file = sources.add("t", text);
        let expr = engine::config::Expr {
            file,
            expr: hcl_edit::parser::parse_expr(text).expect("parses"),
        };
        let vars = BTreeMap::from([("n".to_string(), Value::Number(2.0))]);
        let runs = BTreeMap::from([(
            "setup".to_string(),
            Value::object([("id", Value::string("x"))]),
        )]);
        let scope = TestScope {
            vars: &vars,
            runs: &runs,
            values: Some(values),
            dir: PathBuf::from("."),
        };
        engine::lang::eval(&expr, &scope)
    }

    fn state() -> State {
        let mut st = State::new();
        for (addr, v) in [
            (
                "aws_vpc.main",
                Value::object([("id", Value::string("vpc-1"))]),
            ),
            (
                "terraform_data.n[0]",
                Value::object([("id", Value::string("a"))]),
            ),
            (
                "terraform_data.n[1]",
                Value::object([("id", Value::string("b"))]),
            ),
            (
                "data.aws_region.here",
                Value::object([("name", Value::string("eu"))]),
            ),
        ] {
            let addr: ResourceInstance = addr.parse().expect("address");
            st.set_instance(&addr, "provider[\"aws\"]", InstanceState::new(v));
        }
        st.outputs.insert(
            "o".into(),
            OutputState {
                value: Value::string("hello"),
                sensitive: false,
            },
        );
        st
    }

    #[test]
    fn assertions_see_resources_counted_instances_data_outputs_vars_and_runs() {
        let values = RunValues::from_state(&state());
        let cases = [
            ("aws_vpc.main.id", Value::string("vpc-1")),
            ("terraform_data.n[1].id", Value::string("b")),
            ("length(terraform_data.n)", Value::Number(2.0)),
            ("data.aws_region.here.name", Value::string("eu")),
            ("output.o", Value::string("hello")),
            ("var.n * 2", Value::Number(4.0)),
            ("run.setup.id", Value::string("x")),
        ];
        for (text, want) in cases {
            assert_eq!(eval(text, &values).expect(text), want, "{text}");
        }
    }

    #[test]
    fn unknown_names_are_errors_that_say_what_is_missing() {
        let values = RunValues::from_state(&state());
        for (text, summary) in [
            ("output.nope", "Reference to undeclared output value"),
            ("aws_vpc.other.id", "Reference to undeclared resource"),
            ("var.zzz", "Reference to undeclared input variable"),
            ("run.later.x", "Reference to undeclared run block"),
        ] {
            let d = eval(text, &values).expect_err(text);
            assert_eq!(d.summary, summary, "{text}");
        }
    }
}
