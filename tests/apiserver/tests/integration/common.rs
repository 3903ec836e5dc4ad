//! Helpers shared by the integration tests: clients for a server, `kubectl` runs, and
//! polling with a bounded deadline (never fixed sleeps).

use kube::config::{KubeConfigOptions, Kubeconfig};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use test_apiserver::{ApiServer, ServerOptions};

/// How long any wait in these tests may take before it fails.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// Starts a server with default options.
pub async fn server() -> ApiServer {
    ApiServer::start(ServerOptions::default())
        .await
        .expect("server starts")
}

/// A kube-rs client from a kubeconfig file, as kubectl-flink builds its own.
pub async fn client_from(kubeconfig: &Path) -> kube::Client {
    let kc = Kubeconfig::read_from(kubeconfig).expect("kubeconfig parses");
    let config = kube::Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("kubeconfig is usable");
    kube::Client::try_from(config).expect("client builds")
}

/// A kube-rs client for the server's admin.
pub async fn client(server: &ApiServer) -> kube::Client {
    client_from(server.kubeconfig_path()).await
}

/// Whether `kubectl` can run; panics under `CI=true` when it cannot.
pub fn require_kubectl() -> bool {
    let ok = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            !flink_kit::in_ci(),
            "kubectl is required when CI=true but does not run"
        );
        flink_kit::skip_loudly("kubectl is not installed");
    }
    ok
}

/// What a kubectl run printed.
pub struct KubectlOutput {
    /// Exit status was success.
    pub ok: bool,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The longest a single kubectl run may take before it is killed.
const KUBECTL_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs `kubectl` against a kubeconfig (with its own discovery cache dir), feeding `stdin`;
/// killed (and the test failed) if it runs longer than [`KUBECTL_TIMEOUT`].
pub fn kubectl(kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> KubectlOutput {
    let cache = kubeconfig.with_extension("kube-cache");
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .arg("--cache-dir")
        .arg(&cache)
        .arg("--request-timeout=20s")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl starts");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("stdin written");
    }
    drop(child.stdin.take());
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = r.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout")));
    let err = drain(Box::new(child.stderr.take().expect("stderr")));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("kubectl can be waited for") {
            break status;
        }
        if start.elapsed() > KUBECTL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kubectl {args:?} did not finish within {KUBECTL_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    KubectlOutput {
        ok: status.success(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    }
}

/// Polls `check` until it returns Some or the deadline passes.
pub fn poll<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = check() {
            return v;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a future with the test deadline.
pub async fn bounded<F: std::future::Future>(what: &str, f: F) -> F::Output {
    tokio::time::timeout(DEADLINE, f)
        .await
        .unwrap_or_else(|_| panic!("timed out: {what}"))
}

/// A Deployment + Service manifest like the ones our tool creates.
pub fn web_manifest(replicas: u32) -> String {
    format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {{app: web}}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
      - name: main
        image: nginx:1.27
        ports: [{{containerPort: 8080, name: http}}]
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {{app: web}}
  ports: [{{name: http, port: 80, targetPort: http}}]
"#
    )
}
