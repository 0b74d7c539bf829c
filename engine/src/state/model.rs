//! The in-memory state: resources by address, their instances, and root outputs.

use std::collections::BTreeMap;

use super::journal::Intent;
use crate::addr::{AbsResource, InstanceKey, ResourceInstance};
use crate::value::Value;

/// Everything galley knows about the infrastructure it manages.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// Bumped on every write; a saved plan records it to detect stale state.
    pub serial: u64,
    /// Fixed when the state is first created: two states with different lineages are
    /// different histories and must never overwrite each other.
    pub lineage: String,
    /// Resources in address order.
    pub resources: BTreeMap<AbsResource, ResourceState>,
    /// Root module outputs by name.
    pub outputs: BTreeMap<String, OutputState>,
    /// Free-form data other components keep in state (e.g. upgrade progress); unknown keys
    /// round-trip untouched.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// One resource (all its instances) in the state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResourceState {
    /// The provider configuration that manages it: `provider["aws"]` or `provider["aws"].west`.
    pub provider: String,
    /// The current object of each instance.
    pub instances: BTreeMap<InstanceKey, InstanceState>,
    /// Objects replaced under `create_before_destroy` whose destroy has not happened yet,
    /// by instance key and deposed key.
    pub deposed: BTreeMap<(InstanceKey, String), InstanceState>,
}

impl ResourceState {
    /// A resource with no instances yet.
    pub fn new(provider: impl Into<String>) -> ResourceState {
        ResourceState {
            provider: provider.into(),
            ..ResourceState::default()
        }
    }

    /// True when nothing is left of the resource.
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty() && self.deposed.is_empty()
    }
}

/// One object of a resource instance, as the provider last returned it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InstanceState {
    /// The attributes object; sensitive attributes carry [`Value::Sensitive`] marks.
    pub attributes: Value,
    /// Addresses of the resources this one depended on when it was last applied, so it
    /// can be destroyed in the right order after its configuration is gone.
    pub dependencies: Vec<String>,
    /// Replacements of this instance create the new object before destroying the old one.
    pub create_before_destroy: bool,
    /// The object is known to be broken (a create that failed half-way, or `galley taint`)
    /// and will be replaced by the next apply.
    pub tainted: bool,
}

impl InstanceState {
    /// A healthy instance with these attributes and nothing else recorded.
    pub fn new(attributes: Value) -> InstanceState {
        InstanceState {
            attributes,
            ..InstanceState::default()
        }
    }
}

/// A root module output value.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputState {
    /// The value, without sensitive marks (`sensitive` says whether to hide it).
    pub value: Value,
    /// Declared `sensitive = true`: hidden in `galley output` listings.
    pub sensitive: bool,
}

impl Default for State {
    fn default() -> State {
        State::new()
    }
}

/// The key of [`State::extra`] under which unconfirmed creates are kept.
const UNCONFIRMED_CREATES: &str = "unconfirmed_creates";

impl State {
    /// Creates that an interrupted apply started and never recorded: the provider may or
    /// may not have made these objects. They stay in state (under `extra`) until a plan
    /// has asked the provider and adopted what it found.
    pub fn unconfirmed_creates(&self) -> Vec<Intent> {
        self.extra
            .get(UNCONFIRMED_CREATES)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default()
    }

    /// Keeps `intent` (a create with a token) until a plan has looked for its object.
    pub fn add_unconfirmed_create(&mut self, intent: Intent) {
        let mut all = self.unconfirmed_creates();
        if all.iter().any(|i| i.token == intent.token) {
            return;
        }
        all.push(intent);
        self.set_unconfirmed_creates(all);
    }

    /// Forgets the unconfirmed create with `token`: its object was adopted or never made.
    pub fn confirm_create(&mut self, token: &str) {
        let mut all = self.unconfirmed_creates();
        all.retain(|i| i.token.as_deref() != Some(token));
        self.set_unconfirmed_creates(all);
    }

    fn set_unconfirmed_creates(&mut self, all: Vec<Intent>) {
        if all.is_empty() {
            self.extra.remove(UNCONFIRMED_CREATES);
        } else if let Ok(v) = serde_json::to_value(all) {
            self.extra.insert(UNCONFIRMED_CREATES.to_string(), v);
        }
    }

    /// An empty state with serial 0 and a fresh lineage.
    pub fn new() -> State {
        State {
            serial: 0,
            lineage: uuid::Uuid::new_v4().to_string(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            extra: serde_json::Map::new(),
        }
    }

    /// True when the state holds no resources and no outputs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty() && self.outputs.is_empty()
    }

    /// The resource with all its instances.
    pub fn resource(&self, addr: &AbsResource) -> Option<&ResourceState> {
        self.resources.get(addr)
    }

    /// The current object of an instance.
    pub fn instance(&self, addr: &ResourceInstance) -> Option<&InstanceState> {
        self.resources
            .get(&addr.abs_resource())?
            .instances
            .get(&addr.key)
    }

    /// The current object of an instance, for in-place edits (e.g. tainting).
    pub fn instance_mut(&mut self, addr: &ResourceInstance) -> Option<&mut InstanceState> {
        self.resources
            .get_mut(&addr.abs_resource())?
            .instances
            .get_mut(&addr.key)
    }

