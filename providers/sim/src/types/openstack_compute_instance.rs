//! `openstack_compute_instance_v2`: a Nova server with a port on each `network` block,
//! placed on one of the compute hosts of its availability zone.
//!
//! Placement: every availability zone has [`HOSTS_PER_ZONE`] compute hosts, named
//! `<zone>-compute-01` and on. The scheduler puts an instance on the host of its zone
//! that runs the fewest instances (the first such host on a tie), among the hosts its
//! server group allows (`scheduler_hints { group }`): `anti-affinity` excludes hosts that
//! already run `max_server_per_host` (default 1) members of the group, `affinity` needs
//! the host of the group's members, `soft-*` only prefer. When no host is left the create
//! fails as Nova's scheduler does: `No valid host was found. There are not enough hosts
//! available.` The host is `hypervisor_hostname` (real clouds show it to admins only).

use std::net::Ipv4Addr;

use engine::provider::{Attribute, NestedBlock, Nesting, ProviderError, Schema};
use engine::value::Value;

use super::openstack::{all_tags, region_is_providers, with_common};
use super::{boolean, computed_string, string, string_list, string_map, string_set};
use crate::ids::{uuid_for, IdStyle};
use crate::net::{first_free, parse_cidr, size};
use crate::registry::{api_error, CreateCtx, Reference, ResourceType, RuleCtx};
use crate::shape::{attr, fill, set_attr, str_attr, values_at};
use crate::world::World;

const NETWORK: &str = "openstack_networking_network_v2";
const SUBNET: &str = "openstack_networking_subnet_v2";
const INSTANCE: &str = TYPE;
const SERVERGROUP: &str = super::openstack_compute_servergroup::TYPE;

/// The type name.
pub const TYPE: &str = "openstack_compute_instance_v2";

/// Compute hosts per availability zone: a small cell, so that a fleet meets its limit in
/// tests (an anti-affinity group of 9 instances in one zone does not fit).
pub const HOSTS_PER_ZONE: usize = 8;

/// The zone of an instance that names none.
const DEFAULT_ZONE: &str = "nova";

