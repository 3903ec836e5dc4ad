//! Flink's pods, for real: a stand-in kubelet that runs Flink's own entrypoint for each Flink
//! pod kwok schedules, as a local process behind the real API server.
//!
//! [`FlinkPods::run`] watches the pods of one namespace (a kube-rs watcher, admin client). For
//! each pod labelled `type=flink-native-kubernetes` and `component=jobmanager|taskmanager`,
//! once it is scheduled and kwok gave it an IP, it does what a kubelet and the Flink image would:
//!
//! * **files**: the pod's `flink-config-<id>` ConfigMap volume (its `items`, or every key) is
//!   written to `<pod dir>/flink/conf` (`FLINK_CONF_DIR`), unchanged;
//! * **image**: `<pod dir>/flink` stands for `/opt/flink`: `bin` is a symlink into the flink-kit
//!   installation, `lib`, `opt`, `plugins` are folders of symlinks to its entries, `usrlib` holds the files given in
//!   [`FlinkPodsOptions::usrlib`], `log` is the pod's log dir;
//! * **env**: the container's `env` (`value`, and `fieldRef` for `status.podIP`,
//!   `status.hostIP`, `metadata.name|namespace|uid`, `spec.nodeName`, `spec.serviceAccountName`),
//!   plus `HOSTNAME` = pod name, on a cleared environment (only `PATH`, `HOME`, `JAVA_HOME`,
//!   `LANG`, `USER`, `TMPDIR` are kept from the test process);
//! * **service-account token**: a TokenRequest for the pod's `spec.serviceAccountName`, bound to
//!   the pod (like the kubelet's projected token), handed to Fabric8 by env (below);
//! * **command**: the container's args run through `bash -c` as the image's
//!   `/docker-entrypoint.sh` does in pass-through mode, with `$FLINK_HOME/bin` first on `PATH`;
//!   stdout and stderr are teed into a CRI-format log file served by a kwok `Logs` object
//!   (`kubectl logs` works), and every container port gets a kwok `PortForward` to
//!   `<pod address>:<port>` (`kubectl port-forward` and the product's port-forward route work).
//!
//! Deleting a pod (or its `deletionTimestamp` appearing) sends SIGTERM to the process group,
//! then SIGKILL after the grace period (at most 10 s). Dropping the guard kills every group.
//! Each process also has a `sh` watchdog blocked on a pipe only this process writes: when the
//! test process ends in any way, the pipe closes and the watchdog kills the group.
//!
//! # What differs from a real kubelet (every override)
//!
//! Addresses: each pod's processes bind only its own loopback address, the pod IP kwok gave it
//! (`127.128.0.0/16`, all of 127/8 is local), or a fresh `127.131.x.y` if that IP is not
//! loopback or already in use by another pod of this guard. Flink's in-cluster DNS names
//! (`<id>.<namespace>`) do not resolve here, so these dynamic properties are appended to the
//! container's command (they win over the shipped `config.yaml`, which stays as rendered):
//!
//! | pod | appended | why |
//! |---|---|---|
//! | JobManager | `-Djobmanager.rpc.address=<pod addr>` | the rendered `<id>.<ns>` does not resolve; TaskManagers must use the same string |
//! | JobManager | `-Djobmanager.bind-host=<pod addr>` | default `0.0.0.0` (RPC 6123, blob 6124, metrics RPC) |
//! | JobManager | `-Drest.address=<pod addr>`, `-Drest.bind-address=<pod addr>` | REST (8081) binds `0.0.0.0` by default |
//! | JobManager (application) | `-Dpipeline.jars=local://<pod dir>/flink/…` | only when `pipeline.jars` names `local:///opt/flink/…`: the "image" path is the pod's `flink` dir |
//! | TaskManager | `-Djobmanager.rpc.address=<JobManager pod addr>` | the JobManager of the same `app` label, running under this guard |
//! | TaskManager | `-Dtaskmanager.host=<pod addr>`, `-Dtaskmanager.bind-host=<pod addr>` | RPC 6122 and the data port bind `0.0.0.0` by default |
//!
//! Env added: `FLINK_HOME=<pod dir>/flink` with `_FLINK_HOME_DETERMINED=true` (instead of
//! `/opt/flink`), `FLINK_CONF_DIR`, `FLINK_LOG_DIR`, `FLINK_PID_DIR` under the pod dir,
//! `JVM_ARGS=-XX:TieredStopAtLevel=1` (start-up CPU on 2 cores; [`FlinkPodsOptions::jvm_args`]),
//! and Fabric8's settings in place of the in-cluster service-account mount and
//! `KUBERNETES_SERVICE_HOST` (the `kubernetes` Service's ClusterIP is not reachable here):
//! `KUBERNETES_MASTER=<API server URL>`, `KUBERNETES_CERTS_CA_FILE=<cluster CA>`,
//! `KUBERNETES_AUTH_TOKEN=<bound token>`, `KUBERNETES_NAMESPACE=<pod namespace>`,
//! `KUBERNETES_AUTH_TRYKUBECONFIG=false`, `KUBERNETES_AUTH_TRYSERVICEACCOUNT=false` (so no
//! `~/.kube/config` of the machine is read). `KUBECONFIG` and proxy variables are not passed.
//!
//! Not done: other volumes (pod templates, Hadoop conf, secrets, emptyDirs other than the pod
//! dir itself), `resourceFieldRef`/`configMapKeyRef`/`secretKeyRef` env (noted in the
//! [journal](FlinkPods::journal)), resource limits, restarts (an exited process stays exited;
//! kwok keeps the pod Running), and container statuses (kwok reports them).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::authentication::v1::{BoundObjectReference, TokenRequest, TokenRequestSpec};
use k8s_openapi::api::core::v1::{ConfigMap, Container, Pod, ServiceAccount};
use kube::api::{Api, PostParams};
use kube::runtime::{WatchStreamExt, watcher};

