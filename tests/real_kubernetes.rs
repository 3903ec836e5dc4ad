//! Every verb's main flow on the real Kubernetes control plane (kube-kit:
//! kube-apiserver, controller manager, scheduler and etcd built from
//! Kubernetes' own modules, kwok for nodes and pods): real admission, RBAC,
//! garbage collection, scheduling and their messages. Each test has its own
//! namespace on one shared control plane. Flink's REST API is not behind
//! these pods (kwok runs no containers), except where a test forwards a pod
//! port to a real local JobManager.

mod common;

use common::real::Cluster;
use common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

#[test]
fn session_start_creates_owned_objects_and_stop_lets_the_garbage_collector_remove_them() {
    let Some(k) = Cluster::new("start-stop") else {
        return;
    };
    let out = k.start("c1", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deployment = k.get("deployment/c1");
    let uid = deployment["metadata"]["uid"].as_str().expect("uid");
    for name in ["service/c1-rest", "service/c1", "configmap/flink-config-c1"] {
        let object = k.get(name);
        let owner = &object["metadata"]["ownerReferences"][0];
        assert_eq!(owner["uid"], uid, "{name} is owned by the Deployment");
        assert_eq!(owner["controller"], true);
    }
    // The real controllers made a ReplicaSet and a JobManager pod, and kwok runs it.
    let pods = k.get("pods");
    assert!(
        pods["items"].as_array().is_some_and(|p| p
            .iter()
            .any(|p| p["metadata"]["labels"]["component"] == "jobmanager")),
        "{pods}"
    );

    // No Flink answers behind the pod (and the real API server refuses to
    // proxy to loopback pod IPs): stop falls back to deleting the Deployment,
    // and the real garbage collector removes what it owned.
    let out = k.flink(&[
        "session",
        "stop",
        "c1",
        "--grace-period",
        "1s",
        "--timeout",
        "90s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(&format!(
            "Flink session cluster c1 stopped in namespace {}",
            k.namespace
        )),
        "{}",
        stdout(&out)
    );
    assert_eq!(k.until_gone("c1"), Vec::<String>::new());
}

