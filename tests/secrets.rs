//! Sensitive values never show: a secret planted through a sensitive variable (by
//! `-var`, a tfvars file and `TF_VAR_`), a sensitive output and a schema-sensitive
//! attribute (`master_password`) is searched for in every stdout and stderr of plan,
//! plan `--json`, plan `-out` and apply of the saved plan, apply, a second plan,
//! `state show`, `output`, failing runs, debug logs and kitchen runs. State and plan
//! files are private (0600); only the state and plan files themselves, and outputs asked
//! for by name, `-json` or `-raw`, hold the secret (as in Terraform).

mod common;
use common::{galley, text};

use std::path::Path;
use std::process::Output;

/// A secret no fixture or message contains by chance.
fn secret(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("S3CR3T-{tag}-{}-{nanos:x}", std::process::id())
}

const STACK: &str = r#"
variable "db_password" {
  type      = string
  sensitive = true
}

# Not declared sensitive: only the provider's schema makes master_password sensitive.
variable "plain_password" {
  type = string
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_rds_cluster" "db" {
  cluster_identifier = "orders"
  engine             = "aurora-postgresql"
  engine_version     = "16.6"
  master_username    = "app"
  master_password    = var.plain_password
}

resource "terraform_data" "conn" {
  input = "postgres://app:${var.db_password}@db"
}

output "password" {
  value     = var.db_password
  sensitive = true
}

output "conn" {
  value     = terraform_data.conn.output
  sensitive = true
}

output "master" {
  value     = aws_rds_cluster.db.master_password
  sensitive = true
}
"#;

/// Runs `galley ARGS` in `dir` with the debug log on and `env` set.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = galley(dir);
    c.args(args).env("GALLEY_LOG", "debug");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("galley runs")
}

/// Fails when `secret` is anywhere in the output of `what`.
fn hidden(what: &str, o: &Output, secret: &str) {
    let all = text(o);
    assert!(!all.contains(secret), "{what} shows the secret:\n{all}");
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .expect("file exists")
        .permissions()
        .mode()
        & 0o777
}

fn stack() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.tf"), STACK).unwrap();
    tmp
}

