//! Load balancing on the real AWS provider against moto: a VPC, two subnets, security
//! groups and an instance, then a load balancer, a target group with a health check, a
//! listener forwarding to it and the instance registered; each read back with nothing to
//! change, changed in place (listener port, groups, tags, health check) and destroyed with
//! nothing left. An Auto Scaling group is attached to a target group and detached. What the
//! provider did is checked through the SDK, not only through its own answers.

mod common;

use common::{apply, destroy, nothing_to_change, number, plan, provider, sdk, text, v};
use engine::value::Value;
use serde_json::json;

/// An Ubuntu AMI moto knows.
const AMI: &str = "ami-1e749f67";

async fn elbv2(endpoint: &str) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&sdk(endpoint).await)
}

async fn autoscaling(endpoint: &str) -> aws_sdk_autoscaling::Client {
    aws_sdk_autoscaling::Client::new(&sdk(endpoint).await)
}

/// The first (only) `health_check` block of a target group's state.
fn health_check(state: &Value) -> &Value {
    state
        .get_attr("health_check")
        .and_then(Value::as_seq)
        .and_then(|items| items.first())
        .unwrap_or_else(|| panic!("no health_check in {state:?}"))
}

/// The tags AWS holds for `arn`, sorted.
async fn tags_of(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    arn: &str,
) -> Vec<(String, String)> {
    let out = elbv2
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .unwrap();
    let mut tags: Vec<(String, String)> = out
        .tag_descriptions()
        .iter()
        .flat_map(|d| d.tags())
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    tags.sort();
    tags
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The targets registered in `tg` (not on their way out), as `(id, port)`.
async fn registered(
    elbv2: &aws_sdk_elasticloadbalancingv2::Client,
    tg: &str,
) -> Vec<(String, Option<i32>)> {
    let out = elbv2
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .unwrap();
    out.target_health_descriptions()
        .iter()
        .filter(|d| {
            let reason = d
                .target_health()
                .and_then(|h| h.reason())
                .map(|r| r.as_str());
            !matches!(
                reason,
                Some("Target.NotRegistered" | "Target.DeregistrationInProgress")
            )
        })
        .filter_map(|d| {
            let t = d.target()?;
            Some((t.id()?.to_string(), t.port()))
        })
        .collect()
}

#[tokio::test]
async fn a_load_balancer_forwards_to_an_instance_is_changed_in_place_and_destroyed() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let elbv2 = elbv2(&endpoint).await;
    let p = provider(&[("ec2", &endpoint), ("elbv2", &endpoint)]);

    // The network and the instance, through the provider too.
    let vpc = apply(
        &p,
        "aws_vpc",
        None,
        &v(json!({"cidr_block": "10.30.0.0/16"})),
    )
    .await
    .unwrap();
    let vpc_id = text(&vpc, "id").to_string();
    let mut subnets = Vec::new();
    for (cidr, zone) in [
        ("10.30.1.0/24", "us-east-1a"),
        ("10.30.2.0/24", "us-east-1b"),
    ] {
        let config = v(json!({"vpc_id": vpc_id, "cidr_block": cidr, "availability_zone": zone}));
        subnets.push(apply(&p, "aws_subnet", None, &config).await.unwrap());
    }
    let (subnet_a, subnet_b) = (text(&subnets[0], "id"), text(&subnets[1], "id"));
    let mut groups = Vec::new();
    for name in ["galley-lb-web", "galley-lb-extra"] {
        let config = v(json!({"name": name, "description": "galley test", "vpc_id": vpc_id}));
        groups.push(
            apply(&p, "aws_security_group", None, &config)
                .await
                .unwrap(),
        );
    }
    let (web_sg, extra_sg) = (text(&groups[0], "id"), text(&groups[1], "id"));
    let instance_config = v(json!({
        "ami": AMI,
        "instance_type": "t3.micro",
        "subnet_id": subnet_a,
        "vpc_security_group_ids": [web_sg],
    }));
    let instance = apply(&p, "aws_instance", None, &instance_config)
        .await
        .unwrap();
    let instance_id = text(&instance, "id").to_string();

    // The load balancer: an application load balancer by default, waited on until active.
    let lb_config = |groups: &[&str], tags: serde_json::Value| {
        v(json!({
            "name": "galley-web",
            "subnets": [subnet_a, subnet_b],
            "security_groups": groups,
            "tags": tags,
        }))
    };
    let config = lb_config(&[web_sg], json!({"team": "payments"}));
    let lb = apply(&p, "aws_lb", None, &config).await.unwrap();
    let lb_arn = text(&lb, "id").to_string();
    assert!(
        lb_arn.starts_with("arn:aws:elasticloadbalancing:us-east-1:")
            && lb_arn.contains(":loadbalancer/app/galley-web/"),
        "{lb_arn}"
    );
    assert_eq!(text(&lb, "arn"), lb_arn);
    assert!(text(&lb, "arn_suffix").starts_with("app/galley-web/"));
    assert_eq!(text(&lb, "load_balancer_type"), "application");
    assert_eq!(lb.get_attr("internal"), Some(&Value::Bool(false)));
    assert_eq!(text(&lb, "vpc_id"), vpc_id);
    assert!(text(&lb, "dns_name").contains("galley-web"), "{lb:?}");
    assert!(!text(&lb, "zone_id").is_empty());
    let described = elbv2
        .describe_load_balancers()
        .load_balancer_arns(&lb_arn)
        .send()
        .await
        .unwrap();
    let live = &described.load_balancers()[0];
    assert_eq!(
        live.state().and_then(|s| s.code()).map(|c| c.as_str()),
        Some("active")
    );
    assert_eq!(live.security_groups(), [web_sg.to_string()]);
    assert_eq!(
        tags_of(&elbv2, &lb_arn).await,
        pairs(&[("team", "payments")])
    );
    let lb = nothing_to_change(&p, "aws_lb", &lb, &config).await;

    // The target group, with a health check partly configured: the rest is AWS's.
    let tg_config = |check: serde_json::Value, tags: serde_json::Value| {
        v(json!({
            "name": "galley-web",
            "port": 80,
            "protocol": "HTTP",
            "vpc_id": vpc_id,
            "health_check": [check],
            "tags": tags,
        }))
    };
    let config = tg_config(
        json!({"path": "/healthz", "interval": 15}),
        json!({"team": "payments"}),
    );
    let tg = apply(&p, "aws_lb_target_group", None, &config)
        .await
        .unwrap();
    let tg_arn = text(&tg, "id").to_string();
    assert!(tg_arn.contains(":targetgroup/galley-web/"), "{tg_arn}");
    assert!(text(&tg, "arn_suffix").starts_with("targetgroup/galley-web/"));
    assert_eq!(text(&tg, "target_type"), "instance");
    let check = health_check(&tg);
    assert_eq!(text(check, "path"), "/healthz");
    assert_eq!(number(check, "interval"), 15.0);
    // Filled from what AWS chose.
    assert!(number(check, "timeout") > 0.0, "{check:?}");
    assert_eq!(text(check, "protocol"), "HTTP");
    let tg = nothing_to_change(&p, "aws_lb_target_group", &tg, &config).await;

    // The listener: its protocol is the load balancer type's (HTTP), as AWS reports it.
    let listener_config = |port: u16| {
        v(json!({
            "load_balancer_arn": lb_arn,
            "port": port,
            "default_action": [{"type": "forward", "target_group_arn": tg_arn}],
        }))
    };
    let config = listener_config(80);
    let listener = apply(&p, "aws_lb_listener", None, &config).await.unwrap();
    let listener_arn = text(&listener, "id").to_string();
    assert!(
        listener_arn.contains(":listener/app/galley-web/"),
        "{listener_arn}"
    );
    assert_eq!(text(&listener, "protocol"), "HTTP");
    let listener = nothing_to_change(&p, "aws_lb_listener", &listener, &config).await;

    // The instance registered in the group.
    let config = v(json!({"target_group_arn": tg_arn, "target_id": instance_id, "port": 80}));
    let attachment = apply(&p, "aws_lb_target_group_attachment", None, &config)
        .await
        .unwrap();
    assert!(
        text(&attachment, "id").starts_with("tga-"),
        "{attachment:?}"
    );
    assert_eq!(
        registered(&elbv2, &tg_arn).await,
        [(instance_id.clone(), Some(80))]
    );
    let attachment =
        nothing_to_change(&p, "aws_lb_target_group_attachment", &attachment, &config).await;

    // In place: the listener's port.
    let config = listener_config(8080);
    let changed = apply(&p, "aws_lb_listener", Some(&listener), &config)
        .await
        .unwrap();
    assert_eq!(text(&changed, "id"), listener_arn);
    assert_eq!(number(&changed, "port"), 8080.0);
    let live = elbv2
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(live.listeners().len(), 1);
    assert_eq!(live.listeners()[0].port(), Some(8080));
    let listener = nothing_to_change(&p, "aws_lb_listener", &changed, &config).await;

    // In place: the load balancer's groups and tags.
    let config = lb_config(
        &[web_sg, extra_sg],
        json!({"team": "payments", "env": "test"}),
    );
    let planned = plan(&p, "aws_lb", Some(&lb), &config).await.unwrap();
    assert_eq!(
        text(&planned, "id"),
        lb_arn,
        "an in-place change keeps the load balancer"
    );
    let changed = apply(&p, "aws_lb", Some(&lb), &config).await.unwrap();
    let described = elbv2
        .describe_load_balancers()
        .load_balancer_arns(&lb_arn)
        .send()
        .await
        .unwrap();
    let mut live_groups = described.load_balancers()[0].security_groups().to_vec();
    live_groups.sort();
    let mut want = vec![web_sg.to_string(), extra_sg.to_string()];
    want.sort();
    assert_eq!(live_groups, want);
    assert_eq!(
        tags_of(&elbv2, &lb_arn).await,
        pairs(&[("env", "test"), ("team", "payments")])
    );
    let lb = nothing_to_change(&p, "aws_lb", &changed, &config).await;

    // In place: the health check (ModifyTargetGroup) and the group's tags.
    let config = tg_config(
        json!({"path": "/ready", "interval": 20, "healthy_threshold": 3, "matcher": "200-299"}),
        json!({"team": "checkout"}),
    );
    let changed = apply(&p, "aws_lb_target_group", Some(&tg), &config)
        .await
        .unwrap();
    assert_eq!(text(&changed, "id"), tg_arn);
    let described = elbv2
        .describe_target_groups()
        .target_group_arns(&tg_arn)
        .send()
        .await
        .unwrap();
    let live = &described.target_groups()[0];
    assert_eq!(live.health_check_path(), Some("/ready"));
    assert_eq!(live.health_check_interval_seconds(), Some(20));
    assert_eq!(live.healthy_threshold_count(), Some(3));
    assert_eq!(live.matcher().and_then(|m| m.http_code()), Some("200-299"));
    assert_eq!(
        tags_of(&elbv2, &tg_arn).await,
        pairs(&[("team", "checkout")])
    );
    let tg = nothing_to_change(&p, "aws_lb_target_group", &changed, &config).await;

    // Destroyed in dependency order, each gone from AWS; deleting what is gone is no error.
    destroy(&p, "aws_lb_target_group_attachment", &attachment)
        .await
        .unwrap();
    assert!(registered(&elbv2, &tg_arn).await.is_empty());
    assert_eq!(
        p.read("aws_lb_target_group_attachment", &attachment)
            .await
            .unwrap(),
        None
    );
    destroy(&p, "aws_lb_target_group_attachment", &attachment)
        .await
        .unwrap();

    destroy(&p, "aws_lb_listener", &listener).await.unwrap();
    let live = elbv2
        .describe_listeners()
        .load_balancer_arn(&lb_arn)
        .send()
        .await
        .unwrap();
    assert!(live.listeners().is_empty());
    assert_eq!(p.read("aws_lb_listener", &listener).await.unwrap(), None);

    destroy(&p, "aws_lb_target_group", &tg).await.unwrap();
    let groups_left = elbv2.describe_target_groups().send().await.unwrap();
    assert!(groups_left.target_groups().is_empty(), "{groups_left:?}");
    assert_eq!(p.read("aws_lb_target_group", &tg).await.unwrap(), None);

    destroy(&p, "aws_lb", &lb).await.unwrap();
    let left = elbv2.describe_load_balancers().send().await.unwrap();
    assert!(left.load_balancers().is_empty(), "{left:?}");
    assert_eq!(p.read("aws_lb", &lb).await.unwrap(), None);
    destroy(&p, "aws_lb", &lb).await.unwrap();

    destroy(&p, "aws_instance", &instance).await.unwrap();
    for g in &groups {
        destroy(&p, "aws_security_group", g).await.unwrap();
    }
    for s in &subnets {
        destroy(&p, "aws_subnet", s).await.unwrap();
    }
    destroy(&p, "aws_vpc", &vpc).await.unwrap();
    assert_eq!(p.read("aws_vpc", &vpc).await.unwrap(), None);
}

