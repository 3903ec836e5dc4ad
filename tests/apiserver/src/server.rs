//! The running server: a dedicated thread with its own Tokio runtime (so tests may
//! block, e.g. on `kubectl`, without stalling it), the accept loop (plain or TLS), the
//! controller loop, and the test-facing [`ApiServer`] handle.

use crate::controllers;
use crate::faults::{Fault, RecordedRequest, Recorder};
use crate::gc;
use crate::handler;
use crate::kubeconfig::{self, KubeconfigSpec};
use crate::meta;
use crate::options::{PodFailure, ServerOptions};
use crate::rbac::UserInfo;
use crate::resources;
use crate::selectors::LabelSelector;
use crate::state::{ADMIN_USER, Backend, FailureRule, State};
use crate::tls;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::sync::{Notify, oneshot};

/// State shared by the connection handlers, the controllers and the test handle.
pub struct Shared {
    state: Mutex<State>,
    recorder: Mutex<Recorder>,
    /// Woken after every write so the controllers reconcile.
    pub changed: Notify,
}

impl Shared {
    /// Locks the server state (never held across an await).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Locks the fault table and request log.
    pub fn recorder(&self) -> MutexGuard<'_, Recorder> {
        self.recorder.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running test API server. Dropping it stops the server and removes its temp dir.
pub struct ApiServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    scheme: &'static str,
    ca_pem: Option<String>,
    dir: PathBuf,
    kubeconfig: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn temp_dir() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!(
        "test-apiserver-{}-{}",
        std::process::id(),
        meta::safe_encode(meta::random_u64(), 8)
    ));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

