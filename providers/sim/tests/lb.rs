//! Load balancers, target groups, listeners and the ready capacity behind a DNS name.

mod common;
use std::sync::Arc;

use common::*;
use engine::provider::Provider;
use engine::value::Value;

fn list_of(v: Value) -> Value {
    Value::List(vec![v])
}

#[tokio::test]
async fn alb_gets_arn_dns_name_and_the_regions_canonical_zone() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (_, subnets) = two_zones(&p, 0).await;
    let lb = create(&p, "aws_lb", alb_cfg("web", &[&subnets[0], &subnets[1]]))
        .await
        .unwrap();
    let dns = str_of(&lb, "dns_name");
    let digits = dns
        .strip_prefix("web-")
        .and_then(|d| d.strip_suffix(".eu-west-1.elb.amazonaws.com"))
        .unwrap_or_else(|| panic!("{dns}"));
    assert!(
        digits.len() == 10 && digits.chars().all(|c| c.is_ascii_digit()),
        "{dns}"
    );
    assert_eq!(str_of(&lb, "zone_id"), "Z32O12XQLNTSW2");
    assert_eq!(str_of(&lb, "load_balancer_type"), "application");
    assert_eq!(attr(&lb, "internal"), &Value::Bool(false));
    let arn = str_of(&lb, "arn");
    assert!(
        arn.starts_with(
            "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/"
        ),
        "{arn}"
    );
    assert_eq!(str_of(&lb, "id"), arn);
}

#[tokio::test]
async fn internal_network_lb_has_an_internal_elb_name() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (_, subnets) = two_zones(&p, 0).await;
    let mut cfg = alb_cfg("db", &[&subnets[0]]);
    if let Value::Object(m) = &mut cfg {
        m.insert("internal".into(), Value::Bool(true));
        m.insert("load_balancer_type".into(), s("network"));
    }
    let lb = create(&p, "aws_lb", cfg).await.unwrap();
    let dns = str_of(&lb, "dns_name");
    assert!(
        dns.starts_with("internal-db-") && dns.ends_with(".elb.eu-west-1.amazonaws.com"),
        "{dns}"
    );
    assert_eq!(str_of(&lb, "zone_id"), "Z2IFOLAFXWLO4F");
}

#[tokio::test]
async fn alb_needs_subnets_in_two_zones() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (v, subnets) = two_zones(&p, 0).await;
    let one = create(&p, "aws_lb", alb_cfg("web", &[&subnets[0]])).await;
    assert_eq!(code(one), "ValidationError");
    let same_zone = subnet_in(&p, &v, "10.0.3.0/24", "eu-west-1a").await;
    let twice = create(&p, "aws_lb", alb_cfg("web", &[&subnets[0], &same_zone])).await;
    assert_eq!(code(twice), "InvalidConfigurationRequest");
    create(&p, "aws_lb", alb_cfg("web", &[&subnets[0], &subnets[1]]))
        .await
        .unwrap();
}

#[tokio::test]
async fn lb_names_follow_elb_rules_and_are_unique() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (_, subnets) = two_zones(&p, 0).await;
    let both = [&subnets[0], &subnets[1]];
    for bad in ["-web", "web-", "web_1", "internal-web", &"x".repeat(33)] {
        let r = plan(&p, "aws_lb", None, &alb_cfg(bad, &both)).await;
        assert_eq!(code(r), "ValidationError", "{bad}");
    }
    create(&p, "aws_lb", alb_cfg("web", &both)).await.unwrap();
    let dup = create(&p, "aws_lb", alb_cfg("web", &both)).await;
    assert_eq!(code(dup), "DuplicateLoadBalancerName");
}

#[tokio::test]
async fn target_group_needs_port_protocol_and_vpc_unless_lambda() {
    let sim = sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let no_port = obj(&[
        ("name", s("tg")),
        ("protocol", s("HTTP")),
        ("vpc_id", s(str_of(&v, "id"))),
    ]);
    assert_eq!(
        code(plan(&p, "aws_lb_target_group", None, &no_port).await),
        "ValidationError"
    );
    let lambda_with_port = obj(&[
        ("name", s("fn")),
        ("target_type", s("lambda")),
        ("port", Value::Number(80.0)),
    ]);
    assert_eq!(
        code(plan(&p, "aws_lb_target_group", None, &lambda_with_port).await),
        "ValidationError"
    );
    let bad_protocol = with_attr(&target_group_cfg("tg", &v), "protocol", s("SMTP"));
    assert_eq!(
        code(plan(&p, "aws_lb_target_group", None, &bad_protocol).await),
        "ValidationError"
    );
    let tg = create(&p, "aws_lb_target_group", target_group_cfg("tg", &v))
        .await
        .unwrap();
    assert_eq!(str_of(&tg, "target_type"), "instance");
    assert!(str_of(&tg, "arn").contains(":targetgroup/tg/"));
}

fn with_attr(cfg: &Value, key: &str, v: Value) -> Value {
    let mut m = cfg.as_map().cloned().unwrap();
    m.insert(key.to_string(), v);
    Value::Object(m)
}