use crate::ControlPlane;

/// The labels that make a pod one of Flink's.
pub const FLINK_POD_TYPE: &str = "flink-native-kubernetes";

/// What [`FlinkPods`] can be told besides the namespace.
#[derive(Clone, Debug)]
pub struct FlinkPodsOptions {
    /// Files copied into every pod's `$FLINK_HOME/usrlib/` (the image's `/opt/flink/usrlib/`).
    pub usrlib: Vec<PathBuf>,
    /// `JVM_ARGS` of every process (default `-XX:TieredStopAtLevel=1`).
    pub jvm_args: String,
}

impl Default for FlinkPodsOptions {
    fn default() -> Self {
        Self {
            usrlib: Vec::new(),
            jvm_args: "-XX:TieredStopAtLevel=1".to_string(),
        }
    }
}

/// One pod this guard runs (or ran).
#[derive(Clone, Debug)]
pub struct PodProcess {
    pub name: String,
    pub uid: String,
    /// `jobmanager` or `taskmanager`.
    pub component: String,
    /// The pod's `app` label (the cluster id).
    pub cluster_id: String,
    /// The loopback address its processes bind.
    pub address: Ipv4Addr,
    /// The process group id (the leader is the JVM once the scripts have exec'ed).
    pub pgid: u32,
    /// The CRI-format log file (stdout and stderr) kwok serves as the pod's log.
    pub log: PathBuf,
    /// The pod's folder (conf, log, usrlib, the "image").
    pub dir: PathBuf,
    /// The service account whose token the process got.
    pub service_account: String,
    /// The exact command line run by `bash -c`.
    pub command: String,
    /// `None` while running; the exit code (or `128+signal`) once it exited.
    pub exit: Option<i32>,
    /// True once the pod was deleted and its process stopped.
    pub deleted: bool,
}

struct Running {
    info: PodProcess,
    child: Child,
    watchdog: Option<(Child, ChildStdin)>,
}

