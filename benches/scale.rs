//! Scale benchmark: N `terraform_data` resources in 100 stacks of chained references,
//! each referring to the previous one's id (as real configurations chain ids and ARNs), planned
//! and applied on the simulator with zero latency. Prints wall times and peak RSS.
//!
//! Run: `cargo bench --bench scale` (N defaults to 10000; set GALLEY_BENCH_N to change).
//! With `GALLEY_BENCH_GENERATE=DIR` it only writes the configuration into DIR.

use std::sync::Arc;
use std::time::Instant;

use engine::diag::SourceMap;
use engine::state::{LocalBackend, State};
use engine::walk::{JournalSink, Options, Walk, WalkMode};

/// Writes one stack module per directory: a chain of resources referencing the previous
/// one, a `count` group and a `for_each` group over a local set, and `merge()` in locals.
fn generate(dir: &std::path::Path, n: usize) {
    let stacks = 100;
    let per = n / stacks;
    let mut root = String::new();
    for s in 0..stacks {
        let sd = dir.join(format!("stack{s}"));
        std::fs::create_dir_all(&sd).expect("mkdir");
        let chain = per / 2;
        let counted = per / 4;
        let each = per - chain - counted;
        let mut m =
            String::from("variable \"upstream\" {\n  type    = string\n  default = \"\"\n}\n\n");
        m.push_str(&format!(
            "locals {{\n  base = merge({{ stack = \"{s}\" }}, {{ up = var.upstream }})\n  keys = toset([for i in range({each}) : \"k${{i}}\"])\n}}\n\n"
        ));
        m.push_str("resource \"terraform_data\" \"c0\" {\n  input = local.base\n}\n\n");
        for i in 1..chain {
            m.push_str(&format!(
                "resource \"terraform_data\" \"c{i}\" {{\n  input = {{ parent = terraform_data.c{}.id, n = {i} }}\n}}\n\n",
                i - 1
            ));
        }
        m.push_str(&format!(
            "resource \"terraform_data\" \"counted\" {{\n  count = {counted}\n  input = \"${{terraform_data.c0.id}}-${{count.index}}\"\n}}\n\n"
        ));
        m.push_str(
            "resource \"terraform_data\" \"each\" {\n  for_each = local.keys\n  input    = \"${each.key}-${terraform_data.c0.id}\"\n}\n\n",
        );
        m.push_str(&format!(
            "output \"last\" {{\n  value = terraform_data.c{}.id\n}}\n",
            chain - 1
        ));
        std::fs::write(sd.join("main.tf"), m).expect("write");
        let upstream = if s == 0 {
            "\"\"".to_string()
        } else {
            format!("module.stack{}.last", s - 1)
        };
        root.push_str(&format!(
            "module \"stack{s}\" {{\n  source   = \"./stack{s}\"\n  upstream = {upstream}\n}}\n\n"
        ));
    }
    std::fs::write(dir.join("main.tf"), root).expect("write");
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The allocator the `galley` binary uses, so the figures are the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let n: usize = std::env::var("GALLEY_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // `benches/compare.py` runs galley and Terraform on this same configuration.
    if let Ok(out) = std::env::var("GALLEY_BENCH_GENERATE") {
        let out = std::path::Path::new(&out);
        std::fs::create_dir_all(out).expect("create the output directory");
        generate(out, n);
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    generate(dir.path(), n);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("rt");
    let factory: Arc<dyn engine::provider::ProviderFactory> = Arc::new(sim::SimFactory::new(
        dir.path().join(".galley/sim"),
        sim::SimOptions::default(),
    ));

    let t = Instant::now();
    let sources = SourceMap::new();
    let (config, diags) = engine::config::load_config(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    let config = Arc::new(config);
    let load = t.elapsed();

    let t = Instant::now();
    let walk = Walk::new(
        config.clone(),
        vec![factory.clone()],
        Default::default(),
        State::new(),
        Options::default(),
        WalkMode::Plan,
    )
    .expect("walk");
    let plan = rt.block_on(walk.plan()).expect("plan");
    let plan_time = t.elapsed();
    assert_eq!(plan.summary().add, n, "plan creates every resource");

    let backend = LocalBackend::new(dir.path().join("galley.tfstate"));
    let t = Instant::now();
    let walk = Walk::new(
        config.clone(),
        vec![factory.clone()],
        Default::default(),
        State::new(),
        Options::default(),
        WalkMode::Apply,
    )
    .expect("walk");
    let sink = JournalSink::new(backend);
    let (state, diags) = rt.block_on(walk.apply(plan, sink));
    let apply_time = t.elapsed();
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    assert_eq!(state.instance_count(), n, "state holds every instance");

    let t = Instant::now();
    let walk = Walk::new(
        config,
        vec![factory],
        Default::default(),
        state,
        Options::default(),
        WalkMode::Plan,
    )
    .expect("walk");
    let again = rt.block_on(walk.plan()).expect("plan");
    let noop_time = t.elapsed();
    assert!(!again.has_changes(), "second plan is empty");

    println!("resources          {n}");
    println!("load config        {:>8.3} s", load.as_secs_f64());
    println!("plan (empty state) {:>8.3} s", plan_time.as_secs_f64());
    println!("apply (sim, 0 lat) {:>8.3} s", apply_time.as_secs_f64());
    println!("no-change plan     {:>8.3} s", noop_time.as_secs_f64());
    println!("peak RSS           {:>8.1} MB", peak_rss_mb());
}
