//! Test helpers: a factory on a temp dir and create/update/delete the way the engine calls them.
#![allow(dead_code)]

use std::sync::Arc;

use engine::provider::{
    ApplyRequest, Nesting, PlanRequest, PlanResponse, Provider, ProviderConfig, ProviderError,
    ProviderFactory, Schema,
};
use engine::value::{Value, ValueMap};
use sim::{SimFactory, SimOptions};

pub struct Sim {
    pub dir: tempfile::TempDir,
    pub factory: SimFactory,
}

pub fn sim() -> Sim {
    sim_with(SimOptions::default())
}

pub fn sim_with(options: SimOptions) -> Sim {
    let dir = tempfile::tempdir().unwrap();
    let factory = SimFactory::new(dir.path().join("sim"), options);
    Sim { dir, factory }
}

pub fn provider(f: &SimFactory, name: &str, region: Option<&str>) -> Arc<dyn Provider> {
    let config = match region {
        Some(r) => Value::object([("region", Value::string(r))]),
        None => Value::object::<&str>([]),
    };
    f.configure(&ProviderConfig {
        name: name.to_string(),
        alias: None,
        config,
    })
    .unwrap()
}

pub fn aws(f: &SimFactory) -> Arc<dyn Provider> {
    provider(f, "aws", Some("eu-west-1"))
}

pub fn s(x: &str) -> Value {
    Value::string(x)
}

pub fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
}

/// What the engine proposes: configured values, prior (update) or unknown (create) for
/// unconfigured computed attributes, null for the rest; blocks by nesting.
pub fn propose(schema: &Schema, config: &Value, prior: Option<&Value>) -> Value {
    let mut out = ValueMap::new();
    for (name, a) in &schema.attributes {
        let c = config.get_attr(name).cloned().unwrap_or_default();
        let v = if !c.is_null() || !a.computed {
            c
        } else {
            match prior {
                Some(p) => p.get_attr(name).cloned().unwrap_or_default(),
                None => Value::Unknown,
            }
        };
        out.insert(name.clone(), v);
    }
    for (name, b) in &schema.blocks {
        let c = config.get_attr(name).cloned().unwrap_or_default();
        let items = |v: Value| match v {
            Value::List(xs) | Value::Tuple(xs) | Value::Set(xs) => xs
                .iter()
                .map(|x| propose(&b.schema, x, None))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        };
        let v = match b.nesting {
            Nesting::Single if c.is_null() => Value::Null,
            Nesting::Single => propose(&b.schema, &c, None),
            Nesting::List => Value::List(items(c)),
            Nesting::Set => Value::set(items(c)),
        };
        out.insert(name.clone(), v);
    }
    Value::Object(out)
}

fn full_config(schema: &Schema, config: &Value) -> Value {
    let mut m = config.as_map().cloned().unwrap_or_default();
    for name in schema.attributes.keys() {
        m.entry(name.clone()).or_default();
    }
    Value::Object(m)
}

pub async fn plan(
    p: &Arc<dyn Provider>,
    ty: &str,
    prior: Option<&Value>,
    config: &Value,
) -> Result<PlanResponse, ProviderError> {
    let schema = &p.schema().resources[ty];
    p.plan(PlanRequest {
        type_name: ty.to_string(),
        prior: prior.cloned(),
        proposed: propose(schema, config, prior),
        config: full_config(schema, config),
    })
    .await
}

pub async fn create(
    p: &Arc<dyn Provider>,
    ty: &str,
    config: Value,
) -> Result<Value, ProviderError> {
    let planned = plan(p, ty, None, &config).await?.planned;
    let out = p
        .apply(ApplyRequest {
            type_name: ty.to_string(),
            address: format!("{ty}.test"),
            prior: None,
            planned: Some(planned),
            token: None,
        })
        .await?;
    Ok(out.expect("create returns the new state"))
}

pub async fn update(
    p: &Arc<dyn Provider>,
    ty: &str,
    prior: &Value,
    config: Value,
) -> Result<(PlanResponse, Value), ProviderError> {
    let planned = plan(p, ty, Some(prior), &config).await?;
    let out = p
        .apply(ApplyRequest {
            type_name: ty.to_string(),
            address: format!("{ty}.test"),
            prior: Some(prior.clone()),
            planned: Some(planned.planned.clone()),
            token: None,
        })
        .await?;
    Ok((planned, out.expect("update returns the new state")))
}

pub async fn delete(p: &Arc<dyn Provider>, ty: &str, prior: &Value) -> Result<(), ProviderError> {
    let out = p
        .apply(ApplyRequest {
            type_name: ty.to_string(),
            address: format!("{ty}.test"),
            prior: Some(prior.clone()),
            planned: None,
            token: None,
        })
        .await?;
    assert!(out.is_none(), "delete returns no state");
    Ok(())
}