impl Running {
    fn refresh(&mut self) {
        if self.info.exit.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            use std::os::unix::process::ExitStatusExt;
            self.info.exit = Some(
                status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap_or(0)),
            );
        }
    }

    /// SIGTERM to the group, SIGKILL after `grace` (bounded), reap, stop the watchdog.
    fn stop(&mut self, grace: Duration) {
        self.refresh();
        if self.info.exit.is_none() {
            signal_group(self.info.pgid, "TERM");
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline {
                self.refresh();
                if self.info.exit.is_some() {
                    break;
                }
                thread::sleep(Duration::from_millis(50));
            }
        }
        // Whatever the leader did, nothing of the group may stay.
        signal_group(self.info.pgid, "KILL");
        if self.info.exit.is_none() {
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && self.info.exit.is_none() {
                self.refresh();
                thread::sleep(Duration::from_millis(20));
            }
            if self.info.exit.is_none() {
                let _ = self.child.kill();
                let _ = self.child.wait();
                self.info.exit = Some(128 + 9);
            }
        }
        if let Some((mut dog, stdin)) = self.watchdog.take() {
            drop(stdin);
            let _ = dog.kill();
            let _ = dog.wait();
        }
    }
}

struct Shared {
    cp: &'static ControlPlane,
    namespace: String,
    flink_home: PathBuf,
    options: FlinkPodsOptions,
    root: PathBuf,
    /// Pod uids claimed (started, starting, or given up on).
    claimed: Mutex<BTreeSet<String>>,
    running: Mutex<BTreeMap<String, Running>>,
    journal: Mutex<Vec<String>>,
    next_address: AtomicU32,
}

impl Shared {
    fn note(&self, line: String) {
        eprintln!("kube-kit flink-pods [{}]: {line}", self.namespace);
        lock(&self.journal).push(line);
    }

    fn address_in_use(&self, address: Ipv4Addr) -> bool {
        lock(&self.running)
            .values_mut()
            .any(|r| r.info.address == address && !r.info.deleted && r.info.exit.is_none())
    }

