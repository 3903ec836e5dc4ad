//! Starting and stopping the control plane on loopback.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::{TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{Namespace, Node, ServiceAccount};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, ObjectMeta, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::ApiResource;

use crate::build::{self, Binaries};
use crate::pki::{self, Ca, CertPair};
use crate::process::{Daemon, Reaper};
use crate::tempdir::TempDir;

/// Service ClusterIPs are allocated from loopback: nothing here dials them (no kube-proxy, no
/// DNS), and should anything try, it stays on this machine.
pub const SERVICE_CIDR: &str = "127.64.0.0/16";
/// kwok gives pods IPs from loopback too. The API server refuses to proxy (`pods/proxy`,
/// `services/proxy`) to loopback addresses, and Endpoints/EndpointSlices reject them, so no
/// component ever connects to a pod IP.
pub const POD_CIDR: &str = "127.128.0.0/16";
/// The annotation that makes kwok manage a Node.
pub const KWOK_NODE_ANNOTATION: &str = "kwok.x-k8s.io/node";
/// kwok's API group, for `PortForward`, `Logs`, `Stage`, … objects.
pub const KWOK_GROUP: &str = "kwok.x-k8s.io";

const START_TIMEOUT: Duration = Duration::from_secs(120);
const POLL: Duration = Duration::from_millis(100);

/// What [`ControlPlane::start_with`] starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// Names of the kwok-managed Nodes to create (all Ready, schedulable, no taints).
    pub nodes: Vec<String>,
    /// Extra flags for kube-apiserver (e.g. `--feature-gates=…`).
    pub apiserver_args: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            nodes: (0..3).map(|i| format!("kwok-node-{i}")).collect(),
            apiserver_args: Vec::new(),
        }
    }
}

/// A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver (TLS, client-certificate
/// and ServiceAccount-token authentication, `Node,RBAC` authorization, default admission),
/// kube-controller-manager, kube-scheduler and kwok (fake Nodes; pods become Running/Ready;
/// kubelet API for `logs` and `port-forward`). Dropping it kills every process and removes its
/// folder.
pub struct ControlPlane {
    // Fields drop in order: processes first, then the reaper, then the folder.
    daemons: Mutex<Vec<Daemon>>,
    reaper: Mutex<Reaper>,
    ca: Ca,
    server_url: String,
    etcd_url: String,
    kwok_addr: SocketAddr,
    ca_path: PathBuf,
    admin_kubeconfig: PathBuf,
    admin_cert: CertPair,
    nodes: Vec<String>,
    binaries: Binaries,
    counter: AtomicU32,
    started_in: Duration,
    dir: TempDir,
}

/// Runs `fut` on a private current-thread runtime on its own thread, so the blocking API works
/// from plain tests and from inside `#[tokio::test]` alike.
fn block_on<F, T>(fut: F) -> Result<T, String>
where
    F: std::future::Future<Output = Result<T, String>> + Send,
    T: Send,
{
    std::thread::scope(|s| {
        s.spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("kube-kit: starting a Tokio runtime: {e}"))?
                .block_on(fut)
        })
        .join()
        .map_err(|_| "kube-kit: a control-plane helper thread panicked".to_string())?
    })
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("kube-kit: finding a free port on 127.0.0.1: {e}"))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("kube-kit: writing {}: {e}", path.display()))
}