/// The `openstack_compute_instance_v2` type.
pub fn resource() -> ResourceType {
    let schema = with_common(
        Schema::default()
            .attr("name", Attribute::required(string()))
            .attr(
                "image_id",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr(
                "image_name",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("flavor_id", Attribute::optional_computed(string()))
            .attr("flavor_name", Attribute::optional_computed(string()))
            .attr("key_pair", Attribute::optional(string()).force_new())
            .attr(
                "security_groups",
                Attribute::optional_computed(string_set()),
            )
            .attr("metadata", Attribute::optional(string_map()))
            .attr("all_metadata", Attribute::computed(string_map()))
            .attr("user_data", Attribute::optional(string()).force_new())
            .attr(
                "availability_zone",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("power_state", Attribute::optional_computed(string()))
            .attr("config_drive", Attribute::optional(boolean()).force_new())
            .attr("stop_before_destroy", Attribute::optional(boolean()))
            .attr("access_ip_v4", Attribute::optional_computed(string()))
            .attr("access_ip_v6", Attribute::optional_computed(string()))
            .attr(
                "hypervisor_hostname",
                Attribute::optional_computed(string()).force_new(),
            )
            .attr("id", computed_string())
            .block(
                "scheduler_hints",
                NestedBlock {
                    nesting: Nesting::Set,
                    min_items: 0,
                    max_items: 0,
                    force_new: false,
                    schema: Schema::default()
                        .attr("group", Attribute::optional(string()).force_new())
                        .attr(
                            "different_host",
                            Attribute::optional(string_list()).force_new(),
                        )
                        .attr("same_host", Attribute::optional(string_list()).force_new())
                        .attr("query", Attribute::optional(string_list()).force_new())
                        .attr("target_cell", Attribute::optional(string()).force_new())
                        .attr(
                            "different_cell",
                            Attribute::optional(string_list()).force_new(),
                        )
                        .attr(
                            "build_near_host_ip",
                            Attribute::optional(string()).force_new(),
                        )
                        .attr(
                            "additional_properties",
                            Attribute::optional(string_map()).force_new(),
                        ),
                },
            )
            .block(
                "network",
                NestedBlock {
                    nesting: Nesting::List,
                    min_items: 0,
                    max_items: 0,
                    force_new: false,
                    schema: Schema::default()
                        .attr("uuid", Attribute::optional_computed(string()).force_new())
                        .attr("name", Attribute::optional_computed(string()).force_new())
                        .attr("port", Attribute::optional_computed(string()).force_new())
                        .attr(
                            "fixed_ip_v4",
                            Attribute::optional_computed(string()).force_new(),
                        )
                        .attr(
                            "fixed_ip_v6",
                            Attribute::optional_computed(string()).force_new(),
                        )
                        .attr("mac", Attribute::optional_computed(string()))
                        .attr("access_network", Attribute::optional_computed(boolean())),
                },
            ),
    );
    ResourceType::new(INSTANCE, schema)
        .ids(IdStyle::Uuid)
        .default("availability_zone", Value::string(DEFAULT_ZONE))
        .default("power_state", Value::string("active"))
        .default("network.access_network", Value::Bool(false))
        .derive("all_tags", "tags", true, all_tags)
        .derive("all_metadata", "metadata", true, metadata_map)
        .reference(Reference {
            path: &["network", "uuid"],
            target: NETWORK,
            not_found_code: Some("NetworkNotFound"),
            blocks_delete: Some("NetworkInUse"),
        })
        .rule(region_is_providers)
        .rule(image_and_flavor_are_named)
        .on_create(attach_ports)
        .takes(20, 5, 10)
}

fn metadata_map(v: &Value) -> Value {
    match v {
        Value::Null => Value::Map(Default::default()),
        v => v.clone(),
    }
}

fn image_and_flavor_are_named(ctx: &RuleCtx) -> Result<(), ProviderError> {
    let named = |a: &str, b: &str| !attr(ctx.obj, a).is_null() || !attr(ctx.obj, b).is_null();
    if !named("image_id", "image_name") {
        return Err(api_error(
            "BadRequest",
            "one of image_id or image_name must be set",
        ));
    }
    if !named("flavor_id", "flavor_name") {
        return Err(api_error(
            "BadRequest",
            "one of flavor_id or flavor_name must be set",
        ));
    }
    for n in attr(ctx.obj, "network").as_seq().unwrap_or(&[]) {
        if ["uuid", "name", "port"]
            .iter()
            .all(|k| attr(n, k).is_null())
        {
            return Err(api_error(
                "BadRequest",
                "a network block needs uuid, name or port",
            ));
        }
    }
    Ok(())
}

/// Names and ids resolve each other: the simulator derives the id from the name.
fn resolve_pair(obj: &mut Value, id_attr: &str, name_attr: &str, kind: &str) {
    match (str_attr(obj, id_attr), str_attr(obj, name_attr)) {
        (None, Some(name)) => {
            let id = uuid_for(&format!("galley-sim:openstack/{kind}/{name}")).to_string();
            fill(obj, id_attr, Value::string(id));
        }
        (Some(_), None) => fill(obj, name_attr, Value::string("")),
        _ => {}
    }
}

fn attach_ports(ctx: &mut CreateCtx) -> Result<(), ProviderError> {
    let world: &World = ctx.world;
    resolve_pair(ctx.obj, "image_id", "image_name", "image");
    resolve_pair(ctx.obj, "flavor_id", "flavor_name", "flavor");
    fill(
        ctx.obj,
        "security_groups",
        Value::set(vec![Value::string("default")]),
    );
    fill(ctx.obj, "region", Value::string(world.region()));
    let host = place(ctx.obj, world)?;
    set_attr(ctx.obj, "hypervisor_hostname", Value::string(host));
    let id = ctx.id.to_string();
    let Value::Object(m) = &mut *ctx.obj else {
        return Ok(());
    };
    let mut networks = match m.remove("network") {
        Some(Value::List(xs)) => xs,
        _ => Vec::new(),
    };
    // Addresses taken by ports of this instance count as used for its later blocks.
    let mut mine: Vec<Ipv4Addr> = Vec::new();
    for (i, n) in networks.iter_mut().enumerate() {
        let (net_id, net) = find_network(n, world)?;
        let ip = allocate(n, &net_id, world, &mine)?;
        mine.push(ip);
        fill(n, "uuid", Value::string(&net_id));
        fill(
            n,
            "name",
            Value::string(str_attr(net, "name").unwrap_or_default()),
        );
        fill(n, "fixed_ip_v4", Value::string(ip.to_string()));
        fill(n, "fixed_ip_v6", Value::string(""));
        fill(
            n,
            "port",
            Value::string(uuid_for(&format!("galley-sim:{id}/port/{i}")).to_string()),
        );
        let mac = uuid_for(&format!("galley-sim:{id}/mac/{i}")).as_bytes()[..3].to_vec();
        fill(
            n,
            "mac",
            Value::string(format!(
                "fa:16:3e:{:02x}:{:02x}:{:02x}",
                mac[0], mac[1], mac[2]
            )),
        );
    }
    let access = networks
        .iter()
        .find(|n| attr(n, "access_network").as_bool() == Some(true))
        .or(networks.first())
        .and_then(|n| str_attr(n, "fixed_ip_v4"))
        .unwrap_or_default()
        .to_string();
    m.insert("network".to_string(), Value::List(networks));
    fill(ctx.obj, "access_ip_v4", Value::string(access));
    fill(ctx.obj, "access_ip_v6", Value::string(""));
    Ok(())
}

fn find_network<'w>(block: &Value, world: &'w World) -> Result<(String, &'w Value), ProviderError> {
    if let Some(uuid) = str_attr(block, "uuid") {
        if let Some(n) = world.get(NETWORK, uuid) {
            return Ok((uuid.to_string(), n));
        }
        return Err(api_error(
            "NetworkNotFound",
            format!("Network {uuid} could not be found."),
        ));
    }
    let name = str_attr(block, "name").unwrap_or_default();
    let found: Vec<_> = world
        .of_type(NETWORK)
        .filter(|(_, n)| str_attr(n, "name") == Some(name))
        .collect();
    match found.as_slice() {
        [(id, n)] => Ok((id.to_string(), n)),
        [] => Err(api_error(
            "NetworkNotFound",
            format!("Network {name} could not be found."),
        )),
        _ => Err(api_error(
            "NetworkAmbiguous",
            format!("Multiple possible networks found named {name}; use uuid."),
        )),
    }
}

/// An address from the network's first IPv4 subnet, skipping the gateway and
/// addresses held by other instances' ports.
fn allocate(
    block: &Value,
    net_id: &str,
    world: &World,
    mine: &[Ipv4Addr],
) -> Result<Ipv4Addr, ProviderError> {
    let (subnet_id, subnet) = world
        .of_type(SUBNET)
        .find(|(_, s)| {
            str_attr(s, "network_id") == Some(net_id) && attr(s, "ip_version").as_f64() != Some(6.0)
        })
        .ok_or_else(|| {
            api_error(
                "IpAddressGenerationFailure",
                format!("Network {net_id} has no IPv4 subnet."),
            )
        })?;
    let net = str_attr(subnet, "cidr")
        .and_then(parse_cidr)
        .ok_or_else(|| ProviderError::Internal(format!("subnet {subnet_id} has no cidr")))?;
    let mut used: Vec<Ipv4Addr> = world
        .of_type(INSTANCE)
        .flat_map(|(_, i)| values_at(i, &["network", "fixed_ip_v4"]))
        .filter_map(|v| v.as_str()?.parse().ok())
        .collect();
    used.extend_from_slice(mine);
    if let Some(gw) = str_attr(subnet, "gateway_ip").and_then(|g| g.parse().ok()) {
        used.push(gw);
    }
    if let Some(wanted) = str_attr(block, "fixed_ip_v4") {
        let ip: Ipv4Addr = wanted.parse().map_err(|_| {
            api_error(
                "InvalidInput",
                format!("Invalid input for fixed_ip_v4: {wanted}"),
            )
        })?;
        if !net.contains(&ip) {
            return Err(api_error(
                "InvalidIpForSubnet",
                format!("IP address {ip} is not a valid IP for the specified subnet."),
            ));
        }
        if used.contains(&ip) {
            return Err(api_error(
                "IpAddressAlreadyAllocated",
                format!("IP address {ip} already allocated in subnet {subnet_id}"),
            ));
        }
        return Ok(ip);
    }
    // Neutron's default pool: from the second address to the one before broadcast.
    first_free(&net, 1, size(&net) - 1, &used).ok_or_else(|| {
        api_error(
            "IpAddressGenerationFailure",
            format!("No more IP addresses available on network {net_id}."),
        )
    })
}

/// The server group an instance asked for: `scheduler_hints.group`.
pub fn group_hint(instance: &Value) -> Option<&str> {
    values_at(instance, &["scheduler_hints", "group"])
        .into_iter()
        .find_map(|v| v.as_str().filter(|g| !g.is_empty()))
}

/// The name of compute host `n` (from 1) of `zone`.
pub fn host_name(zone: &str, n: usize) -> String {
    format!("{zone}-compute-{n:02}")
}

/// Nova's scheduler: the host of the instance's zone it runs on (see the module comment).
fn place(obj: &Value, world: &World) -> Result<String, ProviderError> {
    use super::openstack_compute_servergroup::{max_server_per_host, members_of, policy_of};
    let zone = str_attr(obj, "availability_zone")
        .filter(|z| !z.is_empty())
        .unwrap_or(DEFAULT_ZONE);
    let mut hosts: Vec<String> = (1..=HOSTS_PER_ZONE).map(|n| host_name(zone, n)).collect();
    let wanted = str_attr(obj, "hypervisor_hostname");
    if let Some(wanted) = wanted {
        if !hosts.iter().any(|h| h == wanted) {
            return Err(api_error(
                "BadRequest",
                format!("Compute host {wanted} could not be found in availability zone {zone}."),
            ));
        }
        hosts.retain(|h| h == wanted);
    }
    let running = |host: &str, group: Option<&str>| {
        world
            .of_type(INSTANCE)
            .filter(|(_, i)| str_attr(i, "hypervisor_hostname") == Some(host))
            .filter(|(_, i)| group.is_none() || group_hint(i) == group)
            .count()
    };
    // (preference from the group's policy, instances running, host number, host):
    // the smallest wins; `None` for a host the policy excludes.
    let mut candidates: Vec<(usize, usize, usize, String)> = Vec::new();
    let group = match group_hint(obj) {
        None => None,
        Some(id) => Some((
            id,
            world.get(SERVERGROUP, id).ok_or_else(|| {
                api_error(
                    "BadRequest",
                    format!("Instance group {id} could not be found."),
                )
            })?,
        )),
    };
    let policy = group.and_then(|(_, g)| policy_of(g)).unwrap_or_default();
    let max = group.map(|(_, g)| max_server_per_host(g)).unwrap_or(1);
    let member_hosts: Vec<&str> = group
        .into_iter()
        .flat_map(|(id, _)| members_of(world, id))
        .filter_map(|(_, i)| str_attr(i, "hypervisor_hostname"))
        .collect();
    for (n, host) in hosts.into_iter().enumerate() {
        let mine = group.map(|(id, _)| running(&host, Some(id))).unwrap_or(0);
        let preference = match policy {
            "anti-affinity" if mine >= max => None,
            "affinity" if !member_hosts.is_empty() && !member_hosts.contains(&host.as_str()) => {
                None
            }
            "soft-anti-affinity" => Some(mine),
            "soft-affinity" => Some(usize::MAX - mine),
            _ => Some(0),
        };
        if let Some(p) = preference {
            candidates.push((p, running(&host, None), n, host));
        }
    }
    candidates.sort();
    match (candidates.into_iter().next(), group) {
        (Some((_, _, _, host)), _) => Ok(host),
        (None, group) => {
            let group_name = match group {
                Some((id, g)) => format!("{} ({id})", str_attr(g, "name").unwrap_or_default()),
                None => String::new(),
            };
            let hosts = match wanted {
                Some(h) => format!("compute host {h}"),
                None => format!(
                    "each of the {HOSTS_PER_ZONE} compute hosts of availability zone {zone}"
                ),
            };
            let why = match policy {
                "affinity" => format!(
                    "server group {group_name} has policy affinity and its members run on {}, not on {hosts}",
                    member_hosts.first().unwrap_or(&"")
                ),
                _ => format!(
                    "server group {group_name} has policy anti-affinity and {hosts} already runs {max} of its members"
                ),
            };
            Err(api_error(
                "NoValidHost",
                format!("No valid host was found. There are not enough hosts available. ({why})"),
            ))
        }
    }
}
