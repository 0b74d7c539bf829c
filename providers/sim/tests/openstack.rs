//! OpenStack networks, subnets and instances.

mod common;
use std::sync::Arc;

use common::*;
use engine::provider::Provider;
use engine::value::Value;

async fn network(p: &Arc<dyn Provider>, name: &str, cidr: &str) -> (Value, Value) {
    let net = create(
        p,
        "openstack_networking_network_v2",
        obj(&[("name", s(name))]),
    )
    .await
    .unwrap();
    let sub = create(
        p,
        "openstack_networking_subnet_v2",
        obj(&[("network_id", s(str_of(&net, "id"))), ("cidr", s(cidr))]),
    )
    .await
    .unwrap();
    (net, sub)
}

fn server(name: &str, network: Value) -> Value {
    obj(&[
        ("name", s(name)),
        ("image_name", s("ubuntu-24.04")),
        ("flavor_name", s("m1.small")),
        ("network", Value::Tuple(vec![network])),
    ])
}

#[tokio::test]
async fn instances_get_addresses_from_their_networks_subnet() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let (net, sub) = network(&p, "private", "192.168.10.0/24").await;
    assert_eq!(str_of(&sub, "gateway_ip"), "192.168.10.1");
    assert_eq!(str_of(&net, "region"), "RegionOne");

    let planned = plan(
        &p,
        "openstack_compute_instance_v2",
        None,
        &server("a", obj(&[("name", s("private"))])),
    )
    .await
    .unwrap()
    .planned;
    assert!(attr(&planned, "access_ip_v4").is_unknown());
    assert!(attr(&planned, "id").is_unknown());

    let a = create(
        &p,
        "openstack_compute_instance_v2",
        server("a", obj(&[("name", s("private"))])),
    )
    .await
    .unwrap();
    let b = create(
        &p,
        "openstack_compute_instance_v2",
        server("b", obj(&[("uuid", attr(&net, "id").clone())])),
    )
    .await
    .unwrap();
    assert_eq!(str_of(&a, "access_ip_v4"), "192.168.10.2");
    assert_eq!(str_of(&b, "access_ip_v4"), "192.168.10.3");
    let nic = &attr(&a, "network").as_seq().unwrap()[0];
    assert_eq!(attr(nic, "uuid"), attr(&net, "id"));
    assert_eq!(str_of(nic, "fixed_ip_v4"), "192.168.10.2");
    assert!(str_of(nic, "mac").starts_with("fa:16:3e:"));
}

#[tokio::test]
async fn renaming_an_instance_keeps_its_port_and_address() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let a = create(
        &p,
        "openstack_compute_instance_v2",
        server("a", obj(&[("name", s("private"))])),
    )
    .await
    .unwrap();
    let (planned, after) = update(
        &p,
        "openstack_compute_instance_v2",
        &a,
        server("renamed", obj(&[("name", s("private"))])),
    )
    .await
    .unwrap();
    assert!(
        planned.requires_replace.is_empty(),
        "{:?}",
        planned.requires_replace
    );
    assert_eq!(attr(&after, "network"), attr(&a, "network"));
    assert_eq!(str_of(&after, "name"), "renamed");
}

#[tokio::test]
async fn a_full_openstack_subnet_refuses_more_ports() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "tiny", "10.9.0.0/30").await;
    // A /30 has .1 (gateway) and .2 usable.
    create(
        &p,
        "openstack_compute_instance_v2",
        server("a", obj(&[("name", s("tiny"))])),
    )
    .await
    .unwrap();
    let r = create(
        &p,
        "openstack_compute_instance_v2",
        server("b", obj(&[("name", s("tiny"))])),
    )
    .await;
    assert_eq!(code(r), "IpAddressGenerationFailure");
}

#[tokio::test]
async fn instance_on_an_unknown_network_is_refused() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let r = create(
        &p,
        "openstack_compute_instance_v2",
        server("a", obj(&[("name", s("nowhere"))])),
    )
    .await;
    assert_eq!(code(r), "NetworkNotFound");
}

#[tokio::test]
async fn overlapping_subnets_on_one_network_are_refused() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let (net, _) = network(&p, "private", "192.168.10.0/24").await;
    let r = create(
        &p,
        "openstack_networking_subnet_v2",
        obj(&[
            ("network_id", s(str_of(&net, "id"))),
            ("cidr", s("192.168.10.128/25")),
        ]),
    )
    .await;
    assert_eq!(code(r), "InvalidInput");
}

#[tokio::test]
async fn network_in_use_cannot_be_deleted() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let (net, sub) = network(&p, "private", "192.168.10.0/24").await;
    let a = create(
        &p,
        "openstack_compute_instance_v2",
        server("a", obj(&[("name", s("private"))])),
    )
    .await
    .unwrap();
    assert_eq!(
        code(delete(&p, "openstack_networking_network_v2", &net).await),
        "NetworkInUse"
    );
    delete(&p, "openstack_compute_instance_v2", &a)
        .await
        .unwrap();
    delete(&p, "openstack_networking_subnet_v2", &sub)
        .await
        .unwrap();
    delete(&p, "openstack_networking_network_v2", &net)
        .await
        .unwrap();
    assert_eq!(sim.factory.object_count().unwrap(), 0);
}

