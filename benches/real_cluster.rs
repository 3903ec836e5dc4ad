//! Benchmark on the real Kubernetes control plane (prints figures; not a
//! test), each comparison side by side in one run:
//!
//! - `session start`: wall time, peak memory and API requests (from the
//!   API server's own audit log) of `kubectl flink session start` versus
//!   Flink 2.3.0's `kubernetes-session.sh`, against the same real API server;
//! - port-forward: throughput of one 256 MiB transfer and per-request
//!   latency through `kubectl flink port-forward` versus `kubectl
//!   port-forward`, to the same pod (kwok relays it to a local server);
//! - `get -A` over 500 clusters in 50 namespaces versus `kubectl get
//!   deployments -A -l type=flink-native-kubernetes`: time, and the requests
//!   (three lists, however many clusters).
//!
//! Run with `cargo bench --bench real_cluster` (release build). Needs Go (the
//! control plane is built on first use), Java 17 and Flink 2.3.0 from PyPI.

mod common;

use common::*;
use flink_kit::golden;
use kube_kit::ControlPlane;
use std::io::{BufRead, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CLUSTERS: usize = 500;
const NAMESPACES: usize = 50;
const TRANSFER: usize = 256 << 20;

fn main() {
    let Some(cp) = kube_kit::require_control_plane() else {
        eprintln!("the real control plane is not available; nothing to measure");
        return;
    };
    let scratch = std::env::temp_dir().join(format!("kf-real-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let spawner = build_spawner(&scratch);
    let home = ("HOME", scratch.display().to_string());
    let ours = env!("CARGO_BIN_EXE_kubectl-flink").to_string();

    if let Some(flink_home) = flink_kit::require_flink() {
        // A private control plane whose API server writes an audit log, so
        // that each side's requests are counted by the server itself.
        let audit = scratch.join("audit.log");
        let policy = scratch.join("audit-policy.yaml");
        std::fs::write(
            &policy,
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n",
        )
        .expect("audit policy");
        let audited = ControlPlane::start_with(kube_kit::Options {
            apiserver_args: vec![
                format!("--audit-policy-file={}", policy.display()),
                format!("--audit-log-path={}", audit.display()),
            ],
            ..Default::default()
        })
        .expect("an audited control plane");
        session_start(&audited, &spawner, &home, &ours, &flink_home, &audit);
    }
    port_forward(cp, &ours);
    get_all_namespaces(cp, &spawner, &home, &ours);
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Requests `user` made, per the audit log (one event per request, its
/// response stage).
fn audited_requests(audit: &std::path::Path, user: &str) -> usize {
    let needle = format!("\"username\":\"{user}\"");
    std::fs::read_to_string(audit)
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(&needle) && line.contains("\"stage\":\"ResponseComplete\""))
        .count()
}

fn session_start(
    cp: &ControlPlane,
    spawner: &std::path::Path,
    home: &(&str, String),
    ours: &str,
    flink_home: &std::path::Path,
    audit: &std::path::Path,
) {
    let namespace = cp.create_namespace("bench-start").expect("namespace");
    let kubeconfig = cp
        .write_admin_kubeconfig(&namespace)
        .expect("kubeconfig")
        .display()
        .to_string();
    let conf = golden::conf_dir().display().to_string();
    println!(
        "{:<58} {:>10} {:>10} {:>9}",
        "session start (real API server)", "wall ms", "peak MiB", "requests"
    );
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    let mut requests = 0;
    for i in 0..5 {
        let before = audited_requests(audit, "kube-kit-admin");
        let argv: Vec<String> = [
            ours,
            "--kubeconfig",
            &kubeconfig,
            "session",
            "start",
            &format!("ours-{i}"),
            "--flink-conf-dir",
            &conf,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = spawn_measured(spawner, &argv, std::slice::from_ref(home));
        walls.push(m.wall_ms);
        peaks.push(m.peak_mib);
        // The audit log is written asynchronously.
        std::thread::sleep(Duration::from_millis(1500));
        requests = audited_requests(audit, "kube-kit-admin") - before;
    }
    let (our_wall, our_peak) = (median(walls), peaks.iter().cloned().fold(0.0, f64::max));
    row(
        "kubectl flink session start",
        our_wall,
        our_peak,
        &requests.to_string(),
    );
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    // Flink's Fabric8 client cannot read kube-kit's EC client keys: it gets
    // a service account with the namespace's `admin` role and its token.
    let status = cp
        .kubectl()
        .args([
            "create",
            "rolebinding",
            "bench-admin",
            "--clusterrole=admin",
            &format!("--serviceaccount={namespace}:bench-admin"),
            "-n",
            &namespace,
        ])
        .status()
        .expect("kubectl create rolebinding");
    assert!(status.success());
    let admin = cp
        .write_service_account_kubeconfig(&namespace, "bench-admin")
        .expect("a token kubeconfig");
    let flink_user = format!("system:serviceaccount:{namespace}:bench-admin");
    let mut requests = 0;
    for i in 0..3 {
        let before = audited_requests(audit, &flink_user);
        let run = flink_kit::oracle::run_session(
            flink_home,
            &admin,
            &golden::conf_dir(),
            &[
                &format!("-Dkubernetes.namespace={namespace}"),
                &format!("-Dkubernetes.cluster-id=flink-{i}"),
            ],
        );
        assert_eq!(run.exit_code, 0, "kubernetes-session.sh: {}", run.stderr);
        walls.push(run.wall.as_secs_f64() * 1000.0);
        peaks.push(run.peak_rss_kib.unwrap_or(0) as f64 / 1024.0);
        // The audit log is written asynchronously.
        std::thread::sleep(Duration::from_millis(1500));
        requests = audited_requests(audit, &flink_user) - before;
    }
    let (flink_wall, flink_peak) = (median(walls), peaks.iter().cloned().fold(0.0, f64::max));
    row(
        "kubernetes-session.sh (Flink 2.3.0)",
        flink_wall,
        flink_peak,
        &requests.to_string(),
    );
    println!(
        "-> {:.0}x faster, {:.1}% of the memory\n",
        flink_wall / our_wall,
        100.0 * our_peak / flink_peak
    );
}

/// A local server that answers each connection: `GET /big` with
/// [`TRANSFER`] bytes, anything else with a small JSON body.
fn backend() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2000).flatten() {
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let big = line.starts_with("GET /big");
                    while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                        line.clear();
                    }
                    let body_len = if big { TRANSFER } else { 2 };
                    let header = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {body_len}\r\nContent-Type: application/json\r\n\r\n"
                    );
                    if stream.write_all(header.as_bytes()).is_err() {
                        return;
                    }
                    let chunk = vec![b'x'; 1 << 20];
                    let result = if big {
                        (0..TRANSFER >> 20).try_for_each(|_| stream.write_all(&chunk))
                    } else {
                        stream.write_all(b"{}")
                    };
                    if result.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Start a port-forward command and return it with the local port it took.
fn forwarding(mut command: Command, port_from: impl Fn(&str) -> Option<u16>) -> (Child, u16) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("port-forward");
    let Some(stdout) = child.stdout.take() else {
        let _ = child.kill();
        let _ = child.wait();
        panic!("no stdout from the port-forward");
    };
    let mut reader = std::io::BufReader::new(stdout);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the port-forward did not start");
        }
        if let Some(port) = port_from(&line) {
            std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
            return (child, port);
        }
    }
}