#[tokio::test]
async fn an_auto_scaling_group_is_attached_to_a_target_group_and_detached() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let (elbv2, asg) = (elbv2(&endpoint).await, autoscaling(&endpoint).await);
    let p = provider(&[
        ("ec2", &endpoint),
        ("elbv2", &endpoint),
        ("autoscaling", &endpoint),
    ]);
    let vpc = apply(
        &p,
        "aws_vpc",
        None,
        &v(json!({"cidr_block": "10.31.0.0/16"})),
    )
    .await
    .unwrap();
    let vpc_id = text(&vpc, "id").to_string();
    let subnet = apply(
        &p,
        "aws_subnet",
        None,
        &v(json!({"vpc_id": vpc_id, "cidr_block": "10.31.1.0/24", "availability_zone": "us-east-1a"})),
    )
    .await
    .unwrap();
    let config =
        v(json!({"name": "galley-nodes", "port": 30080, "protocol": "HTTP", "vpc_id": vpc_id}));
    let tg = apply(&p, "aws_lb_target_group", None, &config)
        .await
        .unwrap();
    let tg_arn = text(&tg, "id").to_string();
    // No block configured: AWS's defaults stay out of state, and nothing differs.
    assert_eq!(tg.get_attr("health_check"), Some(&Value::List(Vec::new())));
    let tg = nothing_to_change(&p, "aws_lb_target_group", &tg, &config).await;

    // The Auto Scaling group (an EKS node group's, on AWS), made through the SDK.
    asg.create_launch_configuration()
        .launch_configuration_name("galley-nodes")
        .image_id(AMI)
        .instance_type("t3.micro")
        .send()
        .await
        .unwrap();
    asg.create_auto_scaling_group()
        .auto_scaling_group_name("galley-nodes")
        .launch_configuration_name("galley-nodes")
        .min_size(1)
        .max_size(1)
        .desired_capacity(1)
        .vpc_zone_identifier(text(&subnet, "id"))
        .send()
        .await
        .unwrap();

    let config =
        v(json!({"autoscaling_group_name": "galley-nodes", "lb_target_group_arn": tg_arn}));
    let attachment = apply(&p, "aws_autoscaling_attachment", None, &config)
        .await
        .unwrap();
    assert!(
        text(&attachment, "id").starts_with("asga-"),
        "{attachment:?}"
    );
    let attached = asg
        .describe_load_balancer_target_groups()
        .auto_scaling_group_name("galley-nodes")
        .send()
        .await
        .unwrap();
    let arns: Vec<_> = attached
        .load_balancer_target_groups()
        .iter()
        .filter_map(|s| s.load_balancer_target_group_arn())
        .collect();
    assert_eq!(arns, [tg_arn.as_str()]);
    // The group's instance is registered in the target group.
    let group = asg
        .describe_auto_scaling_groups()
        .auto_scaling_group_names("galley-nodes")
        .send()
        .await
        .unwrap();
    let node = group.auto_scaling_groups()[0].instances()[0]
        .instance_id()
        .unwrap()
        .to_string();
    let targets: Vec<String> = registered(&elbv2, &tg_arn)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(targets, [node]);
    let attachment =
        nothing_to_change(&p, "aws_autoscaling_attachment", &attachment, &config).await;

    destroy(&p, "aws_autoscaling_attachment", &attachment)
        .await
        .unwrap();
    let attached = asg
        .describe_load_balancer_target_groups()
        .auto_scaling_group_name("galley-nodes")
        .send()
        .await
        .unwrap();
    assert!(attached.load_balancer_target_groups().is_empty());
    assert!(registered(&elbv2, &tg_arn).await.is_empty());
    assert_eq!(
        p.read("aws_autoscaling_attachment", &attachment)
            .await
            .unwrap(),
        None
    );
    destroy(&p, "aws_autoscaling_attachment", &attachment)
        .await
        .unwrap();

    // A group that does not exist is named in the error, and nothing is attached.
    let config =
        v(json!({"autoscaling_group_name": "galley-missing", "lb_target_group_arn": tg_arn}));
    let e = apply(&p, "aws_autoscaling_attachment", None, &config)
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("no Auto Scaling group galley-missing"),
        "{e}"
    );
    destroy(&p, "aws_lb_target_group", &tg).await.unwrap();
}

