//! Adopting what an interrupted apply created and never recorded.
//!
//! A create's journal intent carries the idempotency token its provider was given. When the
//! process dies between the provider's create and the record of its result, the intent
//! stays open and loading the state keeps it among [`State::unconfirmed_creates`]. Before
//! any resource of a provider is planned, the provider is asked for the object each such
//! token made ([`Provider::find_created`]); what it finds goes into state, so the plan
//! sees an object that exists instead of creating a second one.
//!
//! [`State::unconfirmed_creates`]: crate::state::State::unconfirmed_creates

use std::sync::Arc;

use petgraph::graph::NodeIndex;

use super::resource::{provider_string, with_retry};
use super::{Walk, WalkMode};
use crate::addr::ResourceInstance;
use crate::diag::Diagnostic;
use crate::provider::{Created, Provider};
use crate::state::{InstanceState, Intent};

impl Walk {
    /// Plan modes, once provider node `n` is configured: adopts the objects its
    /// unconfirmed creates made, deposing a different current object of the same address
    /// (a `create_before_destroy` replacement killed half-way), and tells the user.
    pub(crate) async fn recover_creates(&self, n: NodeIndex) {
        if self.mode == WalkMode::Apply {
            return;
        }
        let provider_name = provider_string(&self.graph.graph[n].kind);
        let unconfirmed: Vec<Intent> = self
            .state
            .lock()
            .expect("lock")
            .unconfirmed_creates()
            .into_iter()
            .filter(|i| i.provider == provider_name)
            .collect();
        if unconfirmed.is_empty() {
            return;
        }
        let Some(provider) = self.providers.lock().expect("lock").get(&n).cloned() else {
            return;
        };
        for intent in unconfirmed {
            self.recover_one(&provider, &intent).await;
        }
    }

    async fn recover_one(&self, provider: &Arc<dyn Provider>, intent: &Intent) {
        let Some(token) = intent.token.as_deref() else {
            return;
        };
        let addr: ResourceInstance = match intent.address.parse() {
            Ok(a) => a,
            Err(_) => {
                self.state.lock().expect("lock").confirm_create(token);
                return;
            }
        };
        let type_name = addr.resource.type_name.clone();
        let _permit = self.gate.acquire(self.priority(&addr)).await;
        let found = with_retry(|| provider.find_created(&type_name, token)).await;
        let mut st = self.state.lock().expect("lock");
        match found {
            Ok(Created::Found(object)) => {
                let object =
                    crate::provider::marks::mark_resource(provider.as_ref(), &type_name, object);
                let id = object
                    .get_attr("id")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                let current = st
                    .instance(&addr)
                    .and_then(|i| i.attributes.get_attr("id"))
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
                if current.as_deref() != Some(id.as_str()) {
                    let deposed = current.is_some() && st.depose_instance(&addr).is_some();
                    st.set_instance(&addr, &intent.provider, InstanceState::new(object));
                    self.error(
                        Diagnostic::warning(format!("Recovered {addr}")).with_detail(format!(
                            "An interrupted apply created {addr} ({id}) and was stopped before recording it. galley found it by the token it gave the provider and has put it in the state{}.",
                            if deposed {
                                "; the object it was replacing is kept as deposed and will be destroyed"
                            } else {
                                ""
                            }
                        )),
                    );
                }
                st.confirm_create(token);
            }
            Ok(Created::NotFound) => st.confirm_create(token),
            Ok(Created::Unknown) => {
                st.confirm_create(token);
                self.error(
                    Diagnostic::warning(format!("Cannot tell whether {addr} was created"))
                        .with_detail(format!(
                            "An interrupted apply was creating {addr}, and {} cannot look objects up by the token galley gave it. If the object exists, adopt it with `galley import {addr} ID` before applying, or delete it by hand.",
                            intent.provider
                        )),
                );
            }
            // Planning on would create a second object if the first exists.
            Err(e) => self.error(
                Diagnostic::error(format!("Could not look for {addr}")).with_detail(format!(
                    "An interrupted apply was creating {addr}; asking the provider whether it made the object failed: {e}. Run galley again when the provider answers."
                )),
            ),
        }
    }
}
