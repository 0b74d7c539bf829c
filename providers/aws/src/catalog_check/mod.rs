//! `galley upgrade catalog`: galley's version catalog cross-checked against what AWS
//! offers now (`DescribeAddonVersions`, `ListKafkaVersions`, `DescribeDBEngineVersions`),
//! with every difference reported, and every service that could not be asked named with
//! the reason (never skipped silently).

pub mod diff;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use engine::catalog;
use serde_json::json;

pub use diff::Difference;

use crate::clients::Clients;
use crate::errors::sdk;
use crate::settings::Settings;

/// What the cross-check found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The region asked.
    pub region: String,
    /// What was compared, one line per service (`eks-addon: 3 add-ons on 1.31, 1.32`).
    pub checked: Vec<String>,
    /// Every difference.
    pub differences: Vec<Difference>,
    /// Services that could not be asked, with the reason.
    pub unchecked: Vec<(String, String)>,
}

impl Report {
    /// The report for a terminal.
    pub fn render(&self) -> String {
        let mut out = format!("Catalog cross-check against AWS in {}\n", self.region);
        for c in &self.checked {
            out.push_str(&format!("  checked    {c}\n"));
        }
        for (service, why) in &self.unchecked {
            out.push_str(&format!("  unchecked  {service}: {why}\n"));
        }
        if self.differences.is_empty() {
            out.push_str("\nNo differences.\n");
        } else {
            out.push_str(&format!("\n{} difference(s):\n", self.differences.len()));
            for d in &self.differences {
                out.push_str(&format!(
                    "  {:<18} {:<32} {}\n",
                    d.service, d.subject, d.detail
                ));
            }
            out.push_str(
                "\nUpdate engine/src/catalog/catalog.json (with its sources) where AWS is right.\n",
            );
        }
        out
    }

    /// `{"region", "checked", "unchecked": [{service, reason}], "differences": [...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "region": self.region,
            "checked": self.checked,
            "unchecked": self.unchecked.iter().map(|(s, r)| json!({"service": s, "reason": r})).collect::<Vec<_>>(),
            "differences": self.differences.iter().map(|d| json!({
                "service": d.service, "subject": d.subject, "detail": d.detail,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Asks AWS (as `settings` and the standard credential chain say) and compares its answers
/// with the catalog as of `today`. Fails only when region or credentials do not resolve.
pub async fn cross_check(settings: &Settings, today: NaiveDate) -> Result<Report, String> {
    let clients = Clients::new(settings).await;
    crate::provider::check_ready(&clients.sdk).await?;
    let mut report = Report {
        region: clients.region().to_string(),
        ..Report::default()
    };
    match addons(&clients, today).await {
        Ok((checked, d)) => {
            report.checked.push(checked);
            report.differences.extend(d);
        }
        Err(e) => report.unchecked.push(("eks-addon".to_string(), e)),
    }
    match kafka(&clients).await {
        Ok(listed) => {
            report
                .checked
                .push(format!("msk: {} versions listed", listed.len()));
            report.differences.extend(diff::kafka(&listed, today));
        }
        Err(e) => report.unchecked.push(("msk".to_string(), e)),
    }
    for engine in catalog::aurora_engines() {
        match aurora(&clients, engine).await {
            Ok(offered) => {
                report
                    .checked
                    .push(format!("{engine}: {} versions listed", offered.len()));
                report
                    .differences
                    .extend(diff::aurora(engine, &offered, today));
            }
            Err(e) => report.unchecked.push((engine.to_string(), e)),
        }
    }
    Ok(report)
}

/// Every catalog add-on on every Kubernetes version EKS offers on `today`.
async fn addons(clients: &Clients, today: NaiveDate) -> Result<(String, Vec<Difference>), String> {
    let kubernetes: Vec<&str> = catalog::eks()
        .creatable_on(today)
        .into_iter()
        .map(|v| v.version.as_str())
        .collect();
    let mut out = Vec::new();
    let names: Vec<&str> = catalog::eks()
        .addons
        .list
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    for addon in &names {
        for k in &kubernetes {
            let mut offered = Vec::new();
            let mut token = None;
            loop {
                let page = clients
                    .eks
                    .describe_addon_versions()
                    .addon_name(*addon)
                    .kubernetes_version(*k)
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(|e| sdk("DescribeAddonVersions", e).to_string())?;
                for info in page.addons() {
                    for v in info.addon_versions() {
                        let fits = v
                            .compatibilities()
                            .iter()
                            .any(|c| c.cluster_version() == Some(*k));
                        if let (true, Some(version)) = (fits, v.addon_version()) {
                            offered.push(version.to_string());
                        }
                    }
                }
                token = page.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
            out.extend(diff::addon(addon, k, &offered));
        }
    }
    let checked = format!(
        "eks-addon: {} on Kubernetes {}",
        names.join(", "),
        kubernetes.join(", ")
    );
    Ok((checked, out))
}

/// `ListKafkaVersions` as `(version, status)`.
async fn kafka(clients: &Clients) -> Result<Vec<(String, String)>, String> {
    let mut listed = Vec::new();
    let mut token = None;
    loop {
        let page = clients
            .kafka
            .list_kafka_versions()
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| sdk("ListKafkaVersions", e).to_string())?;
        for v in page.kafka_versions() {
            if let Some(version) = v.version() {
                let status = v.status().map_or("", |s| s.as_str());
                listed.push((version.to_string(), status.to_string()));
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return Ok(listed);
        }
    }
}

/// `DescribeDBEngineVersions` of `engine`: version → its valid upgrade targets.
async fn aurora(clients: &Clients, engine: &str) -> Result<BTreeMap<String, Vec<String>>, String> {
    let mut offered = BTreeMap::new();
    let mut marker = None;
    loop {
        let page = clients
            .rds
            .describe_db_engine_versions()
            .engine(engine)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| sdk("DescribeDBEngineVersions", e).to_string())?;
        for v in page.db_engine_versions() {
            if let Some(version) = v.engine_version() {
                let targets = v
                    .valid_upgrade_target()
                    .iter()
                    .filter_map(|t| t.engine_version().map(str::to_string))
                    .collect();
                offered.insert(version.to_string(), targets);
            }
        }
        marker = page.marker().map(str::to_string);
        if marker.is_none() {
            return Ok(offered);
        }
    }
}
