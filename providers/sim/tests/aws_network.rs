//! VPCs and subnets: computed attributes, replacement, CIDR rules, dependencies.

mod common;
use common::*;
use engine::value::Value;

#[tokio::test]
async fn vpc_computed_attributes_are_unknown_at_plan_and_known_after_apply() {
    let sim = sim();
    let p = aws(&sim.factory);
    let cfg = obj(&[
        ("cidr_block", s("10.0.0.0/16")),
        ("tags", obj(&[("Name", s("main"))])),
    ]);
    let planned = plan(&p, "aws_vpc", None, &cfg).await.unwrap().planned;
    for computed in ["id", "arn", "default_security_group_id", "owner_id"] {
        assert!(
            attr(&planned, computed).is_unknown(),
            "{computed} unknown at plan"
        );
    }
    assert_eq!(
        attr(&planned, "enable_dns_support"),
        &Value::Bool(true),
        "default known at plan"
    );
    assert_eq!(attr(&planned, "enable_dns_hostnames"), &Value::Bool(false));
    assert!(attr(&planned, "tags_all").semantic_eq(&obj(&[("Name", s("main"))])));

    let state = create(&p, "aws_vpc", cfg).await.unwrap();
    let id = str_of(&state, "id");
    assert!(id.starts_with("vpc-") && id.len() == 21, "{id}");
    assert_eq!(
        str_of(&state, "arn"),
        format!("arn:aws:ec2:eu-west-1:123456789012:vpc/{id}")
    );
    assert!(str_of(&state, "default_security_group_id").starts_with("sg-"));
    assert!(!state.contains_unknown());
}

#[tokio::test]
async fn vpc_ids_are_unique() {
    let sim = sim();
    let p = aws(&sim.factory);
    let a = vpc(&p, "10.0.0.0/16").await;
    let b = vpc(&p, "10.0.0.0/16").await;
    assert_ne!(attr(&a, "id"), attr(&b, "id"));
}

#[tokio::test]
async fn changing_tags_updates_in_place_keeping_computed_values() {
    let sim = sim();
    let p = aws(&sim.factory);
    let state = vpc(&p, "10.0.0.0/16").await;
    let cfg = obj(&[
        ("cidr_block", s("10.0.0.0/16")),
        ("tags", obj(&[("env", s("dev"))])),
    ]);
    let (planned, after) = update(&p, "aws_vpc", &state, cfg).await.unwrap();
    assert!(planned.requires_replace.is_empty());
    assert_eq!(
        attr(&planned.planned, "arn"),
        attr(&state, "arn"),
        "prior computed value kept"
    );
    assert_eq!(attr(&after, "id"), attr(&state, "id"));
    assert!(attr(&after, "tags_all").semantic_eq(&obj(&[("env", s("dev"))])));
}

#[tokio::test]
async fn changing_cidr_block_requires_replacement() {
    let sim = sim();
    let p = aws(&sim.factory);
    let state = vpc(&p, "10.0.0.0/16").await;
    let planned = plan(
        &p,
        "aws_vpc",
        Some(&state),
        &obj(&[("cidr_block", s("10.1.0.0/16"))]),
    )
    .await
    .unwrap();
    assert_eq!(
        planned.requires_replace,
        vec![vec!["cidr_block".to_string()]]
    );
    assert!(attr(&planned.planned, "id").is_unknown());
}

#[tokio::test]
async fn unknown_force_new_value_requires_replacement() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    let cfg = obj(&[("vpc_id", Value::Unknown), ("cidr_block", s("10.0.1.0/24"))]);
    let planned = plan(&p, "aws_subnet", Some(&sn), &cfg).await.unwrap();
    assert_eq!(planned.requires_replace, vec![vec!["vpc_id".to_string()]]);
}

#[tokio::test]
async fn malformed_and_oversized_vpc_cidrs_are_refused_at_plan() {
    let sim = sim();
    let p = aws(&sim.factory);
    let cases = [
        ("10.0.0.0/33", "InvalidParameterValue"),
        ("10.0.0.1/16", "InvalidParameterValue"),
        ("banana", "InvalidParameterValue"),
        ("10.0.0.0/8", "InvalidVpc.Range"),
    ];
    for (cidr, want) in cases {
        let r = plan(&p, "aws_vpc", None, &obj(&[("cidr_block", s(cidr))])).await;
        assert_eq!(code(r), want, "{cidr}");
    }
}

#[tokio::test]
async fn missing_required_attribute_is_refused() {
    let sim = sim();
    let p = aws(&sim.factory);
    assert_eq!(
        code(plan(&p, "aws_vpc", None, &obj(&[])).await),
        "MissingParameter"
    );
}

#[tokio::test]
async fn validate_reports_a_bad_cidr_without_touching_the_world() {
    let sim = sim();
    let p = aws(&sim.factory);
    let errs = p.validate("aws_vpc", &obj(&[("cidr_block", s("10.0.0.0/99"))]));
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.contains("InvalidParameterValue"),
        "{}",
        errs[0].message
    );
    assert!(p
        .validate("aws_vpc", &obj(&[("cidr_block", s("10.0.0.0/16"))]))
        .is_empty());
}

#[tokio::test]
async fn subnet_outside_its_vpc_is_refused_with_invalid_subnet_range() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    assert_eq!(
        code(subnet(&p, &v, "10.1.0.0/24").await),
        "InvalidSubnet.Range"
    );
    assert_eq!(
        code(subnet(&p, &v, "10.0.0.0/29").await),
        "InvalidSubnet.Range"
    );
}

