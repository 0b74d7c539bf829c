# galley kitchen run modules/eks-blue-green

provider "aws" {
  region = "eu-west-1"
}

variables {
  name             = "shop"
  cluster_role_arn = "arn:aws:iam::123456789012:role/eks"
  node_role_arn    = "arn:aws:iam::123456789012:role/node"
  record_name      = "shop.example.com"
  app = {
    name     = "shop"
    image    = "example/shop:1.0"
    replicas = 4
  }
}

run "setup" {
  module {
    source = "./tests/setup"
  }
}

run "blue" {
  variables {
    kubernetes_version = "1.33"
    vpc_id             = run.setup.vpc_id
    subnet_ids         = run.setup.subnet_ids
    zone_id            = run.setup.zone_id
  }
  assert {
    condition     = output.kubernetes_version == "1.33"
    error_message = "The cluster runs the version asked for."
  }
  assert {
    condition     = output.addon_versions["kube-proxy"] == "v1.33.5-eksbuild.2"
    error_message = "kube-proxy carries the cluster's minor version."
  }
  assert {
    condition     = !endswith(output.cluster_name, "-green")
    error_message = "The first side has the names as written."
  }
}

run "upgrade_blue_green" {
  variables {
    kubernetes_version = "1.34"
    vpc_id             = run.setup.vpc_id
    subnet_ids         = run.setup.subnet_ids
    zone_id            = run.setup.zone_id
  }
  assert {
    condition     = output.kubernetes_version == "1.34"
    error_message = "After the upgrade the live cluster runs 1.34."
  }
  assert {
    condition     = endswith(output.cluster_name, "-green") && endswith(output.set_identifier, "-green")
    error_message = "The upgrade built a second cluster (the green side) and moved the record to it."
  }
  assert {
    condition     = output.addon_versions["coredns"] == "v1.13.2-eksbuild.11"
    error_message = "The new side's add-ons are the builds for 1.34."
  }
  assert {
    condition     = output.record_fqdn == run.blue.record_fqdn
    error_message = "The name clients use does not change."
  }
}

run "weight_out_of_range" {
  command = plan
  variables {
    kubernetes_version = "1.34"
    vpc_id             = run.setup.vpc_id
    subnet_ids         = run.setup.subnet_ids
    zone_id            = run.setup.zone_id
    weight             = 300
  }
  expect_failures = [var.weight]
}

run "unknown_version" {
  command = plan
  variables {
    kubernetes_version = "1.29"
    vpc_id             = run.setup.vpc_id
    subnet_ids         = run.setup.subnet_ids
    zone_id            = run.setup.zone_id
  }
  expect_failures = [var.kubernetes_version]
}
