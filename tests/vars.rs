//! Root variable values end to end: every source in Terraform's precedence, tfvars in
//! HCL and JSON, `TF_VAR_`, type conversion, saved plans, and the diagnostics for bad
//! values (snapshots pin their rendering).

mod common;
use common::text;

use std::path::Path;
use std::process::Output;

/// A working directory with these files.
fn workdir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(tmp.path().join(name), text).unwrap();
    }
    tmp
}

fn galley(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = common::galley(dir);
    cmd.args(args);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("TF_VAR_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(env.iter().copied());
    cmd.output().expect("galley runs")
}

/// Applies and returns the root output `name` as JSON.
fn apply_output(dir: &Path, args: &[&str], env: &[(&str, &str)], name: &str) -> serde_json::Value {
    let mut all = vec!["apply", "-auto-approve"];
    all.extend_from_slice(args);
    let o = galley(dir, &all, env);
    assert!(o.status.success(), "apply failed:\n{}", text(&o));
    let o = galley(dir, &["output", "-json", name], &[]);
    assert!(o.status.success(), "output failed:\n{}", text(&o));
    serde_json::from_slice(&o.stdout).expect("output is JSON")
}

/// Runs a command that must fail; its output with the temp dir hidden.
fn failure(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let o = galley(dir, args, env);
    assert_eq!(o.status.code(), Some(1), "expected failure:\n{}", text(&o));
    text(&o).replace(&dir.display().to_string(), "[TMP]")
}

/// A configuration with these variables (`name = "type"`) echoed by one output `all`.
fn config(vars: &[(&str, &str)]) -> String {
    let mut tf = String::new();
    for (name, ty) in vars {
        tf.push_str(&format!("variable \"{name}\" {{\n  type = {ty}\n}}\n"));
    }
    tf.push_str("resource \"terraform_data\" \"echo\" {\n  input = {\n");
    for (name, _) in vars {
        tf.push_str(&format!("    {name} = var.{name}\n"));
    }
    tf.push_str("  }\n}\noutput \"all\" {\n  value = terraform_data.echo.input\n}\n");
    tf
}

#[test]
fn each_source_overrides_the_one_before_it() {
    // One variable per source; every source up to a variable's winner sets it too.
    let names = [
        "default",
        "env",
        "tfvars",
        "tfvars_json",
        "auto_a",
        "auto_b",
        "file_then_var",
        "var_then_file",
    ];
    let mut tf = String::new();
    for n in names {
        tf.push_str(&format!(
            "variable \"{n}\" {{\n  type    = string\n  default = \"default\"\n}}\n"
        ));
    }
    tf.push_str("output \"all\" {\n  value = {\n");
    for n in names {
        tf.push_str(&format!("    {n} = var.{n}\n"));
    }
    tf.push_str("  }\n}\n");
    let hcl = |from: usize, value: &str| -> String {
        names[from..]
            .iter()
            .map(|n| format!("{n} = \"{value}\"\n"))
            .collect()
    };
    let json = |from: usize, value: &str| -> String {
        let props: Vec<String> = names[from..]
            .iter()
            .map(|n| format!("\"{n}\": \"{value}\""))
            .collect();
        format!("{{{}}}", props.join(", "))
    };
    let dir = workdir(&[
        ("main.tf", &tf),
        ("terraform.tfvars", &hcl(2, "terraform.tfvars")),
        ("terraform.tfvars.json", &json(3, "terraform.tfvars.json")),
        ("a.auto.tfvars", &hcl(4, "a.auto.tfvars")),
        ("b.auto.tfvars.json", &json(5, "b.auto.tfvars.json")),
        ("first.tfvars", &hcl(6, "first.tfvars")),
        ("second.tfvars", "var_then_file = \"second.tfvars\"\n"),
    ]);
    let env: Vec<(String, String)> = names[1..]
        .iter()
        .map(|n| (format!("TF_VAR_{n}"), "env".to_string()))
        .collect();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let got = apply_output(
        dir.path(),
        &[
            "-var-file",
            "first.tfvars",
            "-var",
            "file_then_var=-var",
            "-var=var_then_file=-var",
            "-var-file=second.tfvars",
        ],
        &env,
        "all",
    );
    assert_eq!(
        got,
        serde_json::json!({
            "default": "default",
            "env": "env",
            "tfvars": "terraform.tfvars",
            "tfvars_json": "terraform.tfvars.json",
            "auto_a": "a.auto.tfvars",
            "auto_b": "b.auto.tfvars.json",
            "file_then_var": "-var",
            "var_then_file": "second.tfvars",
        })
    );
}

#[test]
fn auto_tfvars_files_load_in_lexical_order() {
    let dir = workdir(&[
        ("main.tf", &config(&[("x", "string"), ("y", "string")])),
        ("b.auto.tfvars", "x = \"b\"\n"),
        ("a.auto.tfvars", "x = \"a\"\ny = \"a\"\n"),
        ("10.auto.tfvars", "y = \"10\"\n"),
        ("9.auto.tfvars.json", "{\"y\": \"9\"}"),
    ]);
    let got = apply_output(dir.path(), &[], &[], "all");
    // Lexical: 10 < 9.json < a < b.
    assert_eq!(got, serde_json::json!({"x": "b", "y": "a"}));
}

#[test]
fn values_convert_to_declared_types_with_optional_defaults() {
    let tf = config(&[
        (
            "servers",
            "list(object({\n    name = string\n    size = optional(number, 10)\n    tags = optional(map(string), {})\n  }))",
        ),
        ("ports", "set(number)"),
        ("replicas", "number"),
        ("by_env", "map(object({ on = optional(bool, true) }))"),
        ("literal", "string"),
    ]);
    let tf = format!(
        "{tf}variable \"untyped\" {{}}\noutput \"untyped\" {{\n  value = var.untyped\n}}\n"
    );
    let dir = workdir(&[
        ("main.tf", &tf),
        (
            "terraform.tfvars.json",
            r#"{"servers": [{"name": "web", "size": "2"}, {"name": "db", "tags": {"tier": "data"}}]}"#,
        ),
        ("ports.tfvars", "ports = [443, \"80\", 443]\n"),
    ]);
    let got = apply_output(
        dir.path(),
        &[
            "-var-file=ports.tfvars",
            // Non-string types parse as HCL; string types and untyped stay literal.
            "-var",
            "by_env={ prod = {}, dev = { on = false } }",
            "-var",
            "literal=[1, 2]",
            "-var",
            "untyped={ a = 1 }",
        ],
        &[("TF_VAR_replicas", "3")],
        "all",
    );
    assert_eq!(
        got,
        serde_json::json!({
            "servers": [
                {"name": "web", "size": 2, "tags": {}},
                {"name": "db", "size": 10, "tags": {"tier": "data"}},
            ],
            "ports": [80, 443],
            "replicas": 3,
            "by_env": {"dev": {"on": false}, "prod": {"on": true}},
            "literal": "[1, 2]",
        })
    );
    let o = galley(dir.path(), &["output", "-json", "untyped"], &[]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "\"{ a = 1 }\"");
}

#[test]
fn saved_plan_keeps_its_values_and_refuses_different_ones() {
    let dir = workdir(&[
        (
            "main.tf",
            &config(&[("name", "string"), ("size", "number")]),
        ),
        ("terraform.tfvars", "size = 1\n"),
        ("plan.tfvars", "name = \"planned\"\n"),
        ("other.tfvars", "name = \"other\"\n"),
    ]);
    let o = galley(
        dir.path(),
        &["plan", "-var-file", "plan.tfvars", "-out=saved.plan"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));

    // Changed values from -var or -var-file are refused…
    insta::assert_snapshot!(
        "saved_plan_with_a_different_var_file",
        failure(
            dir.path(),
            &["apply", "-var-file=other.tfvars", "saved.plan"],
            &[]
        )
    );
    let err = failure(dir.path(), &["apply", "-var", "size=2", "saved.plan"], &[]);
    let err = err.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(err.contains("The saved plan specifies 1 as the value whereas during apply the value 2 was set by a CLI argument."), "{err}");

    // …while auto-loaded files are not read and TF_VAR_ is ignored with a warning.
    std::fs::write(dir.path().join("terraform.tfvars"), "size = 5\n").unwrap();
    let got = apply_output(
        dir.path(),
        &["-var", "name=planned", "saved.plan"],
        &[("TF_VAR_size", "7")],
        "all",
    );
    assert_eq!(got, serde_json::json!({"name": "planned", "size": 1}));
}

#[test]
fn saved_plan_applies_without_any_variable_options() {
    let dir = workdir(&[
        ("main.tf", &config(&[("name", "string")])),
        ("v.tfvars", "name = \"from-file\"\n"),
    ]);
    let o = galley(
        dir.path(),
        &["plan", "-var-file=v.tfvars", "-out", "p"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    std::fs::remove_file(dir.path().join("v.tfvars")).unwrap();
    let got = apply_output(dir.path(), &["p"], &[], "all");
    assert_eq!(got, serde_json::json!({"name": "from-file"}));
}

#[test]
fn destroy_reads_variables_too() {
    let dir = workdir(&[
        ("main.tf", &config(&[("name", "string")])),
        ("v.tfvars", "name = \"x\"\n"),
    ]);
    apply_output(dir.path(), &["-var-file", "v.tfvars"], &[], "all");
    let err = failure(dir.path(), &["destroy", "-auto-approve"], &[]);
    assert!(err.contains("No value for required variable"), "{err}");
    let o = galley(
        dir.path(),
        &["destroy", "-auto-approve", "-var-file=v.tfvars"],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("Destroy complete! Resources: 1 destroyed."));
}

#[test]
fn undeclared_value_in_a_file_is_only_a_warning() {
    let dir = workdir(&[
        ("main.tf", &config(&[("name", "string")])),
        ("terraform.tfvars", "name = \"x\"\nextra = 1\n"),
    ]);
    let o = galley(dir.path(), &["plan"], &[("TF_VAR_other", "ignored")]);
    assert!(o.status.success(), "{}", text(&o));
    insta::assert_snapshot!(String::from_utf8_lossy(&o.stderr));
}

#[test]
fn undeclared_value_on_the_command_line_is_an_error() {
    let dir = workdir(&[("main.tf", &config(&[("name", "string")]))]);
    insta::assert_snapshot!(failure(
        dir.path(),
        &["plan", "-var", "name=x", "-var", "nope=1"],
        &[]
    ));
}

#[test]
fn every_missing_required_variable_is_reported() {
    let dir = workdir(&[("main.tf", &config(&[("a", "string"), ("b", "number")]))]);
    let err = failure(dir.path(), &["plan"], &[]);
    assert_eq!(
        err.matches("No value for required variable").count(),
        2,
        "{err}"
    );
}

/// A plan of `main.tf` declaring these variables, with these files, that must fail.
fn plan_error(vars: &[(&str, &str)], files: &[(&str, &str)], args: &[&str]) -> String {
    let main = config(vars);
    let mut all = vec![("main.tf", main.as_str())];
    all.extend_from_slice(files);
    let dir = workdir(&all);
    let mut plan = vec!["plan"];
    plan.extend_from_slice(args);
    failure(dir.path(), &plan, &[])
}

#[test]
fn tfvars_syntax_error() {
    insta::assert_snapshot!(plan_error(
        &[("a", "string")],
        &[("terraform.tfvars", "a = \"ok\"\nb = [1, 2\n")],
        &[]
    ));
}

#[test]
fn tfvars_json_syntax_error() {
    insta::assert_snapshot!(plan_error(
        &[("a", "string")],
        &[("x.tfvars.json", "{\n  \"a\": \"ok\",\n  \"b\": [1,,]\n}\n")],
        &["-var-file=x.tfvars.json"]
    ));
}

#[test]
fn tfvars_value_must_be_a_constant() {
    insta::assert_snapshot!(plan_error(
        &[("a", "string"), ("b", "string")],
        &[("terraform.tfvars", "a = upper(\"x\")\nb = var.a\n")],
        &[]
    ));
}

#[test]
fn tfvars_value_of_the_wrong_type() {
    insta::assert_snapshot!(plan_error(
        &[("size", "number")],
        &[("terraform.tfvars", "size = \"large\"\n")],
        &[]
    ));
}

#[test]
fn tfvars_value_missing_a_required_attribute() {
    insta::assert_snapshot!(plan_error(
        &[(
            "servers",
            "list(object({\n    name = string\n    size = optional(number, 10)\n  }))"
        )],
        &[(
            "servers.auto.tfvars",
            "servers = [\n  { name = \"web\" },\n  { size = 2 },\n]\n"
        )],
        &[]
    ));
}

#[test]
fn missing_var_file() {
    insta::assert_snapshot!(plan_error(
        &[("a", "string")],
        &[],
        &["-var-file", "nope.tfvars"]
    ));
}

#[test]
fn var_option_with_bad_hcl_for_a_list() {
    insta::assert_snapshot!(plan_error(
        &[("names", "list(string)")],
        &[],
        &["-var", "names=[\"a\", \"b\""]
    ));
}

#[test]
fn var_option_of_the_wrong_type() {
    insta::assert_snapshot!(plan_error(
        &[("size", "number")],
        &[],
        &["-var", "size=large"]
    ));
}

#[test]
fn env_value_of_the_wrong_type() {
    let dir = workdir(&[("main.tf", &config(&[("on", "bool")]))]);
    insta::assert_snapshot!(failure(dir.path(), &["plan"], &[("TF_VAR_on", "maybe")]));
}

#[test]
fn var_option_without_equals_sign() {
    insta::assert_snapshot!(plan_error(&[("a", "string")], &[], &["-var", "a"]));
}