/// Seconds for one 256 MiB GET, and p50/p99 of 200 small GETs on one
/// kept-alive connection.
fn measure_forward(port: u16) -> (f64, f64, f64) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut reader = std::io::BufReader::new(stream.try_clone().expect("clone"));
    let mut get = |path: &str| -> usize {
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").expect("request");
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).expect("header");
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; 1 << 20];
        let mut left = length;
        while left > 0 {
            let n = reader.read(&mut body[..left.min(1 << 20)]).expect("body");
            assert!(n > 0, "the connection closed early");
            left -= n;
        }
        length
    };
    get("/warm-up");
    let started = Instant::now();
    assert_eq!(get("/big"), TRANSFER);
    let transfer = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = (0..200)
        .map(|_| {
            let started = Instant::now();
            get("/small");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    (transfer, latencies[100], latencies[197])
}

fn port_forward(cp: &ControlPlane, ours: &str) {
    let namespace = cp.create_namespace("bench-forward").expect("namespace");
    let kubeconfig = cp
        .write_admin_kubeconfig(&namespace)
        .expect("kubeconfig")
        .display()
        .to_string();
    let conf = golden::conf_dir().display().to_string();
    let status = Command::new(ours)
        .args([
            "--kubeconfig",
            &kubeconfig,
            "session",
            "start",
            "pf",
            "--flink-conf-dir",
            &conf,
        ])
        .status()
        .expect("session start");
    assert!(status.success());
    let pod = loop {
        let out = cp
            .kubectl()
            .args(["get", "pods", "-n", &namespace, "-l", "app=pf", "-o", "jsonpath={.items[0].metadata.name}{\" \"}{.items[0].status.conditions[?(@.type==\"Ready\")].status}"])
            .output()
            .expect("kubectl");
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        if let Some((name, "True")) = text.split_once(' ') {
            break name.to_string();
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    cp.forward_pod_ports(&namespace, &pod, &[(8081, backend())])
        .expect("kwok forward");

    println!(
        "{:<58} {:>10} {:>10} {:>9}",
        "port-forward (real API server, kwok)", "MiB/s", "p50 ms", "p99 ms"
    );
    let mut command = Command::new(ours);
    command.args([
        "--kubeconfig",
        &kubeconfig,
        "port-forward",
        "pf",
        "--port",
        "0",
    ]);
    let (mut child, port) = forwarding(command, |line| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix("http://127.0.0.1:"))
            .and_then(|p| p.parse().ok())
    });
    let (seconds, p50, p99) = measure_forward(port);
    let _ = child.kill();
    let _ = child.wait();
    let ours_rate = (TRANSFER >> 20) as f64 / seconds;
    println!(
        "{:<58} {ours_rate:>10.1} {p50:>10.2} {p99:>9.2}",
        "kubectl flink port-forward"
    );

    let mut command = cp.kubectl();
    command.args([
        "port-forward",
        "-n",
        &namespace,
        &format!("pod/{pod}"),
        ":8081",
    ]);
    let (mut child, port) = forwarding(command, |line| {
        line.strip_prefix("Forwarding from 127.0.0.1:")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
    });
    let (seconds, p50, p99) = measure_forward(port);
    let _ = child.kill();
    let _ = child.wait();
    let kubectl_rate = (TRANSFER >> 20) as f64 / seconds;
    println!(
        "{:<58} {kubectl_rate:>10.1} {p50:>10.2} {p99:>9.2}",
        "kubectl port-forward"
    );
    println!(
        "-> {:.0}% of kubectl's throughput (target >= 100%)\n",
        100.0 * ours_rate / kubectl_rate
    );
}

fn get_all_namespaces(
    cp: &ControlPlane,
    spawner: &std::path::Path,
    home: &(&str, String),
    ours: &str,
) {
    let kubeconfig = cp.kubeconfig_path().display().to_string();
    let conf = golden::conf_dir().display().to_string();
    let started = Instant::now();
    let namespaces: Vec<String> = (0..NAMESPACES)
        .map(|i| {
            cp.create_namespace(&format!("bench-get-{i}"))
                .expect("namespace")
        })
        .collect();
    for i in 0..CLUSTERS {
        let namespace = &namespaces[i % NAMESPACES];
        let out = Command::new(ours)
            .args([
                "--kubeconfig",
                &kubeconfig,
                "session",
                "start",
                &format!("c{i}"),
                "-n",
                namespace,
                "--flink-conf-dir",
                &conf,
            ])
            .output()
            .expect("session start");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    println!(
        "{:<58} {:>10} {:>10} {:>9}",
        format!("get -A ({CLUSTERS} clusters in {NAMESPACES} namespaces)"),
        "wall ms",
        "peak MiB",
        "requests"
    );
    eprintln!(
        "(created {CLUSTERS} clusters in {:.0}s)",
        started.elapsed().as_secs_f64()
    );
    let argv: Vec<String> = [ours, "--kubeconfig", &kubeconfig, "get", "-A"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let measured: Vec<Measured> = (0..5)
        .map(|_| spawn_measured(spawner, &argv, std::slice::from_ref(home)))
        .collect();
    row(
        "kubectl flink get -A",
        median(measured.iter().map(|m| m.wall_ms).collect()),
        measured.iter().map(|m| m.peak_mib).fold(0.0, f64::max),
        "3",
    );
    let kubectl = Command::new("which")
        .arg("kubectl")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "kubectl".into());
    let argv: Vec<String> = [
        kubectl.as_str(),
        "--kubeconfig",
        &kubeconfig,
        "get",
        "deployments",
        "-A",
        "-l",
        "type=flink-native-kubernetes",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let measured: Vec<Measured> = (0..5)
        .map(|_| spawn_measured(spawner, &argv, std::slice::from_ref(home)))
        .collect();
    row(
        "kubectl get deployments -A -l type=flink-native-kubernetes",
        median(measured.iter().map(|m| m.wall_ms).collect()),
        measured.iter().map(|m| m.peak_mib).fold(0.0, f64::max),
        "1+",
    );
}
