//! `version` (text and JSON; the Kubernetes server's version and a
//! cluster's Flink release from a real JobManager) and `--help` (examples,
//! unwrapped when piped).

mod common;

use common::imitation::fake_cluster_objects;
use common::*;

#[test]
fn version_names_the_server_and_the_flink_release_a_cluster_runs() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let session =
        flink_kit::jobmanager::StandaloneSession::start(&flink_home).expect("a Flink JobManager");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime for the API server");
    let server = runtime
        .block_on(test_apiserver::ApiServer::start(Default::default()))
        .expect("the test API server starts");
    fake_cluster_objects(&server, "v1");
    server.attach_backend(
        "default",
        "app=v1,component=jobmanager",
        8081,
        session.rest_addr(),
    );
    let home = Scratch::new("version-live");
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let out = run(
        home.path(),
        &["version", "v1", "--kubeconfig", &kubeconfig, "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["clusterId"], "v1", "{v}");
    assert_eq!(v["flinkVersion"], "2.3.0", "{v}");
    assert!(
        v["kubernetesVersion"]
            .as_str()
            .is_some_and(|k| k.starts_with("v1.")),
        "{v}"
    );
    let text = stdout(&run(
        home.path(),
        &["version", "v1", "--kubeconfig", &kubeconfig],
    ));
    assert!(text.contains("Flink cluster v1: Flink 2.3.0"), "{text}");
    // --client asks nothing, so it cannot name a cluster's release.
    let out = run(
        home.path(),
        &["version", "v1", "--client", "--kubeconfig", &kubeconfig],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn version_and_help() {
    let home = Scratch::new("version");
    let out = run(home.path(), &["version"]);
    assert!(stdout(&out).contains(env!("CARGO_PKG_VERSION")));
    assert!(stdout(&out).contains("2.3.0"));
    let out = run(home.path(), &["version", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["defaultFlinkVersion"], "2.3.0");
    let out = run(home.path(), &["session", "start", "--help"]);
    let help = stdout(&out);
    assert!(
        help.contains("Examples:") && help.contains("-D <KEY=VALUE>"),
        "{help}"
    );
    // Piped, help is not wrapped at clap's 100 columns (a terminal wraps it).
    let out = run(home.path(), &["session", "run", "--help"]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l
                .contains("(default; port-forward when the proxy is forbidden) or a port-forward")),
        "{}",
        stdout(&out)
    );
    let out = run(home.path(), &["app", "run", "--help"]);
    assert!(
        stdout(&out).contains("put -- before the job's arguments"),
        "app run --help says how flags after the jar are treated"
    );
}
