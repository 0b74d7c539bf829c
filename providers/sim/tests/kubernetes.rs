//! Kubernetes in the simulated EKS clusters: the provider binds by endpoint, manifests are
//! judged like the API server judges them, pods are scheduled onto nodes and take subnet addresses.

mod common;
use std::sync::Arc;

use common::*;
use engine::provider::{ApplyRequest, Provider, ProviderConfig, ProviderError, ProviderFactory};
use engine::value::Value;
use sim::{SimFactory, SimOptions};

const MANIFEST: &str = "kubernetes_manifest";

/// A simulator whose virtual clock starts on 2026-02-01.
fn eks_sim() -> Sim {
    sim_with(SimOptions {
        today: Some(sim::options::parse_today("2026-02-01").unwrap()),
        ..SimOptions::default()
    })
}

fn ids_of(subnets: &[&Value]) -> Value {
    Value::List(subnets.iter().map(|sn| s(str_of(sn, "id"))).collect())
}

async fn cluster(p: &Arc<dyn Provider>, name: &str, version: &str, subnets: &[&Value]) -> Value {
    create(
        p,
        "aws_eks_cluster",
        obj(&[
            ("name", s(name)),
            ("role_arn", s("arn:aws:iam::123456789012:role/eks")),
            ("version", s(version)),
            (
                "vpc_config",
                Value::List(vec![obj(&[("subnet_ids", ids_of(subnets))])]),
            ),
        ]),
    )
    .await
    .unwrap()
}

fn node_group_cfg(
    cluster: &str,
    name: &str,
    instance: &str,
    nodes: u32,
    subnets: &[&Value],
) -> Value {
    let n = Value::Number(f64::from(nodes));
    obj(&[
        ("cluster_name", s(cluster)),
        ("node_group_name", s(name)),
        ("node_role_arn", s("arn:aws:iam::123456789012:role/node")),
        ("subnet_ids", ids_of(subnets)),
        ("instance_types", Value::List(vec![s(instance)])),
        (
            "scaling_config",
            Value::List(vec![obj(&[
                ("desired_size", n.clone()),
                ("min_size", Value::Number(0.0)),
                ("max_size", Value::Number(10.0)),
            ])]),
        ),
    ])
}

async fn node_group(
    p: &Arc<dyn Provider>,
    cluster: &str,
    name: &str,
    instance: &str,
    nodes: u32,
    subnets: &[&Value],
) -> Result<Value, ProviderError> {
    create(
        p,
        "aws_eks_node_group",
        node_group_cfg(cluster, name, instance, nodes, subnets),
    )
    .await
}

fn kubernetes(f: &SimFactory, host: Value) -> Arc<dyn Provider> {
    f.configure(&ProviderConfig {
        name: "kubernetes".into(),
        alias: None,
        config: obj(&[("host", host)]),
    })
    .unwrap()
}

/// The `kubernetes` provider bound to `cluster`.
fn kube_for(f: &SimFactory, cluster: &Value) -> Arc<dyn Provider> {
    kubernetes(f, s(str_of(cluster, "endpoint")))
}

fn labels(app: &str) -> Value {
    obj(&[("app", s(app))])
}

/// A Deployment of `replicas` pods with one container requesting `cpu` and `memory`.
fn deployment(name: &str, replicas: u32, cpu: &str, memory: &str) -> Value {
    obj(&[
        ("apiVersion", s("apps/v1")),
        ("kind", s("Deployment")),
        ("metadata", obj(&[("name", s(name))])),
        (
            "spec",
            obj(&[
                ("replicas", Value::Number(f64::from(replicas))),
                ("selector", obj(&[("matchLabels", labels(name))])),
                (
                    "template",
                    obj(&[
                        ("metadata", obj(&[("labels", labels(name))])),
                        (
                            "spec",
                            obj(&[(
                                "containers",
                                Value::Tuple(vec![obj(&[
                                    ("name", s("app")),
                                    ("image", s("nginx:1.27")),
                                    (
                                        "resources",
                                        obj(&[(
                                            "requests",
                                            obj(&[("cpu", s(cpu)), ("memory", s(memory))]),
                                        )]),
                                    ),
                                ])]),
                            )]),
                        ),
                    ]),
                ),
            ]),
        ),
    ])
}

