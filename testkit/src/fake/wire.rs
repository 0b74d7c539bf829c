//! Request and response plumbing shared by the fakes: JSON bodies, query strings, the SigV4
//! region, timestamps and identifiers.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::errors::ApiError;

/// The account every fake ARN belongs to.
pub const ACCOUNT: &str = "123456789012";

/// What a handler returns.
pub type Reply = Result<Json, ApiError>;

/// A JSON success answer (HTTP 200).
#[derive(Debug)]
pub struct Json(pub Value);

impl IntoResponse for Json {
    fn into_response(self) -> Response {
        let mut response = (StatusCode::OK, self.0.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

/// The request body as a JSON object (an empty body is an empty object).
pub fn body(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::bad_request(
            "the request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::bad_request(format!("malformed JSON body: {e}"))),
    }
}

/// A string field of a request body.
pub fn str_field<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

/// The decoded `key=value` pairs of a query string, in order (keys may repeat).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// The first value of `key` in a query string.
pub fn query_value(pairs: &[(String, String)], key: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Decodes `%XX` escapes (and `+` as a space, as form encoding does).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The region of the SigV4 credential scope (`Credential=AKID/20250101/us-west-2/eks/aws4_request`),
/// `us-east-1` when the request is unsigned.
pub fn region(headers: &HeaderMap) -> String {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|scope| scope.split('/').nth(2))
        .filter(|r| !r.is_empty() && !r.contains(','))
        .unwrap_or("us-east-1")
        .to_string()
}

/// Now as EKS writes timestamps: epoch seconds.
pub fn epoch_now() -> Value {
    let now = chrono::Utc::now();
    Value::from(now.timestamp_millis() as f64 / 1000.0)
}

/// Now as MSK writes timestamps: ISO 8601 with milliseconds.
pub fn iso_now() -> Value {
    Value::from(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

/// A fresh random identifier.
pub fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_comes_from_the_credential_scope() {
        let mut headers = HeaderMap::new();
        assert_eq!(region(&headers), "us-east-1");
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=testing/20250101/eu-west-3/eks/aws4_request, \
                 SignedHeaders=host, Signature=abc",
            ),
        );
        assert_eq!(region(&headers), "eu-west-3");
    }

    #[test]
    fn query_pairs_decode_and_keep_repeated_keys() {
        let pairs = query_pairs(Some("tagKeys=a%2Fb&tagKeys=c+d&empty"));
        assert_eq!(
            pairs,
            [
                ("tagKeys".to_string(), "a/b".to_string()),
                ("tagKeys".to_string(), "c d".to_string()),
                ("empty".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn percent_decode_leaves_broken_escapes_alone() {
        assert_eq!(percent_decode("arn%3Aaws%3Aeks"), "arn:aws:eks");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }

    #[test]
    fn empty_body_is_an_empty_object_and_arrays_are_refused() {
        assert!(body(b"").unwrap().is_empty());
        assert_eq!(body(b"{\"a\":1}").unwrap()["a"], 1);
        assert_eq!(body(b"[1]").unwrap_err().code, "BadRequestException");
    }
}
