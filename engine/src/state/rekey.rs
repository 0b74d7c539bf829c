//! `galley state rekey`: the state written again with the run's encryption settings —
//! read with the previous key (or as plain text) and written with the current one, to
//! rotate a key, encrypt an existing state, or (with only the previous key set) decrypt it.

use super::backend::Backend;
use super::journal::Recovery;
use super::model::State;
use super::StateError;

/// What [`rekey`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Rekeyed {
    /// The serial of the state as written.
    pub serial: u64,
    /// The id of the key it is now encrypted with; `None`: it is now plain text.
    pub key_id: Option<String>,
    /// What loading it recovered from a journal left by an interrupted apply (now in the
    /// state file).
    pub recovery: Option<Recovery>,
}

/// Loads the state of `backend` (with the previous key, the current one, or as plain text
/// if its encryption settings allow) and writes it with the current key, its `.backup`
/// too. `Ok(None)` when there is no state. Fails with [`StateError::NoEncryptionKey`] when
/// the backend has no encryption settings. The caller holds the state lock.
pub fn rekey(backend: &mut dyn Backend) -> Result<Option<Rekeyed>, StateError> {
    if backend.encryption().is_none() {
        return Err(StateError::NoEncryptionKey);
    }
    let Some(mut state) = backend.load()? else {
        return Ok(None);
    };
    let recovery = backend.take_recovery();
    Ok(rekey_loaded(backend, &mut state)?.map(|r| Rekeyed { recovery, ..r }))
}

