//! Aurora major version upgrades as RDS Blue/Green Deployments, for an `aws_rds_cluster`
//! with `blue_green_update { enabled = true }` (as the Terraform AWS provider does for
//! `aws_db_instance`): `CreateBlueGreenDeployment` makes a green copy at the target
//! version while the cluster serves, `SwitchoverBlueGreenDeployment` gives it the
//! cluster's identifier and endpoints (RDS renames the old cluster and its instances
//! `NAME-old1`), then the old cluster's instances, the old cluster (without a final
//! snapshot) and the deployment are deleted, all within the one update.
//!
//! An apply stopped half-way leaves the deployment in RDS; the next one finds it (by the
//! name galley gives it, else by the cluster as its source) and goes on from its status
//! instead of creating a second one.

use std::time::Duration;

use aws_sdk_rds::types::{BlueGreenDeployment, Filter};
use engine::provider::ProviderError;
use engine::upgrade::engines::{LOGICAL_REPLICATION_PARAMETER, SWITCHOVER_TIMEOUTS};
use engine::value::Value;
use tokio::time::Instant;

use super::rds_common::found;
use super::{rds_cluster, rds_instance, Ctx};
use crate::errors::{invalid, sdk};
use crate::values::{block, flag, text};
use crate::wait::{until, Status};

/// The longest name RDS gives a blue/green deployment.
const MAX_NAME: usize = 60;

/// How long a refused switchover is asked again while the deployment settles (RDS may
/// answer `InvalidBlueGreenDeploymentStateFault` for a while after `AVAILABLE`).
const SWITCHOVER_RETRY: Duration = Duration::from_secs(10 * 60);

/// An enabled `blue_green_update` block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// `switchover_timeout` in seconds, when configured (RDS's default is 300).
    pub switchover_timeout: Option<f64>,
}

/// The enabled `blue_green_update` block of `obj`, if any.
pub fn settings(obj: &Value) -> Option<Settings> {
    let b = block(obj, "blue_green_update")?;
    (flag(b, "enabled") == Some(true)).then(|| Settings {
        switchover_timeout: b.get_attr("switchover_timeout").and_then(Value::as_f64),
    })
}

/// The settings of the deployment that changing `prior` into `planned` goes through: a
/// change of the major version with `blue_green_update` enabled. Minor versions stay in
/// place, as `galley plan` plans them (`engine_minor` steps).
pub fn wanted(prior: &Value, planned: &Value) -> Option<Settings> {
    let s = settings(planned)?;
    let cat = engine::catalog::aurora(text(planned, "engine")?)?;
    let (old, new) = (
        text(prior, "engine_version")?,
        text(planned, "engine_version")?,
    );
    (old != new && cat.is_major_upgrade(old, new)).then_some(s)
}

/// What RDS would refuse and can be judged without a call: a switchover timeout out of
/// range, and an Aurora PostgreSQL deployment from a default cluster parameter group
/// (which never turns logical replication on). A custom group is left to RDS, which
/// refuses it without `rds.logical_replication = 1` (see [`explain_refusal`]).
pub fn check(what: &str, prior: Option<&Value>, planned: &Value) -> Result<(), ProviderError> {
    if let Some(t) = settings(planned).and_then(|s| s.switchover_timeout) {
        let (lo, hi) = (*SWITCHOVER_TIMEOUTS.start(), *SWITCHOVER_TIMEOUTS.end());
        if t.fract() != 0.0 || t < f64::from(lo) || t > f64::from(hi) {
            return Err(invalid(format!(
                "{what}: blue_green_update.switchover_timeout = {t} is not valid: RDS takes a whole number of seconds from {lo} to {hi}"
            )));
        }
    }
    let Some(prior) = prior else {
        return Ok(());
    };
    if wanted(prior, planned).is_none() || text(planned, "engine") != Some("aurora-postgresql") {
        return Ok(());
    }
    match text(prior, "db_cluster_parameter_group_name") {
        Some(g) if g.starts_with("default.") => Err(invalid(format!(
            "{what}: a blue/green deployment of Aurora PostgreSQL needs logical replication, and the cluster uses the default cluster parameter group {g}, in which {p} is 0 (RDS refuses the deployment): give the cluster a custom cluster parameter group with parameter {p} = 1, apply that and reboot the writer, then upgrade",
            p = LOGICAL_REPLICATION_PARAMETER
        ))),
        _ => Ok(()),
    }
}

