//! `port-forward`: the JobManager's REST port on a local port, through the
//! imitation API server and through the real API server and kwok; a line per
//! failed connection.

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;
use std::io::Write;
use std::process::Stdio;
use std::time::Duration;
use test_apiserver::ApiServer;

/// A one-shot HTTP server answering every request with `body`.
fn http_backend(body: &'static str) -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind backend");
    let addr = listener.local_addr().expect("backend address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buffer);
            let response = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes());
        }
    });
    addr
}

/// `kubectl flink port-forward ID --port 0` running, and its local address.
async fn spawn_port_forward(
    server: &ApiServer,
    home: &Scratch,
    id: &str,
) -> (std::process::Child, String) {
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let mut child = command(home.path())
        .args([
            "--kubeconfig",
            &kubeconfig,
            "port-forward",
            id,
            "--port",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn port-forward");
    let stdout_pipe = child.stdout.take().expect("stdout");
    let reading = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout_pipe), &mut line)
            .map(|_| line)
    });
    let Ok(read) = tokio::time::timeout(Duration::from_secs(30), reading).await else {
        let _ = child.kill();
        panic!("port-forward printed nothing within 30s");
    };
    let line = read.expect("join").expect("first line");
    let local = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .unwrap_or_else(|| panic!("no local address in {line:?}"))
        .to_string();
    (child, local)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_says_why_a_connection_failed() {
    let server = server().await;
    let home = Scratch::new("port-forward-refused");
    assert_eq!(start(&server, &home, "pf2", &[]).status.code(), Some(0));
    // The pod is Ready but nothing listens on its REST port.
    let (mut child, local) = spawn_port_forward(&server, &home, "pf2").await;
    tokio::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&local).expect("connect");
        let _ = stream.write_all(b"GET /overview HTTP/1.1\r\nHost: localhost\r\n\r\n");
        let mut answer = Vec::new();
        let _ = std::io::Read::read_to_end(&mut stream, &mut answer);
    })
    .await
    .expect("join");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let _ = child.kill();
    let output = child.wait_with_output().expect("wait");
    let err = stderr(&output);
    assert!(
        err.lines()
            .any(|l| l.contains("connection to pod pf2-") && l.contains("failed:")),
        "one line per failed connection, with the reason: {err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn port_forward_serves_the_jobmanager_on_a_local_port() {
    let server = server().await;
    let backend = http_backend("{\"flink-version\":\"2.3.0\"}");
    server.attach_backend("default", "app=pf1,component=jobmanager", 8081, backend);
    let home = Scratch::new("port-forward");
    let out = start(&server, &home, "pf1", &[]);
    assert!(
        stdout(&out).contains("kubectl flink port-forward pf1 -n default"),
        "{}",
        stdout(&out)
    );

    let (mut child, local) = spawn_port_forward(&server, &home, "pf1").await;
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream =
            std::net::TcpStream::connect(&local).expect("connect to the forwarded port");
        stream
            .write_all(b"GET /overview HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("request");
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).expect("response");
        answer
    })
    .await
    .expect("join");
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.contains("2.3.0"),
        "{answer}"
    );

    let out = flink(&server, &home, &["port-forward", "nope", "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("has no JobManager pod"),
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
