//! Table tests for the function library, mostly the examples of Terraform's documentation
//! with results checked against Terraform 1.15.

use std::collections::BTreeSet;
use std::path::Path;

use super::*;

struct NoTemplates;

impl TemplateRenderer for NoTemplates {
    fn render(&self, _: &Path, source: &str, vars: &ValueMap) -> Result<Value, String> {
        // A stand-in for the evaluator: replaces `${name}` by string variables.
        let mut out = source.to_string();
        for (k, v) in vars {
            match v {
                Value::Unknown => return Ok(Value::Unknown),
                v => out = out.replace(&format!("${{{k}}}"), v.as_str().unwrap_or("?")),
            }
        }
        Ok(Value::String(out))
    }
}

fn ctx_at(base: &Path, planning: bool) -> FuncContext<'_> {
    FuncContext {
        base_dir: base,
        planning,
        templates: &NoTemplates,
    }
}

fn run(name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
    call(name, args, &ctx_at(Path::new("."), false))
}

fn s(v: &str) -> Value {
    Value::string(v)
}
fn n(v: f64) -> Value {
    Value::Number(v)
}
fn b(v: bool) -> Value {
    Value::Bool(v)
}
fn tup(v: Vec<Value>) -> Value {
    Value::Tuple(v)
}
fn list(v: Vec<Value>) -> Value {
    Value::List(v)
}
fn strs(v: &[&str]) -> Vec<Value> {
    v.iter().map(|x| s(x)).collect()
}
fn ts(v: &[&str]) -> Value {
    tup(strs(v))
}
fn ls(v: &[&str]) -> Value {
    list(strs(v))
}
fn nums(v: &[f64]) -> Vec<Value> {
    v.iter().map(|x| n(*x)).collect()
}
fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(pairs)
}
fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
fn set(v: Vec<Value>) -> Value {
    Value::set(v)
}