#[test]
fn sensitive_values_never_show_in_plans_applies_state_or_outputs() {
    let tmp = stack();
    let dir = tmp.path();
    let pw = secret("var");
    let master = secret("schema");
    let var = format!("db_password={pw}");
    let plain = format!("plain_password={master}");
    let vars = ["-var", var.as_str(), "-var", plain.as_str()];
    let check = |what: &str, o: &Output| {
        hidden(what, o, &pw);
        hidden(what, o, &master);
    };

    let plan = run(dir, &[&["--sim", "plan"], &vars[..]].concat(), &[]);
    assert!(plan.status.success(), "{}", text(&plan));
    assert!(text(&plan).contains("(sensitive value)"), "{}", text(&plan));
    check("plan", &plan);

    let json = run(
        dir,
        &[&["--sim", "plan", "--json"], &vars[..]].concat(),
        &[],
    );
    assert!(json.status.success(), "{}", text(&json));
    check("plan --json", &json);

    let out = run(
        dir,
        &[&["--sim", "plan", "-out", "saved.plan"], &vars[..]].concat(),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    check("plan -out", &out);
    #[cfg(unix)]
    assert_eq!(
        mode(&dir.join("saved.plan")),
        0o600,
        "the plan file is private"
    );

    let apply = run(dir, &["--sim", "apply", "saved.plan"], &[]);
    assert!(apply.status.success(), "{}", text(&apply));
    check("apply of a saved plan", &apply);
    #[cfg(unix)]
    assert_eq!(
        mode(&dir.join("galley.tfstate")),
        0o600,
        "the state is private"
    );

    // The provider's answer for master_password comes back from state: still hidden.
    let again = run(
        dir,
        &[&["--sim", "plan", "-detailed-exitcode"], &vars[..]].concat(),
        &[],
    );
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    check("second plan", &again);
    let again = run(
        dir,
        &[&["--sim", "plan", "--json"], &vars[..]].concat(),
        &[],
    );
    check("second plan --json", &again);

    // A change to the secret is an update that shows neither value.
    let pw2 = secret("var2");
    let var2 = format!("db_password={pw2}");
    let change = run(dir, &["--sim", "plan", "-var", &var2, "-var", &plain], &[]);
    assert!(change.status.success(), "{}", text(&change));
    check("plan of a changed secret", &change);
    hidden("plan of a changed secret", &change, &pw2);

    for addr in ["aws_rds_cluster.db", "terraform_data.conn"] {
        let show = run(dir, &["state", "show", addr], &[]);
        assert!(show.status.success(), "{}", text(&show));
        check("state show", &show);
    }
    let list = run(dir, &["state", "list"], &[]);
    check("state list", &list);

    let outputs = run(dir, &["output"], &[]);
    assert!(outputs.status.success(), "{}", text(&outputs));
    assert!(
        text(&outputs).contains("password = <sensitive>"),
        "{}",
        text(&outputs)
    );
    check("output", &outputs);
    // Asked for by name, or with -raw, the value is shown, as Terraform 1.15 does
    // (`terraform output password` prints "hunter2x").
    let one = run(dir, &["output", "password"], &[]);
    assert_eq!(
        String::from_utf8_lossy(&one.stdout).trim(),
        format!("\"{pw}\"")
    );
    let raw = run(dir, &["output", "-raw", "password"], &[]);
    assert_eq!(String::from_utf8_lossy(&raw.stdout).trim(), pw);
    let raw = run(dir, &["output", "-raw", "master"], &[]);
    assert_eq!(String::from_utf8_lossy(&raw.stdout).trim(), master);

    // The same secret by TF_VAR_ and by a tfvars file.
    std::fs::write(
        dir.join("secret.tfvars"),
        format!("plain_password = \"{master}\"\n"),
    )
    .unwrap();
    let env = run(
        dir,
        &[
            "--sim",
            "apply",
            "-auto-approve",
            "-var-file",
            "secret.tfvars",
        ],
        &[("TF_VAR_db_password", &pw)],
    );
    assert!(env.status.success(), "{}", text(&env));
    check("apply with TF_VAR_ and -var-file", &env);
    hidden("apply with TF_VAR_ and -var-file", &env, &pw2);

    let destroy = run(
        dir,
        &[
            "--sim",
            "destroy",
            "-auto-approve",
            "-var-file",
            "secret.tfvars",
        ],
        &[("TF_VAR_db_password", &pw)],
    );
    assert!(destroy.status.success(), "{}", text(&destroy));
    check("destroy", &destroy);
}

#[test]
fn errors_about_sensitive_values_do_not_quote_them() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pw = secret("err");
    std::fs::write(
        dir.join("main.tf"),
        r#"
variable "token" {
  type      = string
  sensitive = true
  validation {
    condition     = length(var.token) > 200
    error_message = "The token ${var.token} is too short."
  }
}

resource "terraform_data" "n" {
  input = tonumber(var.token)
  lifecycle {
    precondition {
      condition     = var.token == "other"
      error_message = "Wrong token: ${var.token}."
    }
  }
}
"#,
    )
    .unwrap();
    let var = format!("token={pw}");
    for args in [
        vec!["--sim", "plan", "-var", var.as_str()],
        vec!["--sim", "plan", "--json", "-var", var.as_str()],
        vec!["--sim", "apply", "-auto-approve", "-var", var.as_str()],
        vec!["validate"],
    ] {
        let o = run(dir, &args, &[]);
        hidden(&args.join(" "), &o, &pw);
    }
    // Without the validation, the conversion and the precondition fail.
    let text_ = std::fs::read_to_string(dir.join("main.tf")).unwrap();
    let start = text_.find("  validation").unwrap();
    let end = text_[start..].find("  }\n").unwrap() + start + 4;
    std::fs::write(
        dir.join("main.tf"),
        format!("{}{}", &text_[..start], &text_[end..]),
    )
    .unwrap();
    let o = run(dir, &["--sim", "plan", "-var", &var], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    hidden("plan failing on a conversion", &o, &pw);
    std::fs::write(
        dir.join("main.tf"),
        std::fs::read_to_string(dir.join("main.tf"))
            .unwrap()
            .replace("tonumber(var.token)", "var.token"),
    )
    .unwrap();
    let o = run(dir, &["--sim", "plan", "-var", &var], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    hidden("plan failing on a precondition", &o, &pw);
}

#[test]
fn kitchen_runs_do_not_show_sensitive_values() {
    let tmp = stack();
    let dir = tmp.path();
    let pw = secret("kitchen");
    let master = secret("kschema");
    std::fs::write(
        dir.join("stack.kitchen.hcl"),
        format!(
            r#"
variables {{
  db_password    = "{pw}"
  plain_password = "{master}"
}}

run "create" {{
  assert {{
    condition     = output.password == "wrong"
    error_message = "The password is ${{output.password}}."
  }}
}}
"#
        ),
    )
    .unwrap();
    let o = run(dir, &["kitchen", "run"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    hidden("kitchen run", &o, &pw);
    hidden("kitchen run", &o, &master);
    // Nothing the kitchen leaves on disk quotes the secret outside private files.
    let mut stack = vec![dir.join(".galley")];
    while let Some(p) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&p) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            let body = String::from_utf8_lossy(&bytes);
            if body.contains(&pw) || body.contains(&master) {
                #[cfg(unix)]
                assert_eq!(mode(&path), 0o600, "{} holds the secret", path.display());
            }
        }
    }
}
