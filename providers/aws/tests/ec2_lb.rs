//! EC2 instances on the real AWS provider against moto: launched into a subnet with a
//! root volume and waited on, read back with nothing to change, resized (stop, modify,
//! start), regrouped, retagged and their volume grown, then terminated with nothing left;
//! a full subnet is refused before anything is launched. What the provider did is checked
//! through the SDK, not only through its own answers.

mod common;

use common::{apply, destroy, nothing_to_change, number, plan, provider, sdk, text, v};
use engine::provider::ProviderError;
use engine::value::Value;
use serde_json::json;

const INSTANCE: &str = "aws_instance";

/// An Ubuntu AMI moto knows (root device `/dev/sda1`).
const AMI: &str = "ami-1e749f67";

async fn ec2(endpoint: &str) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&sdk(endpoint).await)
}

/// A VPC with a subnet of `cidr` and two security groups; `(subnet, [group, group])`.
async fn network(ec2: &aws_sdk_ec2::Client, cidr: &str) -> (String, [String; 2]) {
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap();
    let vpc = vpc.vpc().and_then(|v| v.vpc_id()).unwrap().to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc)
        .cidr_block(cidr)
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap();
    let subnet = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap()
        .to_string();
    let mut groups = Vec::new();
    for name in ["galley-web-a", "galley-web-b"] {
        let g = ec2
            .create_security_group()
            .group_name(name)
            .description("galley test")
            .vpc_id(&vpc)
            .send()
            .await
            .unwrap();
        groups.push(g.group_id().unwrap().to_string());
    }
    (subnet, [groups[0].clone(), groups[1].clone()])
}

fn instance_config(
    subnet: &str,
    instance_type: &str,
    group: &str,
    tags: serde_json::Value,
    volume_size: u32,
) -> Value {
    v(json!({
        "ami": AMI,
        "instance_type": instance_type,
        "subnet_id": subnet,
        "vpc_security_group_ids": [group],
        "tags": tags,
        "root_block_device": [{ "volume_size": volume_size, "volume_type": "gp3" }],
    }))
}

/// The instances of `subnet` that are not terminated.
async fn live_instances(
    ec2: &aws_sdk_ec2::Client,
    subnet: &str,
) -> Vec<aws_sdk_ec2::types::Instance> {
    let out = ec2
        .describe_instances()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("subnet-id")
                .values(subnet)
                .build(),
        )
        .send()
        .await
        .unwrap();
    out.reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) != Some("terminated"))
        .cloned()
        .collect()
}

async fn free_addresses(ec2: &aws_sdk_ec2::Client, subnet: &str) -> i32 {
    let out = ec2
        .describe_subnets()
        .subnet_ids(subnet)
        .send()
        .await
        .unwrap();
    out.subnets()[0].available_ip_address_count().unwrap()
}

fn tag_pairs(i: &aws_sdk_ec2::types::Instance) -> Vec<(String, String)> {
    let mut t: Vec<_> = i
        .tags()
        .iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_string(),
                t.value().unwrap_or_default().to_string(),
            )
        })
        .collect();
    t.sort();
    t
}

fn root(state: &Value) -> &Value {
    state
        .get_attr("root_block_device")
        .and_then(Value::as_seq)
        .and_then(|b| b.first())
        .unwrap_or_else(|| panic!("no root_block_device in {state:?}"))
}

#[tokio::test]
async fn an_instance_is_launched_resized_regrouped_retagged_and_terminated() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let ec2 = ec2(&endpoint).await;
    let (subnet, [web_a, web_b]) = network(&ec2, "10.20.1.0/24").await;
    let p = provider(&[("ec2", &endpoint)]);

    let config = instance_config(
        &subnet,
        "t3.micro",
        &web_a,
        json!({"Name": "galley-web", "team": "payments"}),
        10,
    );
    let state = apply(&p, INSTANCE, None, &config).await.unwrap();
    let id = text(&state, "id").to_string();
    assert!(id.starts_with("i-"), "{id}");
    assert_eq!(text(&state, "instance_state"), "running");
    assert_eq!(text(&state, "availability_zone"), "us-east-1a");
    assert!(
        text(&state, "private_ip").starts_with("10.20.1."),
        "{state:?}"
    );
    assert!(text(&state, "arn").ends_with(&format!(":instance/{id}")));
    assert!(text(&state, "primary_network_interface_id").starts_with("eni-"));
    assert_eq!(text(&state, "public_ip"), "");
    assert_eq!(number(root(&state), "volume_size"), 10.0);
    assert_eq!(text(root(&state), "volume_type"), "gp3");
    let volume = text(root(&state), "volume_id").to_string();

    // What AWS holds: one running instance, launched with the token derived from the object.
    let live = live_instances(&ec2, &subnet).await;
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].instance_id(), Some(id.as_str()));
    assert!(
        live[0]
            .client_token()
            .is_some_and(|t| t.starts_with("galley-")),
        "{:?}",
        live[0].client_token()
    );
    assert_eq!(
        tag_pairs(&live[0]),
        [("Name", "galley-web"), ("team", "payments")].map(|(k, v)| (k.to_string(), v.to_string()))
    );
    let fresh = nothing_to_change(&p, INSTANCE, &state, &config).await;

    // A new type (stop, ModifyInstanceAttribute, start), another group, other tags and a
    // bigger root volume: all in place.
    let config = instance_config(
        &subnet,
        "t3.small",
        &web_b,
        json!({"Name": "galley-web", "env": "test"}),
        12,
    );
    let planned = plan(&p, INSTANCE, Some(&fresh), &config).await.unwrap();
    assert_eq!(
        text(&planned, "id"),
        id,
        "an in-place change keeps the instance"
    );
    let state = apply(&p, INSTANCE, Some(&fresh), &config).await.unwrap();
    assert_eq!(text(&state, "id"), id);
    assert_eq!(text(&state, "instance_type"), "t3.small");
    assert_eq!(text(&state, "instance_state"), "running");
    let live = live_instances(&ec2, &subnet).await;
    assert_eq!(live.len(), 1);
    let i = &live[0];
    assert_eq!(i.instance_type().map(|t| t.as_str()), Some("t3.small"));
    assert_eq!(
        i.state().and_then(|s| s.name()).map(|n| n.as_str()),
        Some("running")
    );
    assert_eq!(
        i.security_groups()
            .iter()
            .filter_map(|g| g.group_id())
            .collect::<Vec<_>>(),
        [web_b.as_str()]
    );
    assert_eq!(
        tag_pairs(i),
        [("Name", "galley-web"), ("env", "test")].map(|(k, v)| (k.to_string(), v.to_string()))
    );
    let volumes = ec2
        .describe_volumes()
        .volume_ids(&volume)
        .send()
        .await
        .unwrap();
    assert_eq!(volumes.volumes()[0].size(), Some(12));
    let fresh = nothing_to_change(&p, INSTANCE, &state, &config).await;
    assert_eq!(number(root(&fresh), "volume_size"), 12.0);

    // Terminated and waited on: no instance, volume or interface is left in the subnet.
    destroy(&p, INSTANCE, &fresh).await.unwrap();
    assert!(live_instances(&ec2, &subnet).await.is_empty());
    let volumes = ec2.describe_volumes().send().await.unwrap();
    assert!(
        volumes
            .volumes()
            .iter()
            .all(|v| v.volume_id() != Some(volume.as_str())),
        "the root volume went with the instance"
    );
    let enis = ec2
        .describe_network_interfaces()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("subnet-id")
                .values(&subnet)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(enis.network_interfaces().is_empty(), "{enis:?}");
    assert_eq!(p.read(INSTANCE, &fresh).await.unwrap(), None);
    // Deleting what is gone is no error.
    destroy(&p, INSTANCE, &fresh).await.unwrap();
}