#[tokio::test]
async fn network_data_source_finds_by_name() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let (net, _) = network(&p, "private", "192.168.10.0/24").await;
    let found = p
        .read_data(
            "openstack_networking_network_v2",
            &obj(&[("name", s("private"))]),
        )
        .await
        .unwrap();
    assert_eq!(attr(&found, "id"), attr(&net, "id"));
    assert_eq!(
        code(
            p.read_data(
                "openstack_networking_network_v2",
                &obj(&[("name", s("public"))])
            )
            .await
        ),
        "NetworkNotFound"
    );
}

const GROUP: &str = "openstack_compute_servergroup_v2";
const INSTANCE: &str = "openstack_compute_instance_v2";

fn group_cfg(name: &str, policy: &str) -> Value {
    obj(&[
        ("name", s(name)),
        ("policies", Value::Tuple(vec![s(policy)])),
    ])
}

/// A server on network `private` in `zone`, in server group `group`.
fn grouped(name: &str, zone: &str, group: &Value) -> Value {
    obj(&[
        ("name", s(name)),
        ("image_name", s("ubuntu-24.04")),
        ("flavor_name", s("m1.small")),
        ("availability_zone", s(zone)),
        (
            "network",
            Value::Tuple(vec![obj(&[("name", s("private"))])]),
        ),
        (
            "scheduler_hints",
            Value::Tuple(vec![obj(&[("group", attr(group, "id").clone())])]),
        ),
    ])
}

fn message(r: Result<impl std::fmt::Debug, engine::provider::ProviderError>) -> String {
    match r {
        Err(engine::provider::ProviderError::Api { message, .. }) => message,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_server_group_is_created_with_its_policy_and_no_members() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let g = create(&p, GROUP, group_cfg("web", "anti-affinity"))
        .await
        .unwrap();
    assert_eq!(str_of(&g, "name"), "web");
    assert_eq!(str_of(&g, "region"), "RegionOne");
    assert_eq!(
        attr(&g, "policies").as_seq().unwrap(),
        &[s("anti-affinity")]
    );
    assert_eq!(attr(&g, "members"), &Value::List(Vec::new()));
    assert_eq!(str_of(&g, "id").len(), 36, "a UUID");

    // Name and policy are fixed at creation.
    let planned = plan(&p, GROUP, Some(&g), &group_cfg("web", "affinity"))
        .await
        .unwrap();
    assert!(!planned.requires_replace.is_empty());
}

#[tokio::test]
async fn server_group_policies_are_checked() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    let r = create(&p, GROUP, group_cfg("web", "spread-out")).await;
    assert_eq!(code(r), "BadRequest");
    let two = obj(&[
        ("name", s("web")),
        (
            "policies",
            Value::Tuple(vec![s("affinity"), s("anti-affinity")]),
        ),
    ]);
    assert_eq!(code(create(&p, GROUP, two).await), "BadRequest");
    let none = obj(&[("name", s("web"))]);
    assert_eq!(code(create(&p, GROUP, none).await), "BadRequest");
    // rules come with `policy` (compute API 2.64), and only for anti-affinity.
    let rules = |policy: &str| {
        obj(&[
            ("name", s("web")),
            ("policy", s(policy)),
            (
                "rules",
                Value::Tuple(vec![obj(&[("max_server_per_host", Value::Number(2.0))])]),
            ),
        ])
    };
    assert_eq!(
        code(create(&p, GROUP, rules("affinity")).await),
        "BadRequest"
    );
    create(&p, GROUP, rules("anti-affinity")).await.unwrap();
}

#[tokio::test]
async fn group_members_are_the_instances_that_name_it() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let g = create(&p, GROUP, group_cfg("web", "anti-affinity"))
        .await
        .unwrap();
    let a = create(&p, INSTANCE, grouped("a", "az1", &g)).await.unwrap();
    let b = create(&p, INSTANCE, grouped("b", "az1", &g)).await.unwrap();
    let loose = create(&p, INSTANCE, server("c", obj(&[("name", s("private"))])))
        .await
        .unwrap();
    let read = p.read(GROUP, &g).await.unwrap().unwrap();
    let mut members: Vec<&str> = attr(&read, "members")
        .as_seq()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    members.sort();
    let mut want = vec![str_of(&a, "id"), str_of(&b, "id")];
    want.sort();
    assert_eq!(members, want);
    assert!(!members.contains(&str_of(&loose, "id")));
    // Different hosts of the zone.
    assert_eq!(str_of(&a, "hypervisor_hostname"), "az1-compute-01");
    assert_eq!(str_of(&b, "hypervisor_hostname"), "az1-compute-02");

    delete(&p, INSTANCE, &a).await.unwrap();
    let read = p.read(GROUP, &g).await.unwrap().unwrap();
    assert_eq!(
        attr(&read, "members").as_seq().unwrap(),
        &[attr(&b, "id").clone()]
    );
}

