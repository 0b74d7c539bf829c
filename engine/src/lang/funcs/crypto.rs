//! Hash and UUID functions: md5, sha1, sha256, sha512, their base64 forms, uuid, uuidv5.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::Digest;

use crate::value::Value;

use super::args::{f, Call, Spec, PLAIN};
use super::FuncError;

pub(super) const SPECS: &[Spec] = &[
    f("base64sha256", &["str"], PLAIN, |c| {
        Ok(Value::String(
            STANDARD.encode(Hash::Sha256.digest(c.str(0)?.as_bytes())),
        ))
    }),
    f("base64sha512", &["str"], PLAIN, |c| {
        Ok(Value::String(
            STANDARD.encode(Hash::Sha512.digest(c.str(0)?.as_bytes())),
        ))
    }),
    f("md5", &["str"], PLAIN, |c| hex_of(c, Hash::Md5)),
    f("sha1", &["str"], PLAIN, |c| hex_of(c, Hash::Sha1)),
    f("sha256", &["str"], PLAIN, |c| hex_of(c, Hash::Sha256)),
    f("sha512", &["str"], PLAIN, |c| hex_of(c, Hash::Sha512)),
    f("uuid", &[], PLAIN, |c| {
        Ok(if c.ctx.planning {
            Value::Unknown
        } else {
            Value::String(uuid::Uuid::new_v4().to_string())
        })
    }),
    f("uuidv5", &["namespace", "name"], PLAIN, uuidv5),
];

/// The digests the hash functions and their `file*` variants use.
#[derive(Debug, Clone, Copy)]
pub(super) enum Hash {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl Hash {
    /// The raw digest of `bytes`.
    pub fn digest(self, bytes: &[u8]) -> Vec<u8> {
        match self {
            Hash::Md5 => md5::Md5::digest(bytes).to_vec(),
            Hash::Sha1 => sha1::Sha1::digest(bytes).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(bytes).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(bytes).to_vec(),
        }
    }

    /// The digest of `bytes` in lower-case hex.
    pub fn hex(self, bytes: &[u8]) -> String {
        self.digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

fn hex_of(c: &Call, hash: Hash) -> Result<Value, FuncError> {
    Ok(Value::String(hash.hex(c.str(0)?.as_bytes())))
}

fn uuidv5(c: &Call) -> Result<Value, FuncError> {
    let ns = c.str(0)?;
    let namespace = match ns.as_str() {
        "dns" => uuid::Uuid::NAMESPACE_DNS,
        "url" => uuid::Uuid::NAMESPACE_URL,
        "oid" => uuid::Uuid::NAMESPACE_OID,
        "x500" => uuid::Uuid::NAMESPACE_X500,
        other => uuid::Uuid::parse_str(other).map_err(|e| {
            c.err(
                0,
                format!("uuidv5() doesn't support namespace {other} ({e})."),
            )
        })?,
    };
    let name = c.str(1)?;
    Ok(Value::String(
        uuid::Uuid::new_v5(&namespace, name.as_bytes()).to_string(),
    ))
}
