//! Flink's own native Kubernetes client (Fabric8, from the PyPI distribution) against the
//! server, for every recorded golden case: it must succeed, make the recorded requests,
//! and create objects equal to the goldens after normalisation.

use flink_kit::golden::{self, GoldenCase};
use flink_kit::oracle::{self, OracleRun};
use serde_json::Value;
use std::path::Path;
use test_apiserver::flink_oracle::{FlinkDeploy, deploy_with_flink};
use test_apiserver::{ApiServer, RecordedRequest, ServerOptions};

/// Flink tests take turns, so that at most two JVMs run at a time on 2 cores.
static JVM_TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn jvm_turn() -> std::sync::MutexGuard<'static, ()> {
    JVM_TURN.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs Flink's client for one case against a fresh server.
fn run_case(flink_home: &Path, case: &GoldenCase) -> FlinkDeploy {
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    // Cases with a conf dir of their own were recorded with it (paths are the repository's).
    let conf = match flink_kit::cases::Case::named(&case.name).and_then(|c| c.conf) {
        Some(dir) => golden::golden_root().join("../..").join(dir),
        None => golden::conf_dir(),
    };
    deploy_with_flink(flink_home, &conf, case.mode, &case.namespace, &args).expect("server starts")
}

/// Checks one case and returns what is wrong with it (empty when it matches).
fn check_case(
    case: &GoldenCase,
    run: &OracleRun,
    requests: &[RecordedRequest],
    created: &[Value],
) -> Vec<String> {
    let mut problems = Vec::new();
    if run.exit_code != 0 && case.client_exit == 0 {
        let tail: String = run
            .stderr
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        problems.push(format!(
            "exit code {} (stdout tail: {}) stderr tail:\n{tail}",
            run.exit_code,
            run.stdout.lines().last().unwrap_or("")
        ));
    }
    let lines: Vec<String> = requests.iter().map(RecordedRequest::line).collect();
    // Against the recording server NodePort/LoadBalancer runs failed after their last
    // recorded request; here they succeed, so the recording must be a prefix of ours.
    let fails_in_recording = case
        .args
        .iter()
        .any(|a| a.contains("exposed.type=NodePort") || a.contains("exposed.type=LoadBalancer"));
    let matches = if fails_in_recording {
        lines.starts_with(&case.requests)
    } else {
        lines == case.requests
    };
    if !matches {
        problems.push(format!(
            "requests differ:\n  golden: {:?}\n  ours:   {:?}",
            case.requests, lines
        ));
    }
    for r in requests.iter().filter(|r| r.method == "POST") {
        if r.status != 201 {
            problems.push(format!("{} answered {}", r.line(), r.status));
        }
    }
    if created.len() != case.objects.len() {
        problems.push(format!(
            "created {} objects, the golden has {}",
            created.len(),
            case.objects.len()
        ));
    }
    for want in &case.objects {
        let (kind, name) = (&want["kind"], &want["metadata"]["name"]);
        match created
            .iter()
            .find(|o| o["kind"] == *kind && o["metadata"]["name"] == *name)
        {
            None => problems.push(format!("no {kind} {name} was created")),
            Some(ours) => {
                let diff = golden::differences(&golden::normalize(ours), &golden::normalize(want));
                if !diff.is_empty() {
                    problems.push(format!("{kind} {name} differs:\n  {}", diff.join("\n  ")));
                }
            }
        }
    }
    problems
}

#[test]
fn flinks_own_client_succeeds_and_creates_the_golden_objects() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let _turn = jvm_turn();
    let cases: Vec<GoldenCase> = golden::case_names()
        .iter()
        .map(|n| golden::load_case(n))
        .collect();
    assert!(cases.len() >= 5, "golden cases found: {}", cases.len());
    let mut report = Vec::new();
    // At most two JVMs at a time on these 2-core machines.
    for pair in cases.chunks(2) {
        let results: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|case| {
                    let home = flink_home.clone();
                    s.spawn(move || {
                        let FlinkDeploy {
                            run,
                            requests,
                            objects: created,
                        } = run_case(&home, case);
                        eprintln!("{}: exit {} in {:?}", case.name, run.exit_code, run.wall);
                        (
                            case.name.clone(),
                            check_case(case, &run, &requests, &created),
                        )
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("case thread"))
                .collect()
        });
        for (name, problems) in results {
            if !problems.is_empty() {
                report.push(format!("== {name}\n{}", problems.join("\n")));
            }
        }
    }
    assert!(
        report.is_empty(),
        "Flink's client against the test server:\n{}",
        report.join("\n")
    );
}

/// Runs a session deploy with extra options against `server` and returns the run.
fn session(flink_home: &Path, server: &ApiServer, cluster_id: &str, extra: &[&str]) -> OracleRun {
    let mut args = vec![
        "-Dkubernetes.namespace=default".to_string(),
        format!("-Dkubernetes.cluster-id={cluster_id}"),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    oracle::run_session(
        flink_home,
        server.kubeconfig_path(),
        &golden::conf_dir(),
        &args,
    )
}

#[test]
fn flinks_client_prints_the_node_port_and_load_balancer_addresses() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let _turn = jvm_turn();
    let server = futures::executor::block_on(ApiServer::start(ServerOptions::default()))
        .expect("server starts");
    let (np, lb) = std::thread::scope(|s| {
        let np = s.spawn(|| {
            session(
                &flink_home,
                &server,
                "np",
                &["-Dkubernetes.rest-service.exposed.type=NodePort"],
            )
        });
        let lb = s.spawn(|| {
            session(
                &flink_home,
                &server,
                "lb",
                &["-Dkubernetes.rest-service.exposed.type=LoadBalancer"],
            )
        });
        (np.join().unwrap(), lb.join().unwrap())
    });
    let node_port = server
        .object("v1", "services", Some("default"), "np-rest")
        .unwrap()["spec"]["ports"][0]["nodePort"]
        .clone();
    for (run, address) in [
        (np, format!("http://10.0.0.10:{node_port}")),
        (lb, "http://192.0.2.100:8081".to_string()),
    ] {
        assert_eq!(run.exit_code, 0, "{}", run.stderr);
        let out = format!("{}{}", run.stdout, run.stderr);
        assert!(
            out.contains(&format!("JobManager Web Interface: {address}")),
            "expected {address} in:\n{out}"
        );
    }
}

