# galley kitchen run modules/weighted-dns

provider "aws" {
  region = "us-east-1"
}

run "setup" {
  module {
    source = "./tests/setup"
  }
}

variables {
  name = "api"
  type = "CNAME"
  ttl  = 60
}

# A blue/green shift's first step: 90% of lookups on blue, 10% on green.
run "first_step" {
  variables {
    zone_id = run.setup.zone_id
    targets = {
      blue  = { weight = 90, records = ["blue.backend.example.net"] }
      green = { weight = 10, records = ["green.backend.example.net"] }
    }
  }
  assert {
    condition     = output.fqdn == "api.weighted.example.com"
    error_message = "The records are under the zone: api.weighted.example.com."
  }
  assert {
    condition     = output.share_percent == { blue = 90, green = 10 }
    error_message = "Weights 90 and 10 give 90% and 10%."
  }
  assert {
    condition     = toset(keys(aws_route53_record.this)) == toset(["blue", "green"]) && aws_route53_record.this["green"].set_identifier == "green"
    error_message = "One record per target, its key as set_identifier."
  }
  assert {
    condition     = aws_route53_record.this["blue"].weighted_routing_policy[0].weight == 90 && aws_route53_record.this["blue"].records == toset(["blue.backend.example.net"])
    error_message = "The blue record carries its weight and its host name."
  }
}

# Route 53 as the simulator serves it agrees with share_percent.
run "first_step_traffic" {
  module {
    source = "./tests/traffic"
  }
  variables {
    fqdn = run.first_step.fqdn
  }
  assert {
    condition     = output.share_percent == run.first_step.share_percent
    error_message = "The simulator's split of api.weighted.example.com matches the module's share_percent."
  }
}

# Unequal weights that do not add up to 100: shares are relative to the sum (3/4, 1/4).
# Changing weights updates the records in place.
run "shift" {
  variables {
    zone_id = run.setup.zone_id
    targets = {
      blue  = { weight = 50, records = ["blue.backend.example.net"] }
      green = { weight = 150, records = ["green.backend.example.net"] }
    }
  }
  assert {
    condition     = output.share_percent == { blue = 25, green = 75 }
    error_message = "Weights 50 and 150 give 25% and 75%."
  }
  assert {
    condition     = output.record_ids == run.first_step.record_ids && output.fqdn == run.first_step.fqdn
    error_message = "A weight change keeps the same records."
  }
  assert {
    condition     = output.weights == { blue = 50, green = 150 }
    error_message = "The records carry the new weights."
  }
}

# Draining blue to 0 is allowed while green has weight.
run "drained" {
  variables {
    zone_id = run.setup.zone_id
    targets = {
      blue  = { weight = 0, records = ["blue.backend.example.net"] }
      green = { weight = 255, records = ["green.backend.example.net"] }
    }
  }
  assert {
    condition     = output.share_percent == { blue = 0, green = 100 }
    error_message = "A record at 0 gets nothing while another has weight."
  }
}

# Every weight 0 does not drain the name: Route 53 splits it equally. Refused.
run "all_zero" {
  command = plan
  variables {
    zone_id = run.setup.zone_id
    targets = {
      blue  = { weight = 0, records = ["blue.backend.example.net"] }
      green = { weight = 0, records = ["green.backend.example.net"] }
    }
  }
  expect_failures = [var.targets]
}

# Route 53 weights stop at 255.
run "weight_too_large" {
  command = plan
  variables {
    zone_id = run.setup.zone_id
    targets = {
      blue  = { weight = 256, records = ["blue.backend.example.net"] }
      green = { weight = 10, records = ["green.backend.example.net"] }
    }
  }
  expect_failures = [var.targets]
}

# Alias targets (a load balancer) as type A, beside the CNAME set of another name.
run "alias" {
  variables {
    zone_id = run.setup.zone_id
    name    = "www"
    type    = "A"
    targets = {
      only = { weight = 1, alias_name = run.setup.lb_dns_name, alias_zone_id = run.setup.lb_zone_id }
    }
  }
  assert {
    condition     = output.fqdn == "www.weighted.example.com" && output.share_percent == { only = 100 }
    error_message = "A single weighted alias takes all lookups of www."
  }
  assert {
    condition     = aws_route53_record.this["only"].alias[0].name == run.setup.lb_dns_name && aws_route53_record.this["only"].ttl == null
    error_message = "The alias record points at the load balancer and has no TTL of its own."
  }
}
