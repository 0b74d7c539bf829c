//! A run sees the state its plan refreshed: an object the plan leaves alone shows what the
//! provider reads now (a server group's `members`, filled by instances created after it),
//! in `apply` runs as in `plan` runs, as `galley apply` does.

use std::path::Path;
use std::sync::Arc;

use engine::diag::SourceMap;
use engine::provider::ProviderFactory;
use kitchen::runner::run_with_setup;
use kitchen::{Interrupt, Outcome, Reporter, RunReport, Settings};

struct Quiet;

impl Reporter for Quiet {
    fn file_started(&self, _: &Path) {}
    fn run_finished(&self, _: &RunReport) {}
    fn teardown_started(&self, _: &Path) {}
    fn note(&self, _: &str) {}
}

const CONFIG: &str = r#"
provider "openstack" {}

resource "openstack_networking_network_v2" "net" {
  name = "net"
}

resource "openstack_networking_subnet_v2" "sub" {
  network_id = openstack_networking_network_v2.net.id
  cidr       = "10.0.0.0/24"
}

resource "openstack_compute_servergroup_v2" "g" {
  name     = "g"
  policies = ["anti-affinity"]
}

resource "openstack_compute_instance_v2" "vm" {
  name        = "vm"
  image_name  = "ubuntu-24.04"
  flavor_name = "m1.small"
  network {
    uuid = openstack_networking_subnet_v2.sub.network_id
  }
  scheduler_hints {
    group = openstack_compute_servergroup_v2.g.id
  }
}
"#;

const TEST: &str = r#"
run "create" {}

run "apply_again" {
  assert {
    condition     = length(openstack_compute_servergroup_v2.g.members) == 1 && openstack_compute_servergroup_v2.g.members[0] == openstack_compute_instance_v2.vm.id
    error_message = "apply run: members as refreshed"
  }
}

run "plan_again" {
  command = plan
  assert {
    condition     = length(openstack_compute_servergroup_v2.g.members) == 1 && openstack_compute_servergroup_v2.g.members[0] == openstack_compute_instance_v2.vm.id
    error_message = "plan run: members as refreshed"
  }
}
"#;

#[tokio::test]
async fn runs_see_the_refreshed_state() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("stack")).unwrap();
    std::fs::write(root.join("stack/main.tf"), CONFIG).unwrap();
    std::fs::write(root.join("stack/t.kitchen.hcl"), TEST).unwrap();
    let sim = Arc::new(sim::SimFactory::new(
        root.join("sim"),
        sim::SimOptions::default(),
    ));
    let settings = Settings {
        dir: root.join("stack"),
        factories: vec![sim.clone() as Arc<dyn ProviderFactory>],
        sim: Some(sim.clone()),
        real: false,
        keep_on_failure: false,
        interrupt: Interrupt::new(),
    };
    let report = run_with_setup(&settings, None, &SourceMap::new(), &Quiet).await;
    let runs = &report.files[0].runs;
    for run in runs {
        assert_eq!(run.outcome, Outcome::Pass, "{run:?}");
    }
    assert_eq!(runs.len(), 3);
    assert!(report.success(), "{report:?}");
    assert_eq!(sim.inventory().unwrap(), Vec::new());
}
