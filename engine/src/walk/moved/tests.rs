use super::*;
use crate::diag::SourceMap;
use crate::state::InstanceState;
use crate::value::Value;

fn config(files: &[(&str, &str)]) -> (Config, Diagnostics, SourceMap) {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let sources = SourceMap::new();
    let (c, d) = crate::config::load_config(dir.path(), &sources);
    (c, d, sources)
}

fn state(addrs: &[&str]) -> State {
    let mut st = State::new();
    for a in addrs {
        let addr: ResourceInstance = a.parse().expect("address");
        st.set_instance(
            &addr,
            "provider[\"terraform\"]",
            InstanceState::new(Value::object([("id", Value::string(*a))])),
        );
    }
    st
}

fn addrs(st: &State) -> Vec<String> {
    st.instances().map(|(a, _)| a.to_string()).collect()
}

/// Loads `main.tf` (plus files), applies its written and implied moves to a state holding
/// `before`, and returns the state's addresses after, with the results.
fn run(files: &[(&str, &str)], before: &[&str]) -> (Vec<String>, MoveResults) {
    let (c, d, _) = config(files);
    assert!(!d.has_errors(), "{d:?}");
    let (mut stmts, d) = statements(&c);
    assert!(d.is_empty(), "{d:?}");
    let mut st = state(before);
    let implied = implied(&c, &st, &stmts);
    stmts.extend(implied);
    assert!(check(&stmts).is_empty(), "{:?}", check(&stmts));
    let r = apply(&stmts, &mut st);
    (addrs(&st), r)
}

fn moved_block(from: &str, to: &str) -> String {
    format!("moved {{\n  from = {from}\n  to   = {to}\n}}\n")
}

#[test]
fn renamed_resource_keeps_its_object_and_records_the_old_address() {
    let tf = format!(
        "resource \"terraform_data\" \"new\" {{}}\n{}",
        moved_block("terraform_data.old", "terraform_data.new")
    );
    let (after, r) = run(&[("main.tf", &tf)], &["terraform_data.old"]);
    assert_eq!(after, ["terraform_data.new"]);
    let new: ResourceInstance = "terraform_data.new".parse().unwrap();
    assert_eq!(r.moved[&new].to_string(), "terraform_data.old");
}

#[test]
fn whole_resource_move_keeps_every_instance_key() {
    let tf = format!(
        "resource \"terraform_data\" \"b\" {{\n  count = 2\n}}\n{}",
        moved_block("terraform_data.a", "terraform_data.b")
    );
    let (after, r) = run(
        &[("main.tf", &tf)],
        &["terraform_data.a[0]", "terraform_data.a[1]"],
    );
    assert_eq!(after, ["terraform_data.b[0]", "terraform_data.b[1]"]);
    assert_eq!(r.moved.len(), 2);
}

#[test]
fn instance_keys_move_between_count_and_for_each() {
    let tf = format!(
        "resource \"terraform_data\" \"a\" {{\n  for_each = toset([\"x\"])\n}}\n{}",
        moved_block("terraform_data.a[0]", "terraform_data.a[\"x\"]")
    );
    let (after, _) = run(&[("main.tf", &tf)], &["terraform_data.a[0]"]);
    assert_eq!(after, ["terraform_data.a[\"x\"]"]);
}

#[test]
fn adding_or_removing_count_implies_a_move_of_the_zeroth_instance() {
    let counted = "resource \"terraform_data\" \"a\" {\n  count = 1\n}\n";
    let (after, r) = run(&[("main.tf", counted)], &["terraform_data.a"]);
    assert_eq!(after, ["terraform_data.a[0]"]);
    assert_eq!(r.moved.len(), 1);
    let single = "resource \"terraform_data\" \"a\" {}\n";
    let (after, _) = run(
        &[("main.tf", single)],
        &["terraform_data.a[0]", "terraform_data.a[1]"],
    );
    assert_eq!(after, ["terraform_data.a", "terraform_data.a[1]"]);
}