/// One expected result: `name(args) == want`.
struct Ok_(&'static str, Vec<Value>, Value);
/// One expected failure: `name(args)` fails with a message containing the text.
struct Err_(&'static str, Vec<Value>, &'static str);

fn check_ok(rows: &[Ok_]) {
    for Ok_(name, args, want) in rows {
        let got = run(name, args.clone());
        assert_eq!(got.as_ref(), Ok(want), "{name}({args:?})");
    }
}

fn check_err(rows: &[Err_]) {
    for Err_(name, args, want) in rows {
        match run(name, args.clone()) {
            Err(e) => assert!(
                e.to_string().contains(want),
                "{name}({args:?}): {e} does not contain {want:?}"
            ),
            Ok(v) => panic!("{name}({args:?}) = {v:?}, expected an error containing {want:?}"),
        }
    }
}

fn numeric_rows() -> Vec<Ok_> {
    vec![
        Ok_("abs", vec![n(23.0)], n(23.0)),
        Ok_("abs", vec![n(0.0)], n(0.0)),
        Ok_("abs", vec![n(-12.4)], n(12.4)),
        Ok_("abs", vec![s("-3")], n(3.0)),
        Ok_("ceil", vec![n(5.0)], n(5.0)),
        Ok_("ceil", vec![n(5.1)], n(6.0)),
        Ok_("floor", vec![n(5.0)], n(5.0)),
        Ok_("floor", vec![n(4.9)], n(4.0)),
        Ok_("log", vec![n(16.0), n(2.0)], n(4.0)),
        Ok_("log", vec![n(1.0), n(10.0)], n(0.0)),
        Ok_("max", nums(&[12.0, 54.0, 3.0]), n(54.0)),
        Ok_("max", vec![s("3"), n(2.0)], n(3.0)),
        Ok_("min", nums(&[12.0, 54.0, 3.0]), n(3.0)),
        Ok_("parseint", vec![s("100"), n(10.0)], n(100.0)),
        Ok_("parseint", vec![s("FF"), n(16.0)], n(255.0)),
        Ok_("parseint", vec![s("-10"), n(16.0)], n(-16.0)),
        Ok_("parseint", vec![s("+ff"), n(16.0)], n(255.0)),
        Ok_("parseint", vec![s("1011111011101111"), n(2.0)], n(48879.0)),
        Ok_("parseint", vec![s("aA"), n(62.0)], n(656.0)),
        Ok_("pow", vec![n(3.0), n(2.0)], n(9.0)),
        Ok_("pow", vec![n(4.0), n(0.0)], n(1.0)),
        Ok_("pow", vec![n(2.0), n(0.5)], n(std::f64::consts::SQRT_2)),
        Ok_("signum", vec![n(-13.0)], n(-1.0)),
        Ok_("signum", vec![n(0.0)], n(0.0)),
        Ok_("signum", vec![n(344.0)], n(1.0)),
    ]
}

fn numeric_errors() -> Vec<Err_> {
    vec![
        Err_(
            "abs",
            vec![s("x")],
            "Invalid value for \"num\" parameter: a number is required.",
        ),
        Err_(
            "abs",
            vec![Value::Null],
            "Invalid value for \"num\" parameter: argument must not be null.",
        ),
        Err_("max", vec![], "must pass at least one number."),
        Err_(
            "parseint",
            vec![s("12"), n(2.0)],
            "cannot parse \"12\" as a base 2 integer.",
        ),
        Err_(
            "parseint",
            vec![s("1"), n(1.0)],
            "base must be a whole number between 2 and 62 inclusive.",
        ),
    ]
}

fn string_rows() -> Vec<Ok_> {
    vec![
        Ok_("chomp", vec![s("hello\n")], s("hello")),
        Ok_("chomp", vec![s("hello\r\n")], s("hello")),
        Ok_("chomp", vec![s("hello\n\n")], s("hello")),
        Ok_("chomp", vec![s("a\n\r\n\r")], s("a")),
        Ok_("endswith", vec![s("hello world"), s("world")], b(true)),
        Ok_("endswith", vec![s("hello world"), s("hello")], b(false)),
        Ok_(
            "format",
            vec![s("Hello, %s!"), s("Ander")],
            s("Hello, Ander!"),
        ),
        Ok_(
            "format",
            vec![s("There are %d lights"), n(4.0)],
            s("There are 4 lights"),
        ),
        Ok_(
            "format",
            vec![
                s("%5.1f|%-5d|%05d|%x|%o|%b|%e|%g|%+d|% d|%8.3s|%-4s|"),
                n(3.14158),
                n(42.0),
                n(42.0),
                n(255.0),
                n(8.0),
                n(5.0),
                n(1234.5),
                n(0.000012),
                n(5.0),
                n(5.0),
                s("abcdef"),
                s("x"),
            ],
            s("  3.1|42   |00042|ff|10|101|1.234500e+03|1.2e-05|+5| 5|     abc|x   |"),
        ),
        Ok_(
            "format",
            vec![
                s("%s %s %v %q %v"),
                n(1.5),
                b(true),
                n(1e30),
                n(2.0),
                s("s"),
            ],
            s("1.5 true 1e+30 \"2\" s"),
        ),
        Ok_(
            "format",
            vec![s("%v %v %v %v"), n(1e6), n(1e20), n(100000.0), n(0.0001)],
            s("1e+06 1e+20 100000 0.0001"),
        ),
        Ok_(
            "format",
            vec![s("%[2]s %[1]s %s"), s("a"), s("b")],
            s("b a b"),
        ),
        Ok_(
            "format",
            vec![s("%#v"), obj(vec![("a", s("<"))])],
            s("{\"a\":\"\\u003c\"}"),
        ),
        Ok_("format", vec![s("%v"), ts(&["1", "a"])], s("[\"1\",\"a\"]")),
        Ok_("format", vec![s("%v"), n(-1.5e-7)], s("-1.5e-07")),
        Ok_(
            "format",
            vec![s("%v|%t %%"), Value::Null, b(true)],
            s("null|true %"),
        ),
        Ok_(
            "format",
            vec![
                s("%.3g|%g|%.2e|%#x|%#o|%G"),
                n(1.0),
                n(123456789012.0),
                n(0.000123456),
                n(255.0),
                n(8.0),
                n(1e-7),
            ],
            s("1|1.23456789012e+11|1.23e-04|0xff|010|1E-07"),
        ),
        Ok_(
            "format",
            vec![s("%08.3f|%x|%d"), n(-3.14158), n(-255.0), n(1e20)],
            s("-003.142|-ff|100000000000000000000"),
        ),
        Ok_(
            "format",
            vec![s("%q"), s("<\u{1}\"")],
            s("\"\\u003c\\u0001\\\"\""),
        ),
        Ok_(
            "format",
            vec![s("%5s|%-5s|%.1s"), s("ab"), s("é"), s("xyz")],
            s("   ab|é    |x"),
        ),
        Ok_(
            "formatlist",
            vec![s("Hello, %s!"), ls(&["Valentina", "Ander"])],
            ls(&["Hello, Valentina!", "Hello, Ander!"]),
        ),
        Ok_(
            "formatlist",
            vec![s("%s, %s!"), s("Salutations"), ts(&["Valentina", "Ander"])],
            ls(&["Salutations, Valentina!", "Salutations, Ander!"]),
        ),
        Ok_("formatlist", vec![s("%s"), s("a")], ls(&["a"])),
        Ok_("formatlist", vec![s("%s"), ts(&[])], ls(&[])),
        Ok_(
            "indent",
            vec![n(2.0), s("[\n  foo,\n  bar,\n]\n")],
            s("[\n    foo,\n    bar,\n  ]\n  "),
        ),
        Ok_(
            "join",
            vec![s("-"), ts(&["foo", "bar", "baz"])],
            s("foo-bar-baz"),
        ),
        Ok_("join", vec![s(", "), ts(&["foo"])], s("foo")),
        Ok_(
            "join",
            vec![s(","), ts(&["a"]), tup(vec![n(1.0), b(true)])],
            s("a,1,true"),
        ),
        Ok_("lower", vec![s("HELLO")], s("hello")),
        Ok_("lower", vec![s("АЛЛО!")], s("алло!")),
        Ok_(
            "regex",
            vec![s("[a-z]+"), s("53453453.345345aaabbbccc23454")],
            s("aaabbbccc"),
        ),
        Ok_(
            "regex",
            vec![s(r"(\d\d\d\d)-(\d\d)-(\d\d)"), s("2019-02-01")],
            ls(&["2019", "02", "01"]),
        ),
        Ok_(
            "regex",
            vec![
                s("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?"),
                s("https://terraform.io/docs/"),
            ],
            obj(vec![
                ("authority", s("terraform.io")),
                ("scheme", s("https")),
            ]),
        ),
        Ok_(
            "regex",
            vec![s("(a)?(b)"), s("b")],
            list(vec![Value::Null, s("b")]),
        ),
        Ok_(
            "regexall",
            vec![s("[a-z]+"), s("1234abcd5678efgh9")],
            ls(&["abcd", "efgh"]),
        ),
        Ok_("regexall", vec![s("[a-z]+"), s("123")], ls(&[])),
        Ok_(
            "regexall",
            vec![s(r"[a-z]+(\d)?"), s("ab1 cd")],
            list(vec![ls(&["1"]), list(vec![Value::Null])]),
        ),
        Ok_(
            "replace",
            vec![s("1 + 2 + 3"), s("+"), s("-")],
            s("1 - 2 - 3"),
        ),
        Ok_(
            "replace",
            vec![s("hello world"), s("/w.*d/"), s("everybody")],
            s("hello everybody"),
        ),
        Ok_(
            "replace",
            vec![s("hello world"), s("/w(or)ld/"), s("$1 ${1}x")],
            s("hello or orx"),
        ),
        Ok_("split", vec![s(","), s("foo")], ls(&["foo"])),
        Ok_(
            "split",
            vec![s(","), s("foo,bar,baz")],
            ls(&["foo", "bar", "baz"]),
        ),
        Ok_("split", vec![s(","), s("")], ls(&[""])),
        Ok_("split", vec![s(""), s("abc")], ls(&["a", "b", "c"])),
        Ok_("startswith", vec![s("hello world"), s("hello")], b(true)),
        Ok_("startswith", vec![s("hello world"), s("world")], b(false)),
        Ok_("strcontains", vec![s("hello world"), s("wor")], b(true)),
        Ok_("strcontains", vec![s("hello world"), s("wod")], b(false)),
        Ok_("strrev", vec![s("hello")], s("olleh")),
        Ok_("strrev", vec![s("a ☃")], s("☃ a")),
        Ok_("substr", vec![s("hello world"), n(1.0), n(4.0)], s("ello")),
        Ok_("substr", vec![s("🤔🤷"), n(0.0), n(1.0)], s("🤔")),
        Ok_(
            "substr",
            vec![s("hello world"), n(-5.0), n(-1.0)],
            s("world"),
        ),
        Ok_(
            "substr",
            vec![s("hello world"), n(6.0), n(10.0)],
            s("world"),
        ),
        Ok_("substr", vec![s("hello"), n(-10.0), n(2.0)], s("he")),
        Ok_("substr", vec![s("hello"), n(10.0), n(2.0)], s("")),
        Ok_("substr", vec![s("hello"), n(1.0), n(9e18)], s("ello")),
        Ok_("title", vec![s("hello world")], s("Hello World")),
        Ok_(
            "title",
            vec![s("hello world-foo_bar éa 3x")],
            s("Hello World-Foo_bar Éa 3x"),
        ),
        Ok_("trim", vec![s("?!hello?!"), s("!?")], s("hello")),
        Ok_("trim", vec![s("foobar"), s("far")], s("oob")),
        Ok_(
            "trim",
            vec![s("   hello! world.!  "), s("! ")],
            s("hello! world."),
        ),
        Ok_("trimprefix", vec![s("helloworld"), s("hello")], s("world")),
        Ok_(
            "trimprefix",
            vec![s("helloworld"), s("cat")],
            s("helloworld"),
        ),
        Ok_("trimsuffix", vec![s("helloworld"), s("world")], s("hello")),
        Ok_("trimspace", vec![s("  hello\n\n")], s("hello")),
        Ok_("upper", vec![s("hello")], s("HELLO")),
        Ok_("upper", vec![s("алло!")], s("АЛЛО!")),
        Ok_("upper", vec![n(5.0)], s("5")),
    ]
}

fn string_errors() -> Vec<Err_> {
    vec![
        Err_("upper", vec![ts(&["a"])], "Invalid value for \"str\" parameter: string required, but have tuple."),
        Err_("format", vec![s("%s"), Value::Null], "unsupported value for \"%s\" at 0: null value cannot be formatted."),
        Err_("format", vec![s("%d"), n(1.5)], "unsupported value for \"%d\" at 0: an integer is required."),
        Err_("format", vec![s("%d %d"), n(1.0)], "not enough arguments for \"%d\" at 3: need index 2 but have 1 total."),
        Err_("format", vec![s("%s"), s("a"), s("b")], "Invalid value for \"args\" parameter: too many arguments; only 1 used by format string."),
        Err_("format", vec![s("%s"), ts(&["1"])], "string required, but have tuple."),
        Err_("format", vec![s("%z"), n(1.0)], "unsupported format verb 'z' in \"%z\" at offset 0."),
        Err_("format", vec![s("abc %"), n(1.0)], "invalid format string starting at offset 4."),
        Err_("format", vec![s("%5%")], "unrecognized format character '%' at offset 2."),
        Err_("format", vec![s("%99999999999999999999d"), n(1.0)], "width and precision must be at most"),
        Err_("indent", vec![n(1e18), s("a\nb")], "Invalid value for \"spaces\" parameter: must be at most"),
        Err_(
            "formatlist",
            vec![s("%s"), ts(&["a"]), ts(&["b", "c"])],
            "argument 2 has length 2, which is inconsistent with argument 1 of length 1.",
        ),
        Err_("join", vec![s(",")], "at least one list is required."),
        Err_("join", vec![s(","), s("a")], "list of string required, but have string."),
        Err_("join", vec![s(","), tup(vec![s("a"), Value::Null])], "element 1 is null; cannot concatenate null values."),
        Err_("regex", vec![s("[a-z]+"), s("53453453.34534523454")], "pattern did not match any part of the given string."),
        Err_("regex", vec![s("(?P<x>a)(b)"), s("ab")], "cannot mix both named and unnamed capture groups."),
        Err_("regex", vec![s("("), s("ab")], "invalid regexp pattern"),
    ]
}

fn collection_rows() -> Vec<Ok_> {
    vec![
        Ok_("alltrue", vec![tup(vec![s("true"), b(true)])], b(true)),
        Ok_("alltrue", vec![tup(vec![b(true), b(false)])], b(false)),
        Ok_("alltrue", vec![tup(vec![])], b(true)),
        Ok_("anytrue", vec![tup(vec![s("true")])], b(true)),
        Ok_("anytrue", vec![tup(vec![b(true), b(false)])], b(true)),
        Ok_("anytrue", vec![tup(vec![])], b(false)),
        Ok_("alltrue", vec![tup(vec![Value::Null])], b(false)),
        Ok_("anytrue", vec![tup(vec![Value::Null, b(false)])], b(false)),
        Ok_(
            "chunklist",
            vec![ts(&["a", "b", "c", "d", "e"]), n(2.0)],
            list(vec![ls(&["a", "b"]), ls(&["c", "d"]), ls(&["e"])]),
        ),
        Ok_(
            "chunklist",
            vec![ts(&["a"]), n(0.0)],
            list(vec![ls(&["a"])]),
        ),
        Ok_("coalesce", vec![s("a"), s("b")], s("a")),
        Ok_("coalesce", vec![s(""), s("b")], s("b")),
        Ok_("coalesce", vec![n(1.0), n(2.0)], n(1.0)),
        Ok_("coalesce", vec![Value::Null, n(1.0), s("a")], s("1")),
        Ok_("coalesce", vec![s("a"), Value::Unknown], s("a")),
        Ok_(
            "coalesce",
            vec![Value::Null, Value::Unknown, s("a")],
            Value::Unknown,
        ),
        Ok_(
            "coalescelist",
            vec![ts(&["a", "b"]), ts(&["c", "d"])],
            ts(&["a", "b"]),
        ),
        Ok_(
            "coalescelist",
            vec![ts(&[]), ts(&["c", "d"])],
            ts(&["c", "d"]),
        ),
        Ok_(
            "compact",
            vec![tup(vec![s("a"), s(""), s("b"), Value::Null, s("c")])],
            ls(&["a", "b", "c"]),
        ),
        Ok_(
            "concat",
            vec![ts(&["a", ""]), ts(&["b", "c"])],
            ts(&["a", "", "b", "c"]),
        ),
        Ok_("concat", vec![ls(&["a"]), ls(&["b"])], ls(&["a", "b"])),
        Ok_(
            "concat",
            vec![ls(&["a"]), tup(vec![Value::Unknown])],
            tup(vec![s("a"), Value::Unknown]),
        ),
        Ok_("contains", vec![ts(&["a", "b", "c"]), s("a")], b(true)),
        Ok_("contains", vec![ts(&["a", "b", "c"]), s("d")], b(false)),
        Ok_("contains", vec![ts(&["a"]), n(1.0)], b(false)),
        Ok_(
            "contains",
            vec![tup(vec![s("a"), Value::Unknown]), s("a")],
            b(true),
        ),
        Ok_(
            "contains",
            vec![tup(vec![s("a"), Value::Unknown]), s("b")],
            Value::Unknown,
        ),
        Ok_(
            "distinct",
            vec![ts(&["a", "b", "a", "c", "d", "b"])],
            ls(&["a", "b", "c", "d"]),
        ),
        Ok_("element", vec![ts(&["a", "b", "c"]), n(1.0)], s("b")),
        Ok_("element", vec![ts(&["a", "b", "c"]), n(3.0)], s("a")),
        Ok_(
            "element",
            vec![tup(vec![Value::Unknown, s("b")]), n(1.0)],
            s("b"),
        ),
        Ok_("flatten", vec![list(vec![ls(&["a"])])], ts(&["a"])),
        Ok_(
            "flatten",
            vec![tup(vec![ts(&["a", "b"]), ts(&[]), ts(&["c"])])],
            ts(&["a", "b", "c"]),
        ),
        Ok_(
            "flatten",
            vec![tup(vec![tup(vec![ts(&["a", "b"]), ts(&[])]), ts(&["c"])])],
            ts(&["a", "b", "c"]),
        ),
        Ok_("index", vec![ts(&["a", "b", "c"]), s("b")], n(1.0)),
        Ok_(
            "keys",
            vec![obj(vec![("a", n(1.0)), ("c", n(2.0)), ("d", n(3.0))])],
            ts(&["a", "c", "d"]),
        ),
        Ok_("keys", vec![map(vec![("a", Value::Unknown)])], ls(&["a"])),
        Ok_("length", vec![ts(&[])], n(0.0)),
        Ok_("length", vec![ts(&["a", "b"])], n(2.0)),
        Ok_("length", vec![map(vec![("a", s("b"))])], n(1.0)),
        Ok_("length", vec![s("hello")], n(5.0)),
        Ok_("length", vec![s("👾🕹️")], n(2.0)),
        Ok_(
            "length",
            vec![tup(vec![Value::Unknown, Value::Unknown])],
            n(2.0),
        ),
        Ok_(
            "lookup",
            vec![
                obj(vec![("a", s("ay")), ("b", s("bee"))]),
                s("a"),
                s("what?"),
            ],
            s("ay"),
        ),
        Ok_(
            "lookup",
            vec![
                obj(vec![("a", s("ay")), ("b", s("bee"))]),
                s("c"),
                s("what?"),
            ],
            s("what?"),
        ),
        Ok_(
            "lookup",
            vec![obj(vec![("a", s("ay"))]), s("c"), Value::Null],
            Value::Null,
        ),
        Ok_(
            "matchkeys",
            vec![
                ts(&["i-123", "i-abc", "i-def"]),
                ts(&["us-west", "us-east", "us-east"]),
                ts(&["us-east"]),
            ],
            ls(&["i-abc", "i-def"]),
        ),
        Ok_(
            "merge",
            vec![
                obj(vec![("a", s("b")), ("c", s("d"))]),
                obj(vec![("e", s("f")), ("c", s("z"))]),
            ],
            obj(vec![("a", s("b")), ("c", s("z")), ("e", s("f"))]),
        ),
        Ok_(
            "merge",
            vec![map(vec![("a", s("1"))]), map(vec![("b", s("x"))])],
            map(vec![("a", s("1")), ("b", s("x"))]),
        ),
        Ok_(
            "merge",
            vec![obj(vec![("a", n(1.0))]), Value::Null],
            obj(vec![("a", n(1.0))]),
        ),
        Ok_("merge", vec![], obj(vec![])),
        Ok_("one", vec![ts(&[])], Value::Null),
        Ok_("one", vec![ts(&["hello"])], s("hello")),
        Ok_("range", vec![n(3.0)], list(nums(&[0.0, 1.0, 2.0]))),
        Ok_("range", vec![n(1.0), n(4.0)], list(nums(&[1.0, 2.0, 3.0]))),
        Ok_(
            "range",
            vec![n(1.0), n(8.0), n(2.0)],
            list(nums(&[1.0, 3.0, 5.0, 7.0])),
        ),
        Ok_(
            "range",
            vec![n(1.0), n(4.0), n(0.5)],
            list(nums(&[1.0, 1.5, 2.0, 2.5, 3.0, 3.5])),
        ),
        Ok_("range", vec![n(4.0), n(1.0)], list(nums(&[4.0, 3.0, 2.0]))),
        Ok_(
            "range",
            vec![n(10.0), n(5.0), n(-2.0)],
            list(nums(&[10.0, 8.0, 6.0])),
        ),
        Ok_("range", vec![n(0.0)], list(vec![])),
        Ok_(
            "reverse",
            vec![tup(nums(&[1.0, 2.0, 3.0]))],
            tup(nums(&[3.0, 2.0, 1.0])),
        ),
        Ok_("reverse", vec![set(strs(&["a", "b"]))], ls(&["b", "a"])),
        Ok_(
            "setintersection",
            vec![ts(&["a", "b"]), ts(&["b", "c"]), ts(&["b", "d"])],
            set(strs(&["b"])),
        ),
        Ok_(
            "setproduct",
            vec![ts(&["development", "staging"]), ts(&["app1", "app2"])],
            list(vec![
                ts(&["development", "app1"]),
                ts(&["development", "app2"]),
                ts(&["staging", "app1"]),
                ts(&["staging", "app2"]),
            ]),
        ),
        Ok_(
            "setproduct",
            vec![set(strs(&["a"])), set(strs(&["b"]))],
            set(vec![ts(&["a", "b"])]),
        ),
        Ok_("setproduct", vec![ts(&["a"]), ts(&[])], list(vec![])),
        Ok_(
            "setsubtract",
            vec![ts(&["a", "b", "c"]), ts(&["a", "c"])],
            set(strs(&["b"])),
        ),
        Ok_(
            "setunion",
            vec![ts(&["a", "b"]), ts(&["b", "c"]), ts(&["d"])],
            set(strs(&["a", "b", "c", "d"])),
        ),
        Ok_(
            "slice",
            vec![ts(&["a", "b", "c", "d"]), n(1.0), n(3.0)],
            ts(&["b", "c"]),
        ),
        Ok_("slice", vec![ls(&["a", "b"]), n(0.0), n(0.0)], ls(&[])),
        Ok_(
            "sort",
            vec![ts(&["e", "d", "a", "x"])],
            ls(&["a", "d", "e", "x"]),
        ),
        Ok_(
            "sort",
            vec![tup(nums(&[3.0, 1.0, 20.0]))],
            ls(&["1", "20", "3"]),
        ),
        Ok_("sum", vec![tup(nums(&[10.0, 13.0, 6.0, 4.5]))], n(33.5)),
        Ok_("sum", vec![tup(vec![s("1"), n(2.0)])], n(3.0)),
        Ok_(
            "transpose",
            vec![obj(vec![("a", ts(&["1", "2"])), ("b", ts(&["2", "3"]))])],
            map(vec![
                ("1", ls(&["a"])),
                ("2", ls(&["a", "b"])),
                ("3", ls(&["b"])),
            ]),
        ),
        Ok_(
            "values",
            vec![obj(vec![("a", n(3.0)), ("c", n(2.0)), ("d", n(1.0))])],
            tup(nums(&[3.0, 2.0, 1.0])),
        ),
        Ok_("values", vec![map(vec![("a", s("x"))])], ls(&["x"])),
        Ok_(
            "zipmap",
            vec![ts(&["a", "b"]), tup(nums(&[1.0, 2.0]))],
            obj(vec![("a", n(1.0)), ("b", n(2.0))]),
        ),
        Ok_(
            "zipmap",
            vec![ls(&["a"]), ls(&["x"])],
            map(vec![("a", s("x"))]),
        ),
    ]
}

fn collection_errors() -> Vec<Err_> {
    vec![
        Err_("chunklist", vec![ts(&["a"]), n(-1.0)], "the size argument must be positive."),
        Err_("coalesce", vec![Value::Null, s("")], "no non-null, non-empty-string arguments."),
        Err_("concat", vec![ts(&["a"]), Value::Null], "Invalid value for \"seqs\" parameter: argument must not be null."),
        Err_("concat", vec![set(strs(&["a"])), ts(&["b"])], "all arguments must be lists or tuples; got set."),
        Err_("element", vec![ts(&[]), n(0.0)], "cannot use element function with an empty list."),
        Err_("element", vec![ts(&["a"]), n(-1.0)], "cannot use element function with a negative index."),
        Err_("element", vec![ts(&["a", "b"]), n(1.7)], "invalid index: value must be a whole number"),
        Err_("index", vec![ts(&["a"]), s("b")], "item not found."),
        Err_("keys", vec![n(1.0)], "Invalid value for \"inputMap\" parameter: must have map or object type."),
        Err_("length", vec![n(1.0)], "argument must be a string, a collection type, or a structural type."),
        Err_("length", vec![Value::Null], "Invalid value for \"value\" parameter: argument must not be null."),
        Err_("lookup", vec![obj(vec![("a", n(1.0))]), s("b")], "the given object has no attribute \"b\"."),
        Err_("lookup", vec![map(vec![("a", n(1.0))]), s("b")], "lookup failed to find key \"b\"."),
        Err_("lookup", vec![obj(vec![]), s("b"), s("x"), n(3.0)], "lookup() takes two or three arguments, got 4."),
        Err_("matchkeys", vec![ts(&["a"]), ts(&["1", "2"]), ts(&["1"])], "length of keys and values should be equal."),
        Err_("merge", vec![obj(vec![]), n(1.0)], "arguments must be maps or objects, got \"number\"."),
        Err_("one", vec![ts(&["a", "b"])], "must be a list, set, or tuple value with either zero or one elements."),
        Err_("range", vec![], "must have one, two, or three arguments."),
        Err_("range", vec![n(1.0), n(8.0), n(-1.0)], "end must be less than start when step is negative."),
        Err_("range", vec![n(1.0), n(8.0), n(0.0)], "step must not be zero."),
        Err_("range", vec![n(5000.0)], "more than 1024 values were generated"),
        Err_("setproduct", vec![ts(&["a"])], "at least two arguments are required."),
        Err_("slice", vec![ts(&["a", "b"]), n(1.0), n(3.0)], "Invalid value for \"end_index\" parameter: end index must not be greater than the length of the list."),
        Err_("slice", vec![ts(&["a"]), n(1.0), n(0.0)], "Invalid value for \"start_index\" parameter: start index must not be greater than end index."),
        Err_("sum", vec![ts(&[])], "Invalid value for \"list\" parameter: cannot sum an empty list."),
        Err_("zipmap", vec![ts(&["a"]), tup(nums(&[1.0, 2.0]))], "number of keys (1) does not match number of values (2)."),
    ]
}

fn encoding_rows() -> Vec<Ok_> {
    vec![
        Ok_("base64decode", vec![s("SGVsbG8gV29ybGQ=")], s("Hello World")),
        Ok_("base64encode", vec![s("Hello World")], s("SGVsbG8gV29ybGQ=")),
        Ok_(
            "csvdecode",
            vec![s("a,b,c\n1,2,3\n4,5,6")],
            list(vec![
                obj(vec![("a", s("1")), ("b", s("2")), ("c", s("3"))]),
                obj(vec![("a", s("4")), ("b", s("5")), ("c", s("6"))]),
            ]),
        ),
        Ok_("jsondecode", vec![s("{\"hello\": \"world\"}")], obj(vec![("hello", s("world"))])),
        Ok_("jsondecode", vec![s("true")], b(true)),
        Ok_("jsondecode", vec![s("{\"a\":[1,2]}")], obj(vec![("a", tup(nums(&[1.0, 2.0])))])),
        Ok_("jsonencode", vec![obj(vec![("hello", s("world"))])], s("{\"hello\":\"world\"}")),
        Ok_(
            "jsonencode",
            vec![obj(vec![("a", s("<>&\u{2028}")), ("b", n(1.5)), ("c", tup(vec![b(true), Value::Null])), ("d", n(1e21))])],
            s(r#"{"a":"\u003c\u003e\u0026\u2028","b":1.5,"c":[true,null],"d":1000000000000000000000}"#),
        ),
        Ok_("jsonencode", vec![s("\u{8}\u{c}\u{7f}\u{85}")], s("\"\\b\\f\u{7f}\u{85}\"")),
        Ok_("jsonencode", vec![Value::Null], s("null")),
        Ok_("textencodebase64", vec![s("Hello World"), s("UTF-16LE")], s("SABlAGwAbABvACAAVwBvAHIAbABkAA==")),
        Ok_("textencodebase64", vec![s("Hello World"), s("UTF-8")], s("SGVsbG8gV29ybGQ=")),
        Ok_("textdecodebase64", vec![s("SABlAGwAbABvACAAVwBvAHIAbABkAA=="), s("UTF-16LE")], s("Hello World")),
        Ok_("textdecodebase64", vec![s("SGVsbG8gV29ybGQ="), s("utf-8")], s("Hello World")),
        Ok_("urlencode", vec![s("Hello World!")], s("Hello+World%21")),
        Ok_("urlencode", vec![s("☃")], s("%E2%98%83")),
        Ok_("urlencode", vec![s("foo:bar@localhost?foo=bar&bar=baz")], s("foo%3Abar%40localhost%3Ffoo%3Dbar%26bar%3Dbaz")),
        Ok_("urlencode", vec![s("a b/c?d=é&~_.-")], s("a+b%2Fc%3Fd%3D%C3%A9%26~_.-")),
        Ok_("yamldecode", vec![s("hello: world")], obj(vec![("hello", s("world"))])),
        Ok_("yamldecode", vec![s("true")], b(true)),
        Ok_(
            "yamldecode",
            vec![s("{a: &foo [1, 2, 3], b: *foo}")],
            obj(vec![("a", tup(nums(&[1.0, 2.0, 3.0]))), ("b", tup(nums(&[1.0, 2.0, 3.0])))]),
        ),
        Ok_(
            "yamldecode",
            vec![s("a: [1, ~, 1.5, \"s\"]\nb: !!str 3")],
            obj(vec![("a", tup(vec![n(1.0), Value::Null, n(1.5), s("s")])), ("b", s("3"))]),
        ),
        Ok_("yamlencode", vec![obj(vec![("a", s("b")), ("c", s("d"))])], s("\"a\": \"b\"\n\"c\": \"d\"\n")),
        Ok_(
            "yamlencode",
            vec![obj(vec![("foo", tup(nums(&[1.0, 2.0, 3.0]))), ("bar", s("baz"))])],
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- 2\n- 3\n"),
        ),
        Ok_(
            "yamlencode",
            vec![obj(vec![
                ("foo", tup(vec![n(1.0), obj(vec![("a", s("b")), ("c", s("d"))]), n(3.0)])),
                ("bar", s("baz")),
            ])],
            s("\"bar\": \"baz\"\n\"foo\":\n- 1\n- \"a\": \"b\"\n  \"c\": \"d\"\n- 3\n"),
        ),
        Ok_(
            "yamlencode",
            vec![obj(vec![
                ("a", s("x\ny")),
                ("b", tup(vec![])),
                ("c", obj(vec![])),
                ("d", Value::Null),
                ("e", b(true)),
                ("f", n(1.5)),
                ("g", tup(vec![s("a"), obj(vec![("h", n(1.0))])])),
                ("i j", s("")),
            ])],
            s("\"a\": |-\n  x\n  y\n\"b\": []\n\"c\": {}\n\"d\": null\n\"e\": true\n\"f\": 1.5\n\"g\":\n- \"a\"\n- \"h\": 1\n\"i j\": \"\"\n"),
        ),
        Ok_("yamlencode", vec![s("a")], s("\"a\"\n")),
        Ok_("yamlencode", vec![n(-1.5e-7)], s("-0.00000015\n...\n")),
        Ok_("yamlencode", vec![Value::Null], s("null\n...\n")),
        Ok_("yamlencode", vec![s("a\n")], s("|\n  a\n")),
        Ok_("yamlencode", vec![tup(vec![tup(nums(&[1.0])), tup(vec![])])], s("- - 1\n- []\n")),
        Ok_(
            "yamlencode",
            vec![obj(vec![("a", obj(vec![("b", tup(vec![obj(vec![("c", n(1.0))])]))]))])],
            s("\"a\":\n  \"b\":\n  - \"c\": 1\n"),
        ),
    ]
}

fn encoding_errors() -> Vec<Err_> {
    vec![
        Err_(
            "base64decode",
            vec![s("/w==")],
            "the result of decoding the provided string is not valid UTF-8.",
        ),
        Err_(
            "base64decode",
            vec![s("x")],
            "failed to decode base64 data \"x\".",
        ),
        Err_(
            "csvdecode",
            vec![s("a,b\n1\n")],
            "CSV parse error on line 2: wrong number of fields.",
        ),
        Err_("jsondecode", vec![s("x")], "expected value"),
        Err_("yamldecode", vec![s("")], "missing start of document."),
        Err_("yamldecode", vec![s("a: [")], "line 2"),
        Err_(
            "textencodebase64",
            vec![s("a"), s("nope")],
            "\"nope\" is not a supported IANA encoding name or alias.",
        ),
    ]
}

fn datetime_rows() -> Vec<Ok_> {
    let t = "2018-01-02T23:12:01Z";
    let pst = "2018-01-02T23:12:01-08:00";
    vec![
        Ok_(
            "formatdate",
            vec![s("DD MMM YYYY hh:mm ZZZ"), s(t)],
            s("02 Jan 2018 23:12 UTC"),
        ),
        Ok_(
            "formatdate",
            vec![s("EEEE, DD-MMM-YY hh:mm:ss ZZZ"), s(t)],
            s("Tuesday, 02-Jan-18 23:12:01 UTC"),
        ),
        Ok_(
            "formatdate",
            vec![s("EEE, DD MMM YYYY hh:mm:ss ZZZ"), s(pst)],
            s("Tue, 02 Jan 2018 23:12:01 -0800"),
        ),
        Ok_(
            "formatdate",
            vec![s("MMM DD, YYYY"), s(t)],
            s("Jan 02, 2018"),
        ),
        Ok_("formatdate", vec![s("HH:mmaa"), s(t)], s("11:12pm")),
        Ok_("formatdate", vec![s("h'h'mm"), s(pst)], s("23h12")),
        Ok_(
            "formatdate",
            vec![s("H 'o''clock'"), s(pst)],
            s("11 o'clock"),
        ),
        Ok_(
            "formatdate",
            vec![
                s("ZZZ|ZZZZ|ZZZZZ|Z|H h HH AA aa M D m s MMMM"),
                s("2018-01-02T03:04:05Z"),
            ],
            s("UTC|+0000|+00:00|Z|3 3 03 AM am 1 2 4 5 January"),
        ),
        Ok_(
            "timeadd",
            vec![s("2017-11-22T00:00:00Z"), s("10m")],
            s("2017-11-22T00:10:00Z"),
        ),
        Ok_(
            "timeadd",
            vec![s("2017-11-22T00:00:00+07:00"), s("-1h30.5m")],
            s("2017-11-21T22:29:30+07:00"),
        ),
        Ok_(
            "timeadd",
            vec![s("2017-11-22T00:00:00.5Z"), s("1s")],
            s("2017-11-22T00:00:01Z"),
        ),
        Ok_(
            "timecmp",
            vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T00:00:00Z")],
            n(0.0),
        ),
        Ok_(
            "timecmp",
            vec![s("2017-11-22T00:00:00Z"), s("2017-11-22T01:00:00Z")],
            n(-1.0),
        ),
        Ok_(
            "timecmp",
            vec![s("2017-11-22T01:00:00Z"), s("2017-11-22T00:00:00Z")],
            n(1.0),
        ),
        Ok_(
            "timecmp",
            vec![s("2017-11-22T01:00:00Z"), s("2017-11-22T00:00:00-01:00")],
            n(0.0),
        ),
    ]
}

fn datetime_errors() -> Vec<Err_> {
    vec![
        Err_(
            "formatdate",
            vec![s("X"), s("2018-01-02T03:04:05Z")],
            "invalid date format verb \"X\".",
        ),
        Err_(
            "formatdate",
            vec![s("YYYY"), s("2018")],
            "Invalid value for \"time\" parameter: not a valid RFC3339 timestamp",
        ),
        Err_(
            "timeadd",
            vec![s("2017-11-22T00:00:00Z"), s("1d")],
            "time: unknown unit \"d\" in duration \"1d\".",
        ),
        Err_(
            "timeadd",
            vec![s("2017-11-22T00:00:00Z"), s("")],
            "time: invalid duration",
        ),
    ]
}

fn crypto_rows() -> Vec<Ok_> {
    let hw = || vec![s("hello world")];
    vec![
        Ok_("md5", hw(), s("5eb63bbbe01eeed093cb22bb8f5acdc3")),
        Ok_("sha1", hw(), s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed")),
        Ok_("sha256", hw(), s("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")),
        Ok_(
            "sha512",
            hw(),
            s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"),
        ),
        Ok_("base64sha256", hw(), s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek=")),
        Ok_(
            "base64sha512",
            hw(),
            s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="),
        ),
        Ok_("uuidv5", vec![s("dns"), s("www.terraform.io")], s("a5008fae-b28c-5ba5-96cd-82b4c53552d6")),
        Ok_("uuidv5", vec![s("url"), s("https://www.terraform.io/")], s("9db6f67c-dd95-5ea0-aa5b-e70e5c5f7cf5")),
        Ok_("uuidv5", vec![s("oid"), s("1.3.6.1.4")], s("af9d40a5-7a36-5c07-b23a-851cd99fbfa5")),
        Ok_("uuidv5", vec![s("x500"), s("CN=Example,C=GB")], s("84e09961-4aa4-57f8-95b7-03edb1073253")),
        Ok_(
            "uuidv5",
            vec![s("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), s("www.terraform.io")],
            s("a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
        ),
    ]
}

fn network_rows() -> Vec<Ok_> {
    vec![
        Ok_(
            "cidrhost",
            vec![s("10.12.112.0/20"), n(16.0)],
            s("10.12.112.16"),
        ),
        Ok_(
            "cidrhost",
            vec![s("10.12.112.0/20"), n(268.0)],
            s("10.12.113.12"),
        ),
        Ok_(
            "cidrhost",
            vec![s("10.12.112.0/20"), n(-1.0)],
            s("10.12.127.255"),
        ),
        Ok_(
            "cidrhost",
            vec![s("fd00:fd12:3456:7890:00a2::/72"), n(34.0)],
            s("fd00:fd12:3456:7890::22"),
        ),
        Ok_(
            "cidrhost",
            vec![s("fd00:fd12:3456:7890::/56"), n(16.0)],
            s("fd00:fd12:3456:7800::10"),
        ),
        Ok_("cidrnetmask", vec![s("172.16.0.0/12")], s("255.240.0.0")),
        Ok_(
            "cidrsubnet",
            vec![s("172.16.0.0/12"), n(4.0), n(2.0)],
            s("172.18.0.0/16"),
        ),
        Ok_(
            "cidrsubnet",
            vec![s("10.1.2.0/24"), n(4.0), n(15.0)],
            s("10.1.2.240/28"),
        ),
        Ok_(
            "cidrsubnet",
            vec![s("fd00:fd12:3456:7890::/56"), n(16.0), n(162.0)],
            s("fd00:fd12:3456:7800:a200::/72"),
        ),
        Ok_(
            "cidrsubnets",
            vec![s("10.1.0.0/16"), n(4.0), n(4.0), n(8.0), n(4.0)],
            ls(&[
                "10.1.0.0/20",
                "10.1.16.0/20",
                "10.1.32.0/24",
                "10.1.48.0/20",
            ]),
        ),
        Ok_(
            "cidrsubnets",
            vec![
                s("fd00:fd12:3456:7890::/56"),
                n(16.0),
                n(16.0),
                n(16.0),
                n(32.0),
            ],
            ls(&[
                "fd00:fd12:3456:7800::/72",
                "fd00:fd12:3456:7800:100::/72",
                "fd00:fd12:3456:7800:200::/72",
                "fd00:fd12:3456:7800:300::/88",
            ]),
        ),
        Ok_("cidrsubnets", vec![s("10.1.0.0/16")], ls(&[])),
    ]
}

fn network_errors() -> Vec<Err_> {
    vec![
        Err_("cidrhost", vec![s("10.12.112.0/20"), n(4096.0)], "prefix of 20 does not accommodate a host numbered 4096."),
        Err_("cidrhost", vec![s("10.12.112.0/20"), n(-4097.0)], "prefix of 20 does not accommodate a host numbered -1."),
        Err_("cidrhost", vec![s("10.0.0.0"), n(1.0)], "invalid CIDR expression: invalid CIDR address: 10.0.0.0."),
        Err_("cidrnetmask", vec![s("fd00::/56")], "IPv6 addresses cannot have a netmask: fd00::/56."),
        Err_("cidrsubnet", vec![s("10.1.2.0/24"), n(10.0), n(1.0)], "insufficient address space to extend prefix of 24 by 10."),
        Err_("cidrsubnet", vec![s("10.1.2.0/24"), n(4.0), n(16.0)], "prefix extension of 4 does not accommodate a subnet numbered 16."),
        Err_(
            "cidrsubnets",
            vec![s("10.1.0.0/30"), n(1.0), n(1.0), n(1.0)],
            "not enough remaining address space for a subnet with a prefix of 31 bits after 10.1.0.2/31.",
        ),
        Err_("cidrsubnets", vec![s("10.1.0.0/30"), n(0.0)], "Invalid value for \"newbits\" parameter: must extend prefix by at least one bit."),
    ]
}

fn conversion_rows() -> Vec<Ok_> {
    vec![
        Ok_("tobool", vec![b(true)], b(true)),
        Ok_("tobool", vec![s("false")], b(false)),
        Ok_("tobool", vec![Value::Null], Value::Null),
        Ok_("tonumber", vec![n(1.0)], n(1.0)),
        Ok_("tonumber", vec![s("1.5")], n(1.5)),
        Ok_("tonumber", vec![Value::Null], Value::Null),
        Ok_("tostring", vec![s("hello")], s("hello")),
        Ok_("tostring", vec![n(1.0)], s("1")),
        Ok_("tostring", vec![b(true)], s("true")),
        Ok_(
            "tostring",
            vec![n(1e30)],
            s("1000000000000000000000000000000"),
        ),
        Ok_("tostring", vec![Value::Null], Value::Null),
        // tolist/toset/tomap delegate to types::convert; these rows hold whatever its
        // unification does.
        Ok_("tolist", vec![Value::Null], Value::Null),
        Ok_("tolist", vec![Value::Unknown], Value::Unknown),
        Ok_("toset", vec![Value::Unknown], Value::Unknown),
        Ok_("tomap", vec![Value::Null], Value::Null),
        Ok_("sensitive", vec![s("a")], s("a").mark()),
        Ok_("sensitive", vec![Value::Unknown], Value::Unknown.mark()),
        Ok_("nonsensitive", vec![s("a").mark()], s("a")),
        Ok_("nonsensitive", vec![s("a")], s("a")),
        Ok_("issensitive", vec![s("a").mark()], b(true)),
        Ok_("issensitive", vec![s("a")], b(false)),
        Ok_("issensitive", vec![Value::Null], b(false)),
        Ok_(
            "issensitive",
            vec![tup(vec![s("a"), s("b").mark()])],
            b(false),
        ),
        Ok_("issensitive", vec![Value::Unknown], Value::Unknown),
        Ok_("ephemeralasnull", vec![s("a")], s("a")),
    ]
}

fn conversion_errors() -> Vec<Err_> {
    vec![
        Err_("tostring", vec![ts(&[])], "Invalid value for \"v\" parameter: cannot convert tuple to string."),
        Err_(
            "tonumber",
            vec![s("no")],
            "cannot convert \"no\" to number; given string must be a decimal representation of a number.",
        ),
        Err_("tonumber", vec![b(true)], "cannot convert bool to number."),
        Err_("tobool", vec![s("no")], "cannot convert \"no\" to bool; only the strings \"true\" or \"false\" are allowed."),
    ]
}

#[test]
fn numeric_functions_match_terraform() {
    check_ok(&numeric_rows());
    check_err(&numeric_errors());
    let Ok(Value::Number(l)) = run("log", vec![n(50.0), n(10.0)]) else {
        panic!("log failed")
    };
    assert!((l - 1.6989700043360185).abs() < 1e-12, "log(50, 10) = {l}");
}

#[test]
fn string_functions_match_terraform() {
    check_ok(&string_rows());
    check_err(&string_errors());
}

#[test]
fn collection_functions_match_terraform() {
    check_ok(&collection_rows());
    check_err(&collection_errors());
}

#[test]
fn encoding_functions_match_terraform() {
    check_ok(&encoding_rows());
    check_err(&encoding_errors());
}

#[test]
fn base64gzip_round_trips_through_gunzip() {
    use base64::Engine;
    use std::io::Read;
    let Ok(Value::String(encoded)) = run("base64gzip", vec![s("test")]) else {
        panic!("base64gzip failed")
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("valid base64");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b], "gzip magic");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("valid gzip");
    assert_eq!(text, "test");
}

#[test]
fn datetime_functions_match_terraform() {
    check_ok(&datetime_rows());
    check_err(&datetime_errors());
}

#[test]
fn clock_functions_are_unknown_while_planning() {
    let planning = ctx_at(Path::new("."), true);
    for name in ["timestamp", "plantimestamp", "uuid"] {
        assert_eq!(call(name, vec![], &planning), Ok(Value::Unknown), "{name}");
    }
}

#[test]
fn clock_functions_are_known_at_apply() {
    let Ok(Value::String(ts)) = run("timestamp", vec![]) else {
        panic!("timestamp failed")
    };
    assert!(chrono::DateTime::parse_from_rfc3339(&ts).is_ok(), "{ts}");
    assert!(ts.ends_with('Z') && !ts.contains('.'), "{ts}");
    let Ok(Value::String(id)) = run("uuid", vec![]) else {
        panic!("uuid failed")
    };
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()),
        Ok(4)
    );
    assert_ne!(run("uuid", vec![]), Ok(Value::String(id)));
}

#[test]
fn crypto_functions_match_terraform() {
    check_ok(&crypto_rows());
    check_err(&[Err_(
        "uuidv5",
        vec![s("nope"), s("x")],
        "uuidv5() doesn't support namespace nope",
    )]);
}

#[test]
fn network_functions_match_terraform() {
    check_ok(&network_rows());
    check_err(&network_errors());
}

#[test]
fn conversion_functions_match_terraform() {
    check_ok(&conversion_rows());
    check_err(&conversion_errors());
}

#[test]
fn collection_conversions_keep_elements() {
    // Only what holds whatever types::convert unifies: the elements survive.
    let got = run("tolist", vec![ts(&["a", "b"])]).expect("tolist");
    assert!(got.semantic_eq(&ls(&["a", "b"])), "{got:?}");
    let got = run("tomap", vec![obj(vec![("a", s("x"))])]).expect("tomap");
    assert!(got.semantic_eq(&map(vec![("a", s("x"))])), "{got:?}");
    let got = run("toset", vec![ts(&["a"])]).expect("toset");
    assert_eq!(got.as_seq().map(|s| s.len()), Some(1));
}

#[test]
fn unknown_arguments_give_unknown_results() {
    let rows = [
        ("upper", vec![Value::Unknown]),
        ("join", vec![s(","), tup(vec![s("a"), Value::Unknown])]),
        ("length", vec![Value::Unknown]),
        ("format", vec![s("%s"), Value::Unknown]),
        ("cidrhost", vec![s("10.0.0.0/8"), Value::Unknown]),
        ("jsonencode", vec![obj(vec![("a", Value::Unknown)])]),
        ("merge", vec![obj(vec![]), Value::Unknown]),
        ("concat", vec![ts(&["a"]), Value::Unknown]),
        ("sha256", vec![Value::Unknown]),
        ("zipmap", vec![tup(vec![Value::Unknown]), ts(&["x"])]),
    ];
    for (name, args) in rows {
        assert_eq!(
            run(name, args.clone()),
            Ok(Value::Unknown),
            "{name}({args:?})"
        );
    }
}

#[test]
fn partially_unknown_collections_keep_known_parts() {
    let partial = tup(vec![s("a"), Value::Unknown]);
    assert_eq!(run("length", vec![partial.clone()]), Ok(n(2.0)));
    assert_eq!(run("element", vec![partial.clone(), n(0.0)]), Ok(s("a")));
    assert_eq!(
        run(
            "merge",
            vec![obj(vec![("a", Value::Unknown)]), obj(vec![("b", n(1.0))])]
        ),
        Ok(obj(vec![("a", Value::Unknown), ("b", n(1.0))]))
    );
    assert_eq!(
        run("values", vec![obj(vec![("a", Value::Unknown)])]),
        Ok(tup(vec![Value::Unknown]))
    );
}

#[test]
fn sensitive_arguments_give_sensitive_results() {
    assert_eq!(run("upper", vec![s("a").mark()]), Ok(s("A").mark()));
    assert_eq!(
        run("join", vec![s(","), tup(vec![s("a"), s("b").mark()])]),
        Ok(s("a,b").mark())
    );
    assert_eq!(run("length", vec![ts(&["a"]).mark()]), Ok(n(1.0).mark()));
    assert_eq!(
        run("upper", vec![Value::Unknown.mark()]),
        Ok(Value::Unknown.mark())
    );
    assert_eq!(run("lower", vec![s("A")]), Ok(s("a")), "plain stays plain");
    // The mark functions see marks rather than having them stripped.
    assert_eq!(run("nonsensitive", vec![s("a").mark()]), Ok(s("a")));
}

#[test]
fn arity_errors_read_like_terraform() {
    assert_eq!(
        run("upper", vec![]),
        Err(FuncError::Arity(
            "Function \"upper\" expects 1 argument(s). Missing value for \"str\".".into()
        ))
    );
    assert_eq!(
        run("upper", vec![s("a"), s("b")]),
        Err(FuncError::Arity(
            "Function \"upper\" expects only 1 argument(s).".into()
        ))
    );
    assert!(matches!(run("join", vec![]), Err(FuncError::Arity(m)) if m.contains("at least 1")));
}

#[test]
fn argument_errors_name_the_argument_index() {
    assert_eq!(
        run("abs", vec![s("x")]),
        Err(FuncError::Arg {
            index: 0,
            message: "Invalid value for \"num\" parameter: a number is required.".into()
        })
    );
    assert!(matches!(
        run("format", vec![s("%s"), s("a"), s("b")]),
        Err(FuncError::Arg { index: 2, .. })
    ));
}

#[test]
fn unknown_function_names_are_reported() {
    assert_eq!(run("nope", vec![]), Err(FuncError::Unknown("nope".into())));
    assert!(!exists("nope"));
}

#[test]
fn try_and_can_exist_but_are_the_evaluators() {
    assert!(exists("try") && exists("can"));
    assert!(names().contains(&"try") && names().contains(&"can"));
    assert!(matches!(
        run("try", vec![s("a")]),
        Err(FuncError::Unknown(_))
    ));
}

#[test]
fn names_are_sorted_unique_and_exist() {
    let all = names();
    assert!(all.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    assert!(all.len() > 100, "{} functions", all.len());
    assert!(all.iter().all(|n| exists(n)));
    // Every pure function of Terraform 1.15 (and its impure ones galley evaluates).
    for name in ["bcrypt", "rsadecrypt", "templatestring", "templatefile"] {
        assert!(exists(name), "{name}");
    }
}

#[test]
fn every_function_has_a_test_row() {
    let mut tested: BTreeSet<&str> = BTreeSet::new();
    let ok_rows = [
        numeric_rows(),
        string_rows(),
        collection_rows(),
        encoding_rows(),
        datetime_rows(),
        crypto_rows(),
        network_rows(),
        conversion_rows(),
    ];
    tested.extend(ok_rows.iter().flatten().map(|r| r.0));
    // Tested by dedicated tests below or above.
    tested.extend([
        "base64gzip",
        "timestamp",
        "plantimestamp",
        "uuid",
        "try",
        "can",
        "abspath",
        "basename",
        "dirname",
        "file",
        "filebase64",
        "filebase64sha256",
        "filebase64sha512",
        "fileexists",
        "filemd5",
        "fileset",
        "filesha1",
        "filesha256",
        "filesha512",
        "pathexpand",
        "templatefile",
        "templatestring",
        "bcrypt",
        "rsadecrypt",
    ]);
    let untested: Vec<_> = names().iter().filter(|n| !tested.contains(*n)).collect();
    assert!(
        untested.is_empty(),
        "functions without a test row: {untested:?}"
    );
}

mod filesystem {
    use super::*;

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("hello.txt"), "hello world").expect("write");
        std::fs::create_dir_all(dir.path().join("sub/deeper")).expect("mkdir");
        std::fs::write(dir.path().join("sub/b.txt"), "b").expect("write");
        std::fs::write(dir.path().join("sub/deeper/c.json"), "{}").expect("write");
        std::fs::write(dir.path().join("binary.bin"), [0xff, 0xfe]).expect("write");
        std::fs::write(dir.path().join("greeting.tftpl"), "Hello, ${name}!").expect("write");
        dir
    }

    fn at(dir: &Path, name: &str, args: Vec<Value>) -> Result<Value, FuncError> {
        call(name, args, &ctx_at(dir, false))
    }

    #[test]
    fn file_functions_refuse_a_file_over_their_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::limits::sparse_file(
            &dir.path().join("big.bin"),
            crate::limits::FUNCTION_FILE.max + 1,
        );
        for name in ["file", "filebase64", "filesha256"] {
            let e = at(dir.path(), name, vec![s("big.bin")]).unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.contains("cannot read \"big.bin\": it is 64.0 MiB (67108865 bytes), more than the 64 MiB limit for a file read by a function;"),
                "{name}: {msg}"
            );
        }
    }

    #[test]
    fn file_functions_read_relative_to_the_module() {
        let dir = fixture();
        let d = dir.path();
        let hello = || vec![s("hello.txt")];
        assert_eq!(at(d, "file", hello()), Ok(s("hello world")));
        assert_eq!(at(d, "filebase64", hello()), Ok(s("aGVsbG8gd29ybGQ=")));
        assert_eq!(
            at(d, "filemd5", hello()),
            Ok(s("5eb63bbbe01eeed093cb22bb8f5acdc3"))
        );
        assert_eq!(
            at(d, "filesha1", hello()),
            Ok(s("2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"))
        );
        assert_eq!(
            at(d, "filesha256", hello()),
            Ok(s(
                "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
            ))
        );
        assert_eq!(
            at(d, "filesha512", hello()),
            Ok(s("309ecc489c12d6eb4cc40f50c902f2b4d0ed77ee511a7c7a9bcd3ca86d4cd86f989dd35bc5ff499670da34255b45b0cfd830e81f605dcf7dc5542e93ae9cd76f"))
        );
        assert_eq!(
            at(d, "filebase64sha256", hello()),
            Ok(s("uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="))
        );
        assert_eq!(
            at(d, "filebase64sha512", hello()),
            Ok(s("MJ7MSJwS1utMxA9QyQLytNDtd+5RGnx6m808qG1M2G+YndNbxf9JlnDaNCVbRbDP2DDoH2Bdz33FVC6TrpzXbw=="))
        );
        assert_eq!(at(d, "filebase64", vec![s("binary.bin")]), Ok(s("//4=")));
        let abs = d.join("sub/b.txt").to_string_lossy().into_owned();
        assert_eq!(
            at(d, "file", vec![s(&abs)]),
            Ok(s("b")),
            "absolute paths are kept"
        );
    }

    #[test]
    fn file_errors_explain_the_problem() {
        let dir = fixture();
        let err = at(dir.path(), "file", vec![s("nope.txt")]).expect_err("missing file");
        assert!(
            err.to_string().starts_with(
                "Invalid value for \"path\" parameter: no file exists at \"nope.txt\";"
            ),
            "{err}"
        );
        let err = at(dir.path(), "file", vec![s("binary.bin")]).expect_err("binary file");
        assert!(
            err.to_string()
                .contains("are not valid UTF-8; use the filebase64 function"),
            "{err}"
        );
    }

    #[test]
    fn fileexists_tells_files_from_missing_and_directories() {
        let dir = fixture();
        assert_eq!(
            at(dir.path(), "fileexists", vec![s("hello.txt")]),
            Ok(b(true))
        );
        assert_eq!(
            at(dir.path(), "fileexists", vec![s("nope.txt")]),
            Ok(b(false))
        );
        let err = at(dir.path(), "fileexists", vec![s("sub")]).expect_err("directory");
        assert_eq!(err.to_string(), "\"sub\" is a directory, not a file.");
    }

    #[test]
    fn fileset_globs_relative_paths_with_double_star() {
        let dir = fixture();
        let d = dir.path();
        assert_eq!(
            at(d, "fileset", vec![s("."), s("**")]),
            Ok(set(strs(&[
                "binary.bin",
                "greeting.tftpl",
                "hello.txt",
                "sub/b.txt",
                "sub/deeper/c.json"
            ])))
        );
        assert_eq!(
            at(d, "fileset", vec![s("."), s("*.txt")]),
            Ok(set(strs(&["hello.txt"])))
        );
        assert_eq!(
            at(d, "fileset", vec![s("."), s("**/*.txt")]),
            Ok(set(strs(&["hello.txt", "sub/b.txt"])))
        );
        assert_eq!(
            at(d, "fileset", vec![s("sub"), s("*/*.json")]),
            Ok(set(strs(&["deeper/c.json"])))
        );
        assert_eq!(at(d, "fileset", vec![s("nope"), s("*")]), Ok(set(vec![])));
        let err = at(d, "fileset", vec![s("."), s("[")]).expect_err("bad pattern");
        assert!(err.to_string().contains("syntax error in pattern"), "{err}");
    }

    #[test]
    fn templatefile_renders_with_vars() {
        let dir = fixture();
        let d = dir.path();
        let vars = obj(vec![("name", s("galley"))]);
        assert_eq!(
            at(d, "templatefile", vec![s("greeting.tftpl"), vars]),
            Ok(s("Hello, galley!"))
        );
        let unknown = obj(vec![("name", Value::Unknown)]);
        assert_eq!(
            at(d, "templatefile", vec![s("greeting.tftpl"), unknown]),
            Ok(Value::Unknown)
        );
        let err =
            at(d, "templatefile", vec![s("greeting.tftpl"), n(1.0)]).expect_err("vars not a map");
        assert!(
            err.to_string()
                .contains("invalid vars value: must be a map."),
            "{err}"
        );
        let err = at(
            d,
            "templatefile",
            vec![s("greeting.tftpl"), obj(vec![("a b", n(1.0))])],
        )
        .expect_err("bad name");
        assert!(
            err.to_string()
                .contains("invalid template variable name \"a b\""),
            "{err}"
        );
    }

    #[test]
    fn path_functions_work_lexically() {
        let base = Path::new("/work/module");
        let rows = [
            ("abspath", "fs/../x", "/work/module/x"),
            ("abspath", "/etc/./hosts", "/etc/hosts"),
            ("dirname", "foo/bar/baz.txt", "foo/bar"),
            ("dirname", "foo/bar/", "foo/bar"),
            ("dirname", "foo", "."),
            ("dirname", "", "."),
            ("dirname", "/a", "/"),
            ("basename", "foo/bar/baz.txt", "baz.txt"),
            ("basename", "foo/bar/", "bar"),
            ("basename", "", "."),
            ("basename", "/", "/"),
            ("pathexpand", "/etc/hosts", "/etc/hosts"),
        ];
        for (name, arg, want) in rows {
            assert_eq!(
                call(name, vec![s(arg)], &ctx_at(base, false)),
                Ok(s(want)),
                "{name}({arg:?})"
            );
        }
        let home = std::env::var("HOME").unwrap_or_default();
        if !home.is_empty() {
            assert_eq!(
                run("pathexpand", vec![s("~/.ssh/id_rsa")]),
                Ok(Value::String(format!("{home}/.ssh/id_rsa")))
            );
        }
    }
}

/// A throw-away 1024-bit key made for this test with `openssl genrsa -traditional`; the
/// ciphertext is `openssl pkeyutl -encrypt -pkeyopt rsa_padding_mode:pkcs1` of
/// "galley-secret", which Terraform 1.15 decrypts to the same text.
const TEST_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIICWwIBAAKBgQCwyqmNl5JVRB6dombbZa8o97IxQFwJk2fZs12M7SaSVfv7KhBa
BuC65fGsu9OuwCE535/unZXB31Cu4Tc5ddREjBOhyDPCEQmozCL26bqUBUkYyrtQ
ybxYdM5RpP0TmNc5xiJ3HEf/zNhf8eTvuOlQzSrNB8re2jyoqgYtu3aGnQIDAQAB
AoGAIe7UOnQkRy9q/PCl82iCBUf9sMxcng3n+fYed6UxKRdN5Th+qPj2+4iVKYVn
rPv9pKESjnc6vlqBnv9lXScLlcbUtqXoyuF6s0gYW+xGrWnFR6zWBkXUlE1Sq6Dt
X3K2zRla+488kHEu9Eqy3pUVa4EE5lm9QL0tMLq2cM5ik7UCQQDfitU11xca+lxM
XMuYlj79dbglHZv0w4CO6nac55KpfzwAb0vzlgslqKt3hBS9VIyaFjyzaDyveMaU
9/Qg5uVDAkEAynYWIRj7wChQxu4JhU+GK4c749YZC4l/jf42LFmh5wPSYUOf2WyL
LVBw0RegG25Uvxbv99XVOEzexFaqVWY2nwJADrKdJCYZQc/WQ7sSM90lFRspWV9i
AqzcBgmKdPSQ4w4XjtvCfaiO4RH+/CO2DWDCwdrWcOFYpBznyaGn7oXf6wJAZlNm
fdXlr0nxAYnfT/xQYIGZ+F4GDHmy+S4JbULj/CFHXBdUnAwrD3z/d/5L0nFh7a6H
HCh7+leHo431yvG9GwJAagiwQEqQVCqI7t9dKNxsN69eN7cic0kKBSevg7yhurQF
znlb916/o2tdufthtqY8is98neYrJuXgQCZMyVkiGw==
-----END RSA PRIVATE KEY-----\n";
const TEST_CIPHERTEXT: &str = "EpiBk9RFItAA0CIYicGCz6+0sV97eVvTnRgoM0kIWtO/0MACGJ9+bUNHL6ggp051lbjjT4/xK4TjDXF5ajK/ojl65BjT7fFHcgnC1DyvwJi3CjzYMYsJBlK7Mv8ew0AX0GcsbnkPcjU3n4DqdQc+J4hF5fPQuLnded3J6SqHouw=";

#[test]
fn rsadecrypt_matches_terraform_and_rejects_bad_input() {
    assert_eq!(
        run("rsadecrypt", vec![s(TEST_CIPHERTEXT), s(TEST_KEY)]),
        Ok(s("galley-secret"))
    );
    let bad_base64 = run("rsadecrypt", vec![s("not base64!"), s(TEST_KEY)]).unwrap_err();
    assert!(bad_base64.to_string().contains("base64"), "{bad_base64}");
    let bad_key = run("rsadecrypt", vec![s(TEST_CIPHERTEXT), s("nope")]).unwrap_err();
    assert!(
        bad_key.to_string().contains("PEM-encoded RSA private key"),
        "{bad_key}"
    );
}

#[test]
fn bcrypt_hashes_verify_and_use_terraforms_version_and_cost_rules() {
    let Ok(Value::String(h)) = run("bcrypt", vec![s("hunter2"), n(4.0)]) else {
        panic!("bcrypt returns a string")
    };
    assert!(h.starts_with("$2a$04$"), "{h}");
    assert!(::bcrypt::verify("hunter2", &h).unwrap());
    let Ok(Value::String(d)) = run("bcrypt", vec![s("x"), n(3.0)]) else {
        panic!("bcrypt returns a string")
    };
    assert!(
        d.starts_with("$2a$10$"),
        "a cost below 4 means 10, as in Go: {d}"
    );
    assert!(run("bcrypt", vec![s("x"), n(32.0)]).is_err());
}
