//! The simulated control plane and kubelet through kube-rs: rollouts, readiness delays,
//! Service addresses, forced pod failures, pod logs and cascading deletion.

use crate::common::{bounded, client};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event, Pod, Service};
use kube::api::{Api, DeleteParams, ListParams, LogParams, PostParams, ResourceExt};
use kube::runtime::wait::{await_condition, conditions};
use serde_json::json;
use std::time::{Duration, Instant};
use test_apiserver::{ApiServer, PodFailure, ServerOptions};

fn deployment(name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}}, "template": {
            "metadata": {"labels": {"app": name, "component": "jobmanager"}},
            "spec": {"containers": [{"name": "flink-main-container", "image": "flink:2.3", "ports": [{"name": "rest", "containerPort": 8081}]}]}}}
    }))
    .unwrap()
}

#[tokio::test]
async fn deployments_roll_out_to_ready_pods_after_the_configured_delay() {
    let delay = Duration::from_millis(300);
    let server = ApiServer::start(ServerOptions {
        pod_ready_delay: delay,
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&server).await;
    let deployments: Api<Deployment> = Api::default_namespaced(c.clone());
    let started = Instant::now();
    deployments
        .create(&PostParams::default(), &deployment("jm", 2))
        .await
        .unwrap();

    let pods: Api<Pod> = Api::default_namespaced(c.clone());
    let listed = bounded("pods", async {
        loop {
            let l = pods
                .list(&ListParams::default().labels("app=jm"))
                .await
                .unwrap();
            if l.items.len() == 2 {
                return l;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let pod = &listed.items[0];
    assert_eq!(
        pod.status.as_ref().unwrap().phase.as_deref(),
        Some("Pending"),
        "not ready before the delay"
    );

    bounded(
        "deployment available",
        await_condition(
            deployments.clone(),
            "jm",
            conditions::is_deployment_completed(),
        ),
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() >= delay,
        "ready only after the configured delay"
    );
    let d = deployments.get("jm").await.unwrap();
    let status = d.status.unwrap();
    assert_eq!(
        (
            status.replicas,
            status.ready_replicas,
            status.available_replicas
        ),
        (Some(2), Some(2), Some(2))
    );

    // Owner references are chained as in Kubernetes: Pod -> ReplicaSet -> Deployment.
    let rs_api: Api<ReplicaSet> = Api::default_namespaced(c.clone());
    let rs = rs_api
        .list(&ListParams::default())
        .await
        .unwrap()
        .items
        .remove(0);
    let rs_owner = &rs.owner_references()[0];
    assert_eq!(
        (
            rs_owner.kind.as_str(),
            rs_owner.uid.as_str(),
            rs_owner.controller
        ),
        ("Deployment", d.metadata.uid.as_deref().unwrap(), Some(true))
    );
    let pod = pods.get(&listed.items[0].name_any()).await.unwrap();
    assert_eq!(
        pod.owner_references()[0].uid,
        rs.metadata.uid.clone().unwrap()
    );
    assert!(pod.labels().contains_key("pod-template-hash"));
    let ps = pod.status.clone().unwrap();
    assert_eq!(ps.phase.as_deref(), Some("Running"));
    assert!(
        ps.pod_ip.is_some() && pod.spec.as_ref().unwrap().node_name.as_deref() == Some("test-node")
    );

    // The scheduler and kubelet reported the start-up like on a real node.
    let events: Api<Event> = Api::default_namespaced(c.clone());
    let reasons: Vec<String> = events
        .list(&ListParams::default().fields(&format!("involvedObject.name={}", pod.name_any())))
        .await
        .unwrap()
        .items
        .into_iter()
        .filter_map(|e| e.reason)
        .collect();
    assert_eq!(reasons, vec!["Scheduled", "Pulled", "Created", "Started"]);

    // Foreground deletion: kube-rs waits until everything is gone.
    let uid = d.metadata.uid.clone().unwrap();
    deployments
        .delete("jm", &DeleteParams::foreground())
        .await
        .unwrap();
    bounded(
        "deployment deleted",
        await_condition(deployments.clone(), "jm", conditions::is_deleted(&uid)),
    )
    .await
    .unwrap();
    assert!(server.list("v1", "pods", Some("default")).is_empty());
    assert!(
        server
            .list("apps/v1", "replicasets", Some("default"))
            .is_empty()
    );
}

#[tokio::test]
async fn services_get_addresses_and_endpoints_follow_ready_pods() {
    let server = ApiServer::start(ServerOptions {
        lb_ingress_delay: Duration::from_millis(200),
        ..Default::default()
    })
    .await
    .unwrap();
    let c = client(&server).await;
    let services: Api<Service> = Api::default_namespaced(c.clone());
    let svc = |name: &str, ty: &str| -> Service {
        serde_json::from_value(
            json!({"metadata": {"name": name}, "spec": {"type": ty, "selector": {"app": "jm"},
            "ports": [{"name": "rest", "port": 8081, "targetPort": "rest"}]}}),
        )
        .unwrap()
    };
    let np = services
        .create(&PostParams::default(), &svc("np", "NodePort"))
        .await
        .unwrap();
    let port = &np.spec.as_ref().unwrap().ports.as_ref().unwrap()[0];
    assert!(port.node_port.is_some_and(|p| (30000..=32767).contains(&p)));
    assert_eq!(port.protocol.as_deref(), Some("TCP"));
    let lb = services
        .create(&PostParams::default(), &svc("lb", "LoadBalancer"))
        .await
        .unwrap();
    assert!(
        lb.status.unwrap().load_balancer.unwrap().ingress.is_none(),
        "no ingress before the delay"
    );
    bounded(
        "lb ingress",
        await_condition(
            services.clone(),
            "lb",
            conditions::is_service_loadbalancer_provisioned(),
        ),
    )
    .await
    .unwrap();

    let deployments: Api<Deployment> = Api::default_namespaced(c.clone());
    deployments
        .create(&PostParams::default(), &deployment("jm", 1))
        .await
        .unwrap();
    bounded(
        "deployment available",
        await_condition(deployments, "jm", conditions::is_deployment_completed()),
    )
    .await
    .unwrap();
    let ep = crate::common::poll("endpoints with a ready address", || {
        server
            .object("v1", "endpoints", Some("default"), "np")
            .filter(|e| e["subsets"][0]["addresses"].is_array())
    });
    assert_eq!(
        ep["subsets"][0]["ports"][0]["port"], 8081,
        "named targetPort resolved to the container port"
    );

    // EndpointSlices too, owned by their Service.
    use k8s_openapi::api::discovery::v1::EndpointSlice;
    let slices: Api<EndpointSlice> = Api::default_namespaced(c.clone());
    let np_slices = slices
        .list(&ListParams::default().labels("kubernetes.io/service-name=np"))
        .await
        .unwrap();
    assert_eq!(np_slices.items.len(), 1);
    let slice = &np_slices.items[0];
    assert_eq!(
        slice.endpoints[0].conditions.as_ref().unwrap().ready,
        Some(true)
    );
    assert_eq!(slice.ports.as_ref().unwrap()[0].port, Some(8081));
    services
        .delete("np", &DeleteParams::default())
        .await
        .unwrap();
    crate::common::poll("the slice to be collected with its Service", || {
        server
            .list("discovery.k8s.io/v1", "endpointslices", Some("default"))
            .iter()
            .all(|s| s["metadata"]["labels"]["kubernetes.io/service-name"] != "np")
            .then_some(())
    });
}

#[tokio::test]
async fn failing_pods_report_status_and_events_and_logs_are_served() {
    let server = ApiServer::start(ServerOptions::default()).await.unwrap();
    server.fail_pod("default", "app=bad", PodFailure::ImagePullBackOff);
    let c = client(&server).await;
    let deployments: Api<Deployment> = Api::default_namespaced(c.clone());
    deployments
        .create(&PostParams::default(), &deployment("bad", 1))
        .await
        .unwrap();
    let pods: Api<Pod> = Api::default_namespaced(c.clone());
    let pod = bounded("a failing pod", async {
        loop {
            if let Some(p) = pods
                .list(&ListParams::default().labels("app=bad"))
                .await
                .unwrap()
                .items
                .into_iter()
                .next()
                && p.status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .is_some()
            {
                return p;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    let status = pod.status.clone().unwrap();
    assert_eq!(status.phase.as_deref(), Some("Pending"));
    let waiting = status.container_statuses.unwrap()[0]
        .state
        .clone()
        .unwrap()
        .waiting
        .unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("ImagePullBackOff"));
    let events: Api<Event> = Api::default_namespaced(c.clone());
    let evs = events
        .list(&ListParams::default().fields(&format!("involvedObject.name={}", pod.name_any())))
        .await
        .unwrap();
    assert_eq!(evs.items.len(), 1);
    assert_eq!(
        (
            evs.items[0].reason.as_deref(),
            evs.items[0].type_.as_deref()
        ),
        (Some("Failed"), Some("Warning"))
    );
    let d = deployments.get("bad").await.unwrap();
    assert_eq!(
        d.status.unwrap().available_replicas,
        None,
        "a failing pod is not available"
    );

    // Once the failure is lifted the pod recovers and the Deployment becomes available.
    server.clear_pod_failures();
    bounded(
        "recovery",
        await_condition(
            deployments.clone(),
            "bad",
            conditions::is_deployment_completed(),
        ),
    )
    .await
    .unwrap();

    server.pod_logs("default", &pod.name_any(), None, "line 1\nline 2\nline 3\n");
    let all = pods
        .logs(&pod.name_any(), &LogParams::default())
        .await
        .unwrap();
    assert_eq!(all, "line 1\nline 2\nline 3\n");
    let tail = pods
        .logs(
            &pod.name_any(),
            &LogParams {
                tail_lines: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(tail, "line 3\n");

    // follow=true streams what is appended later.
    use futures::{AsyncBufReadExt, StreamExt};
    let follow = LogParams {
        follow: true,
        tail_lines: Some(1),
        ..Default::default()
    };
    let mut lines = pods
        .log_stream(&pod.name_any(), &follow)
        .await
        .unwrap()
        .lines();
    assert_eq!(
        bounded("first line", lines.next()).await.unwrap().unwrap(),
        "line 3"
    );
    server.append_pod_logs("default", &pod.name_any(), None, "line 4\n");
    assert_eq!(
        bounded("appended line", lines.next())
            .await
            .unwrap()
            .unwrap(),
        "line 4"
    );
}

#[tokio::test]
async fn deleted_pods_terminate_gracefully_when_a_delay_is_simulated() {
    let delay = Duration::from_millis(300);
    let server = ApiServer::start(ServerOptions {
        pod_termination_delay: delay,
        ..Default::default()
    })
    .await
    .unwrap();
    let pods: Api<Pod> = Api::default_namespaced(client(&server).await);
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1"}]}}))
    .unwrap();
    let uid = pods
        .create(&PostParams::default(), &pod)
        .await
        .unwrap()
        .metadata
        .uid
        .unwrap();
    let started = Instant::now();
    pods.delete("p", &DeleteParams::default()).await.unwrap();
    let terminating = pods.get("p").await.unwrap();
    assert!(
        terminating.metadata.deletion_timestamp.is_some(),
        "Terminating first"
    );
    bounded(
        "pod gone",
        await_condition(pods.clone(), "p", conditions::is_deleted(&uid)),
    )
    .await
    .unwrap();
    assert!(started.elapsed() >= delay);
}
