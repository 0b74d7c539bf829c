//! The `galley_sim_traffic` data source: weighted shares on the virtual clock and errors
//! where no ready capacity serves them.

mod common;
use std::sync::Arc;
use std::time::Duration;

use common::*;
use engine::provider::Provider;
use engine::value::Value;

async fn zone(p: &Arc<dyn Provider>) -> Value {
    create(p, "aws_route53_zone", obj(&[("name", s("example.com"))]))
        .await
        .unwrap()
}

fn weighted_cname(zone: &Value, set_id: &str, lb: &Value, weight: f64) -> Value {
    obj(&[
        ("zone_id", s(str_of(zone, "zone_id"))),
        ("name", s("api")),
        ("type", s("CNAME")),
        ("ttl", Value::Number(60.0)),
        ("records", Value::List(vec![s(str_of(lb, "dns_name"))])),
        ("set_identifier", s(set_id)),
        (
            "weighted_routing_policy",
            Value::List(vec![obj(&[("weight", Value::Number(weight))])]),
        ),
    ])
}

fn weighted_alias(zone: &Value, set_id: &str, lb: &Value, weight: f64) -> Value {
    obj(&[
        ("zone_id", s(str_of(zone, "zone_id"))),
        ("name", s("api")),
        ("type", s("A")),
        ("set_identifier", s(set_id)),
        (
            "weighted_routing_policy",
            Value::List(vec![obj(&[("weight", Value::Number(weight))])]),
        ),
        (
            "alias",
            Value::List(vec![obj(&[
                ("name", s(str_of(lb, "dns_name"))),
                ("zone_id", s(str_of(lb, "zone_id"))),
                ("evaluate_target_health", Value::Bool(true)),
            ])]),
        ),
    ])
}

/// What the data source reports: (set_identifier -> (share, ready, errors)), error_rate.
struct Traffic {
    targets: Vec<(String, f64, bool, f64)>,
    error_rate: f64,
}

impl Traffic {
    fn share(&self, set_id: &str) -> f64 {
        self.row(set_id).1
    }

    fn errors(&self, set_id: &str) -> f64 {
        self.row(set_id).3
    }

    fn ready(&self, set_id: &str) -> bool {
        self.row(set_id).2
    }

    fn row(&self, set_id: &str) -> &(String, f64, bool, f64) {
        self.targets
            .iter()
            .find(|t| t.0 == set_id)
            .unwrap_or_else(|| panic!("no target {set_id}"))
    }
}

async fn traffic(p: &Arc<dyn Provider>, name: &str, t: &str) -> Traffic {
    let v = p
        .read_data(
            "galley_sim_traffic",
            &obj(&[("name", s(name)), ("type", s(t))]),
        )
        .await
        .unwrap();
    let num = |v: &Value, k: &str| attr(v, k).as_f64().unwrap();
    Traffic {
        targets: attr(&v, "targets")
            .as_seq()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    str_of(r, "set_identifier").to_string(),
                    num(r, "share"),
                    attr(r, "ready").as_bool().unwrap(),
                    num(r, "errors"),
                )
            })
            .collect(),
        error_rate: num(&v, "error_rate"),
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Blue with a running instance behind it, green with an empty target group:
/// (zone, blue lb, green lb, green target group, a subnet).
async fn blue_green(p: &Arc<dyn Provider>) -> (Value, Value, Value, Value, Value) {
    let (v, subnets) = two_zones(p, 0).await;
    let (blue, blue_tg) = alb_with_group(p, "blue", &v, &subnets).await;
    let (green, green_tg) = alb_with_group(p, "green", &v, &subnets).await;
    let i = instance(p, &subnets[0]).await.unwrap();
    attach(p, &blue_tg, str_of(&i, "id")).await;
    (zone(p).await, blue, green, green_tg, subnets[0].clone())
}

