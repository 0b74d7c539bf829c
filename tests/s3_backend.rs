//! Remote state in S3 (moto): the simulator serves the resources, only the state lives in
//! the bucket. Round trips, the lock between two applies (S3 lock object and DynamoDB),
//! a crashed holder's lock removed with `force-unlock`, and the backend block's errors.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_s3::config::Credentials;
use testkit::moto::MotoGuard;

const BUCKET: &str = "galley-state";
const KEY: &str = "app/galley.tfstate";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn sdk(moto: &MotoGuard) -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::SharedCredentialsProvider::new(
            Credentials::new("testing", "testing", None, None, "test"),
        ))
        .endpoint_url(moto.endpoint())
        .build()
}

fn s3(moto: &MotoGuard) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&sdk(moto))
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

fn create_bucket(moto: &MotoGuard) {
    runtime()
        .block_on(s3(moto).create_bucket().bucket(BUCKET).send())
        .unwrap();
}

fn create_lock_table(moto: &MotoGuard, table: &str) {
    let client = aws_sdk_dynamodb::Client::new(&sdk(moto));
    runtime()
        .block_on(
            client
                .create_table()
                .table_name(table)
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name("LockID")
                        .attribute_type(ScalarAttributeType::S)
                        .build()
                        .unwrap(),
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("LockID")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .billing_mode(BillingMode::PayPerRequest)
                .send(),
        )
        .unwrap();
}

/// The object at `key`, if any.
fn object(moto: &MotoGuard, key: &str) -> Option<Vec<u8>> {
    let rt = runtime();
    rt.block_on(async {
        match s3(moto).get_object().bucket(BUCKET).key(key).send().await {
            Ok(o) => Some(o.body.collect().await.unwrap().into_bytes().to_vec()),
            Err(_) => None,
        }
    })
}

/// A working directory whose state is in the moto bucket; `locking` goes into the
/// backend block (`use_lockfile = true`, `dynamodb_table = "..."` or nothing).
fn workdir(moto: &MotoGuard, locking: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("main.tf"),
        format!(
            r#"terraform {{
  backend "s3" {{
    bucket         = "{BUCKET}"
    key            = "{KEY}"
    region         = "us-east-1"
    access_key     = "testing"
    secret_key     = "testing"
    use_path_style = true
    encrypt        = true
    endpoints = {{
      s3       = "{0}"
      dynamodb = "{0}"
    }}
    {locking}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

output "vpc_id" {{
  value = aws_vpc.main.id
}}
"#,
            moto.endpoint()
        ),
    )
    .unwrap();
    tmp
}

fn galley(dir: &Path, moto: &MotoGuard) -> Command {
    let mut c = common::galley(dir);
    c.envs(moto.env())
        .env_remove("GALLEY_WORKSPACE")
        .env_remove("TF_WORKSPACE");
    c
}

fn run(dir: &Path, moto: &MotoGuard, args: &[&str]) -> Output {
    galley(dir, moto).args(args).output().expect("galley runs")
}

fn ok(o: &Output) -> String {
    let text = common::text(o);
    assert!(o.status.success(), "{text}");
    text
}

/// `galley --sim apply` without -auto-approve, stopped at its approval prompt (it holds
/// the lock there); stdin stays open.
fn apply_waiting_at_prompt(dir: &Path, moto: &MotoGuard) -> Child {
    let mut child = galley(dir, moto)
        .args(["--sim", "apply"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    // The plan is printed to stdout before the prompt (which goes to stderr).
    while !seen.contains("Plan:") {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
            let mut err = String::new();
            let _ = child.stderr.take().unwrap().read_to_string(&mut err);
            panic!("apply ended before its prompt: {seen}{err}");
        }
        seen.push_str(&line);
    }
    // Keep reading stdout in the background so the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = out.read_to_string(&mut rest);
    });
    child
}

/// The lock ID from a "state is locked" error.
fn lock_id(err: &str) -> String {
    err.split("lock ID ")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap_or_else(|| panic!("no lock ID in {err}"))
        .to_string()
}

