//! Port-forward (WebSocket, `v4.channel.k8s.io`) and the service proxy, relayed to a
//! real local TCP server attached to the pods.

use crate::common::{bounded, client};
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, PostParams};
use serde_json::json;
use std::net::SocketAddr;
use test_apiserver::{ApiServer, ServerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A tiny HTTP server that answers every request with its method and path.
async fn http_backend() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let n = s.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).to_string();
                let first = head.lines().next().unwrap_or("").to_string();
                let body = format!("{{\"seen\": \"{first}\"}}");
                let resp = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes()).await;
                let _ = s.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn port_forward_and_service_proxy_reach_an_attached_backend() {
    let server = ApiServer::start(ServerOptions::default()).await.unwrap();
    // The backend runs on this test's runtime; the server relays to it over real TCP.
    let backend = http_backend().await;
    server.attach_backend("default", "component=jobmanager", 8081, backend);
    let c = client(&server).await;
    let pods: Api<Pod> = Api::default_namespaced(c.clone());
    let pod: Pod = serde_json::from_value(json!({"metadata": {"name": "jm", "labels": {"app": "f", "component": "jobmanager"}},
        "spec": {"containers": [{"name": "main", "image": "flink", "ports": [{"name": "rest", "containerPort": 8081}]}]}})).unwrap();
    pods.create(&PostParams::default(), &pod).await.unwrap();

    let mut pf = bounded("portforward", pods.portforward("jm", &[8081]))
        .await
        .unwrap();
    let mut stream = pf.take_stream(8081).unwrap();
    stream
        .write_all(b"GET /overview HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut out = String::new();
    bounded("forwarded answer", stream.read_to_string(&mut out))
        .await
        .unwrap();
    assert!(
        out.starts_with("HTTP/1.1 200 OK") && out.contains("GET /overview HTTP/1.1"),
        "{out}"
    );
    drop(stream);
    // The backend closed the connection, so the server closed the WebSocket first; kube-rs
    // then reports its own late Close as an error. The forwarder must still finish.
    let _ = bounded("portforward join", pf.join()).await;

    let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "jm-rest"},
        "spec": {"selector": {"component": "jobmanager"}, "ports": [{"name": "rest", "port": 8081, "targetPort": "rest"}]}});
    server
        .create("v1", "services", Some("default"), svc)
        .unwrap();
    let req = http::Request::get(
        "/api/v1/namespaces/default/services/jm-rest:rest/proxy/jobs/overview?x=1",
    )
    .body(vec![])
    .unwrap();
    let text = bounded("proxy", c.request_text(req)).await.unwrap();
    assert_eq!(text, "{\"seen\": \"GET /jobs/overview?x=1 HTTP/1.1\"}");
    let missing = http::Request::get("/api/v1/namespaces/default/services/nope/proxy/")
        .body(vec![])
        .unwrap();
    match c.request_text(missing).await.unwrap_err() {
        kube::Error::Api(s) => assert_eq!(s.code, 404),
        other => panic!("expected 404, got {other:?}"),
    }
}

#[tokio::test]
async fn kubectl_port_forward_reaches_an_attached_backend() {
    if !crate::common::require_kubectl() {
        return;
    }
    let server = ApiServer::start(ServerOptions::default()).await.unwrap();
    let backend = http_backend().await;
    server.attach_backend("default", "component=jobmanager", 8081, backend);
    let pod = json!({"metadata": {"name": "jm", "labels": {"component": "jobmanager"}},
        "spec": {"containers": [{"name": "main", "image": "flink", "ports": [{"name": "rest", "containerPort": 8081}]}]}});
    server.create("v1", "pods", Some("default"), pod).unwrap();
    crate::common::poll("the pod to run", || {
        server
            .object("v1", "pods", Some("default"), "jm")
            .filter(|p| p["status"]["phase"] == "Running")
    });
    let mut child = tokio::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(server.kubeconfig_path())
        .args(["port-forward", "pod/jm", ":8081"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    bounded(
        "kubectl port-forward to listen",
        tokio::io::AsyncBufReadExt::read_line(&mut stdout, &mut line),
    )
    .await
    .unwrap();
    // "Forwarding from 127.0.0.1:PORT -> 8081"
    let port: u16 = line
        .trim()
        .strip_prefix("Forwarding from 127.0.0.1:")
        .and_then(|r| r.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected kubectl output: {line:?}"));
    for path in ["/overview", "/jobs"] {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        bounded(
            "an answer through kubectl port-forward",
            s.read_to_string(&mut out),
        )
        .await
        .unwrap();
        assert!(
            out.starts_with("HTTP/1.1 200 OK") && out.contains(&format!("GET {path} HTTP/1.1")),
            "{out}"
        );
    }
    let _ = child.kill().await;
}
