use std::collections::HashMap;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

fn b64(seed: u8) -> String {
    STANDARD.encode([seed; KEY_LEN])
}

#[test]
fn no_key_set_means_plain_text() {
    assert!(Encryption::from_env(env(&[])).unwrap().is_none());
    // A fallback alone has nothing to fall back from.
    assert!(Encryption::from_env(env(&[(FALLBACK_VAR, "plaintext")]))
        .unwrap()
        .is_none());
    assert_eq!(seal(None, Kind::State, b"{}").unwrap().as_ref(), b"{}");
    assert_eq!(open(None, Kind::State, b"{}").unwrap().as_ref(), b"{}");
}

#[test]
fn a_key_is_read_from_the_environment_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("key.b64");
    std::fs::write(&text, format!("{}\n", b64(7))).unwrap();
    let raw = dir.path().join("key.bin");
    std::fs::write(&raw, [7u8; KEY_LEN]).unwrap();
    let want = test_key(7).id().to_string();
    for settings in [
        vec![(KEY_VAR, b64(7))],
        vec![(KEY_VAR, format!("  {}\n", b64(7).trim_end_matches('=')))],
        vec![(KEY_FILE_VAR, text.display().to_string())],
        vec![(KEY_FILE_VAR, raw.display().to_string())],
    ] {
        let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let e = Encryption::from_env(env(&pairs)).unwrap().unwrap();
        assert_eq!(e.key_id(), Some(want.as_str()), "{settings:?}");
        assert!(!e.fallback_plaintext);
        assert!(e.old.is_none());
    }
    assert_eq!(want.len(), 16);
    assert!(want.chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(want, test_key(8).id());
}

#[test]
fn a_key_of_the_wrong_length_or_not_base64_is_refused_without_showing_it() {
    let short = STANDARD.encode([1u8; 31]);
    let e = Encryption::from_env(env(&[(KEY_VAR, &short)])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "GALLEY_ENCRYPTION_KEY is not a usable key: it is 31 bytes, not 32; a key is 32 random bytes in base64: make one with `head -c 32 /dev/urandom | base64`"
    );
    let secret = "s3cr3t-passphrase-not-base64!";
    let e = Encryption::from_env(env(&[(KEY_VAR, secret)])).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("it is not base64"), "{msg}");
    assert!(!msg.contains("s3cr3t") && !msg.contains('!'), "{msg}");
    let e = Encryption::from_env(env(&[(OLD_KEY_VAR, &STANDARD.encode([1u8; 64]))]))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("GALLEY_ENCRYPTION_KEY_OLD is not a usable key: it is 64 bytes"),
        "{e}"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("k");
    std::fs::write(&file, [0xffu8; 20]).unwrap();
    let e = Encryption::from_env(env(&[(KEY_FILE_VAR, file.to_str().unwrap())]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("(named by GALLEY_ENCRYPTION_KEY_FILE) is not a usable key: it is 20 bytes and not base64 text"), "{e}");
    let missing = dir.path().join("nope");
    let e = Encryption::from_env(env(&[(KEY_FILE_VAR, missing.to_str().unwrap())]))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("cannot read the key file "), "{e}");
    assert!(e.contains("named by GALLEY_ENCRYPTION_KEY_FILE"), "{e}");
}

#[test]
fn contradictory_or_empty_settings_are_errors() {
    let k = b64(1);
    let cases: [(&[(&str, &str)], &str); 4] = [
        (
            &[(KEY_VAR, &k), (KEY_FILE_VAR, "/k")],
            "both GALLEY_ENCRYPTION_KEY and GALLEY_ENCRYPTION_KEY_FILE are set",
        ),
        (
            &[(KEY_VAR, "")],
            "GALLEY_ENCRYPTION_KEY is not a usable key: it is empty",
        ),
        (
            &[(KEY_FILE_VAR, " ")],
            "GALLEY_ENCRYPTION_KEY_FILE is set but empty",
        ),
        (
            &[(KEY_VAR, &k), (FALLBACK_VAR, "yes")],
            "GALLEY_ENCRYPTION_FALLBACK is \"yes\"; the only value it takes is `plaintext`",
        ),
    ];
    for (pairs, want) in cases {
        let e = Encryption::from_env(env(pairs)).unwrap_err().to_string();
        assert!(e.starts_with(want), "{pairs:?}: {e}");
    }
    // An empty previous key is how one clears it.
    let e = Encryption::from_env(env(&[(KEY_VAR, &k), (OLD_KEY_VAR, "")]))
        .unwrap()
        .unwrap();
    assert!(e.old.is_none());
}