impl ApiServer {
    /// Starts a server on 127.0.0.1 (port from the options, 0 for any) and writes an admin
    /// kubeconfig (context `test`, namespace `default`) into its temp dir.
    pub async fn start(opts: ServerOptions) -> std::io::Result<ApiServer> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", opts.port))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let tls = if opts.tls {
            Some(tls::generate(opts.tls_expired)?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
        let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));
        let admin_token = format!("admin-{}", meta::new_uid());
        let mut state = State::new(opts);
        state.tokens.insert(
            admin_token.clone(),
            UserInfo::new(ADMIN_USER, &["system:masters"]),
        );
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            recorder: Mutex::new(Recorder::default()),
            changed: Notify::new(),
        });
        let dir = temp_dir()?;
        let kubeconfig = dir.join("kubeconfig");
        let url = format!("{scheme}://{addr}");
        kubeconfig::write(
            &kubeconfig,
            &KubeconfigSpec {
                server: &url,
                ca_pem: ca_pem.as_deref(),
                user: ADMIN_USER,
                token: &admin_token,
                namespace: Some("default"),
            },
        )?;
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("test-apiserver-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("a Tokio runtime for the test API server");
                rt.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                    tokio::select! {
                        _ = accept_loop(listener, acceptor, thread_shared.clone()) => {}
                        _ = controller_loop(thread_shared) => {}
                        _ = shutdown_rx => {}
                    }
                });
                rt.shutdown_timeout(std::time::Duration::from_secs(2));
            })?;
        Ok(ApiServer {
            shared,
            addr,
            scheme,
            ca_pem,
            dir,
            kubeconfig,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// `http(s)://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("{}://{}", self.scheme, self.addr)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The admin kubeconfig (bearer token, context `test`, namespace `default`).
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig
    }

    /// The server's temp dir (removed on drop), handy for per-test files.
    pub fn temp_dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate (PEM) when serving TLS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Writes a kubeconfig for `user` (a name given to [`ApiServer::add_user`], or a
    /// service account as `system:serviceaccount:NS:NAME`; a token is made if needed).
    pub fn write_kubeconfig(
        &self,
        path: &Path,
        user: &str,
        namespace: Option<&str>,
    ) -> std::io::Result<()> {
        let token = {
            let st = self.shared.lock();
            st.tokens
                .iter()
                .find(|(_, u)| u.name == user)
                .map(|(t, _)| t.clone())
        };
        let token = token.unwrap_or_else(|| self.add_user(user, &[]));
        let url = self.url();
        kubeconfig::write(
            path,
            &KubeconfigSpec {
                server: &url,
                ca_pem: self.ca_pem.as_deref(),
                user,
                token: &token,
                namespace,
            },
        )
    }

    /// Registers a user (or service account `system:serviceaccount:NS:NAME`) with groups
    /// and returns a bearer token for it.
    pub fn add_user(&self, user: &str, groups: &[&str]) -> String {
        let token = format!("token-{}", meta::new_uid());
        self.shared
            .lock()
            .tokens
            .insert(token.clone(), UserInfo::new(user, groups));
        token
    }

    /// Relays port-forward and service-proxy traffic for pods in `namespace` matching
    /// `label_selector`, addressed to `container_port`, to a real local TCP address.
    pub fn attach_backend(
        &self,
        namespace: &str,
        label_selector: &str,
        container_port: u16,
        target: SocketAddr,
    ) {
        let selector = LabelSelector::parse(label_selector).expect("a valid label selector");
        self.shared.lock().backends.push(Backend {
            namespace: namespace.into(),
            selector,
            container_port,
            target,
        });
    }

    /// Makes pods in `namespace` matching `label_selector` (present and future) fail the
    /// given way, with the status and Warning Events Kubernetes would show.
    pub fn fail_pod(&self, namespace: &str, label_selector: &str, failure: PodFailure) {
        let selector = LabelSelector::parse(label_selector).expect("a valid label selector");
        self.shared.lock().failures.push(FailureRule {
            namespace: namespace.into(),
            selector,
            failure,
        });
        self.shared.changed.notify_one();
    }

    /// Lifts every forced pod failure: the pods recover and become Running and Ready.
    pub fn clear_pod_failures(&self) {
        self.shared.lock().failures.clear();
        self.shared.changed.notify_one();
    }

    /// Installs a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        self.shared.recorder().inject(fault);
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder().requests()
    }

    /// The bodies of every successful create (201) so far, exactly as the client sent
    /// them: what a client under test asked for, ready to compare with another client's
    /// (e.g. Flink's own, from `flink-kit`'s oracle) after normalisation.
    pub fn created_objects(&self) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r.status == 201)
            .filter_map(|r| r.body)
            .collect()
    }

    /// Forgets the requests so far.
    pub fn clear_requests(&self) {
        self.shared.recorder().clear();
    }

    /// A stored object, by `apiVersion` (`v1`, `apps/v1`), plural and name.
    pub fn object(
        &self,
        api_version: &str,
        kind_plural: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<Value> {
        let rt = resources::find_by_api_version(api_version, kind_plural)?;
        self.shared
            .lock()
            .store
            .get(rt, namespace.unwrap_or(""), name)
            .cloned()
    }

    /// All stored objects of a type (in one namespace, or all when None).
    pub fn list(
        &self,
        api_version: &str,
        kind_plural: &str,
        namespace: Option<&str>,
    ) -> Vec<Value> {
        let Some(rt) = resources::find_by_api_version(api_version, kind_plural) else {
            return Vec::new();
        };
        self.shared.lock().store.list(rt, namespace)
    }

    /// Sets what `pods/log` returns for a pod (`container` None: any container).
    pub fn pod_logs(&self, namespace: &str, pod: &str, container: Option<&str>, text: &str) {
        let key = crate::logs::key(namespace, pod, container.unwrap_or(""));
        self.shared.lock().pod_logs.insert(key, text.into());
    }

    /// Appends to a pod's log; `follow=true` readers receive it as it arrives.
    pub fn append_pod_logs(&self, namespace: &str, pod: &str, container: Option<&str>, text: &str) {
        let key = crate::logs::key(namespace, pod, container.unwrap_or(""));
        self.shared
            .lock()
            .pod_logs
            .entry(key)
            .or_default()
            .push_str(text);
    }

    /// Creates an object directly (as the admin would), e.g. to set up a namespace.
    pub fn create(
        &self,
        api_version: &str,
        kind_plural: &str,
        namespace: Option<&str>,
        obj: Value,
    ) -> Result<Value, crate::ApiError> {
        let rt = resources::find_by_api_version(api_version, kind_plural)
            .ok_or_else(crate::ApiError::no_route)?;
        let out = crate::rest::create(
            &mut self.shared.lock(),
            rt,
            namespace.unwrap_or(""),
            obj,
            false,
        );
        self.shared.changed.notify_one();
        out
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    shared: Arc<Shared>,
) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            // Each request is handled in a task of its own, so a client that goes away
            // (Ctrl-C, a dropped connection) does not cancel a write half-way: a real API
            // server finishes what it received, and tests must see that.
            let service = service_fn(move |req| {
                let handled = tokio::spawn(handler::handle(shared.clone(), req));
                async move { handled.await.unwrap_or(Err(handler::DropConnection)) }
            });
            let builder = hyper::server::conn::http1::Builder::new();
            match tls {
                Some(acceptor) => {
                    if let Ok(stream) = acceptor.accept(tcp).await {
                        let _ = builder
                            .serve_connection(TokioIo::new(stream), service)
                            .with_upgrades()
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(TokioIo::new(tcp), service)
                        .with_upgrades()
                        .await;
                }
            }
        });
    }
}

async fn controller_loop(shared: Arc<Shared>) {
    loop {
        let next = {
            let mut st = shared.lock();
            let mut next = None;
            for _ in 0..20 {
                let before = st.store.resource_version();
                gc::collect(&mut st);
                next = controllers::reconcile(&mut st, Instant::now());
                if st.store.resource_version() == before {
                    break;
                }
            }
            next
        };
        match next {
            Some(at) => {
                tokio::select! {
                    _ = shared.changed.notified() => {}
                    _ = tokio::time::sleep_until(tokio::time::Instant::from_std(at)) => {}
                }
            }
            None => shared.changed.notified().await,
        }
    }
}