pub fn code(r: Result<impl std::fmt::Debug, ProviderError>) -> String {
    match r {
        Err(ProviderError::Api { code, .. }) => code,
        other => panic!("expected an API error, got {other:?}"),
    }
}

pub fn attr<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.get_attr(name)
        .unwrap_or_else(|| panic!("no attribute {name} in {v}"))
}

pub fn str_of<'a>(v: &'a Value, name: &str) -> &'a str {
    attr(v, name)
        .as_str()
        .unwrap_or_else(|| panic!("{name} is not a string in {v}"))
}

pub async fn vpc(p: &Arc<dyn Provider>, cidr: &str) -> Value {
    create(p, "aws_vpc", obj(&[("cidr_block", s(cidr))]))
        .await
        .unwrap()
}

pub async fn subnet(
    p: &Arc<dyn Provider>,
    vpc: &Value,
    cidr: &str,
) -> Result<Value, ProviderError> {
    create(
        p,
        "aws_subnet",
        obj(&[("vpc_id", s(str_of(vpc, "id"))), ("cidr_block", s(cidr))]),
    )
    .await
}

pub async fn instance(p: &Arc<dyn Provider>, subnet: &Value) -> Result<Value, ProviderError> {
    create(
        p,
        "aws_instance",
        obj(&[
            ("ami", s("ami-0abcdef1234567890")),
            ("instance_type", s("t3.micro")),
            ("subnet_id", s(str_of(subnet, "id"))),
        ]),
    )
    .await
}

pub async fn subnet_in(p: &Arc<dyn Provider>, vpc: &Value, cidr: &str, zone: &str) -> Value {
    create(
        p,
        "aws_subnet",
        obj(&[
            ("vpc_id", s(str_of(vpc, "id"))),
            ("cidr_block", s(cidr)),
            ("availability_zone", s(zone)),
        ]),
    )
    .await
    .unwrap()
}

pub fn ids(objs: &[&Value]) -> Value {
    Value::List(objs.iter().map(|o| s(str_of(o, "id"))).collect())
}

/// A VPC with two subnets in two zones of eu-west-1.
pub async fn two_zones(p: &Arc<dyn Provider>, prefix: u8) -> (Value, Vec<Value>) {
    let v = vpc(p, &format!("10.{prefix}.0.0/16")).await;
    let a = subnet_in(p, &v, &format!("10.{prefix}.1.0/24"), "eu-west-1a").await;
    let b = subnet_in(p, &v, &format!("10.{prefix}.2.0/24"), "eu-west-1b").await;
    (v, vec![a, b])
}

pub fn alb_cfg(name: &str, subnets: &[&Value]) -> Value {
    obj(&[("name", s(name)), ("subnets", ids(subnets))])
}

pub fn target_group_cfg(name: &str, vpc: &Value) -> Value {
    obj(&[
        ("name", s(name)),
        ("port", Value::Number(80.0)),
        ("protocol", s("HTTP")),
        ("vpc_id", s(str_of(vpc, "id"))),
    ])
}

pub fn forward(lb: &Value, tg: &Value) -> Value {
    obj(&[
        ("load_balancer_arn", s(str_of(lb, "arn"))),
        ("port", Value::Number(80.0)),
        (
            "default_action",
            Value::List(vec![obj(&[
                ("type", s("forward")),
                ("target_group_arn", s(str_of(tg, "arn"))),
            ])]),
        ),
    ])
}

/// An application load balancer forwarding to an empty instance target group:
/// (load balancer, target group).
pub async fn alb_with_group(
    p: &Arc<dyn Provider>,
    name: &str,
    vpc: &Value,
    subnets: &[Value],
) -> (Value, Value) {
    let refs: Vec<&Value> = subnets.iter().collect();
    let lb = create(p, "aws_lb", alb_cfg(name, &refs)).await.unwrap();
    let tg = create(p, "aws_lb_target_group", target_group_cfg(name, vpc))
        .await
        .unwrap();
    create(p, "aws_lb_listener", forward(&lb, &tg))
        .await
        .unwrap();
    (lb, tg)
}

pub async fn attach(p: &Arc<dyn Provider>, tg: &Value, target: &str) -> Value {
    create(
        p,
        "aws_lb_target_group_attachment",
        obj(&[
            ("target_group_arn", s(str_of(tg, "arn"))),
            ("target_id", s(target)),
        ]),
    )
    .await
    .unwrap()
}
