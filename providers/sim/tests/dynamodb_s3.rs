//! DynamoDB tables and S3 buckets refuse what the services refuse.

mod common;

use common::*;
use engine::value::Value;

fn key(name: &str, t: &str) -> Value {
    obj(&[("name", s(name)), ("type", s(t))])
}

fn table(pairs: &[(&str, Value)]) -> Value {
    let mut all = vec![
        ("name", s("orders")),
        ("hash_key", s("pk")),
        ("attribute", Value::List(vec![key("pk", "S")])),
        ("read_capacity", Value::Number(5.0)),
        ("write_capacity", Value::Number(5.0)),
    ];
    for (k, v) in pairs {
        all.retain(|(n, _)| n != k);
        all.push((k, v.clone()));
    }
    obj(&all)
}

#[tokio::test]
async fn provisioned_table_gets_arn_and_no_stream_by_default() {
    let sim = sim();
    let p = aws(&sim.factory);
    let t = create(&p, "aws_dynamodb_table", table(&[])).await.unwrap();
    assert_eq!(str_of(&t, "id"), "orders");
    assert_eq!(str_of(&t, "billing_mode"), "PROVISIONED");
    assert_eq!(
        str_of(&t, "arn"),
        "arn:aws:dynamodb:eu-west-1:123456789012:table/orders"
    );
    assert_eq!(attr(&t, "stream_arn"), &s(""));
}

#[tokio::test]
async fn key_attributes_must_be_defined_and_used() {
    let sim = sim();
    let p = aws(&sim.factory);
    let cases = [
        (
            "hash key without attribute",
            table(&[("hash_key", s("id"))]),
        ),
        (
            "range key without attribute",
            table(&[("range_key", s("sk"))]),
        ),
        (
            "attribute not in a key",
            table(&[(
                "attribute",
                Value::List(vec![key("pk", "S"), key("extra", "N")]),
            )]),
        ),
        (
            "unknown attribute type",
            table(&[("attribute", Value::List(vec![key("pk", "X")]))]),
        ),
        ("hash key as range key", table(&[("range_key", s("pk"))])),
    ];
    for (why, cfg) in cases {
        let r = plan(&p, "aws_dynamodb_table", None, &cfg).await;
        assert_eq!(code(r), "ValidationException", "{why}");
    }
    let with_range = table(&[
        ("range_key", s("sk")),
        (
            "attribute",
            Value::List(vec![key("pk", "S"), key("sk", "N")]),
        ),
    ]);
    create(&p, "aws_dynamodb_table", with_range).await.unwrap();
}

#[tokio::test]
async fn billing_mode_decides_about_capacity() {
    let sim = sim();
    let p = aws(&sim.factory);
    let no_capacity = obj(&[
        ("name", s("orders")),
        ("hash_key", s("pk")),
        ("attribute", Value::List(vec![key("pk", "S")])),
    ]);
    let r = plan(&p, "aws_dynamodb_table", None, &no_capacity).await;
    assert_eq!(code(r), "ValidationException");
    let on_demand_with_capacity = table(&[("billing_mode", s("PAY_PER_REQUEST"))]);
    let r = plan(&p, "aws_dynamodb_table", None, &on_demand_with_capacity).await;
    assert_eq!(code(r), "ValidationException");
    let mut on_demand = no_capacity.as_map().cloned().unwrap();
    on_demand.insert("billing_mode".into(), s("PAY_PER_REQUEST"));
    let t = create(&p, "aws_dynamodb_table", Value::Object(on_demand))
        .await
        .unwrap();
    assert_eq!(attr(&t, "read_capacity"), &Value::Number(0.0));
}

#[tokio::test]
async fn table_names_follow_the_pattern_and_are_unique() {
    let sim = sim();
    let p = aws(&sim.factory);
    for bad in ["ab", "has space", "sl/ash"] {
        let r = plan(&p, "aws_dynamodb_table", None, &table(&[("name", s(bad))])).await;
        assert_eq!(code(r), "ValidationException", "{bad}");
    }
    create(&p, "aws_dynamodb_table", table(&[])).await.unwrap();
    let dup = create(&p, "aws_dynamodb_table", table(&[])).await;
    assert_eq!(code(dup), "ResourceInUseException");
}

