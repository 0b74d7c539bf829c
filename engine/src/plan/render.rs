//! The human plan: Terraform's familiar `+ ~ - -/+` diff with `(known after apply)`.

use std::fmt::Write;

use super::{Action, OutputChange, Plan, ResourceChange, REPLACE_TRIGGERED};
use crate::value::{quote_key, Value};

/// Renders a plan as `galley plan` prints it.
pub fn render_plan(plan: &Plan) -> String {
    let mut out = String::new();
    let changes: Vec<&ResourceChange> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp || c.moved_from.is_some() || c.importing.is_some())
        .collect();
    let output_changes: Vec<(&String, &OutputChange)> = plan
        .outputs
        .iter()
        .filter(|(_, o)| o.action != Action::NoOp)
        .collect();
    if changes.is_empty() && output_changes.is_empty() {
        out.push_str("No changes. Your infrastructure matches the configuration.\n");
        return out;
    }
    if !changes.is_empty() {
        out.push_str("galley will perform the following actions:\n");
        for c in &changes {
            out.push('\n');
            render_change(&mut out, c);
        }
        let s = plan.summary();
        let import = if s.import > 0 {
            format!("{} to import, ", s.import)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "\nPlan: {import}{} to add, {} to change, {} to destroy.",
            s.add, s.change, s.destroy
        );
    }
    if !plan.upgrades.is_empty() {
        out.push_str("\nUpgrades:\n");
        for u in &plan.upgrades {
            out.push('\n');
            out.push_str(&u.render());
        }
    }
    if !output_changes.is_empty() {
        out.push_str("\nChanges to Outputs:\n");
        for (name, o) in output_changes {
            let sym = symbol(o.action);
            let val = match (&o.after, o.sensitive) {
                (_, true) => "(sensitive value)".to_string(),
                (Some(v), false) => inline(v),
                (None, false) => "null".to_string(),
            };
            match (o.action, &o.before) {
                (Action::Update, Some(b)) if !o.sensitive => {
                    let _ = writeln!(out, "  {sym} {name} = {} -> {val}", inline(b));
                }
                (Action::Delete, Some(b)) => {
                    let _ = writeln!(
                        out,
                        "  {sym} {name} = {} -> null",
                        if o.sensitive {
                            "(sensitive value)".into()
                        } else {
                            inline(b)
                        }
                    );
                }
                _ => {
                    let _ = writeln!(out, "  {sym} {name} = {val}");
                }
            }
        }
    }
    out
}

fn symbol(a: Action) -> &'static str {
    match a {
        Action::Create => "+",
        Action::Update => "~",
        Action::Delete => "-",
        Action::Replace => "-/+",
        Action::Read => "<=",
        Action::NoOp => " ",
    }
}

fn render_change(out: &mut String, c: &ResourceChange) {
    let addr = match &c.deposed {
        Some(d) => format!("{} (deposed object {d})", c.addr),
        None => c.addr.to_string(),
    };
    let triggered = c.action == Action::Replace && c.reason.as_deref() == Some(REPLACE_TRIGGERED);
    let what = match c.action {
        Action::Create => "will be created",
        Action::Update => "will be updated in-place",
        Action::Delete => "will be destroyed",
        Action::Replace if triggered => "will be replaced due to changes in replace_triggered_by",
        Action::Replace => "must be replaced",
        Action::Read => "will be read during apply",
        Action::NoOp => "",
    };
    // As Terraform: a pure move or import is named by what happens to the address.
    match (c.action, &c.moved_from) {
        (Action::NoOp, Some(from)) => {
            let _ = writeln!(out, "  # {from} has moved to {addr}");
        }
        (Action::NoOp, None) if c.importing.is_some() => {
            let _ = writeln!(out, "  # {addr} will be imported");
        }
        _ => {
            let _ = writeln!(out, "  # {addr} {what}");
            if let Some(r) = c.reason.as_ref().filter(|_| !triggered) {
                let _ = writeln!(out, "  # ({r})");
            }
            if let Some(from) = &c.moved_from {
                let _ = writeln!(out, "  # (moved from {from})");
            }
            if let Some(id) = &c.importing {
                let _ = writeln!(
                    out,
                    "  # (imported from {})",
                    crate::value::quote_string(id)
                );
            }
        }
    }
    let sym = if c.action == Action::Replace && c.create_before_destroy {
        "+/-"
    } else {
        symbol(c.action)
    };
    let kw = if c.addr.resource.mode == crate::addr::Mode::Data {
        "data"
    } else {
        "resource"
    };
    let _ = writeln!(
        out,
        "  {sym} {kw} \"{}\" \"{}\" {{",
        c.addr.resource.type_name, c.addr.resource.name
    );
    let empty = crate::value::ValueMap::new();
    let before = c.before.as_ref().and_then(|v| v.as_map()).unwrap_or(&empty);
    let after = c.after.as_ref().and_then(|v| v.as_map()).unwrap_or(&empty);
    let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
    keys.sort();
    keys.dedup();
    let width = keys
        .iter()
        .filter(|k| shown(before.get(**k), after.get(**k), c.action))
        .map(|k| quote_key(k).len())
        .max()
        .unwrap_or(0);
    let mut unchanged = 0;
    for k in keys {
        let b = before.get(k);
        let a = after.get(k);
        if !shown(b, a, c.action) {
            if b.is_some_and(|v| !v.is_null()) {
                unchanged += 1;
            }
            continue;
        }
        let key = format!("{:width$}", quote_key(k));
        let forces = c.replace_paths.iter().any(|p| p.first() == Some(k));
        let note = if forces { " # forces replacement" } else { "" };
        match (b.filter(|v| !v.is_null()), a.filter(|v| !v.is_null())) {
            (None, Some(a)) => {
                let _ = writeln!(out, "      + {key} = {}{note}", inline(a));
            }
            (Some(b), None) => {
                let _ = writeln!(out, "      - {key} = {} -> null{note}", inline(b));
            }
            (Some(b), Some(a)) => {
                let _ = writeln!(out, "      ~ {key} = {} -> {}{note}", inline(b), inline(a));
            }
            (None, None) => {}
        }
    }
    if unchanged > 0 {
        let _ = writeln!(
            out,
            "        # ({unchanged} unchanged attribute{} hidden)",
            if unchanged == 1 { "" } else { "s" }
        );
    }
    out.push_str("    }\n");
}

