//! Conversion table tests; expectations checked against terraform 1.15
//! (`variable "x" { type = T, default = V }` and `terraform console`).

use super::*;
use crate::value::Value;

fn ty(src: &str) -> Type {
    let expr = hcl_edit::parser::parse_expr(src).expect("type parses");
    parse_type(&expr).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn val(src: &str) -> Value {
    let expr = hcl_edit::parser::parse_expr(src).expect("value parses");
    constant_value(&expr).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn conv(t: &str, v: &str) -> Result<Value, String> {
    convert(val(v), &ty(t)).map_err(|e| e.to_string())
}

fn s(x: &str) -> Value {
    Value::string(x)
}

fn n(x: f64) -> Value {
    Value::Number(x)
}

#[test]
fn primitive_conversions_table() {
    let ok = [
        ("number", "\"1\"", n(1.0)),
        ("number", "\"1e3\"", n(1000.0)),
        ("number", "\".5\"", n(0.5)),
        ("number", "\"+5\"", n(5.0)),
        ("string", "true", s("true")),
        ("string", "1.5", s("1.5")),
        ("string", "1e3", s("1000")),
        ("bool", "\"true\"", Value::Bool(true)),
        ("bool", "\"1\"", Value::Bool(true)),
        ("bool", "\"0\"", Value::Bool(false)),
        ("any", "\"x\"", s("x")),
        ("string", "null", Value::Null),
        ("list(string)", "null", Value::Null),
    ];
    for (t, v, want) in ok {
        assert_eq!(conv(t, v), Ok(want), "{v} as {t}");
    }
    let errors = [
        ("number", "true", "number required, but have bool"),
        ("number", "\"abc\"", "a number is required"),
        ("number", "\" 1\"", "a number is required"),
        ("number", "\"0x10\"", "a number is required"),
        ("number", "\"inf\"", "a number is required"),
        ("bool", "1", "bool required, but have number"),
        ("bool", "\"yes\"", "a bool is required"),
        (
            "bool",
            "\"True\"",
            "a bool is required; to convert from string, use lowercase \"true\"",
        ),
        ("string", "[1]", "string required, but have tuple"),
        ("string", "{a = 1}", "string required, but have object"),
    ];
    for (t, v, want) in errors {
        assert_eq!(conv(t, v), Err(want.to_string()), "{v} as {t}");
    }
}

#[test]
fn collection_conversions_table() {
    let ok = [
        ("list(any)", "[\"a\", 1]", Value::List(vec![s("a"), s("1")])),
        (
            "list(string)",
            "[null, \"a\"]",
            Value::List(vec![Value::Null, s("a")]),
        ),
        ("list(number)", "[]", Value::List(vec![])),
        (
            "set(string)",
            "[\"b\", \"a\", \"b\"]",
            Value::Set(vec![s("a"), s("b")]),
        ),
        ("set(any)", "[1, \"a\"]", Value::Set(vec![s("1"), s("a")])),
        (
            "map(string)",
            "{a = 1, b = true}",
            Value::Map([("a".into(), s("1")), ("b".into(), s("true"))].into()),
        ),
        (
            "map(any)",
            "{a = 1, b = \"x\"}",
            Value::Map([("a".into(), s("1")), ("b".into(), s("x"))].into()),
        ),
        (
            "list(any)",
            "[[1], [\"x\"]]",
            Value::List(vec![Value::Tuple(vec![s("1")]), Value::Tuple(vec![s("x")])]),
        ),
        (
            "list(any)",
            "[{a = 1}, {b = \"x\"}]",
            Value::List(vec![
                Value::Map([("a".into(), s("1"))].into()),
                Value::Map([("b".into(), s("x"))].into()),
            ]),
        ),
        (
            "list(object({a = any}))",
            "[{a = 1}, {a = \"x\"}]",
            Value::List(vec![
                Value::object([("a", s("1"))]),
                Value::object([("a", s("x"))]),
            ]),
        ),
        (
            "tuple([string, number])",
            "[1, \"2\"]",
            Value::Tuple(vec![s("1"), n(2.0)]),
        ),
        ("list", "[\"a\", 1]", Value::List(vec![s("a"), s("1")])),
        (
            "list(any)",
            "[{a = 1, b = \"x\"}, {a = \"1\"}]",
            Value::List(vec![
                Value::Map([("a".into(), s("1")), ("b".into(), s("x"))].into()),
                Value::Map([("a".into(), s("1"))].into()),
            ]),
        ),
        (
            "list(any)",
            "[[], [\"a\"]]",
            Value::List(vec![Value::List(vec![]), Value::List(vec![s("a")])]),
        ),
        (
            "map(any)",
            "{a = null, b = {c = 1}}",
            Value::Map(
                [
                    ("a".into(), Value::Null),
                    ("b".into(), Value::object([("c", n(1.0))])),
                ]
                .into(),
            ),
        ),
    ];
    for (t, v, want) in ok {
        assert_eq!(conv(t, v), Ok(want), "{v} as {t}");
    }
    let errors = [
        (
            "list(any)",
            "[\"a\", [1]]",
            "all list elements must have the same type",
        ),
        (
            "list(any)",
            "[null, [1]]",
            "all list elements must have the same type",
        ),
        (
            "set(any)",
            "[[1], {}]",
            "all set elements must have the same type",
        ),
        (
            "map(any)",
            "{a = 1, b = [1]}",
            "all map elements must have the same type",
        ),
        (
            "list(string)",
            "\"a\"",
            "list of string required, but have string",
        ),
        ("list(number)", "{}", "list of number required"),
        ("map(string)", "[]", "map of string required"),
        ("list(number)", "[1, \"x\"]", "[1]: a number is required"),
        (
            "list(number)",
            "[1, true]",
            "element 1: number required, but have bool",
        ),
        (
            "map(number)",
            "{a = 1, b = \"x\"}",
            "[\"b\"]: a number is required",
        ),
        (
            "map(string)",
            "{a = [1]}",
            "element \"a\": string required, but have tuple",
        ),
        ("tuple([string, number])", "[\"a\"]", "tuple required"),
        (
            "tuple([string, number])",
            "[\"a\", \"b\"]",
            "[1]: a number is required",
        ),
        (
            "tuple([number])",
            "\"x\"",
            "tuple required, but have string",
        ),
        (
            "set(object({a = any}))",
            "[{a = 1}, {a = \"x\"}]",
            "element types must all match for conversion to set",
        ),
    ];
    for (t, v, want) in errors {
        assert_eq!(conv(t, v), Err(want.to_string()), "{v} as {t}");
    }
}

#[test]
fn object_conversions_table() {
    let ok = [
        (
            "object({a = string})",
            "{a = \"x\", c = 1}",
            Value::object([("a", s("x"))]),
        ),
        (
            "object({a = string, b = optional(number, 5), c = optional(string)})",
            "{a = \"x\"}",
            Value::object([("a", s("x")), ("b", n(5.0)), ("c", Value::Null)]),
        ),
        (
            "object({a = optional(number, 5)})",
            "{a = null}",
            Value::object([("a", n(5.0))]),
        ),
        ("object({a = optional(string)})", "null", Value::Null),
        (
            "object({n = number})",
            "{n = \"3\"}",
            Value::object([("n", n(3.0))]),
        ),
    ];
    for (t, v, want) in ok {
        assert_eq!(conv(t, v), Ok(want), "{v} as {t}");
    }
    let errors = [
        (
            "object({a = string, b = number})",
            "{a = \"x\"}",
            "attribute \"b\" is required",
        ),
        (
            "object({a = number, b = number})",
            "{}",
            "attributes \"a\" and \"b\" are required",
        ),
        (
            "object({a = number, b = number, c = number})",
            "{}",
            "attributes \"a\", \"b\", and \"c\" are required",
        ),
        (
            "object({a = string, b = number})",
            "{a = \"x\", b = \"y\"}",
            ".b: a number is required",
        ),
        (
            "object({a = string})",
            "\"x\"",
            "object required, but have string",
        ),
        (
            "object({a = string})",
            "[\"x\"]",
            "object required, but have tuple",
        ),
        (
            "list(object({n = number}))",
            "[{n = 1}, {n = \"x\"}]",
            "[1].n: a number is required",
        ),
        (
            "object({a = list(string)})",
            "{a = {}}",
            "attribute \"a\": list of string required",
        ),
    ];
    for (t, v, want) in errors {
        assert_eq!(conv(t, v), Err(want.to_string()), "{v} as {t}");
    }
}

#[test]
fn nested_defaults_apply_inside_collections() {
    let t = "list(object({a = optional(string, \"d\"), n = optional(object({m = optional(number, 7)}), {})}))";
    let got = conv(t, "[{}, {a = \"y\", n = {}}, {a = null, n = null}]").unwrap();
    let n7 = Value::object([("m", n(7.0))]);
    assert_eq!(
        got,
        Value::List(vec![
            Value::object([("a", s("d")), ("n", n7.clone())]),
            Value::object([("a", s("y")), ("n", n7.clone())]),
            Value::object([("a", s("d")), ("n", n7)]),
        ])
    );

    let got = conv(
        "map(object({a = optional(number, 1)}))",
        "{k = {}, j = {a = 2}}",
    )
    .unwrap();
    assert_eq!(
        got,
        Value::Map(
            [
                ("j".into(), Value::object([("a", n(2.0))])),
                ("k".into(), Value::object([("a", n(1.0))])),
            ]
            .into()
        )
    );
}

#[test]
fn map_converts_to_object() {
    let m = Value::Map([("a".into(), s("1")), ("z".into(), s("2"))].into());
    let got = convert(m.clone(), &ty("object({a = number, b = optional(string)})")).unwrap();
    assert_eq!(got, Value::object([("a", n(1.0)), ("b", Value::Null)]));

    let err = convert(m, &ty("object({b = string})")).unwrap_err();
    assert_eq!(
        err.message,
        "map has no element for required attribute \"b\""
    );
}

#[test]
fn unknown_and_sensitive_values_keep_their_nature() {
    assert_eq!(convert(Value::Unknown, &Type::Number), Ok(Value::Unknown));
    let v = Value::Tuple(vec![Value::Unknown, s("a")]);
    assert_eq!(
        convert(v, &ty("list(string)")),
        Ok(Value::List(vec![Value::Unknown, s("a")]))
    );

    let secret = s("5").mark();
    assert_eq!(convert(secret, &Type::Number), Ok(n(5.0).mark()));
    let v = Value::Tuple(vec![n(1.0).mark(), n(2.0)]);
    assert_eq!(
        convert(v, &ty("list(string)")),
        Ok(Value::List(vec![s("1").mark(), s("2")]))
    );
    let err = convert(s("x").mark(), &Type::Number).unwrap_err();
    assert_eq!(err.message, "a number is required");
}

#[test]
fn error_path_is_structured() {
    let t = ty("object({servers = list(object({name = number}))})");
    let err = convert(val("{servers = [{name = \"x\"}]}"), &t).unwrap_err();
    assert_eq!(
        err.path,
        vec![
            PathStep::Attr("servers".into()),
            PathStep::Index(0),
            PathStep::Attr("name".into())
        ]
    );
    assert_eq!(err.path_string(), ".servers[0].name");
    assert_eq!(err.message, "a number is required");

    // Without any conversion between the types, the message describes the path.
    let t = ty("object({servers = list(object({name = string}))})");
    let err = convert(val("{servers = [{name = []}]}"), &t).unwrap_err();
    assert!(err.path.is_empty());
    assert_eq!(
        err.message,
        "attribute \"servers\": element 0: attribute \"name\": string required, but have tuple"
    );
}

#[test]
fn converted_values_are_stable() {
    // Converting an already converted value again changes nothing.
    for (t, v) in [
        ("list(any)", "[\"a\", 1]"),
        ("object({a = optional(number, 5)})", "{}"),
        ("map(list(number))", "{a = [1, \"2\"]}"),
    ] {
        let once = conv(t, v).unwrap();
        assert_eq!(convert(once.clone(), &ty(t)), Ok(once), "{v} as {t}");
    }
}