#[tokio::test]
async fn anti_affinity_takes_one_host_per_member_until_the_zone_is_full() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let g = create(&p, GROUP, group_cfg("web", "anti-affinity"))
        .await
        .unwrap();
    let mut hosts = Vec::new();
    for i in 0..sim::OPENSTACK_HOSTS_PER_ZONE {
        let vm = create(&p, INSTANCE, grouped(&format!("web-{i}"), "az1", &g))
            .await
            .unwrap();
        hosts.push(str_of(&vm, "hypervisor_hostname").to_string());
    }
    hosts.sort();
    hosts.dedup();
    assert_eq!(
        hosts.len(),
        sim::OPENSTACK_HOSTS_PER_ZONE,
        "every member on its own host"
    );

    let r = create(&p, INSTANCE, grouped("web-extra", "az1", &g)).await;
    let m = message(r);
    assert!(
        m.starts_with("No valid host was found. There are not enough hosts available."),
        "{m}"
    );
    assert!(m.contains("availability zone az1"), "{m}");
    let r = create(&p, INSTANCE, grouped("web-extra", "az1", &g)).await;
    assert_eq!(code(r), "NoValidHost");

    // Another zone has hosts of its own; an instance outside the group still fits.
    create(&p, INSTANCE, grouped("web-az2", "az2", &g))
        .await
        .unwrap();
    let free = obj(&[
        ("name", s("loose")),
        ("image_name", s("ubuntu-24.04")),
        ("flavor_name", s("m1.small")),
        ("availability_zone", s("az1")),
        (
            "network",
            Value::Tuple(vec![obj(&[("name", s("private"))])]),
        ),
    ]);
    let loose = create(&p, INSTANCE, free).await.unwrap();
    // It lands on the least loaded host: the first, which runs one member.
    assert_eq!(str_of(&loose, "hypervisor_hostname"), "az1-compute-01");
}

#[tokio::test]
async fn soft_anti_affinity_overflows_instead_of_failing() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let g = create(&p, GROUP, group_cfg("web", "soft-anti-affinity"))
        .await
        .unwrap();
    for i in 0..=sim::OPENSTACK_HOSTS_PER_ZONE {
        create(&p, INSTANCE, grouped(&format!("web-{i}"), "az1", &g))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn max_server_per_host_lets_a_host_take_more_members() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let cfg = obj(&[
        ("name", s("web")),
        ("policy", s("anti-affinity")),
        (
            "rules",
            Value::Tuple(vec![obj(&[("max_server_per_host", Value::Number(2.0))])]),
        ),
    ]);
    let g = create(&p, GROUP, cfg).await.unwrap();
    for i in 0..2 * sim::OPENSTACK_HOSTS_PER_ZONE {
        create(&p, INSTANCE, grouped(&format!("web-{i}"), "az1", &g))
            .await
            .unwrap();
    }
    let r = create(&p, INSTANCE, grouped("web-extra", "az1", &g)).await;
    assert_eq!(code(r), "NoValidHost");
}

#[tokio::test]
async fn affinity_keeps_members_on_one_host() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let g = create(&p, GROUP, group_cfg("db", "affinity"))
        .await
        .unwrap();
    let a = create(&p, INSTANCE, grouped("a", "az1", &g)).await.unwrap();
    let b = create(&p, INSTANCE, grouped("b", "az1", &g)).await.unwrap();
    assert_eq!(
        str_of(&a, "hypervisor_hostname"),
        str_of(&b, "hypervisor_hostname")
    );
    let r = create(&p, INSTANCE, grouped("c", "az2", &g)).await;
    assert_eq!(code(r), "NoValidHost");
}

#[tokio::test]
async fn a_scheduler_hint_to_an_unknown_group_is_refused() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let ghost = obj(&[("id", s("0b5e3d5e-8f7c-4f51-9a4e-2f1f0c8a7d11"))]);
    let r = create(&p, INSTANCE, grouped("a", "az1", &ghost)).await;
    assert_eq!(
        message(r),
        "Instance group 0b5e3d5e-8f7c-4f51-9a4e-2f1f0c8a7d11 could not be found."
    );
    assert_eq!(
        sim.factory.object_count().unwrap(),
        2,
        "network and subnet only"
    );
}

#[tokio::test]
async fn changing_the_group_hint_replaces_the_instance() {
    let sim = sim();
    let p = provider(&sim.factory, "openstack", None);
    network(&p, "private", "192.168.10.0/24").await;
    let g1 = create(&p, GROUP, group_cfg("one", "anti-affinity"))
        .await
        .unwrap();
    let g2 = create(&p, GROUP, group_cfg("two", "anti-affinity"))
        .await
        .unwrap();
    let a = create(&p, INSTANCE, grouped("a", "az1", &g1))
        .await
        .unwrap();
    let planned = plan(&p, INSTANCE, Some(&a), &grouped("a", "az1", &g2))
        .await
        .unwrap();
    assert!(!planned.requires_replace.is_empty());
}
