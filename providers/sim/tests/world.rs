//! Worlds: one per provider and region, persisted, with latency, a virtual clock and faults.

mod common;
use std::time::{Duration, Instant};

use common::*;
use engine::provider::{ApplyRequest, ProviderConfig, ProviderError, ProviderFactory};
use engine::value::Value;
use sim::{Fault, FaultKind, FaultTarget, SimFactory, SimOptions};

#[tokio::test]
async fn worlds_per_region_are_separate() {
    let sim = sim();
    let west = provider(&sim.factory, "aws", Some("eu-west-1"));
    let east = provider(&sim.factory, "aws", Some("us-east-1"));
    let v = vpc(&west, "10.0.0.0/16").await;
    assert!(west.read("aws_vpc", &v).await.unwrap().is_some());
    assert_eq!(east.read("aws_vpc", &v).await.unwrap(), None);
    // A subnet in one region cannot use a VPC of another.
    assert_eq!(
        code(subnet(&east, &v, "10.0.1.0/24").await),
        "InvalidVpcID.NotFound"
    );
    let azs = east
        .read_data("aws_availability_zones", &obj(&[]))
        .await
        .unwrap();
    assert_eq!(attr(&azs, "names").as_seq().map(<[Value]>::len), Some(6));
}

#[tokio::test]
async fn aliases_in_the_same_region_share_a_world() {
    let sim = sim();
    let default = provider(&sim.factory, "aws", Some("eu-west-1"));
    let alias = sim
        .factory
        .configure(&ProviderConfig {
            name: "aws".into(),
            alias: Some("west".into()),
            config: obj(&[("region", s("eu-west-1"))]),
        })
        .unwrap();
    let v = vpc(&default, "10.0.0.0/16").await;
    assert!(alias.read("aws_vpc", &v).await.unwrap().is_some());
}

#[tokio::test]
async fn provider_without_region_uses_the_default_region() {
    let sim = sim();
    let p = provider(&sim.factory, "aws", None);
    let region = p.read_data("aws_region", &obj(&[])).await.unwrap();
    assert_eq!(str_of(&region, "name"), "us-east-1");
}

#[test]
fn a_malformed_region_is_refused() {
    let sim = sim();
    let r = sim.factory.configure(&ProviderConfig {
        name: "aws".into(),
        alias: None,
        config: obj(&[("region", s("Mars"))]),
    });
    assert!(matches!(r, Err(ProviderError::Api { code, .. }) if code == "InvalidRegion"));
}

#[tokio::test]
async fn world_persists_across_factory_instances() {
    let dir = tempfile::tempdir().unwrap();
    let v = {
        let f = SimFactory::new(dir.path().to_path_buf(), SimOptions::default());
        let p = aws(&f);
        let v = vpc(&p, "10.0.0.0/16").await;
        subnet(&p, &v, "10.0.1.0/24").await.unwrap();
        f.flush().unwrap();
        v
    };
    assert!(dir.path().join("aws--eu-west-1.json").is_file());
    let f = SimFactory::new(dir.path().to_path_buf(), SimOptions::default());
    assert_eq!(
        f.object_count().unwrap(),
        2,
        "counted before any provider opened the world"
    );
    let p = aws(&f);
    let read = p.read("aws_vpc", &v).await.unwrap().unwrap();
    assert_eq!(read, v);
    // New ids continue the old world's counter.
    let v2 = vpc(&p, "10.1.0.0/16").await;
    assert_ne!(attr(&v2, "id"), attr(&v, "id"));
}

#[tokio::test]
async fn dropping_the_factory_writes_pending_changes() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimOptions {
        flush_interval: Duration::from_secs(3600),
        ..SimOptions::default()
    };
    {
        let f = SimFactory::new(dir.path().to_path_buf(), options.clone());
        let p = provider(&f, "terraform", None);
        for i in 0..3 {
            create(
                &p,
                "terraform_data",
                obj(&[("input", Value::Number(i as f64))]),
            )
            .await
            .unwrap();
        }
    }
    let f = SimFactory::new(dir.path().to_path_buf(), options);
    assert_eq!(f.object_count().unwrap(), 3);
}

#[tokio::test]
async fn a_killed_process_loses_no_mutation_thanks_to_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimOptions {
        flush_interval: Duration::from_secs(3600),
        ..SimOptions::default()
    };
    let f = SimFactory::new(dir.path().to_path_buf(), options.clone());
    let p = provider(&f, "aws", Some("eu-west-1"));
    let kept = vpc(&p, "10.0.0.0/16").await;
    let gone = vpc(&p, "10.1.0.0/16").await;
    p.apply(ApplyRequest {
        type_name: "aws_vpc".into(),
        address: "aws_vpc.test".into(),
        prior: Some(gone),
        planned: None,
        token: None,
    })
    .await
    .unwrap();
    // A kill: no drop, no flush; only what the journal holds survives.
    std::mem::forget(p);
    std::mem::forget(f);
    assert!(dir.path().join("aws--eu-west-1.json.journal").exists());
    assert!(!dir.path().join("aws--eu-west-1.json").exists());

    let f = SimFactory::new(dir.path().to_path_buf(), options);
    assert_eq!(f.object_count().unwrap(), 1, "found from the journal alone");
    let p = provider(&f, "aws", Some("eu-west-1"));
    assert_eq!(p.read("aws_vpc", &kept).await.unwrap(), Some(kept.clone()));
    let next = vpc(&p, "10.2.0.0/16").await;
    assert_ne!(attr(&next, "id"), attr(&kept, "id"), "ids never repeat");
    f.flush().unwrap();
    assert!(
        !dir.path().join("aws--eu-west-1.json.journal").exists(),
        "a full write empties the journal"
    );
    assert_eq!(f.object_count().unwrap(), 2);
}

