//! `proxy-url: socks5://…` for every verb, with the API server reachable
//! only through a loopback SOCKS5 proxy; an unreachable one named.

use super::{Cluster, command, flink, proxies, stderr};
use std::net::TcpListener;

/// The admin's kubeconfig with the API server reachable only through
/// `proxy`: its server is 127.0.0.2, where nothing listens, which the
/// loopback SOCKS proxy maps to 127.0.0.1 (`tls-server-name` keeps the
/// certificate check).
fn behind_proxy(k: &Cluster, name: &str, proxy: Option<&str>) -> String {
    let admin = std::fs::read_to_string(&k.kubeconfig).expect("the admin kubeconfig");
    let server = k.cp.server_url();
    let hidden = server.replace("127.0.0.1", "127.0.0.2");
    let mut text = String::new();
    for line in admin.lines() {
        text.push_str(&line.replace(server, &hidden));
        text.push('\n');
        if line.trim_start().starts_with("server:") {
            text.push_str("    tls-server-name: localhost\n");
            if let Some(proxy) = proxy {
                text.push_str(&format!("    proxy-url: {proxy}\n"));
            }
        }
    }
    let path = k.home.path().join(format!("{name}.kubeconfig"));
    std::fs::write(&path, text).expect("write the kubeconfig");
    path.display().to_string()
}

/// A local HTTP server standing in for the JobManager's REST port.
pub(super) fn rest_backend() -> std::net::SocketAddr {
    let backend = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = backend.local_addr().expect("addr");
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for mut stream in backend.incoming().take(8).flatten() {
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
    addr
}

/// `port-forward ID --port 0` with `kubeconfig`, and `fetches` GETs through
/// it, `pause` apart (each a new port-forward to the pod); the answers and
/// port-forward's stderr.
pub(super) fn fetch_through_port_forward(
    k: &Cluster,
    kubeconfig: &str,
    id: &str,
    fetches: usize,
    pause: std::time::Duration,
) -> (Vec<String>, String) {
    use std::io::{BufRead, Read, Write};
    let mut child = command(k.home.path())
        .args([
            "--kubeconfig",
            kubeconfig,
            "port-forward",
            id,
            "--port",
            "0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn port-forward");
    let mut line = String::new();
    let _ = std::io::BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line);
    let Some(local) = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("http://"))
        .map(str::to_string)
    else {
        let _ = child.kill();
        let out = child.wait_with_output().expect("port-forward's output");
        panic!("no local address in {line:?}: {}", stderr(&out))
    };
    let mut answers = Vec::new();
    for fetch in 0..fetches {
        if fetch > 0 {
            std::thread::sleep(pause);
        }
        let mut answer = String::new();
        if let Ok(mut stream) = std::net::TcpStream::connect(&local) {
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(10)));
            let _ = stream.write_all(
                b"GET /overview HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            );
            let _ = stream.read_to_string(&mut answer);
        }
        answers.push(answer);
    }
    let _ = child.kill();
    let out = child.wait_with_output().expect("port-forward's output");
    (answers, stderr(&out))
}

#[test]
fn every_verb_goes_through_a_socks5_proxy_url() {
    let Some(k) = Cluster::new("socks") else {
        return;
    };
    let hidden = k.cp.server_url().replace("127.0.0.1", "127.0.0.2");
    let target = hidden.trim_start_matches("https://").to_string();
    // Without the proxy the API server cannot be reached at that address.
    let direct = behind_proxy(&k, "direct", None);
    let out = flink(
        &k,
        &["--kubeconfig", &direct, "get", "--request-timeout", "5s"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("connection refused"),
        "{}",
        stderr(&out)
    );

    let (proxy, seen) = proxies::socks5_proxy();
    let path = behind_proxy(&k, "socks", Some(&proxy));
    let conf = crate::common::golden_conf();
    let mut tunnelled = 0;
    let mut through_proxy = |what: &str, out: &std::process::Output| {
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(out));
        let seen = seen.lock().unwrap();
        assert!(
            seen.len() > tunnelled,
            "{what} opened no connection through the proxy"
        );
        assert!(seen.iter().all(|t| *t == target), "{seen:?}");
        tunnelled = seen.len();
    };
    for args in [
        vec!["rbac-setup"],
        vec!["session", "start", "sx", "--flink-conf-dir", &conf],
        vec!["get"],
        vec!["status", "sx"],
    ] {
        let mut argv = vec!["--kubeconfig", path.as_str()];
        argv.extend(&args);
        through_proxy(&args.join(" "), &flink(&k, &argv));
    }
    // port-forward's WebSocket to the API server: through the proxy too.
    let pod = k.until_jobmanager_ready("sx");
    k.cp.forward_pod_ports(&k.namespace, &pod, &[(8081, rest_backend())])
        .expect("a kwok PortForward");
    let (answers, err) = fetch_through_port_forward(&k, &path, "sx", 1, std::time::Duration::ZERO);
    assert!(answers[0].contains("2.3.0"), "{answers:?} {err}");
    assert!(seen.lock().unwrap().len() > tunnelled, "port-forward");
    tunnelled = seen.lock().unwrap().len();
    // stop: REST through the services proxy, then port-forward, then deletion.
    let out = flink(
        &k,
        &[
            "--kubeconfig",
            &path,
            "session",
            "stop",
            "sx",
            "--timeout",
            "90s",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "stop: {}", stderr(&out));
    assert!(seen.lock().unwrap().len() > tunnelled, "stop");
    assert!(k.until_gone("sx").is_empty());

    // A SOCKS proxy that is not there is named, not the API server alone.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone = format!("socks5://{}", closed.local_addr().expect("address"));
    drop(closed);
    let path = behind_proxy(&k, "socks-gone", Some(&gone));
    let out = flink(&k, &["--kubeconfig", &path, "get"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(&gone) && err.contains("proxy"), "{err}");
}