#[test]
fn state_round_trips_through_the_bucket() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    let tmp = workdir(&moto, "use_lockfile = true");
    let dir = tmp.path();

    ok(&run(dir, &moto, &["--sim", "apply", "-auto-approve"]));
    assert!(
        !dir.join("galley.tfstate").exists(),
        "no local state is written"
    );
    let list = ok(&run(dir, &moto, &["--sim", "state", "list"]));
    assert!(list.contains("aws_vpc.main"), "{list}");
    let out = ok(&run(dir, &moto, &["--sim", "output", "-raw", "vpc_id"]));
    assert!(out.starts_with("vpc-"), "{out}");
    let plan = ok(&run(dir, &moto, &["--sim", "plan", "-detailed-exitcode"]));
    assert!(plan.contains("No changes"), "{plan}");

    let bytes = object(&moto, KEY).expect("the state object exists");
    let state = engine::state::decode(&bytes).unwrap();
    let vpc: engine::addr::ResourceInstance = "aws_vpc.main".parse().unwrap();
    assert!(state.instance(&vpc).is_some());
    assert!(state.serial >= 1);
    assert!(
        object(&moto, &format!("{KEY}.tflock")).is_none(),
        "every run released its lock"
    );
    let journals = dir.join(".galley/journal");
    let left: Vec<_> = std::fs::read_dir(&journals)
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "the journal is removed after the upload: {left:?}"
    );
}

#[test]
fn a_second_apply_is_refused_while_the_first_holds_the_lock_object() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    let tmp = workdir(&moto, "use_lockfile = true");
    let dir = tmp.path();

    let mut first = apply_waiting_at_prompt(dir, &moto);
    let lock = object(&moto, &format!("{KEY}.tflock")).expect("the lock object exists");
    let doc: serde_json::Value = serde_json::from_slice(&lock).unwrap();
    assert_eq!(doc["Operation"], "apply");
    assert_eq!(doc["Path"], format!("{BUCKET}/{KEY}"));

    let second = run(dir, &moto, &["--sim", "apply", "-auto-approve"]);
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr).into_owned();
    assert!(err.contains("the state is locked by"), "{err}");
    assert!(err.contains("running \"apply\""), "{err}");
    assert!(err.contains(doc["Who"].as_str().unwrap()), "{err}");
    assert_eq!(lock_id(&err), doc["ID"].as_str().unwrap());
    assert!(
        err.contains(&format!("s3://{BUCKET}/{KEY}.tflock")),
        "{err}"
    );

    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(b"no\n").unwrap();
    drop(stdin);
    let status = first.wait().unwrap();
    assert!(!status.success(), "answering no cancels");
    assert!(
        object(&moto, &format!("{KEY}.tflock")).is_none(),
        "the first apply released its lock"
    );
}

#[test]
fn a_killed_holders_lock_is_removed_with_force_unlock() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    let tmp = workdir(&moto, "use_lockfile = true");
    let dir = tmp.path();

    let mut first = apply_waiting_at_prompt(dir, &moto);
    first.kill().unwrap();
    first.wait().unwrap();
    let lock_key = format!("{KEY}.tflock");
    assert!(
        object(&moto, &lock_key).is_some(),
        "kill -9 leaves the lock"
    );

    let refused = run(dir, &moto, &["--sim", "apply", "-auto-approve"]);
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("looks stale"), "{err}");
    let id = lock_id(&err);

    let wrong = run(dir, &moto, &["force-unlock", "-force", "not-the-id"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("not not-the-id"),
        "{}",
        common::text(&wrong)
    );
    assert!(
        object(&moto, &lock_key).is_some(),
        "a wrong ID removes nothing"
    );

    let unlocked = ok(&run(dir, &moto, &["force-unlock", "-force", &id]));
    assert!(unlocked.contains("successfully unlocked"), "{unlocked}");
    assert!(
        unlocked.contains(&format!("s3://{BUCKET}/{KEY}")),
        "{unlocked}"
    );
    assert!(object(&moto, &lock_key).is_none());

    ok(&run(dir, &moto, &["--sim", "apply", "-auto-approve"]));
    assert!(object(&moto, KEY).is_some());
}

