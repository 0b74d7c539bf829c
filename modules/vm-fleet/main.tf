locals {
  network_is_uuid = can(regex("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$", var.network))

  # Round-robin: instance i (from 0) goes to zones[i % length(zones)]. Keyed by name, so
  # growing the fleet adds instances and keeps the existing ones where they are.
  instances = {
    for i in range(var.instance_count) :
    format("%s-%02d", var.name, i + 1) => var.zones[i % length(var.zones)]
  }
}

# One anti-affinity group per zone: each instance of a zone on its own compute host, so
# a host failure takes down at most one instance of the fleet.
resource "openstack_compute_servergroup_v2" "zone" {
  for_each = toset(var.zones)

  name     = "${var.name}-${each.key}"
  policies = ["anti-affinity"]
}

resource "openstack_compute_instance_v2" "fleet" {
  for_each = local.instances

  name              = each.key
  image_name        = var.image_name
  flavor_name       = var.flavor_name
  availability_zone = each.value
  tags              = var.tags

  metadata = merge(var.metadata, {
    fleet = var.name
    zone  = each.value
  })

  network {
    uuid = local.network_is_uuid ? var.network : null
    name = local.network_is_uuid ? null : var.network
  }

  scheduler_hints {
    group = openstack_compute_servergroup_v2.zone[each.value].id
  }
}
