//! One decoded request, as the service handlers see it.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::wire;
use super::Service;

/// A request: method, decoded path segments, query pairs, the signing region and the body.
#[derive(Debug)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path segments, each percent-decoded (an ARN label stays one segment).
    pub segments: Vec<String>,
    /// Query pairs, decoded.
    pub query: Vec<(String, String)>,
    /// From the SigV4 credential scope.
    pub region: String,
    body: Bytes,
}

impl Request {
    /// Decodes the parts axum hands over.
    pub fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Request {
        // Split before decoding: the SDK escapes `/` inside ARN labels as %2F.
        let segments = uri
            .path()
            .split('/')
            .filter(|s| !s.is_empty())
            .map(wire::percent_decode)
            .collect();
        Request {
            method: method.as_str().to_string(),
            segments,
            query: wire::query_pairs(uri.query()),
            region: wire::region(headers),
            body,
        }
    }

    /// The service the path belongs to.
    pub fn service(&self) -> Option<Service> {
        match self.segments.first().map(String::as_str) {
            Some("clusters" | "addons" | "tags") => Some(Service::Eks),
            Some("v1") => Some(Service::Kafka),
            Some("api") if self.segments.get(1).is_some_and(|s| s == "v2") => Some(Service::Kafka),
            _ => None,
        }
    }

    /// `POST /clusters/x/updates`.
    pub fn summary(&self) -> String {
        format!("{} /{}", self.method, self.segments.join("/"))
    }

    /// The path segments as `&str`, for slice patterns.
    pub fn path(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }

    /// The JSON body.
    pub fn json(&self) -> Result<Map<String, Value>, ApiError> {
        wire::body(&self.body)
    }

    /// The first value of a query parameter.
    pub fn query(&self, key: &str) -> Option<String> {
        wire::query_value(&self.query, key)
    }

    /// Every value of a repeated query parameter.
    pub fn query_all(&self, key: &str) -> Vec<String> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, uri: &str) -> Request {
        Request::new(
            &method.parse().unwrap(),
            &uri.parse().unwrap(),
            &HeaderMap::new(),
            Bytes::new(),
        )
    }

    #[test]
    fn arn_labels_stay_one_segment() {
        let r = request(
            "GET",
            "/v1/clusters/arn%3Aaws%3Akafka%3Aus-east-1%3A1%3Acluster%2Fk%2Fid?x=1",
        );
        assert_eq!(
            r.path(),
            ["v1", "clusters", "arn:aws:kafka:us-east-1:1:cluster/k/id"]
        );
        assert_eq!(r.query("x").as_deref(), Some("1"));
    }

    #[test]
    fn paths_route_to_their_service() {
        let cases = [
            ("/clusters", Some(Service::Eks)),
            ("/clusters/a/node-groups", Some(Service::Eks)),
            ("/addons/supported-versions", Some(Service::Eks)),
            ("/tags/arn", Some(Service::Eks)),
            ("/v1/clusters", Some(Service::Kafka)),
            ("/api/v2/clusters", Some(Service::Kafka)),
            ("/api/v3/clusters", None),
            ("/", None),
        ];
        for (path, want) in cases {
            assert_eq!(request("GET", path).service(), want, "{path}");
        }
    }

    #[test]
    fn summary_is_method_and_decoded_path() {
        assert_eq!(
            request("POST", "/clusters/x/updates?a=b").summary(),
            "POST /clusters/x/updates"
        );
    }
}
