output "fqdn" {
  description = "The record set's fully qualified name."
  value       = one(distinct([for r in aws_route53_record.this : r.fqdn]))
}

output "record_ids" {
  description = "Route 53 record ids by target."
  value       = { for k, r in aws_route53_record.this : k => r.id }
}

output "weights" {
  description = "Each target's weight."
  value       = { for k, r in aws_route53_record.this : k => r.weighted_routing_policy[0].weight }
}

output "share_percent" {
  description = "Each target's share of lookups in percent (weight / sum of weights x 100, unrounded), ignoring health checks."
  value       = local.share_percent
}