fn b64(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A JSON string is a valid YAML scalar, and quotes names like `system:kube-scheduler`.
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

enum Credential<'a> {
    Cert(&'a CertPair),
    Token(&'a str),
}

fn kubeconfig_text(
    server: &str,
    ca_pem: &str,
    user: &str,
    credential: Credential<'_>,
    namespace: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "apiVersion: v1\nkind: Config");
    let _ = writeln!(
        s,
        "clusters:\n- name: kube-kit\n  cluster:\n    server: {}\n    certificate-authority-data: {}",
        quoted(server),
        b64(ca_pem.as_bytes())
    );
    let _ = writeln!(s, "users:\n- name: {}\n  user:", quoted(user));
    match credential {
        Credential::Cert(pair) => {
            let _ = writeln!(
                s,
                "    client-certificate-data: {}\n    client-key-data: {}",
                b64(pair.cert_pem.as_bytes()),
                b64(pair.key_pem.as_bytes())
            );
        }
        Credential::Token(token) => {
            let _ = writeln!(s, "    token: {}", quoted(token));
        }
    }
    let _ = writeln!(
        s,
        "contexts:\n- name: kube-kit\n  context:\n    cluster: kube-kit\n    user: {}\n    namespace: {}\ncurrent-context: kube-kit",
        quoted(user),
        quoted(namespace)
    );
    s
}

/// A kube client from a kubeconfig file (e.g. one of [`ControlPlane::write_kubeconfig`]), on
/// the caller's Tokio runtime.
pub async fn client_from(path: &Path) -> Result<kube::Client, String> {
    let kubeconfig = Kubeconfig::read_from(path)
        .map_err(|e| format!("kube-kit: reading {}: {e}", path.display()))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .map_err(|e| format!("kube-kit: loading {}: {e}", path.display()))?;
    kube::Client::try_from(config).map_err(|e| format!("kube-kit: building a client: {e}"))
}

fn check_all(daemons: &mut [Daemon]) -> Result<(), String> {
    daemons.iter_mut().try_for_each(Daemon::check_running)
}

/// Polls `probe` until it yields `Some`, checking that every component still runs.
async fn wait_for<T, F, Fut>(
    what: &str,
    daemons: &Mutex<Vec<Daemon>>,
    timeout: Duration,
    mut probe: F,
) -> Result<T, String>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, String>>,
{
    let deadline = Instant::now() + timeout;
    let mut last = String::new();
    loop {
        {
            let mut guard = daemons
                .lock()
                .map_err(|_| "kube-kit: process list poisoned".to_string())?;
            check_all(&mut guard)?;
        }
        match probe().await {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            Err(e) => last = e,
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "kube-kit: timed out after {timeout:?} waiting for {what}{}",
                if last.is_empty() {
                    String::new()
                } else {
                    format!(" (last error: {last})")
                }
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn kwok_resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: KWOK_GROUP.to_string(),
        version: "v1alpha1".to_string(),
        api_version: format!("{KWOK_GROUP}/v1alpha1"),
        kind: kind.to_string(),
        plural: plural.to_string(),
    }
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("kube-kit: reading {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    Ok(files)
}

fn read_yaml(path: &Path) -> Result<serde_json::Value, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("kube-kit: reading {}: {e}", path.display()))?;
    serde_saphyr::from_str(&text).map_err(|e| format!("kube-kit: parsing {}: {e}", path.display()))
}

fn is_already_exists(e: &kube::Error) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == 409)
}

impl ControlPlane {
    /// Builds the binaries if needed (first run only), then starts a control plane with three
    /// kwok nodes and returns once `/readyz` is ok, the nodes are Ready and the `default`
    /// ServiceAccount exists in `default`.
    pub fn start() -> Result<Self, String> {
        Self::start_with(Options::default())
    }

