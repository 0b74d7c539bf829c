//! Simulator rules judged at the right moment: what a plan cannot know yet is judged when
//! it is known, as the real API would.

mod common;
use common::{run, text};

/// A Route 53 record whose `alias` block comes from a `dynamic` block over a value known
/// only after apply (a load balancer's DNS name) may turn out to have an alias: the plan
/// must not refuse it as "a record without alias needs records".
#[test]
fn a_dynamic_alias_known_only_after_apply_plans_and_applies() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        r#"provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "v" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "s" {
  for_each          = { a = "10.0.1.0/24", b = "10.0.2.0/24" }
  vpc_id            = aws_vpc.v.id
  cidr_block        = each.value
  availability_zone = "eu-west-1${each.key}"
}

resource "aws_lb" "web" {
  name    = "web"
  subnets = [for s in aws_subnet.s : s.id]
}

resource "aws_route53_zone" "z" {
  name = "example.com"
}

resource "aws_route53_record" "r" {
  zone_id = aws_route53_zone.z.zone_id
  name    = "app"
  type    = "A"
  dynamic "alias" {
    for_each = aws_lb.web.dns_name != null ? [1] : []
    content {
      name                   = aws_lb.web.dns_name
      zone_id                = aws_lb.web.zone_id
      evaluate_target_health = true
    }
  }
}
"#,
    )
    .unwrap();
    let o = run(tmp.path(), &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(tmp.path(), &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
