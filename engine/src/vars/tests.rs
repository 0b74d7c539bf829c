//! Tests for variable value collection and finalization.

use super::*;
use crate::types::parse_type;

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write test file");
}

fn ty(src: &str) -> Type {
    let expr = hcl_edit::parser::parse_expr(src).expect("type parses");
    parse_type(&expr).expect("type is valid")
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The value a source gave, as text, to compare quickly.
fn shown(values: &BTreeMap<String, RawVarValue>, name: &str) -> String {
    match &values[name].value {
        RawValue::Str(s) => format!("str:{s}"),
        RawValue::Value(v, _) => v.to_string(),
    }
}

#[test]
fn precedence_follows_terraform_with_all_sources_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Each variable is set by every source up to the one that should win.
    write(d, "terraform.tfvars", "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\nf = \"tfvars\"\ng = \"tfvars\"\n");
    write(
        d,
        "terraform.tfvars.json",
        r#"{"b": "json", "c": "json", "d": "json", "e": "json", "f": "json", "g": "json"}"#,
    );
    write(
        d,
        "a.auto.tfvars",
        "c = \"a.auto\"\nd = \"a.auto\"\ne = \"a.auto\"\nf = \"a.auto\"\ng = \"a.auto\"\n",
    );
    write(
        d,
        "b.auto.tfvars.json",
        r#"{"d": "b.auto", "e": "b.auto", "f": "b.auto", "g": "b.auto"}"#,
    );
    write(d, "extra.tfvars", "f = \"file1\"\ng = \"file1\"\n");
    write(d, "last.tfvars", "g = \"file2\"\n");
    let cli = [
        CliVar::Var("e=cli1".into()),
        CliVar::File("extra.tfvars".into()),
        CliVar::Var("f=cli2".into()),
        CliVar::File(d.join("last.tfvars")),
    ];
    let environment = env(&[("TF_VAR_z", "env"), ("TF_VAR_a", "env"), ("HOME", "/x")]);
    let sources = SourceMap::new();
    let (values, diags) = collect(d, &cli, &environment, &sources);
    assert!(diags.is_empty(), "{diags}");

    assert_eq!(shown(&values, "z"), "str:env");
    assert_eq!(shown(&values, "a"), "\"tfvars\"");
    assert_eq!(shown(&values, "b"), "\"json\"");
    assert_eq!(shown(&values, "c"), "\"a.auto\"");
    assert_eq!(shown(&values, "d"), "\"b.auto\"");
    // -var and -var-file interleave in command-line order.
    assert_eq!(shown(&values, "e"), "str:cli1");
    assert_eq!(shown(&values, "f"), "str:cli2");
    assert_eq!(shown(&values, "g"), "\"file2\"");
    assert!(!values.contains_key("HOME"));

    assert_eq!(values["z"].source, VarSource::Env);
    assert_eq!(values["d"].source, VarSource::AutoFile);
    assert_eq!(values["e"].source, VarSource::CliArg);
    assert_eq!(values["g"].source, VarSource::NamedFile);
}

#[test]
fn auto_files_load_in_lexical_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "b.auto.tfvars", "x = \"b\"\n");
    write(dir.path(), "a.auto.tfvars", "x = \"a\"\n");
    write(dir.path(), "not-auto.tfvars", "x = \"ignored\"\n");
    let (values, _) = collect(dir.path(), &[], &[], &SourceMap::new());
    assert_eq!(shown(&values, "x"), "\"b\"");
}

#[test]
fn a_variables_file_over_its_limit_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    crate::limits::sparse_file(
        &dir.path().join("big.tfvars"),
        crate::limits::VARIABLES.max + 1,
    );
    let cli = [CliVar::File("big.tfvars".into())];
    let (_, diags) = collect(dir.path(), &cli, &[], &SourceMap::new());
    let d = diags.iter().next().expect("an error");
    assert_eq!(d.summary, "Variables file too large");
    let detail = d.detail.clone().unwrap_or_default();
    assert!(
        detail.contains("big.tfvars is 64.0 MiB (67108865 bytes), more than the 64 MiB limit for a variables file; split the values"),
        "{detail}"
    );
}

#[test]
fn tfvars_json_values_become_values_with_key_spans() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        "{\n  \"list\": [\"a\", 1],\n  \"obj\": {\"n\": 1.5, \"t\": true},\n  \"nothing\": null\n}";
    write(dir.path(), "vals.tfvars.json", text);
    let sources = SourceMap::new();
    let cli = [CliVar::File("vals.tfvars.json".into())];
    let (values, diags) = collect(dir.path(), &cli, &[], &sources);
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(shown(&values, "list"), "[\"a\", 1]");
    assert_eq!(shown(&values, "obj"), "{n = 1.5, t = true}");
    assert_eq!(shown(&values, "nothing"), "null");
    let span = values["obj"].span().unwrap();
    assert_eq!(sources.snippet(span), "\"obj\"");
    assert_eq!(sources.location(span).unwrap().line, 3);
}

