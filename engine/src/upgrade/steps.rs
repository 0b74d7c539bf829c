//! What an upgrade plan is made of: ordered steps and named checks, as the `upgrades`
//! array of the `--json` plan shows them (DESIGN.md contract).

/// Step actions (the `action` of a step).
pub mod action {
    /// Update an EKS control plane one minor version.
    pub const CONTROL_PLANE: &str = "control_plane";
    /// Update an EKS add-on.
    pub const ADDON: &str = "addon";
    /// Roll a managed node group to a Kubernetes version.
    pub const NODE_GROUP: &str = "node_group";
    /// Create the new side of a blue/green upgrade: cluster, node groups, add-ons.
    pub const CREATE_GREEN: &str = "create_green";
    /// Apply the workloads to the new side and wait until they are ready.
    pub const DEPLOY_WORKLOADS: &str = "deploy_workloads";
    /// Set the weighted records to the next traffic step.
    pub const SHIFT_TRAFFIC: &str = "shift_traffic";
    /// Wait, then check the health gate.
    pub const BAKE: &str = "bake";
    /// Destroy the old side after the last traffic step.
    pub const DECOMMISSION_BLUE: &str = "decommission_blue";
    /// Put all traffic back on the old side (runs only when a health gate fails).
    pub const ROLLBACK_TRAFFIC: &str = "rollback_traffic";
}

/// When a step runs, for steps that do not run every time.
pub mod when {
    /// Only when a health gate fails.
    pub const HEALTH_GATE_FAILS: &str = "health_gate_fails";
}

/// Check names (the `name` of a check).
pub mod check {
    /// The control plane can reach the target one minor at a time, never down.
    pub const CONTROL_PLANE_PATH: &str = "control_plane_path";
    /// Nodes never newer than the control plane, never further behind than allowed.
    pub const VERSION_SKEW: &str = "version_skew";
    /// Every add-on version suits the target Kubernetes version.
    pub const ADDON_COMPATIBILITY: &str = "addon_compatibility";
    /// No manifest uses an API the target removed.
    pub const REMOVED_APIS: &str = "removed_apis";
    /// The target version is supported on the day of the plan.
    pub const END_OF_SUPPORT: &str = "end_of_support";
    /// The subnets have the free addresses the upgrade needs.
    pub const SUBNET_IP_CAPACITY: &str = "subnet_ip_capacity";
    /// The new side stays within EKS's service quotas beside the old one.
    pub const QUOTAS: &str = "quotas";
}

/// One step of an upgrade, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// 1-based position.
    pub index: usize,
    /// The resource it changes.
    pub address: String,
    /// One of [`action`].
    pub action: &'static str,
    /// The version it moves to.
    pub target: Option<String>,
    /// What happens, with its cost.
    pub description: String,
    /// `None`: the step always runs; else one of [`when`].
    pub when: Option<&'static str>,
}

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Fine.
    Pass,
    /// Worth knowing; does not stop the plan.
    Warn,
    /// Stops the plan unless overridden by name.
    Fail,
}

impl Outcome {
    /// `pass`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
        }
    }
}

/// One named check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    /// One of [`check`].
    pub name: &'static str,
    /// Its outcome.
    pub status: Outcome,
    /// Why.
    pub message: String,
}

/// What an upgrade costs, to compare strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    /// Control-plane updates.
    pub control_plane_updates: u32,
    /// Node-group rollouts (each reschedules every pod on that group once).
    pub node_rollouts: u32,
    /// Estimated duration in minutes.
    pub minutes: u32,
    /// Estimated minutes the service is unavailable (an Aurora cluster upgraded in place,
    /// a blue/green switchover: 1, for "up to a minute"); 0 for rolling upgrades.
    pub downtime_minutes: u32,
}