fn manifest(m: Value) -> Value {
    obj(&[("manifest", m)])
}

fn waiting(m: Value) -> Value {
    obj(&[
        ("manifest", m),
        (
            "wait",
            Value::List(vec![obj(&[("rollout", Value::Bool(true))])]),
        ),
    ])
}

fn message(r: Result<impl std::fmt::Debug, ProviderError>) -> (String, String) {
    match r {
        Err(ProviderError::Api { code, message }) => (code, message),
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// `object.status.<key>` as a number.
fn status_of(v: &Value, key: &str) -> f64 {
    attr(attr(attr(v, "object"), "status"), key)
        .as_f64()
        .unwrap_or_else(|| panic!("no status.{key} in {v}"))
}

async fn read(p: &Arc<dyn Provider>, state: &Value) -> Option<Value> {
    p.read(MANIFEST, state).await.unwrap()
}

/// One cluster `blue` (1.31) on two /24 subnets, with a node group: (aws, kubernetes, subnets, node group).
async fn blue_with_nodes(
    sim: &Sim,
    instance: &str,
    nodes: u32,
) -> (Arc<dyn Provider>, Arc<dyn Provider>, Vec<Value>, Value) {
    let p = aws(&sim.factory);
    let (_, subnets) = two_zones(&p, 0).await;
    let refs: Vec<&Value> = subnets.iter().collect();
    let c = cluster(&p, "blue", "1.31", &refs).await;
    let ng = node_group(&p, "blue", "general", instance, nodes, &refs)
        .await
        .unwrap();
    let k = kube_for(&sim.factory, &c);
    (p, k, subnets, ng)
}

#[tokio::test]
async fn a_deployment_runs_and_reports_a_deployment_status() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 2).await;
    let d = create(
        &k,
        MANIFEST,
        manifest(deployment("api", 3, "250m", "256Mi")),
    )
    .await
    .unwrap();
    assert_eq!(
        str_of(&d, "id"),
        "blue:apiVersion=apps/v1,kind=Deployment,namespace=default,name=api"
    );
    assert!(!d.contains_unknown(), "{d}");
    let meta = attr(attr(&d, "object"), "metadata");
    assert_eq!(str_of(meta, "namespace"), "default");
    assert!(str_of(meta, "creationTimestamp").starts_with("2026-02-01T"));
    assert_eq!(status_of(&d, "replicas"), 3.0);
    assert_eq!(status_of(&d, "readyReplicas"), 3.0);
    assert_eq!(status_of(&d, "unavailableReplicas"), 0.0);
}

#[tokio::test]
async fn an_api_removed_at_or_before_the_cluster_version_is_not_served() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 1).await;
    let pdb = |api: &str| {
        manifest(obj(&[
            ("apiVersion", s(api)),
            ("kind", s("PodDisruptionBudget")),
            ("metadata", obj(&[("name", s("api"))])),
            ("spec", obj(&[("minAvailable", Value::Number(1.0))])),
        ]))
    };
    let (code, msg) = message(create(&k, MANIFEST, pdb("policy/v1beta1")).await);
    assert_eq!(code, "NoKindMatch");
    assert!(
        msg.contains("no matches for kind \"PodDisruptionBudget\" in version \"policy/v1beta1\""),
        "{msg}"
    );
    assert!(msg.contains("removed in Kubernetes 1.25"), "{msg}");
    create(&k, MANIFEST, pdb("policy/v1")).await.unwrap();
}