/// Whether an attribute line is shown for this action.
fn shown(b: Option<&Value>, a: Option<&Value>, action: Action) -> bool {
    let b_null = b.is_none_or(Value::is_null);
    let a_null = a.is_none_or(Value::is_null);
    match action {
        Action::Create | Action::Read => !a_null,
        Action::Delete => !b_null,
        _ => match (b, a) {
            (Some(b), Some(a)) => !b.semantic_eq(a) || (a.is_unknown() && !b.is_unknown()),
            _ => !(b_null && a_null),
        },
    }
}

/// A value on one line, as in the plan.
fn inline(v: &Value) -> String {
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(addr: &str, action: Action) -> ResourceChange {
        let v = Value::object([("id", Value::string("i-1")), ("input", Value::string("a"))]);
        ResourceChange {
            addr: addr.parse().expect("address"),
            action,
            provider: "provider[\"terraform\"]".into(),
            before: Some(v.clone()),
            after: Some(v),
            replace_paths: Vec::new(),
            create_before_destroy: false,
            reason: None,
            moved_from: None,
            importing: None,
            deposed: None,
        }
    }

    fn render(changes: Vec<ResourceChange>) -> String {
        let plan = Plan {
            changes,
            ..Plan::default()
        };
        assert!(plan.has_changes(), "moves and imports are changes");
        render_plan(&plan)
    }

    #[test]
    fn pure_move_is_shown_as_moved_with_the_object_unchanged() {
        let mut c = change("terraform_data.new", Action::NoOp);
        c.moved_from = Some("terraform_data.old".parse().unwrap());
        let out = render(vec![c]);
        assert!(out.contains("  # terraform_data.old has moved to terraform_data.new\n    resource \"terraform_data\" \"new\" {\n        # (2 unchanged attributes hidden)\n    }\n"), "{out}");
        assert!(
            out.contains("Plan: 0 to add, 0 to change, 0 to destroy."),
            "{out}"
        );
    }

    #[test]
    fn moved_and_updated_resource_names_its_old_address_under_the_action() {
        let mut c = change("terraform_data.new", Action::Update);
        c.moved_from = Some("terraform_data.old".parse().unwrap());
        let out = render(vec![c]);
        assert!(out.contains("  # terraform_data.new will be updated in-place\n  # (moved from terraform_data.old)\n"), "{out}");
    }

    #[test]
    fn imports_are_counted_and_named_like_terraform() {
        let mut a = change("terraform_data.a", Action::NoOp);
        a.importing = Some("abc".into());
        let mut b = change("terraform_data.b", Action::Update);
        b.importing = Some("def".into());
        let out = render(vec![a, b]);
        assert!(
            out.contains("  # terraform_data.a will be imported\n    resource"),
            "{out}"
        );
        assert!(
            out.contains(
                "  # terraform_data.b will be updated in-place\n  # (imported from \"def\")\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("Plan: 2 to import, 0 to add, 1 to change, 0 to destroy."),
            "{out}"
        );
    }

    #[test]
    fn triggered_replacement_says_why_in_its_heading() {
        let mut c = change("terraform_data.b", Action::Replace);
        c.reason = Some(REPLACE_TRIGGERED.into());
        let out = render(vec![c]);
        assert!(out.contains("  # terraform_data.b will be replaced due to changes in replace_triggered_by\n  -/+ resource"), "{out}");
    }
}
