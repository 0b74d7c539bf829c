//! End to end: `examples/accounts`, the four-region accounts service (EKS, Aurora, MSK,
//! ElastiCache, weighted DNS). It validates and is formatted; it applies on the simulator
//! as of the day the fleet was built, with every region's record served by ready pods;
//! `upgrade check` shows the fleet's versions on 2026-11-23; `upgrade plan` plans two
//! regions in place and eu-west-1 blue/green.

mod common;
use common::{galley, run_dated, text};

use std::path::{Path, PathBuf};
use std::process::Output;

/// The day versions are judged on: the fleet as it stands when upgrades are planned.
const AS_OF: &str = "2026-11-23";

/// The versions of the upgrade pull request: us-east-1 and ap-southeast-1 in place
/// (ap-southeast-1 through 1.32), eu-west-1 blue/green straight to 1.35.
const UPGRADE: &str =
    r#"eks_version={us-east-1="1.35", us-west-2="1.33", eu-west-1="1.35", ap-southeast-1="1.33"}"#;

/// A copy of the example in a temporary directory.
fn accounts() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("accounts");
    common::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/accounts"),
        &dir,
    );
    (tmp, dir)
}

/// Runs `galley ARGS` in `dir` with the simulator's clock on `day`.
fn on(day: &str, dir: &Path, args: &[&str]) -> Output {
    galley(dir)
        .args(args)
        .env("GALLEY_TODAY", day)
        .output()
        .expect("galley runs")
}

/// The example applied as of [`common::TODAY`] (2026-02-01), when every version it
/// names could still be created.
fn applied() -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = accounts();
    let o = run_dated(&dir, &["--sim", "apply", "-auto-approve"]);
    assert!(o.status.success(), "{}", text(&o));
    (tmp, dir)
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(o));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