#[tokio::test]
async fn a_malformed_quantity_is_refused_with_its_text() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 1).await;
    let (code, msg) =
        message(create(&k, MANIFEST, manifest(deployment("api", 1, "25o", "1Gi"))).await);
    assert_eq!(code, "Invalid");
    assert!(msg.contains("\"25o\""), "{msg}");
    assert!(
        msg.contains("spec.template.spec.containers[0].resources.requests[cpu]"),
        "{msg}"
    );
    // Validation finds it before any plan.
    let errors = k.validate(MANIFEST, &manifest(deployment("api", 1, "1", "1GB")));
    assert!(
        errors.iter().any(|e| e.message.contains("\"1GB\"")),
        "{errors:?}"
    );
    create(&k, MANIFEST, manifest(deployment("api", 1, "1", "1Gi")))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_name_is_required_and_an_object_exists_once() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 1).await;
    let unnamed = manifest(obj(&[
        ("apiVersion", s("v1")),
        ("kind", s("ConfigMap")),
        ("metadata", obj(&[("namespace", s("default"))])),
    ]));
    let (code, msg) = message(create(&k, MANIFEST, unnamed).await);
    assert_eq!(code, "Invalid");
    assert!(msg.contains("metadata.name: Required value"), "{msg}");
    let cm = manifest(obj(&[
        ("apiVersion", s("v1")),
        ("kind", s("ConfigMap")),
        ("metadata", obj(&[("name", s("settings"))])),
        ("data", obj(&[("a", s("1"))])),
    ]));
    create(&k, MANIFEST, cm.clone()).await.unwrap();
    let (code, msg) = message(create(&k, MANIFEST, cm).await);
    assert_eq!(code, "AlreadyExists");
    assert_eq!(msg, "configmaps \"settings\" already exists");
}

#[tokio::test]
async fn changing_the_name_or_kind_replaces_the_object_and_other_changes_do_not() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 2).await;
    let d = create(&k, MANIFEST, manifest(deployment("api", 1, "100m", "64Mi")))
        .await
        .unwrap();
    let more = plan(
        &k,
        MANIFEST,
        Some(&d),
        &manifest(deployment("api", 2, "100m", "64Mi")),
    )
    .await
    .unwrap();
    assert!(more.requires_replace.is_empty());
    assert!(attr(&more.planned, "object").is_unknown());
    let renamed = plan(
        &k,
        MANIFEST,
        Some(&d),
        &manifest(deployment("web", 1, "100m", "64Mi")),
    )
    .await
    .unwrap();
    assert_eq!(
        renamed.requires_replace,
        vec![vec![
            "manifest".to_string(),
            "metadata".to_string(),
            "name".to_string()
        ]]
    );
    assert_eq!(
        str_of(&renamed.planned, "id"),
        "blue:apiVersion=apps/v1,kind=Deployment,namespace=default,name=web"
    );
    let (_, after) = update(
        &k,
        MANIFEST,
        &d,
        manifest(deployment("api", 2, "100m", "64Mi")),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&after, "readyReplicas"), 2.0);
    assert_eq!(
        str_of(attr(attr(&after, "object"), "metadata"), "uid"),
        str_of(attr(attr(&d, "object"), "metadata"), "uid"),
        "an update keeps the object's uid"
    );
}

#[tokio::test]
async fn pods_beyond_the_nodes_cpu_stay_pending_and_status_counts_them() {
    let sim = eks_sim();
    // m5.large: 2 vCPU less 70m reserved = 1930m allocatable: one 1-CPU pod per node.
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 2).await;
    let d = create(&k, MANIFEST, manifest(deployment("api", 5, "1", "256Mi")))
        .await
        .unwrap();
    assert_eq!(status_of(&d, "replicas"), 5.0);
    assert_eq!(status_of(&d, "readyReplicas"), 2.0);
    assert_eq!(status_of(&d, "unavailableReplicas"), 3.0);
    let cond = &attr(attr(attr(&d, "object"), "status"), "conditions")
        .as_seq()
        .unwrap()[0];
    assert_eq!(str_of(cond, "status"), "False");
    assert!(
        str_of(cond, "message")
            .contains("3 Pending (0/2 nodes are available: 2 Insufficient cpu.)"),
        "{cond}"
    );
}

#[tokio::test]
async fn pods_beyond_the_nodes_memory_stay_pending() {
    let sim = eks_sim();
    // m5.large: 8192 MiB less 674 MiB reserved: one 5Gi pod per node.
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 2).await;
    let d = create(
        &k,
        MANIFEST,
        manifest(deployment("cache", 3, "100m", "5Gi")),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&d, "readyReplicas"), 2.0);
    assert_eq!(status_of(&d, "unavailableReplicas"), 1.0);
    let text = attr(&d, "object").to_json().to_string();
    assert!(text.contains("2 Insufficient memory"), "{text}");
}