    fn jobmanager_address(&self, cluster_id: &str) -> Option<Ipv4Addr> {
        let mut running = lock(&self.running);
        running.values_mut().for_each(Running::refresh);
        running
            .values()
            .filter(|r| {
                r.info.component == "jobmanager"
                    && r.info.cluster_id == cluster_id
                    && !r.info.deleted
                    && r.info.exit.is_none()
            })
            .map(|r| r.info.address)
            .next_back()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The guard: while it lives, Flink's pods in its namespace run as local processes. Dropping it
/// kills every process it started and removes its folder (kept, path printed, during a panic).
pub struct FlinkPods {
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

static GUARDS: AtomicU32 = AtomicU32::new(0);

impl FlinkPods {
    /// Starts playing the kubelet for Flink's pods in `namespace`, with Flink from `flink_home`;
    /// returns once the watcher has listed the namespace (at most 30 s).
    pub fn run(
        cp: &'static ControlPlane,
        namespace: &str,
        flink_home: &Path,
    ) -> Result<Self, String> {
        Self::run_with(cp, namespace, flink_home, FlinkPodsOptions::default())
    }

    /// [`run`](Self::run) with options.
    pub fn run_with(
        cp: &'static ControlPlane,
        namespace: &str,
        flink_home: &Path,
        options: FlinkPodsOptions,
    ) -> Result<Self, String> {
        if !flink_home
            .join("bin")
            .join("kubernetes-jobmanager.sh")
            .is_file()
        {
            return Err(format!(
                "kube-kit flink-pods: {} is not a Flink installation (no bin/kubernetes-jobmanager.sh)",
                flink_home.display()
            ));
        }
        let root = std::env::temp_dir().join(format!(
            "kube-kit-flink-pods-{}-{}-{namespace}",
            std::process::id(),
            GUARDS.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&root)
            .map_err(|e| format!("kube-kit flink-pods: creating {}: {e}", root.display()))?;
        let shared = Arc::new(Shared {
            cp,
            namespace: namespace.to_string(),
            flink_home: flink_home.to_path_buf(),
            options,
            root,
            claimed: Mutex::new(BTreeSet::new()),
            running: Mutex::new(BTreeMap::new()),
            journal: Mutex::new(Vec::new()),
            next_address: AtomicU32::new(1),
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let for_thread = shared.clone();
        let thread = thread::Builder::new()
            .name(format!("flink-pods-{namespace}"))
            .spawn(move || watch_thread(for_thread, stop_rx, ready_tx))
            .map_err(|e| format!("kube-kit flink-pods: starting the watcher thread: {e}"))?;
        let mut guard = Self {
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        match ready_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Ok(())) => Ok(guard),
            Ok(Err(e)) => {
                guard.shutdown();
                Err(e)
            }
            Err(_) => {
                guard.shutdown();
                Err(
                    "kube-kit flink-pods: the pod watcher did not list the namespace within 30 s"
                        .to_string(),
                )
            }
        }
    }

    /// The pods this guard runs or ran, with their processes' state.
    pub fn pods(&self) -> Vec<PodProcess> {
        let mut running = lock(&self.shared.running);
        running
            .values_mut()
            .map(|r| {
                r.refresh();
                r.info.clone()
            })
            .collect()
    }

    /// What the guard did and every problem it met, one line each.
    pub fn journal(&self) -> Vec<String> {
        lock(&self.shared.journal).clone()
    }

    /// The guard's folder (one sub-folder per pod).
    pub fn root(&self) -> &Path {
        &self.shared.root
    }

    /// The last `lines` lines of every pod's log, for failure messages.
    pub fn log_tails(&self, lines: usize) -> String {
        let mut out = String::new();
        for pod in self.pods() {
            let text = fs::read_to_string(&pod.log).unwrap_or_default();
            let all: Vec<&str> = text.lines().collect();
            let tail = &all[all.len().saturating_sub(lines)..];
            out.push_str(&format!(
                "--- {} ({}, {}, exit {:?}) {}\n{}\n",
                pod.name,
                pod.component,
                pod.address,
                pod.exit,
                pod.log.display(),
                tail.join("\n")
            ));
        }
        out
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let mut running = lock(&self.shared.running);
        for r in running.values_mut() {
            r.stop(Duration::ZERO);
        }
    }
}

impl Drop for FlinkPods {
    fn drop(&mut self) {
        self.shutdown();
        if thread::panicking() {
            eprintln!(
                "kube-kit flink-pods: kept {} (pod folders and logs)",
                self.shared.root.display()
            );
        } else {
            let _ = fs::remove_dir_all(&self.shared.root);
        }
    }
}

fn watch_thread(
    shared: Arc<Shared>,
    stop: tokio::sync::oneshot::Receiver<()>,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(format!(
                "kube-kit flink-pods: starting a Tokio runtime: {e}"
            )));
            return;
        }
    };
    let for_loop = shared.clone();
    runtime.block_on(async move {
        let client = match for_loop.cp.client().await {
            Ok(c) => c,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let pods: Api<Pod> = Api::namespaced(client.clone(), &for_loop.namespace);
        let mut events = watcher(pods, watcher::Config::default())
            .default_backoff()
            .boxed();
        let mut ready = Some(ready);
        let mut stop = stop;
        loop {
            tokio::select! {
                _ = &mut stop => break,
                event = events.next() => match event {
                    None => break,
                    Some(Err(e)) => for_loop.note(format!("watch error (retrying): {e}")),
                    Some(Ok(watcher::Event::InitDone)) => {
                        if let Some(r) = ready.take() {
                            let _ = r.send(Ok(()));
                        }
                    }
                    Some(Ok(watcher::Event::Init)) => {}
                    Some(Ok(watcher::Event::Apply(pod) | watcher::Event::InitApply(pod))) => {
                        on_pod(&for_loop, &client, pod);
                    }
                    Some(Ok(watcher::Event::Delete(pod))) => on_deleted(&for_loop, &pod),
                },
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
}

fn is_flink_pod(pod: &Pod) -> Option<(String, String)> {
    let labels = pod.metadata.labels.as_ref()?;
    if labels.get("type").map(String::as_str) != Some(FLINK_POD_TYPE) {
        return None;
    }
    let component = labels.get("component")?;
    if component != "jobmanager" && component != "taskmanager" {
        return None;
    }
    Some((
        component.clone(),
        labels.get("app").cloned().unwrap_or_default(),
    ))
}

fn on_pod(shared: &Arc<Shared>, client: &kube::Client, pod: Pod) {
    let Some((component, cluster_id)) = is_flink_pod(&pod) else {
        return;
    };
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    if pod.metadata.deletion_timestamp.is_some() {
        on_deleted(shared, &pod);
        return;
    }
    let scheduled = pod
        .spec
        .as_ref()
        .is_some_and(|s| s.node_name.as_deref().is_some_and(|n| !n.is_empty()));
    let pod_ip = pod.status.as_ref().and_then(|s| s.pod_ip.clone());
    let (true, Some(pod_ip)) = (scheduled, pod_ip) else {
        return;
    };
    if !lock(&shared.claimed).insert(uid) {
        return;
    }
    let shared = shared.clone();
    let client = client.clone();
    tokio::spawn(async move {
        let name = pod.metadata.name.clone().unwrap_or_default();
        if let Err(e) = start_pod(&shared, &client, &pod, &component, &cluster_id, &pod_ip).await {
            shared.note(format!("pod {name}: NOT started: {e}"));
        }
    });
}

fn on_deleted(shared: &Arc<Shared>, pod: &Pod) {
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let grace = pod
        .metadata
        .deletion_grace_period_seconds
        .or_else(|| {
            pod.spec
                .as_ref()
                .and_then(|s| s.termination_grace_period_seconds)
        })
        .unwrap_or(30)
        .clamp(0, 10) as u64;
    let Some(mut running) = lock(&shared.running).remove(&uid) else {
        return;
    };
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        running.stop(Duration::from_secs(grace));
        running.info.deleted = true;
        shared.note(format!(
            "pod {} deleted: process group {} stopped (exit {:?})",
            running.info.name, running.info.pgid, running.info.exit
        ));
        // Kept for `pods()`, under a key that cannot collide with a live uid.
        lock(&shared.running).insert(format!("deleted/{uid}"), running);
    });
}

fn main_container(pod: &Pod) -> Option<&Container> {
    let spec = pod.spec.as_ref()?;
    spec.containers
        .iter()
        .find(|c| c.name == "flink-main-container")
        .or_else(|| spec.containers.first())
}

async fn start_pod(
    shared: &Arc<Shared>,
    client: &kube::Client,
    pod: &Pod,
    component: &str,
    cluster_id: &str,
    pod_ip: &str,
) -> Result<(), String> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let uid = pod.metadata.uid.clone().unwrap_or_default();
    let ns = shared.namespace.clone();
    let container = main_container(pod).ok_or("the pod has no container")?;

    // The pod's own loopback address.
    let address = match pod_ip.parse::<Ipv4Addr>() {
        Ok(ip) if ip.is_loopback() && !shared.address_in_use(ip) => ip,
        _ => {
            let n = shared.next_address.fetch_add(1, Ordering::Relaxed);
            Ipv4Addr::new(127, 131, (n >> 8) as u8, (n & 0xff) as u8)
        }
    };

    // The pod folder: the "image" (/opt/flink) and its mounts; per pod uid, since a pod of the
    // same name may come again (a redeployed cluster's first TaskManager).
    let dir = shared
        .root
        .join(format!("{name}-{}", uid.get(..8).unwrap_or(&uid)));
    let home = dir.join("flink");
    let conf = home.join("conf");
    let logs = home.join("log");
    for d in [&conf, &logs, &home.join("usrlib"), &dir.join("pid")] {
        fs::create_dir_all(d).map_err(|e| format!("creating {}: {e}", d.display()))?;
    }
    // `bin` is linked whole (the scripts resolve themselves with `pwd -P`); `lib`, `opt` and
    // `plugins` are real folders of links, since Flink's scripts `find` in them and `find`
    // does not descend into a symlinked starting point.
    let link = |target: &Path, at: &Path| {
        std::os::unix::fs::symlink(target, at)
            .map_err(|e| format!("linking {}: {e}", target.display()))
    };
    link(&shared.flink_home.join("bin"), &home.join("bin"))?;
    for sub in ["lib", "opt", "plugins"] {
        let from = shared.flink_home.join(sub);
        let Ok(entries) = fs::read_dir(&from) else {
            continue;
        };
        fs::create_dir_all(home.join(sub))
            .map_err(|e| format!("creating {}: {e}", home.join(sub).display()))?;
        for entry in entries.flatten() {
            link(&entry.path(), &home.join(sub).join(entry.file_name()))?;
        }
    }
    for file in &shared.options.usrlib {
        let file_name = file
            .file_name()
            .ok_or_else(|| format!("usrlib entry {} has no file name", file.display()))?;
        fs::copy(file, home.join("usrlib").join(file_name))
            .map_err(|e| format!("copying {} into usrlib: {e}", file.display()))?;
    }

    // The ConfigMap volume flink-config-<id>, as the kubelet mounts it (waits for it, bounded).
    let volume = pod
        .spec
        .as_ref()
        .and_then(|s| s.volumes.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|v| v.config_map.as_ref())
        .find(|c| c.name.starts_with("flink-config-"))
        .cloned()
        .ok_or("the pod mounts no flink-config-<id> ConfigMap")?;
    let config_maps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    let deadline = Instant::now() + Duration::from_secs(60);
    let config_map = loop {
        match config_maps.get_opt(&volume.name).await {
            Ok(Some(cm)) => break cm,
            Ok(None) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Ok(None) => return Err(format!("ConfigMap {} absent after 60 s", volume.name)),
            Err(e) if Instant::now() < deadline => {
                shared.note(format!("pod {name}: reading {}: {e}", volume.name));
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(format!("reading ConfigMap {}: {e}", volume.name)),
        }
    };
    let data = config_map.data.unwrap_or_default();
    let items: Vec<(String, String)> = match &volume.items {
        Some(items) => items
            .iter()
            .map(|i| (i.key.clone(), i.path.clone()))
            .collect(),
        None => data.keys().map(|k| (k.clone(), k.clone())).collect(),
    };
    for (key, path) in &items {
        let text = data
            .get(key)
            .ok_or_else(|| format!("ConfigMap {} has no key {key}", volume.name))?;
        let target = conf.join(path);
        fs::write(&target, text).map_err(|e| format!("writing {}: {e}", target.display()))?;
    }

    // The service account's token, bound to this pod.
    let service_account = pod
        .spec
        .as_ref()
        .and_then(|s| s.service_account_name.clone())
        .unwrap_or_else(|| "default".to_string());
    let accounts: Api<ServiceAccount> = Api::namespaced(client.clone(), &ns);
    let request = TokenRequest {
        spec: TokenRequestSpec {
            audiences: vec!["https://kubernetes.default.svc.cluster.local".to_string()],
            expiration_seconds: Some(3607),
            bound_object_ref: Some(BoundObjectReference {
                api_version: Some("v1".to_string()),
                kind: Some("Pod".to_string()),
                name: Some(name.clone()),
                uid: Some(uid.clone()),
            }),
        },
        ..Default::default()
    };
    let token: TokenRequest = accounts
        .create_subresource("token", &service_account, &PostParams::default(), &request)
        .await
        .map_err(|e| format!("TokenRequest for service account {service_account}: {e}"))?;
    let token = token
        .status
        .map(|s| s.token)
        .ok_or("the TokenRequest answer has no token")?;

    // The command and what must differ locally.
    let mut overrides: Vec<(String, String)> = Vec::new();
    let a = address.to_string();
    if component == "jobmanager" {
        for key in [
            "jobmanager.rpc.address",
            "jobmanager.bind-host",
            "rest.address",
            "rest.bind-address",
        ] {
            overrides.push((key.to_string(), a.clone()));
        }
        if let Some(jars) = data
            .get("config.yaml")
            .and_then(|c| pipeline_jars(c, &home))
        {
            overrides.push(("pipeline.jars".to_string(), jars));
        }
    } else {
        let jobmanager = shared.jobmanager_address(cluster_id).ok_or_else(|| {
            format!("no JobManager of cluster {cluster_id} runs here to point the TaskManager at")
        })?;
        overrides.push(("jobmanager.rpc.address".to_string(), jobmanager.to_string()));
        overrides.push(("taskmanager.host".to_string(), a.clone()));
        overrides.push(("taskmanager.bind-host".to_string(), a.clone()));
    }
    let extra: String = overrides
        .iter()
        .map(|(k, v)| format!(" {}", shell_quote(&format!("-D{k}={v}"))))
        .collect();
    let mut argv: Vec<String> = container.args.clone().unwrap_or_default();
    if argv.is_empty() {
        argv = container.command.clone().unwrap_or_default();
    }
    let command = match argv.as_slice() {
        [bash, c, script, ..] if bash == "bash" && c == "-c" => format!("{script}{extra}"),
        [] => return Err("the container has neither args nor command".to_string()),
        words => format!(
            "{}{extra}",
            words
                .iter()
                .map(|w| shell_quote(w))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    };

    // The environment.
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for key in ["PATH", "HOME", "JAVA_HOME", "LANG", "USER", "TMPDIR"] {
        if let Ok(v) = std::env::var(key) {
            env.insert(key.to_string(), v);
        }
    }
    let path = env.get("PATH").cloned().unwrap_or_default();
    env.insert(
        "PATH".to_string(),
        format!("{}:{path}", home.join("bin").display()),
    );
    env.insert("HOSTNAME".to_string(), name.clone());
    for var in container.env.iter().flatten() {
        if let Some(value) = &var.value {
            env.insert(var.name.clone(), value.clone());
            continue;
        }
        let field = var
            .value_from
            .as_ref()
            .and_then(|f| f.field_ref.as_ref())
            .map(|f| f.field_path.as_str());
        let value = match field {
            Some("status.podIP") => Some(a.clone()),
            Some("status.hostIP") => Some("127.0.0.1".to_string()),
            Some("metadata.name") => Some(name.clone()),
            Some("metadata.namespace") => Some(ns.clone()),
            Some("metadata.uid") => Some(uid.clone()),
            Some("spec.nodeName") => pod.spec.as_ref().and_then(|s| s.node_name.clone()),
            Some("spec.serviceAccountName") => Some(service_account.clone()),
            _ => None,
        };
        match value {
            Some(v) => {
                env.insert(var.name.clone(), v);
            }
            None if var.value_from.is_some() => shared.note(format!(
                "pod {name}: env {} ({:?}) not provided by this harness",
                var.name, var.value_from
            )),
            None => {
                env.insert(var.name.clone(), String::new());
            }
        }
    }
    let home_s = home.display().to_string();
    for (k, v) in [
        ("FLINK_HOME", home_s.clone()),
        ("_FLINK_HOME_DETERMINED", "true".to_string()),
        ("FLINK_CONF_DIR", conf.display().to_string()),
        ("FLINK_LOG_DIR", logs.display().to_string()),
        ("FLINK_PID_DIR", dir.join("pid").display().to_string()),
        ("JVM_ARGS", shared.options.jvm_args.clone()),
        ("KUBERNETES_MASTER", shared.cp.server_url().to_string()),
        (
            "KUBERNETES_CERTS_CA_FILE",
            shared.cp.ca_path().display().to_string(),
        ),
        ("KUBERNETES_AUTH_TOKEN", token),
        ("KUBERNETES_NAMESPACE", ns.clone()),
        ("KUBERNETES_AUTH_TRYKUBECONFIG", "false".to_string()),
        ("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false".to_string()),
    ] {
        env.insert(k.to_string(), v);
    }

    // Start it, its output teed into CRI lines.
    let log = dir.join("container.log");
    let log_file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .map_err(|e| format!("opening {}: {e}", log.display()))?;
    let log_file = Arc::new(Mutex::new(log_file));
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(&command)
        .env_clear()
        .envs(&env)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = cmd.spawn().map_err(|e| format!("starting bash: {e}"))?;
    let pgid = child.id();
    let watchdog = match start_watchdog(pgid) {
        Ok(w) => w,
        Err(e) => {
            signal_group(pgid, "KILL");
            let _ = child.wait();
            return Err(e);
        }
    };
    if let Some(out) = child.stdout.take() {
        tee(out, "stdout", log_file.clone());
    }
    if let Some(err) = child.stderr.take() {
        tee(err, "stderr", log_file);
    }
    let info = PodProcess {
        name: name.clone(),
        uid: uid.clone(),
        component: component.to_string(),
        cluster_id: cluster_id.to_string(),
        address,
        pgid,
        log: log.clone(),
        dir: dir.clone(),
        service_account: service_account.clone(),
        command: command.clone(),
        exit: None,
        deleted: false,
    };
    lock(&shared.running).insert(
        uid.clone(),
        Running {
            info,
            child,
            watchdog: Some(watchdog),
        },
    );
    shared.note(format!(
        "pod {name} ({component} of {cluster_id}) started at {address} as group {pgid}, service account {service_account}: bash -c {command:?}"
    ));

    // kwok: logs and port-forwards of this pod reach the process.
    let ports: Vec<(u16, SocketAddr)> = container
        .ports
        .iter()
        .flatten()
        .filter_map(|p| u16::try_from(p.container_port).ok())
        .map(|p| (p, SocketAddr::new(address.into(), p)))
        .collect();
    let cp = shared.cp;
    let container_name = container.name.clone();
    let (ns2, name2) = (ns.clone(), name.clone());
    let kwok = tokio::task::spawn_blocking(move || {
        cp.serve_pod_logs(&ns2, &name2, &[container_name.as_str()], &log)?;
        if !ports.is_empty() {
            cp.forward_pod_ports(&ns2, &name2, &ports)?;
        }
        Ok::<(), String>(())
    })
    .await
    .map_err(|e| format!("kwok objects: {e}"))?;
    kwok.map_err(|e| format!("kwok objects: {e}"))?;

    // The pod may have been deleted while it started.
    let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
    if let Ok(Some(now)) = pods.get_opt(&name).await
        && now.metadata.uid.as_deref() == Some(uid.as_str())
        && now.metadata.deletion_timestamp.is_none()
    {
        return Ok(());
    }
    on_deleted(shared, pod);
    Ok(())
}

/// `pipeline.jars` with `local:///opt/flink/` mapped to the pod's `flink` dir, when it has such
/// an entry.
fn pipeline_jars(config_yaml: &str, home: &Path) -> Option<String> {
    let value: serde_json::Value = serde_saphyr::from_str(config_yaml).ok()?;
    let jars = value
        .get("pipeline.jars")
        .or_else(|| value.get("pipeline").and_then(|p| p.get("jars")))?;
    let list: Vec<String> = match jars {
        serde_json::Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        serde_json::Value::String(s) => s.split(';').map(str::to_string).collect(),
        _ => return None,
    };
    if !list.iter().any(|j| j.starts_with("local:///opt/flink/")) {
        return None;
    }
    let mapped: Vec<String> = list
        .iter()
        .map(|j| match j.strip_prefix("local:///opt/flink/") {
            Some(rest) => format!("local://{}/{rest}", home.display()),
            None => j.clone(),
        })
        .collect();
    Some(mapped.join(";"))
}

fn shell_quote(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=./:@%+,".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Lines of `from` appended to `file` as CRI log lines of `stream`.
fn tee(
    from: impl std::io::Read + Send + 'static,
    stream: &'static str,
    file: Arc<Mutex<fs::File>>,
) {
    let _ = thread::Builder::new()
        .name(format!("flink-pods-tee-{stream}"))
        .spawn(move || {
            let reader = BufReader::new(from);
            for line in reader.split(b'\n') {
                let Ok(line) = line else { break };
                let text = String::from_utf8_lossy(&line);
                let text = text.trim_end_matches('\r');
                let now = jiff::Timestamp::now();
                let _ = writeln!(lock(&file), "{now} {stream} F {text}");
            }
        });
}

/// A `sh` that kills group `pgid` once its stdin (held only by this process) closes.
fn start_watchdog(pgid: u32) -> Result<(Child, ChildStdin), String> {
    let mut dog = Command::new("sh")
        .args(["-c", r#"read -r _; kill -KILL "-$0" 2>/dev/null"#])
        .arg(pgid.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("starting the watchdog (sh): {e}"))?;
    let stdin = dog.stdin.take().ok_or("the watchdog has no stdin")?;
    Ok((dog, stdin))
}

fn signal_group(pgid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pgid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_opt_flink_jars_map_to_the_pod_home() {
        let home = Path::new("/tmp/p/flink");
        let nested = "pipeline:\n  jars:\n  - local:///opt/flink/usrlib/job.jar\n";
        assert_eq!(
            pipeline_jars(nested, home).as_deref(),
            Some("local:///tmp/p/flink/usrlib/job.jar")
        );
        let flat = "pipeline.jars: local:///opt/flink/usrlib/a.jar\n";
        assert_eq!(
            pipeline_jars(flat, home).as_deref(),
            Some("local:///tmp/p/flink/usrlib/a.jar")
        );
        assert_eq!(pipeline_jars("pipeline.jars: s3://b/x.jar\n", home), None);
        assert_eq!(pipeline_jars("a: 1\n", home), None);
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("-Dx=127.0.0.1"), "-Dx=127.0.0.1");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