#[tokio::test]
async fn blue_green_shift_follows_weights_after_the_ttl_and_shows_errors_without_capacity() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (z, blue, green, green_tg, subnet) = blue_green(&p).await;
    let b = create(
        &p,
        "aws_route53_record",
        weighted_cname(&z, "blue", &blue, 100.0),
    )
    .await
    .unwrap();
    let g = create(
        &p,
        "aws_route53_record",
        weighted_cname(&z, "green", &green, 0.0),
    )
    .await
    .unwrap();
    let t = traffic(&p, "api.example.com.", "CNAME").await;
    assert!(close(t.share("blue"), 1.0) && close(t.share("green"), 0.0));
    assert!(t.ready("blue") && !t.ready("green"));
    assert!(close(t.error_rate, 0.0));

    // 50/50: clients still hold the old answer until propagation and the TTL pass.
    let (_, b) = update(
        &p,
        "aws_route53_record",
        &b,
        weighted_cname(&z, "blue", &blue, 50.0),
    )
    .await
    .unwrap();
    let (_, g) = update(
        &p,
        "aws_route53_record",
        &g,
        weighted_cname(&z, "green", &green, 50.0),
    )
    .await
    .unwrap();
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(
        close(t.share("blue"), 1.0),
        "before the TTL: {}",
        t.share("blue")
    );
    sim.factory.advance_clock(Duration::from_secs(60));
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(close(t.share("blue"), 0.5) && close(t.share("green"), 0.5));
    // Green has no ready capacity: its half of the requests fail.
    assert!(close(t.errors("green"), 0.5) && close(t.errors("blue"), 0.0));
    assert!(close(t.error_rate, 0.5));

    // Capacity arrives behind green; then all traffic moves.
    let i = instance(&p, &subnet).await.unwrap();
    attach(&p, &green_tg, str_of(&i, "id")).await;
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(t.ready("green") && close(t.error_rate, 0.0));
    update(
        &p,
        "aws_route53_record",
        &b,
        weighted_cname(&z, "blue", &blue, 0.0),
    )
    .await
    .unwrap();
    update(
        &p,
        "aws_route53_record",
        &g,
        weighted_cname(&z, "green", &green, 100.0),
    )
    .await
    .unwrap();
    sim.factory.advance_clock(Duration::from_secs(60));
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(close(t.share("blue"), 0.0) && close(t.share("green"), 1.0));
    assert!(close(t.error_rate, 0.0));
}

#[tokio::test]
async fn a_longer_ttl_keeps_clients_on_the_old_weights_longer() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (z, blue, green, _, _) = blue_green(&p).await;
    let with_ttl = |cfg: Value, ttl: f64| {
        let mut m = cfg.as_map().cloned().unwrap();
        m.insert("ttl".into(), Value::Number(ttl));
        Value::Object(m)
    };
    let b = create(
        &p,
        "aws_route53_record",
        with_ttl(weighted_cname(&z, "blue", &blue, 1.0), 300.0),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_route53_record",
        with_ttl(weighted_cname(&z, "green", &green, 1.0), 300.0),
    )
    .await
    .unwrap();
    update(
        &p,
        "aws_route53_record",
        &b,
        with_ttl(weighted_cname(&z, "blue", &blue, 3.0), 300.0),
    )
    .await
    .unwrap();
    sim.factory.advance_clock(Duration::from_secs(299));
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(close(t.share("blue"), 0.5), "{}", t.share("blue"));
    sim.factory.advance_clock(Duration::from_secs(1));
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(close(t.share("blue"), 0.75), "{}", t.share("blue"));
}

#[tokio::test]
async fn all_zero_weights_split_equally() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (z, blue, green, _, _) = blue_green(&p).await;
    create(
        &p,
        "aws_route53_record",
        weighted_cname(&z, "blue", &blue, 0.0),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_route53_record",
        weighted_cname(&z, "green", &green, 0.0),
    )
    .await
    .unwrap();
    let t = traffic(&p, "api.example.com", "CNAME").await;
    assert!(close(t.share("blue"), 0.5) && close(t.share("green"), 0.5));
    assert!(close(t.error_rate, 0.5));
}

