//! A moto server (local AWS API emulator) shared by the tests of one process.
//!
//! ```no_run
//! let moto = testkit::moto::shared();
//! // point an SDK client at moto.endpoint(), or run galley with moto.env()
//! # drop(moto);
//! ```
//!
//! moto is installed on first use into `<target>/test-tools/moto-5.2.5` (about two minutes),
//! started once per test process, and reset each time a test takes the guard. Tests holding
//! the guard run one at a time: moto's state is global. Where moto departs from AWS in a way
//! the tests rely on, the server is brought in line when it starts (`rds_switchover.py`).

mod http;
mod install;
mod server;

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

pub use install::{target_dir, venv_dir, MOTO_VERSION};

use server::Server;

/// Exclusive use of the process's moto server, reset when taken.
pub struct MotoGuard {
    addr: SocketAddr,
    _lock: MutexGuard<'static, ()>,
}

/// Starts moto on first use (installing it if needed), waits for the other tests of this
/// process to release it, resets its state and hands it over.
pub fn shared() -> MotoGuard {
    static SERVER: OnceLock<Server> = OnceLock::new();
    static LOCK: Mutex<()> = Mutex::new(());
    let server = SERVER.get_or_init(|| Server::start(&install::ensure_installed()));
    // A test that panicked while holding the guard poisons the mutex; the reset below makes
    // the state clean again, so the next test should not fail for it.
    let lock = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let guard = MotoGuard {
        addr: server.addr,
        _lock: lock,
    };
    guard.reset();
    guard
}

impl MotoGuard {
    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Forgets every resource moto holds (`POST /moto-api/reset`).
    pub fn reset(&self) {
        match http::status(
            self.addr,
            "POST",
            "/moto-api/reset",
            Duration::from_secs(30),
        ) {
            Ok(200) => {}
            Ok(status) => panic!("moto reset at {} answered HTTP {status}", self.addr),
            Err(e) => panic!("moto reset at {} failed: {e}", self.addr),
        }
    }

    /// Environment for a child process (the galley binary) to talk to this moto: dummy
    /// credentials and region, the endpoint, no retries (moto answers calls it does not
    /// implement with 404/500 pages the SDK would retry), and no shared config file of the
    /// machine.
    pub fn env(&self) -> Vec<(String, String)> {
        let missing = install::target_dir()
            .join("test-tools")
            .join("no-such-aws-config");
        let missing = missing.to_string_lossy().into_owned();
        [
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_MAX_ATTEMPTS", "1".to_string()),
            ("AWS_CONFIG_FILE", missing.clone()),
            ("AWS_SHARED_CREDENTIALS_FILE", missing),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }
}