/// The upgrade of one resource from one version to another.
#[derive(Debug, Clone, PartialEq)]
pub struct Upgrade {
    /// The resource whose version changes.
    pub address: String,
    /// `eks`, `aurora`, `msk`, `elasticache`.
    pub kind: &'static str,
    /// Current version.
    pub from: String,
    /// Target version.
    pub to: String,
    /// `in_place` or `blue_green`.
    pub strategy: &'static str,
    /// Ordered steps (empty when a check failed so that no path exists).
    pub steps: Vec<Step>,
    /// Checks.
    pub checks: Vec<CheckResult>,
    /// The cost of this strategy.
    pub cost: Cost,
    /// The cost of the other strategy, where one is possible (EKS: blue/green next to in
    /// place; Aurora blue/green: in place next to it), so the two can be compared.
    pub alternative: Option<(&'static str, Cost)>,
}

impl Upgrade {
    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| c.status == Outcome::Fail)
    }

    /// The object of the `upgrades` array.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "address": self.address,
            "kind": self.kind,
            "from": self.from,
            "to": self.to,
            "strategy": self.strategy,
            "steps": self.steps.iter().map(|s| serde_json::json!({
                "index": s.index,
                "address": s.address,
                "action": s.action,
                "target": s.target,
                "description": s.description,
                "when": s.when,
            })).collect::<Vec<_>>(),
            "checks": self.checks.iter().map(|c| serde_json::json!({
                "name": c.name,
                "status": c.status.as_str(),
                "message": c.message,
            })).collect::<Vec<_>>(),
            "cost": cost_json(&self.cost),
            "alternative": self.alternative.map(|(strategy, c)| serde_json::json!({
                "strategy": strategy,
                "cost": cost_json(&c),
            })),
        })
    }

    /// Human-readable, for `galley plan` and `galley upgrade plan`.
    pub fn render(&self) -> String {
        let mut out = format!(
            "  # {} upgrade {} {} -> {} ({})\n",
            self.kind,
            self.address,
            self.from,
            self.to,
            strategy_label(self.strategy)
        );
        for s in &self.steps {
            match s.when {
                None => out.push_str(&format!("    {:>2}. {}\n", s.index, s.description)),
                Some(w) => out.push_str(&format!(
                    "    {:>2}. (only when {}) {}\n",
                    s.index,
                    w.replace('_', " "),
                    s.description
                )),
            }
        }
        for c in &self.checks {
            out.push_str(&format!(
                "    [{}] {}: {}\n",
                c.status.as_str(),
                c.name,
                c.message
            ));
        }
        out.push_str(&format!(
            "    cost: {} control-plane update(s), {} node rollout(s), about {} minutes{}\n",
            self.cost.control_plane_updates,
            self.cost.node_rollouts,
            self.cost.minutes,
            downtime_label(self.cost.downtime_minutes)
        ));
        if let Some((strategy, c)) = &self.alternative {
            out.push_str(&format!(
                "    {} instead: {} control-plane update(s), {} node rollout(s), about {} minutes{}\n",
                strategy_label(strategy),
                c.control_plane_updates,
                c.node_rollouts,
                c.minutes,
                downtime_label(c.downtime_minutes)
            ));
        }
        out
    }
}

/// `in place`, `blue/green`.
fn strategy_label(strategy: &str) -> &str {
    match strategy {
        "in_place" => "in place",
        "blue_green" => "blue/green",
        other => other,
    }
}

/// `, downtime about 30 minutes`; nothing without downtime.
fn downtime_label(minutes: u32) -> String {
    match minutes {
        0 => String::new(),
        1 => ", downtime up to a minute".to_string(),
        m => format!(", downtime about {m} minutes"),
    }
}

fn cost_json(c: &Cost) -> serde_json::Value {
    serde_json::json!({
        "control_plane_updates": c.control_plane_updates,
        "node_rollouts": c.node_rollouts,
        "estimated_minutes": c.minutes,
        "estimated_downtime_minutes": c.downtime_minutes,
    })
}
