//! `kubectl flink rbac-setup`: the JobManager's service account and Role,
//! applied idempotently, and checked with the real `kubectl auth can-i`
//! against the test API server's RBAC decisions and the real authorizer of
//! the real control plane (with a real 403 for a user not granted).

mod common;

use common::real::Cluster;
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
            "--grant-user",
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
    // Piped into `kubectl apply -f -` they land in the namespace asked for.
    let out = run(
        home.path(),
        &[
            "rbac-setup",
            "--dry-run=client",
            "-o",
            "yaml",
            "-n",
            "team-a",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).matches("namespace: team-a").count(),
        3,
        "every object names its namespace: {}",
        stdout(&out)
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
    for action in ["created", "unchanged"] {
        let out = run(
            home.path(),
            &[
                "--kubeconfig",
                &kubeconfig,
                "rbac-setup",
                "--grant-user",
                "alice",
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "applying twice is fine: {}",
            stderr(&out)
        );
        assert_eq!(
            stdout(&out),
            [
                "serviceaccount/flink",
                "role.rbac.authorization.k8s.io/flink",
                "rolebinding.rbac.authorization.k8s.io/flink",
                "role.rbac.authorization.k8s.io/kubectl-flink-user",
                "rolebinding.rbac.authorization.k8s.io/kubectl-flink-user-alice",
            ]
            .map(|object| format!("{object} {action}\n"))
            .concat(),
            "kubectl's lines, the second run unchanged"
        );
        assert!(
            stderr(&out).contains("-Dkubernetes.service-account=flink"),
            "{}",
            stderr(&out)
        );
    }
    let out = run(
        home.path(),
        &["--kubeconfig", &kubeconfig, "rbac-setup", "-o", "name"],
    );
    assert_eq!(
        stdout(&out),
        "serviceaccount/flink\nrole.rbac.authorization.k8s.io/flink\nrolebinding.rbac.authorization.k8s.io/flink\n"
    );
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_without_rights_is_told_who_can_run_it() {
    let server = ApiServer::start(ServerOptions {
        rbac_enforced: true,
        ..Default::default()
    })
    .await
    .expect("server");
    let home = Scratch::new("rbac-forbidden");
    let kubeconfig = home.path().join("bob.kubeconfig");
    server
        .write_kubeconfig(&kubeconfig, "bob", Some("default"))
        .expect("a kubeconfig for bob");
    let kubeconfig = kubeconfig.display().to_string();
    let out = run(home.path(), &["--kubeconfig", &kubeconfig, "rbac-setup"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("must be run by someone allowed to create Roles")
            && !message.contains("--grant-user <you>"),
        "{message}"
    );
}

#[test]
fn rbac_setup_grants_what_the_real_authorizer_checks() {
    let Some(k) = Cluster::new("rbac") else {
        return;
    };
    for action in ["created", "unchanged"] {
        let out = k.flink(&["rbac-setup", "--grant-user", "alice"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("role.rbac.authorization.k8s.io/flink {action}")),
            "{}",
            stdout(&out)
        );
    }
    // `kubectl auth can-i` asks the real authorizer (a SubjectAccessReview).
    let can_i = |verb: &str, resource: &str, user: &str| {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        let out =
            k.cp.kubectl()
                .args([
                    "auth",
                    "can-i",
                    verb,
                    resource,
                    "-n",
                    &k.namespace,
                    "--as",
                    user,
                ])
                .arg(format!("--subresource={subresource}"))
                .output()
                .expect("kubectl auth can-i");
        stdout(&out).trim().to_string()
    };
    let jobmanager = format!("system:serviceaccount:{}:flink", k.namespace);
    // What Flink's JobManager needs: TaskManager pods, HA ConfigMaps, its own Deployment.
    assert_eq!(can_i("create", "pods", &jobmanager), "yes");
    assert_eq!(can_i("delete", "pods", &jobmanager), "yes");
    assert_eq!(can_i("watch", "pods", &jobmanager), "yes");
    assert_eq!(can_i("update", "configmaps", &jobmanager), "yes");
    assert_eq!(can_i("get", "deployments.apps", &jobmanager), "yes");
    assert_eq!(can_i("create", "secrets", &jobmanager), "no");
    // What a kubectl-flink user needs.
    assert_eq!(can_i("create", "deployments.apps", "alice"), "yes");
    assert_eq!(can_i("create", "pods/portforward", "alice"), "yes");
    assert_eq!(can_i("get", "services/proxy", "alice"), "yes");
    assert_eq!(can_i("create", "deployments.apps", "bob"), "no");

    // alice, granted, can start a cluster with her own certificate.
    let alice =
        k.cp.write_kubeconfig("alice", &k.namespace)
            .expect("alice's kubeconfig")
            .display()
            .to_string();
    let conf = golden_conf();
    let out = k.flink_as(
        &alice,
        &["session", "start", "a1", "--flink-conf-dir", &conf],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // bob, not granted, sees the real 403 and the one-line fix.
    let bob =
        k.cp.write_kubeconfig("bob", &k.namespace)
            .expect("bob's kubeconfig")
            .display()
            .to_string();
    let out = k.flink_as(&bob, &["session", "start", "b1", "--flink-conf-dir", &conf]);
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("forbidden") && message.contains("kubectl flink rbac-setup"),
        "{message}"
    );
    let out = k.flink_as(&bob, &["rbac-setup"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("must be run by someone allowed to create Roles"),
        "{}",
        stderr(&out)
    );
}
