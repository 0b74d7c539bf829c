//! The connection a remote backend uses: its private runtime and the S3 and DynamoDB
//! clients, built once from the block's settings.

use std::error::Error as StdError;
use std::future::Future;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::worker::Worker;
use crate::settings::Settings;

/// Clients and the runtime that drives them.
#[derive(Debug)]
pub(crate) struct Remote {
    worker: Worker,
    /// S3, with the block's endpoint and path style.
    pub(crate) s3: aws_sdk_s3::Client,
    /// DynamoDB, for `dynamodb_table` locks.
    pub(crate) dynamodb: aws_sdk_dynamodb::Client,
    /// The region the clients talk to.
    pub(crate) region: String,
}

impl Remote {
    /// Resolves region and credentials through the standard chain and builds the clients.
    /// No call is made yet: wrong credentials show up at the first read.
    pub(crate) fn connect(settings: &Settings) -> Result<Remote, String> {
        let worker =
            Worker::new().map_err(|e| format!("cannot start the S3 backend's runtime: {e}"))?;
        let sdk = worker.run(settings.sdk_config());
        let Some(region) = sdk.region().map(|r| r.to_string()) else {
            return Err("the S3 backend needs a region: set \"region\" in the backend block, or AWS_REGION, or a region in the AWS profile".to_string());
        };
        let mut s3 =
            aws_sdk_s3::config::Builder::from(&sdk).force_path_style(settings.use_path_style);
        if let Some(url) = settings.endpoint("s3") {
            s3 = s3.endpoint_url(url);
        }
        let mut dynamodb = aws_sdk_dynamodb::config::Builder::from(&sdk);
        if let Some(url) = settings.endpoint("dynamodb") {
            dynamodb = dynamodb.endpoint_url(url);
        }
        Ok(Remote {
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb.build()),
            region,
            worker,
        })
    }

    /// Runs one SDK call (or several) to completion.
    pub(crate) fn run<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        self.worker.run(fut)
    }
}

/// What an SDK error says: HTTP status, error code, and the whole story for messages.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) status: Option<u16>,
    pub(crate) code: Option<String>,
    pub(crate) text: String,
}

impl Failure {
    /// Reads `e`.
    pub(crate) fn of<E>(e: &SdkError<E, HttpResponse>) -> Failure
    where
        E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let code = e.code().map(str::to_string);
        let text = match (&code, e.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.clone(),
            _ => DisplayErrorContext(e).to_string(),
        };
        Failure { status, code, text }
    }

    /// True for the given code or status.
    pub(crate) fn is(&self, code: &str, status: u16) -> bool {
        self.code.as_deref() == Some(code) || self.status == Some(status)
    }
}