#[tokio::test]
async fn a_full_subnet_is_refused_before_anything_is_launched() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let ec2 = ec2(&endpoint).await;
    // A /28 has 16 addresses, 5 of them AWS's: 11 for instances.
    let (subnet, [web, _]) = network(&ec2, "10.20.7.0/28").await;
    assert_eq!(free_addresses(&ec2, &subnet).await, 11);
    let p = provider(&[("ec2", &endpoint)]);

    let first = instance_config(&subnet, "t3.micro", &web, json!({"Name": "first"}), 8);
    let state = apply(&p, INSTANCE, None, &first).await.unwrap();
    let first_id = text(&state, "id").to_string();
    // Others take the rest of the subnet.
    ec2.run_instances()
        .image_id(AMI)
        .min_count(10)
        .max_count(10)
        .subnet_id(&subnet)
        .send()
        .await
        .unwrap();
    assert_eq!(free_addresses(&ec2, &subnet).await, 0);
    assert_eq!(live_instances(&ec2, &subnet).await.len(), 11);

    let second = instance_config(&subnet, "t3.micro", &web, json!({"Name": "second"}), 8);
    let e = apply(&p, INSTANCE, None, &second).await.unwrap_err();
    match &e {
        ProviderError::Api { code, message } => {
            assert_eq!(code, "InsufficientFreeAddressesInSubnet");
            assert!(
                message.contains(&format!("subnet {subnet} has 0 free addresses")),
                "{message}"
            );
            assert!(message.contains("RunInstances was not called"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing was launched, nothing is half-made.
    assert_eq!(live_instances(&ec2, &subnet).await.len(), 11);
    assert_eq!(free_addresses(&ec2, &subnet).await, 0);

    // The first object's create run again (an apply started over) finds the instance it
    // launched, by its client token, and launches nothing.
    let again = apply(&p, INSTANCE, None, &first).await.unwrap();
    assert_eq!(text(&again, "id"), first_id);
    assert_eq!(live_instances(&ec2, &subnet).await.len(), 11);

    // Once an address is free, the second one launches.
    destroy(&p, INSTANCE, &state).await.unwrap();
    assert_eq!(free_addresses(&ec2, &subnet).await, 1);
    let second_state = apply(&p, INSTANCE, None, &second).await.unwrap();
    assert_eq!(text(&second_state, "instance_state"), "running");
    assert_eq!(free_addresses(&ec2, &subnet).await, 0);
}

#[tokio::test]
async fn malformed_amis_types_and_group_names_in_a_subnet_fail_the_plan() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("ec2", &endpoint)]);
    let config = |ami: &str, t: &str| {
        v(json!({"ami": ami, "instance_type": t, "subnet_id": "subnet-12345678"}))
    };
    let e = plan(&p, INSTANCE, None, &config("ubuntu-24.04", "t3.micro"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is not an AMI id"), "{e}");
    let e = plan(&p, INSTANCE, None, &config(AMI, "large"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("is not an instance type"), "{e}");
    plan(&p, INSTANCE, None, &config(AMI, "m7i-flex.large"))
        .await
        .unwrap();
    // Group names are for default VPCs; in a subnet AWS takes ids.
    let by_name = v(json!({
        "ami": AMI,
        "instance_type": "t3.micro",
        "subnet_id": "subnet-12345678",
        "security_groups": ["web"],
    }));
    let e = plan(&p, INSTANCE, None, &by_name).await.unwrap_err();
    assert!(e.to_string().contains("vpc_security_group_ids"), "{e}");
}