#[test]
fn an_existing_cluster_is_left_alone() {
    let Some(k) = Cluster::new("existing") else {
        return;
    };
    assert_eq!(k.start("c1", &[]).status.code(), Some(0));
    let before = k.get("deployment/c1")["metadata"]["uid"].clone();
    let out = k.start("c1", &["-Dtaskmanager.numberOfTaskSlots=8"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert_eq!(
        k.get("deployment/c1")["metadata"]["uid"],
        before,
        "not replaced"
    );
    assert!(
        !k.get("configmap/flink-config-c1")["data"]["config.yaml"]
            .as_str()
            .unwrap_or_default()
            .contains("numberOfTaskSlots: 8"),
        "the first cluster's configuration is kept"
    );
}

#[test]
fn an_object_the_real_api_server_refuses_rolls_the_whole_cluster_back() {
    let Some(k) = Cluster::new("rollback") else {
        return;
    };
    // Real admission: a quota that admits no ConfigMap refuses flink-config-<id>.
    k.apply(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: no-configmaps}\nspec: {hard: {configmaps: \"1\"}}\n",
    );
    // kube-root-ca.crt already uses the one ConfigMap the quota allows.
    let deadline = Instant::now() + Duration::from_secs(30);
    while k.get("resourcequota/no-configmaps")["status"]["used"]["configmaps"] != "1" {
        assert!(
            Instant::now() < deadline,
            "the quota controller counts ConfigMaps"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = k.start("q1", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("exceeded quota"),
        "the real message: {message}"
    );
    assert_eq!(
        k.until_gone("q1"),
        Vec::<String>::new(),
        "nothing is left half-made"
    );
}

#[test]
fn an_unschedulable_jobmanager_is_diagnosed_from_the_real_schedulers_events() {
    let Some(k) = Cluster::new("unschedulable") else {
        return;
    };
    let out = k.start(
        "u1",
        &[
            "-Dkubernetes.jobmanager.node-selector=disktype:none",
            "--wait",
            "--timeout",
            "120s",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("Unschedulable")
            && err.contains("node(s) didn't match Pod's node affinity/selector"),
        "{err}"
    );
    assert!(
        err.contains(&format!("--kubeconfig {}", k.kubeconfig)),
        "the suggested commands reach the same cluster: {err}"
    );
    // Left for inspection, as the message says.
    assert!(!k.objects_of("u1").is_empty());
}

#[test]
fn get_lists_clusters_in_one_namespace_and_in_all() {
    let Some(k) = Cluster::new("get") else {
        return;
    };
    assert_eq!(k.start("g1", &[]).status.code(), Some(0));
    assert_eq!(
        k.start("g2", &["-Dkubernetes.rest-service.exposed.type=NodePort"])
            .status
            .code(),
        Some(0)
    );
    let out = k.flink(&["get", "-o", "name"]);
    assert_eq!(
        stdout(&out),
        "deployment.apps/g1\ndeployment.apps/g2\n",
        "{}",
        stderr(&out)
    );
    let out = k.flink(&["get", "g2", "-o", "json"]);
    let g2: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(g2["restServiceType"], "NodePort");
    assert_eq!(g2["mode"], "session");
    let out = k.flink(&["get", "-A"]);
    let table = stdout(&out);
    assert!(table.starts_with("NAMESPACE"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(&k.namespace) && l.contains(" g1 ")),
        "{table}"
    );
}

#[test]
fn cleanup_removes_the_cluster_and_its_ha_config_maps() {
    let Some(k) = Cluster::new("cleanup") else {
        return;
    };
    let ha = [
        "-Dhigh-availability.type=kubernetes",
        "-Dhigh-availability.storageDir=file:///tmp/ha",
    ];
    assert_eq!(k.start("h1", &ha).status.code(), Some(0));
    // The ConfigMaps Flink's JobManager keeps for HA, as it labels them.
    k.apply(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: h1-cluster-config-map\n  labels: {app: h1, type: flink-native-kubernetes, configmap-type: high-availability}\n",
    );
    let out = k.flink(&["cleanup", "h1", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("configmap/h1-cluster-config-map deleted"),
        "{}",
        stdout(&out)
    );
    assert_eq!(k.until_gone("h1"), Vec::<String>::new());
}

#[test]
fn rbac_setup_grants_what_the_real_authorizer_checks() {
    let Some(k) = Cluster::new("rbac") else {
        return;
    };
    for action in ["created", "unchanged"] {
        let out = k.flink(&["rbac-setup", "--user", "alice"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("role.rbac.authorization.k8s.io/flink {action}")),
            "{}",
            stdout(&out)
        );
    }
    // `kubectl auth can-i` asks the real authorizer (a SubjectAccessReview).
    let can_i = |verb: &str, resource: &str, user: &str| {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        let out =
            k.cp.kubectl()
                .args([
                    "auth",
                    "can-i",
                    verb,
                    resource,
                    "-n",
                    &k.namespace,
                    "--as",
                    user,
                ])
                .arg(format!("--subresource={subresource}"))
                .output()
                .expect("kubectl auth can-i");
        stdout(&out).trim().to_string()
    };
    let jobmanager = format!("system:serviceaccount:{}:flink", k.namespace);
    // What Flink's JobManager needs: TaskManager pods, HA ConfigMaps, its own Deployment.
    assert_eq!(can_i("create", "pods", &jobmanager), "yes");
    assert_eq!(can_i("delete", "pods", &jobmanager), "yes");
    assert_eq!(can_i("watch", "pods", &jobmanager), "yes");
    assert_eq!(can_i("update", "configmaps", &jobmanager), "yes");
    assert_eq!(can_i("get", "deployments.apps", &jobmanager), "yes");
    assert_eq!(can_i("create", "secrets", &jobmanager), "no");
    // What a kubectl-flink user needs.
    assert_eq!(can_i("create", "deployments.apps", "alice"), "yes");
    assert_eq!(can_i("create", "pods/portforward", "alice"), "yes");
    assert_eq!(can_i("get", "services/proxy", "alice"), "yes");
    assert_eq!(can_i("create", "deployments.apps", "bob"), "no");

    // alice, granted, can start a cluster with her own certificate.
    let alice =
        k.cp.write_kubeconfig("alice", &k.namespace)
            .expect("alice's kubeconfig")
            .display()
            .to_string();
    let conf = golden_conf();
    let out = k.flink_as(
        &alice,
        &["session", "start", "a1", "--flink-conf-dir", &conf],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // bob, not granted, sees the real 403 and the one-line fix.
    let bob =
        k.cp.write_kubeconfig("bob", &k.namespace)
            .expect("bob's kubeconfig")
            .display()
            .to_string();
    let out = k.flink_as(&bob, &["session", "start", "b1", "--flink-conf-dir", &conf]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("forbidden") && message.contains("kubectl flink rbac-setup"),
        "{message}"
    );
    let out = k.flink_as(&bob, &["rbac-setup"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("must be run by someone allowed to create Roles"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn port_forward_reaches_the_jobmanager_pod_through_the_real_api_server() {
    let Some(k) = Cluster::new("port-forward") else {
        return;
    };
    assert_eq!(k.start("pf1", &[]).status.code(), Some(0));
    // A local HTTP server stands in for the JobManager's REST port; kwok
    // forwards the pod's port 8081 to it.
    let backend = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let backend_addr = backend.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in backend.incoming().take(8).flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 1024];
            let _ = stream.read(&mut buffer);
            let body = "{\"flink-version\":\"2.3.0\",\"jobs-running\":0}";
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let pod = k.until_jobmanager_ready("pf1");
    k.cp.forward_pod_ports(&k.namespace, &pod, &[(8081, backend_addr)])
        .expect("a kwok PortForward");
    let mut child = command(k.home.path())
        .args([
            "--kubeconfig",
            &k.kubeconfig,
            "port-forward",
            "pf1",
            "--port",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn port-forward");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().expect("stdout")),
        &mut line,
    )
    .expect("the forwarding line");
    let Some(local) = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .map(str::to_string)
    else {
        let _ = child.kill();
        let out = child.wait_with_output().expect("port-forward's output");
        panic!("no local address in {line:?}: {}", stderr(&out))
    };
    let answer = {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&local).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("a read timeout");
        stream
            .write_all(b"GET /overview HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("request");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    };
    let _ = child.kill();
    let out = child.wait_with_output().expect("port-forward's output");
    assert!(answer.contains("2.3.0"), "{answer:?} {}", stderr(&out));
}

/// Waits until every task of `job` runs (Flink refuses savepoints before).
fn wait_tasks_running(session: &flink_kit::jobmanager::StandaloneSession, job: &str) {
    let client = flink_kit::rest::RestClient::new(session.rest_addr());
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let body = client
            .get(&format!("/jobs/{job}"))
            .map(|(_, body)| body)
            .unwrap_or_default();
        let details: Value = serde_json::from_str(&body).unwrap_or_default();
        let vertices = details["vertices"].as_array().cloned().unwrap_or_default();
        if details["state"] == "RUNNING"
            && !vertices.is_empty()
            && vertices.iter().all(|v| v["status"] == "RUNNING")
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "tasks of {job} never all ran: {body}"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn job_verbs_reach_a_real_jobmanager_by_port_forward_when_the_proxy_has_no_endpoints() {
    let Some(k) = Cluster::new("jobs") else {
        return;
    };
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    // A JobManager of its own: `session stop` shuts it down.
    let session =
        flink_kit::jobmanager::StandaloneSession::start(&flink_home).expect("a Flink JobManager");
    let jar = flink_kit::jobjar::streaming_job_jar(&flink_home).expect("the job jar");
    assert_eq!(k.start("s1", &[]).status.code(), Some(0));
    let pod = k.until_jobmanager_ready("s1");
    // kwok forwards the JobManager pod's REST port to the real JobManager.
    k.cp.forward_pod_ports(&k.namespace, &pod, &[(8081, session.rest_addr())])
        .expect("a kwok PortForward");

    // The real API server's services proxy finds no endpoints for loopback
    // pods (it answers "no endpoints available", or "services … not found"
    // while it has no Endpoints object — as where the API server cannot
    // reach the pod network): the default route falls back to a
    // port-forward through the kubelet.
    let out = k.flink(&["session", "wait", "s1", "--timeout", "60s"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = k.flink(&[
        "session",
        "run",
        "s1",
        &jar.display().to_string(),
        "-c",
        flink_kit::jobjar::STREAMING_JOB_CLASS,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let job = stdout(&out).trim().to_string();
    assert_eq!(job.len(), 32, "a job id: {job}");
    wait_tasks_running(&session, &job);
    let out = k.flink(&["session", "list", "s1", "-v"]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l.starts_with(&job) && l.contains("RUNNING")),
        "{} {}",
        stdout(&out),
        stderr(&out)
    );
    let dir = k.home.path().join("savepoints");
    let out = k.flink(&[
        "session",
        "savepoint",
        "s1",
        &job,
        &format!("file://{}", dir.display()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    flink_kit::jobmanager::assert_savepoint_on_disk(stdout(&out).trim(), &dir);
    let out = k.flink(&["session", "cancel", "s1", &job]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // Flink shuts down on DELETE /cluster; this standalone JobManager cannot
    // delete its Deployment, so kubectl-flink does, and the real garbage
    // collector removes the rest.
    let out = k.flink(&[
        "session",
        "stop",
        "s1",
        "--grace-period",
        "5s",
        "--timeout",
        "90s",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Flink shut down but left its Deployment"),
        "the graceful path was taken: {}",
        stderr(&out)
    );
    assert_eq!(k.until_gone("s1"), Vec::<String>::new());
}

#[test]
fn session_attach_names_the_cluster_and_its_stop_removes_it() {
    let Some(k) = Cluster::new("attach") else {
        return;
    };
    assert_eq!(k.start("at1", &[]).status.code(), Some(0));
    let mut child = command(k.home.path())
        .args(["--kubeconfig", &k.kubeconfig, "session", "attach", "at1"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn attach");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"stop\n")
            .expect("write stop");
    }
    let out = child.wait_with_output().expect("attach");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "Attached to Flink session cluster at1 in namespace {}",
            k.namespace
        )),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("Flink session cluster at1 stopped"),
        "{}",
        stdout(&out)
    );
    assert_eq!(k.until_gone("at1"), Vec::<String>::new());
}
