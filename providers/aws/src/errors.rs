//! AWS SDK errors as the engine's [`ProviderError`]s: throttling is retried by the engine,
//! "not found" means gone, a service's refusal keeps its code, a network failure says
//! which endpoint could not be reached.

use std::error::Error as StdError;
use std::fmt::Debug;

use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use engine::provider::ProviderError;

/// Error codes the services use to ask callers to slow down.
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "RequestThrottled",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// True for a code that says the object does not exist.
pub fn is_not_found_code(code: &str) -> bool {
    code.contains("NotFound")
        || code.starts_with("NoSuch")
        || matches!(code, "ResourceNotFoundException" | "NotFoundException")
}

/// Converts an SDK error for the call `what` (e.g. `CreateVpc`).
pub fn sdk<E, R>(what: &str, e: SdkError<E, R>) -> ProviderError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: Debug,
{
    match &e {
        SdkError::ServiceError(_) => {
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or("").to_string();
            classify(what, &code, &message)
        }
        SdkError::TimeoutError(_) => ProviderError::Timeout(format!(
            "{what}: AWS did not answer in time; the request may or may not have been carried out"
        )),
        SdkError::DispatchFailure(_) => ProviderError::Internal(format!(
            "{what}: cannot reach the AWS endpoint ({}); check the network, the region and any `endpoints` setting",
            DisplayErrorContext(&e)
        )),
        _ => ProviderError::Internal(format!("{what}: {}", DisplayErrorContext(&e))),
    }
}

/// The engine's error for a service error `code` with `message`.
pub fn classify(what: &str, code: &str, message: &str) -> ProviderError {
    let message = if message.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {message}")
    };
    if THROTTLING.contains(&code) {
        ProviderError::Throttled(format!("{code}: {message}"))
    } else if is_not_found_code(code) {
        ProviderError::NotFound(message)
    } else {
        ProviderError::Api {
            code: code.to_string(),
            message,
        }
    }
}

/// An error of galley's own about a value it was given (no call was made).
pub fn invalid(message: impl Into<String>) -> ProviderError {
    ProviderError::Api {
        code: "InvalidParameterValue".to_string(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_the_engines_kinds() {
        assert!(matches!(
            classify("DescribeVpcs", "RequestLimitExceeded", "slow down"),
            ProviderError::Throttled(_)
        ));
        assert!(matches!(
            classify("DescribeVpcs", "InvalidVpcID.NotFound", ""),
            ProviderError::NotFound(_)
        ));
        assert!(matches!(
            classify("GetObject", "NoSuchKey", ""),
            ProviderError::NotFound(_)
        ));
        match classify("UpdateClusterVersion", "InvalidParameterException", "bad") {
            ProviderError::Api { code, message } => {
                assert_eq!(code, "InvalidParameterException");
                assert_eq!(message, "UpdateClusterVersion: bad");
            }
            other => panic!("{other:?}"),
        }
    }
}
