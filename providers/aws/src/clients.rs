//! One SDK client per service, built once per configured provider from its settings,
//! with the per-service endpoints of the `endpoints` block.

use aws_config::SdkConfig;

use crate::settings::Settings;

/// The service clients a provider instance uses.
#[derive(Debug, Clone)]
pub struct Clients {
    /// The shared configuration (region, credentials, retries).
    pub sdk: SdkConfig,
    /// EC2: VPCs, subnets, security groups, instances, availability zones.
    pub ec2: aws_sdk_ec2::Client,
    /// Elastic Load Balancing v2: load balancers, listeners, target groups and targets.
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    /// Auto Scaling: target groups attached to Auto Scaling groups.
    pub autoscaling: aws_sdk_autoscaling::Client,
    /// EKS clusters, node groups, add-ons.
    pub eks: aws_sdk_eks::Client,
    /// RDS (Aurora) clusters, instances, parameter groups, blue/green deployments.
    pub rds: aws_sdk_rds::Client,
    /// MSK (Kafka) clusters and configurations.
    pub kafka: aws_sdk_kafka::Client,
    /// ElastiCache replication groups.
    pub elasticache: aws_sdk_elasticache::Client,
    /// Route 53 hosted zones and records.
    pub route53: aws_sdk_route53::Client,
    /// S3 buckets.
    pub s3: aws_sdk_s3::Client,
    /// DynamoDB tables.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// STS, for the caller's identity.
    pub sts: aws_sdk_sts::Client,
}

/// `$client::config::Builder::from(sdk)` with the block's endpoint for `$service`.
macro_rules! client {
    ($krate:ident, $sdk:expr, $settings:expr, $service:literal) => {{
        let mut b = $krate::config::Builder::from($sdk);
        if let Some(url) = $settings.endpoint($service) {
            b = b.endpoint_url(url);
        }
        $krate::Client::from_conf(b.build())
    }};
}

impl Clients {
    /// Resolves the configuration and builds every client (no call is made yet).
    pub async fn new(settings: &Settings) -> Clients {
        let sdk = settings.sdk_config().await;
        let s3 = {
            let mut b =
                aws_sdk_s3::config::Builder::from(&sdk).force_path_style(settings.use_path_style);
            if let Some(url) = settings.endpoint("s3") {
                b = b.endpoint_url(url);
            }
            aws_sdk_s3::Client::from_conf(b.build())
        };
        Clients {
            ec2: client!(aws_sdk_ec2, &sdk, settings, "ec2"),
            elbv2: client!(aws_sdk_elasticloadbalancingv2, &sdk, settings, "elbv2"),
            autoscaling: client!(aws_sdk_autoscaling, &sdk, settings, "autoscaling"),
            eks: client!(aws_sdk_eks, &sdk, settings, "eks"),
            rds: client!(aws_sdk_rds, &sdk, settings, "rds"),
            kafka: client!(aws_sdk_kafka, &sdk, settings, "kafka"),
            elasticache: client!(aws_sdk_elasticache, &sdk, settings, "elasticache"),
            route53: client!(aws_sdk_route53, &sdk, settings, "route53"),
            dynamodb: client!(aws_sdk_dynamodb, &sdk, settings, "dynamodb"),
            sts: client!(aws_sdk_sts, &sdk, settings, "sts"),
            s3,
            sdk,
        }
    }

    /// The region the clients talk to.
    pub fn region(&self) -> &str {
        self.sdk.region().map_or("", |r| r.as_ref())
    }
}
