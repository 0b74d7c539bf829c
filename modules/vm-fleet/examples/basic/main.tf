# Six web servers over three zones: two per zone, each on its own compute host.
terraform {
  required_providers {
    openstack = {
      source  = "terraform-provider-openstack/openstack"
      version = ">= 1.54"
    }
  }
}

provider "openstack" {
  region = "RegionOne"
}

resource "openstack_networking_network_v2" "app" {
  name = "app"
}

resource "openstack_networking_subnet_v2" "app" {
  network_id = openstack_networking_network_v2.app.id
  cidr       = "10.40.0.0/24"
}

module "web" {
  source = "../.."

  name           = "web"
  zones          = ["az1", "az2", "az3"]
  instance_count = 6
  image_name     = "ubuntu-24.04"
  flavor_name    = "m1.medium"
  # By id, so the instances wait for the network; the subnet must exist before a port
  # can get an address.
  network = openstack_networking_subnet_v2.app.network_id

  metadata = { service = "web" }
  tags     = ["web"]
}

output "instance_ids_by_zone" {
  value = module.web.instance_ids_by_zone
}

output "hosts_by_zone" {
  value = module.web.hosts_by_zone
}

output "server_group_ids" {
  value = module.web.server_group_ids
}