#[test]
fn an_envelope_round_trips_and_hides_its_content() {
    let enc = Encryption::new(test_key(1));
    let plain = br#"{"version":1,"password":"hunter2-hunter2"}"#;
    let sealed = seal(Some(&enc), Kind::State, plain).unwrap().into_owned();
    assert!(is_envelope(&sealed));
    let text = String::from_utf8(sealed.clone()).unwrap();
    assert!(
        text.starts_with(&format!(
            "{{\"galley_encrypted\":1,\"kind\":\"state\",\"algorithm\":\"AES-256-GCM\",\"key_id\":\"{}\",\"nonce\":\"",
            test_key(1).id()
        )),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
    assert_eq!(
        open(Some(&enc), Kind::State, &sealed).unwrap().as_ref(),
        plain
    );
    let again = seal(Some(&enc), Kind::State, plain).unwrap();
    assert_ne!(again.as_ref(), sealed.as_slice(), "a new nonce each time");
}

#[test]
fn a_wrong_key_names_the_key_needed_and_the_keys_tried() {
    let sealed = seal(Some(&Encryption::new(test_key(1))), Kind::State, b"{}")
        .unwrap()
        .into_owned();
    let other = Encryption::new(test_key(2)).with_old_key(test_key(3));
    let e = open(Some(&other), Kind::State, &sealed).unwrap_err();
    assert!(matches!(e, CryptError::WrongKey { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "the state was encrypted with key {}, but the keys set are {} (current) and {} (previous): set GALLEY_ENCRYPTION_KEY to the key it was encrypted with or, if you are rotating keys, put the previous key in GALLEY_ENCRYPTION_KEY_OLD",
            test_key(1).id(),
            test_key(2).id(),
            test_key(3).id()
        )
    );
    let e = open(None, Kind::State, &sealed).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("the state is encrypted (with key {}), and no key is set: set GALLEY_ENCRYPTION_KEY (or GALLEY_ENCRYPTION_KEY_FILE) to the key it was encrypted with", test_key(1).id())
    );
}

#[test]
fn the_old_key_reads_and_the_new_key_writes() {
    let sealed_old = seal(Some(&Encryption::new(test_key(1))), Kind::Plan, b"p")
        .unwrap()
        .into_owned();
    let rotating = Encryption::new(test_key(2)).with_old_key(test_key(1));
    assert_eq!(
        open(Some(&rotating), Kind::Plan, &sealed_old)
            .unwrap()
            .as_ref(),
        b"p"
    );
    let sealed_new = seal(Some(&rotating), Kind::Plan, b"p")
        .unwrap()
        .into_owned();
    let new_only = Encryption::new(test_key(2));
    assert_eq!(
        open(Some(&new_only), Kind::Plan, &sealed_new)
            .unwrap()
            .as_ref(),
        b"p"
    );
    assert!(matches!(
        open(Some(&Encryption::new(test_key(1))), Kind::Plan, &sealed_new),
        Err(CryptError::WrongKey { .. })
    ));
    // The previous key alone decrypts and writes plain text.
    let off = Encryption::decrypt_only(test_key(1));
    assert_eq!(off.key_id(), None);
    assert_eq!(
        open(Some(&off), Kind::Plan, &sealed_old).unwrap().as_ref(),
        b"p"
    );
    assert_eq!(seal(Some(&off), Kind::Plan, b"p").unwrap().as_ref(), b"p");
    assert_eq!(
        open(Some(&off), Kind::Plan, b"plain").unwrap().as_ref(),
        b"plain"
    );
}

#[test]
fn plain_text_with_a_key_set_is_refused_unless_the_fallback_is_on() {
    let enc = Encryption::new(test_key(1));
    let e = open(Some(&enc), Kind::State, b"{\"version\":1}").unwrap_err();
    assert!(
        matches!(e, CryptError::Plaintext { kind: "state" }),
        "{e:?}"
    );
    assert!(
        e.to_string()
            .starts_with("the state is not encrypted, but an encryption key is set (GALLEY_ENCRYPTION_KEY or GALLEY_ENCRYPTION_KEY_FILE)"),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("GALLEY_ENCRYPTION_FALLBACK=plaintext"),
        "{e}"
    );
    let enc = enc.with_plaintext_fallback(true);
    assert_eq!(
        open(Some(&enc), Kind::State, b"{\"version\":1}")
            .unwrap()
            .as_ref(),
        b"{\"version\":1}"
    );
    let e = Encryption::from_env(env(&[(KEY_VAR, &b64(1)), (FALLBACK_VAR, "plaintext")]))
        .unwrap()
        .unwrap();
    assert!(e.fallback_plaintext);
}

#[test]
fn a_modified_envelope_fails_authentication() {
    let enc = Encryption::new(test_key(1));
    let sealed = String::from_utf8(
        seal(Some(&enc), Kind::State, b"{\"serial\":1}")
            .unwrap()
            .into_owned(),
    )
    .unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&sealed).unwrap();
    let ct = doc["ciphertext"].as_str().unwrap().to_string();
    let mut bytes = STANDARD.decode(&ct).unwrap();
    bytes[0] ^= 1;
    doc["ciphertext"] = STANDARD.encode(&bytes).into();
    let edited = serde_json::to_vec(&doc).unwrap();
    let e = open(Some(&enc), Kind::State, &edited).unwrap_err();
    assert!(matches!(e, CryptError::Tampered { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "the state cannot be decrypted: authentication failed: the file was modified or is damaged"
    );
    // Another kind of file: its associated data differs.
    doc["ciphertext"] = ct.into();
    doc["kind"] = "plan".into();
    let as_plan = serde_json::to_vec(&doc).unwrap();
    assert!(matches!(
        open(Some(&enc), Kind::Plan, &as_plan),
        Err(CryptError::Tampered { kind: "plan" })
    ));
    let e = open(Some(&enc), Kind::State, &as_plan).unwrap_err();
    assert_eq!(
        e.to_string(),
        "this is an encrypted galley plan, not a state"
    );
    for (member, value, want) in [
        (
            "galley_encrypted",
            serde_json::json!(2),
            "format version is 2",
        ),
        (
            "algorithm",
            "ChaCha20".into(),
            "this galley decrypts only AES-256-GCM",
        ),
        ("nonce", "AAAA".into(), "its nonce is 3 bytes, not 12"),
        ("nonce", "!".into(), "its nonce is not base64"),
        (
            "kind",
            "x".repeat(10_000).into(),
            "its kind is not state, plan or journal",
        ),
        (
            "key_id",
            "\u{1b}[2J".into(),
            "its key id is not 16 hex digits",
        ),
        (
            "galley_encrypted",
            "y".repeat(10_000).into(),
            "invalid type: string",
        ),
    ] {
        let mut d: serde_json::Value = serde_json::from_str(&sealed).unwrap();
        d[member] = value;
        let e = open(Some(&enc), Kind::State, &serde_json::to_vec(&d).unwrap()).unwrap_err();
        assert!(matches!(e, CryptError::Malformed { .. }), "{e:?}");
        assert!(e.to_string().contains(want), "{e}");
        assert!(e.to_string().len() < 400, "no file content at length: {e}");
    }
}

#[test]
fn envelopes_are_told_from_documents_by_their_first_member() {
    assert!(is_envelope(b" \n{ \"galley_encrypted\": 1}"));
    assert!(!is_envelope(b"{\"version\":1,\"galley_encrypted\":1}"));
    assert!(!is_envelope(b""));
    assert!(!is_envelope(b"[\"galley_encrypted\"]"));
}

#[test]
fn journal_lines_are_bound_to_their_place() {
    let enc = Encryption::new(test_key(1));
    let mut line = Vec::new();
    enc.seal_line("galley journal l 1 2", b"{\"done\":\"a.b\"}", &mut line)
        .unwrap();
    let text = String::from_utf8(line).unwrap();
    assert!(
        text.starts_with(&format!("{{\"k\":\"{}\",\"e\":\"", test_key(1).id())),
        "{text}"
    );
    assert!(!text.contains("a.b"));
    assert_eq!(
        open_line(Some(&enc), "galley journal l 1 2", &text)
            .unwrap()
            .as_ref(),
        b"{\"done\":\"a.b\"}"
    );
    assert!(matches!(
        open_line(Some(&enc), "galley journal l 1 3", &text),
        Err(CryptError::Tampered { kind: "journal" })
    ));
    assert!(matches!(
        open_line(None, "galley journal l 1 2", &text),
        Err(CryptError::NoKey { .. })
    ));
    assert!(matches!(
        open_line(Some(&enc), "x", "{\"done\":\"a.b\"}"),
        Err(CryptError::Plaintext { .. })
    ));
    assert!(matches!(
        open_line(
            Some(&enc),
            "x",
            "{\"k\":\"0000000000000000\",\"e\":\"AA==\"}"
        ),
        Err(CryptError::WrongKey { .. })
    ));
    for bad in ["00", "\\u001b[31mred", "ABCDEF0123456789"] {
        let line = format!("{{\"k\":\"{bad}\",\"e\":\"AA==\"}}");
        let e = open_line(Some(&enc), "x", &line).unwrap_err();
        assert!(matches!(e, CryptError::Malformed { .. }), "{e:?}");
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
    }
    let short = format!("{{\"k\":\"{}\",\"e\":\"AA==\"}}", test_key(1).id());
    assert!(matches!(
        open_line(Some(&enc), "x", &short),
        Err(CryptError::Malformed { .. })
    ));
}
