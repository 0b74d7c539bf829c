# One EKS cluster behind a weighted Route 53 record, upgraded blue/green: when
# kubernetes_version changes, galley builds a second cluster at the new version beside
# this one (a "-green" copy of everything below that depends on the cluster: node group,
# add-ons, workloads, load balancer, target group, listener, record), shifts the record's
# traffic to it in steps, checks the health gate after each bake, and removes the old side
# only after the last step. See the README of galley, "EKS blue/green".

locals {
  tags = merge(var.tags, { Cluster = var.name })
}

resource "aws_eks_cluster" "this" {
  name     = var.name
  role_arn = var.cluster_role_arn
  version  = var.kubernetes_version

  vpc_config {
    subnet_ids = var.subnet_ids
  }

  tags = local.tags
}

resource "aws_eks_node_group" "this" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "general"
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.subnet_ids
  instance_types  = var.nodes.instance_types
  version         = aws_eks_cluster.this.version

  scaling_config {
    desired_size = var.nodes.desired_size
    min_size     = var.nodes.min_size
    max_size     = var.nodes.max_size
  }
  update_config {
    max_unavailable = 1
  }

  tags = local.tags
}

# The add-on builds of the cluster's own version: the frozen old side keeps its
# builds while the new side gets those of the new version.
resource "aws_eks_addon" "this" {
  for_each                    = toset(["vpc-cni", "coredns", "kube-proxy"])
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = var.addon_versions[aws_eks_cluster.this.version][each.key]
  resolve_conflicts_on_update = "OVERWRITE"
  tags                        = local.tags
}

provider "kubernetes" {
  host = aws_eks_cluster.this.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.this.name]
  }
}

resource "kubernetes_manifest" "deployment" {
  depends_on = [aws_eks_node_group.this, aws_eks_addon.this]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = var.app.name, namespace = "default" }
    spec = {
      replicas = var.app.replicas
      selector = { matchLabels = { app = var.app.name } }
      template = {
        metadata = { labels = { app = var.app.name } }
        spec = {
          containers = [{
            name      = var.app.name
            image     = var.app.image
            ports     = [{ containerPort = var.app.port }]
            resources = { requests = { cpu = var.app.cpu, memory = var.app.memory } }
          }]
        }
      }
    }
  }
}

resource "kubernetes_manifest" "service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = var.app.name, namespace = "default" }
    spec = {
      selector = { app = var.app.name }
      ports    = [{ port = var.app.port, targetPort = var.app.port }]
    }
  }
}

# Load balancer and target group are named like the cluster's side (NAME, NAME-green):
# ELB names stop at 32 characters, so no further suffix. The Cluster tag ties them to
# the cluster, so each side has its own.
resource "aws_lb" "this" {
  name    = var.name
  subnets = var.subnet_ids
  tags    = merge(local.tags, { Cluster = aws_eks_cluster.this.name })
}

resource "aws_lb_target_group" "this" {
  name        = var.name
  port        = var.app.port
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = var.vpc_id
  tags        = merge(local.tags, { Cluster = aws_eks_cluster.this.name })
}

resource "aws_lb_listener" "this" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.this.arn
  }
}

# Registers the ready pods of the Service in the target group (AWS Load Balancer
# Controller): the load balancer serves what the cluster runs.
resource "kubernetes_manifest" "target_group_binding" {
  manifest = {
    apiVersion = "elbv2.k8s.aws/v1beta1"
    kind       = "TargetGroupBinding"
    metadata   = { name = var.app.name, namespace = "default" }
    spec = {
      targetGroupARN = aws_lb_target_group.this.arn
      targetType     = "ip"
      serviceRef     = { name = var.app.name, port = var.app.port }
    }
  }
}

resource "aws_route53_record" "this" {
  zone_id        = var.zone_id
  name           = var.record_name
  type           = "A"
  set_identifier = var.name
  weighted_routing_policy {
    weight = var.weight
  }
  alias {
    name                   = aws_lb.this.dns_name
    zone_id                = aws_lb.this.zone_id
    evaluate_target_health = true
  }
}

blue_green "cluster" {
  cluster = aws_eks_cluster.this
  record  = aws_route53_record.this
  steps   = [10, 50, 100]
  bake    = "10m"
  health {
    condition     = alltrue([for c in var.health_checks : c.ok])
    error_message = join("; ", [for c in var.health_checks : c.message if !c.ok])
  }
}
