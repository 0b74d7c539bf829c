//! State in an S3 object, as Terraform's S3 backend keeps it: read with GetObject,
//! written whole with PutObject after checking nobody else wrote it since, locked with
//! a `<key>.tflock` object or a DynamoDB item.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use engine::crypt::{self, Encryption, Kind};
use engine::state::backend::{peek_version, remote_journal_path};
use engine::state::journal::replay_file_with;
use engine::state::{
    check_overwrite, decode, encode_into, Backend, LockError, LockInfo, NoLock, Recovery, State,
    StateError, StateLock, Version,
};

use super::config::S3Config;
use super::dynamo::DynamoLock;
use super::locking::{self, Both, Locker};
use super::remote::{Failure, Remote};

/// The S3 backend for one workspace's state.
#[derive(Debug)]
pub struct S3Backend {
    config: S3Config,
    /// The state object of the selected workspace.
    key: String,
    remote: Arc<Remote>,
    journal: PathBuf,
    /// Set when `load` found the object unusable: writing would destroy the only copy.
    load_failed: AtomicBool,
    recovery: Mutex<Option<Recovery>>,
    buf: Vec<u8>,
    /// Client-side encryption of the state object and its journal (`GALLEY_ENCRYPTION_*`).
    client_encryption: Option<Arc<Encryption>>,
}

impl S3Backend {
    /// The backend for `workspace`'s state as `config` places it; its journal is kept
    /// under `dir/.galley/journal/`. Resolves region and credentials (no call yet).
    pub fn open(config: S3Config, dir: &Path, workspace: &str) -> Result<S3Backend, String> {
        let remote = Remote::connect(&config.settings)?;
        let key = config.state_key(workspace);
        let journal = remote_journal_path(dir, &format!("s3://{}/{key}", config.bucket));
        Ok(S3Backend {
            config,
            key,
            remote: Arc::new(remote),
            journal,
            load_failed: AtomicBool::new(false),
            recovery: Mutex::new(None),
            buf: Vec::new(),
            client_encryption: None,
        })
    }

    /// Encrypts the state object and its journal with `enc` (AES-256-GCM, as local state),
    /// on top of any server-side encryption.
    pub fn with_encryption(mut self, enc: Option<Arc<Encryption>>) -> S3Backend {
        self.client_encryption = enc;
        self
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.config.bucket
    }

    /// The state object's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The region the backend talks to.
    pub fn region(&self) -> &str {
        &self.remote.region
    }

    /// False when neither `use_lockfile` nor `dynamodb_table` is set: no locking.
    pub fn locks(&self) -> bool {
        self.config.use_lockfile || self.config.dynamodb_table.is_some()
    }

