//! `kubectl flink port-forward` under load, on the real control plane (prints figures; not a
//! test — CI time is limited), beside `kubectl port-forward` to the same pod:
//!
//! - 200 concurrent connections, 5 small requests each: failures, p50/p99 latency;
//! - 1 GiB through one connection: throughput;
//! - the JobManager pod deleted in the middle: what happens to a connection in flight, and
//!   how soon after the new pod is Ready a new connection succeeds;
//! - the process's file descriptors, threads and resident memory before and after.
//!
//! Run with `cargo bench --bench port_forward_load` (release build). kwok relays the pod's
//! port to a local server; nothing listens beyond 127.0.0.1.

use kube_kit::ControlPlane;
use std::io::{BufRead, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIG: usize = 1 << 30;
const CONNECTIONS: usize = 200;
const REQUESTS_PER_CONNECTION: usize = 5;

fn main() {
    let Some(cp) = kube_kit::require_control_plane() else {
        eprintln!("the real control plane is not available; nothing to measure");
        return;
    };
    let ours = env!("CARGO_BIN_EXE_kubectl-flink").to_string();
    let namespace = cp.create_namespace("pf-load").expect("namespace");
    let kubeconfig = cp
        .write_admin_kubeconfig(&namespace)
        .expect("kubeconfig")
        .display()
        .to_string();
    let conf = flink_kit::golden::conf_dir().display().to_string();
    let status = Command::new(&ours)
        .args(["--kubeconfig", &kubeconfig, "session", "start", "load"])
        .args(["--flink-conf-dir", &conf])
        .stdout(Stdio::null())
        .status()
        .expect("session start");
    assert!(status.success());
    cp.forward_namespace_port(&namespace, 8081, backend())
        .expect("kwok forward");
    let pod = ready_pod(cp, &namespace, None);

    let mut ours_cmd = Command::new(&ours);
    ours_cmd.args([
        "--kubeconfig",
        &kubeconfig,
        "port-forward",
        "load",
        "--port",
        "0",
    ]);
    let (mut ours_child, ours_port) = forwarding(ours_cmd, |line| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix("http://127.0.0.1:"))
            .and_then(|p| p.trim_end_matches('/').parse().ok())
    });
    let mut kubectl_cmd = cp.kubectl();
    kubectl_cmd.args([
        "port-forward",
        "-n",
        &namespace,
        &format!("pod/{pod}"),
        ":8081",
    ]);
    let (mut kubectl_child, kubectl_port) = forwarding(kubectl_cmd, |line| {
        line.strip_prefix("Forwarding from 127.0.0.1:")
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
    });

    // Warm both up, then take the baseline of ours.
    for port in [ours_port, kubectl_port] {
        Http::connect(port)
            .expect("warm-up")
            .get("/small")
            .expect("warm-up");
    }
    std::thread::sleep(Duration::from_millis(500));
    let before = Usage::of(ours_child.id());

    println!(
        "{:<40} {:>9} {:>9} {:>9} {:>10}",
        "port-forward under load (real API server)", "failed", "p50 ms", "p99 ms", "MiB/s"
    );
    for (name, port) in [
        ("kubectl flink port-forward", ours_port),
        ("kubectl port-forward", kubectl_port),
    ] {
        let (failed, p50, p99, took) = concurrent(port);
        let rate = big_transfer(port);
        println!(
            "{name:<40} {:>9} {p50:>9.1} {p99:>9.1} {rate:>10.1}   ({CONNECTIONS} connections x {REQUESTS_PER_CONNECTION} requests in {took:.1}s; 1 GiB in one)",
            format!("{failed}/{CONNECTIONS}")
        );
    }
    // Memory stays flat: more rounds of the same load.
    let mut rounds = Vec::new();
    for _ in 0..3 {
        concurrent(ours_port);
        rounds.push(Usage::of(ours_child.id()).rss_kib.to_string());
    }
    println!(
        "RSS after 3 more rounds of {CONNECTIONS} connections: {} KiB",
        rounds.join(", ")
    );
    let after_load = Usage::of(ours_child.id());
    let _ = kubectl_child.kill();
    let _ = kubectl_child.wait();

    // The JobManager pod restarts while a transfer is in flight.
    let in_flight = std::thread::spawn(move || {
        let started = Instant::now();
        let result = Http::connect(ours_port).and_then(|mut c| c.get("/big"));
        (result, started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(300));
    let deleted_at = Instant::now();
    let out = cp
        .kubectl()
        .args(["delete", "pod", "-n", &namespace, &pod, "--wait=false"])
        .output()
        .expect("kubectl delete pod");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new_pod = ready_pod(cp, &namespace, Some(&pod));
    let ready_after = deleted_at.elapsed();
    let reconnect = loop {
        if Http::connect(ours_port)
            .and_then(|mut c| c.get("/small"))
            .is_ok()
        {
            break deleted_at.elapsed().saturating_sub(ready_after);
        }
        if deleted_at.elapsed() > Duration::from_secs(120) {
            panic!("no new connection succeeded within 120 s of the pod restart");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (flight, flight_took) = in_flight.join().expect("in-flight transfer");
    println!(
        "pod restart: {pod} -> {new_pod} Ready {:.1}s after the delete; a new connection succeeded {:.2}s after Ready; the transfer in flight {} after {:.1}s",
        ready_after.as_secs_f64(),
        reconnect.as_secs_f64(),
        match &flight {
            Ok(n) if *n == BIG => "completed".to_string(),
            Ok(n) => format!("ended short ({n} bytes)"),
            Err(e) => format!("ended ({e})"),
        },
        flight_took.as_secs_f64()
    );
    std::thread::sleep(Duration::from_secs(2));
    let after = Usage::of(ours_child.id());
    println!(
        "kubectl flink port-forward process: fds {} -> {} (under load) -> {}, threads {} -> {} -> {}, RSS {} -> {} -> {} KiB",
        before.fds,
        after_load.fds,
        after.fds,
        before.threads,
        after_load.threads,
        after.threads,
        before.rss_kib,
        after_load.rss_kib,
        after.rss_kib
    );
    let _ = ours_child.kill();
    let _ = ours_child.wait();
}

/// File descriptors, threads and resident memory of a process, from /proc.
struct Usage {
    fds: usize,
    threads: usize,
    rss_kib: usize,
}

impl Usage {
    fn of(pid: u32) -> Usage {
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .map(|d| d.count())
            .unwrap_or(0);
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        Usage {
            fds,
            threads: field("Threads:"),
            rss_kib: field("VmRSS:"),
        }
    }
}

/// The name of a Ready pod of the cluster (other than `not`).
fn ready_pod(cp: &ControlPlane, namespace: &str, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = cp
            .kubectl()
            .args(["get", "pods", "-n", namespace, "-l", "app=load,component=jobmanager", "-o"])
            .arg("jsonpath={range .items[*]}{.metadata.name}{\" \"}{.status.conditions[?(@.type==\"Ready\")].status}{\" \"}{.metadata.deletionTimestamp}{\"\\n\"}{end}")
            .output()
            .expect("kubectl");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            if let [name, "True"] = words.as_slice()
                && Some(*name) != not
            {
                return name.to_string();
            }
        }
        assert!(Instant::now() < deadline, "no Ready JobManager pod");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A local server behind the pod's port 8081: `GET /big` answers 1 GiB, anything else `{}`.
fn backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    addr
}

fn serve(mut stream: TcpStream) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = std::io::BufReader::new(clone);
    let chunk = vec![b'x'; 1 << 20];
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let big = line.starts_with("GET /big");
        let mut header = String::new();
        while reader.read_line(&mut header).unwrap_or(0) > 0 && header != "\r\n" {
            header.clear();
        }
        let length = if big { BIG } else { 2 };
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n");
        if stream.write_all(head.as_bytes()).is_err() {
            return;
        }
        let sent = if big {
            (0..BIG >> 20).try_for_each(|_| stream.write_all(&chunk))
        } else {
            stream.write_all(b"{}")
        };
        if sent.is_err() {
            return;
        }
    }
}