#[tokio::test]
async fn elbv2_and_auto_scaling_endpoints_come_from_their_environment_variables() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let vpc = aws_sdk_ec2::Client::new(&sdk(&endpoint).await)
        .create_vpc()
        .cidr_block("10.32.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    // The SDK's names for the services' variables, as the README documents them; the
    // provider block names no endpoint for either.
    std::env::set_var("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", &endpoint);
    std::env::set_var("AWS_ENDPOINT_URL_AUTO_SCALING", &endpoint);
    let p = provider(&[]);
    let config = v(json!({"name": "galley-env", "port": 80, "protocol": "HTTP", "vpc_id": vpc_id}));
    let created = apply(&p, "aws_lb_target_group", None, &config).await;
    let read = p
        .read(
            "aws_autoscaling_attachment",
            &v(json!({"id": "asga-0", "autoscaling_group_name": "galley-none", "lb_target_group_arn": "arn:tg"})),
        )
        .await;
    std::env::remove_var("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2");
    std::env::remove_var("AWS_ENDPOINT_URL_AUTO_SCALING");
    let tg = created.unwrap();
    let live = elbv2(&endpoint)
        .await
        .describe_target_groups()
        .names("galley-env")
        .send()
        .await
        .unwrap();
    assert_eq!(
        live.target_groups()[0].target_group_arn(),
        Some(text(&tg, "id"))
    );
    // moto answered: the group is not there, so neither is the attachment.
    assert_eq!(read.unwrap(), None);
}

