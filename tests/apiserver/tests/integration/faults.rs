//! Fault injection and the request log: status faults, delays, dropped connections,
//! and assertions on order, count and concurrency of requests.

use crate::common::{client, server};
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{Api, PostParams};
use serde_json::json;
use std::time::{Duration, Instant};
use test_apiserver::{Fault, max_concurrency};

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}})).unwrap()
}

#[tokio::test]
async fn injected_faults_hit_the_nth_matching_request() {
    let server = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client(&server).await);
    let path = "/api/v1/namespaces/default/configmaps";
    server.inject(Fault::status("POST", path, 2, 500));
    cms.create(&PostParams::default(), &cm("a")).await.unwrap();
    match cms
        .create(&PostParams::default(), &cm("b"))
        .await
        .unwrap_err()
    {
        kube::Error::Api(s) => assert_eq!((s.code, s.reason.as_str()), (500, "InternalError")),
        other => panic!("expected the injected 500, got {other:?}"),
    }
    // kube-rs retries a 503 by itself: the log shows the failed attempt, the caller does not.
    server.inject(Fault::status("POST", path, 1, 503));
    cms.create(&PostParams::default(), &cm("b")).await.unwrap();

    server.inject(Fault::delay(
        "GET",
        &format!("{path}/a"),
        1,
        Duration::from_millis(300),
    ));
    let t = Instant::now();
    cms.get("a").await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));

    server.inject(Fault::drop_connection("GET", &format!("{path}/b"), 1));
    let dropped = cms.get("b").await;
    assert!(
        !matches!(dropped, Err(kube::Error::Api(_))),
        "a dropped connection is not an API answer: {dropped:?}"
    );

    let log: Vec<(String, u16)> = server
        .requests()
        .iter()
        .map(|r| (r.line(), r.status))
        .collect();
    assert_eq!(
        log,
        vec![
            (format!("POST {path}"), 201),
            (format!("POST {path}"), 500),
            (format!("POST {path}"), 503),
            (format!("POST {path}"), 201),
            (format!("GET {path}/a"), 200),
            (format!("GET {path}/b"), 0),
        ]
    );
    assert_eq!(
        server.requests()[0].body.as_ref().unwrap()["metadata"]["name"],
        "a"
    );
}

#[tokio::test]
async fn a_lost_reply_applies_the_request_but_never_answers() {
    let server = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client(&server).await);
    let path = "/api/v1/namespaces/default/configmaps";
    server.inject(Fault::lose_reply("POST", path, 1));
    let lost = cms.create(&PostParams::default(), &cm("lost")).await;
    assert!(
        !matches!(lost, Ok(_) | Err(kube::Error::Api(_))),
        "a lost reply is no answer: {lost:?}"
    );
    assert!(
        cms.get_opt("lost").await.unwrap().is_some(),
        "yet it was created"
    );
    assert_eq!(server.requests()[0].status, 0);
}

#[tokio::test]
async fn the_request_log_shows_concurrency() {
    let server = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client(&server).await);
    cms.create(&PostParams::default(), &cm("a")).await.unwrap();
    server.clear_requests();
    server.inject(
        Fault::delay(
            "GET",
            "/api/v1/namespaces/default/configmaps/a",
            1,
            Duration::from_millis(200),
        )
        .always(),
    );
    let gets = (0..3).map(|_| cms.get("a"));
    for r in futures::future::join_all(gets).await {
        r.unwrap();
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert_eq!(max_concurrency(&reqs), 3, "the three GETs overlapped");
    let one_at_a_time = [reqs[0].clone()];
    assert_eq!(max_concurrency(&one_at_a_time), 1);
}
