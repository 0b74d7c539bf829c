# A weighted record set: one Route 53 record per target, all of one name and type,
# told apart by set_identifier. Each takes weight / (sum of weights) of the lookups; a
# blue/green shift is a change of weights. Clients follow a change only when their
# cached answer expires (var.ttl, or the alias target's).

locals {
  total_weight = sum([for t in values(var.targets) : t.weight])

  # Route 53: weight / sum of weights; if every weight were 0, equal shares (the
  # validation on var.targets refuses that set, but the arithmetic follows the rule).
  share_percent = {
    for k, t in var.targets :
    k => local.total_weight > 0 ? t.weight * 100 / local.total_weight : 100 / length(var.targets)
  }
}

resource "aws_route53_record" "this" {
  for_each       = var.targets
  zone_id        = var.zone_id
  name           = var.name
  type           = var.type
  set_identifier = each.key
  ttl            = each.value.records != null ? var.ttl : null
  records        = each.value.records

  weighted_routing_policy {
    weight = each.value.weight
  }

  # A target without records is an alias (the validation on var.targets makes it one
  # or the other); records is known at plan even when the alias name is not.
  dynamic "alias" {
    for_each = each.value.records == null ? [each.value] : []
    content {
      name                   = alias.value.alias_name
      zone_id                = alias.value.alias_zone_id
      evaluate_target_health = alias.value.evaluate_target_health
    }
  }
}
