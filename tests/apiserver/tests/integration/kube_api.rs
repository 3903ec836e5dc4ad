//! kube-rs typed Api calls against the server: CRUD, the patch formats, dry runs,
//! selectors, errors with the real reasons, watches and watchers.

use crate::common::{bounded, client, server};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::runtime::{WatchStreamExt, watcher};
use serde_json::json;

fn cm(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(
        json!({"metadata": {"name": name, "labels": labels}, "data": {"k": "v"}}),
    )
    .unwrap()
}

fn api_error(e: kube::Error) -> (u16, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn crud_sets_metadata_like_a_real_server_and_reports_real_errors() {
    let server = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client(&server).await);
    let created = cms
        .create(&PostParams::default(), &cm("a", json!({"app": "flink"})))
        .await
        .unwrap();
    let meta = &created.metadata;
    assert!(meta.uid.as_ref().is_some_and(|u| u.len() == 36));
    assert!(meta.creation_timestamp.is_some() && meta.resource_version.is_some());
    assert_eq!(meta.namespace.as_deref(), Some("default"));

    let (code, reason) = api_error(
        cms.create(&PostParams::default(), &cm("a", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));
    let (code, reason) = api_error(
        cms.create(&PostParams::default(), &cm("Not_Valid", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    let (code, reason) = api_error(cms.get("missing").await.unwrap_err());
    assert_eq!((code, reason.as_str()), (404, "NotFound"));

    // generateName gets a 5-character suffix.
    let mut generated = cm("", json!({}));
    generated.metadata.name = None;
    generated.metadata.generate_name = Some("gen-".into());
    let g = cms
        .create(&PostParams::default(), &generated)
        .await
        .unwrap();
    assert!(
        g.metadata
            .name
            .as_ref()
            .is_some_and(|n| n.starts_with("gen-") && n.len() == 9)
    );

    // A stale resourceVersion conflicts; the fresh one wins and bumps the version.
    let mut stale = created.clone();
    let mut fresh = created.clone();
    fresh.data = Some([("k".to_string(), "fresh".to_string())].into());
    let updated = cms
        .replace("a", &PostParams::default(), &fresh)
        .await
        .unwrap();
    assert_ne!(
        updated.metadata.resource_version,
        created.metadata.resource_version
    );
    stale.data = Some([("k".to_string(), "stale".to_string())].into());
    let (code, reason) = api_error(
        cms.replace("a", &PostParams::default(), &stale)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));

    // dryRun=All validates and answers but stores nothing.
    let dry = PostParams {
        dry_run: true,
        ..Default::default()
    };
    cms.create(&dry, &cm("dry", json!({}))).await.unwrap();
    assert!(
        server
            .object("v1", "configmaps", Some("default"), "dry")
            .is_none()
    );

    // Label and field selectors.
    cms.create(&PostParams::default(), &cm("b", json!({"app": "other"})))
        .await
        .unwrap();
    let flink = cms
        .list(&ListParams::default().labels("app=flink"))
        .await
        .unwrap();
    assert_eq!(
        flink
            .items
            .iter()
            .map(|c| c.metadata.name.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["a"]
    );
    let not_flink = cms
        .list(&ListParams::default().labels("app,app!=flink"))
        .await
        .unwrap();
    assert_eq!(not_flink.items.len(), 1);
    let by_name = cms
        .list(&ListParams::default().fields("metadata.name=b"))
        .await
        .unwrap();
    assert_eq!(by_name.items.len(), 1);
    let (code, _) = api_error(
        cms.list(&ListParams::default().fields("data.k=v"))
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 400, "unsupported field selectors are rejected");

    // Chunked lists: `limit` with a continue token, then the rest.
    let first_page = cms.list(&ListParams::default().limit(1)).await.unwrap();
    assert_eq!(first_page.items.len(), 1);
    let token = first_page
        .metadata
        .continue_
        .clone()
        .expect("a continue token while more remain");
    let rest = cms
        .list(&ListParams::default().continue_token(&token))
        .await
        .unwrap();
    assert_eq!(
        first_page.items.len() + rest.items.len(),
        cms.list(&ListParams::default()).await.unwrap().items.len()
    );

    // Delete, then it is gone.
    cms.delete("a", &DeleteParams::default()).await.unwrap();
    assert_eq!(api_error(cms.get("a").await.unwrap_err()).0, 404);
    // Services need DNS-1035 names.
    let svcs: Api<Service> = Api::default_namespaced(client(&server).await);
    let bad: Service = serde_json::from_value(
        json!({"metadata": {"name": "1rest"}, "spec": {"ports": [{"port": 80}]}}),
    )
    .unwrap();
    assert_eq!(
        api_error(svcs.create(&PostParams::default(), &bad).await.unwrap_err()).0,
        422
    );
}

#[tokio::test]
async fn merge_strategic_and_server_side_apply_patches() {
    let server = server().await;
    let deployments: Api<Deployment> = Api::default_namespaced(client(&server).await);
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "jm", "labels": {"app": "flink"}},
        "spec": {"selector": {"matchLabels": {"app": "flink"}}, "template": {
            "metadata": {"labels": {"app": "flink"}},
            "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}
    }))
    .unwrap();
    let created = deployments
        .create(&PostParams::default(), &d)
        .await
        .unwrap();
    assert_eq!(created.metadata.generation, Some(1));

    let merge = json!({"metadata": {"labels": {"tier": "jm"}}});
    let p = deployments
        .patch("jm", &PatchParams::default(), &Patch::Merge(&merge))
        .await
        .unwrap();
    assert_eq!(p.metadata.labels.unwrap().len(), 2);
    assert_eq!(
        p.metadata.generation,
        Some(1),
        "metadata changes do not bump generation"
    );

    let strategic =
        json!({"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}}});
    let p = deployments
        .patch("jm", &PatchParams::default(), &Patch::Strategic(&strategic))
        .await
        .unwrap();
    let containers = p.spec.unwrap().template.spec.unwrap().containers;
    assert_eq!(
        containers
            .iter()
            .map(|c| c.image.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["a:1", "b:2"],
        "merged by name"
    );
    assert_eq!(
        p.metadata.generation,
        Some(2),
        "spec changes bump generation"
    );

    // Server-side apply creates, then removes what the manager no longer applies.
    let cms: Api<ConfigMap> = Api::default_namespaced(client(&server).await);
    let ssa = PatchParams::apply("kubectl-flink").force();
    let first = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "conf"}, "data": {"a": "1", "b": "2"}});
    cms.patch("conf", &ssa, &Patch::Apply(&first))
        .await
        .unwrap();
    let second = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "conf"}, "data": {"a": "3"}});
    let applied = cms
        .patch("conf", &ssa, &Patch::Apply(&second))
        .await
        .unwrap();
    assert_eq!(
        applied.data.unwrap(),
        [("a".to_string(), "3".to_string())].into()
    );

    // A dry-run patch answers the result without storing it.
    let dry = PatchParams {
        dry_run: true,
        ..Default::default()
    };
    let preview = cms
        .patch("conf", &dry, &Patch::Merge(json!({"data": {"a": "dry"}})))
        .await
        .unwrap();
    assert_eq!(preview.data.unwrap()["a"], "dry");
    assert_eq!(
        server
            .object("v1", "configmaps", Some("default"), "conf")
            .unwrap()["data"]["a"],
        "3"
    );
}

