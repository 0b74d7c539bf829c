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
