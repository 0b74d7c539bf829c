//! Runs `moto_server` as a child process that dies with the test process.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::http;

/// How long moto may take to answer after it was started.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Lines of the server's stderr kept for error messages.
const LOG_LINES: usize = 40;

/// Runs moto's own `moto_server` entry point, and exits as soon as stdin reaches end of file:
/// the test process holds the other end, so when it exits (even killed) moto goes too.
/// Where moto departs from AWS in a way the tests depend on, it is first brought in line
/// (`rds_switchover.py`: a blue/green switchover renames the instances too, as RDS does).
const LAUNCHER: &str = concat!(
    include_str!("rds_switchover.py"),
    r#"
import os, sys, threading
def watch_stdin():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=watch_stdin, daemon=True).start()
from moto.server import main
main(["-H", "127.0.0.1", "-p", sys.argv[1]])
"#
);

/// A running moto server.
pub struct Server {
    /// `127.0.0.1:PORT`.
    pub addr: SocketAddr,
    /// Kept open for the life of the process; closing it stops the server.
    _stdin: ChildStdin,
    /// Kept so the child is not reaped early; never waited on.
    _child: Child,
}

impl Server {
    /// Starts moto with the interpreter `python` and waits until it answers.
    pub fn start(python: &Path) -> Server {
        // The free port is found by binding and releasing it; another process may take it in
        // between, so a server that dies at startup is retried on a new port.
        let mut last_failure = String::new();
        for _ in 0..3 {
            match try_start(python) {
                Ok(server) => return server,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("moto_server did not start: {last_failure}");
    }
}

fn try_start(python: &Path) -> Result<Server, String> {
    let port = free_port();
    let mut child = Command::new(python)
        .arg("-c")
        .arg(LAUNCHER)
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let log = Arc::new(Mutex::new(VecDeque::new()));
    if let Some(stderr) = child.stderr.take() {
        let log = Arc::clone(&log);
        // Drained so moto never blocks on a full pipe; the tail explains startup failures.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                if log.len() == LOG_LINES {
                    log.pop_front();
                }
                log.push_back(line);
            }
        });
    }
    let tail = |log: &Mutex<VecDeque<String>>| {
        let log = log.lock().unwrap_or_else(|e| e.into_inner());
        log.iter().cloned().collect::<Vec<_>>().join("\n")
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            // Give the drain thread a moment to collect the last lines.
            std::thread::sleep(Duration::from_millis(100));
            return Err(format!(
                "it exited with {status} on port {port}; its stderr:\n{}",
                tail(&log)
            ));
        }
        match http::status(addr, "GET", "/moto-api/data.json", Duration::from_secs(2)) {
            Ok(_) => break,
            Err(e) if started.elapsed() > STARTUP_TIMEOUT => {
                let _ = child.kill();
                panic!(
                    "moto_server on {addr} did not answer within {}s (last error: {e}); its \
                     stderr:\n{}",
                    STARTUP_TIMEOUT.as_secs(),
                    tail(&log)
                );
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let stdin = child.stdin.take().expect("stdin was piped");
    Ok(Server {
        addr,
        _stdin: stdin,
        _child: child,
    })
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("can bind a port on 127.0.0.1");
    listener
        .local_addr()
        .expect("a bound socket has an address")
        .port()
}