#[tokio::test]
async fn a_node_runs_at_most_its_eni_max_pods() {
    let sim = eks_sim();
    // m5.large: 3 ENIs x (10 - 1) + 2 = 29 pods.
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 1).await;
    let d = create(
        &k,
        MANIFEST,
        manifest(deployment("tiny", 35, "10m", "16Mi")),
    )
    .await
    .unwrap();
    assert_eq!(status_of(&d, "readyReplicas"), 29.0);
    assert_eq!(status_of(&d, "unavailableReplicas"), 6.0);
    let text = attr(&d, "object").to_json().to_string();
    assert!(text.contains("1 Too many pods"), "{text}");
}

#[tokio::test]
async fn waiting_for_a_rollout_fails_while_pods_are_pending_and_applies_nothing() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 2).await;
    let before = sim.factory.object_count().unwrap();
    let (code, msg) =
        message(create(&k, MANIFEST, waiting(deployment("api", 5, "1", "256Mi"))).await);
    assert_eq!(code, "Timeout");
    assert!(
        msg.contains("Deployment default/api: 3 of 5 pods not ready"),
        "{msg}"
    );
    assert!(msg.contains("Insufficient cpu"), "{msg}");
    assert_eq!(sim.factory.object_count().unwrap(), before);
    let d = create(&k, MANIFEST, waiting(deployment("api", 2, "1", "256Mi")))
        .await
        .unwrap();
    assert_eq!(status_of(&d, "readyReplicas"), 2.0);
}

#[tokio::test]
async fn status_follows_the_node_groups() {
    let sim = eks_sim();
    let (p, k, subnets, ng) = blue_with_nodes(&sim, "m5.large", 1).await;
    let d = create(&k, MANIFEST, manifest(deployment("api", 3, "1", "256Mi")))
        .await
        .unwrap();
    assert_eq!(status_of(&d, "readyReplicas"), 1.0);
    let refs: Vec<&Value> = subnets.iter().collect();
    update(
        &p,
        "aws_eks_node_group",
        &ng,
        node_group_cfg("blue", "general", "m5.large", 3, &refs),
    )
    .await
    .unwrap();
    let now = read(&k, &d).await.unwrap();
    assert_eq!(status_of(&now, "readyReplicas"), 3.0);
    assert_eq!(status_of(&now, "unavailableReplicas"), 0.0);
}

/// One cluster on one small subnet: (aws, kubernetes, subnet).
async fn small_subnet(sim: &Sim, cidr: &str) -> (Arc<dyn Provider>, Arc<dyn Provider>, Value) {
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    let sn = subnet(&p, &v, cidr).await.unwrap();
    let c = cluster(&p, "blue", "1.31", &[&sn]).await;
    node_group(&p, "blue", "general", "m5.large", 1, &[&sn])
        .await
        .unwrap();
    let k = kube_for(&sim.factory, &c);
    (p, k, sn)
}

async fn free_in(p: &Arc<dyn Provider>, sn: &Value) -> f64 {
    let now = p.read("aws_subnet", sn).await.unwrap().unwrap();
    attr(&now, "available_ip_address_count").as_f64().unwrap()
}

#[tokio::test]
async fn pods_take_addresses_and_a_workload_beyond_them_fails_with_needed_and_free() {
    let sim = eks_sim();
    // A /27: 27 usable; the node takes 1 + 10 (warm pool): 16 left for pods.
    let (p, k, sn) = small_subnet(&sim, "10.0.1.0/27").await;
    assert_eq!(free_in(&p, &sn).await, 16.0);
    let (code, msg) =
        message(create(&k, MANIFEST, manifest(deployment("api", 20, "10m", "16Mi"))).await);
    assert_eq!(code, "InsufficientFreeAddresses");
    let id = str_of(&sn, "id");
    assert_eq!(
        msg,
        format!("failed to assign an IP address to container: Deployment default/api needs 20 addresses in {id}, 16 free")
    );
    create(&k, MANIFEST, manifest(deployment("api", 16, "10m", "16Mi")))
        .await
        .unwrap();
    assert_eq!(free_in(&p, &sn).await, 0.0);
    // The node group's rule sees the pods' addresses too.
    let (code, _) = message(node_group(&p, "blue", "more", "m5.large", 1, &[&sn]).await);
    assert_eq!(code, "InsufficientFreeAddresses");
}