#[test]
fn the_example_validates_and_is_formatted() {
    let (_tmp, dir) = accounts();
    let o = galley(&dir).args(["--sim", "validate"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    // `galley_sim_traffic` is the simulator's own: against the real provider the
    // error says so and how to get it.
    let o = galley(&dir).arg("validate").output().unwrap();
    let out = text(&o);
    assert!(!o.status.success(), "{out}");
    assert!(
        out.contains("does not support data source \"galley_sim_traffic\"")
            && out.contains("run with --sim."),
        "{out}"
    );
    let o = galley(&dir)
        .args(["fmt", "-check", "-recursive"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn apply_builds_four_regions_and_every_record_is_served_by_ready_pods() {
    let (_tmp, dir) = accounts();
    let o = run_dated(&dir, &["--sim", "apply", "-auto-approve"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("Apply complete! Resources: 121 added, 0 changed, 0 destroyed."),
        "{out}"
    );

    let o = galley(&dir).args(["state", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&o.stdout).to_string();
    let count = |pattern: &str| listed.lines().filter(|l| l.contains(pattern)).count();
    // Per region: a VPC, 3 node and 3 data subnets, a security group, Aurora (parameter
    // group, cluster, 2 instances), MSK (configuration, cluster) and ElastiCache.
    for region in ["us_east_1", "us_west_2", "eu_west_1", "ap_southeast_1"] {
        assert_eq!(
            count(&format!("module.{region}.")),
            15,
            "{region}: {listed}"
        );
    }
    // Per cluster: the cluster, a node group, 3 add-ons, 6 manifests, the load balancer,
    // its target group and listener.
    for cluster in [
        "module.us_east_1_eks.",
        "module.us_west_2_eks.",
        "module.ap_southeast_1_eks.",
    ] {
        assert_eq!(count(cluster), 14, "{cluster}: {listed}");
    }
    let root = listed
        .lines()
        .filter(|l| !l.starts_with("module.") && !l.starts_with("data."))
        .count();
    // eu-west-1's 14, the zone, and the four records.
    assert_eq!(root, 19, "{listed}");
    assert_eq!(count("aws_eks_cluster."), 4, "{listed}");
    assert_eq!(count("aws_rds_cluster_instance."), 8, "{listed}");

    // Route 53 is global: the records live in us-east-1, the load balancers in their
    // regions, and every region's pods are ready behind its record.
    let o = galley(&dir)
        .args(["output", "-json", "traffic"])
        .output()
        .unwrap();
    let traffic = json(&o);
    assert_eq!(traffic["error_rate"], 0.0, "{traffic}");
    for region in ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"] {
        let r = &traffic["records"][region];
        assert_eq!(r["ready"], true, "{region}: {traffic}");
        assert_eq!(r["share"], 0.25, "{region}: {traffic}");
    }

    // Nothing drifts.
    let o = run_dated(&dir, &["--sim", "plan", "-detailed-exitcode"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn upgrade_check_shows_the_fleet_on_the_day() {
    let (_tmp, dir) = accounts();
    let o = galley(&dir)
        .args(["upgrade", "check", "--json", "--as-of", AS_OF])
        .output()
        .unwrap();
    let j = json(&o);
    assert_eq!(j["as_of"], AS_OF);
    let items = j["items"].as_array().unwrap();
    let status = |address: &str| -> (String, String) {
        let i = items
            .iter()
            .find(|i| i["address"] == address)
            .unwrap_or_else(|| panic!("no {address} in {j}"));
        (
            i["version"].as_str().unwrap_or("-").to_string(),
            i["status"].as_str().unwrap().to_string(),
        )
    };
    let want = [
        // us-east-1: EKS standard support ends in 9 days.
        (
            "module.us_east_1_eks.aws_eks_cluster.this",
            "1.34",
            "upgrade_soon",
        ),
        (
            "module.us_east_1_eks.aws_eks_node_group.general",
            "1.34",
            "upgrade_soon",
        ),
        (
            "module.us_east_1_eks.aws_eks_addon.this[\"coredns\"]",
            "v1.13.2-eksbuild.11",
            "upgrade_soon",
        ),
        ("module.us_east_1.aws_rds_cluster.accounts", "16.8", "ok"),
        ("module.us_east_1.aws_msk_cluster.ledger", "3.8.x", "ok"),
        (
            "module.us_east_1.aws_elasticache_replication_group.sessions",
            "valkey 8.0",
            "ok",
        ),
        // us-west-2: EKS in extended support.
        (
            "module.us_west_2_eks.aws_eks_cluster.this",
            "1.33",
            "extended_support",
        ),
        ("module.us_west_2.aws_rds_cluster.accounts", "15.10", "ok"),
        ("module.us_west_2.aws_msk_cluster.ledger", "3.7.x", "ok"),
        // eu-west-1 (the root module's cluster): Aurora 14 ends standard support in 97
        // days, Kafka 3.6.0 is past its end of support.
        ("aws_eks_cluster.eu_west_1", "1.32", "extended_support"),
        ("aws_eks_node_group.eu_west_1", "1.32", "extended_support"),
        (
            "aws_eks_addon.eu_west_1[\"kube-proxy\"]",
            "v1.32.9-eksbuild.2",
            "extended_support",
        ),
        (
            "module.eu_west_1.aws_rds_cluster.accounts",
            "14.15",
            "upgrade_soon",
        ),
        (
            "module.eu_west_1.aws_msk_cluster.ledger",
            "3.6.0",
            "unsupported",
        ),
        (
            "module.eu_west_1.aws_elasticache_replication_group.sessions",
            "redis 7.1",
            "ok",
        ),
        // ap-southeast-1: extended support ends in 3 days; Aurora 13 in extended support.
        (
            "module.ap_southeast_1_eks.aws_eks_cluster.this",
            "1.31",
            "extended_support",
        ),
        (
            "module.ap_southeast_1.aws_rds_cluster.accounts",
            "13.18",
            "extended_support",
        ),
        (
            "module.ap_southeast_1.aws_msk_cluster.ledger",
            "3.6.0",
            "unsupported",
        ),
        (
            "module.ap_southeast_1.aws_elasticache_replication_group.sessions",
            "redis 6.2",
            "ok",
        ),
    ];
    for (address, version, st) in want {
        assert_eq!(
            status(address),
            (version.to_string(), st.to_string()),
            "{address}"
        );
    }
    let days = |address: &str| {
        items.iter().find(|i| i["address"] == address).unwrap()["days_left"].clone()
    };
    assert_eq!(days("module.ap_southeast_1_eks.aws_eks_cluster.this"), 3);
    assert_eq!(days("module.us_east_1_eks.aws_eks_cluster.this"), 9);

    // Every versioned resource of the four regions, and the mix of statuses.
    assert_eq!(items.len(), 32, "{j}");
    let tally = |st: &str| items.iter().filter(|i| i["status"] == st).count();
    assert_eq!(
        [
            tally("ok"),
            tally("upgrade_soon"),
            tally("extended_support"),
            tally("unsupported"),
            tally("unknown")
        ],
        [8, 6, 16, 2, 0],
        "{j}"
    );

    // A pipeline that fails on unsupported versions names the two Kafka clusters.
    let o = galley(&dir)
        .args([
            "upgrade",
            "check",
            "--as-of",
            AS_OF,
            "--fail-on",
            "unsupported",
        ])
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("module.eu_west_1.aws_msk_cluster.ledger"),
        "{out}"
    );
    assert!(
        out.contains("module.ap_southeast_1.aws_msk_cluster.ledger"),
        "{out}"
    );
}

/// (action, address, target) of an upgrade's steps.
fn steps(up: &serde_json::Value) -> Vec<(String, String, String)> {
    up["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap().to_string(),
                s["address"].as_str().unwrap().to_string(),
                s["target"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn check_status<'a>(up: &'a serde_json::Value, name: &str) -> &'a str {
    up["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {up}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn upgrade_plan_upgrades_two_regions_in_place_and_eu_west_1_blue_green() {
    let (_tmp, dir) = applied();
    let o = on(
        AS_OF,
        &dir,
        &["--sim", "upgrade", "plan", "--json", "-var", UPGRADE],
    );
    let j = json(&o);
    let ups = j["upgrades"].as_array().unwrap();
    let up = |address: &str| {
        ups.iter()
            .find(|u| u["address"] == address)
            .unwrap_or_else(|| panic!("no upgrade of {address} in {j}"))
    };
    assert_eq!(ups.len(), 3, "us-west-2 stays: {j}");

    // us-east-1 in place: control plane, the add-ons 1.35 needs, then the nodes.
    let use1 = up("module.us_east_1_eks.aws_eks_cluster.this");
    assert_eq!(use1["strategy"], "in_place");
    let m = "module.us_east_1_eks";
    let want: Vec<(String, String, String)> = [
        ("control_plane", format!("{m}.aws_eks_cluster.this"), "1.35"),
        (
            "addon",
            format!("{m}.aws_eks_addon.this[\"coredns\"]"),
            "v1.14.3-eksbuild.3",
        ),
        (
            "addon",
            format!("{m}.aws_eks_addon.this[\"kube-proxy\"]"),
            "v1.35.3-eksbuild.13",
        ),
        (
            "node_group",
            format!("{m}.aws_eks_node_group.general"),
            "1.35",
        ),
    ]
    .into_iter()
    .map(|(a, b, c)| (a.to_string(), b, c.to_string()))
    .collect();
    assert_eq!(steps(use1), want);

    // ap-southeast-1 in place through 1.32: one control plane, add-on and node rollout
    // per minor version.
    let apse1 = up("module.ap_southeast_1_eks.aws_eks_cluster.this");
    let actions: Vec<String> = steps(apse1)
        .into_iter()
        .map(|s| format!("{} {}", s.0, s.2))
        .collect();
    assert_eq!(
        actions,
        [
            "control_plane 1.32",
            "addon v1.32.9-eksbuild.2",
            "node_group 1.32",
            "control_plane 1.33",
            "addon v1.12.4-eksbuild.1",
            "addon v1.33.5-eksbuild.2",
            "node_group 1.33"
        ]
    );
    assert_eq!(check_status(apse1, "end_of_support"), "warn");

    // eu-west-1 blue/green, 1.32 to 1.35 in one step beside the live cluster.
    let euw1 = up("aws_eks_cluster.eu_west_1");
    assert_eq!(euw1["strategy"], "blue_green");
    assert_eq!(
        (euw1["from"].as_str(), euw1["to"].as_str()),
        (Some("1.32"), Some("1.35"))
    );
    let actions: Vec<String> = steps(euw1).into_iter().map(|s| s.0).collect();
    assert_eq!(
        actions,
        [
            "create_green",
            "deploy_workloads",
            "shift_traffic",
            "bake",
            "shift_traffic",
            "bake",
            "shift_traffic",
            "bake",
            "decommission_blue",
            "rollback_traffic"
        ]
    );
    assert_eq!(steps(euw1)[0].1, "aws_eks_cluster.eu_west_1-green");
    assert_eq!(euw1["steps"][9]["when"], "health_gate_fails");
    let shifts: Vec<String> = steps(euw1)
        .into_iter()
        .filter(|s| s.0 == "shift_traffic")
        .map(|s| s.2)
        .collect();
    assert_eq!(shifts, ["10", "50", "100"]);
    // Both clusters fit in eu-west-1's /20s at once.
    assert_eq!(check_status(euw1, "subnet_ip_capacity"), "pass");
    for u in ups {
        for c in u["checks"].as_array().unwrap() {
            assert_ne!(c["status"], "fail", "{}: {c}", u["address"]);
        }
    }

    // The full plan creates the green side beside the live one: a copy of the cluster,
    // its workloads and load balancer, and a record at weight 0.
    let o = on(AS_OF, &dir, &["--sim", "plan", "--json", "-var", UPGRADE]);
    let j = json(&o);
    let created: Vec<&str> = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "create")
        .filter_map(|c| c["address"].as_str())
        .collect();
    for want in [
        "aws_eks_cluster.eu_west_1-green",
        "aws_eks_node_group.eu_west_1-green",
        "aws_eks_addon.eu_west_1-green[\"coredns\"]",
        "kubernetes_manifest.eu_west_1_api_binding-green",
        "aws_lb.eu_west_1-green",
        "aws_route53_record.eu_west_1-green",
    ] {
        assert!(created.contains(&want), "{want} in {created:?}");
    }
    let green_record = j["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "aws_route53_record.eu_west_1-green")
        .unwrap();
    assert_eq!(green_record["after"]["set_identifier"], "eu-west-1-green");
    assert_eq!(
        green_record["after"]["weighted_routing_policy"][0]["weight"],
        0.0
    );

    // The human output names each strategy.
    let o = on(AS_OF, &dir, &["--sim", "upgrade", "plan", "-var", UPGRADE]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("# eks upgrade aws_eks_cluster.eu_west_1 1.32 -> 1.35 (blue/green)"),
        "{out}"
    );
    assert!(
        out.contains(
            "# eks upgrade module.us_east_1_eks.aws_eks_cluster.this 1.34 -> 1.35 (in place)"
        ),
        "{out}"
    );
}

#[test]
fn the_upgrade_applies_in_place_and_blue_green_with_traffic_always_on_ready_pods() {
    let (_tmp, dir) = applied();
    let upgrade = ["--sim", "apply", "-auto-approve", "-var", UPGRADE];
    let o = run_dated(&dir, &upgrade);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    // The gate (no client errors, every record taking traffic has ready pods) held
    // before the first shift and after every bake; only then did blue go.
    let gate: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("blue_green.eu_west_1: health gate"))
        .collect();
    assert_eq!(
        gate,
        [
            "blue_green.eu_west_1: health gate passed before shifting traffic",
            "blue_green.eu_west_1: health gate passed at 10%",
            "blue_green.eu_west_1: health gate passed at 50%",
            "blue_green.eu_west_1: health gate passed at 100%",
        ],
        "{out}"
    );
    assert!(
        out.contains("blue_green.eu_west_1: the green side is live"),
        "{out}"
    );

    // eu-west-1's cluster is the green one at 1.35 under the address written; the other
    // regions were upgraded in place.
    let version = |address: &str| {
        let o = galley(&dir)
            .args(["state", "show", address])
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&o.stdout).to_string();
        (
            common::shown_attribute(&shown, "name"),
            common::shown_attribute(&shown, "version"),
        )
    };
    assert_eq!(
        version("aws_eks_cluster.eu_west_1"),
        ("accounts-euw1-green".into(), "1.35".into())
    );
    assert_eq!(
        version("module.us_east_1_eks.aws_eks_cluster.this").1,
        "1.35"
    );
    assert_eq!(
        version("module.ap_southeast_1_eks.aws_eks_cluster.this").1,
        "1.33"
    );
    let o = galley(&dir).args(["state", "list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(!listed.contains("-green"), "{listed}");
    assert_eq!(
        listed
            .lines()
            .filter(|l| l.contains("aws_eks_cluster."))
            .count(),
        4,
        "{listed}"
    );
    // One cluster in eu-west-1's simulated cloud: the old one is gone.
    let world: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join(".galley/sim/aws--eu-west-1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        world["objects"]["aws_eks_cluster"]
            .as_object()
            .unwrap()
            .len(),
        1
    );

    let o = galley(&dir)
        .args(["output", "-json", "traffic"])
        .output()
        .unwrap();
    let traffic = json(&o);
    assert_eq!(traffic["error_rate"], 0.0, "{traffic}");
    for record in [
        "us-east-1",
        "us-west-2",
        "eu-west-1-green",
        "ap-southeast-1",
    ] {
        let r = &traffic["records"][record];
        assert_eq!(r["ready"], true, "{record}: {traffic}");
        assert_eq!(r["share"], 0.25, "{record}: {traffic}");
    }
    let o = run_dated(
        &dir,
        &["--sim", "plan", "-detailed-exitcode", "-var", UPGRADE],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}