#[tokio::test]
async fn alb_listener_refuses_tcp_and_tcp_target_groups() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (v, subnets) = two_zones(&p, 0).await;
    let lb = create(&p, "aws_lb", alb_cfg("web", &[&subnets[0], &subnets[1]]))
        .await
        .unwrap();
    let tcp_tg = create(
        &p,
        "aws_lb_target_group",
        with_attr(&target_group_cfg("tcp", &v), "protocol", s("TCP")),
    )
    .await
    .unwrap();
    let r = create(&p, "aws_lb_listener", forward(&lb, &tcp_tg)).await;
    assert_eq!(code(r), "InvalidConfigurationRequest");
    let http_tg = create(&p, "aws_lb_target_group", target_group_cfg("http", &v))
        .await
        .unwrap();
    let tcp_listener = with_attr(&forward(&lb, &http_tg), "protocol", s("TCP"));
    assert_eq!(
        code(create(&p, "aws_lb_listener", tcp_listener).await),
        "InvalidConfigurationRequest"
    );
    let l = create(&p, "aws_lb_listener", forward(&lb, &http_tg))
        .await
        .unwrap();
    assert_eq!(str_of(&l, "protocol"), "HTTP");
    assert!(str_of(&l, "arn").contains(":listener/app/web/"));
    // The target group is in use by the listener.
    let r = delete(&p, "aws_lb_target_group", &http_tg).await;
    assert_eq!(code(r), "ResourceInUse");
}

#[tokio::test]
async fn lb_is_ready_once_a_forwarded_group_has_a_running_instance() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (v, subnets) = two_zones(&p, 0).await;
    let (lb, tg) = alb_with_group(&p, "web", &v, &subnets).await;
    let dns = str_of(&lb, "dns_name");
    assert_eq!(
        sim.factory.ready_capacity("eu-west-1", dns).unwrap(),
        Some(0)
    );
    let i = instance(&p, &subnets[0]).await.unwrap();
    attach(&p, &tg, str_of(&i, "id")).await;
    assert_eq!(
        sim.factory.ready_capacity("eu-west-1", dns).unwrap(),
        Some(1)
    );
    // Any case, a trailing dot and the dualstack prefix name the same load balancer.
    let alias = format!("dualstack.{}.", dns.to_uppercase());
    assert_eq!(
        sim.factory.ready_capacity("eu-west-1", &alias).unwrap(),
        Some(1)
    );
    assert_eq!(
        sim.factory
            .ready_capacity("eu-west-1", "nowhere.example.com")
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn instance_targets_must_exist_in_the_target_groups_vpc() {
    let sim = sim();
    let p = aws(&sim.factory);
    let (v, subnets) = two_zones(&p, 0).await;
    let (_, tg) = alb_with_group(&p, "web", &v, &subnets).await;
    let missing = create(
        &p,
        "aws_lb_target_group_attachment",
        obj(&[
            ("target_group_arn", s(str_of(&tg, "arn"))),
            ("target_id", s("i-0123456789abcdef0")),
        ]),
    )
    .await;
    assert_eq!(code(missing), "InvalidTarget");
    let (_, other) = two_zones(&p, 1).await;
    let elsewhere = instance(&p, &other[0]).await.unwrap();
    let r = create(
        &p,
        "aws_lb_target_group_attachment",
        obj(&[
            ("target_group_arn", s(str_of(&tg, "arn"))),
            ("target_id", s(str_of(&elsewhere, "id"))),
        ]),
    )
    .await;
    assert_eq!(code(r), "InvalidTarget");
}

async fn cluster_with_nodes(p: &Arc<dyn Provider>, subnets: &[Value], nodes: u32) -> Value {
    create(
        p,
        "aws_eks_cluster",
        obj(&[
            ("name", s("blue")),
            ("role_arn", s("arn:aws:iam::123456789012:role/eks")),
            ("version", s("1.33")),
            (
                "vpc_config",
                list_of(obj(&[("subnet_ids", ids(&[&subnets[0], &subnets[1]]))])),
            ),
        ]),
    )
    .await
    .unwrap();
    let n = Value::Number(f64::from(nodes));
    create(
        p,
        "aws_eks_node_group",
        obj(&[
            ("cluster_name", s("blue")),
            ("node_group_name", s("web")),
            ("node_role_arn", s("arn:aws:iam::123456789012:role/node")),
            ("subnet_ids", ids(&[&subnets[0], &subnets[1]])),
            (
                "scaling_config",
                list_of(obj(&[
                    ("desired_size", n.clone()),
                    ("min_size", Value::Number(0.0)),
                    ("max_size", Value::Number(5.0)),
                ])),
            ),
        ]),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn node_group_nodes_behind_an_autoscaling_attachment_are_ready_capacity() {
    let sim = sim_with(sim::SimOptions {
        today: Some(sim::options::parse_today("2026-02-01").unwrap()),
        ..sim::SimOptions::default()
    });
    let p = aws(&sim.factory);
    let (v, subnets) = two_zones(&p, 0).await;
    let (lb, tg) = alb_with_group(&p, "web", &v, &subnets).await;
    let ng = cluster_with_nodes(&p, &subnets, 3).await;
    let asg = attr(&ng, "resources").as_seq().unwrap()[0]
        .get_attr("autoscaling_groups")
        .and_then(Value::as_seq)
        .and_then(|g| g.first())
        .and_then(|g| g.get_attr("name"))
        .and_then(Value::as_str)
        .unwrap()
        .to_string();
    assert!(asg.starts_with("eks-web-"), "{asg}");
    let unknown = create(
        &p,
        "aws_autoscaling_attachment",
        obj(&[
            ("autoscaling_group_name", s("eks-nope")),
            ("lb_target_group_arn", s(str_of(&tg, "arn"))),
        ]),
    )
    .await;
    assert_eq!(code(unknown), "ValidationError");
    create(
        &p,
        "aws_autoscaling_attachment",
        obj(&[
            ("autoscaling_group_name", s(&asg)),
            ("lb_target_group_arn", s(str_of(&tg, "arn"))),
        ]),
    )
    .await
    .unwrap();
    let dns = str_of(&lb, "dns_name");
    assert_eq!(
        sim.factory.ready_capacity("eu-west-1", dns).unwrap(),
        Some(3)
    );
}