#[test]
fn a_corrupt_world_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("aws--eu-west-1.json"), "{not json").unwrap();
    let f = SimFactory::new(dir.path().to_path_buf(), SimOptions::default());
    let r = f.configure(&ProviderConfig {
        name: "aws".into(),
        alias: None,
        config: obj(&[("region", s("eu-west-1"))]),
    });
    match r {
        Err(ProviderError::Internal(m)) => assert!(m.contains("corrupt"), "{m}"),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a corrupt world must not load"),
    }
}

#[tokio::test]
async fn latency_is_slept_on_each_apply() {
    let sim = sim_with(SimOptions {
        latency: Duration::from_millis(40),
        ..SimOptions::default()
    });
    let p = provider(&sim.factory, "terraform", None);
    let start = Instant::now();
    create(&p, "terraform_data", obj(&[])).await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(40));
}

#[tokio::test]
async fn virtual_clock_adds_simulated_durations_without_sleeping() {
    let sim = sim();
    let p = aws(&sim.factory);
    let start = Instant::now();
    let v = vpc(&p, "10.0.0.0/16").await; // 2 s
    let sn = subnet(&p, &v, "10.0.1.0/24").await.unwrap(); // 1 s
    instance(&p, &sn).await.unwrap(); // 30 s
    assert_eq!(sim.factory.virtual_elapsed(), Duration::from_secs(33));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "nothing was slept"
    );
}

#[tokio::test]
async fn injected_throttle_fails_the_next_apply_then_clears() {
    let sim = sim();
    let p = aws(&sim.factory);
    sim.factory.inject(Fault::new(
        FaultKind::Throttle,
        FaultTarget::Type("aws_vpc".into()),
        1,
    ));
    let cfg = obj(&[("cidr_block", s("10.0.0.0/16"))]);
    let r = create(&p, "aws_vpc", cfg.clone()).await;
    assert!(matches!(r, Err(ProviderError::Throttled(_))), "{r:?}");
    assert_eq!(
        sim.factory.object_count().unwrap(),
        0,
        "a throttled call changes nothing"
    );
    create(&p, "aws_vpc", cfg).await.unwrap();
}

#[tokio::test]
async fn faults_armed_in_options_apply_from_the_start() {
    let sim = sim_with(SimOptions {
        faults: Fault::parse_list("timeout:*:1").unwrap(),
        ..SimOptions::default()
    });
    let p = provider(&sim.factory, "terraform", None);
    let r = p
        .apply(ApplyRequest {
            type_name: "terraform_data".into(),
            address: "terraform_data.test".into(),
            prior: None,
            planned: Some(obj(&[])),
            token: None,
        })
        .await;
    assert!(matches!(r, Err(ProviderError::Timeout(_))), "{r:?}");
}

#[tokio::test]
async fn inventory_lists_every_world() {
    let sim = sim();
    vpc(
        &provider(&sim.factory, "aws", Some("eu-west-1")),
        "10.0.0.0/16",
    )
    .await;
    vpc(
        &provider(&sim.factory, "aws", Some("us-west-2")),
        "10.0.0.0/16",
    )
    .await;
    create(
        &provider(&sim.factory, "terraform", None),
        "terraform_data",
        obj(&[]),
    )
    .await
    .unwrap();
    let inv = sim.factory.inventory().unwrap();
    let regions: Vec<_> = inv
        .iter()
        .map(|o| (o.provider.as_str(), o.region.as_str()))
        .collect();
    assert_eq!(
        regions,
        [
            ("aws", "eu-west-1"),
            ("aws", "us-west-2"),
            ("terraform", "global")
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_parallel_creates_stay_fast_and_are_all_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let f = SimFactory::new(dir.path().to_path_buf(), SimOptions::default());
    let p = provider(&f, "terraform", None);
    let start = Instant::now();
    let n = 10_000;
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let p = p.clone();
            tokio::spawn(async move {
                p.apply(ApplyRequest {
                    type_name: "terraform_data".into(),
                    address: "terraform_data.test".into(),
                    prior: None,
                    planned: Some(obj(&[("input", Value::Number(i as f64))])),
                    token: None,
                })
                .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    f.flush().unwrap();
    let elapsed = start.elapsed();
    eprintln!("10,000 creates took {elapsed:?}");
    // Generous bound for a debug build on a shared machine; release is far faster.
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    let again = SimFactory::new(dir.path().to_path_buf(), SimOptions::default());
    assert_eq!(again.object_count().unwrap(), n);
}