/// The name galley gives the deployment of `cluster` to `version`:
/// `galley-<cluster>-<version>` with what RDS does not take in a name (anything but
/// letters, digits and single hyphens) made a hyphen, lowercased, at most 60 characters
/// (a longer one is cut and ends with a hash of the whole, to stay distinct).
pub fn deployment_name(cluster: &str, version: &str) -> String {
    let whole = format!("galley-{cluster}-{version}");
    let mut name = String::with_capacity(whole.len());
    for c in whole.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-');
    if name.len() <= MAX_NAME {
        return name.to_string();
    }
    let hash = whole.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    // ASCII only, so any byte index is a character boundary.
    let head = name[..MAX_NAME - 9].trim_end_matches('-');
    format!("{head}-{hash:08x}")
}

/// Where a deployment stands, from its `Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `PROVISIONING`: the green cluster is being made and upgraded.
    Provisioning,
    /// `AVAILABLE`: ready to switch over.
    Available,
    /// `SWITCHOVER_IN_PROGRESS`.
    SwitchingOver,
    /// `SWITCHOVER_COMPLETED`: the green cluster serves; the old one is left to delete.
    SwitchedOver,
    /// `INVALID_CONFIGURATION` or `PROVISIONING_FAILED`: the green cluster cannot serve.
    Failed,
    /// `SWITCHOVER_FAILED`: RDS rolled the switchover back; the blue cluster serves.
    SwitchoverFailed,
    /// `DELETING`.
    Deleting,
    /// A status galley does not know: waited on until it becomes one it knows.
    Other,
}

/// The phase of a deployment whose status is `status`.
pub fn phase(status: &str) -> Phase {
    match status {
        "PROVISIONING" => Phase::Provisioning,
        "AVAILABLE" => Phase::Available,
        "SWITCHOVER_IN_PROGRESS" => Phase::SwitchingOver,
        "SWITCHOVER_COMPLETED" => Phase::SwitchedOver,
        "INVALID_CONFIGURATION" | "PROVISIONING_FAILED" => Phase::Failed,
        "SWITCHOVER_FAILED" => Phase::SwitchoverFailed,
        "DELETING" => Phase::Deleting,
        _ => Phase::Other,
    }
}

/// The identifier in a cluster ARN (`arn:aws:rds:REGION:ACCOUNT:cluster:NAME`).
pub fn cluster_of_arn(arn: &str) -> Option<&str> {
    match arn.rsplit_once(":cluster:") {
        Some((_, name)) if !name.is_empty() && !name.contains(':') => Some(name),
        _ => None,
    }
}

/// Whether an engine running `running` runs the version `asked` (or a patch of it).
fn runs(running: &str, asked: &str) -> bool {
    running == asked || running.starts_with(&format!("{asked}."))
}

/// One blue/green upgrade of a cluster.
pub struct Upgrade<'a> {
    /// The cluster's identifier.
    pub id: &'a str,
    /// `aurora-postgresql` or `aurora-mysql`.
    pub engine: &'a str,
    /// The target engine version.
    pub version: &'a str,
    /// The green cluster's parameter group, when the configuration changes it.
    pub cluster_parameter_group: Option<&'a str>,
    /// The green instances' parameter group, when configured.
    pub instance_parameter_group: Option<&'a str>,
    /// The block's settings.
    pub settings: Settings,
    /// When the update's timeout runs out.
    pub deadline: Instant,
}

impl Upgrade<'_> {
    fn what(&self) -> String {
        format!(
            "aws_rds_cluster {}: blue/green upgrade to {}",
            self.id, self.version
        )
    }

    fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn name(&self) -> String {
        deployment_name(self.id, self.version)
    }

    /// `NAME (bgd-…)` of a deployment, for messages.
    fn label(d: &BlueGreenDeployment) -> String {
        format!(
            "{} ({})",
            d.blue_green_deployment_name().unwrap_or("unnamed"),
            d.blue_green_deployment_identifier()
                .unwrap_or("no identifier")
        )
    }
}