#[tokio::test]
async fn plans_refuse_what_aws_would_before_anything_is_called() {
    // No endpoint is reachable: a plan that reached AWS would fail differently.
    let p = provider(&[("elbv2", "http://127.0.0.1:9")]);
    let cases = [
        (
            "aws_lb",
            json!({"name": "web", "subnets": ["subnet-a"]}),
            "at least two Availability Zones",
        ),
        (
            "aws_lb",
            json!({"name": "internal-web", "subnets": ["subnet-a", "subnet-b"]}),
            "cannot begin with",
        ),
        (
            "aws_lb_listener",
            json!({"load_balancer_arn": "arn:lb", "port": 443, "protocol": "HTTPS",
                   "default_action": [{"type": "forward", "target_group_arn": "arn:tg"}]}),
            "needs a certificate",
        ),
        (
            "aws_lb_target_group",
            json!({"name": "fn", "target_type": "lambda", "port": 80}),
            "takes no port",
        ),
        (
            "aws_lb_target_group",
            json!({"name": "web", "port": 80, "protocol": "HTTP", "vpc_id": "vpc-1",
                   "health_check": [{"interval": 400}]}),
            "interval 400",
        ),
        (
            "aws_lb_target_group_attachment",
            json!({"target_group_arn": "arn:tg", "target_id": "i-1", "port": 0}),
            "1 to 65535",
        ),
    ];
    for (type_name, config, want) in cases {
        let e = plan(&p, type_name, None, &v(config)).await.unwrap_err();
        assert!(e.to_string().contains(want), "{type_name}: {want}: {e}");
    }
}
