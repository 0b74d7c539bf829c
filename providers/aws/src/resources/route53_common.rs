//! What Route 53 types share: bare ids, name normalization, waiting for `INSYNC`.

use std::time::Duration;

use aws_sdk_route53::types::ChangeStatus;
use engine::provider::ProviderError;

use crate::errors::sdk;
use crate::wait::{until, Status};

/// `/hostedzone/Z123` → `Z123` (also `/change/C1`, `/delegationset/N1`).
pub fn bare_id(id: &str) -> &str {
    id.rsplit('/').next().unwrap_or(id)
}

/// A DNS name as state holds it: lower case, no trailing dot, `\052` as `*`.
pub fn normalize(name: &str) -> String {
    name.trim_end_matches('.')
        .replace("\\052", "*")
        .to_ascii_lowercase()
}

/// Waits until the change `id` has reached every Route 53 name server.
pub async fn wait_insync(
    r53: &aws_sdk_route53::Client,
    id: &str,
    timeout: Duration,
) -> Result<(), ProviderError> {
    let id = bare_id(id).to_string();
    until(&format!("Route 53 change {id}"), timeout, || {
        let call = r53.get_change().id(&id).send();
        async move {
            let out = call.await.map_err(|e| sdk("GetChange", e))?;
            Ok(match out.change_info().map(|c| c.status()) {
                Some(ChangeStatus::Insync) | None => Status::Done(()),
                Some(s) => Status::Pending(s.as_str().to_string()),
            })
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids_are_normalized() {
        assert_eq!(bare_id("/hostedzone/Z1D633PJN98FT9"), "Z1D633PJN98FT9");
        assert_eq!(bare_id("Z1"), "Z1");
        assert_eq!(normalize("\\052.Example.COM."), "*.example.com");
    }
}