/// [`rekey`] of `state`, just loaded from `backend` (for a caller that reports what the
/// load recovered itself). `Ok(None)` when `state` is a new, empty one: nothing is stored.
pub fn rekey_loaded(
    backend: &mut dyn Backend,
    state: &mut State,
) -> Result<Option<Rekeyed>, StateError> {
    let Some(encryption) = backend.encryption() else {
        return Err(StateError::NoEncryptionKey);
    };
    if state.serial == 0 && state.is_empty() {
        return Ok(None);
    }
    backend.persist(state)?;
    Ok(Some(Rekeyed {
        serial: state.serial,
        key_id: encryption.key_id().map(str::to_string),
        recovery: None,
    }))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::crypt::{self, Encryption};
    use crate::state::{InstanceState, LocalBackend};
    use crate::value::Value;

    fn backend(dir: &std::path::Path, enc: Option<Encryption>) -> LocalBackend {
        LocalBackend::in_dir(dir).with_encryption(enc.map(Arc::new))
    }

    fn key_of_file(dir: &std::path::Path) -> Option<String> {
        let bytes = std::fs::read(dir.join("galley.tfstate")).unwrap();
        if !crypt::is_envelope(&bytes) {
            return None;
        }
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        doc["key_id"].as_str().map(str::to_string)
    }

    #[test]
    fn rekey_encrypts_rotates_and_decrypts_the_state() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut state = State::new();
        state.set_instance(
            &"aws_vpc.a".parse().unwrap(),
            "provider[\"aws\"]",
            InstanceState::new(Value::object([("id", Value::string("vpc-1"))])),
        );
        LocalBackend::in_dir(d).persist(&mut state).unwrap();
        let k1 = || crypt::test_key(1);
        let k2 = || crypt::test_key(2);

        // Encrypt an existing plain-text state.
        let mut b = backend(d, Some(Encryption::new(k1()).with_plaintext_fallback(true)));
        let r = rekey(&mut b).unwrap().unwrap();
        assert_eq!(r.key_id.as_deref(), Some(k1().id()));
        assert_eq!(r.serial, 2);
        assert_eq!(key_of_file(d).as_deref(), Some(k1().id()));

        // Rotate: read with the old key, written with the new one.
        let mut b = backend(d, Some(Encryption::new(k2()).with_old_key(k1())));
        let r = rekey(&mut b).unwrap().unwrap();
        assert_eq!(r.key_id.as_deref(), Some(k2().id()));
        assert_eq!(key_of_file(d).as_deref(), Some(k2().id()));
        assert!(backend(d, Some(Encryption::new(k1()))).load().is_err());

        // Decrypt: only the previous key set.
        let mut b = backend(d, Some(Encryption::decrypt_only(k2())));
        let r = rekey(&mut b).unwrap().unwrap();
        assert_eq!(r.key_id, None);
        assert_eq!(key_of_file(d), None);
        let back = LocalBackend::in_dir(d).load().unwrap().unwrap();
        assert_eq!(back.resources, state.resources);
        assert_eq!(back.serial, 4);
    }

    #[test]
    fn rekey_needs_encryption_settings_and_a_state() {
        let dir = tempfile::tempdir().unwrap();
        let e = rekey(&mut LocalBackend::in_dir(dir.path())).unwrap_err();
        assert!(matches!(e, StateError::NoEncryptionKey), "{e:?}");
        assert!(
            e.to_string()
                .starts_with("nothing says how to encrypt the state: set GALLEY_ENCRYPTION_KEY"),
            "{e}"
        );
        let mut b = backend(dir.path(), Some(Encryption::new(crypt::test_key(1))));
        assert_eq!(rekey(&mut b).unwrap(), None);
        assert!(!b.path().exists(), "no state is made");
    }

    #[test]
    fn rekey_loaded_writes_a_state_loaded_through_a_boxed_backend() {
        // As `galley state rekey` calls it, after loading the state itself.
        let dir = tempfile::tempdir().unwrap();
        let mut state = State::new();
        state.set_instance(
            &"aws_vpc.a".parse().unwrap(),
            "provider[\"aws\"]",
            InstanceState::new(Value::object([("id", Value::string("vpc-1"))])),
        );
        LocalBackend::in_dir(dir.path())
            .persist(&mut state)
            .unwrap();
        let enc = Encryption::new(crypt::test_key(1)).with_plaintext_fallback(true);
        let mut boxed: Box<dyn Backend> = Box::new(backend(dir.path(), Some(enc)));
        let mut loaded = boxed.load().unwrap().unwrap();
        let r = rekey_loaded(boxed.as_mut(), &mut loaded).unwrap().unwrap();
        assert_eq!(r.key_id.as_deref(), Some(crypt::test_key(1).id()));
        assert_eq!(
            key_of_file(dir.path()).as_deref(),
            Some(crypt::test_key(1).id())
        );
        let mut fresh = State::new();
        assert_eq!(rekey_loaded(boxed.as_mut(), &mut fresh).unwrap(), None);
    }

    #[test]
    fn rekey_folds_a_journal_into_the_state_and_reports_it() {
        let dir = tempfile::tempdir().unwrap();
        let enc = || Some(Arc::new(Encryption::new(crypt::test_key(1))));
        let mut j =
            crate::state::Journaled::new(LocalBackend::in_dir(dir.path()).with_encryption(enc()));
        let mut state = State::new();
        let a = "aws_vpc.a".parse().unwrap();
        state.set_instance(
            &a,
            "provider[\"aws\"]",
            InstanceState::new(Value::object([("id", Value::string("vpc-1"))])),
        );
        j.record(&state, &a).unwrap();
        drop(j);
        let mut b = LocalBackend::in_dir(dir.path()).with_encryption(Some(Arc::new(
            Encryption::new(crypt::test_key(2)).with_old_key(crypt::test_key(1)),
        )));
        let r = rekey(&mut b).unwrap().unwrap();
        assert_eq!(r.recovery.map(|r| r.replayed), Some(1));
        assert!(!crate::state::journal::journal_path(b.path()).exists());
        let back = LocalBackend::in_dir(dir.path())
            .with_encryption(Some(Arc::new(Encryption::new(crypt::test_key(2)))))
            .load()
            .unwrap()
            .unwrap();
        assert!(back.instance(&a).is_some());
    }
}
