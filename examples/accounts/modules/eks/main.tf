# One region's EKS cluster for the accounts service, upgraded in place: the cluster, a
# managed node group, the add-ons at the builds for the cluster's version, the
# workloads (deployed through a kubernetes provider bound to the cluster), and the load
# balancer the region's DNS record points at. The pods behind it are registered by a
# TargetGroupBinding, as the AWS Load Balancer Controller does.

locals {
  tags = {
    Service = "accounts"
    Cluster = var.name
  }
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

resource "aws_eks_node_group" "general" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "general"
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.subnet_ids
  instance_types  = ["m5.large"]
  version         = aws_eks_cluster.this.version

  scaling_config {
    desired_size = var.nodes
    min_size     = var.nodes
    max_size     = var.nodes * 2
  }
  update_config {
    max_unavailable = 1
  }

  tags = local.tags
}

# vpc-cni, coredns and kube-proxy at the builds for the cluster's version: upgrading the
# cluster moves them too.
resource "aws_eks_addon" "this" {
  for_each                    = var.addon_versions[var.kubernetes_version]
  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = each.value
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

resource "kubernetes_manifest" "config" {
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "accounts", namespace = "default" }
    data       = var.settings
  }
}

resource "kubernetes_manifest" "api" {
  depends_on = [aws_eks_node_group.general, aws_eks_addon.this]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "accounts-api", namespace = "default" }
    spec = {
      replicas = var.api_replicas
      selector = { matchLabels = { app = "accounts-api" } }
      template = {
        metadata = { labels = { app = "accounts-api" } }
        spec = {
          containers = [{
            name      = "api"
            image     = "registry.example.com/accounts/api:${var.image_tag}"
            ports     = [{ containerPort = 8080 }]
            envFrom   = [{ configMapRef = { name = kubernetes_manifest.config.manifest.metadata.name } }]
            resources = { requests = { cpu = "250m", memory = "256Mi" } }
          }]
        }
      }
    }
  }
}

resource "kubernetes_manifest" "ledger" {
  depends_on = [aws_eks_node_group.general, aws_eks_addon.this]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "ledger-worker", namespace = "default" }
    spec = {
      replicas = var.worker_replicas
      selector = { matchLabels = { app = "ledger-worker" } }
      template = {
        metadata = { labels = { app = "ledger-worker" } }
        spec = {
          containers = [{
            name      = "worker"
            image     = "registry.example.com/accounts/ledger:${var.image_tag}"
            envFrom   = [{ configMapRef = { name = kubernetes_manifest.config.manifest.metadata.name } }]
            resources = { requests = { cpu = "250m", memory = "512Mi" } }
          }]
        }
      }
    }
  }
}

resource "kubernetes_manifest" "api_budget" {
  manifest = {
    apiVersion = "policy/v1"
    kind       = "PodDisruptionBudget"
    metadata   = { name = "accounts-api", namespace = "default" }
    spec = {
      minAvailable = "50%"
      selector     = { matchLabels = { app = "accounts-api" } }
    }
  }
}

resource "kubernetes_manifest" "api_service" {
  manifest = {
    apiVersion = "v1"
    kind       = "Service"
    metadata   = { name = "accounts-api", namespace = "default" }
    spec = {
      selector = { app = "accounts-api" }
      ports    = [{ port = 80, targetPort = 8080 }]
    }
  }
}

# The load balancer's targets are the API's ready pods.
resource "kubernetes_manifest" "api_binding" {
  manifest = {
    apiVersion = "elbv2.k8s.aws/v1beta1"
    kind       = "TargetGroupBinding"
    metadata   = { name = "accounts-api", namespace = "default" }
    spec = {
      targetGroupARN = aws_lb_target_group.api.arn
      targetType     = "ip"
      serviceRef     = { name = kubernetes_manifest.api_service.manifest.metadata.name, port = 80 }
    }
  }
}

resource "aws_lb" "api" {
  name               = "${aws_eks_cluster.this.name}-api"
  load_balancer_type = "application"
  subnets            = var.subnet_ids
  tags               = local.tags
}

resource "aws_lb_target_group" "api" {
  name        = "${aws_eks_cluster.this.name}-api"
  port        = 8080
  protocol    = "HTTP"
  vpc_id      = var.vpc_id
  target_type = "ip"
  tags        = local.tags
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.api.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}