/// Carries the upgrade out, or goes on with the one an earlier apply left; returns once
/// the cluster runs the target version and nothing of the deployment is left.
pub async fn run(cx: &Ctx<'_>, up: &Upgrade<'_>) -> Result<(), ProviderError> {
    // Each pass finishes one deployment; a second pass happens only when the one found
    // was an older, switched-over deployment whose clean-up was left undone.
    for _ in 0..3 {
        let cluster = rds_cluster::describe(cx, up.id)
            .await?
            .ok_or_else(|| ProviderError::NotFound(format!("{}: no cluster", up.what())))?;
        let arn = cluster.db_cluster_arn().unwrap_or_default().to_string();
        let dep = match find(cx, up, &arn).await? {
            Some(d) => d,
            None if runs(cluster.engine_version().unwrap_or_default(), up.version) => {
                return Ok(());
            }
            None => create(cx, up, &arn).await?,
        };
        follow(cx, up, dep).await?;
    }
    Err(ProviderError::Internal(format!(
        "{}: the cluster is still not at {} after three deployments were carried out; look at its blue/green deployments in RDS",
        up.what(),
        up.version
    )))
}

/// Takes `dep` from its status to its end: switched over, the old cluster and the
/// deployment deleted.
async fn follow(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    mut dep: BlueGreenDeployment,
) -> Result<(), ProviderError> {
    let id = dep
        .blue_green_deployment_identifier()
        .unwrap_or_default()
        .to_string();
    let mut asked_switchover = false;
    loop {
        let status = dep.status().unwrap_or_default().to_string();
        let next = match phase(&status) {
            Phase::Provisioning | Phase::Other => {
                wait_while(cx, up, &id, "the green cluster", |p| {
                    matches!(p, Phase::Provisioning | Phase::Other)
                })
                .await?
            }
            Phase::Available => {
                check_green(cx, up, &dep).await?;
                asked_switchover = true;
                Some(switchover(cx, up, &id).await?)
            }
            Phase::SwitchingOver => {
                wait_while(cx, up, &id, "switchover", |p| p == Phase::SwitchingOver).await?
            }
            Phase::SwitchedOver => {
                delete_old_cluster(cx, up, &dep).await?;
                return delete_deployment(cx, up, &id, false).await;
            }
            Phase::Failed => {
                delete_deployment(cx, up, &id, true).await?;
                return Err(failed(up, &dep, &status));
            }
            Phase::SwitchoverFailed if asked_switchover => {
                return Err(switchover_failed(up, &dep));
            }
            Phase::SwitchoverFailed => {
                // Left by an earlier apply: RDS rolled back, so the switchover may be
                // asked again.
                check_green(cx, up, &dep).await?;
                asked_switchover = true;
                Some(switchover(cx, up, &id).await?)
            }
            Phase::Deleting => {
                return delete_deployment(cx, up, &id, false).await;
            }
        };
        dep = next.ok_or_else(|| {
            ProviderError::NotFound(format!(
                "{}: the blue/green deployment {} was deleted by someone else while it was {status}; run apply again to start a new one",
                up.what(),
                Upgrade::label(&dep)
            ))
        })?;
    }
}

