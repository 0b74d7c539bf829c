//! Instances take subnet addresses; full subnets refuse more.

mod common;
use common::*;
use engine::value::Value;

#[tokio::test]
async fn a_slash_28_subnet_holds_eleven_instances_and_refuses_the_twelfth() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.0.0/28").await.unwrap();
    assert_eq!(
        attr(&sn, "available_ip_address_count"),
        &Value::Number(11.0)
    );
    let mut ips = Vec::new();
    let mut instances = Vec::new();
    for _ in 0..11 {
        let i = instance(&p, &sn).await.unwrap();
        ips.push(str_of(&i, "private_ip").to_string());
        instances.push(i);
    }
    assert_eq!(
        ips.first().map(String::as_str),
        Some("10.0.0.4"),
        "first four are reserved"
    );
    assert_eq!(
        ips.last().map(String::as_str),
        Some("10.0.0.14"),
        "the last is reserved"
    );
    let refreshed = p.read("aws_subnet", &sn).await.unwrap().unwrap();
    assert_eq!(
        attr(&refreshed, "available_ip_address_count"),
        &Value::Number(0.0)
    );
    assert_eq!(
        code(instance(&p, &sn).await),
        "InsufficientFreeAddressesInSubnet"
    );

    delete(&p, "aws_instance", &instances[3]).await.unwrap();
    let refreshed = p.read("aws_subnet", &sn).await.unwrap().unwrap();
    assert_eq!(
        attr(&refreshed, "available_ip_address_count"),
        &Value::Number(1.0)
    );
    let again = instance(&p, &sn).await.unwrap();
    assert_eq!(
        str_of(&again, "private_ip"),
        "10.0.0.7",
        "freed address is reused"
    );
}

#[tokio::test]
async fn parallel_creates_never_share_an_address() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.0.0/26").await.unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let (p, sn) = (p.clone(), sn.clone());
            tokio::spawn(async move { instance(&p, &sn).await })
        })
        .collect();
    let mut ips = Vec::new();
    for t in tasks {
        ips.push(str_of(&t.await.unwrap().unwrap(), "private_ip").to_string());
    }
    ips.sort();
    ips.dedup();
    assert_eq!(ips.len(), 40);
}

#[tokio::test]
async fn instance_computed_attributes_are_unknown_at_plan() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    let cfg = obj(&[
        ("ami", s("ami-0abc")),
        ("instance_type", s("t3.micro")),
        ("subnet_id", s(str_of(&sn, "id"))),
    ]);
    let planned = plan(&p, "aws_instance", None, &cfg).await.unwrap().planned;
    for computed in ["id", "arn", "private_ip", "availability_zone"] {
        assert!(attr(&planned, computed).is_unknown(), "{computed}");
    }
    let i = instance(&p, &sn).await.unwrap();
    assert!(str_of(&i, "id").starts_with("i-"));
    assert_eq!(
        str_of(&i, "private_dns"),
        "ip-10-0-1-4.eu-west-1.compute.internal"
    );
    assert_eq!(
        attr(&i, "vpc_security_group_ids"),
        &Value::Set(vec![attr(&v, "default_security_group_id").clone()])
    );
}

#[tokio::test]
async fn changing_the_ami_replaces_but_the_type_updates_in_place() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    let i = instance(&p, &sn).await.unwrap();
    let cfg = |ami: &str, ty: &str| {
        obj(&[
            ("ami", s(ami)),
            ("instance_type", s(ty)),
            ("subnet_id", s(str_of(&sn, "id"))),
        ])
    };
    let resize = plan(
        &p,
        "aws_instance",
        Some(&i),
        &cfg("ami-0abcdef1234567890", "m5.large"),
    )
    .await
    .unwrap();
    assert!(resize.requires_replace.is_empty());
    assert_eq!(attr(&resize.planned, "private_ip"), attr(&i, "private_ip"));
    let reimage = plan(&p, "aws_instance", Some(&i), &cfg("ami-0fff", "t3.micro"))
        .await
        .unwrap();
    assert_eq!(reimage.requires_replace, vec![vec!["ami".to_string()]]);
}

#[tokio::test]
async fn malformed_ami_and_type_are_refused() {
    let sim = sim();
    let p = aws(&sim.factory);
    let cfg = |ami: &str, ty: &str| obj(&[("ami", s(ami)), ("instance_type", s(ty))]);
    assert_eq!(
        code(plan(&p, "aws_instance", None, &cfg("ubuntu", "t3.micro")).await),
        "InvalidAMIID.Malformed"
    );
    assert_eq!(
        code(plan(&p, "aws_instance", None, &cfg("ami-0abc", "huge")).await),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn subnet_with_instances_cannot_be_deleted() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    let i = instance(&p, &sn).await.unwrap();
    assert_eq!(
        code(delete(&p, "aws_subnet", &sn).await),
        "DependencyViolation"
    );
    delete(&p, "aws_instance", &i).await.unwrap();
    delete(&p, "aws_subnet", &sn).await.unwrap();
}

#[tokio::test]
async fn security_group_in_use_cannot_be_deleted() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    let sg = create(
        &p,
        "aws_security_group",
        obj(&[("vpc_id", s(str_of(&v, "id")))]),
    )
    .await
    .unwrap();
    assert!(str_of(&sg, "name").starts_with("terraform-"));
    let cfg = obj(&[
        ("ami", s("ami-0abc")),
        ("instance_type", s("t3.micro")),
        ("subnet_id", s(str_of(&sn, "id"))),
        (
            "vpc_security_group_ids",
            Value::Tuple(vec![attr(&sg, "id").clone()]),
        ),
    ]);
    create(&p, "aws_instance", cfg).await.unwrap();
    assert_eq!(
        code(delete(&p, "aws_security_group", &sg).await),
        "DependencyViolation"
    );
    let missing = obj(&[
        ("ami", s("ami-0abc")),
        ("instance_type", s("t3.micro")),
        ("subnet_id", s(str_of(&sn, "id"))),
        ("vpc_security_group_ids", Value::Tuple(vec![s("sg-0000")])),
    ]);
    assert_eq!(
        code(create(&p, "aws_instance", missing).await),
        "InvalidGroup.NotFound"
    );
}

#[tokio::test]
async fn subnet_update_returns_the_planned_count_and_refresh_the_live_one() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    instance(&p, &sn).await.unwrap();
    let cfg = obj(&[
        ("vpc_id", attr(&v, "id").clone()),
        ("cidr_block", s("10.0.1.0/24")),
        ("tags", obj(&[("tier", s("app"))])),
    ]);
    let (planned, after) = update(&p, "aws_subnet", &sn, cfg).await.unwrap();
    assert_eq!(
        attr(&planned.planned, "available_ip_address_count"),
        &Value::Number(251.0)
    );
    assert_eq!(
        attr(&after, "available_ip_address_count"),
        &Value::Number(251.0),
        "as planned"
    );
    let refreshed = p.read("aws_subnet", &after).await.unwrap().unwrap();
    assert_eq!(
        attr(&refreshed, "available_ip_address_count"),
        &Value::Number(250.0)
    );
}
