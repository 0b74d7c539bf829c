//! How to reach AWS: the settings a `provider "aws"` block or a `backend "s3"` block
//! gives, turned into an `aws_config::SdkConfig` through the standard credential chain.
//!
//! Nothing here reads credentials itself: `aws-config` does (environment, shared config and
//! credentials files with profiles, SSO, web identity, container and instance metadata).
//! What a block sets explicitly wins over the chain, as in Terraform's AWS provider.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use engine::value::Value;

/// The services the provider and backend talk to, by their `endpoints { }` key (the
/// Terraform AWS provider's names) and the SDK service id used in
/// `AWS_ENDPOINT_URL_<ID>` variables.
pub const SERVICES: &[(&str, &str)] = &[
    ("autoscaling", "AUTO_SCALING"),
    ("dynamodb", "DYNAMODB"),
    ("ec2", "EC2"),
    ("eks", "EKS"),
    ("elasticache", "ELASTICACHE"),
    ("elbv2", "ELASTIC_LOAD_BALANCING_V2"),
    ("kafka", "KAFKA"),
    ("rds", "RDS"),
    ("route53", "ROUTE_53"),
    ("s3", "S3"),
    ("sts", "STS"),
];

/// The role to assume after the base credentials are found (`assume_role { }`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssumeRole {
    /// The role's ARN.
    pub role_arn: String,
    /// The session name CloudTrail shows; `galley` when not set.
    pub session_name: Option<String>,
    /// The external id the role's trust policy asks for.
    pub external_id: Option<String>,
}

/// Everything a block may say about reaching AWS. Unset fields fall back to the chain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// `region`; else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's region.
    pub region: Option<String>,
    /// `profile`; else `AWS_PROFILE`, else `default`.
    pub profile: Option<String>,
    /// Static credentials: `access_key` and `secret_key` (and `token`) together.
    pub access_key: Option<String>,
    /// See `access_key`.
    pub secret_key: Option<String>,
    /// A session token for temporary static credentials.
    pub token: Option<String>,
    /// `assume_role { role_arn, session_name, external_id }`.
    pub assume_role: Option<AssumeRole>,
    /// `endpoints { ec2 = "http://127.0.0.1:5000" }`: per-service URLs, for emulators and
    /// private endpoints. `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` work too.
    pub endpoints: BTreeMap<String, String>,
    /// `max_retries`: attempts after the first on throttling and transient errors.
    pub max_retries: Option<u32>,
    /// S3 path-style addressing (`use_path_style`), which emulators need.
    pub use_path_style: bool,
}

/// A setting that cannot be used, with the attribute it came from.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{attribute}: {message}")]
pub struct SettingsError {
    /// The attribute path, e.g. `endpoints.eks`.
    pub attribute: String,
    /// What is wrong.
    pub message: String,
}

impl Settings {
    /// Reads the settings from an evaluated `provider "aws"` or `backend "s3"` block.
    /// Unknown attributes are left to the schema check; wrong shapes are errors.
    pub fn from_block(block: &Value) -> Result<Settings, SettingsError> {
        let text = |name: &str| -> Option<String> {
            block
                .get_attr(name)
                .map(Value::unmarked)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let mut s = Settings {
            region: text("region"),
            profile: text("profile"),
            access_key: text("access_key"),
            secret_key: text("secret_key"),
            token: text("token"),
            use_path_style: block
                .get_attr("use_path_style")
                .or_else(|| block.get_attr("s3_use_path_style"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            ..Settings::default()
        };
        if s.access_key.is_some() != s.secret_key.is_some() {
            return Err(SettingsError {
                attribute: if s.access_key.is_some() {
                    "secret_key"
                } else {
                    "access_key"
                }
                .to_string(),
                message: "access_key and secret_key must be set together".to_string(),
            });
        }
        if let Some(n) = block.get_attr("max_retries").and_then(Value::as_f64) {
            if n < 0.0 || n.fract() != 0.0 || n > 100.0 {
                return Err(SettingsError {
                    attribute: "max_retries".to_string(),
                    message: format!("must be a whole number from 0 to 100, not {n}"),
                });
            }
            s.max_retries = Some(n as u32);
        }
        if let Some(role) = single_block(block, "assume_role") {
            let field = |name: &str| {
                role.get_attr(name)
                    .and_then(Value::as_str)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            if let Some(role_arn) = field("role_arn") {
                s.assume_role = Some(AssumeRole {
                    role_arn,
                    session_name: field("session_name"),
                    external_id: field("external_id"),
                });
            }
        }
        if let Some(eps) = single_block(block, "endpoints") {
            for (name, url) in eps.as_map().into_iter().flatten() {
                let Some(url) = url.as_str().filter(|u| !u.is_empty()) else {
                    continue;
                };
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    return Err(SettingsError {
                        attribute: format!("endpoints.{name}"),
                        message: format!("{url:?} is not an http:// or https:// URL"),
                    });
                }
                s.endpoints.insert(name.to_string(), url.to_string());
            }
        }
        Ok(s)
    }

    /// The endpoint URL configured for `service` (an `endpoints` key), if any.
    pub fn endpoint(&self, service: &str) -> Option<&str> {
        self.endpoints.get(service).map(String::as_str)
    }

    /// Resolves credentials and region through the standard chain, with what the block
    /// set taking precedence, then assumes the role if one is given. Credentials are
    /// resolved lazily by the SDK: a wrong profile shows up at the first call.
    pub async fn sdk_config(&self) -> SdkConfig {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(attempts(
                self.max_retries,
                std::env::var("AWS_MAX_ATTEMPTS").ok().as_deref(),
            )))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(10))
                    .operation_attempt_timeout(Duration::from_secs(60))
                    .build(),
            );
        if let Some(r) = &self.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &self.profile {
            loader = loader.profile_name(p);
        }
        if let (Some(id), Some(secret)) = (&self.access_key, &self.secret_key) {
            loader = loader.credentials_provider(Credentials::new(
                id,
                secret,
                self.token.clone(),
                None,
                "galley-static",
            ));
        }
        let base = loader.load().await;
        let Some(role) = &self.assume_role else {
            return base;
        };
        let mut sts = AssumeRoleProvider::builder(role.role_arn.clone()).session_name(
            role.session_name
                .clone()
                .unwrap_or_else(|| "galley".to_string()),
        );
        if let Some(id) = &role.external_id {
            sts = sts.external_id(id.clone());
        }
        if let Some(region) = base.region() {
            sts = sts.region(region.clone());
        }
        let provider = sts.configure(&base).build().await;
        base.into_builder()
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(provider),
            )
            .build()
    }
}