#[test]
fn dynamodb_locking_keeps_a_second_apply_out() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    create_lock_table(&moto, "galley-locks");
    let tmp = workdir(&moto, "dynamodb_table = \"galley-locks\"");
    let dir = tmp.path();

    let mut first = apply_waiting_at_prompt(dir, &moto);
    let second = run(dir, &moto, &["--sim", "apply", "-auto-approve"]);
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr).into_owned();
    assert!(err.contains("running \"apply\""), "{err}");
    assert!(
        err.contains(&format!(
            "item LockID={BUCKET}/{KEY} in DynamoDB table galley-locks"
        )),
        "{err}"
    );
    assert!(
        object(&moto, &format!("{KEY}.tflock")).is_none(),
        "no lock object with dynamodb_table alone"
    );
    let mut stdin = first.stdin.take().unwrap();
    stdin.write_all(b"yes\n").unwrap();
    drop(stdin);
    assert!(first.wait().unwrap().success());

    // Released: the next run takes the lock and sees the applied state.
    let plan = ok(&run(dir, &moto, &["--sim", "plan"]));
    assert!(plan.contains("No changes"), "{plan}");
    let o = run(dir, &moto, &["force-unlock", "-force", "anything"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not locked"),
        "{}",
        common::text(&o)
    );
}

#[test]
fn without_locking_the_user_is_warned_once() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    let tmp = workdir(&moto, "");
    let text = ok(&run(
        tmp.path(),
        &moto,
        &["--sim", "apply", "-auto-approve"],
    ));
    assert_eq!(text.matches("is not locked").count(), 1, "{text}");
    assert!(object(&moto, KEY).is_some());
}

#[test]
fn a_missing_bucket_is_named_with_what_to_check() {
    let moto = testkit::moto::shared();
    let tmp = workdir(&moto, "");
    let o = run(tmp.path(), &moto, &["--sim", "plan"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains(&format!("s3://{BUCKET}/{KEY}")), "{err}");
    assert!(err.contains("region us-east-1"), "{err}");
    assert!(err.contains("does not exist"), "{err}");
}

/// The backend block's errors, each at `main.tf:line:column`, without any AWS call.
#[test]
fn backend_block_errors_point_at_the_file() {
    let cases = [
        (
            "terraform {\n  backend \"s3\" {\n    bucket = var.bucket\n    key    = \"k\"\n  }\n}\nvariable \"bucket\" {}\n",
            "Variables not allowed",
            "main.tf:3:14",
        ),
        (
            "terraform {\n  backend \"s3\" {\n    bucket = \"b\"\n    key    = \"k\"\n    regoin = \"x\"\n  }\n}\n",
            "Valid arguments are \"bucket\", \"key\",",
            "main.tf:5:5",
        ),
        (
            "terraform {\n  backend \"s3\" {\n    key = \"k\"\n  }\n}\n",
            "The argument \"bucket\" is required",
            "main.tf:2:3",
        ),
    ];
    for (tf, message, at) in cases {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("main.tf"), tf).unwrap();
        for args in [&["--sim", "plan"][..], &["state", "list"], &["validate"]] {
            let o = common::run(tmp.path(), args);
            let text = common::text(&o);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {text}");
            assert!(text.contains(message), "{args:?}: {text}");
            assert!(text.contains(at), "{args:?}: expected {at} in {text}");
        }
    }
}