#[tokio::test]
async fn enabling_a_stream_needs_a_view_type_and_creates_a_stream_arn() {
    let sim = sim();
    let p = aws(&sim.factory);
    let r = plan(
        &p,
        "aws_dynamodb_table",
        None,
        &table(&[("stream_enabled", Value::Bool(true))]),
    )
    .await;
    assert_eq!(code(r), "ValidationException");
    let t = create(&p, "aws_dynamodb_table", table(&[])).await.unwrap();
    let (_, t) = update(
        &p,
        "aws_dynamodb_table",
        &t,
        table(&[
            ("stream_enabled", Value::Bool(true)),
            ("stream_view_type", s("NEW_AND_OLD_IMAGES")),
        ]),
    )
    .await
    .unwrap();
    let arn = str_of(&t, "stream_arn");
    assert!(
        arn.starts_with("arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/"),
        "{arn}"
    );
    assert!(arn.ends_with(str_of(&t, "stream_label")));
}

fn bucket(name: &str) -> Value {
    obj(&[("bucket", s(name))])
}

#[tokio::test]
async fn bucket_gets_arn_and_domain_names() {
    let sim = sim();
    let p = aws(&sim.factory);
    let b = create(&p, "aws_s3_bucket", bucket("galley-artifacts"))
        .await
        .unwrap();
    assert_eq!(str_of(&b, "id"), "galley-artifacts");
    assert_eq!(str_of(&b, "arn"), "arn:aws:s3:::galley-artifacts");
    assert_eq!(
        str_of(&b, "bucket_domain_name"),
        "galley-artifacts.s3.amazonaws.com"
    );
    assert_eq!(
        str_of(&b, "bucket_regional_domain_name"),
        "galley-artifacts.s3.eu-west-1.amazonaws.com"
    );
    let unnamed = create(&p, "aws_s3_bucket", obj(&[])).await.unwrap();
    let name = str_of(&unnamed, "bucket");
    assert!(name.starts_with("terraform-") && name.len() == 36, "{name}");
}

#[tokio::test]
async fn bucket_names_follow_s3_naming_rules() {
    let sim = sim();
    let p = aws(&sim.factory);
    let long = "a".repeat(64);
    for bad in [
        "ab",
        long.as_str(),
        "Upper",
        "under_score",
        "-start",
        "end-",
        "two..dots",
        "192.168.5.4",
        "xn--punycode",
        "data-s3alias",
    ] {
        let r = plan(&p, "aws_s3_bucket", None, &bucket(bad)).await;
        assert_eq!(code(r), "InvalidBucketName", "{bad}");
    }
    for good in ["abc", "my.bucket-1", &"a".repeat(63)] {
        plan(&p, "aws_s3_bucket", None, &bucket(good))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn bucket_names_are_unique_across_regions() {
    let sim = sim();
    let eu = aws(&sim.factory);
    let us = provider(&sim.factory, "aws", Some("us-east-1"));
    create(&eu, "aws_s3_bucket", bucket("shared-name"))
        .await
        .unwrap();
    let again = create(&eu, "aws_s3_bucket", bucket("shared-name")).await;
    assert_eq!(code(again), "BucketAlreadyOwnedByYou");
    let elsewhere = create(&us, "aws_s3_bucket", bucket("shared-name")).await;
    assert_eq!(code(elsewhere), "BucketAlreadyOwnedByYou");
    create(&us, "aws_s3_bucket", bucket("other-name"))
        .await
        .unwrap();
}

#[tokio::test]
async fn bucket_names_stay_taken_in_regions_written_by_an_earlier_run() {
    let sim = sim();
    create(&aws(&sim.factory), "aws_s3_bucket", bucket("kept-name"))
        .await
        .unwrap();
    sim.factory.flush().unwrap();
    let later = sim::SimFactory::new(sim.dir.path().join("sim"), sim::SimOptions::default());
    let us = provider(&later, "aws", Some("us-east-1"));
    let r = create(&us, "aws_s3_bucket", bucket("kept-name")).await;
    assert_eq!(code(r), "BucketAlreadyOwnedByYou");
}
