//! `dynamodb_table` locking in Terraform's table layout: hash key `LockID` =
//! `<bucket>/<key>`, the lock document in `Info`, created with
//! `attribute_not_exists(LockID)`; and the state's MD5 in item `<bucket>/<key>-md5`.

use std::path::PathBuf;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use engine::state::{LockError, LockInfo};
use md5::{Digest, Md5};

use super::locking::{self, Locker};
use super::remote::{Failure, Remote};

/// A lock item in a DynamoDB table.
#[derive(Debug)]
pub(crate) struct DynamoLock {
    pub(crate) remote: Arc<Remote>,
    pub(crate) table: String,
    /// `<bucket>/<key>`.
    pub(crate) lock_id: String,
}

impl DynamoLock {
    fn error(&self, action: &'static str, f: &Failure) -> LockError {
        let hint = if f.is("ResourceNotFoundException", 0) {
            format!(
                "; create the table {} with the string hash key LockID, or fix dynamodb_table",
                self.table
            )
        } else {
            String::new()
        };
        LockError::Io {
            action,
            path: self.location(),
            source: std::io::Error::other(format!(
                "{} (region {}){hint}",
                f.text, self.remote.region
            )),
        }
    }
}

impl Locker for DynamoLock {
    fn location(&self) -> PathBuf {
        PathBuf::from(format!(
            "item LockID={} in DynamoDB table {}",
            self.lock_id, self.table
        ))
    }

    fn create(&self, info: &LockInfo) -> Result<bool, LockError> {
        let body = String::from_utf8_lossy(&locking::encode(info, &self.lock_id)).into_owned();
        let put = self
            .remote
            .dynamodb
            .put_item()
            .table_name(&self.table)
            .item("LockID", AttributeValue::S(self.lock_id.clone()))
            .item("Info", AttributeValue::S(body))
            .condition_expression("attribute_not_exists(LockID)")
            .send();
        match self.remote.run(put) {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(self.error("create", &Failure::of(&e))),
        }
    }

    fn read(&self) -> Result<Option<LockInfo>, LockError> {
        let got = self.remote.run(
            self.remote
                .dynamodb
                .get_item()
                .table_name(&self.table)
                .key("LockID", AttributeValue::S(self.lock_id.clone()))
                .consistent_read(true)
                .send(),
        );
        let out = got.map_err(|e| self.error("read", &Failure::of(&e)))?;
        let Some(item) = out.item() else {
            return Ok(None);
        };
        let info = item.get("Info").and_then(|v| v.as_s().ok());
        match info.and_then(|text| locking::decode(text.as_bytes())) {
            Some(info) => Ok(Some(info)),
            None => Err(LockError::Corrupt {
                path: self.location(),
                reason: "its Info attribute is not a lock document".to_string(),
            }),
        }
    }

    fn remove(&self) -> Result<(), LockError> {
        self.remote
            .run(
                self.remote
                    .dynamodb
                    .delete_item()
                    .table_name(&self.table)
                    .key("LockID", AttributeValue::S(self.lock_id.clone()))
                    .send(),
            )
            .map(|_| ())
            .map_err(|e| self.error("remove", &Failure::of(&e)))
    }
}

/// The MD5 of `bytes` in lower-case hex, as Terraform records it.
pub(crate) fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records the state's digest in item `id` (`<bucket>/<key>-md5`) of `table`.
pub(crate) fn put_digest(
    remote: &Remote,
    table: &str,
    id: &str,
    digest: &str,
) -> Result<(), Failure> {
    remote
        .run(
            remote
                .dynamodb
                .put_item()
                .table_name(table)
                .item("LockID", AttributeValue::S(id.to_string()))
                .item("Digest", AttributeValue::S(digest.to_string()))
                .send(),
        )
        .map(|_| ())
        .map_err(|e| Failure::of(&e))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_digest_is_lower_case_hex_md5() {
        assert_eq!(super::md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
