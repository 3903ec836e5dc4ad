//! What the fault matrix compares: the objects a verb may touch and the cluster's history, as
//! stored by the test API server.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};
use test_apiserver::ApiServer;

/// Everything stored in namespace `default` that a verb may touch; pods and ReplicaSets by
/// their `app` label (their names are random). A Deployment carries its image, and a cluster's
/// `flink-config-<id>` ConfigMap a digest of its configuration and the savepoint it restores
/// from, so that a cluster's spec before and after `upgrade` (and a mixture of the two) tell
/// apart.
pub fn snapshot(server: &ApiServer) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (version, plural) in [
        ("apps/v1", "deployments"),
        ("v1", "services"),
        ("v1", "configmaps"),
        ("v1", "serviceaccounts"),
        ("rbac.authorization.k8s.io/v1", "roles"),
        ("rbac.authorization.k8s.io/v1", "rolebindings"),
    ] {
        for o in server.list(version, plural, Some("default")) {
            let name = o["metadata"]["name"].as_str().unwrap_or("?");
            out.insert(format!("{plural}/{name}{}", spec_of(plural, name, &o)));
        }
    }
    for (version, plural) in [("apps/v1", "replicasets"), ("v1", "pods")] {
        for o in server.list(version, plural, Some("default")) {
            let app = o["metadata"]["labels"]["app"].as_str().unwrap_or("?");
            out.insert(format!("{plural}(app={app})"));
        }
    }
    // What a cluster's history records: its actions, in order.
    for o in server.list("v1", "configmaps", Some("default")) {
        let name = o["metadata"]["name"].as_str().unwrap_or("?");
        if name.starts_with("kubectl-flink-history-") {
            out.insert(format!("history {name}: {}", history_actions(&o).join(",")));
        }
    }
    out
}

/// What tells a cluster's spec apart, for the objects that carry it.
fn spec_of(plural: &str, name: &str, object: &serde_json::Value) -> String {
    match plural {
        "deployments" => {
            let image = object["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap_or("?");
            format!(" image={image}")
        }
        "configmaps" if name.starts_with("flink-config-") => {
            let text = object["data"]["config.yaml"].as_str().unwrap_or_default();
            let flat = flink_kit::golden::flatten_flink_config(text);
            let mut options: std::collections::BTreeMap<String, String> = flat
                .as_object()
                .into_iter()
                .flatten()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_string),
                    )
                })
                .collect();
            // Either name of the restore path (the renderer writes one, resume's edit the other).
            let restores: Vec<String> =
                ["execution.state-recovery.path", "execution.savepoint.path"]
                    .iter()
                    .filter_map(|k| options.remove(*k))
                    .collect();
            let restore = restores.join(",");
            let restore = if restore.is_empty() {
                "-".to_string()
            } else {
                restore
            };
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            std::hash::Hash::hash(&options, &mut hasher);
            format!(
                " conf={:08x} restore={restore}",
                std::hash::Hasher::finish(&hasher) as u32
            )
        }
        _ => String::new(),
    }
}

fn history_actions(configmap: &serde_json::Value) -> Vec<String> {
    let text = configmap["data"]["history.json"].as_str().unwrap_or("[]");
    let entries: Vec<serde_json::Value> = serde_json::from_str(text).unwrap_or_default();
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("?").to_string())
        .collect()
}

/// The whole history text of cluster `id`, savepoints included.
pub fn history_text(server: &ApiServer, id: &str) -> String {
    server
        .object(
            "v1",
            "configmaps",
            Some("default"),
            &format!("kubectl-flink-history-{id}"),
        )
        .map(|o| o["data"]["history.json"].as_str().unwrap_or("").to_string())
        .unwrap_or_default()
}

/// Waits until the stored objects equal one of `targets` (garbage collection and held
/// requests take a moment), or until they stop changing; returns them.
pub fn settle(server: &ApiServer, targets: &[&BTreeSet<String>]) -> BTreeSet<String> {
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut last = snapshot(server);
    let mut stable_since = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(40));
        let now = snapshot(server);
        if targets.contains(&&now) {
            return now;
        }
        if now != last {
            last = now;
            stable_since = Instant::now();
        } else if stable_since.elapsed() > Duration::from_millis(300) {
            return last;
        }
        if Instant::now() > deadline {
            return last;
        }
    }
}