/// A kept-alive HTTP/1.1 connection through a forward.
struct Http {
    stream: TcpStream,
    reader: std::io::BufReader<TcpStream>,
}

impl Http {
    fn connect(port: u16) -> std::io::Result<Http> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let reader = std::io::BufReader::new(stream.try_clone()?);
        Ok(Http { stream, reader })
    }

    /// The body's length, once all of it has been read.
    fn get(&mut self, path: &str) -> std::io::Result<usize> {
        write!(
            self.stream,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )?;
        let mut length = 0;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::Error::other("closed before the answer"));
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.trim().parse().unwrap_or(0);
            }
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0u8; 1 << 20];
        let mut read = 0;
        while read < length {
            let n = self
                .reader
                .read(&mut body[..(length - read).min(1 << 20)])?;
            if n == 0 {
                return Ok(read);
            }
            read += n;
        }
        Ok(read)
    }
}

/// 200 connections at once, 5 requests each: failed connections, p50 and p99 per request (ms),
/// and the seconds all took.
fn concurrent(port: u16) -> (usize, f64, f64, f64) {
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let threads: Vec<_> = (0..CONNECTIONS)
        .map(|_| {
            let failed = failed.clone();
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let result = Http::connect(port).and_then(|mut c| {
                    for _ in 0..REQUESTS_PER_CONNECTION {
                        let t = Instant::now();
                        c.get("/small")?;
                        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                    }
                    Ok(())
                });
                if result.is_err() {
                    failed.fetch_add(1, Ordering::Relaxed);
                }
                latencies
            })
        })
        .collect();
    let mut all: Vec<f64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap_or_default())
        .collect();
    let took = started.elapsed().as_secs_f64();
    all.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or(f64::NAN)
    };
    (failed.load(Ordering::Relaxed), at(0.5), at(0.99), took)
}

/// MiB/s of one 1 GiB answer through one connection.
fn big_transfer(port: u16) -> f64 {
    let started = Instant::now();
    let got = Http::connect(port)
        .and_then(|mut c| c.get("/big"))
        .unwrap_or(0);
    assert_eq!(got, BIG, "the 1 GiB transfer ended short");
    (BIG >> 20) as f64 / started.elapsed().as_secs_f64()
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
