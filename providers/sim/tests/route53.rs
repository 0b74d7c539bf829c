//! Hosted zones and weighted records.

mod common;
use std::sync::Arc;

use common::*;
use engine::provider::Provider;
use engine::value::Value;

async fn zone(p: &Arc<dyn Provider>) -> Value {
    create(p, "aws_route53_zone", obj(&[("name", s("example.com"))]))
        .await
        .unwrap()
}

fn weighted(zone: &Value, set_id: Option<&str>, weight: f64) -> Value {
    let mut pairs = vec![
        ("zone_id", s(str_of(zone, "zone_id"))),
        ("name", s("api")),
        ("type", s("A")),
        ("ttl", Value::Number(60.0)),
        ("records", Value::Tuple(vec![s("10.0.0.1")])),
        (
            "weighted_routing_policy",
            Value::Tuple(vec![obj(&[("weight", Value::Number(weight))])]),
        ),
    ];
    if let Some(id) = set_id {
        pairs.push(("set_identifier", s(id)));
    }
    obj(&pairs)
}

#[tokio::test]
async fn zone_gets_an_id_and_four_name_servers() {
    let sim = sim();
    let p = aws(&sim.factory);
    let planned = plan(
        &p,
        "aws_route53_zone",
        None,
        &obj(&[("name", s("example.com"))]),
    )
    .await
    .unwrap()
    .planned;
    assert!(attr(&planned, "zone_id").is_unknown());
    assert!(attr(&planned, "name_servers").is_unknown());
    let z = zone(&p).await;
    let id = str_of(&z, "zone_id");
    assert!(id.starts_with('Z') && id.len() == 21, "{id}");
    assert_eq!(attr(&z, "id"), attr(&z, "zone_id"));
    assert_eq!(
        attr(&z, "name_servers").as_seq().map(<[Value]>::len),
        Some(4)
    );
    assert_eq!(str_of(&z, "comment"), "Managed by Terraform");
}

#[tokio::test]
async fn weighted_record_gets_fqdn_and_composite_id() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    let r = create(&p, "aws_route53_record", weighted(&z, Some("blue"), 10.0))
        .await
        .unwrap();
    assert_eq!(str_of(&r, "fqdn"), "api.example.com");
    assert_eq!(
        str_of(&r, "id"),
        format!("{}_api.example.com_A_blue", str_of(&z, "zone_id"))
    );
}

#[tokio::test]
async fn weighted_record_without_set_identifier_is_refused() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    let r = plan(&p, "aws_route53_record", None, &weighted(&z, None, 10.0)).await;
    assert_eq!(code(r), "InvalidInput");
}

#[tokio::test]
async fn weights_must_lie_between_0_and_255() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    for bad in [256.0, -1.0, 1.5] {
        let r = plan(
            &p,
            "aws_route53_record",
            None,
            &weighted(&z, Some("x"), bad),
        )
        .await;
        assert_eq!(code(r), "InvalidInput", "{bad}");
    }
    plan(
        &p,
        "aws_route53_record",
        None,
        &weighted(&z, Some("x"), 255.0),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn set_identifier_is_unique_per_name_and_type() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    create(&p, "aws_route53_record", weighted(&z, Some("blue"), 10.0))
        .await
        .unwrap();
    create(&p, "aws_route53_record", weighted(&z, Some("green"), 0.0))
        .await
        .unwrap();
    let dup = create(&p, "aws_route53_record", weighted(&z, Some("blue"), 5.0)).await;
    assert_eq!(code(dup), "InvalidChangeBatch");
}

#[tokio::test]
async fn changing_the_weight_updates_in_place_and_shifts_traffic() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    let zone_id = str_of(&z, "zone_id").to_string();
    let blue = create(&p, "aws_route53_record", weighted(&z, Some("blue"), 100.0))
        .await
        .unwrap();
    create(&p, "aws_route53_record", weighted(&z, Some("green"), 0.0))
        .await
        .unwrap();
    let shares = sim
        .factory
        .traffic_shares("eu-west-1", &zone_id, "api.example.com", "A")
        .unwrap();
    assert_eq!(
        shares,
        vec![("blue".to_string(), 1.0), ("green".to_string(), 0.0)]
    );

    let (planned, _) = update(
        &p,
        "aws_route53_record",
        &blue,
        weighted(&z, Some("blue"), 0.0),
    )
    .await
    .unwrap();
    assert!(planned.requires_replace.is_empty());
    assert_eq!(attr(&planned.planned, "fqdn"), &s("api.example.com"));
    let shares = sim
        .factory
        .traffic_shares("eu-west-1", &zone_id, "api.example.com.", "A")
        .unwrap();
    assert_eq!(
        shares,
        vec![("blue".to_string(), 0.5), ("green".to_string(), 0.5)],
        "all zero: equal split"
    );
}

#[tokio::test]
async fn zone_with_records_cannot_be_deleted() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    let r = create(&p, "aws_route53_record", weighted(&z, Some("blue"), 1.0))
        .await
        .unwrap();
    assert_eq!(
        code(delete(&p, "aws_route53_zone", &z).await),
        "HostedZoneNotEmpty"
    );
    delete(&p, "aws_route53_record", &r).await.unwrap();
    delete(&p, "aws_route53_zone", &z).await.unwrap();
}

#[tokio::test]
async fn record_needs_records_or_alias_but_not_both() {
    let sim = sim();
    let p = aws(&sim.factory);
    let z = zone(&p).await;
    let alias = Value::Tuple(vec![obj(&[
        ("name", s("lb.example.com")),
        ("zone_id", s("Z2")),
        ("evaluate_target_health", Value::Bool(true)),
    ])]);
    let base = |extra: Vec<(&str, Value)>| {
        let mut pairs = vec![
            ("zone_id", s(str_of(&z, "zone_id"))),
            ("name", s("www")),
            ("type", s("A")),
        ];
        pairs.extend(extra);
        obj(&pairs)
    };
    assert_eq!(
        code(plan(&p, "aws_route53_record", None, &base(vec![])).await),
        "InvalidInput"
    );
    let both = base(vec![
        ("alias", alias.clone()),
        ("records", Value::Tuple(vec![s("1.2.3.4")])),
        ("ttl", Value::Number(1.0)),
    ]);
    assert_eq!(
        code(plan(&p, "aws_route53_record", None, &both).await),
        "InvalidInput"
    );
    create(&p, "aws_route53_record", base(vec![("alias", alias)]))
        .await
        .unwrap();
}
