# The network the fleet under test attaches to (the kitchen prefixes names with its run
# id, so the fleet is given the network's UUID).
resource "openstack_networking_network_v2" "fleet" {
  name = "fleet-net"
}

resource "openstack_networking_subnet_v2" "fleet" {
  network_id = openstack_networking_network_v2.fleet.id
  cidr       = "10.41.0.0/24"
}

output "network_id" {
  value = openstack_networking_subnet_v2.fleet.network_id
}
