//! Everything the server knows, behind one lock: stored objects plus the test-side
//! tables (tokens, attached backends, forced pod failures, pod logs, apply history).

use crate::defaults::Allocator;
use crate::meta;
use crate::options::{PodFailure, ServerOptions};
use crate::rbac::{self, UserInfo};
use crate::resources;
use crate::selectors::LabelSelector;
use crate::store::Store;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Instant;

/// A real TCP address that port-forward and service-proxy traffic for some pods goes to.
#[derive(Debug, Clone)]
pub struct Backend {
    /// Namespace of the pods.
    pub namespace: String,
    /// Which pods.
    pub selector: LabelSelector,
    /// The container port the traffic is addressed to.
    pub container_port: u16,
    /// Where it really goes.
    pub target: SocketAddr,
}

/// A forced failure for pods matching a selector.
#[derive(Debug, Clone)]
pub struct FailureRule {
    /// Namespace of the pods.
    pub namespace: String,
    /// Which pods.
    pub selector: LabelSelector,
    /// What goes wrong.
    pub failure: PodFailure,
}

/// The simulated control plane's memory (when it first saw things, what it reported).
#[derive(Debug, Default)]
pub struct SimState {
    /// When each pod (by uid) was first seen.
    pub pod_seen: HashMap<String, Instant>,
    /// When the kubelet saw each pod (by uid) being deleted.
    pub pod_stopping: HashMap<String, Instant>,
    /// When each LoadBalancer Service (by uid) was first seen.
    pub lb_seen: HashMap<String, Instant>,
    /// Pods (by uid) that already got their failure Events.
    pub failure_reported: HashSet<String>,
    /// Pods (by uid) that already got their start-up Events.
    pub start_reported: HashSet<String>,
    /// Next pod IP suffix.
    pub next_pod_ip: u32,
}

/// The whole server state.
pub struct State {
    /// Stored objects.
    pub store: Store,
    /// Server options.
    pub opts: ServerOptions,
    /// Bearer token -> user.
    pub tokens: HashMap<String, UserInfo>,
    /// Attached real backends.
    pub backends: Vec<Backend>,
    /// Forced pod failures.
    pub failures: Vec<FailureRule>,
    /// Pod logs by (namespace, pod, container or "").
    pub pod_logs: HashMap<(String, String, String), String>,
    /// The last configuration each field manager applied, by (uid, manager).
    pub applied: HashMap<(String, String), Value>,
    /// ClusterIP and node port allocation.
    pub alloc: Allocator,
    /// Simulation bookkeeping.
    pub sim: SimState,
}

/// The token of the built-in admin user written into the default kubeconfig.
pub const ADMIN_USER: &str = "admin";

impl State {
    /// A fresh cluster: default namespaces, the node, the default RBAC roles and an admin.
    pub fn new(opts: ServerOptions) -> Self {
        let mut st = State {
            store: Store::default(),
            opts,
            tokens: HashMap::new(),
            backends: Vec::new(),
            failures: Vec::new(),
            pod_logs: HashMap::new(),
            applied: HashMap::new(),
            alloc: Allocator::default(),
            sim: SimState::default(),
        };
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            st.seed_namespace(ns);
        }
        for (plural, obj) in rbac::default_objects() {
            st.seed(
                resources::find("rbac.authorization.k8s.io", plural).expect("known"),
                obj,
            );
        }
        let node = st.node_object();
        st.seed(resources::find("", "nodes").expect("known"), node);
        st
    }

    /// Stores a system object with fresh uid and timestamp, bypassing the REST checks.
    pub fn seed(&mut self, rt: &resources::ResourceType, mut obj: Value) -> Value {
        obj["apiVersion"] = json!(rt.api_version());
        obj["kind"] = json!(rt.kind);
        let m = meta::metadata_mut(&mut obj);
        m.insert("uid".into(), json!(meta::new_uid()));
        m.insert("creationTimestamp".into(), json!(meta::now_rfc3339()));
        if rt.has_generation {
            m.insert("generation".into(), json!(1));
        }
        crate::defaults::apply(rt, &mut obj, &mut self.alloc);
        self.store.insert(rt, obj)
    }

    /// Creates a namespace and the `default` ServiceAccount the real controllers put in it.
    pub fn seed_namespace(&mut self, name: &str) {
        let ns_rt = resources::find("", "namespaces").expect("known");
        if self.store.get(ns_rt, "", name).is_none() {
            self.seed(ns_rt, json!({"metadata": {"name": name}}));
        }
        self.ensure_default_service_account(name);
    }

    /// Makes sure a namespace has its `default` ServiceAccount.
    pub fn ensure_default_service_account(&mut self, ns: &str) {
        let sa_rt = resources::find("", "serviceaccounts").expect("known");
        if self.store.get(sa_rt, ns, "default").is_none() {
            self.seed(
                sa_rt,
                json!({"metadata": {"name": "default", "namespace": ns}}),
            );
        }
    }

    fn node_object(&self) -> Value {
        let addresses: Vec<Value> = self
            .opts
            .node_addresses
            .iter()
            .map(|(t, a)| json!({"type": t, "address": a}))
            .collect();
        let now = meta::now_rfc3339();
        json!({
            "metadata": {"name": self.opts.node_name, "labels": {
                "kubernetes.io/hostname": self.opts.node_name, "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "node-role.kubernetes.io/control-plane": ""}},
            "spec": {"podCIDR": "10.244.0.0/24", "podCIDRs": ["10.244.0.0/24"]},
            "status": {
                "addresses": addresses,
                "capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                "allocatable": {"cpu": "8", "memory": "32Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                    "message": "kubelet is posting ready status", "lastHeartbeatTime": now, "lastTransitionTime": now}],
                "nodeInfo": {"kubeletVersion": "v1.33.0", "operatingSystem": "linux", "architecture": "amd64",
                    "containerRuntimeVersion": "containerd://2.0.0", "osImage": "test-apiserver", "kernelVersion": "6.1.0",
                    "kubeProxyVersion": "v1.33.0", "machineID": "", "systemUUID": "", "bootID": ""}
            }
        })
    }

    /// The user a bearer token belongs to.
    pub fn user_for_token(&self, token: &str) -> Option<UserInfo> {
        self.tokens.get(token).cloned()
    }
}