#[test]
fn syntax_error_in_tfvars_points_at_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "terraform.tfvars", "a = 1\nb = \n");
    let sources = SourceMap::new();
    let (values, diags) = collect(dir.path(), &[], &[], &sources);
    assert!(values.is_empty());
    let d = diags.iter().next().expect("a diagnostic");
    assert!(d.is_error());
    assert_eq!(d.summary, "Invalid expression");
    let loc = sources.location(d.span.expect("span")).unwrap();
    assert_eq!(
        (loc.line, loc.file.ends_with("terraform.tfvars")),
        (2, true),
        "{loc}"
    );
}

#[test]
fn syntax_error_in_tfvars_json_points_at_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "terraform.tfvars.json",
        "{\n  \"a\": 1,\n  \"b\": ]\n}",
    );
    let sources = SourceMap::new();
    let (_, diags) = collect(dir.path(), &[], &[], &sources);
    let d = diags.iter().next().expect("a diagnostic");
    assert_eq!(d.summary, "Invalid JSON syntax");
    let loc = sources.location(d.span.unwrap()).unwrap();
    assert_eq!((loc.line, loc.column), (3, 8), "{loc}");
}

#[test]
fn json_root_must_be_an_object() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "terraform.tfvars.json", "[1]");
    let (_, diags) = collect(dir.path(), &[], &[], &SourceMap::new());
    assert_eq!(
        diags.iter().next().unwrap().summary,
        "Root value must be object"
    );
}

#[test]
fn references_and_function_calls_in_tfvars_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "terraform.tfvars",
        "ok = [1, -2]\nn = var.y\nu = abs(1)\n",
    );
    let sources = SourceMap::new();
    let (values, diags) = collect(dir.path(), &[], &[], &sources);
    assert_eq!(shown(&values, "ok"), "[1, -2]");
    assert!(!values.contains_key("n") && !values.contains_key("u"));
    let found: Vec<(String, String, String)> = diags
        .iter()
        .map(|d| {
            let span = d.span.unwrap();
            (
                d.summary.clone(),
                d.detail.clone().unwrap_or_default(),
                format!(
                    "{}@{}",
                    sources.snippet(span),
                    sources.location(span).unwrap().line
                ),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "Variables not allowed".to_string(),
                "Variables may not be used here.".to_string(),
                "var.y@2".to_string()
            ),
            (
                "Function calls not allowed".to_string(),
                "Functions may not be called here.".to_string(),
                "abs(1)@3".to_string()
            ),
        ]
    );
}

#[test]
fn variable_blocks_in_tfvars_get_a_helpful_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "terraform.tfvars",
        "variable \"x\" {\n  default = 1\n}\n",
    );
    let (_, diags) = collect(dir.path(), &[], &[], &SourceMap::new());
    let d = diags.iter().next().unwrap();
    assert_eq!(d.summary, "Variable declaration in .tfvars file");
    assert!(d.detail.as_deref().unwrap().contains("x = <value>"));
}

#[test]
fn repeated_attribute_in_tfvars_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "terraform.tfvars", "a = 1\na = 2\n");
    let sources = SourceMap::new();
    let (_, diags) = collect(dir.path(), &[], &[], &sources);
    let d = diags.iter().next().unwrap();
    assert_eq!(d.summary, "Attribute redefined");
    assert_eq!(sources.location(d.span.unwrap()).unwrap().line, 2);
}

#[test]
fn var_option_without_equals_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cli = [CliVar::Var("novalue".into()), CliVar::Var("ok=1".into())];
    let (values, diags) = collect(dir.path(), &cli, &[], &SourceMap::new());
    assert_eq!(shown(&values, "ok"), "str:1");
    let d = diags.iter().next().unwrap();
    assert_eq!(d.summary, "Invalid -var option");
    assert_eq!(
        d.detail.as_deref(),
        Some("The given -var option \"novalue\" is not correctly specified. Must be a variable name and value separated by an equals sign, like -var=\"key=value\".")
    );
}

#[test]
fn var_option_with_space_before_equals_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cli = [CliVar::Var("x = 1".into())];
    let (_, diags) = collect(dir.path(), &cli, &[], &SourceMap::new());
    assert!(diags
        .iter()
        .next()
        .unwrap()
        .detail
        .as_deref()
        .unwrap()
        .contains("Did you mean -var=\"x=1\"?"));
}

#[test]
fn var_value_may_contain_equals_signs() {
    let dir = tempfile::tempdir().unwrap();
    let cli = [CliVar::Var("q=a=b".into())];
    let (values, _) = collect(dir.path(), &cli, &[], &SourceMap::new());
    assert_eq!(shown(&values, "q"), "str:a=b");
}

