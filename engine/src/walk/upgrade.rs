//! Executes the steps of a planned upgrade (`plan.upgrades`) before the resource's own
//! update: each step moves one resource to one version through its provider, and is
//! recorded in state (through the journal) as soon as it is done. A second apply after
//! an interruption plans again from the versions state holds, so it resumes at the first
//! unfinished step.

use std::sync::Arc;

use super::resource::with_retry;
use super::Walk;
use crate::addr::ResourceInstance;
use crate::diag::{Diagnostic, Diagnostics};
use crate::provider::{ApplyRequest, PlanRequest, Provider};
use crate::upgrade::engines;
use crate::upgrade::steps::action;
use crate::value::Value;

impl Walk {
    /// Runs the steps of the upgrade planned for `addr`, if any. Node groups and add-ons
    /// are changed through `provider`, the cluster's: they live in its account and region.
    pub(crate) async fn run_upgrade_steps(
        &self,
        addr: &ResourceInstance,
        provider: &Arc<dyn Provider>,
    ) -> Result<bool, Diagnostics> {
        let address = addr.to_string();
        let Some(up) = self
            .plan
            .as_ref()
            .and_then(|p| p.upgrades.iter().find(|u| u.address == address))
        else {
            return Ok(false);
        };
        let after = self
            .plan
            .as_ref()
            .and_then(|p| p.change(addr))
            .and_then(|c| c.after.clone());
        for step in &up.steps {
            let (Some(target), Ok(at)) = (&step.target, step.address.parse::<ResourceInstance>())
            else {
                continue;
            };
            // The attributes one step sets: the version, and for engines what the final
            // configuration says the upgrade needs (the flag, the new parameter group).
            let mut sets: Vec<(&str, Value)> = Vec::new();
            let carry = |names: &[&'static str], sets: &mut Vec<(&str, Value)>| {
                for n in names {
                    if let Some(v) = after.as_ref().and_then(|a| a.get_attr(n)) {
                        if !v.contains_unknown() && !v.is_null() {
                            sets.push((n, v.clone()));
                        }
                    }
                }
            };
            let attr = match step.action {
                action::CONTROL_PLANE | action::NODE_GROUP => "version",
                action::ADDON => "addon_version",
                // A blue/green deployment is one modification of the cluster, which the
                // provider carries out as a deployment, switchover and clean-up (the
                // `switchover` and `delete_blue` steps that follow have nothing left to do).
                engines::action::ENGINE_MINOR
                | engines::action::ENGINE_MAJOR
                | engines::action::BLUE_GREEN_DEPLOYMENT => {
                    carry(
                        &[
                            "allow_major_version_upgrade",
                            "db_cluster_parameter_group_name",
                            "apply_immediately",
                            "blue_green_update",
                        ],
                        &mut sets,
                    );
                    "engine_version"
                }
                engines::action::KAFKA_VERSION => "kafka_version",
                engines::action::ENGINE_VERSION => "engine_version",
                _ => continue,
            };
            let target = match (step.action, target.split_once(' ')) {
                (engines::action::ENGINE_VERSION, Some((engine, version))) => {
                    sets.push(("engine", Value::string(engine)));
                    version.to_string()
                }
                _ => target.clone(),
            };
            let target = &target;
            let prior = self
                .state
                .lock()
                .expect("lock")
                .instance(&at)
                .map(|i| i.attributes.clone());
            let Some(recorded) = prior else { continue };
            // What the object really is now: an interrupted apply may have changed it
            // without recording that (its open intent said so).
            let prior = match with_retry(|| provider.read(&at.resource.type_name, &recorded)).await
            {
                Ok(Some(live)) => {
                    if live != recorded {
                        self.update_state(&at, |st| {
                            if let Some(i) = st.instance_mut(&at) {
                                i.attributes = live.clone();
                            }
                        });
                    }
                    live
                }
                _ => recorded,
            };
            if prior.get_attr(attr).and_then(Value::as_str) == Some(target.as_str()) {
                continue; // done by an earlier, interrupted apply
            }
            let mut wanted = prior.clone();
            if let Value::Object(m) = &mut wanted {
                m.insert(attr.to_string(), Value::string(target));
                for (k, v) in sets {
                    m.insert(k.to_string(), v);
                }
            }
            let failed = |e: String| -> Diagnostics {
                Diagnostic::error(format!("Upgrade step {} failed", step.index))
                    .with_detail(format!(
                        "{}: {e}. Steps before it are done and recorded; fix the cause and run apply again to go on from here.",
                        step.description
                    ))
                    .into()
            };
            let type_name = at.resource.type_name.clone();
            let planned = with_retry(|| {
                provider.plan(PlanRequest {
                    type_name: type_name.clone(),
                    prior: Some(prior.clone()),
                    proposed: wanted.clone(),
                    config: wanted.clone(),
                })
            })
            .await
            .map_err(|e| failed(e.to_string()))?;
            let provider_name = self
                .state
                .lock()
                .expect("lock")
                .resource(&at.abs_resource())
                .map(|r| r.provider.clone())
                .unwrap_or_default();
            let call = self.begin(&at, "update", &provider_name)?;
            let applied = with_retry(|| {
                provider.apply(ApplyRequest {
                    type_name: type_name.clone(),
                    address: at.to_string(),
                    prior: Some(prior.clone()),
                    planned: Some(planned.planned.clone()),
                    token: None,
                })
            })
            .await;
            match applied {
                Ok(Some(new)) => {
                    self.update_state(&at, |st| {
                        if let Some(i) = st.instance_mut(&at) {
                            i.attributes = new.clone();
                        }
                    });
                    self.end(&at, call, Ok(Some(&new)));
                }
                Ok(None) => self.end(&at, call, Ok(None)),
                Err(e) => {
                    self.end(&at, call, Err(&e));
                    return Err(failed(e.to_string()));
                }
            }
        }
        Ok(true)
    }
}
