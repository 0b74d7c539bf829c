# eu-west-1's EKS cluster, upgraded blue/green: when var.eks_version["eu-west-1"]
# changes, galley builds a second cluster at the new version beside this one (the
# "-green" copy of everything below that depends on the cluster), deploys the workloads
# to it, shifts the region's share of api.accounts.example.com to it in steps, and
# removes the old side only after the last step. The network and the data tier
# (module.eu_west_1) stay shared.
#
# It is the same shape as modules/eks, written in the root module so that the whole
# upgrade reads in one file (a blue_green block may also sit in a module called once).

resource "aws_eks_cluster" "eu_west_1" {
  provider = aws.euw1
  name     = "accounts-euw1"
  role_arn = var.cluster_role_arn
  version  = var.eks_version["eu-west-1"]

  vpc_config {
    subnet_ids = module.eu_west_1.node_subnet_ids
  }

  tags = { Service = "accounts", Cluster = "accounts-euw1" }
}

resource "aws_eks_node_group" "eu_west_1" {
  provider        = aws.euw1
  cluster_name    = aws_eks_cluster.eu_west_1.name
  node_group_name = "general"
  node_role_arn   = var.node_role_arn
  subnet_ids      = module.eu_west_1.node_subnet_ids
  instance_types  = ["m5.large"]
  version         = aws_eks_cluster.eu_west_1.version

  scaling_config {
    desired_size = 3
    min_size     = 3
    max_size     = 6
  }
  update_config {
    max_unavailable = 1
  }
}

resource "aws_eks_addon" "eu_west_1" {
  provider                    = aws.euw1
  for_each                    = local.addon_versions[var.eks_version["eu-west-1"]]
  cluster_name                = aws_eks_cluster.eu_west_1.name
  addon_name                  = each.key
  addon_version               = each.value
  resolve_conflicts_on_update = "OVERWRITE"
}

provider "kubernetes" {
  alias = "eu_west_1"
  host  = aws_eks_cluster.eu_west_1.endpoint
  exec {
    api_version = "client.authentication.k8s.io/v1beta1"
    command     = "aws"
    args        = ["eks", "get-token", "--cluster-name", aws_eks_cluster.eu_west_1.name]
  }
}

resource "kubernetes_manifest" "eu_west_1_config" {
  provider = kubernetes.eu_west_1
  manifest = {
    apiVersion = "v1"
    kind       = "ConfigMap"
    metadata   = { name = "accounts", namespace = "default" }
    data = {
      DATABASE_HOST = module.eu_west_1.database_endpoint
      KAFKA_BROKERS = module.eu_west_1.kafka_brokers
      CACHE_HOST    = module.eu_west_1.cache_endpoint
    }
  }
}

resource "kubernetes_manifest" "eu_west_1_api" {
  provider   = kubernetes.eu_west_1
  depends_on = [aws_eks_node_group.eu_west_1, aws_eks_addon.eu_west_1]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "accounts-api", namespace = "default" }
    spec = {
      replicas = 6
      selector = { matchLabels = { app = "accounts-api" } }
      template = {
        metadata = { labels = { app = "accounts-api" } }
        spec = {
          containers = [{
            name      = "api"
            image     = "registry.example.com/accounts/api:${var.image_tag}"
            ports     = [{ containerPort = 8080 }]
            envFrom   = [{ configMapRef = { name = kubernetes_manifest.eu_west_1_config.manifest.metadata.name } }]
            resources = { requests = { cpu = "250m", memory = "256Mi" } }
          }]
        }
      }
    }
  }
}

resource "kubernetes_manifest" "eu_west_1_ledger" {
  provider   = kubernetes.eu_west_1
  depends_on = [aws_eks_node_group.eu_west_1, aws_eks_addon.eu_west_1]
  manifest = {
    apiVersion = "apps/v1"
    kind       = "Deployment"
    metadata   = { name = "ledger-worker", namespace = "default" }
    spec = {
      replicas = 3
      selector = { matchLabels = { app = "ledger-worker" } }
      template = {
        metadata = { labels = { app = "ledger-worker" } }
        spec = {
          containers = [{
            name      = "worker"
            image     = "registry.example.com/accounts/ledger:${var.image_tag}"
            envFrom   = [{ configMapRef = { name = kubernetes_manifest.eu_west_1_config.manifest.metadata.name } }]
            resources = { requests = { cpu = "250m", memory = "512Mi" } }
          }]
        }
      }
    }
  }
}

resource "kubernetes_manifest" "eu_west_1_api_budget" {
  provider = kubernetes.eu_west_1
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

resource "kubernetes_manifest" "eu_west_1_api_service" {
  provider = kubernetes.eu_west_1
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

resource "kubernetes_manifest" "eu_west_1_api_binding" {
  provider = kubernetes.eu_west_1
  manifest = {
    apiVersion = "elbv2.k8s.aws/v1beta1"
    kind       = "TargetGroupBinding"
    metadata   = { name = "accounts-api", namespace = "default" }
    spec = {
      targetGroupARN = aws_lb_target_group.eu_west_1.arn
      targetType     = "ip"
      serviceRef     = { name = kubernetes_manifest.eu_west_1_api_service.manifest.metadata.name, port = 80 }
    }
  }
}

resource "aws_lb" "eu_west_1" {
  provider           = aws.euw1
  name               = "${aws_eks_cluster.eu_west_1.name}-api"
  load_balancer_type = "application"
  subnets            = module.eu_west_1.node_subnet_ids
}

resource "aws_lb_target_group" "eu_west_1" {
  provider    = aws.euw1
  name        = "${aws_eks_cluster.eu_west_1.name}-api"
  port        = 8080
  protocol    = "HTTP"
  vpc_id      = module.eu_west_1.vpc_id
  target_type = "ip"
}

resource "aws_lb_listener" "eu_west_1" {
  provider          = aws.euw1
  load_balancer_arn = aws_lb.eu_west_1.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.eu_west_1.arn
  }
}

# eu-west-1's share of api.accounts.example.com, published once the API's pods are
# ready behind the load balancer. During an upgrade galley adds the green side's record
# ("eu-west-1-green", waiting for the green pods) and moves this region's weight to it.
resource "aws_route53_record" "eu_west_1" {
  provider       = aws.use1
  zone_id        = aws_route53_zone.accounts.zone_id
  name           = "api"
  type           = "A"
  set_identifier = "eu-west-1"
  depends_on = [
    kubernetes_manifest.eu_west_1_api,
    kubernetes_manifest.eu_west_1_api_binding,
    aws_lb_listener.eu_west_1,
  ]

  weighted_routing_policy {
    weight = local.weight
  }

  alias {
    name                   = aws_lb.eu_west_1.dns_name
    zone_id                = aws_lb.eu_west_1.zone_id
    evaluate_target_health = true
  }
}

blue_green "eu_west_1" {
  cluster = aws_eks_cluster.eu_west_1
  record  = aws_route53_record.eu_west_1
  steps   = [10, 50, 100]
  bake    = "15m"

  # After every shift: no client of the name gets an error, and every record that
  # takes traffic has ready pods behind it.
  health {
    condition     = data.galley_sim_traffic.api.error_rate == 0
    error_message = "Clients of api.accounts.example.com get errors: a record with weight has no ready capacity."
  }
  health {
    condition     = alltrue([for t in data.galley_sim_traffic.api.targets : t.ready if t.share > 0])
    error_message = "A record that takes traffic has no ready pods behind it."
  }
}
