//! An exec plugin's credential that expires is asked for again when a
//! request needs it, and only then: a port-forward outlives its first token
//! on the real API server.

use super::socks::{fetch_through_port_forward, rest_backend};
use super::{Cluster, kubeconfig, stderr};
use std::time::Duration;

#[test]
fn an_expiring_exec_credential_is_fetched_again_when_it_has_expired() {
    let Some(k) = Cluster::new("expiry") else {
        return;
    };
    let token =
        k.cp.service_account_token(&k.namespace, "expiring")
            .expect("a token");
    // The service account may port-forward in its namespace.
    let granted =
        k.cp.kubectl()
            .args(["create", "rolebinding", "expiring", "-n", &k.namespace])
            .args(["--clusterrole=admin"])
            .arg(format!("--serviceaccount={}:expiring", k.namespace))
            .output()
            .expect("kubectl create rolebinding");
    assert!(granted.status.success(), "{}", stderr(&granted));
    // A plugin whose token is valid for 10 s; it logs each run.
    let log = k.home.path().join("runs.log");
    let script = k.home.path().join("expiring-plugin");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> {log}\nuntil=$(date -u -d \"@$(( $(date +%s) + 10 ))\" +%Y-%m-%dT%H:%M:%SZ)\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\",\"expirationTimestamp\":\"'$until'\"}}}}'\n",
            log = log.display()
        ),
    )
    .expect("write the plugin");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let user = format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
        script.display()
    );
    let path = kubeconfig(&k, "expiring", &user, None);

    assert_eq!(k.start("ex1", &[]).status.code(), Some(0));
    let pod = k.until_jobmanager_ready("ex1");
    k.cp.forward_pod_ports(&k.namespace, &pod, &[(8081, rest_backend())])
        .expect("a kwok PortForward");
    // The first connection within the token's 10 s, the second after it.
    let (answers, err) = fetch_through_port_forward(&k, &path, "ex1", 2, Duration::from_secs(11));
    assert!(
        answers.iter().all(|a| a.contains("2.3.0")),
        "{answers:?} {err}"
    );
    let runs = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(runs, "run\nrun\n", "{err}");
}