#[test]
fn missing_var_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let cli = [CliVar::File("nope.tfvars".into())];
    let (_, diags) = collect(dir.path(), &cli, &[], &SourceMap::new());
    let d = diags.iter().next().unwrap();
    assert_eq!(d.summary, "Failed to read variables file");
    assert!(d
        .detail
        .as_deref()
        .unwrap()
        .ends_with("nope.tfvars does not exist."));
}

fn cli_raw(name: &str, s: &str) -> RawVarValue {
    RawVarValue {
        name: name.into(),
        value: RawValue::Str(s.into()),
        source: VarSource::CliArg,
    }
}

#[test]
fn raw_strings_are_literal_for_primitive_types_and_hcl_otherwise() {
    let sources = SourceMap::new();
    let cases = [
        (None, "[1", Value::string("[1")),
        (Some("string"), "[\"a\"]", Value::string("[\"a\"]")),
        (Some("number"), "42", Value::Number(42.0)),
        (Some("bool"), "true", Value::Bool(true)),
        (
            Some("list(string)"),
            "[\"a\",\"b\"]",
            Value::List(vec![Value::string("a"), Value::string("b")]),
        ),
        (
            Some("map(number)"),
            "{a = 1, b = \"2\"}",
            Value::Map(
                [
                    ("a".into(), Value::Number(1.0)),
                    ("b".into(), Value::Number(2.0)),
                ]
                .into(),
            ),
        ),
        (Some("any"), "\"quoted\"", Value::string("quoted")),
        (
            Some("object({a = string, b = optional(number, 3)})"),
            "{a = \"x\"}",
            Value::object([("a", Value::string("x")), ("b", Value::Number(3.0))]),
        ),
    ];
    for (t, raw, want) in cases {
        let t = t.map(ty);
        let got = finalize(&cli_raw("x", raw), t.as_ref(), None, &sources);
        assert_eq!(got, Ok(want), "{raw} as {t:?}");
    }
}

#[test]
fn env_strings_parse_like_var_options() {
    let dir = tempfile::tempdir().unwrap();
    let environment = env(&[("TF_VAR_list", "[\"a\", \"b\"]")]);
    let sources = SourceMap::new();
    let (values, _) = collect(dir.path(), &[], &environment, &sources);
    let got = finalize(&values["list"], Some(&ty("set(string)")), None, &sources);
    assert_eq!(
        got,
        Ok(Value::Set(vec![Value::string("a"), Value::string("b")]))
    );
}

#[test]
fn raw_string_for_any_rejects_bare_words() {
    let sources = SourceMap::new();
    let err = finalize(&cli_raw("a", "foo"), Some(&Type::Any), None, &sources).unwrap_err();
    let d = err.iter().next().unwrap();
    assert_eq!(d.summary, "Variables not allowed");
    assert_eq!(
        sources.location(d.span.unwrap()).unwrap().file,
        "<value for var.a>"
    );
}

#[test]
fn raw_string_with_bad_syntax_reports_its_pseudo_file() {
    let sources = SourceMap::new();
    let err = finalize(
        &cli_raw("x", "{a=\"\",b=1"),
        Some(&ty("map(any)")),
        None,
        &sources,
    )
    .unwrap_err();
    let d = err.iter().next().unwrap();
    assert!(d.is_error());
    assert_eq!(
        sources.location(d.span.unwrap()).unwrap().file,
        "<value for var.x>"
    );
}

#[test]
fn unsuitable_values_are_worded_by_source() {
    let sources = SourceMap::new();
    let main = sources.add("main.tf", "variable \"n\" {\n  type = number\n}\n");
    let decl = Some(Span::new(main, 0..12));
    let number = Type::Number;

    let err = finalize(&cli_raw("n", "abc"), Some(&number), decl, &sources).unwrap_err();
    let d = err.iter().next().unwrap();
    assert_eq!(d.summary, "Invalid value for input variable");
    assert_eq!(
        d.detail.as_deref(),
        Some("Unsuitable value for var.n set using -var=\"n=...\": a number is required.")
    );
    assert_eq!(d.span, decl);

    let env_raw = RawVarValue {
        source: VarSource::Env,
        ..cli_raw("n", "abc")
    };
    let err = finalize(&env_raw, Some(&number), decl, &sources).unwrap_err();
    assert_eq!(
        err.iter().next().unwrap().detail.as_deref(),
        Some("Unsuitable value for var.n set using the TF_VAR_n environment variable: a number is required.")
    );

    let vars = sources.add("terraform.tfvars", "n = \"abc\"\n");
    let value_span = Span::new(vars, 4..9);
    let file_raw = RawVarValue {
        name: "n".into(),
        value: RawValue::Value(Value::string("abc"), value_span),
        source: VarSource::AutoFile,
    };
    let err = finalize(&file_raw, Some(&number), decl, &sources).unwrap_err();
    let d = err.iter().next().unwrap();
    assert_eq!(
        d.detail.as_deref(),
        Some("The given value is not suitable for var.n declared at main.tf:1,1-13: a number is required.")
    );
    assert_eq!(d.span, Some(value_span));
}

