# galley kitchen run modules/eks-cluster

provider "aws" {
  region = "eu-west-1"
}

variables {
  name             = "netmods-eks"
  cluster_role_arn = "arn:aws:iam::123456789012:role/eks-cluster"
  node_role_arn    = "arn:aws:iam::123456789012:role/eks-node"
  node_groups = {
    general = { min_size = 2, desired_size = 3, max_size = 6 }
    batch   = { instance_types = ["c5.xlarge"], min_size = 1, desired_size = 1, max_size = 3, max_unavailable = 1 }
  }
  tags = { Service = "accounts" }
}

run "setup" {
  module {
    source = "./tests/setup"
  }
}

run "create_1_33" {
  variables {
    kubernetes_version = "1.33"
    subnet_ids         = run.setup.subnet_ids
  }
  assert {
    condition     = output.kubernetes_version == "1.33"
    error_message = "The control plane runs the requested version."
  }
  assert {
    condition     = output.addon_versions == { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.12.4-eksbuild.1", kube-proxy = "v1.33.5-eksbuild.2" }
    error_message = "1.33 gets kube-proxy v1.33.x and CoreDNS 1.12.x (and the VPC CNI's v1.20 line)."
  }
  assert {
    condition     = output.node_group_names == ["batch", "general"]
    error_message = "One managed node group per key of node_groups."
  }
  assert {
    condition     = output.node_group_versions == { batch = "1.33", general = "1.33" }
    error_message = "Every node group runs the cluster's version."
  }
  assert {
    condition     = endswith(output.cluster_name, var.name) && startswith(output.endpoint, "https://")
    error_message = "The cluster has the given name (with the kitchen's run prefix) and an HTTPS endpoint."
  }
  assert {
    condition     = aws_eks_node_group.this["batch"].instance_types == ["c5.xlarge"] && aws_eks_node_group.this["general"].instance_types == ["m5.large"]
    error_message = "instance_types defaults to m5.large and can be set per group."
  }
  assert {
    condition     = aws_eks_node_group.this["general"].scaling_config[0].desired_size == 3 && aws_eks_node_group.this["general"].update_config[0].max_unavailable == 1
    error_message = "Scaling and update settings reach the node group."
  }
  assert {
    condition     = toset(aws_eks_cluster.this.vpc_config[0].subnet_ids) == toset(run.setup.subnet_ids) && aws_eks_cluster.this.upgrade_policy[0].support_type == "EXTENDED"
    error_message = "The cluster is in the given subnets, with extended support by default."
  }
}

# One minor up, in place: the control plane, then the node groups, then the add-ons of
# 1.34. The cluster and its node groups are updated, not replaced.
run "upgrade_to_1_34" {
  variables {
    kubernetes_version = "1.34"
    subnet_ids         = run.setup.subnet_ids
  }
  assert {
    condition     = output.kubernetes_version == "1.34" && output.node_group_versions == { batch = "1.34", general = "1.34" }
    error_message = "The control plane and every node group are at 1.34."
  }
  assert {
    condition     = output.addon_versions == { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.13.2-eksbuild.11", kube-proxy = "v1.34.1-eksbuild.2" }
    error_message = "The add-ons moved to the 1.34 builds: kube-proxy v1.34.x, CoreDNS 1.13.x."
  }
  assert {
    condition     = output.cluster_arn == run.create_1_33.cluster_arn && output.endpoint == run.create_1_33.endpoint && output.node_group_names == run.create_1_33.node_group_names
    error_message = "An in-place upgrade keeps the cluster, its endpoint and its node groups."
  }
}

# 1.31's extended support ended on 2026-11-26: EKS would refuse to create it.
run "version_past_support" {
  command = plan
  variables {
    kubernetes_version = "1.31"
    subnet_ids         = run.setup.subnet_ids
  }
  expect_failures = [var.kubernetes_version]
}

# A node group scaled below its minimum.
run "bad_scaling" {
  command = plan
  variables {
    kubernetes_version = "1.34"
    subnet_ids         = run.setup.subnet_ids
    node_groups = {
      general = { min_size = 3, desired_size = 2, max_size = 6 }
    }
  }
  expect_failures = [var.node_groups]
}
