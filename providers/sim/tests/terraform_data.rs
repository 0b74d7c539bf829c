//! `terraform_data` behaves like Terraform's built-in resource.

mod common;
use common::*;
use engine::provider::ProviderFactory;
use engine::value::Value;

#[tokio::test]
async fn output_is_unknown_at_plan_and_equals_input_after_apply() {
    let sim = sim();
    let p = provider(&sim.factory, "terraform", None);
    let input = Value::Tuple(vec![s("a"), s("b")]);
    let cfg = obj(&[("input", input.clone())]);
    let planned = plan(&p, "terraform_data", None, &cfg)
        .await
        .unwrap()
        .planned;
    assert!(attr(&planned, "output").is_unknown());
    assert!(attr(&planned, "id").is_unknown());
    let state = create(&p, "terraform_data", cfg).await.unwrap();
    assert!(attr(&state, "output").semantic_eq(&input));
    assert_eq!(str_of(&state, "id").len(), 36, "id is a uuid");
}

#[tokio::test]
async fn changing_input_updates_in_place_and_output_follows() {
    let sim = sim();
    let p = provider(&sim.factory, "terraform", None);
    let state = create(&p, "terraform_data", obj(&[("input", s("one"))]))
        .await
        .unwrap();
    let (planned, after) = update(&p, "terraform_data", &state, obj(&[("input", s("two"))]))
        .await
        .unwrap();
    assert!(planned.requires_replace.is_empty());
    assert!(attr(&planned.planned, "output").is_unknown());
    assert_eq!(attr(&after, "output"), &s("two"));
    assert_eq!(attr(&after, "id"), attr(&state, "id"));
}

#[tokio::test]
async fn unchanged_input_keeps_output_known() {
    let sim = sim();
    let p = provider(&sim.factory, "terraform", None);
    let state = create(&p, "terraform_data", obj(&[("input", s("one"))]))
        .await
        .unwrap();
    let planned = plan(
        &p,
        "terraform_data",
        Some(&state),
        &obj(&[("input", s("one"))]),
    )
    .await
    .unwrap();
    assert_eq!(attr(&planned.planned, "output"), &s("one"));
    assert!(planned.requires_replace.is_empty());
}

#[tokio::test]
async fn changing_triggers_replace_forces_replacement() {
    let sim = sim();
    let p = provider(&sim.factory, "terraform", None);
    let state = create(&p, "terraform_data", obj(&[("triggers_replace", s("v1"))]))
        .await
        .unwrap();
    let planned = plan(
        &p,
        "terraform_data",
        Some(&state),
        &obj(&[("triggers_replace", s("v2"))]),
    )
    .await
    .unwrap();
    assert_eq!(
        planned.requires_replace,
        vec![vec!["triggers_replace".to_string()]]
    );
    assert!(
        attr(&planned.planned, "id").is_unknown(),
        "a replacement gets a new id"
    );
}

#[tokio::test]
async fn delete_removes_the_object_and_read_reports_it_gone() {
    let sim = sim();
    let p = provider(&sim.factory, "terraform", None);
    let state = create(&p, "terraform_data", obj(&[("input", s("x"))]))
        .await
        .unwrap();
    assert_eq!(sim.factory.object_count().unwrap(), 1);
    assert!(p.read("terraform_data", &state).await.unwrap().is_some());
    delete(&p, "terraform_data", &state).await.unwrap();
    assert_eq!(p.read("terraform_data", &state).await.unwrap(), None);
    assert_eq!(sim.factory.object_count().unwrap(), 0);
    // Deleting again succeeds, so an interrupted destroy can resume.
    delete(&p, "terraform_data", &state).await.unwrap();
}

#[test]
fn factory_serves_four_provider_names() {
    let sim = sim();
    assert_eq!(
        sim.factory.names(),
        ["aws", "kubernetes", "openstack", "terraform"]
    );
    assert!(sim
        .factory
        .schema("terraform")
        .unwrap()
        .resources
        .contains_key("terraform_data"));
    assert!(sim.factory.schema("azurerm").is_none());
}

#[tokio::test]
async fn planning_a_null_configuration_plans_destruction() {
    let sim = sim();
    let p = provider(&sim.factory, "terraform", None);
    let state = create(&p, "terraform_data", obj(&[("input", s("x"))]))
        .await
        .unwrap();
    let planned = p
        .plan(engine::provider::PlanRequest {
            type_name: "terraform_data".into(),
            prior: Some(state),
            proposed: Value::Null,
            config: Value::Null,
        })
        .await
        .unwrap();
    assert_eq!(planned.planned, Value::Null);
}

#[test]
fn provider_blocks_accept_region_and_credentials() {
    let sim = sim();
    let aws = sim.factory.schema("aws").unwrap().provider;
    assert!(aws.attributes.contains_key("region"));
    assert!(aws.attributes["secret_key"].sensitive);
    assert!(aws.blocks.contains_key("default_tags"));
    let os = sim.factory.schema("openstack").unwrap().provider;
    assert!(os.attributes.contains_key("auth_url"));
}