    /// The workspaces with a state in the bucket: `default` when `key` exists, and each
    /// `<workspace_key_prefix>/<name>/<key>`.
    pub fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let mut names = Vec::new();
        if self.get(&self.config.key)?.is_some() {
            names.push(super::config::DEFAULT_WORKSPACE.to_string());
        }
        let prefix = self.config.workspaces_prefix();
        let listed = self.remote.run(async {
            let mut keys = Vec::new();
            let mut pages = self
                .remote
                .s3
                .list_objects_v2()
                .bucket(&self.config.bucket)
                .prefix(&prefix)
                .into_paginator()
                .send();
            while let Some(page) = pages.next().await {
                let page = page.map_err(|e| Failure::of(&e))?;
                keys.extend(
                    page.contents()
                        .iter()
                        .filter_map(|o| o.key().map(str::to_string)),
                );
            }
            Ok::<_, Failure>(keys)
        });
        let keys = listed.map_err(|f| self.failure("list the workspaces under", &prefix, &f))?;
        names.extend(keys.iter().filter_map(|k| self.config.workspace_of(k)));
        names.sort();
        names.dedup();
        Ok(names)
    }

    fn location(&self) -> String {
        format!("s3://{}/{}", self.config.bucket, self.key)
    }

    /// The object at `key`, `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StateError> {
        let got = self.remote.run(async {
            let out = self
                .remote
                .s3
                .get_object()
                .bucket(&self.config.bucket)
                .key(key)
                .send()
                .await;
            match out {
                Ok(o) => match o.body.collect().await {
                    Ok(b) => Ok(Some(b.into_bytes().to_vec())),
                    Err(e) => Err(Failure {
                        status: None,
                        code: None,
                        text: format!("reading the object's body: {e}"),
                    }),
                },
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                Err(e) => Err(Failure::of(&e)),
            }
        });
        got.map_err(|f| self.failure("read", key, &f))
    }

    /// A failed call on `key` as an error that says what to check.
    fn failure(&self, action: &str, key: &str, f: &Failure) -> StateError {
        let (bucket, region) = (&self.config.bucket, &self.remote.region);
        let advice = if f.is("NoSuchBucket", 0) {
            format!("The bucket {bucket} does not exist in region {region}: create it, or check \"bucket\" and \"region\" in the backend block.")
        } else if f.is("AccessDenied", 403) {
            format!("Check the credentials galley found (the profile, AWS_* variables, access_key/secret_key, assume_role) and that they may s3:GetObject, s3:PutObject and s3:DeleteObject on arn:aws:s3:::{bucket}/{key}* and s3:ListBucket on arn:aws:s3:::{bucket}.")
        } else if f.is("PermanentRedirect", 301) || f.is("AuthorizationHeaderMalformed", 0) {
            format!("The bucket {bucket} is probably in another region than {region}: set \"region\" in the backend block to the bucket's region.")
        } else {
            "Check the network, the region and any \"endpoints\" setting of the backend block."
                .to_string()
        };
        StateError::Remote(format!(
            "could not {action} s3://{bucket}/{key} (region {region}): {}\n{advice}",
            f.text
        ))
    }

    fn locker(&self) -> Arc<dyn Locker> {
        let state_path = format!("{}/{}", self.config.bucket, self.key);
        let dynamo = self.config.dynamodb_table.as_ref().map(|table| {
            Arc::new(DynamoLock {
                remote: self.remote.clone(),
                table: table.clone(),
                lock_id: state_path.clone(),
            }) as Arc<dyn Locker>
        });
        let object = || -> Arc<dyn Locker> {
            Arc::new(LockObject {
                remote: self.remote.clone(),
                bucket: self.config.bucket.clone(),
                key: format!("{}.tflock", self.key),
                state_path: state_path.clone(),
                encryption: self.sse(),
            })
        };
        match (self.config.use_lockfile, dynamo) {
            (true, Some(dynamo)) => Arc::new(Both(object(), dynamo)),
            (false, Some(dynamo)) => dynamo,
            (_, None) => object(),
        }
    }

    /// Server-side encryption of the objects it writes (the block's `encrypt`, `kms_key_id`).
    fn sse(&self) -> Option<(ServerSideEncryption, Option<String>)> {
        if !self.config.encrypt {
            return None;
        }
        Some(match &self.config.kms_key_id {
            Some(id) => (ServerSideEncryption::AwsKms, Some(id.clone())),
            None => (ServerSideEncryption::Aes256, None),
        })
    }

    fn write(&mut self, state: &State, seen: Option<Version>) -> Result<(), StateError> {
        encode_into(state, &mut self.buf)?;
        let enc = self.client_encryption.clone();
        let sealed = crypt::seal(enc.as_deref(), Kind::State, &self.buf)?.into_owned();
        let found = self.get(&self.key)?;
        let found = match found {
            Some(bytes) => Some(crypt::open(enc.as_deref(), Kind::State, &bytes)?.into_owned()),
            None => None,
        };
        let found_version = match &found {
            Some(bytes) => Some(peek_version(bytes).ok_or_else(|| {
                StateError::Remote(format!(
                    "refusing to write the state to {}: the object there is not a state galley can read, and writing would destroy it",
                    self.location()
                ))
            })?),
            None => None,
        };
        check_overwrite(&self.location(), seen.as_ref(), found_version.as_ref())?;
        let mut put = self
            .remote
            .s3
            .put_object()
            .bucket(&self.config.bucket)
            .key(&self.key)
            .content_type("application/json")
            .body(ByteStream::from(sealed.clone()));
        if let Some((sse, kms)) = self.sse() {
            put = put.server_side_encryption(sse).set_ssekms_key_id(kms);
        }
        self.remote
            .run(put.send())
            .map_err(|e| self.failure("write", &self.key, &Failure::of(&e)))?;
        if let Some(table) = &self.config.dynamodb_table {
            // Terraform compares the state with this digest when it reads it; a stale one
            // would make it refuse the state galley just wrote. The state is written
            // already, so a failure here is not the write's.
            let digest = super::dynamo::md5_hex(&sealed);
            let id = format!("{}/{}-md5", self.config.bucket, self.key);
            let _ = super::dynamo::put_digest(&self.remote, table, &id, &digest);
        }
        match std::fs::remove_file(&self.journal) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StateError::Io {
                action: "remove the journal",
                path: self.journal.clone(),
                source,
            }),
        }
    }
}

impl Backend for S3Backend {
    fn describe(&self) -> String {
        self.location()
    }

    fn load(&self) -> Result<Option<State>, StateError> {
        let bytes = self
            .get(&self.key)
            .inspect_err(|_| self.load_failed.store(true, Ordering::Relaxed))?;
        let had_object = bytes.is_some();
        let enc = self.client_encryption.as_deref();
        let mut state = match bytes {
            Some(b) => crypt::open(enc, Kind::State, &b)
                .map_err(StateError::Crypt)
                .and_then(|plain| decode(&plain))
                .map_err(|e| {
                self.load_failed.store(true, Ordering::Relaxed);
                StateError::File {
                    path: PathBuf::from(self.location()),
                    source: Box::new(e),
                    advice: "galley has not changed the object. Restore an earlier version of it (enable versioning on state buckets), or fix it by hand.".to_string(),
                }
            })?,
            None => State::new(),
        };
        let recovery = replay_file_with(&self.journal, &mut state, enc)
            .inspect_err(|_| self.load_failed.store(true, Ordering::Relaxed))?;
        let replayed = recovery.is_some();
        *self.recovery.lock().unwrap_or_else(|e| e.into_inner()) = recovery;
        Ok((had_object || replayed).then_some(state))
    }