/// Attempts per call when neither `max_retries` nor `AWS_MAX_ATTEMPTS` is set: the SDK's
/// standard retry mode with jittered exponential backoff; the engine retries throttling on
/// top of it.
const DEFAULT_ATTEMPTS: u32 = 5;

/// Attempts per call: `max_retries` + 1 when the block sets it, else `AWS_MAX_ATTEMPTS`
/// (as the Terraform provider and the AWS CLI read it), else [`DEFAULT_ATTEMPTS`].
fn attempts(max_retries: Option<u32>, env: Option<&str>) -> u32 {
    match (max_retries, env.and_then(|v| v.trim().parse::<u32>().ok())) {
        (Some(n), _) => n + 1,
        (None, Some(n)) if n >= 1 => n,
        _ => DEFAULT_ATTEMPTS,
    }
}

/// A nested block given at most once: an object, or a one-element list of objects.
fn single_block<'a>(block: &'a Value, name: &str) -> Option<&'a Value> {
    let v = block.get_attr(name)?;
    match v.as_seq() {
        Some(items) => items.first(),
        None if v.is_null() => None,
        None => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pairs: Vec<(&str, Value)>) -> Value {
        Value::object(pairs)
    }

    #[test]
    fn reads_region_profile_endpoints_and_role() {
        let s = Settings::from_block(&block(vec![
            ("region", Value::string("eu-west-1")),
            ("profile", Value::string("platform")),
            (
                "endpoints",
                Value::List(vec![Value::object([
                    ("eks", Value::string("http://127.0.0.1:4000")),
                    ("s3", Value::Null),
                ])]),
            ),
            (
                "assume_role",
                Value::List(vec![Value::object([(
                    "role_arn",
                    Value::string("arn:aws:iam::123456789012:role/deploy"),
                )])]),
            ),
        ]))
        .unwrap();
        assert_eq!(s.region.as_deref(), Some("eu-west-1"));
        assert_eq!(s.profile.as_deref(), Some("platform"));
        assert_eq!(s.endpoint("eks"), Some("http://127.0.0.1:4000"));
        assert_eq!(s.endpoint("s3"), None);
        assert_eq!(
            s.assume_role.unwrap().role_arn,
            "arn:aws:iam::123456789012:role/deploy"
        );
    }

    #[test]
    fn every_endpoints_key_of_the_provider_block_has_a_service_id() {
        let keys: Vec<&str> = SERVICES.iter().map(|(key, _)| *key).collect();
        assert_eq!(keys, schemas::aws::ENDPOINT_SERVICES);
        let s = Settings::from_block(&block(vec![(
            "endpoints",
            Value::List(vec![Value::object([
                ("elbv2", Value::string("http://127.0.0.1:5000")),
                ("autoscaling", Value::string("http://127.0.0.1:5001")),
            ])]),
        )]))
        .unwrap();
        assert_eq!(s.endpoint("elbv2"), Some("http://127.0.0.1:5000"));
        assert_eq!(s.endpoint("autoscaling"), Some("http://127.0.0.1:5001"));
    }

    #[test]
    fn refuses_half_static_credentials_and_bad_urls() {
        let e =
            Settings::from_block(&block(vec![("access_key", Value::string("AKIA"))])).unwrap_err();
        assert_eq!(e.attribute, "secret_key");
        let e = Settings::from_block(&block(vec![(
            "endpoints",
            Value::object([("ec2", Value::string("localhost:5000"))]),
        )]))
        .unwrap_err();
        assert_eq!(e.attribute, "endpoints.ec2");
    }

    #[test]
    fn max_retries_must_be_whole() {
        let e =
            Settings::from_block(&block(vec![("max_retries", Value::Number(1.5))])).unwrap_err();
        assert_eq!(e.attribute, "max_retries");
        let s = Settings::from_block(&block(vec![("max_retries", Value::Number(0.0))])).unwrap();
        assert_eq!(s.max_retries, Some(0));
    }

    #[test]
    fn attempts_come_from_the_block_then_the_environment() {
        assert_eq!(attempts(Some(2), Some("9")), 3);
        assert_eq!(attempts(None, Some("1")), 1);
        assert_eq!(attempts(None, Some("0")), DEFAULT_ATTEMPTS);
        assert_eq!(attempts(None, Some("many")), DEFAULT_ATTEMPTS);
        assert_eq!(attempts(None, None), DEFAULT_ATTEMPTS);
    }
}
