//! `doctor` on the real control plane: each planted problem — a user without
//! rights, a missing service account, a missing pull secret, a quota too
//! small for the TaskManagers, a node selector no node matches — is named
//! with its fix and makes the exit code 1; once fixed, doctor passes.

mod common;

use common::real::Cluster;
use common::*;
use serde_json::Value;

fn findings(out: &std::process::Output) -> Vec<Value> {
    let list: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}{}", stdout(out), stderr(out)));
    assert_eq!(list["kind"], "List");
    list["items"].as_array().cloned().unwrap_or_default()
}

fn outcome<'a>(items: &'a [Value], check: &str) -> &'a Value {
    items
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no check {check} in {items:?}"))
}

#[test]
fn doctor_names_each_planted_problem_with_its_fix() {
    let Some(k) = Cluster::new("doctor") else {
        return;
    };
    k.apply(
        "apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: small}\nspec: {hard: {requests.memory: 2Gi}}\n",
    );
    let planted = [
        "-Dkubernetes.service-account=flink",
        "-Dkubernetes.container.image.pull-secrets=regcred",
        "-Dkubernetes.jobmanager.node-selector=disk:ssd",
        "-Dparallelism.default=4",
    ];
    let mut args = vec!["doctor", "d1", "-o", "json"];
    args.extend(planted);
    let out = k.flink(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let items = findings(&out);
    assert_eq!(
        outcome(&items, "your rights")["outcome"],
        "pass",
        "{items:?}"
    );
    let account = outcome(&items, "service account");
    assert_eq!(account["outcome"], "fail", "{account}");
    assert!(
        account["fix"]
            .as_str()
            .is_some_and(|f| f.contains("rbac-setup") && f.contains("--service-account flink"))
    );
    assert_eq!(outcome(&items, "pull secrets")["outcome"], "fail");
    let quota = outcome(&items, "quota small");
    assert_eq!(quota["outcome"], "fail", "{quota}");
    assert!(
        quota["detail"]
            .as_str()
            .is_some_and(|d| d.contains("requests.memory")),
        "{quota}"
    );
    assert_eq!(outcome(&items, "node selector")["outcome"], "fail");
    assert!(stderr(&out).contains("checks failed"), "{}", stderr(&out));

    // A user without rights is told what it may not do.
    let bob =
        k.cp.write_kubeconfig("bob", &k.namespace)
            .expect("bob's kubeconfig");
    let out = k.flink_as(&bob.display().to_string(), &["doctor", "-o", "json"]);
    let items = findings(&out);
    let rights = outcome(&items, "your rights");
    assert_eq!(rights["outcome"], "fail", "{rights}");
    assert!(
        rights["detail"]
            .as_str()
            .is_some_and(|d| d.contains("create deployments.apps")),
        "{rights}"
    );

    // Fixed: the account and its rights, the secret, no quota, no selector.
    assert_eq!(
        k.flink(&["rbac-setup", "--service-account", "flink"])
            .status
            .code(),
        Some(0)
    );
    assert!(
        k.cp.kubectl()
            .args(["delete", "resourcequota", "small", "-n", &k.namespace])
            .status()
            .expect("kubectl")
            .success()
    );
    assert!(
        k.cp.kubectl()
            .args([
                "create",
                "secret",
                "docker-registry",
                "regcred",
                "-n",
                &k.namespace,
                "--docker-server=r.example",
                "--docker-username=u",
                "--docker-password=p"
            ])
            .status()
            .expect("kubectl")
            .success()
    );
    let out = k.flink(&[
        "doctor",
        "-Dkubernetes.service-account=flink",
        "-Dkubernetes.container.image.pull-secrets=regcred",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("service account's rights"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("FAIL"), "{}", stdout(&out));
}