    fn encryption(&self) -> Option<Arc<Encryption>> {
        self.client_encryption.clone()
    }

    fn take_recovery(&self) -> Option<Recovery> {
        self.recovery
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }

    fn persist(&mut self, state: &mut State) -> Result<(), StateError> {
        if self.load_failed.load(Ordering::Relaxed) {
            return Err(StateError::WouldOverwrite {
                path: PathBuf::from(self.location()),
            });
        }
        // A state never written (serial 0) was made when the bucket had none.
        let seen = (state.serial > 0).then(|| Version {
            lineage: state.lineage.clone(),
            serial: state.serial,
        });
        state.serial += 1;
        let result = self.write(state, seen);
        if result.is_err() {
            state.serial -= 1;
        }
        result
    }

    fn lock(&self, operation: &str, timeout: Duration) -> Result<Box<dyn StateLock>, LockError> {
        if !self.locks() {
            return Ok(Box::new(NoLock(LockInfo::new(operation))));
        }
        locking::acquire(self.locker(), operation, timeout)
    }

    fn read_lock(&self) -> Result<Option<LockInfo>, LockError> {
        if !self.locks() {
            return Ok(None);
        }
        self.locker().read()
    }

    fn force_unlock(&self, id: &str) -> Result<LockInfo, LockError> {
        if !self.locks() {
            return Err(LockError::NotLocked {
                path: PathBuf::from(format!(
                    "lock: the backend has neither use_lockfile nor dynamodb_table, so {} is never locked",
                    self.location()
                )),
            });
        }
        locking::remove_if_id(self.locker().as_ref(), id)
    }

    fn journal_path(&self) -> PathBuf {
        self.journal.clone()
    }

    fn delete_state(&self) -> Result<(), StateError> {
        self.remote
            .run(
                self.remote
                    .s3
                    .delete_object()
                    .bucket(&self.config.bucket)
                    .key(&self.key)
                    .send(),
            )
            .map_err(|e| self.failure("delete", &self.key, &Failure::of(&e)))?;
        match std::fs::remove_file(&self.journal) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StateError::Io {
                action: "remove the journal",
                path: self.journal.clone(),
                source,
            }),
        }
    }
}

/// `use_lockfile`: the lock is an object next to the state, created only if absent.
#[derive(Debug)]
struct LockObject {
    remote: Arc<Remote>,
    bucket: String,
    key: String,
    /// `bucket/key` of the state, for the lock document's `Path`.
    state_path: String,
    encryption: Option<(ServerSideEncryption, Option<String>)>,
}

impl LockObject {
    fn error(&self, action: &'static str, f: &Failure) -> LockError {
        LockError::Io {
            action,
            path: self.location(),
            source: std::io::Error::other(format!("{} (region {})", f.text, self.remote.region)),
        }
    }
}

impl Locker for LockObject {
    fn location(&self) -> PathBuf {
        PathBuf::from(format!("s3://{}/{}", self.bucket, self.key))
    }

    fn create(&self, info: &LockInfo) -> Result<bool, LockError> {
        let mut put = self
            .remote
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .content_type("application/json")
            .if_none_match("*")
            .body(ByteStream::from(locking::encode(info, &self.state_path)));
        if let Some((sse, kms)) = &self.encryption {
            put = put
                .server_side_encryption(sse.clone())
                .set_ssekms_key_id(kms.clone());
        }
        match self.remote.run(put.send()) {
            Ok(_) => Ok(true),
            Err(e) => {
                let f = Failure::of(&e);
                // 412: the object exists. 409: another conditional write raced ours.
                if f.is("PreconditionFailed", 412) || f.is("ConditionalRequestConflict", 409) {
                    Ok(false)
                } else {
                    Err(self.error("create", &f))
                }
            }
        }
    }

    fn read(&self) -> Result<Option<LockInfo>, LockError> {
        let got = self.remote.run(async {
            match self
                .remote
                .s3
                .get_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .send()
                .await
            {
                Ok(o) => o
                    .body
                    .collect()
                    .await
                    .map(|b| Some(b.into_bytes().to_vec()))
                    .map_err(|e| Failure {
                        status: None,
                        code: None,
                        text: e.to_string(),
                    }),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
                Err(e) => Err(Failure::of(&e)),
            }
        });
        match got.map_err(|f| self.error("read", &f))? {
            None => Ok(None),
            Some(bytes) => locking::decode(&bytes)
                .map(Some)
                .ok_or_else(|| LockError::Corrupt {
                    path: self.location(),
                    reason: "it is not a lock document".to_string(),
                }),
        }
    }

    fn remove(&self) -> Result<(), LockError> {
        self.remote
            .run(
                self.remote
                    .s3
                    .delete_object()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .send(),
            )
            .map(|_| ())
            .map_err(|e| self.error("remove", &Failure::of(&e)))
    }
}