#[tokio::test]
async fn two_clusters_on_the_same_subnet_compete_for_its_addresses() {
    let sim = eks_sim();
    let p = aws(&sim.factory);
    let v = vpc(&p, "10.0.0.0/16").await;
    // A /26: 59 usable.
    let sn = subnet(&p, &v, "10.0.1.0/26").await.unwrap();
    let blue = cluster(&p, "blue", "1.31", &[&sn]).await;
    let green = cluster(&p, "green", "1.31", &[&sn]).await;
    node_group(&p, "blue", "general", "m5.large", 1, &[&sn])
        .await
        .unwrap();
    let kb = kube_for(&sim.factory, &blue);
    create(
        &kb,
        MANIFEST,
        manifest(deployment("api", 20, "10m", "16Mi")),
    )
    .await
    .unwrap();
    // 59 - 11 (blue's node) - 20 (blue's pods) = 28; green's node takes 11: 17 left.
    node_group(&p, "green", "general", "m5.large", 1, &[&sn])
        .await
        .unwrap();
    assert_eq!(free_in(&p, &sn).await, 17.0);
    let kg = kube_for(&sim.factory, &green);
    let (code, msg) = message(
        create(
            &kg,
            MANIFEST,
            manifest(deployment("api", 20, "10m", "16Mi")),
        )
        .await,
    );
    assert_eq!(code, "InsufficientFreeAddresses");
    assert!(msg.contains("needs 20 addresses"), "{msg}");
    assert!(msg.contains("17 free"), "{msg}");
    create(
        &kg,
        MANIFEST,
        manifest(deployment("api", 17, "10m", "16Mi")),
    )
    .await
    .unwrap();
    assert_eq!(free_in(&p, &sn).await, 0.0);
}

fn service(name: &str, app: &str) -> Value {
    manifest(obj(&[
        ("apiVersion", s("v1")),
        ("kind", s("Service")),
        ("metadata", obj(&[("name", s(name))])),
        (
            "spec",
            obj(&[
                ("selector", labels(app)),
                (
                    "ports",
                    Value::Tuple(vec![obj(&[("port", Value::Number(80.0))])]),
                ),
            ]),
        ),
    ]))
}

fn binding(name: &str, tg: &Value, service: &str) -> Value {
    manifest(obj(&[
        ("apiVersion", s("elbv2.k8s.aws/v1beta1")),
        ("kind", s("TargetGroupBinding")),
        ("metadata", obj(&[("name", s(name))])),
        (
            "spec",
            obj(&[
                ("targetGroupARN", s(str_of(tg, "arn"))),
                ("targetType", s("ip")),
                (
                    "serviceRef",
                    obj(&[("name", s(service)), ("port", Value::Number(80.0))]),
                ),
            ]),
        ),
    ]))
}

