//! `kubectl flink rbac-setup`: the JobManager's service account and Role,
//! applied idempotently, and checked with the real `kubectl auth can-i`
//! against the test API server's RBAC decisions.

mod common;

use common::*;
use std::process::Command;
use test_apiserver::{ApiServer, ServerOptions};

fn kubectl_can_i(
    server: &ApiServer,
    home: &Scratch,
    verb: &str,
    resource: &str,
    as_user: &str,
) -> String {
    let out = Command::new("kubectl")
        .env("HOME", home.path())
        .args(["--kubeconfig"])
        .arg(server.kubeconfig_path())
        .args([
            "auth", "can-i", verb, resource, "-n", "default", "--as", as_user,
        ])
        .output()
        .expect("kubectl");
    stdout(&out).trim().to_string()
}

#[test]
fn dry_run_prints_the_account_role_and_binding() {
    let home = Scratch::new("rbac-dry");
    let out = run(
        home.path(),
        &[
            "rbac-setup",
            "--dry-run=client",
            "-o",
            "json",
            "--user",
            "alice",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kinds: Vec<String> = json_items(&out)
        .iter()
        .map(|i| {
            format!(
                "{}/{}",
                i["kind"].as_str().unwrap_or("?"),
                i["metadata"]["name"].as_str().unwrap_or("?")
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "ServiceAccount/flink",
            "Role/flink",
            "RoleBinding/flink",
            "Role/kubectl-flink-user",
            "RoleBinding/kubectl-flink-user-alice"
        ]
    );
    let out = run(
        home.path(),
        &["rbac-setup", "--service-account", "Not_Valid", "--dry-run"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_rights_let_the_jobmanager_and_the_user_do_their_work() {
    let server = ApiServer::start(ServerOptions::default())
        .await
        .expect("server");
    let home = Scratch::new("rbac-live");
    let kubeconfig = server.kubeconfig_path().display().to_string();
    for _ in 0..2 {
        let out = run(
            home.path(),
            &["--kubeconfig", &kubeconfig, "rbac-setup", "--user", "alice"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "applying twice is fine: {}",
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("-Dkubernetes.service-account=flink"),
            "{}",
            stdout(&out)
        );
    }
    let jobmanager = "system:serviceaccount:default:flink";
    assert_eq!(
        kubectl_can_i(&server, &home, "create", "pods", jobmanager),
        "yes"
    );
    assert_eq!(
        kubectl_can_i(&server, &home, "update", "configmaps", jobmanager),
        "yes"
    );
    assert_eq!(
        kubectl_can_i(&server, &home, "create", "secrets", jobmanager),
        "no"
    );
    assert_eq!(
        kubectl_can_i(&server, &home, "create", "deployments.apps", "alice"),
        "yes"
    );
    assert_eq!(
        kubectl_can_i(&server, &home, "get", "services/proxy", "alice"),
        "yes"
    );
    assert_eq!(
        kubectl_can_i(&server, &home, "create", "deployments.apps", "bob"),
        "no"
    );
}
