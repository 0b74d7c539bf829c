//! Constructs common in public module repositories: `validate` and `graph` accept them
//! even where galley cannot serve their providers or install their modules, and still
//! report real mistakes. Each fixture is a minimal configuration of one construct.

mod common;
use common::{run as galley, text};

use std::path::Path;

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

/// Runs `args` in a fresh directory holding `files`; returns the exit code and output.
fn run(files: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), files);
    let o = galley(tmp.path(), args);
    (o.status.code(), text(&o))
}

const REMOTE_MODULES: &str = r#"module "registry" {
  source  = "example-org/network/cloud"
  version = "1.0.0"
  cidr    = "10.0.0.0/16"
}

module "git" {
  source = "git::https://example.com/modules.git//db?ref=v1"
}

output "vpc" {
  value = module.registry.vpc_id
}
"#;

#[test]
fn uninstalled_modules_are_warnings_for_validate_and_graph() {
    for args in [&["validate"][..], &["graph"]] {
        let (code, out) = run(&[("main.tf", REMOTE_MODULES)], args);
        assert_eq!(code, Some(0), "{args:?}: {out}");
        assert!(out.contains("Module not installed"), "{out}");
        assert!(
            out.contains("\"registry\"") && out.contains("example-org/network/cloud"),
            "{out}"
        );
        assert!(
            out.contains("\"git\"") && out.contains("git::https://example.com"),
            "{out}"
        );
    }
}

#[test]
fn uninstalled_modules_are_errors_for_plan() {
    let (code, out) = run(&[("main.tf", REMOTE_MODULES)], &["plan"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("Module not installed"), "{out}");
    assert!(out.contains("cannot be planned"), "{out}");
}

#[test]
fn resources_of_providers_galley_does_not_serve_validate() {
    let (code, out) = run(
        &[(
            "main.tf",
            r#"resource "aws_instance" "web" {
  ami           = "ami-123"
  instance_type = "t3.micro"
  root_block_device {
    volume_size = 20
  }
}

resource "kubernetes_namespace" "ns" {
  metadata {
    name = "apps"
  }
}

resource "random_password" "p" {
  length = 16
}

resource "null_resource" "hook" {
  triggers = { id = aws_instance.web.id }
  provisioner "local-exec" {
    command = "echo ${self.id}"
  }
}
"#,
        )],
        &["validate"],
    );
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("Provisioners are not run"), "{out}");
}