#[test]
fn a_flink_session_deployed_by_flink_runs_is_reachable_and_is_garbage_collected() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let _turn = jvm_turn();
    let server = futures::executor::block_on(ApiServer::start(ServerOptions::default()))
        .expect("server starts");
    let run = session(&flink_home, &server, "live", &[]);
    assert_eq!(run.exit_code, 0, "{}", run.stderr);
    // A real JobManager (and TaskManager) started locally stands in for the pod.
    let jobmanager = flink_kit::jobmanager::StandaloneSession::start(&flink_home)
        .expect("a real JobManager starts");
    server.attach_backend(
        "default",
        "app=live,component=jobmanager",
        8081,
        jobmanager.rest_addr(),
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let client = crate::common::client(&server).await;
        let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
            kube::Api::default_namespaced(client.clone());
        crate::common::bounded(
            "the JobManager deployment to be available",
            kube::runtime::wait::await_condition(
                deployments.clone(),
                "live",
                kube::runtime::wait::conditions::is_deployment_completed(),
            ),
        )
        .await
        .unwrap();

        // Flink's REST API through the API server's service proxy, by port name.
        let req =
            http::Request::get("/api/v1/namespaces/default/services/live-rest:rest/proxy/overview")
                .body(vec![])
                .unwrap();
        let overview: Value = crate::common::bounded("proxy", client.request(req))
            .await
            .unwrap();
        assert_eq!(overview["flink-version"], "2.3.0", "{overview}");

        // And through a port-forward to the JobManager pod.
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
            kube::Api::default_namespaced(client.clone());
        let pod = pods
            .list(&kube::api::ListParams::default().labels("app=live,component=jobmanager"))
            .await
            .unwrap()
            .items
            .remove(0);
        let mut pf = pods
            .portforward(pod.metadata.name.as_deref().unwrap(), &[8081])
            .await
            .unwrap();
        let stream = pf.take_stream(8081).unwrap();
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(conn);
        let resp = sender
            .send_request(
                http::Request::get("/config")
                    .header("host", "localhost")
                    .body(http_body_util::Empty::<bytes::Bytes>::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes();
        let config: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(config["flink-version"], "2.3.0");
        drop(sender);
        pf.abort();

        // Deleting the Deployment (what `kubectl delete deploy <cluster-id>` does) takes the
        // Services and the ConfigMap with it: Flink made them its dependents.
        deployments
            .delete("live", &kube::api::DeleteParams::background())
            .await
            .unwrap();
    });
    crate::common::poll("Flink's services and config map to be collected", || {
        let left: Vec<String> = ["services", "configmaps"]
            .iter()
            .flat_map(|k| server.list("v1", k, Some("default")))
            .map(|o| o["metadata"]["name"].as_str().unwrap_or("").to_string())
            .filter(|n| n.starts_with("live") || n.contains("-live"))
            .collect();
        left.is_empty().then_some(())
    });
}

#[test]
fn flinks_client_is_refused_without_rbac_rights_and_allowed_with_edit() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let _turn = jvm_turn();
    let opts = ServerOptions {
        tls: true,
        rbac_enforced: true,
        ..Default::default()
    };
    let server = futures::executor::block_on(ApiServer::start(opts)).expect("server starts");
    let sa = "system:serviceaccount:default:deployer";
    let kubeconfig = server.temp_dir().join("deployer.kubeconfig");
    server
        .write_kubeconfig(&kubeconfig, sa, Some("default"))
        .unwrap();
    let deploy = |id: &str| {
        let args = [
            "-Dkubernetes.namespace=default".to_string(),
            format!("-Dkubernetes.cluster-id={id}"),
        ];
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        oracle::run_session(&flink_home, &kubeconfig, &golden::conf_dir(), &args)
    };

    let refused = deploy("refused");
    assert_ne!(
        refused.exit_code, 0,
        "a service account without rights cannot deploy"
    );
    let statuses: Vec<u16> = server.requests().iter().map(|r| r.status).collect();
    assert!(statuses.contains(&403), "{statuses:?}");
    assert!(server.created_objects().is_empty());
    assert!(
        format!("{}{}", refused.stdout, refused.stderr).contains("Forbidden"),
        "{}",
        refused.stderr
    );

    let binding = serde_json::json!({"metadata": {"name": "deployer-edit"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "default"}]});
    server
        .create(
            "rbac.authorization.k8s.io/v1",
            "rolebindings",
            Some("default"),
            binding,
        )
        .unwrap();
    let allowed = deploy("allowed");
    assert_eq!(allowed.exit_code, 0, "{}", allowed.stderr);
    assert_eq!(
        server.created_objects().len(),
        4,
        "Deployment, two Services and the ConfigMap"
    );
}