#[test]
fn a_written_statement_about_the_resource_replaces_the_implied_move() {
    let tf = format!(
        "resource \"terraform_data\" \"a\" {{\n  count = 2\n}}\n{}",
        moved_block("terraform_data.a", "terraform_data.a[1]")
    );
    let (after, _) = run(&[("main.tf", &tf)], &["terraform_data.a"]);
    assert_eq!(after, ["terraform_data.a[1]"]);
}

#[test]
fn chained_moves_end_at_the_last_address_and_remember_the_first() {
    let tf = format!(
        "resource \"terraform_data\" \"c\" {{}}\n{}{}",
        // Written last-first: the order of blocks does not matter.
        moved_block("terraform_data.b", "terraform_data.c"),
        moved_block("terraform_data.a", "terraform_data.b")
    );
    let (after, r) = run(&[("main.tf", &tf)], &["terraform_data.a"]);
    assert_eq!(after, ["terraform_data.c"]);
    let c: ResourceInstance = "terraform_data.c".parse().unwrap();
    assert_eq!(r.moved[&c].to_string(), "terraform_data.a");
}

#[test]
fn resources_move_into_and_out_of_module_calls() {
    let files = [
        (
            "main.tf",
            format!(
                "module \"b\" {{\n  source = \"./m\"\n}}\nresource \"terraform_data\" \"out\" {{}}\n{}{}{}",
                moved_block("module.a", "module.b"),
                moved_block("terraform_data.x", "module.b.terraform_data.x"),
                moved_block("module.b.terraform_data.y", "terraform_data.out"),
            ),
        ),
        ("m/main.tf", "resource \"terraform_data\" \"x\" {}\nresource \"terraform_data\" \"z\" {}\n".to_string()),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let (after, _) = run(
        &files,
        &[
            "module.a.terraform_data.z",
            "module.a.terraform_data.y",
            "terraform_data.x",
        ],
    );
    assert_eq!(
        after,
        [
            "terraform_data.out",
            "module.b.terraform_data.x",
            "module.b.terraform_data.z"
        ]
    );
}

#[test]
fn module_call_move_keeps_instance_keys() {
    let files = [
        (
            "main.tf",
            format!(
                "module \"b\" {{\n  source = \"./m\"\n  count = 2\n}}\n{}",
                moved_block("module.a", "module.b")
            ),
        ),
        (
            "m/main.tf",
            "resource \"terraform_data\" \"x\" {}\n".to_string(),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let (after, _) = run(
        &files,
        &[
            "module.a[0].terraform_data.x",
            "module.a[1].terraform_data.x",
        ],
    );
    assert_eq!(
        after,
        [
            "module.b[0].terraform_data.x",
            "module.b[1].terraform_data.x"
        ]
    );
}

#[test]
fn statements_in_a_child_module_are_relative_to_each_of_its_instances() {
    let files = [
        (
            "main.tf",
            "module \"m\" {\n  source = \"./m\"\n  for_each = toset([\"p\", \"q\"])\n}\nresource \"terraform_data\" \"old\" {}\n".to_string(),
        ),
        (
            "m/main.tf",
            format!(
                "resource \"terraform_data\" \"new\" {{}}\n{}",
                moved_block("terraform_data.old", "terraform_data.new")
            ),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
    let (after, _) = run(
        &files,
        &[
            "module.m[\"p\"].terraform_data.old",
            "module.m[\"q\"].terraform_data.old",
            "terraform_data.old",
        ],
    );
    assert_eq!(
        after,
        [
            "terraform_data.old",
            "module.m[\"p\"].terraform_data.new",
            "module.m[\"q\"].terraform_data.new"
        ],
        "the root's terraform_data.old is not the child's"
    );
}

#[test]
fn a_move_onto_an_existing_object_is_not_made_and_is_reported() {
    let tf = format!(
        "resource \"terraform_data\" \"b\" {{}}\n{}",
        moved_block("terraform_data.a", "terraform_data.b")
    );
    let (after, r) = run(
        &[("main.tf", &tf)],
        &["terraform_data.a", "terraform_data.b"],
    );
    assert_eq!(after, ["terraform_data.a", "terraform_data.b"]);
    assert!(r.moved.is_empty());
    let w = blocked_warning(&r.blocked).expect("warning");
    assert!(!w.is_error());
    assert_eq!(w.summary, "Unresolved resource instance address changes");
    assert!(
        w.detail
            .unwrap()
            .contains("terraform_data.a could not move to terraform_data.b"),
        "names the move"
    );
}

fn check_errors(tf: &str) -> Vec<Diagnostic> {
    let (c, d, _) = config(&[("main.tf", tf)]);
    assert!(!d.has_errors(), "{d:?}");
    let (stmts, mut d) = statements(&c);
    d.extend(check(&stmts));
    d.0
}

#[test]
fn conflicting_statements_are_errors_with_spans() {
    let ambiguous_to = format!(
        "{}{}",
        moved_block("terraform_data.a", "terraform_data.b"),
        moved_block("terraform_data.a", "terraform_data.c")
    );
    let ambiguous_from = format!(
        "{}{}",
        moved_block("terraform_data.a", "terraform_data.b"),
        moved_block("terraform_data.c", "terraform_data.b")
    );
    let cycle = format!(
        "{}{}",
        moved_block("terraform_data.a", "terraform_data.b"),
        moved_block("terraform_data.b", "terraform_data.a")
    );
    for (tf, summary, detail) in [
        (
            ambiguous_to,
            "Ambiguous move statements",
            "Each resource can move to only one destination resource.",
        ),
        (
            ambiguous_from,
            "Ambiguous move statements",
            "Each resource can have moved from only one source resource.",
        ),
        (
            cycle,
            "Cyclic dependency in move statements",
            "form a cycle",
        ),
        (
            moved_block("terraform_data.a", "terraform_data.a"),
            "Redundant move statement",
            "to the same address",
        ),
        (
            moved_block("terraform_data.a", "null_resource.a"),
            "Resource type mismatch",
            "of a different type",
        ),
        (
            moved_block("terraform_data.a", "module.a"),
            "Invalid \"moved\" addresses",
            "both refer to resources or both refer to modules",
        ),
        (
            moved_block("terraform_data.a[var.i]", "terraform_data.b"),
            "Invalid \"moved\" address",
            "invalid index",
        ),
    ] {
        let errs = check_errors(&tf);
        assert_eq!(errs.len(), 1, "{tf}: {errs:?}");
        assert_eq!(errs[0].summary, summary, "{tf}");
        assert!(
            errs[0].detail.as_deref().unwrap_or("").contains(detail),
            "{tf}: {errs:?}"
        );
        assert!(errs[0].span.is_some(), "{tf}: has a span");
    }
}

#[test]
fn cyclic_statements_move_nothing() {
    let (c, _, _) = config(&[(
        "main.tf",
        &format!(
            "{}{}",
            moved_block("terraform_data.a", "terraform_data.b"),
            moved_block("terraform_data.b", "terraform_data.a")
        ),
    )]);
    let (stmts, _) = statements(&c);
    let mut st = state(&["terraform_data.a"]);
    let r = apply(&stmts, &mut st);
    assert_eq!(addrs(&st), ["terraform_data.a"]);
    assert!(r.moved.is_empty());
}

#[test]
fn moving_from_a_still_declared_object_is_an_error() {
    let tf = format!(
        "resource \"terraform_data\" \"a\" {{}}\nresource \"terraform_data\" \"b\" {{}}\n{}{}",
        moved_block("terraform_data.a", "terraform_data.b"),
        moved_block("terraform_data.gone[0]", "terraform_data.b")
    );
    let (c, _, _) = config(&[("main.tf", &tf)]);
    let (stmts, _) = statements(&c);
    let seen: HashSet<ResourceInstance> = ["terraform_data.a", "terraform_data.b"]
        .iter()
        .map(|a| a.parse().unwrap())
        .collect();
    let modules = |p: &[String]| {
        if p.is_empty() {
            vec![ModulePath::root()]
        } else {
            Vec::new()
        }
    };
    let d = still_declared(
        &stmts,
        &Declared {
            config: &c,
            instances: &seen,
            modules: &modules,
        },
    );
    assert_eq!(d.0.len(), 1, "{d:?}");
    assert_eq!(d.0[0].summary, "Moved object still exists");
    assert!(d.0[0]
        .detail
        .as_deref()
        .unwrap()
        .contains("declared as terraform_data.b instead"));
}
