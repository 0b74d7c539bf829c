//! Waiting for long operations: poll a status until it is done, failed, or the
//! resource's timeout passes. Throttling while polling slows the poll, never fails it.

use std::future::Future;
use std::time::Duration;

use engine::provider::ProviderError;
use tokio::time::Instant;

/// Where a polled operation stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Status<T> {
    /// Finished; carries what the last poll read.
    Done(T),
    /// Still going; carries the status the service reports (`UPDATING`, `InProgress`).
    Pending(String),
    /// The service says it failed, with its reason.
    #[allow(dead_code)] // the EKS and RDS updates report failures this way
    Failed(String),
}

/// The variable that sets the poll interval (`5s`, `200ms`); tests against emulators
/// set it low. Real AWS operations take minutes, so the default is 10 s.
pub const POLL_INTERVAL_VAR: &str = "GALLEY_AWS_POLL_INTERVAL";

const DEFAULT_INTERVAL: Duration = Duration::from_secs(10);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The poll interval: [`POLL_INTERVAL_VAR`], else 10 s.
pub fn interval() -> Duration {
    std::env::var(POLL_INTERVAL_VAR)
        .ok()
        .and_then(|v| crate::timeouts::parse_duration(&v))
        .unwrap_or(DEFAULT_INTERVAL)
}

/// Polls `check` until it reports [`Status::Done`] (its value is returned), reports
/// [`Status::Failed`], or `timeout` passes. `what` names the operation in errors
/// ("aws_eks_cluster accounts: update to 1.32").
pub async fn until<T, F, Fut>(
    what: &str,
    timeout: Duration,
    mut check: F,
) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Status<T>, ProviderError>>,
{
    let start = Instant::now();
    let deadline = start + timeout;
    let mut pause = interval();
    let mut last = String::from("not yet read");
    loop {
        match check().await {
            Ok(Status::Done(v)) => return Ok(v),
            Ok(Status::Failed(why)) => {
                return Err(ProviderError::Api {
                    code: "OperationFailed".to_string(),
                    message: format!("{what} failed: {why}"),
                })
            }
            Ok(Status::Pending(status)) => {
                last = status;
                pause = interval();
            }
            Err(ProviderError::Throttled(_)) => pause = (pause * 2).min(MAX_BACKOFF),
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(ProviderError::Timeout(format!(
                "{what}: still {last} after {}; it goes on in AWS. Raise the resource's `timeouts` and run apply again to pick it up",
                crate::timeouts::display(timeout)
            )));
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
    }
}

/// Polls `status` until the object is gone (`None`); an empty status reads `deleting`.
pub async fn until_gone<F, Fut>(
    what: &str,
    timeout: Duration,
    mut status: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, ProviderError>>,
{
    until(what, timeout, || {
        let now = status();
        async move {
            Ok(match now.await? {
                None => Status::Done(()),
                Some(s) if s.is_empty() => Status::Pending("deleting".to_string()),
                Some(s) => Status::Pending(s),
            })
        }
    })
    .await
}

/// Repeats `call` while AWS refuses it because other objects still depend on the one
/// being deleted (`DependencyViolation`: network interfaces of a terminated instance or a
/// deleted cluster are released minutes later), until `timeout`.
pub async fn while_dependent<F, Fut>(
    what: &str,
    timeout: Duration,
    call: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ProviderError>>,
{
    while_in_use(&["DependencyViolation"], what, timeout, call).await
}

/// [`while_dependent`] for services that say so with other codes: repeats `call` while AWS
/// refuses it with one of `codes` (Elastic Load Balancing's `ResourceInUse`: a target group
/// stays in use for a moment after the listener forwarding to it is deleted).
pub async fn while_in_use<F, Fut>(
    codes: &[&str],
    what: &str,
    timeout: Duration,
    mut call: F,
) -> Result<(), ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<(), ProviderError>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        match call().await {
            Err(ProviderError::Api { code, message })
                if codes.contains(&code.as_str()) && Instant::now() < deadline =>
            {
                tracing::debug!("{what}: {message}; retrying");
            }
            Err(ProviderError::Api { code, message }) if codes.contains(&code.as_str()) => {
                return Err(ProviderError::Api {
                    code,
                    message: format!(
                        "{message} (still refused after {}: delete what depends on it first)",
                        crate::timeouts::display(timeout)
                    ),
                })
            }
            other => return other,
        }
        tokio::time::sleep(interval()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn returns_when_done_and_times_out_when_not() {
        let mut n = 0;
        let v = until("op", Duration::from_secs(3600), || {
            n += 1;
            let s = if n < 3 {
                Status::Pending("UPDATING".to_string())
            } else {
                Status::Done(n)
            };
            async move { Ok(s) }
        })
        .await
        .unwrap();
        assert_eq!(v, 3);
        let e = until("op", Duration::from_secs(30), || async {
            Ok(Status::<()>::Pending("CREATING".to_string()))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(&e, ProviderError::Timeout(m) if m.contains("still CREATING")),
            "{e}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_slows_polling_but_does_not_fail_it() {
        let mut n = 0;
        let v = until("op", Duration::from_secs(3600), || {
            n += 1;
            let r = if n < 4 {
                Err(ProviderError::Throttled("Throttling".to_string()))
            } else {
                Ok(Status::Done(n))
            };
            async move { r }
        })
        .await
        .unwrap();
        assert_eq!(v, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn deletes_are_retried_while_something_depends_on_the_object() {
        let mut n = 0;
        let dependent = || ProviderError::Api {
            code: "DependencyViolation".to_string(),
            message: "has dependencies".to_string(),
        };
        while_dependent("DeleteSubnet", Duration::from_secs(600), || {
            n += 1;
            let r = if n < 3 { Err(dependent()) } else { Ok(()) };
            async move { r }
        })
        .await
        .unwrap();
        assert_eq!(n, 3);
        let e = while_dependent("DeleteSubnet", Duration::from_secs(60), || async {
            Err(dependent())
        })
        .await
        .unwrap_err();
        assert!(
            e.to_string().contains("delete what depends on it first"),
            "{e}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_status_is_an_error_with_the_reason() {
        let e = until("update", Duration::from_secs(60), || async {
            Ok(Status::<()>::Failed("NodeCreationFailure".to_string()))
        })
        .await
        .unwrap_err();
        assert!(e.to_string().contains("NodeCreationFailure"), "{e}");
    }
}