#[tokio::test]
async fn a_target_group_binding_serves_the_ready_pods_behind_its_service() {
    let sim = eks_sim();
    let (p, k, subnets, _) = blue_with_nodes(&sim, "m5.large", 2).await;
    let v = p
        .read(
            "aws_vpc",
            &obj(&[("id", attr(&subnets[0], "vpc_id").clone())]),
        )
        .await
        .unwrap()
        .unwrap();
    let lb = create(&p, "aws_lb", alb_cfg("web", &[&subnets[0], &subnets[1]]))
        .await
        .unwrap();
    let mut tg_cfg = target_group_cfg("web", &v);
    if let Value::Object(m) = &mut tg_cfg {
        m.insert("target_type".into(), s("ip"));
    }
    let tg = create(&p, "aws_lb_target_group", tg_cfg).await.unwrap();
    create(&p, "aws_lb_listener", forward(&lb, &tg))
        .await
        .unwrap();
    let dns = str_of(&lb, "dns_name").to_string();
    let capacity = || sim.factory.ready_capacity("eu-west-1", &dns).unwrap();

    create(&k, MANIFEST, service("web", "web")).await.unwrap();
    create(&k, MANIFEST, binding("web", &tg, "web"))
        .await
        .unwrap();
    assert_eq!(capacity(), Some(0), "no pods behind the service yet");
    let d = create(
        &k,
        MANIFEST,
        manifest(deployment("web", 2, "250m", "128Mi")),
    )
    .await
    .unwrap();
    assert_eq!(capacity(), Some(2));
    // Only two 1-CPU pods fit on two m5.large nodes: pending pods serve nothing.
    let (_, d) = update(
        &k,
        MANIFEST,
        &d,
        manifest(deployment("web", 4, "1", "128Mi")),
    )
    .await
    .unwrap();
    assert_eq!(capacity(), Some(2));
    update(
        &k,
        MANIFEST,
        &d,
        manifest(deployment("web", 0, "1", "128Mi")),
    )
    .await
    .unwrap();
    assert_eq!(capacity(), Some(0));
    // A Deployment the service does not select adds nothing.
    create(
        &k,
        MANIFEST,
        manifest(deployment("other", 2, "100m", "64Mi")),
    )
    .await
    .unwrap();
    assert_eq!(capacity(), Some(0));
}

#[tokio::test]
async fn an_unknown_host_plans_without_the_world_and_an_unknown_cluster_is_unreachable() {
    let sim = eks_sim();
    let (_, _, _, _) = blue_with_nodes(&sim, "m5.large", 1).await;
    let unbound = kubernetes(&sim.factory, Value::Unknown);
    let planned = plan(
        &unbound,
        MANIFEST,
        None,
        &manifest(deployment("api", 1, "1", "1Gi")),
    )
    .await
    .unwrap();
    assert!(attr(&planned.planned, "id").is_unknown());
    // Creating needs a host.
    let r = unbound
        .apply(ApplyRequest {
            type_name: MANIFEST.into(),
            address: "kubernetes_manifest.api".into(),
            prior: None,
            planned: Some(planned.planned),
            token: None,
        })
        .await;
    assert_eq!(code(r), "InvalidConfiguration");

    let nowhere = kubernetes(
        &sim.factory,
        s("https://0000DEADBEEF.gr7.eu-west-1.eks.amazonaws.com"),
    );
    let (code, msg) = message(
        create(
            &nowhere,
            MANIFEST,
            manifest(deployment("api", 1, "1", "1Gi")),
        )
        .await,
    );
    assert_eq!(code, "ClusterUnreachable");
    assert!(msg.contains("no such host"), "{msg}");

    let bad = sim.factory.configure(&ProviderConfig {
        name: "kubernetes".into(),
        alias: None,
        config: obj(&[("host", s("https://localhost:6443"))]),
    });
    assert!(matches!(bad, Err(ProviderError::Api { code, .. }) if code == "InvalidHost"));
}

#[tokio::test]
async fn destroy_finds_objects_by_id_with_an_empty_provider_config_across_restarts() {
    let sim = eks_sim();
    let (_, k, _, _) = blue_with_nodes(&sim, "m5.large", 1).await;
    let d = create(&k, MANIFEST, manifest(deployment("api", 1, "100m", "64Mi")))
        .await
        .unwrap();
    sim.factory.flush().unwrap();
    drop(k);
    // A new process: the world is on disk only.
    let fresh = SimFactory::new(sim.dir.path().join("sim"), SimOptions::default());
    let empty = fresh
        .configure(&ProviderConfig {
            name: "kubernetes".into(),
            alias: Some("blue".into()),
            config: obj(&[]),
        })
        .unwrap();
    assert!(
        read(&empty, &d).await.is_some(),
        "the object is found by id"
    );
    let before = fresh.object_count().unwrap();
    delete(&empty, MANIFEST, &d).await.unwrap();
    assert_eq!(fresh.object_count().unwrap(), before - 1);
    assert!(read(&empty, &d).await.is_none());
    // Deleting what is gone succeeds.
    delete(&empty, MANIFEST, &d).await.unwrap();
}
