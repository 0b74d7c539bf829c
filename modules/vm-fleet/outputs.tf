output "instance_ids_by_zone" {
  description = "Instance ids per availability zone, in instance-name order."
  value = {
    for zone in var.zones : zone => [
      for name in sort(keys(local.instances)) :
      openstack_compute_instance_v2.fleet[name].id if local.instances[name] == zone
    ]
  }
}

output "instance_names_by_zone" {
  description = "Instance names per availability zone, sorted."
  value = {
    for zone in var.zones : zone => [
      for name in sort(keys(local.instances)) : name if local.instances[name] == zone
    ]
  }
}

output "instance_names" {
  description = "Every instance name, sorted."
  value       = sort(keys(local.instances))
}

output "hosts_by_zone" {
  description = "The compute host (hypervisor_hostname) of each instance per zone, in instance-name order. Distinct within a zone by anti-affinity. Real clouds report it to admins only; other users see empty strings."
  value = {
    for zone in var.zones : zone => [
      for name in sort(keys(local.instances)) :
      openstack_compute_instance_v2.fleet[name].hypervisor_hostname if local.instances[name] == zone
    ]
  }
}

output "server_group_ids" {
  description = "The anti-affinity server group id of each zone."
  value       = { for zone, g in openstack_compute_servergroup_v2.zone : zone => g.id }
}

output "server_group_names" {
  description = "The server group name of each zone."
  value       = { for zone, g in openstack_compute_servergroup_v2.zone : zone => g.name }
}

output "addresses" {
  description = "The IPv4 address of each instance, by name."
  value       = { for name, vm in openstack_compute_instance_v2.fleet : name => vm.access_ip_v4 }
}
