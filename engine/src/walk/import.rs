//! `import` blocks: adopting existing objects. Plan reads the object by id through the
//! provider and plans against it; apply imports it again and records it before any update.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Walk, WalkMode};
use crate::addr::{Mode, ModulePath, ResourceInstance};
use crate::config::{Config, Import};
use crate::diag::{Diagnostic, Diagnostics};
use crate::provider::{Provider, ProviderError};
use crate::state::InstanceState;
use crate::value::Value;

/// The root module's import blocks by target instance. Reports invalid or duplicate
/// targets and targets without a resource block; import blocks in child modules are ignored
/// (as Terraform does) with a warning.
pub fn targets(config: &Config) -> (BTreeMap<ResourceInstance, Import>, Diagnostics) {
    let mut out: BTreeMap<ResourceInstance, Import> = BTreeMap::new();
    let mut diags = Diagnostics::new();
    config.walk(&mut |path, c| {
        if !path.is_empty() {
            for i in &c.module.imports {
                diags.push(
                    Diagnostic::warning("Import block in a child module is ignored")
                        .with_span(i.span)
                        .with_detail("Import blocks take effect only in the root module. Move it there, with the module path in \"to\" (module.NAME.TYPE.NAME)."),
                );
            }
            return;
        }
        for i in &c.module.imports {
            let span = i.to_span.or(i.span);
            let addr = match i.to.parse::<ResourceInstance>() {
                Ok(a) if a.resource.mode == Mode::Managed => a,
                Ok(_) => {
                    diags.push(
                        Diagnostic::error("Invalid import address")
                            .with_span(span)
                            .with_detail("Only managed resources can be imported; a data source is read, not adopted."),
                    );
                    continue;
                }
                Err(e) => {
                    diags.push(
                        Diagnostic::error("Invalid import address")
                            .with_span(span)
                            .with_detail(format!("{e}. The \"to\" argument must name a resource instance, such as aws_vpc.main or module.net.aws_subnet.private[\"a\"].")),
                    );
                    continue;
                }
            };
            let static_path: Vec<String> = addr.module.0.iter().map(|s| s.name.clone()).collect();
            let declared = config
                .descendant(&static_path)
                .is_some_and(|m| m.module.resources.contains_key(&addr.resource));
            if !declared {
                diags.push(
                    Diagnostic::error("Configuration for import target does not exist")
                        .with_span(span)
                        .with_detail(format!("The configuration for the given import target {addr} does not exist. Make sure the target resource exists within your configuration.")),
                );
                continue;
            }
            if out.contains_key(&addr) {
                diags.push(
                    Diagnostic::error(format!("Duplicate import configuration for \"{addr}\""))
                        .with_span(span)
                        .with_detail(format!("An import block for {addr} was already declared. A resource instance can have only one import block.")),
                );
                continue;
            }
            out.insert(addr, i.clone());
        }
    });
    (out, diags)
}

impl Walk {
    /// The prior object of an instance: what state holds, or else the object an `import`
    /// block adopts (read at plan; at apply, imported and recorded in state).
    pub(crate) async fn prior_or_import(
        &self,
        addr: &ResourceInstance,
        provider: &Arc<dyn Provider>,
        provider_name: &str,
    ) -> Result<Option<InstanceState>, Diagnostics> {
        let prior = self.state.lock().expect("lock").instance(addr).cloned();
        if prior.is_some() {
            return Ok(prior);
        }
        let (id, span) = match self.mode {
            WalkMode::PlanDestroy => return Ok(None),
            WalkMode::Plan => {
                let Some(imp) = self.imports.get(addr) else {
                    return Ok(None);
                };
                (self.import_id(imp)?, imp.to_span.or(imp.span))
            }
            WalkMode::Apply => {
                let id = self
                    .plan
                    .as_ref()
                    .and_then(|p| p.change(addr))
                    .and_then(|c| c.importing.clone());
                match id {
                    Some(id) => (id, self.imports.get(addr).and_then(|i| i.span)),
                    None => return Ok(None),
                }
            }
        };
        let _permit = self.gate.acquire(self.priority(addr)).await;
        let object = super::resource::with_retry(|| provider.import(&addr.resource.type_name, &id))
            .await
            .map_err(|e| import_error(addr, &id, e).with_span(span))?;
        let object = crate::provider::marks::mark_resource(
            provider.as_ref(),
            &addr.resource.type_name,
            object,
        );
        let inst = InstanceState::new(object);
        match self.mode {
            WalkMode::Apply => self.update_state(addr, |st| {
                st.set_instance(addr, provider_name, inst.clone());
            }),
            _ => {
                self.state
                    .lock()
                    .expect("lock")
                    .set_instance(addr, provider_name, inst.clone());
                self.imported.lock().expect("lock").insert(addr.clone(), id);
            }
        }
        Ok(Some(inst))
    }

    /// The `id` of an import block: a known string, evaluated in the root module.
    fn import_id(&self, imp: &Import) -> Result<String, Diagnostics> {
        let scope = self.scope(&ModulePath::root());
        let v = crate::lang::eval(&imp.id, &scope)?;
        match v.unmarked() {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::Unknown => Err(Diagnostic::error("Invalid import id argument")
                .with_span(imp.id.span())
                .with_detail("The import block \"id\" argument depends on values that cannot be determined until apply, so galley cannot plan to import this resource.")
                .into()),
            other => Err(Diagnostic::error("Invalid import id argument")
                .with_span(imp.id.span())
                .with_detail(format!("The import block \"id\" argument must be a non-empty string, not {}.", if other.is_null() { "null".to_string() } else { other.to_string() }))
                .into()),
        }
    }
}

/// A failed provider import, worded for the user.
fn import_error(addr: &ResourceInstance, id: &str, e: ProviderError) -> Diagnostic {
    match e {
        ProviderError::NotFound(_) => Diagnostic::error("Cannot import non-existent remote object")
            .with_detail(format!("While attempting to import an existing object to \"{addr}\", the provider detected that no object exists with the id \"{id}\". Only pre-existing objects can be imported; check that the id is correct and that it is associated with the provider's configured region or endpoint, or remove the import block to create a new object for this resource.")),
        e => Diagnostic::error(format!("Error importing {addr}"))
            .with_detail(format!("The provider could not import the object with id \"{id}\": {e}")),
    }
}
