//! A test's own namespace on the shared real control plane (kube-kit),
//! with the binary run as the admin and `kubectl` to look at what it made.

use super::*;
use kube_kit::{ControlPlane, FlinkPods, FlinkPodsOptions, require_control_plane};
use serde_json::Value;
use std::process::Output;
use std::time::{Duration, Instant};

/// One test's namespace on the shared control plane, with an admin kubeconfig
/// whose context points at it.
pub struct Cluster {
    pub cp: &'static ControlPlane,
    pub namespace: String,
    pub kubeconfig: String,
    pub home: Scratch,
}

impl Cluster {
    pub fn new(name: &str) -> Option<Cluster> {
        let cp = require_control_plane()?;
        let namespace = cp.create_namespace(name).expect("a namespace");
        let kubeconfig = cp
            .write_admin_kubeconfig(&namespace)
            .expect("an admin kubeconfig")
            .display()
            .to_string();
        Some(Cluster {
            cp,
            namespace,
            kubeconfig,
            home: Scratch::new(&format!("real-{name}")),
        })
    }

    /// `kubectl-flink --kubeconfig <admin> args…`
    pub fn flink(&self, args: &[&str]) -> Output {
        self.flink_as(&self.kubeconfig, args)
    }

    pub fn flink_as(&self, kubeconfig: &str, args: &[&str]) -> Output {
        let mut argv = vec!["--kubeconfig", kubeconfig];
        argv.extend_from_slice(args);
        run(self.home.path(), &argv)
    }

    /// `session start ID --flink-conf-dir <stock>` plus `extra`.
    pub fn start(&self, id: &str, extra: &[&str]) -> Output {
        let conf = golden_conf();
        let mut args = vec!["session", "start", id, "--flink-conf-dir", &conf];
        args.extend_from_slice(extra);
        self.flink(&args)
    }

    /// `kubectl get <what> -n <ns> -o json` as the admin.
    pub fn get(&self, what: &str) -> Value {
        let out = self
            .cp
            .kubectl()
            .args(["get", what, "-n", &self.namespace, "-o", "json"])
            .output()
            .expect("kubectl");
        assert!(out.status.success(), "kubectl get {what}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).expect("kubectl's JSON")
    }

    /// Names of the objects of cluster `id` (by its `app` label or its name) of these kinds.
    pub fn objects_of(&self, id: &str) -> Vec<String> {
        let list = self.get("deployments,replicasets,pods,services,configmaps");
        list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| {
                o["metadata"]["labels"]["app"] == id
                    || o["metadata"]["name"]
                        .as_str()
                        .is_some_and(|n| n == id || n.ends_with(&format!("-{id}")))
            })
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or("?"),
                    o["metadata"]["name"].as_str().unwrap_or("?")
                )
            })
            .collect()
    }

    /// Wait (bounded by `timeout`) until nothing of cluster `id` is stored;
    /// what is still there.
    pub fn until_gone_within(&self, id: &str, timeout: Duration) -> Vec<String> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = self.objects_of(id);
            if left.is_empty() || Instant::now() > deadline {
                return left;
            }
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// Wait (bounded) until a JobManager pod of `id` is Ready (kwok makes it
    /// so); its name.
    pub fn until_jobmanager_ready(&self, id: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let pods = self.get("pods");
            let ready = pods["items"].as_array().into_iter().flatten().find(|p| {
                p["metadata"]["labels"]["app"] == id
                    && p["metadata"]["labels"]["component"] == "jobmanager"
                    && p["status"]["conditions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
            });
            if let Some(pod) = ready {
                return pod["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
            }
            assert!(
                Instant::now() < deadline,
                "no Ready JobManager pod of {id}: {pods}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// [`Cluster::until_gone_within`] a minute.
    pub fn until_gone(&self, id: &str) -> Vec<String> {
        self.until_gone_within(id, Duration::from_secs(60))
    }

    pub fn apply(&self, yaml: &str) {
        let mut child = self
            .cp
            .kubectl()
            .args(["apply", "-n", &self.namespace, "-f", "-"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("kubectl apply");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(yaml.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("kubectl apply");
        assert!(out.status.success(), "kubectl apply: {}", stderr(&out));
    }
}

/// Assert `out` succeeded; else fail with its output, the pods' journal and
/// the tails of their logs (what a failing live test needs to be read).
pub fn ok_with_pods(out: &Output, what: &str, pods: &FlinkPods) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what} failed:\nstdout: {}\nstderr: {}\njournal: {:#?}\n{}",
        stdout(out),
        stderr(out),
        pods.journal(),
        pods.log_tails(40)
    );
}

/// Flink's pods for `k`'s namespace with the streaming job's jar in their
/// image (`/opt/flink/usrlib/<name>`): the pods, the jar, and its name.
pub fn flink_pods_with_job_jar(
    k: &Cluster,
    flink_home: &std::path::Path,
) -> (FlinkPods, PathBuf, String) {
    let jar = flink_kit::jobjar::streaming_job_jar(flink_home).expect("the job jar");
    let jar_name = jar
        .file_name()
        .and_then(|n| n.to_str())
        .expect("a jar file name")
        .to_string();
    let pods = FlinkPods::run_with(
        k.cp,
        &k.namespace,
        flink_home,
        FlinkPodsOptions {
            usrlib: vec![jar.clone()],
            ..Default::default()
        },
    )
    .expect("FlinkPods");
    (pods, jar, jar_name)
}
