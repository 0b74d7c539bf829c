//! In-process fakes of EKS and MSK (Kafka) speaking their REST-JSON wire protocol, for the
//! calls moto does not emulate (version updates, add-ons, MSK lifecycles).
//!
//! ```no_run
//! let fake = testkit::fake::FakeAws::start();
//! // point AWS_ENDPOINT_URL_EKS and AWS_ENDPOINT_URL_KAFKA (or an SDK client) at:
//! let endpoint = fake.endpoint();
//! # drop(endpoint);
//! ```
//!
//! Both services answer on one port: EKS paths start with `/clusters`, `/addons` or `/tags`,
//! MSK paths with `/v1/` or `/api/v2/`. State changes are driven by observations, not time:
//! a created resource is `CREATING` for the first [`FakeAws::set_polls`] describes (default
//! 2), then `ACTIVE`; an update is `InProgress` as long, then `Successful`; a deleted one is
//! `DELETING` as long, then gone. Describing a resource also counts as observing its
//! in-progress updates. Version rules come from `engine::catalog`.

mod eks;
mod errors;
mod kafka;
mod progress;
mod request;
mod wire;

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::NaiveDate;
use tokio::sync::oneshot;

pub use errors::ApiError;

use request::Request;

/// The day the fakes judge support windows on, unless [`FakeAws::set_today`] says otherwise:
/// fixed so tests do not change verdicts as the calendar moves.
pub const DEFAULT_TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2026, 6, 1) {
    Some(d) => d,
    None => panic!("valid date"),
};

/// Everything the fakes hold.
#[derive(Debug)]
pub(crate) struct World {
    /// Observations a transition takes.
    pub polls: u32,
    /// The day support windows are judged on.
    pub today: NaiveDate,
    /// Requests still to answer with a throttling error.
    pub throttle: u32,
    /// `METHOD /path` of every request, in order.
    pub requests: Vec<String>,
    /// EKS state.
    pub eks: eks::Eks,
    /// MSK state.
    pub kafka: kafka::Kafka,
}

type Shared = Arc<Mutex<World>>;

fn lock(shared: &Shared) -> MutexGuard<'_, World> {
    // A handler that panicked must not take every later request down with it.
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// A running EKS + MSK fake on `127.0.0.1`; dropping it stops the server.
pub struct FakeAws {
    addr: SocketAddr,
    world: Shared,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeAws {
    /// Starts the fake on a free port, served by its own thread and tokio runtime (so both
    /// sync and async tests can use it).
    pub fn start() -> FakeAws {
        let world = Arc::new(Mutex::new(World {
            polls: 2,
            today: DEFAULT_TODAY,
            throttle: 0,
            requests: Vec::new(),
            eks: eks::Eks::default(),
            kafka: kafka::Kafka::default(),
        }));
        let listener = TcpListener::bind("127.0.0.1:0").expect("can bind a port on 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("a listener can be made non-blocking");
        let addr = listener
            .local_addr()
            .expect("a bound socket has an address");
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&world));
        let thread = std::thread::Builder::new()
            .name("fake-aws".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime starts");
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("a std listener converts to tokio");
                    // Not a graceful shutdown: SDK clients keep idle connections open, and
                    // waiting for them would hang the test. Dropping the runtime ends them.
                    tokio::select! {
                        result = axum::serve(listener, app) => {
                            if let Err(e) = result {
                                eprintln!("fake AWS server failed: {e}");
                            }
                        }
                        _ = stopped => {}
                    }
                });
            })
            .expect("can spawn the fake's thread");
        FakeAws {
            addr,
            world,
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, for both EKS and MSK.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many describes a transition (create, update, delete) stays in progress; applies
    /// to transitions started afterwards.
    pub fn set_polls(&self, polls: u32) {
        lock(&self.world).polls = polls;
    }

    /// The day support windows are judged on (default [`DEFAULT_TODAY`]): EKS refuses to
    /// create clusters on versions past extended support, MSK on versions past end of support.
    pub fn set_today(&self, today: NaiveDate) {
        lock(&self.world).today = today;
    }

    /// Answers the next `n` requests as the services throttle: EKS with HTTP 429
    /// `ThrottlingException`, MSK with HTTP 429 `TooManyRequestsException` (both retried by
    /// the SDK's standard retry strategy).
    pub fn throttle_next(&self, n: u32) {
        lock(&self.world).throttle = n;
    }

    /// Every request so far as `METHOD /path` (path decoded, no query), throttled ones
    /// included, in order.
    pub fn requests(&self) -> Vec<String> {
        lock(&self.world).requests.clone()
    }

    /// Moves an EKS cluster's control plane to `version` at once, as AWS does when a version
    /// leaves extended support: the way to get node groups beyond the skew policy.
    /// Panics when the cluster does not exist.
    pub fn force_cluster_version(&self, cluster: &str, version: &str) {
        let mut world = lock(&self.world);
        let found = world.eks.clusters.get_mut(cluster);
        let cluster = found.unwrap_or_else(|| panic!("no EKS cluster named {cluster}"));
        cluster.version = version.to_string();
    }
}

impl Drop for FakeAws {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Every request lands here: logged, maybe throttled, then routed by path to a service.
async fn handle(
    State(world): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request = Request::new(&method, &uri, &headers, body);
    let service = request.service();
    let mut world = lock(&world);
    world.requests.push(request.summary());
    if world.throttle > 0 {
        world.throttle -= 1;
        return match service {
            Some(Service::Kafka) => ApiError::kafka_too_many_requests(),
            _ => ApiError::eks_throttling(),
        }
        .into_response();
    }
    let reply = match service {
        Some(Service::Eks) => eks::handle(&mut world, &request),
        Some(Service::Kafka) => kafka::handle(&mut world, &request),
        None => None,
    };
    match reply {
        Some(Ok(json)) => json.into_response(),
        Some(Err(error)) => error.into_response(),
        None => ApiError {
            status: axum::http::StatusCode::NOT_FOUND,
            code: "UnknownOperationException",
            message: format!("the fake does not serve {}", request.summary()),
        }
        .into_response(),
    }
}

/// Which fake a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    /// EKS: `/clusters`, `/addons`, `/tags`.
    Eks,
    /// MSK: `/v1/...`, `/api/v2/...`.
    Kafka,
}
