//! Errors as EKS and MSK send them: the code in `x-amzn-ErrorType` (what the SDK reads first)
//! and in the body's `__type`, the text in `message`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An error answer of the fake services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The modeled error code, `ResourceNotFoundException`.
    pub code: &'static str,
    /// Human text, as the service would word it.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// EKS: a bad argument (HTTP 400).
    pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterException",
            message,
        )
    }

    /// EKS: the request is invalid given the resource's state (HTTP 400).
    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "InvalidRequestException", message)
    }

    /// EKS: the resource is busy or already exists (HTTP 409).
    pub fn resource_in_use(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "ResourceInUseException", message)
    }

    /// EKS: no such resource (HTTP 404).
    pub fn resource_not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    /// EKS tagging and MSK: no such resource (HTTP 404).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "NotFoundException", message)
    }

    /// EKS tagging and MSK: a bad request (HTTP 400).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "BadRequestException", message)
    }

    /// MSK: the name is taken (HTTP 409).
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "ConflictException", message)
    }

    /// EKS's throttling answer (HTTP 429); the SDK's retry classifier retries it.
    pub fn eks_throttling() -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "ThrottlingException",
            "Rate exceeded",
        )
    }

    /// MSK's throttling answer (HTTP 429); the SDK's retry classifier retries it.
    pub fn kafka_too_many_requests() -> ApiError {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            "Too Many Requests",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "__type": self.code, "message": self.message });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert("x-amzn-ErrorType", HeaderValue::from_static(self.code));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_response_carries_the_code_in_header_and_body() {
        let response = ApiError::resource_in_use("busy").into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(
            response.headers()["x-amzn-errortype"],
            "ResourceInUseException"
        );
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