#[tokio::test]
async fn watches_resume_from_a_resource_version_and_watchers_see_changes() {
    let server = server().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client(&server).await);
    let first = cms
        .create(&PostParams::default(), &cm("one", json!({"w": "x"})))
        .await
        .unwrap();
    let rv = first.metadata.resource_version.clone().unwrap();
    cms.create(&PostParams::default(), &cm("two", json!({"w": "x"})))
        .await
        .unwrap();
    cms.delete("one", &DeleteParams::default()).await.unwrap();

    // Resuming after "one" was created replays exactly what happened since.
    let params = WatchParams::default().labels("w=x").timeout(2);
    let events: Vec<_> = bounded(
        "watch replay",
        cms.watch(&params, &rv)
            .await
            .unwrap()
            .take(2)
            .try_collect::<Vec<_>>(),
    )
    .await
    .unwrap();
    let summary: Vec<(String, String)> = events
        .iter()
        .map(|e| match e {
            WatchEvent::Added(c) => ("ADDED".into(), c.metadata.name.clone().unwrap()),
            WatchEvent::Deleted(c) => ("DELETED".into(), c.metadata.name.clone().unwrap()),
            other => (format!("{other:?}"), String::new()),
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("ADDED".to_string(), "two".to_string()),
            ("DELETED".to_string(), "one".to_string())
        ]
    );

    // kube-rs's watcher: an object created while it runs shows up.
    let stream = watcher(cms.clone(), watcher::Config::default().labels("w=y")).applied_objects();
    let mut stream = Box::pin(stream);
    let creator = cms.clone();
    tokio::spawn(async move {
        creator
            .create(&PostParams::default(), &cm("three", json!({"w": "y"})))
            .await
            .unwrap();
    });
    let seen = bounded("watcher event", stream.try_next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seen.metadata.name.as_deref(), Some("three"));

    // Streaming lists (sendInitialEvents + the initial-events-end bookmark) work too.
    let streaming = watcher(
        cms.clone(),
        watcher::Config::default().labels("w=y").streaming_lists(),
    )
    .applied_objects();
    let mut streaming = Box::pin(streaming);
    let first = bounded("streaming list", streaming.try_next())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.metadata.name.as_deref(), Some("three"));
}