    /// Records the current object of an instance, returning the one it replaces. The
    /// resource's provider is set to `provider`.
    pub fn set_instance(
        &mut self,
        addr: &ResourceInstance,
        provider: impl Into<String>,
        instance: InstanceState,
    ) -> Option<InstanceState> {
        let provider = provider.into();
        let res = self
            .resources
            .entry(addr.abs_resource())
            .or_insert_with(|| ResourceState::new(provider.clone()));
        res.provider = provider;
        res.instances.insert(addr.key.clone(), instance)
    }

    /// Forgets the current object of an instance; the resource goes too when nothing is left.
    pub fn remove_instance(&mut self, addr: &ResourceInstance) -> Option<InstanceState> {
        let abs = addr.abs_resource();
        let res = self.resources.get_mut(&abs)?;
        let removed = res.instances.remove(&addr.key);
        if res.is_empty() {
            self.resources.remove(&abs);
        }
        removed
    }

    /// Moves the current object of an instance aside under a new deposed key (before a
    /// create-before-destroy replacement), returning that key.
    pub fn depose_instance(&mut self, addr: &ResourceInstance) -> Option<String> {
        let res = self.resources.get_mut(&addr.abs_resource())?;
        let inst = res.instances.remove(&addr.key)?;
        let mut key = new_deposed_key();
        while res.deposed.contains_key(&(addr.key.clone(), key.clone())) {
            key = new_deposed_key();
        }
        res.deposed.insert((addr.key.clone(), key.clone()), inst);
        Some(key)
    }

    /// Forgets a deposed object (once it has been destroyed).
    pub fn remove_deposed(&mut self, addr: &ResourceInstance, key: &str) -> Option<InstanceState> {
        let abs = addr.abs_resource();
        let res = self.resources.get_mut(&abs)?;
        let removed = res.deposed.remove(&(addr.key.clone(), key.to_string()));
        if res.is_empty() {
            self.resources.remove(&abs);
        }
        removed
    }

    /// Every current instance, in address order.
    pub fn instances(&self) -> impl Iterator<Item = (ResourceInstance, &InstanceState)> + '_ {
        self.resources.iter().flat_map(|(abs, res)| {
            res.instances
                .iter()
                .map(move |(key, inst)| (abs.instance(key.clone()), inst))
        })
    }

    /// Every deposed object with its instance address and deposed key, in address order.
    pub fn deposed(&self) -> impl Iterator<Item = (ResourceInstance, &str, &InstanceState)> + '_ {
        self.resources.iter().flat_map(|(abs, res)| {
            res.deposed
                .iter()
                .map(move |((key, dk), inst)| (abs.instance(key.clone()), dk.as_str(), inst))
        })
    }

    /// The number of current instances.
    pub fn instance_count(&self) -> usize {
        self.resources.values().map(|r| r.instances.len()).sum()
    }
}

/// Eight hex digits, as Terraform uses for deposed keys.
fn new_deposed_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> ResourceInstance {
        s.parse().unwrap()
    }

    #[test]
    fn new_states_get_distinct_uuid_lineages() {
        let (a, b) = (State::new(), State::new());
        assert_ne!(a.lineage, b.lineage);
        assert!(uuid::Uuid::parse_str(&a.lineage).is_ok());
        assert_eq!(a.serial, 0);
    }

    #[test]
    fn set_get_and_remove_an_instance() {
        let mut s = State::new();
        let a = addr("module.net[\"x\"].aws_vpc.main[0]");
        assert!(s
            .set_instance(&a, "provider[\"aws\"]", InstanceState::new(Value::Null))
            .is_none());
        assert!(s.instance(&a).is_some());
        assert_eq!(
            s.resource(&a.abs_resource()).unwrap().provider,
            "provider[\"aws\"]"
        );
        assert!(s.remove_instance(&a).is_some());
        assert!(s.resources.is_empty(), "an empty resource is pruned");
    }

    #[test]
    fn instances_iterate_in_address_order() {
        let mut s = State::new();
        for a in [
            "aws_vpc.b",
            "module.m.aws_vpc.a",
            "aws_vpc.a[10]",
            "aws_vpc.a[2]",
        ] {
            s.set_instance(&addr(a), "provider[\"aws\"]", InstanceState::default());
        }
        let got: Vec<String> = s.instances().map(|(a, _)| a.to_string()).collect();
        assert_eq!(
            got,
            [
                "aws_vpc.a[2]",
                "aws_vpc.a[10]",
                "aws_vpc.b",
                "module.m.aws_vpc.a"
            ]
        );
    }

    #[test]
    fn deposing_keeps_the_object_under_a_new_key() {
        let mut s = State::new();
        let a = addr("aws_vpc.a");
        s.set_instance(&a, "p", InstanceState::new(Value::string("old")));
        let key = s.depose_instance(&a).unwrap();
        assert_eq!(key.len(), 8);
        assert!(s.instance(&a).is_none());
        let (da, dk, di) = s.deposed().next().unwrap();
        assert_eq!((da, dk), (a.clone(), key.as_str()));
        assert_eq!(di.attributes, Value::string("old"));
        assert!(s.remove_deposed(&a, &key).is_some());
        assert!(s.resources.is_empty());
    }
}