#[tokio::test]
async fn overlapping_subnets_conflict() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    assert_eq!(
        code(subnet(&p, &v, "10.0.1.128/25").await),
        "InvalidSubnet.Conflict"
    );
    // Another VPC may reuse the range.
    let other = vpc(&p, "10.0.0.0/16").await;
    subnet(&p, &other, "10.0.1.0/24").await.unwrap();
}

#[tokio::test]
async fn subnet_in_a_missing_vpc_fails_at_apply() {
    let sim = sim();
    let p = aws(&sim.factory);
    let cfg = obj(&[
        ("vpc_id", s("vpc-00000000000000000")),
        ("cidr_block", s("10.0.1.0/24")),
    ]);
    assert_eq!(
        code(create(&p, "aws_subnet", cfg).await),
        "InvalidVpcID.NotFound"
    );
}

#[tokio::test]
async fn subnet_zone_must_belong_to_the_region() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let cfg = |az: &str| {
        obj(&[
            ("vpc_id", s(str_of(&v, "id"))),
            ("cidr_block", s("10.0.1.0/24")),
            ("availability_zone", s(az)),
        ])
    };
    assert_eq!(
        code(create(&p, "aws_subnet", cfg("us-east-1a")).await),
        "InvalidParameterValue"
    );
    let sn = create(&p, "aws_subnet", cfg("eu-west-1b")).await.unwrap();
    assert_eq!(str_of(&sn, "availability_zone_id"), "euw1-az2");
}

#[tokio::test]
async fn subnet_gets_a_zone_and_counts_free_addresses() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let planned = plan(
        &p,
        "aws_subnet",
        None,
        &obj(&[
            ("vpc_id", s(str_of(&v, "id"))),
            ("cidr_block", s("10.0.1.0/24")),
        ]),
    )
    .await
    .unwrap()
    .planned;
    assert!(attr(&planned, "availability_zone").is_unknown());
    assert!(attr(&planned, "available_ip_address_count").is_unknown());
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    assert_eq!(str_of(&sn, "availability_zone"), "eu-west-1a");
    assert_eq!(
        attr(&sn, "available_ip_address_count"),
        &Value::Number(251.0)
    );
}

#[tokio::test]
async fn deleting_a_vpc_with_subnets_is_a_dependency_violation() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap();
    assert_eq!(code(delete(&p, "aws_vpc", &v).await), "DependencyViolation");
    delete(&p, "aws_subnet", &sn).await.unwrap();
    delete(&p, "aws_vpc", &v).await.unwrap();
    assert_eq!(sim.factory.object_count().unwrap(), 0);
}

#[tokio::test]
async fn update_of_an_object_deleted_out_of_band_is_not_found() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    delete(&p, "aws_vpc", &v).await.unwrap();
    assert_eq!(p.read("aws_vpc", &v).await.unwrap(), None);
    let r = update(&p, "aws_vpc", &v, obj(&[("cidr_block", s("10.0.0.0/16"))])).await;
    assert!(
        matches!(r, Err(engine::provider::ProviderError::NotFound(_))),
        "{r:?}"
    );
}

#[tokio::test]
async fn import_finds_an_object_by_id() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let imported = p.import("aws_vpc", str_of(&v, "id")).await.unwrap();
    assert_eq!(imported, v);
    assert!(matches!(
        p.import("aws_vpc", "vpc-nope").await,
        Err(engine::provider::ProviderError::NotFound(_))
    ));
}

#[tokio::test]
async fn security_group_rules_are_validated_and_kept_as_a_set() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let rule = |from: f64, to: f64| {
        obj(&[
            ("from_port", Value::Number(from)),
            ("to_port", Value::Number(to)),
            ("protocol", s("tcp")),
            ("cidr_blocks", Value::Tuple(vec![s("0.0.0.0/0")])),
        ])
    };
    let cfg = |rules: Vec<Value>| {
        obj(&[
            ("name", s("web")),
            ("vpc_id", s(str_of(&v, "id"))),
            ("ingress", Value::Tuple(rules)),
        ])
    };
    let bad = plan(
        &p,
        "aws_security_group",
        None,
        &cfg(vec![rule(443.0, 80.0)]),
    )
    .await;
    assert_eq!(code(bad), "InvalidParameterValue");
    let sg = create(
        &p,
        "aws_security_group",
        cfg(vec![rule(443.0, 443.0), rule(80.0, 80.0)]),
    )
    .await
    .unwrap();
    assert!(matches!(attr(&sg, "ingress"), Value::Set(xs) if xs.len() == 2));
    assert_eq!(str_of(&sg, "description"), "Managed by Terraform");
    let dup = create(&p, "aws_security_group", cfg(vec![])).await;
    assert_eq!(code(dup), "InvalidGroup.Duplicate");
    assert_eq!(code(delete(&p, "aws_vpc", &v).await), "DependencyViolation");
}

#[tokio::test]
async fn availability_zones_data_source_lists_the_regions_zones() {
    let sim = sim();
    let p = aws(&sim.factory);
    let azs = p
        .read_data("aws_availability_zones", &obj(&[]))
        .await
        .unwrap();
    assert_eq!(
        attr(&azs, "names"),
        &Value::List(vec![s("eu-west-1a"), s("eu-west-1b"), s("eu-west-1c")])
    );
    let region = p.read_data("aws_region", &obj(&[])).await.unwrap();
    assert_eq!(str_of(&region, "name"), "eu-west-1");
}