/// Workspaces are key prefixes: `env:/<name>/<key>`, listed from the bucket, each with
/// its own state and lock; deleting one removes its object and leaves the others.
#[test]
fn workspaces_are_key_prefixes_in_the_bucket() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    let tmp = workdir(&moto, "use_lockfile = true");
    let dir = tmp.path();
    let dev_key = format!("env:/dev/{KEY}");

    ok(&run(dir, &moto, &["--sim", "apply", "-auto-approve"]));
    let created = ok(&run(dir, &moto, &["workspace", "new", "dev"]));
    assert!(
        created.contains("Created and switched to workspace \"dev\""),
        "{created}"
    );
    assert!(
        object(&moto, &dev_key).is_some(),
        "new writes an empty state"
    );
    let show = ok(&run(dir, &moto, &["workspace", "show"]));
    assert_eq!(show.trim(), "dev");

    // The dev workspace starts empty and gets its own VPC.
    let plan = ok(&run(dir, &moto, &["--sim", "plan"]));
    assert!(plan.contains("1 to add"), "{plan}");
    ok(&run(dir, &moto, &["--sim", "apply", "-auto-approve"]));
    let dev = engine::state::decode(&object(&moto, &dev_key).unwrap()).unwrap();
    let default = engine::state::decode(&object(&moto, KEY).unwrap()).unwrap();
    assert_ne!(dev.lineage, default.lineage);
    assert_eq!(dev.instances().count(), 1);
    assert!(object(&moto, &format!("{dev_key}.tflock")).is_none());

    let list = ok(&run(dir, &moto, &["workspace", "list"]));
    assert_eq!(list.trim_end(), "  default\n* dev", "{list}");

    // A workspace that tracks resources is kept unless -force; the active one always.
    let o = run(dir, &moto, &["workspace", "delete", "dev"]);
    assert!(!o.status.success());
    ok(&run(dir, &moto, &["workspace", "select", "default"]));
    let o = run(dir, &moto, &["workspace", "delete", "dev"]);
    let err = common::text(&o);
    assert!(!o.status.success() && err.contains("aws_vpc.main"), "{err}");
    ok(&run(dir, &moto, &["workspace", "delete", "-force", "dev"]));
    assert!(object(&moto, &dev_key).is_none());
    assert!(object(&moto, KEY).is_some(), "the default state stays");
    let list = ok(&run(dir, &moto, &["workspace", "list"]));
    assert_eq!(list.trim_end(), "* default", "{list}");

    // TF_WORKSPACE selects without the file, as in Terraform.
    ok(&run(dir, &moto, &["workspace", "new", "qa"]));
    ok(&run(dir, &moto, &["workspace", "select", "default"]));
    let o = galley(dir, &moto)
        .env("TF_WORKSPACE", "qa")
        .args(["workspace", "show"])
        .output()
        .unwrap();
    assert_eq!(ok(&o).trim(), "qa");
}

#[test]
fn with_a_key_the_state_object_is_encrypted_client_side() {
    let moto = testkit::moto::shared();
    create_bucket(&moto);
    let tmp = workdir(&moto, "use_lockfile = true");
    let dir = tmp.path();
    // A test key: 32 bytes in base64.
    let key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    let with_key = |args: &[&str]| {
        galley(dir, &moto)
            .args(args)
            .env("GALLEY_ENCRYPTION_KEY", key)
            .output()
            .unwrap()
    };
    ok(&with_key(&["--sim", "apply", "-auto-approve"]));
    let bytes = object(&moto, KEY).expect("the state object exists");
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("galley_encrypted"), "{text}");
    assert!(
        !text.contains("aws_vpc"),
        "nothing readable in the bucket: {text}"
    );
    let plan = ok(&with_key(&["--sim", "plan", "-detailed-exitcode"]));
    assert!(plan.contains("No changes"), "{plan}");

    // Without the key: refused, naming what to set; the object untouched.
    let o = run(dir, &moto, &["--sim", "plan"]);
    assert!(!o.status.success());
    assert!(
        common::text(&o).contains("GALLEY_ENCRYPTION_KEY"),
        "{}",
        common::text(&o)
    );
    assert_eq!(object(&moto, KEY).unwrap(), bytes);
}