    /// One control plane per test process, started on first use and shared by every test in
    /// the binary. Statics are never dropped: its processes are killed and its folder removed by
    /// the reaper when the test process exits. Tests sharing it use their own namespaces
    /// ([`ControlPlane::create_namespace`]) and must not change cluster-wide state others rely on.
    pub fn shared() -> Result<&'static Self, String> {
        static SHARED: OnceLock<Result<ControlPlane, String>> = OnceLock::new();
        SHARED
            .get_or_init(Self::start)
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Like [`ControlPlane::start`], with other nodes or extra API server flags.
    pub fn start_with(options: Options) -> Result<Self, String> {
        let binaries = build::ensure_binaries()?;
        // Ports are picked free and handed to the components; another process may take one in
        // between. Such a start-up fails fast with "address already in use": try again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match Self::start_once(&options, &binaries) {
                Err(e) if attempt < 3 && e.contains("address already in use") => {
                    eprintln!("kube-kit: a port was taken during start-up, retrying: {e}");
                }
                other => return other,
            }
        }
    }

    fn start_once(options: &Options, binaries: &Binaries) -> Result<Self, String> {
        let binaries = binaries.clone();
        let started = Instant::now();
        let dir = TempDir::new("cp")?;
        let root = dir.path().to_path_buf();
        let mut reaper = Reaper::start(&root)?;
        for sub in ["pki", "etcd", "logs", "kubeconfigs", "kwok-home"] {
            fs::create_dir_all(root.join(sub))
                .map_err(|e| format!("kube-kit: creating {}: {e}", root.join(sub).display()))?;
        }
        let pki_dir = root.join("pki");
        let logs = root.join("logs");

        // Certificates.
        let ca = Ca::new()?;
        let ca_path = pki_dir.join("ca.crt");
        write(&ca_path, ca.cert_pem())?;
        write(&pki_dir.join("ca.key"), ca.key_pem())?;
        let first_service_ip = "127.64.0.1";
        let serving = ca.server(
            "kube-apiserver",
            &[
                "127.0.0.1",
                "localhost",
                first_service_ip,
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ],
        )?;
        write(&pki_dir.join("apiserver.crt"), &serving.cert_pem)?;
        write(&pki_dir.join("apiserver.key"), &serving.key_pem)?;
        let kubelet_client = ca.client("kube-apiserver-kubelet-client", &["system:masters"])?;
        write(
            &pki_dir.join("kubelet-client.crt"),
            &kubelet_client.cert_pem,
        )?;
        write(&pki_dir.join("kubelet-client.key"), &kubelet_client.key_pem)?;
        let kwok_serving = ca.server("kwok", &["127.0.0.1", "localhost"])?;
        write(&pki_dir.join("kwok.crt"), &kwok_serving.cert_pem)?;
        write(&pki_dir.join("kwok.key"), &kwok_serving.key_pem)?;
        let (sa_private, sa_public) = pki::service_account_key()?;
        write(&pki_dir.join("sa.key"), &sa_private)?;
        write(&pki_dir.join("sa.pub"), &sa_public)?;

        // Ports.
        let etcd_port = free_port()?;
        let etcd_peer_port = free_port()?;
        let api_port = free_port()?;
        let kwok_port = free_port()?;
        let server_url = format!("https://127.0.0.1:{api_port}");
        let etcd_url = format!("http://127.0.0.1:{etcd_port}");
        let kwok_addr = SocketAddr::from(([127, 0, 0, 1], kwok_port));

        // Kubeconfigs of the components and the admin.
        let kubeconfigs = root.join("kubeconfigs");
        let component_kubeconfig =
            |file: &str, user: &str, groups: &[&str]| -> Result<PathBuf, String> {
                let pair = ca.client(user, groups)?;
                let path = kubeconfigs.join(file);
                write(
                    &path,
                    &kubeconfig_text(
                        &server_url,
                        ca.cert_pem(),
                        user,
                        Credential::Cert(&pair),
                        "default",
                    ),
                )?;
                Ok(path)
            };
        let cm_kubeconfig = component_kubeconfig(
            "controller-manager.yaml",
            "system:kube-controller-manager",
            &[],
        )?;
        let scheduler_kubeconfig =
            component_kubeconfig("scheduler.yaml", "system:kube-scheduler", &[])?;
        let kwok_kubeconfig =
            component_kubeconfig("kwok.yaml", "kwok-controller", &["system:masters"])?;
        let admin_cert = ca.client("kube-kit-admin", &["system:masters"])?;
        let admin_kubeconfig = kubeconfigs.join("admin.yaml");
        write(
            &admin_kubeconfig,
            &kubeconfig_text(
                &server_url,
                ca.cert_pem(),
                "kube-kit-admin",
                Credential::Cert(&admin_cert),
                "default",
            ),
        )?;

        let daemons = Mutex::new(Vec::new());
        let spawn = |name: &'static str, cmd: Command, reaper: &mut Reaper| -> Result<(), String> {
            let daemon = Daemon::spawn(name, cmd, logs.join(format!("{name}.log")), reaper)?;
            daemons
                .lock()
                .map_err(|_| "kube-kit: process list poisoned".to_string())?
                .push(daemon);
            Ok(())
        };

        // etcd.
        let mut etcd = Command::new(&binaries.etcd);
        etcd.args([
            "--name=kube-kit".to_string(),
            format!("--data-dir={}", root.join("etcd").display()),
            format!("--listen-client-urls={etcd_url}"),
            format!("--advertise-client-urls={etcd_url}"),
            format!("--listen-peer-urls=http://127.0.0.1:{etcd_peer_port}"),
            format!("--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer_port}"),
            format!("--initial-cluster=kube-kit=http://127.0.0.1:{etcd_peer_port}"),
            "--initial-cluster-state=new".to_string(),
            "--unsafe-no-fsync".to_string(),
            "--quota-backend-bytes=2147483648".to_string(),
            "--log-level=warn".to_string(),
        ]);
        spawn("etcd", etcd, &mut reaper)?;

        // kube-apiserver.
        let pki_path = |f: &str| pki_dir.join(f).display().to_string();
        let mut apiserver = Command::new(&binaries.kube_apiserver);
        apiserver.args([
            format!("--etcd-servers={etcd_url}"),
            "--bind-address=127.0.0.1".to_string(),
            "--advertise-address=127.0.0.1".to_string(),
            format!("--secure-port={api_port}"),
            format!("--tls-cert-file={}", pki_path("apiserver.crt")),
            format!("--tls-private-key-file={}", pki_path("apiserver.key")),
            format!("--client-ca-file={}", pki_path("ca.crt")),
            format!("--cert-dir={}", pki_path("apiserver-generated")),
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local".to_string(),
            format!("--service-account-key-file={}", pki_path("sa.pub")),
            format!("--service-account-signing-key-file={}", pki_path("sa.key")),
            "--authorization-mode=Node,RBAC".to_string(),
            "--enable-admission-plugins=NodeRestriction".to_string(),
            format!("--service-cluster-ip-range={SERVICE_CIDR}"),
            // The `kubernetes` Endpoints would name 127.0.0.1, which Endpoints reject.
            "--endpoint-reconciler-type=none".to_string(),
            "--kubelet-preferred-address-types=InternalIP".to_string(),
            format!("--kubelet-certificate-authority={}", pki_path("ca.crt")),
            format!(
                "--kubelet-client-certificate={}",
                pki_path("kubelet-client.crt")
            ),
            format!("--kubelet-client-key={}", pki_path("kubelet-client.key")),
            "--allow-privileged=true".to_string(),
            "--profiling=false".to_string(),
            "--v=1".to_string(),
        ]);
        apiserver.args(&options.apiserver_args);
        spawn("kube-apiserver", apiserver, &mut reaper)?;

        let nodes = options.nodes.clone();
        let result = block_on(async {
            wait_for("etcd to listen", &daemons, START_TIMEOUT, || async {
                Ok(TcpStream::connect(("127.0.0.1", etcd_port))
                    .ok()
                    .map(|_| ()))
            })
            .await?;
            let client = client_from(&admin_kubeconfig).await?;
            wait_for("kube-apiserver /readyz", &daemons, START_TIMEOUT, || {
                let client = client.clone();
                async move {
                    let req = http::Request::get("/readyz")
                        .body(Vec::new())
                        .map_err(|e| e.to_string())?;
                    match client.request_text(req).await {
                        Ok(body) if body.trim() == "ok" => Ok(Some(())),
                        Ok(body) => Err(body),
                        Err(e) => Err(e.to_string()),
                    }
                }
            })
            .await?;

            // kube-controller-manager and kube-scheduler (no serving port: nothing to scrape).
            let mut cm = Command::new(&binaries.kube_controller_manager);
            cm.args([
                format!("--kubeconfig={}", cm_kubeconfig.display()),
                "--bind-address=127.0.0.1".to_string(),
                "--secure-port=0".to_string(),
                "--leader-elect=false".to_string(),
                "--use-service-account-credentials=true".to_string(),
                format!("--service-account-private-key-file={}", pki_path("sa.key")),
                format!("--root-ca-file={}", pki_path("ca.crt")),
                format!("--cluster-signing-cert-file={}", pki_path("ca.crt")),
                format!("--cluster-signing-key-file={}", pki_path("ca.key")),
                format!("--service-cluster-ip-range={SERVICE_CIDR}"),
                "--controllers=*".to_string(),
                "--v=1".to_string(),
            ]);
            let mut sched = Command::new(&binaries.kube_scheduler);
            sched.args([
                format!("--kubeconfig={}", scheduler_kubeconfig.display()),
                format!(
                    "--authentication-kubeconfig={}",
                    scheduler_kubeconfig.display()
                ),
                format!(
                    "--authorization-kubeconfig={}",
                    scheduler_kubeconfig.display()
                ),
                "--bind-address=127.0.0.1".to_string(),
                "--secure-port=0".to_string(),
                "--leader-elect=false".to_string(),
                "--v=1".to_string(),
            ]);
            spawn("kube-controller-manager", cm, &mut reaper)?;
            spawn("kube-scheduler", sched, &mut reaper)?;

            install_kwok_crds(&client, &binaries, &daemons).await?;
            install_kwok_stages(&client, &binaries).await?;

            // No --config: kwok's defaults (parallelism, …) and our flags. HOME is private so a
            // developer's ~/.kwok/kwok.yaml is not read.
            let mut kwok = Command::new(&binaries.kwok);
            kwok.env("HOME", root.join("kwok-home"))
                .env_remove("POD_IP")
                .env_remove("HOST_IP")
                .args([
                    format!("--kubeconfig={}", kwok_kubeconfig.display()),
                    format!("--manage-nodes-with-annotation-selector={KWOK_NODE_ANNOTATION}=fake"),
                    "--node-ip=127.0.0.1".to_string(),
                    format!("--node-port={kwok_port}"),
                    format!("--server-address={kwok_addr}"),
                    format!("--tls-cert-file={}", pki_path("kwok.crt")),
                    format!("--tls-private-key-file={}", pki_path("kwok.key")),
                    format!("--cidr={POD_CIDR}"),
                    "--node-lease-duration-seconds=40".to_string(),
                    "--enable-crds=Stage,Attach,ClusterAttach,Exec,ClusterExec,Logs,ClusterLogs,PortForward,ClusterPortForward".to_string(),
                ]);
            spawn("kwok", kwok, &mut reaper)?;

            let node_api: Api<Node> = Api::all(client.clone());
            for name in &nodes {
                let node = node_object(name);
                match node_api.create(&PostParams::default(), &node).await {
                    Ok(_) => {}
                    Err(e) if is_already_exists(&e) => {}
                    Err(e) => return Err(format!("kube-kit: creating Node {name}: {e}")),
                }
            }
            wait_for(
                "the kwok nodes to be Ready and untainted",
                &daemons,
                START_TIMEOUT,
                || {
                    let node_api = node_api.clone();
                    let nodes = nodes.clone();
                    async move {
                        for name in &nodes {
                            let node = node_api.get(name).await.map_err(|e| e.to_string())?;
                            // The node lifecycle controller lifts node.kubernetes.io/not-ready shortly
                            // after Ready; until then nothing schedules there.
                            let tainted = node
                                .spec
                                .as_ref()
                                .and_then(|s| s.taints.as_ref())
                                .is_some_and(|t| !t.is_empty());
                            if tainted {
                                return Ok(None);
                            }
                            let ready = node
                                .status
                                .and_then(|s| s.conditions)
                                .unwrap_or_default()
                                .iter()
                                .any(|c| c.type_ == "Ready" && c.status == "True");
                            if !ready {
                                return Ok(None);
                            }
                        }
                        Ok(Some(()))
                    }
                },
            )
            .await?;
            wait_for_default_service_account(&client, "default", &daemons).await?;
            Ok(())
        });
        let daemons_list = daemons;
        if let Err(e) = result {
            // Keep the logs for the error message's path: kill, then leave the folder.
            if let Ok(mut list) = daemons_list.lock() {
                for d in list.iter_mut().rev() {
                    d.kill();
                }
            }
            let _ = fs::write(root.join(".keep"), "start-up failed");
            eprintln!("kube-kit: start-up failed; logs kept in {}", logs.display());
            return Err(e);
        }
        let started_in = started.elapsed();
        eprintln!(
            "kube-kit: Kubernetes {} control plane ready at {server_url} in {started_in:.1?} (logs: {})",
            build::KUBERNETES_VERSION,
            logs.display()
        );
        Ok(Self {
            daemons: daemons_list,
            reaper: Mutex::new(reaper),
            ca,
            server_url,
            etcd_url,
            kwok_addr,
            ca_path,
            admin_kubeconfig,
            admin_cert,
            nodes,
            binaries,
            counter: AtomicU32::new(0),
            started_in,
            dir,
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn server_url(&self) -> &str {
        &self.server_url
    }

    /// The cluster CA (PEM): it signed the API server's and kwok's serving certificates and
    /// every client certificate.
    pub fn ca_pem(&self) -> &str {
        self.ca.cert_pem()
    }

    /// The CA as a file.
    pub fn ca_path(&self) -> &Path {
        &self.ca_path
    }

    /// The admin's kubeconfig (user `kube-kit-admin` in `system:masters`, namespace `default`).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.admin_kubeconfig
    }

    /// A kubeconfig for the admin with `namespace` as the context's namespace.
    pub fn write_admin_kubeconfig(&self, namespace: &str) -> Result<PathBuf, String> {
        let path = self.new_kubeconfig_path("kube-kit-admin")?;
        write(
            &path,
            &kubeconfig_text(
                &self.server_url,
                self.ca.cert_pem(),
                "kube-kit-admin",
                Credential::Cert(&self.admin_cert),
                namespace,
            ),
        )?;
        Ok(path)
    }

    /// A kubeconfig for `user` (a client certificate signed by the cluster CA, no groups beyond
    /// `system:authenticated`): it may do nothing until RBAC grants it something.
    pub fn write_kubeconfig(&self, user: &str, namespace: &str) -> Result<PathBuf, String> {
        self.write_kubeconfig_with_groups(user, &[], namespace)
    }

    /// Like [`ControlPlane::write_kubeconfig`], the user also in `groups` (at most 2).
    pub fn write_kubeconfig_with_groups(
        &self,
        user: &str,
        groups: &[&str],
        namespace: &str,
    ) -> Result<PathBuf, String> {
        let pair = self.ca.client(user, groups)?;
        let path = self.new_kubeconfig_path(user)?;
        write(
            &path,
            &kubeconfig_text(
                &self.server_url,
                self.ca.cert_pem(),
                user,
                Credential::Cert(&pair),
                namespace,
            ),
        )?;
        Ok(path)
    }

    /// A token from the TokenRequest API (valid 24 h) for ServiceAccount `namespace/name`
    /// (created if absent): user `system:serviceaccount:<namespace>:<name>`.
    pub fn service_account_token(&self, namespace: &str, name: &str) -> Result<String, String> {
        block_on(async {
            let client = self.client().await?;
            let api: Api<ServiceAccount> = Api::namespaced(client, namespace);
            let sa = ServiceAccount {
                metadata: ObjectMeta {
                    name: Some(name.to_string()),
                    ..Default::default()
                },
                ..Default::default()
            };
            match api.create(&PostParams::default(), &sa).await {
                Ok(_) => {}
                Err(e) if is_already_exists(&e) => {}
                Err(e) => {
                    return Err(format!(
                        "kube-kit: creating ServiceAccount {namespace}/{name}: {e}"
                    ));
                }
            }
            let request = TokenRequest {
                spec: TokenRequestSpec {
                    audiences: vec!["https://kubernetes.default.svc.cluster.local".to_string()],
                    expiration_seconds: Some(24 * 3600),
                    ..Default::default()
                },
                ..Default::default()
            };
            let answer: TokenRequest = api
                .create_subresource("token", name, &PostParams::default(), &request)
                .await
                .map_err(|e| format!("kube-kit: TokenRequest for {namespace}/{name}: {e}"))?;
            answer.status.map(|s| s.token).ok_or_else(|| {
                format!("kube-kit: TokenRequest for {namespace}/{name} returned no token")
            })
        })
    }

    /// A bearer-token kubeconfig for ServiceAccount `namespace/name` (created if absent), with
    /// a token from the TokenRequest API (valid 24 h): user
    /// `system:serviceaccount:<namespace>:<name>`.
    pub fn write_service_account_kubeconfig(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<PathBuf, String> {
        let token = self.service_account_token(namespace, name)?;
        let user = format!("system:serviceaccount:{namespace}:{name}");
        let path = self.new_kubeconfig_path(&format!("sa-{namespace}-{name}"))?;
        write(
            &path,
            &kubeconfig_text(
                &self.server_url,
                self.ca.cert_pem(),
                &user,
                Credential::Token(&token),
                namespace,
            ),
        )?;
        Ok(path)
    }

    /// A client certificate and key for `user` (signed by the cluster CA, no groups), as PEM
    /// files in the control plane's directory: `(certificate, key)`.
    pub fn client_cert_files(&self, user: &str) -> Result<(PathBuf, PathBuf), String> {
        let pair = self.ca.client(user, &[])?;
        let base = self.new_kubeconfig_path(&format!("cert-{user}"))?;
        let (cert, key) = (base.with_extension("crt"), base.with_extension("key"));
        write(&cert, &pair.cert_pem)?;
        write(&key, &pair.key_pem)?;
        Ok((cert, key))
    }

    fn new_kubeconfig_path(&self, label: &str) -> Result<PathBuf, String> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let safe: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(self
            .dir
            .path()
            .join("kubeconfigs")
            .join(format!("{safe}-{n}.yaml")))
    }

    /// A client for the admin on the caller's Tokio runtime.
    pub async fn client(&self) -> Result<kube::Client, String> {
        client_from(&self.admin_kubeconfig).await
    }

    /// `kubectl --kubeconfig <admin>`, ready for more arguments.
    pub fn kubectl(&self) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(&self.admin_kubeconfig);
        cmd
    }

    /// Creates a fresh namespace `<prefix>-<n>-<pid>` and waits until its `default`
    /// ServiceAccount exists (pods are refused before that). Returns its name.
    pub fn create_namespace(&self, prefix: &str) -> Result<String, String> {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut prefix: String = prefix
            .to_ascii_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        prefix.truncate(40);
        let name = format!("{}-{n}-{}", prefix.trim_matches('-'), std::process::id())
            .trim_start_matches('-')
            .to_string();
        let daemons = &self.daemons;
        block_on(async {
            let client = self.client().await?;
            let api: Api<Namespace> = Api::all(client.clone());
            let ns = Namespace {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    ..Default::default()
                },
                ..Default::default()
            };
            api.create(&PostParams::default(), &ns)
                .await
                .map_err(|e| format!("kube-kit: creating namespace {name}: {e}"))?;
            wait_for_default_service_account(&client, &name, daemons).await
        })?;
        Ok(name)
    }

    /// The kwok-managed Node names.
    pub fn nodes(&self) -> &[String] {
        &self.nodes
    }

    /// etcd's client URL (`http://127.0.0.1:<port>`).
    pub fn etcd_url(&self) -> &str {
        &self.etcd_url
    }

    /// Where kwok serves the kubelet API (every Node's InternalIP and kubelet port).
    pub fn kubelet_addr(&self) -> SocketAddr {
        self.kwok_addr
    }

    /// The control plane's private folder (certificates, etcd data, kubeconfigs, logs); removed
    /// when the `ControlPlane` is dropped or, for [`ControlPlane::shared`], when the process exits.
    pub fn root_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The components' logs (`etcd.log`, `kube-apiserver.log`, …).
    pub fn log_dir(&self) -> PathBuf {
        self.dir.path().join("logs")
    }

    /// The built binaries (and kwok's manifests).
    pub fn binaries(&self) -> &Binaries {
        &self.binaries
    }

    /// How long start-up took (after the build).
    pub fn started_in(&self) -> Duration {
        self.started_in
    }

    /// Applies (server-side) a kwok object (`kind`/`plural` of group `kwok.x-k8s.io/v1alpha1`).
    pub fn apply_kwok(
        &self,
        kind: &str,
        plural: &str,
        namespace: Option<&str>,
        name: &str,
        spec: serde_json::Value,
    ) -> Result<(), String> {
        let resource = kwok_resource(kind, plural);
        let mut object = serde_json::json!({
            "apiVersion": resource.api_version,
            "kind": kind,
            "metadata": { "name": name },
            "spec": spec,
        });
        if let Some(ns) = namespace {
            object["metadata"]["namespace"] = serde_json::Value::String(ns.to_string());
        }
        block_on(async {
            let client = self.client().await?;
            let api: Api<DynamicObject> = match namespace {
                Some(ns) => Api::namespaced_with(client, ns, &resource),
                None => Api::all_with(client, &resource),
            };
            api.patch(
                name,
                &PatchParams::apply("kube-kit").force(),
                &Patch::Apply(&object),
            )
            .await
            .map(|_| ())
            .map_err(|e| format!("kube-kit: applying {kind} {name}: {e}"))
        })
    }

    /// kwok `PortForward` for pod `namespace/pod`: a port-forward to each `pod_port` reaches the
    /// paired local address. Replaces earlier forwards of that pod.
    pub fn forward_pod_ports(
        &self,
        namespace: &str,
        pod: &str,
        forwards: &[(u16, SocketAddr)],
    ) -> Result<(), String> {
        self.apply_kwok(
            "PortForward",
            "portforwards",
            Some(namespace),
            pod,
            forwards_spec(forwards),
        )
    }

    /// kwok `ClusterPortForward` for every pod of `namespace` (present and future): a
    /// port-forward to `pod_port` reaches `target`. One object per (namespace, port).
    pub fn forward_namespace_port(
        &self,
        namespace: &str,
        pod_port: u16,
        target: SocketAddr,
    ) -> Result<(), String> {
        let mut spec = forwards_spec(&[(pod_port, target)]);
        spec["selector"] = serde_json::json!({ "matchNamespaces": [namespace] });
        let name = format!("kube-kit-{namespace}-{pod_port}");
        self.apply_kwok(
            "ClusterPortForward",
            "clusterportforwards",
            None,
            &name,
            spec,
        )
    }

    /// kwok `Logs` for pod `namespace/pod`: `kubectl logs` of `containers` (all when empty)
    /// reads `file`, which must be in the kubelet's CRI log format (see [`cri_log`]); `-f`
    /// follows what is appended, `--tail`, `--since`, `--timestamps` work as on a kubelet.
    pub fn serve_pod_logs(
        &self,
        namespace: &str,
        pod: &str,
        containers: &[&str],
        file: &Path,
    ) -> Result<(), String> {
        self.apply_kwok(
            "Logs",
            "logs",
            Some(namespace),
            pod,
            logs_spec(containers, file),
        )
    }

    /// kwok `ClusterLogs` for every pod of `namespace`: their logs are `file` (CRI format).
    pub fn serve_namespace_logs(&self, namespace: &str, file: &Path) -> Result<(), String> {
        let mut spec = logs_spec(&[], file);
        spec["selector"] = serde_json::json!({ "matchNamespaces": [namespace] });
        let name = format!("kube-kit-{namespace}");
        self.apply_kwok("ClusterLogs", "clusterlogs", None, &name, spec)
    }

    /// Writes `text` as pod `namespace/pod`'s log (all containers, stdout) and serves it;
    /// returns the file, to extend with [`append_log`] (seen by `kubectl logs -f`).
    pub fn write_pod_log(&self, namespace: &str, pod: &str, text: &str) -> Result<PathBuf, String> {
        let dir = self.dir.path().join("pod-logs");
        fs::create_dir_all(&dir)
            .map_err(|e| format!("kube-kit: creating {}: {e}", dir.display()))?;
        let path = dir.join(format!("{namespace}_{pod}.log"));
        write(&path, &cri_log(text))?;
        self.serve_pod_logs(namespace, pod, &[], &path)?;
        Ok(path)
    }
}

