//! Finding what a killed apply created (`Provider::find_created`) on the real AWS provider
//! against moto: a hosted zone created with the engine's token carries it in its
//! `CallerReference`, so the next run finds it instead of creating a second zone; types
//! whose API keeps no client reference say they cannot tell.

mod common;

use common::{plan, provider, text, v};
use engine::provider::{ApplyRequest, Created};
use serde_json::json;

#[tokio::test]
async fn a_zone_created_with_a_token_is_found_by_it() {
    let moto = testkit::moto::shared();
    let endpoint = moto.endpoint();
    let p = provider(&[("route53", &endpoint), ("ec2", &endpoint)]);
    let config = v(json!({"name": "recover.example.com", "tags": {"Team": "core"}}));
    let planned = plan(&p, "aws_route53_zone", None, &config).await.unwrap();
    let token = "0b7c1d2e-5f60-4a8b-9c0d-1e2f3a4b5c6d";
    let created = p
        .apply(ApplyRequest {
            type_name: "aws_route53_zone".into(),
            address: "aws_route53_zone.main".into(),
            prior: None,
            planned: Some(planned),
            token: Some(token.into()),
        })
        .await
        .unwrap()
        .unwrap();

    match p.find_created("aws_route53_zone", token).await.unwrap() {
        Created::Found(found) => {
            assert_eq!(text(&found, "id"), text(&created, "id"));
            assert_eq!(text(&found, "name"), "recover.example.com");
        }
        other => panic!("the zone is found by its token: {other:?}"),
    }
    let other = "9f9f9f9f-0000-4000-8000-000000000000";
    assert_eq!(
        p.find_created("aws_route53_zone", other).await.unwrap(),
        Created::NotFound,
        "no zone carries another token"
    );
    assert_eq!(
        p.find_created("aws_vpc", token).await.unwrap(),
        Created::Unknown,
        "a VPC keeps no client reference"
    );
}
