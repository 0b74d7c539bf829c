//! A plan adopts what an interrupted create made: the state keeps the create's token
//! (`State::unconfirmed_creates`), the provider finds the object by it, and the plan sees
//! it as existing instead of creating a second one. A provider that cannot look objects
//! up by token makes the plan say so, with the import command.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use engine::diag::{Diagnostics, SourceMap};
use engine::plan::{Action, Plan};
use engine::provider::{
    ApplyRequest, PlanRequest, PlanResponse, Provider, ProviderConfig, ProviderError,
    ProviderFactory, ProviderSchema, ValidationError,
};
use engine::state::{Intent, State};
use engine::value::Value;
use engine::walk::{Options, Walk, WalkMode};
use sim::{SimFactory, SimOptions};

const CONFIG: &str = r#"provider "aws" {
  region = "eu-west-1"
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
"#;

const TOKEN: &str = "5d2c6a70-8d0e-4f0b-9a63-2f1e8c7b9d10";

/// The simulator's factory, whose providers cannot look objects up by token.
struct Blind(Arc<SimFactory>);

impl ProviderFactory for Blind {
    fn names(&self) -> Vec<String> {
        self.0.names()
    }
    fn schema(&self, name: &str) -> Option<ProviderSchema> {
        self.0.schema(name)
    }
    fn configure(&self, cfg: &ProviderConfig) -> Result<Arc<dyn Provider>, ProviderError> {
        Ok(Arc::new(BlindProvider(self.0.configure(cfg)?)))
    }
}

struct BlindProvider(Arc<dyn Provider>);

#[async_trait]
impl Provider for BlindProvider {
    fn schema(&self) -> &ProviderSchema {
        self.0.schema()
    }
    fn validate(&self, type_name: &str, config: &Value) -> Vec<ValidationError> {
        self.0.validate(type_name, config)
    }
    async fn plan(&self, req: PlanRequest) -> Result<PlanResponse, ProviderError> {
        self.0.plan(req).await
    }
    async fn apply(&self, req: ApplyRequest) -> Result<Option<Value>, ProviderError> {
        self.0.apply(req).await
    }
    async fn read(&self, type_name: &str, state: &Value) -> Result<Option<Value>, ProviderError> {
        self.0.read(type_name, state).await
    }
    async fn import(&self, type_name: &str, id: &str) -> Result<Value, ProviderError> {
        self.0.import(type_name, id).await
    }
    async fn read_data(&self, type_name: &str, config: &Value) -> Result<Value, ProviderError> {
        self.0.read_data(type_name, config).await
    }
}

/// The world after an apply was killed between the simulator's create (given `TOKEN`)
/// and galley's record of it; the state that apply left.
async fn killed_create(factory: &SimFactory) -> State {
    let p = factory
        .configure(&ProviderConfig {
            name: "aws".into(),
            alias: None,
            config: Value::object([("region", Value::string("eu-west-1"))]),
        })
        .unwrap();
    let config = Value::object([("cidr_block", Value::string("10.0.0.0/16"))]);
    let planned = p
        .plan(PlanRequest {
            type_name: "aws_vpc".into(),
            prior: None,
            proposed: config.clone(),
            config,
        })
        .await
        .unwrap()
        .planned;
    p.apply(ApplyRequest {
        type_name: "aws_vpc".into(),
        address: "aws_vpc.main".into(),
        prior: None,
        planned: Some(planned),
        token: Some(TOKEN.into()),
    })
    .await
    .unwrap();
    let mut state = State::new();
    state.add_unconfirmed_create(Intent {
        token: Some(TOKEN.into()),
        ..Intent::new(
            "create",
            &"aws_vpc.main".parse().unwrap(),
            "provider[\"aws\"]",
        )
    });
    state
}

async fn plan(factory: Arc<dyn ProviderFactory>, state: State) -> Result<Plan, Diagnostics> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.tf"), CONFIG).unwrap();
    let sources = SourceMap::new();
    let (config, diags) = engine::config::load_config(dir.path(), &sources);
    assert!(!diags.has_errors(), "{}", diags.render(&sources));
    Walk::new(
        Arc::new(config),
        vec![factory],
        BTreeMap::new(),
        state,
        Options::default(),
        WalkMode::Plan,
    )?
    .plan()
    .await
}

fn summaries(plan: &Plan) -> Vec<String> {
    plan.diagnostics.iter().map(|d| d.summary.clone()).collect()
}

#[tokio::test]
async fn the_object_an_interrupted_create_made_is_adopted_not_made_again() {
    let worlds = tempfile::tempdir().unwrap();
    let factory = Arc::new(SimFactory::new(
        worlds.path().to_path_buf(),
        SimOptions::default(),
    ));
    let state = killed_create(&factory).await;
    let plan = plan(factory, state).await.unwrap();
    assert_eq!(summaries(&plan), ["Recovered aws_vpc.main"]);
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(
        plan.changes[0].action,
        Action::NoOp,
        "found, not created again"
    );
    let prior = plan.prior_state.as_ref().unwrap();
    assert!(prior.instance(&"aws_vpc.main".parse().unwrap()).is_some());
    assert!(
        prior.unconfirmed_creates().is_empty(),
        "settled: apply saves the state without it"
    );
}

#[tokio::test]
async fn a_provider_that_cannot_look_up_tokens_makes_the_plan_say_so() {
    let worlds = tempfile::tempdir().unwrap();
    let factory = Arc::new(SimFactory::new(
        worlds.path().to_path_buf(),
        SimOptions::default(),
    ));
    let state = killed_create(&factory).await;
    let plan = plan(Arc::new(Blind(factory)), state).await.unwrap();
    assert_eq!(
        summaries(&plan),
        ["Cannot tell whether aws_vpc.main was created"]
    );
    let detail = plan.diagnostics.iter().next().unwrap().detail.clone();
    assert!(
        detail.is_some_and(|d| d.contains("galley import aws_vpc.main ID")),
        "names the import command"
    );
    assert_eq!(plan.changes[0].action, Action::Create);
}