/// The deployment galley made for this upgrade (by its name), else one whose source is
/// the cluster (made by hand, or by an apply under another name).
async fn find(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    arn: &str,
) -> Result<Option<BlueGreenDeployment>, ProviderError> {
    let named = describe(cx, "blue-green-deployment-name", &up.name()).await?;
    if let Some(d) = named
        .into_iter()
        .find(|d| d.source() == Some(arn) || d.target() == Some(arn))
    {
        return Ok(Some(d));
    }
    let mut of_source = describe(cx, "source", arn).await?;
    match of_source.len() {
        0 | 1 => Ok(of_source.pop()),
        _ => Err(ProviderError::Api {
            code: "InvalidBlueGreenDeploymentStateFault".to_string(),
            message: format!(
                "{}: the cluster is the source of several blue/green deployments ({}); delete all but one (aws rds delete-blue-green-deployment --blue-green-deployment-identifier ID --delete-target), then apply again",
                up.what(),
                of_source
                    .iter()
                    .map(Upgrade::label)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// The deployments whose `filter` is `value`.
async fn describe(
    cx: &Ctx<'_>,
    filter: &str,
    value: &str,
) -> Result<Vec<BlueGreenDeployment>, ProviderError> {
    let out = cx
        .clients
        .rds
        .describe_blue_green_deployments()
        .filters(Filter::builder().name(filter).values(value).build())
        .send()
        .await
        .map_err(|e| sdk("DescribeBlueGreenDeployments", e));
    Ok(found(out)?
        .map(|o| o.blue_green_deployments().to_vec())
        .unwrap_or_default())
}

/// The deployment `id`, `None` once it is gone.
async fn describe_one(
    cx: &Ctx<'_>,
    id: &str,
) -> Result<Option<BlueGreenDeployment>, ProviderError> {
    let out = cx
        .clients
        .rds
        .describe_blue_green_deployments()
        .blue_green_deployment_identifier(id)
        .send()
        .await
        .map_err(|e| sdk("DescribeBlueGreenDeployments", e));
    Ok(found(out)?.and_then(|o| o.blue_green_deployments().first().cloned()))
}

async fn create(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    arn: &str,
) -> Result<BlueGreenDeployment, ProviderError> {
    let out = cx
        .clients
        .rds
        .create_blue_green_deployment()
        .blue_green_deployment_name(up.name())
        .source(arn)
        .target_engine_version(up.version)
        .set_target_db_cluster_parameter_group_name(up.cluster_parameter_group.map(str::to_string))
        .set_target_db_parameter_group_name(up.instance_parameter_group.map(str::to_string))
        .send()
        .await
        .map_err(|e| explain_refusal(up, sdk("CreateBlueGreenDeployment", e)))?;
    out.blue_green_deployment.ok_or_else(|| {
        ProviderError::Internal(format!(
            "{}: CreateBlueGreenDeployment answered without the deployment; run apply again to pick it up",
            up.what()
        ))
    })
}

/// RDS's refusal of a deployment, with what to do about it when RDS's own message does
/// not say.
fn explain_refusal(up: &Upgrade<'_>, e: ProviderError) -> ProviderError {
    match e {
        ProviderError::Api { code, message } if code == "SourceClusterNotSupportedFault" => {
            let hint = if up.engine == "aurora-postgresql" {
                format!(
                    "an Aurora PostgreSQL cluster needs {LOGICAL_REPLICATION_PARAMETER} = 1 in its current cluster parameter group (then a reboot of the writer)"
                )
            } else {
                "an Aurora MySQL cluster needs binary logging (binlog_format) on in its current cluster parameter group (then a reboot of the writer)".to_string()
            };
            ProviderError::Api {
                code,
                message: format!(
                    "{}: RDS refused the blue/green deployment: {message}. For a blue/green deployment, {hint}; fix that, apply, then upgrade again",
                    up.what()
                ),
            }
        }
        other => other,
    }
}

/// Refuses to switch over to a green cluster that does not run the target version (a
/// deployment left for another version).
async fn check_green(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    dep: &BlueGreenDeployment,
) -> Result<(), ProviderError> {
    let Some(green) = dep.target().and_then(cluster_of_arn) else {
        return Err(ProviderError::Internal(format!(
            "{}: the blue/green deployment {} names no green cluster",
            up.what(),
            Upgrade::label(dep)
        )));
    };
    let Some(c) = rds_cluster::describe(cx, green).await? else {
        return Err(ProviderError::NotFound(format!(
            "{}: the green cluster {green} of blue/green deployment {} is gone; delete the deployment (aws rds delete-blue-green-deployment --blue-green-deployment-identifier {}) and apply again",
            up.what(),
            Upgrade::label(dep),
            dep.blue_green_deployment_identifier().unwrap_or_default()
        )));
    };
    let running = c.engine_version().unwrap_or_default();
    if runs(running, up.version) {
        return Ok(());
    }
    Err(ProviderError::Api {
        code: "InvalidBlueGreenDeploymentStateFault".to_string(),
        message: format!(
            "{}: the blue/green deployment {} of this cluster has its green cluster {green} at {running}, not {}; delete it (aws rds delete-blue-green-deployment --blue-green-deployment-identifier {} --delete-target) or configure engine_version = \"{running}\", then apply again",
            up.what(),
            Upgrade::label(dep),
            up.version,
            dep.blue_green_deployment_identifier().unwrap_or_default()
        ),
    })
}

/// Asks for the switchover (again while RDS says the deployment is not ready for it).
async fn switchover(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    id: &str,
) -> Result<BlueGreenDeployment, ProviderError> {
    let timeout = up
        .settings
        .switchover_timeout
        .map(|t| t.clamp(0.0, f64::from(i32::MAX)) as i32);
    let what = format!("{}: switchover", up.what());
    until(&what, up.remaining().min(SWITCHOVER_RETRY), || {
        let call = cx
            .clients
            .rds
            .switchover_blue_green_deployment()
            .blue_green_deployment_identifier(id)
            .set_switchover_timeout(timeout)
            .send();
        async move {
            match call.await {
                Ok(out) => Ok(match out.blue_green_deployment {
                    Some(d) => Status::Done(d),
                    None => Status::Pending("switching over".to_string()),
                }),
                Err(e) => match sdk("SwitchoverBlueGreenDeployment", e) {
                    ProviderError::Api { code, .. }
                        if code == "InvalidBlueGreenDeploymentStateFault" =>
                    {
                        Ok(Status::Pending(code))
                    }
                    e => Err(e),
                },
            }
        }
    })
    .await
}

/// Polls the deployment while its phase is `pending`; its state once not, `None` once
/// it is gone.
async fn wait_while(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    id: &str,
    what: &str,
    pending: fn(Phase) -> bool,
) -> Result<Option<BlueGreenDeployment>, ProviderError> {
    until(&format!("{}: {what}", up.what()), up.remaining(), || {
        let now = describe_one(cx, id);
        async move {
            Ok(match now.await? {
                None => Status::Done(None),
                Some(d) => {
                    let status = d.status().unwrap_or_default();
                    if pending(phase(status)) {
                        Status::Pending(status.to_string())
                    } else {
                        Status::Done(Some(d))
                    }
                }
            })
        }
    })
    .await
}

/// Deletes the deployment `id` (with its green cluster when `with_green`: never after a
/// switchover, where the green cluster is the one serving) and waits until it is gone.
async fn delete_deployment(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    id: &str,
    with_green: bool,
) -> Result<(), ProviderError> {
    let deleted = cx
        .clients
        .rds
        .delete_blue_green_deployment()
        .blue_green_deployment_identifier(id)
        .set_delete_target(with_green.then_some(true))
        .send()
        .await
        .map_err(|e| sdk("DeleteBlueGreenDeployment", e));
    let gone = match deleted {
        Ok(_) => false,
        Err(ProviderError::NotFound(_)) => true,
        // Already being deleted (by an earlier apply): wait for it below.
        Err(ProviderError::Api { code, .. }) if code == "InvalidBlueGreenDeploymentStateFault" => {
            false
        }
        Err(e) => return Err(e),
    };
    if !gone {
        wait_while(cx, up, id, "deleting the deployment", |_| true).await?;
    }
    Ok(())
}

/// Deletes the old cluster RDS kept after the switchover (its instances first), as the
/// Terraform provider does: without a final snapshot, deletion protection turned off.
async fn delete_old_cluster(
    cx: &Ctx<'_>,
    up: &Upgrade<'_>,
    dep: &BlueGreenDeployment,
) -> Result<(), ProviderError> {
    let old = dep.source().and_then(cluster_of_arn).unwrap_or_default();
    if old.is_empty() || old == up.id {
        // Never the cluster that now serves.
        return Err(ProviderError::Internal(format!(
            "{}: the switched-over deployment {} names {} as its old cluster, which is not a renamed one; delete the old cluster yourself, then the deployment (aws rds delete-blue-green-deployment --blue-green-deployment-identifier {}), and apply again",
            up.what(),
            Upgrade::label(dep),
            if old.is_empty() { "nothing" } else { old },
            dep.blue_green_deployment_identifier().unwrap_or_default()
        )));
    }
    let Some(cluster) = rds_cluster::describe(cx, old).await? else {
        return Ok(());
    };
    let rds = &cx.clients.rds;
    if cluster.deletion_protection() == Some(true) {
        rds.modify_db_cluster()
            .db_cluster_identifier(old)
            .deletion_protection(false)
            .apply_immediately(true)
            .send()
            .await
            .map_err(|e| sdk("ModifyDBCluster", e))?;
    }
    let members: Vec<String> = cluster
        .db_cluster_members()
        .iter()
        .filter_map(|m| m.db_instance_identifier().map(str::to_string))
        .collect();
    for m in &members {
        let deleted = rds
            .delete_db_instance()
            .db_instance_identifier(m)
            .skip_final_snapshot(true)
            .send()
            .await
            .map_err(|e| sdk("DeleteDBInstance", e));
        found(deleted)?;
    }
    for m in &members {
        crate::wait::until_gone(
            &format!("{}: deleting the old instance {m}", up.what()),
            up.remaining(),
            || rds_instance::status(cx, m),
        )
        .await?;
    }
    let deleted = rds
        .delete_db_cluster()
        .db_cluster_identifier(old)
        .skip_final_snapshot(true)
        .send()
        .await
        .map_err(|e| sdk("DeleteDBCluster", e));
    if found(deleted)?.is_some() {
        crate::wait::until_gone(
            &format!("{}: deleting the old cluster {old}", up.what()),
            up.remaining(),
            || rds_cluster::status(cx, old),
        )
        .await?;
    }
    Ok(())
}

/// A deployment whose green cluster cannot serve (already deleted with it).
fn failed(up: &Upgrade<'_>, dep: &BlueGreenDeployment, status: &str) -> ProviderError {
    let details = dep.status_details().unwrap_or("RDS gave no details");
    let hint = if up.engine == "aurora-postgresql" {
        format!(
            " (for Aurora PostgreSQL, the cluster's current parameter group must set {LOGICAL_REPLICATION_PARAMETER} = 1, then the writer be rebooted)"
        )
    } else {
        String::new()
    };
    ProviderError::Api {
        code: "InvalidBlueGreenDeploymentStateFault".to_string(),
        message: format!(
            "{}: the blue/green deployment {} is {status}: {details}. It and its green cluster were deleted; the cluster still serves at its old version. Fix the cause{hint} and apply again",
            up.what(),
            Upgrade::label(dep)
        ),
    }
}

/// A switchover RDS rolled back.
fn switchover_failed(up: &Upgrade<'_>, dep: &BlueGreenDeployment) -> ProviderError {
    let details = dep.status_details().unwrap_or("RDS gave no details");
    let id = dep.blue_green_deployment_identifier().unwrap_or_default();
    ProviderError::Api {
        code: "SwitchoverFailed".to_string(),
        message: format!(
            "{}: the switchover of blue/green deployment {} failed: {details}. RDS rolled it back: the blue cluster {} is still serving at its old version, and the green cluster {} stays in sync. Run apply again to try the switchover again (a longer blue_green_update.switchover_timeout helps while writes keep replication busy), or give the upgrade up with aws rds delete-blue-green-deployment --blue-green-deployment-identifier {id} --delete-target",
            up.what(),
            Upgrade::label(dep),
            up.id,
            dep.target().and_then(cluster_of_arn).unwrap_or("of the deployment"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(version: &str, bg: Option<serde_json::Value>, group: &str) -> Value {
        let mut j = serde_json::json!({
            "engine": "aurora-postgresql",
            "engine_version": version,
            "allow_major_version_upgrade": true,
            "db_cluster_parameter_group_name": group,
        });
        if let Some(b) = bg {
            j["blue_green_update"] = serde_json::json!([b]);
        }
        Value::from_json(&j)
    }

    #[test]
    fn deployment_names_are_what_rds_takes_and_stay_distinct() {
        assert_eq!(deployment_name("orders", "16.6"), "galley-orders-16-6");
        assert_eq!(
            deployment_name("Orders--DB_", "8.0.mysql_aurora.3.08.0"),
            "galley-orders-db-8-0-mysql-aurora-3-08-0"
        );
        let long = "a".repeat(63);
        let (a, b) = (
            deployment_name(&long, "16.6"),
            deployment_name(&long, "16.8"),
        );
        assert_eq!(a.len(), MAX_NAME);
        assert_ne!(a, b);
        assert_eq!(
            a,
            deployment_name(&long, "16.6"),
            "the name is deterministic"
        );
        for n in [a, b, deployment_name("x-", "-1")] {
            assert!(n.starts_with("galley-"), "{n}");
            assert!(!n.ends_with('-') && !n.contains("--"), "{n}");
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{n}"
            );
        }
    }

    #[test]
    fn statuses_map_to_phases() {
        for (status, p) in [
            ("PROVISIONING", Phase::Provisioning),
            ("AVAILABLE", Phase::Available),
            ("SWITCHOVER_IN_PROGRESS", Phase::SwitchingOver),
            ("SWITCHOVER_COMPLETED", Phase::SwitchedOver),
            ("INVALID_CONFIGURATION", Phase::Failed),
            ("PROVISIONING_FAILED", Phase::Failed),
            ("SWITCHOVER_FAILED", Phase::SwitchoverFailed),
            ("DELETING", Phase::Deleting),
            ("", Phase::Other),
            ("SOMETHING_NEW", Phase::Other),
        ] {
            assert_eq!(phase(status), p, "{status}");
        }
    }

    #[test]
    fn cluster_arns_give_their_identifier() {
        assert_eq!(
            cluster_of_arn("arn:aws:rds:us-east-1:123456789012:cluster:orders-old1"),
            Some("orders-old1")
        );
        assert_eq!(
            cluster_of_arn("arn:aws:rds:us-east-1:123456789012:db:orders-1"),
            None
        );
        assert_eq!(cluster_of_arn("arn:aws:rds:us-east-1:1:cluster:"), None);
        assert!(runs("16.6", "16.6") && runs("16.6.1", "16.6"));
        assert!(!runs("16.60", "16.6") && !runs("15.10", "16.6"));
    }

    #[test]
    fn only_major_versions_with_the_block_enabled_go_blue_green() {
        let on = Some(serde_json::json!({"enabled": true, "switchover_timeout": 600}));
        let off = Some(serde_json::json!({"enabled": false}));
        let g = "orders15";
        let prior = cluster("15.10", None, g);
        let s = wanted(&prior, &cluster("16.6", on.clone(), g)).expect("a deployment");
        assert_eq!(s.switchover_timeout, Some(600.0));
        assert!(wanted(&prior, &cluster("15.12", on.clone(), g)).is_none());
        assert!(wanted(&prior, &cluster("16.6", off, g)).is_none());
        assert!(wanted(&prior, &cluster("16.6", None, g)).is_none());
        assert!(wanted(&prior, &cluster("15.10", on, g)).is_none());
    }

    #[test]
    fn failures_say_what_serves_and_what_to_do() {
        let up = Upgrade {
            id: "orders",
            engine: "aurora-postgresql",
            version: "16.6",
            cluster_parameter_group: None,
            instance_parameter_group: None,
            settings: Settings {
                switchover_timeout: None,
            },
            deadline: Instant::now(),
        };
        let dep = BlueGreenDeployment::builder()
            .blue_green_deployment_identifier("bgd-1")
            .blue_green_deployment_name("galley-orders-16-6")
            .source("arn:aws:rds:us-east-1:1:cluster:orders")
            .target("arn:aws:rds:us-east-1:1:cluster:orders-green-abcdef")
            .status_details("replication lag too high")
            .build();
        let e = switchover_failed(&up, &dep).to_string();
        for part in [
            "replication lag too high",
            "orders is still serving",
            "orders-green-abcdef",
            "Run apply again",
            "--blue-green-deployment-identifier bgd-1 --delete-target",
        ] {
            assert!(e.contains(part), "{part:?} not in {e}");
        }
        let e = failed(&up, &dep, "INVALID_CONFIGURATION").to_string();
        for part in [
            "INVALID_CONFIGURATION: replication lag too high",
            "still serves at its old version",
            "rds.logical_replication = 1",
        ] {
            assert!(e.contains(part), "{part:?} not in {e}");
        }
        let refused = explain_refusal(
            &up,
            ProviderError::Api {
                code: "SourceClusterNotSupportedFault".to_string(),
                message: "CreateBlueGreenDeployment: not supported".to_string(),
            },
        );
        assert!(
            matches!(&refused, ProviderError::Api { code, .. } if code == "SourceClusterNotSupportedFault")
        );
        assert!(
            refused.to_string().contains("rds.logical_replication = 1"),
            "{refused}"
        );
    }

    #[test]
    fn what_rds_refuses_without_a_call_fails_the_plan() {
        let on = |t: f64| Some(serde_json::json!({"enabled": true, "switchover_timeout": t}));
        let custom = cluster("15.10", None, "orders15");
        check("c", Some(&custom), &cluster("16.6", on(300.0), "orders16")).unwrap();
        for bad in [29.0, 3601.0, 60.5] {
            let e = check("c", Some(&custom), &cluster("16.6", on(bad), "orders16")).unwrap_err();
            assert!(e.to_string().contains("switchover_timeout"), "{e}");
        }
        let default = cluster("15.10", None, "default.aurora-postgresql15");
        let e = check("c", Some(&default), &cluster("16.6", on(300.0), "orders16")).unwrap_err();
        assert!(e.to_string().contains("rds.logical_replication = 1"), "{e}");
        // In place (no block, or a minor version), the default group is fine.
        check("c", Some(&default), &cluster("16.6", None, "orders16")).unwrap();
        check(
            "c",
            Some(&default),
            &cluster("15.12", on(300.0), "orders15"),
        )
        .unwrap();
    }
}
