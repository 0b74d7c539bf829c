# An EKS cluster, its managed node groups, and the core add-ons (vpc-cni, coredns,
# kube-proxy) at the builds for the cluster's Kubernetes version. Changing
# var.kubernetes_version moves all three together: the control plane, then the node
# groups (which follow the cluster's version), then the add-ons of the new version.

locals {
  # Add-on builds per Kubernetes version, from the EKS user guide (managing-kube-proxy,
  # managing-coredns, managing-vpc-cni) as galley's catalog records them. kube-proxy
  # carries the cluster's minor; CoreDNS is 1.11 up to 1.32, 1.12 on 1.33, 1.13 on 1.34,
  # 1.14 on 1.35; the VPC CNI is one line for every version.
  # Not listed: 1.31 and older (extended support for 1.31 ended 2026-11-26, so EKS no
  # longer creates them) and 1.36 (no release date in the catalog yet).
  addon_versions = {
    "1.32" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.11.4-eksbuild.24", kube-proxy = "v1.32.9-eksbuild.2" }
    "1.33" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.12.4-eksbuild.1", kube-proxy = "v1.33.5-eksbuild.2" }
    "1.34" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.13.2-eksbuild.11", kube-proxy = "v1.34.1-eksbuild.2" }
    "1.35" = { vpc-cni = "v1.20.4-eksbuild.1", coredns = "v1.14.3-eksbuild.3", kube-proxy = "v1.35.3-eksbuild.13" }
  }
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  role_arn = var.cluster_role_arn
  version  = var.kubernetes_version

  vpc_config {
    subnet_ids = var.subnet_ids
  }

  upgrade_policy {
    support_type = var.support_type
  }

  tags = var.tags
}

resource "aws_eks_node_group" "this" {
  for_each        = var.node_groups
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = each.key
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.subnet_ids
  instance_types  = each.value.instance_types
  capacity_type   = each.value.capacity_type
  # Always the control plane's version: EKS creates a group only at it, and updates
  # the cluster only when every group is at it.
  version = aws_eks_cluster.this.version

  scaling_config {
    min_size     = each.value.min_size
    desired_size = each.value.desired_size
    max_size     = each.value.max_size
  }

  update_config {
    max_unavailable = each.value.max_unavailable
  }

  tags = var.tags
}

resource "aws_eks_addon" "this" {
  for_each                    = local.addon_versions[var.kubernetes_version]
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = each.value
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "OVERWRITE"
  tags                        = var.tags

  # CoreDNS needs nodes to schedule on.
  depends_on = [aws_eks_node_group.this]
}