#[test]
fn resources_of_a_served_provider_are_checked_against_its_schema() {
    let (code, out) = run(
        &[(
            "main.tf",
            "resource \"terraform_data\" \"a\" {\n  inputs = 1\n}\n",
        )],
        &["validate"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("Unsupported argument"), "{out}");
}

#[test]
fn provisioner_on_a_served_resource_type_is_not_an_argument() {
    let (code, out) = run(
        &[(
            "main.tf",
            "resource \"terraform_data\" \"a\" {\n  input = 1\n  connection {\n    host = \"x\"\n  }\n  provisioner \"local-exec\" {\n    command = \"true\"\n  }\n}\n",
        )],
        &["validate"],
    );
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn file_functions_in_a_child_module_resolve_from_the_root() {
    let files = [
        (
            "main.tf",
            "module \"web\" {\n  source = \"./modules/web\"\n}\noutput \"page\" {\n  value = module.web.page\n}\noutput \"dir\" {\n  value = module.web.dir\n}\n",
        ),
        (
            "modules/web/main.tf",
            "output \"page\" {\n  value = templatefile(\"${path.module}/files/page.tpl\", { name = \"x\" })\n}\noutput \"dir\" {\n  value = path.module\n}\n",
        ),
        ("modules/web/files/page.tpl", "hello ${name}"),
    ];
    let (code, out) = run(&files, &["validate"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&files, &["plan"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("\"hello x\""), "{out}");
    assert!(out.contains("dir = \"modules/web\""), "{out}");
}

#[test]
fn missing_file_with_a_constant_path_is_an_error_at_validate() {
    let (code, out) = run(
        &[("main.tf", "locals {\n  cfg = file(\"server.yaml\")\n}\n")],
        &["validate"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("no file exists") && out.contains("\"server.yaml\""),
        "{out}"
    );
}

#[test]
fn module_inputs_must_match_the_child_variables() {
    let (code, out) = run(
        &[
            (
                "main.tf",
                "module \"db\" {\n  source = \"./db\"\n  sise   = 2\n}\n",
            ),
            (
                "db/main.tf",
                "variable \"size\" {}\nvariable \"engine\" {\n  default = \"pg\"\n}\n",
            ),
        ],
        &["validate"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("An argument named \"sise\" is not expected here"),
        "{out}"
    );
    assert!(out.contains("The argument \"size\" is required"), "{out}");
    assert!(!out.contains("\"engine\""), "{out}");
}

#[test]
fn expressions_common_in_public_modules_validate() {
    // Conditionals on unknown inputs, for expressions over maps, splats of counted
    // resources, try/can, dynamic blocks and nested templates.
    let (code, out) = run(
        &[(
            "main.tf",
            r#"variable "create" {
  type    = bool
  default = true
}
variable "subnets" {
  type = map(object({ cidr = string, az = optional(string) }))
  default = {}
}
locals {
  create   = var.create && length(var.subnets) > 0
  azs      = distinct(compact([for k, s in var.subnets : try(s.az, null)]))
  tags     = merge({ Name = "x" }, var.create ? { Managed = "yes" } : {})
  policies = { for k, v in var.subnets : k => v if can(cidrhost(v.cidr, 1)) }
  count    = local.create ? 1 : 0
}
resource "aws_vpc" "this" {
  count      = local.count
  cidr_block = "10.0.0.0/16"
  tags       = merge(local.tags, { Name = format("%s-vpc", "x") })
  dynamic "ipv6" {
    for_each = var.create ? [1] : []
    content {
      size = ipv6.value
    }
  }
}
output "vpc_id" {
  value = try(aws_vpc.this[0].id, null)
}
output "ids" {
  value = aws_vpc.this[*].id
}
"#,
        )],
        &["validate"],
    );
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn a_provider_block_in_a_child_module_reads_that_modules_names() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        tmp.path(),
        &[
            (
                "main.tf",
                "module \"asia\" {\n  source = \"./net\"\n  region = \"ap-southeast-1\"\n}\n",
            ),
            (
                "net/main.tf",
                r#"variable "region" {
  type = string
}

provider "aws" {
  region = var.region
}

resource "aws_vpc" "this" {
  cidr_block = "10.0.0.0/16"
}
"#,
            ),
        ],
    );
    let o = galley(tmp.path(), &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let world = std::fs::read_to_string(tmp.path().join(".galley/sim/aws--ap-southeast-1.json"))
        .unwrap_or_default();
    assert!(world.contains("10.0.0.0/16"), "{world}");
}

#[test]
fn a_module_with_its_own_provider_cannot_be_called_with_count() {
    let (code, out) = run(
        &[
            (
                "main.tf",
                "module \"m\" {\n  source = \"./m\"\n  count  = 2\n}\n",
            ),
            (
                "m/main.tf",
                "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n",
            ),
        ],
        &["validate"],
    );
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("Module is incompatible with count, for_each, and depends_on"),
        "{out}"
    );
    assert!(out.contains("main.tf:3:12"), "points at count: {out}");
    // Passing the provider in is fine.
    let (code, out) = run(
        &[
            (
                "main.tf",
                "provider \"aws\" {\n  region = \"eu-west-1\"\n}\n\nmodule \"m\" {\n  source = \"./m\"\n  count  = 2\n}\n",
            ),
            ("m/main.tf", "variable \"x\" {\n  default = 1\n}\n"),
        ],
        &["validate"],
    );
    assert_eq!(code, Some(0), "{out}");
}

/// A git repository holding a `vpc` module at `modules/vpc`, its first commit tagged v1.0.0.
fn module_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("modules/vpc");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(
        module.join("main.tf"),
        r#"variable "cidr" {
  type = string
}

resource "aws_vpc" "this" {
  cidr_block = var.cidr
}

output "id" {
  value = aws_vpc.this.id
}
"#,
    )
    .unwrap();
    common::commit_and_tag(dir.path(), "v1.0.0");
    dir
}

#[test]
fn a_git_module_is_fetched_by_init_pinned_and_used_offline() {
    let repo = module_repo();
    let stack = tempfile::tempdir().unwrap();
    let dir = stack.path();
    std::fs::write(
        dir.join("main.tf"),
        format!(
            r#"provider "aws" {{
  region = "eu-west-1"
}}

module "net" {{
  source = "git::file://{}//modules/vpc?ref=v1.0.0"
  cidr   = "10.7.0.0/16"
}}

output "vpc" {{
  value = module.net.id
}}
"#,
            repo.path().display()
        ),
    )
    .unwrap();

    let o = galley(dir, &["--sim", "plan"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("Run `galley init`"), "{}", text(&o));

    let o = galley(dir, &["init"]);
    assert!(o.status.success(), "{}", text(&o));
    let lock = std::fs::read_to_string(dir.join(".galley.lock.hcl")).unwrap();
    assert!(lock.contains("modules/vpc?ref=v1.0.0"), "{lock}");
    assert!(lock.contains("commit"), "{lock}");

    let o = galley(dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("1 added"), "{}", text(&o));

    // Offline: the repository is gone; the pinned checkout serves plan.
    drop(repo);
    let o = galley(dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
