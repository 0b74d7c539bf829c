# Rehearse the quickstart in a throw-away environment: galley kitchen run examples/quickstart

run "defaults" {
  assert {
    condition     = length(output.web_ips) == 2
    error_message = "Two web instances by default."
  }
  assert {
    condition     = output.subnet_cidrs["eu-west-1a"] == "10.20.0.0/24"
    error_message = "The first zone's subnet is the first /24 of the VPC."
  }
  assert {
    condition     = output.fqdn == "app.quickstart.example.com"
    error_message = "The weighted record is under the quickstart zone."
  }
}

run "scale_out" {
  variables {
    web_count = 3
  }
  assert {
    condition     = length(output.web_ips) == 3
    error_message = "web_count adds instances in place."
  }
  assert {
    condition     = output.vpc_id == run.defaults.vpc_id
    error_message = "Scaling out keeps the VPC."
  }
}