/// `text` in the kubelet's CRI log format, one `<RFC 3339 time> stdout F <line>` per line, as
/// kwok (like a kubelet) expects its log files.
pub fn cri_log(text: &str) -> String {
    let now = jiff::Timestamp::now();
    text.lines()
        .map(|line| format!("{now} stdout F {line}\n"))
        .collect()
}

/// Appends `text` (CRI-formatted on the way) to a log file served by kwok.
pub fn append_log(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(cri_log(text).as_bytes()))
        .map_err(|e| format!("kube-kit: appending to {}: {e}", path.display()))
}

fn forwards_spec(forwards: &[(u16, SocketAddr)]) -> serde_json::Value {
    let list: Vec<serde_json::Value> = forwards
        .iter()
        .map(|(port, target)| {
            serde_json::json!({
                "ports": [port],
                "target": { "port": target.port(), "address": target.ip().to_string() },
            })
        })
        .collect();
    serde_json::json!({ "forwards": list })
}

fn logs_spec(containers: &[&str], file: &Path) -> serde_json::Value {
    let mut log = serde_json::json!({ "logsFile": file.display().to_string() });
    if !containers.is_empty() {
        log["containers"] = serde_json::json!(containers);
    }
    serde_json::json!({ "logs": [log] })
}

fn node_object(name: &str) -> Node {
    let labels: BTreeMap<String, String> = [
        ("kubernetes.io/hostname", name),
        ("kubernetes.io/os", "linux"),
        ("kubernetes.io/arch", "amd64"),
        ("type", "kwok"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let annotations: BTreeMap<String, String> = [
        (KWOK_NODE_ANNOTATION, "fake"),
        ("node.alpha.kubernetes.io/ttl", "0"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    Node {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(labels),
            annotations: Some(annotations),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn install_kwok_crds(
    client: &kube::Client,
    binaries: &Binaries,
    daemons: &Mutex<Vec<Daemon>>,
) -> Result<(), String> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let mut names = Vec::new();
    for file in yaml_files(&binaries.kwok_crd_dir)? {
        let crd: CustomResourceDefinition = serde_json::from_value(read_yaml(&file)?)
            .map_err(|e| format!("kube-kit: {} is not a CRD: {e}", file.display()))?;
        let name = crd.metadata.name.clone().unwrap_or_default();
        match api.create(&PostParams::default(), &crd).await {
            Ok(_) => {}
            Err(e) if is_already_exists(&e) => {}
            Err(e) => return Err(format!("kube-kit: creating CRD {name}: {e}")),
        }
        names.push(name);
    }
    wait_for(
        "kwok's CRDs to be established",
        daemons,
        START_TIMEOUT,
        || {
            let api = api.clone();
            let names = names.clone();
            async move {
                for name in &names {
                    let crd = api.get(name).await.map_err(|e| e.to_string())?;
                    let established = crd
                        .status
                        .and_then(|s| s.conditions)
                        .unwrap_or_default()
                        .iter()
                        .any(|c| c.type_ == "Established" && c.status == "True");
                    if !established {
                        return Ok(None);
                    }
                }
                Ok(Some(()))
            }
        },
    )
    .await
}

async fn install_kwok_stages(client: &kube::Client, binaries: &Binaries) -> Result<(), String> {
    let resource = kwok_resource("Stage", "stages");
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
    for file in yaml_files(&binaries.kwok_stage_dir)? {
        let stage: DynamicObject = serde_json::from_value(read_yaml(&file)?)
            .map_err(|e| format!("kube-kit: {} is not a Stage: {e}", file.display()))?;
        let name = stage.metadata.name.clone().unwrap_or_default();
        match api.create(&PostParams::default(), &stage).await {
            Ok(_) => {}
            Err(e) if is_already_exists(&e) => {}
            Err(e) => return Err(format!("kube-kit: creating Stage {name}: {e}")),
        }
    }
    Ok(())
}

async fn wait_for_default_service_account(
    client: &kube::Client,
    namespace: &str,
    daemons: &Mutex<Vec<Daemon>>,
) -> Result<(), String> {
    let api: Api<ServiceAccount> = Api::namespaced(client.clone(), namespace);
    wait_for(
        &format!("ServiceAccount {namespace}/default"),
        daemons,
        START_TIMEOUT,
        || {
            let api = api.clone();
            async move {
                api.get_opt("default")
                    .await
                    .map(|sa| sa.map(|_| ()))
                    .map_err(|e| e.to_string())
            }
        },
    )
    .await
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        if let Ok(mut list) = self.daemons.lock() {
            for d in list.iter_mut().rev() {
                d.kill();
            }
            list.clear();
        }
        if std::thread::panicking() {
            let _ = fs::write(self.dir.path().join(".keep"), "a test panicked");
        }
        if let Ok(mut reaper) = self.reaper.lock() {
            reaper.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_with_padding() {
        assert_eq!(b64(b""), "");
        assert_eq!(b64(b"f"), "Zg==");
        assert_eq!(b64(b"fo"), "Zm8=");
        assert_eq!(b64(b"foo"), "Zm9v");
        assert_eq!(b64(b"foobar"), "Zm9vYmFy");
        assert_eq!(b64(&[0xff, 0xfe, 0xfd, 0x00]), "//79AA==");
    }

    #[test]
    fn a_kubeconfig_quotes_names_and_embeds_credentials() {
        let text = kubeconfig_text(
            "https://127.0.0.1:1",
            "CA",
            "system:serviceaccount:ns:sa",
            Credential::Token("t0k"),
            "ns",
        );
        let parsed: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(
            parsed["clusters"][0]["cluster"]["certificate-authority-data"],
            b64(b"CA")
        );
        assert_eq!(parsed["users"][0]["name"], "system:serviceaccount:ns:sa");
        assert_eq!(parsed["users"][0]["user"]["token"], "t0k");
        assert_eq!(parsed["contexts"][0]["context"]["namespace"], "ns");
        assert_eq!(parsed["current-context"], "kube-kit");
    }

    #[test]
    fn the_control_plane_can_be_shared_between_test_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ControlPlane>();
    }

    #[test]
    fn cri_lines_carry_a_timestamp_stream_and_tag() {
        let log = cri_log("a\nb c\n");
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 2);
        let parts: Vec<&str> = lines[1].splitn(4, ' ').collect();
        assert!(
            parts[0].ends_with('Z') && parts[0].contains('T'),
            "{}",
            parts[0]
        );
        assert_eq!(&parts[1..], ["stdout", "F", "b c"]);
    }
}
