//! Behaviour of the validate-time checks.

use std::collections::BTreeMap;

use super::*;
use crate::diag::SourceMap;
use crate::provider::Attribute;
use crate::types::Type;

fn check_files(files: &[(&str, &str)], schemas: &BTreeMap<String, ProviderSchema>) -> Diagnostics {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (config, d) = crate::config::load_config(dir.path(), &SourceMap::new());
    assert!(!d.has_errors(), "{d}");
    check(&config, schemas)
}

fn check_main(text: &str) -> Diagnostics {
    check_files(&[("main.tf", text)], &BTreeMap::new())
}

fn summaries(d: &Diagnostics) -> Vec<String> {
    d.iter().map(|d| d.summary.clone()).collect()
}

/// A provider `toy` serving one resource type with one required and one optional argument.
fn toy_schema() -> BTreeMap<String, ProviderSchema> {
    let mut ps = ProviderSchema::default();
    ps.resources.insert(
        "toy_box".into(),
        Schema::default()
            .attr("name", Attribute::required(Type::String))
            .attr("size", Attribute::optional(Type::Number))
            .attr("id", Attribute::computed(Type::String)),
    );
    BTreeMap::from([("toy".to_string(), ps)])
}

#[test]
fn valid_config_with_unknown_inputs_has_no_errors() {
    let d = check_main(
        r#"
variable "names" { type = list(string) }
variable "enabled" {
  type    = bool
  default = true
}
locals {
  upper   = [for n in var.names : upper(n)]
  by_name = { for n in var.names : n => length(n) }
  first   = try(var.names[0], null)
  tags    = { Team = "core" }
  team    = local.tags.Team
}
resource "aws_thing" "a" {
  count = var.enabled ? length(var.names) : 0
  name  = "${var.names[count.index]}-${local.team}"
  dynamic "rule" {
    for_each = var.names
    content {
      name = rule.value
    }
  }
}
output "n" { value = join(",", local.upper) }
"#,
    );
    assert!(d.is_empty(), "{d}");
}

#[test]
fn wrong_argument_count_is_reported() {
    let d = check_main("locals {\n  x = length(\"a\", \"b\")\n}\n");
    assert_eq!(summaries(&d), ["Wrong number of arguments"], "{d}");
}

#[test]
fn wrong_argument_type_of_a_constant_is_reported() {
    let d = check_main("output \"x\" {\n  value = upper([1])\n}\n");
    assert_eq!(summaries(&d), ["Invalid function argument"], "{d}");
}

#[test]
fn unknown_inputs_never_cause_type_errors() {
    let d = check_main(
        "variable \"v\" {}\nlocals {\n  a = upper(var.v)\n  b = var.v + 1\n  c = var.v.x[\"y\"]\n  d = [for k, v in var.v : v if k != \"z\"]\n}\n",
    );
    assert!(d.is_empty(), "{d}");
}

#[test]
fn known_local_values_are_checked_through_references() {
    let d = check_main("locals {\n  tags = { Team = \"core\" }\n  owner = local.tags.Owner\n}\n");
    assert_eq!(summaries(&d), ["Unsupported attribute"], "{d}");
}

#[test]
fn default_that_does_not_match_the_type_is_reported() {
    let d = check_main("variable \"n\" {\n  type    = number\n  default = \"many\"\n}\n");
    assert_eq!(summaries(&d), ["Invalid default value for variable"], "{d}");
}

#[test]
fn count_outside_a_counted_block_is_reported() {
    let d = check_main("resource \"aws_thing\" \"a\" {\n  name = count.index\n}\n");
    assert_eq!(
        summaries(&d),
        ["Reference to \"count\" in non-counted context"],
        "{d}"
    );
}

#[test]
fn constant_count_of_the_wrong_type_is_reported() {
    let d = check_main("resource \"aws_thing\" \"a\" {\n  count = \"two\"\n}\n");
    assert_eq!(summaries(&d), ["Invalid count argument"], "{d}");
}

#[test]
fn resource_of_a_provider_without_schema_is_not_schema_checked() {
    let d = check_files(
        &[(
            "main.tf",
            "resource \"aws_thing\" \"a\" {\n  anything = 1\n  nested {\n    goes = true\n  }\n}\n",
        )],
        &toy_schema(),
    );
    assert!(d.is_empty(), "{d}");
}

#[test]
fn resource_of_a_served_provider_is_checked_against_its_schema() {
    let d = check_files(
        &[(
            "main.tf",
            "resource \"toy_box\" \"a\" {\n  size  = \"big\"\n  color = \"red\"\n  id    = \"x\"\n}\nresource \"toy_crate\" \"b\" {}\n",
        )],
        &toy_schema(),
    );
    let mut s = summaries(&d);
    s.sort();
    assert_eq!(
        s,
        [
            "Incorrect attribute value type",
            "Invalid or unknown key",
            "Invalid resource type",
            "Missing required argument",
            "Unsupported argument",
        ],
        "{d}"
    );
}

#[test]
fn errors_in_every_module_are_reported() {
    let d = check_files(
        &[
            (
                "main.tf",
                "module \"child\" {\n  source = \"./child\"\n}\nlocals {\n  a = abs()\n}\n",
            ),
            ("child/main.tf", "locals {\n  b = abs(\"x\")\n}\n"),
        ],
        &BTreeMap::new(),
    );
    let mut s = summaries(&d);
    s.sort();
    assert_eq!(
        s,
        ["Invalid function argument", "Wrong number of arguments"],
        "{d}"
    );
}

#[test]
fn repeated_problem_at_one_place_is_reported_once() {
    let d = check_main(
        "locals {\n  bad = upper([1])\n}\noutput \"a\" { value = local.bad }\noutput \"b\" { value = local.bad }\n",
    );
    assert_eq!(d.0.len(), 1, "{d}");
}
