//! Hash, password and UUID functions: md5, sha1, sha256, sha512, their base64 forms,
//! bcrypt, rsadecrypt, uuid, uuidv5.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::Digest;

use crate::value::Value;

use super::args::{f, v, Call, Spec, PLAIN};
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
    v("bcrypt", &["str"], "cost", PLAIN, bcrypt),
    f("md5", &["str"], PLAIN, |c| hex_of(c, Hash::Md5)),
    f(
        "rsadecrypt",
        &["ciphertext", "privatekey"],
        PLAIN,
        rsadecrypt,
    ),
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

/// `bcrypt(str, cost)`: a `$2a$` hash with a random salt (so a new value on every call,
/// as in Terraform). Like Go's bcrypt, a cost below 4 means the default, 10.
fn bcrypt(c: &Call) -> Result<Value, FuncError> {
    let cost = match c.args.len() {
        1 => 10,
        2 => c.int(1)?,
        _ => {
            return Err(super::args::fail(
                "bcrypt() takes at most one cost argument",
            ))
        }
    };
    let cost = if cost < 4 { 10 } else { cost };
    if cost > 31 {
        return Err(c.err(
            1,
            format!("crypto/bcrypt: cost {cost} is outside allowed range (4,31)"),
        ));
    }
    let hashed = ::bcrypt::hash_with_result(c.str(0)?, cost as u32)
        .map_err(|e| super::args::fail(format!("error occurred generating password {e}")))?;
    Ok(Value::String(
        hashed.format_for_version(::bcrypt::Version::TwoA),
    ))
}

/// `rsadecrypt(ciphertext, privatekey)`: base64 PKCS #1 v1.5 ciphertext, decrypted with a
/// PEM private key (PKCS #1 or PKCS #8).
fn rsadecrypt(c: &Call) -> Result<Value, FuncError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let text = c.str(0)?;
    let cipher = STANDARD.decode(text.trim()).map_err(|_| {
        c.err(
            0,
            "failed to decode input \"cipher_text\": cipher text must be base64-encoded",
        )
    })?;
    let pem = c.str(1)?;
    let key = rsa::PrivateKey::from_pkcs1_pem(&pem)
        .or_else(|_| rsa::PrivateKey::from_pkcs8_pem(&pem))
        .map_err(|_| c.err(1, "invalid private key: the key must be a PEM-encoded RSA private key (PKCS #1 or PKCS #8)"))?;
    let plain = key
        .decrypt(rsa::Pkcs1v15Encrypt, &cipher)
        .map_err(|e| super::args::fail(format!("failed to decrypt: {e}")))?;
    String::from_utf8(plain)
        .map(Value::String)
        .map_err(|_| super::args::fail("the decrypted text is not valid UTF-8"))
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
