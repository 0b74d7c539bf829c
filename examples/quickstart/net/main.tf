# Weighted DNS records: blue and green share traffic by weight.

variable "domain" {
  type = string
}

variable "blue_weight" {
  type = number
}

variable "targets" {
  type = list(string)
}

resource "aws_route53_zone" "this" {
  name = var.domain
}

resource "aws_route53_record" "app" {
  for_each       = { blue = var.blue_weight, green = 100 - var.blue_weight }
  zone_id        = aws_route53_zone.this.zone_id
  name           = "app.${var.domain}"
  type           = "A"
  ttl            = 60
  set_identifier = each.key
  records        = var.targets

  weighted_routing_policy {
    weight = each.value
  }
}

output "fqdn" {
  value = "app.${var.domain}"
}