#[test]
fn undeclared_values_error_for_cli_and_warn_for_files() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "terraform.tfvars",
        "f1 = 1\nf2 = 2\nf3 = 3\nf4 = 4\nknown = 0\n",
    );
    let sources = SourceMap::new();
    let cli = [CliVar::Var("c=1".into())];
    let environment = env(&[("TF_VAR_e", "1")]);
    let (values, _) = collect(dir.path(), &cli, &environment, &sources);
    let diags = check_undeclared(&values, |n| n == "known", &sources);
    let summary: Vec<(bool, &str)> = diags
        .iter()
        .map(|d| (d.is_error(), d.summary.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (true, "Value for undeclared variable"),
            (false, "Value for undeclared variable"),
            (false, "Value for undeclared variable"),
            (false, "Values for undeclared variables"),
        ]
    );
    assert!(diags.0[1]
        .detail
        .as_deref()
        .unwrap()
        .contains("found in file \""));
    assert!(diags.0[3]
        .detail
        .as_deref()
        .unwrap()
        .contains("2 other variable(s)"));
}

#[test]
fn range_string_matches_terraform_format() {
    let sources = SourceMap::new();
    let f = sources.add("main.tf", "variable \"x\" {\n}\n");
    assert_eq!(
        range_string(&sources, Span::new(f, 0..12)).as_deref(),
        Some("main.tf:1,1-13")
    );
    assert_eq!(
        range_string(&sources, Span::new(f, 0..16)).as_deref(),
        Some("main.tf:1,1-2,2")
    );
}

#[test]
fn saved_plan_collection_skips_auto_loaded_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "terraform.tfvars", "a = 1\n");
    write(dir.path(), "x.auto.tfvars", "b = 1\n");
    write(dir.path(), "named.tfvars", "c = 1\n");
    let cli = [CliVar::File("named.tfvars".into())];
    let environment = env(&[("TF_VAR_d", "1")]);
    let (values, diags) = collect_for_saved_plan(dir.path(), &cli, &environment, &SourceMap::new());
    assert!(diags.is_empty(), "{diags}");
    assert_eq!(values.keys().collect::<Vec<_>>(), ["c", "d"]);
}

#[test]
fn saved_plan_conflict_is_silent_when_values_agree() {
    let raw = cli_raw("s", "x");
    assert_eq!(
        saved_plan_conflict(&raw, &Value::string("x"), &Value::string("x"), false),
        None
    );
}

#[test]
fn saved_plan_conflict_errors_for_options_and_warns_for_environment() {
    let planned = Value::string("x");
    let given = Value::string("y");
    let d = saved_plan_conflict(&cli_raw("s", "y"), &given, &planned, false).unwrap();
    assert!(d.is_error());
    assert_eq!(
        d.summary,
        "Can't change variable when applying a saved plan"
    );
    assert!(d
        .detail
        .as_deref()
        .unwrap()
        .contains("The saved plan specifies \"x\" as the value whereas during apply the value \"y\" was set by a CLI argument."));

    let env_raw = RawVarValue {
        source: VarSource::Env,
        ..cli_raw("s", "y")
    };
    let d = saved_plan_conflict(&env_raw, &given, &planned, false).unwrap();
    assert!(!d.is_error());
    assert_eq!(d.summary, "Ignoring variable when applying a saved plan");
    assert!(d
        .detail
        .as_deref()
        .unwrap()
        .contains("set by an environment variable"));
}

#[test]
fn saved_plan_conflict_shows_collections_by_size_and_hides_sensitive_values() {
    let planned = Value::List(vec![Value::string("a")]);
    let given = Value::List(vec![Value::string("a"), Value::string("b")]);
    let sources = SourceMap::new();
    let file = sources.add("y.tfvars", "l = [\"a\", \"b\"]\n");
    let raw = RawVarValue {
        name: "l".into(),
        value: RawValue::Value(given.clone(), Span::new(file, 4..14)),
        source: VarSource::NamedFile,
    };
    let d = saved_plan_conflict(&raw, &given, &planned, false).unwrap();
    assert!(d.detail.as_deref().unwrap().contains("specifies list of 1 element as the value whereas during apply the value list of 2 elements was set by a .tfvars file passed through -var-file argument."));
    assert_eq!(d.span, raw.span());

    let d = saved_plan_conflict(&raw, &given, &planned, true).unwrap();
    assert!(d.detail.as_deref().unwrap().contains("specifies (sensitive value) as the value whereas during apply the value (sensitive value) was set"));
}