#[tokio::test]
async fn evaluated_target_health_keeps_traffic_off_a_target_without_capacity() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (z, blue, green, _, _) = blue_green(&p).await;
    create(
        &p,
        "aws_route53_record",
        weighted_alias(&z, "blue", &blue, 50.0),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_route53_record",
        weighted_alias(&z, "green", &green, 50.0),
    )
    .await
    .unwrap();
    let t = traffic(&p, "api.example.com", "A").await;
    assert!(close(t.share("blue"), 1.0) && close(t.share("green"), 0.0));
    assert!(close(t.error_rate, 0.0));
}

#[tokio::test]
async fn when_no_target_is_healthy_route53_uses_them_all() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (v, subnets) = two_zones(&p, 0).await;
    let (blue, _) = alb_with_group(&p, "blue", &v, &subnets).await;
    let (green, _) = alb_with_group(&p, "green", &v, &subnets).await;
    let z = zone(&p).await;
    create(
        &p,
        "aws_route53_record",
        weighted_alias(&z, "blue", &blue, 3.0),
    )
    .await
    .unwrap();
    create(
        &p,
        "aws_route53_record",
        weighted_alias(&z, "green", &green, 1.0),
    )
    .await
    .unwrap();
    let t = traffic(&p, "api.example.com", "A").await;
    assert!(close(t.share("blue"), 0.75) && close(t.share("green"), 0.25));
    assert!(close(t.error_rate, 1.0));
}

#[tokio::test]
async fn a_name_nothing_simulated_serves_is_not_ready() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    create(
        &p,
        "aws_route53_record",
        obj(&[
            ("zone_id", s(str_of(&z, "zone_id"))),
            ("name", s("www")),
            ("type", s("A")),
            ("ttl", Value::Number(60.0)),
            ("records", Value::List(vec![s("203.0.113.7")])),
        ]),
    )
    .await
    .unwrap();
    let t = traffic(&p, "www.example.com", "A").await;
    assert_eq!(t.targets.len(), 1);
    assert!(close(t.share(""), 1.0) && !t.ready(""));
    assert!(close(t.error_rate, 1.0));
    let none = traffic(&p, "nothing.example.com", "A").await;
    assert!(none.targets.is_empty() && close(none.error_rate, 0.0));
}

#[tokio::test]
async fn a_record_may_alias_a_load_balancer_of_another_region() {
    let sim = sim();
    let eu = aws(&sim.factory);
    let us = provider(&sim.factory, "aws", Some("us-east-1"));
    let (v, subnets) = two_zones(&eu, 0).await;
    let (serving, tg) = alb_with_group(&eu, "serving", &v, &subnets).await;
    let (empty, _) = alb_with_group(&eu, "empty", &v, &subnets).await;
    let i = instance(&eu, &subnets[0]).await.unwrap();
    attach(&eu, &tg, str_of(&i, "id")).await;
    // Route 53 is global: the zone and its records are kept in us-east-1's world.
    let z = zone(&us).await;
    for (set_id, lb) in [("serving", &serving), ("empty", &empty)] {
        create(
            &us,
            "aws_route53_record",
            weighted_alias(&z, set_id, lb, 1.0),
        )
        .await
        .unwrap();
    }
    let t = traffic(&us, "api.example.com", "A").await;
    assert!(t.ready("serving") && !t.ready("empty"));
    // The empty side's health is evaluated, so the ready one takes everything.
    assert!(close(t.share("serving"), 1.0) && close(t.error_rate, 0.0));
}

#[test]
fn data_sources_pass_validation_and_unknown_types_do_not() {
    let sim = sim();
    let p = aws(&sim.factory);
    let config = obj(&[("name", s("api.example.com"))]);
    assert!(p.validate("galley_sim_traffic", &config).is_empty());
    assert!(p.validate("aws_availability_zones", &obj(&[])).is_empty());
    assert!(!p.validate("aws_nothing", &obj(&[])).is_empty());
}
