//! The kubeconfig's OIDC auth provider on a real kube-apiserver that trusts
//! a loopback issuer (`kube_kit::OidcIssuer`, its own CA): a valid id-token
//! is sent as it is; an expired one is refreshed at the issuer's token
//! endpoint, the request is authenticated as the OIDC user by the real API
//! server, and the new tokens are written back into the kubeconfig file
//! that defines the user, as kubectl writes them; a refused refresh names
//! the issuer.

mod common;

use common::*;
use kube_kit::{ControlPlane, OidcIssuer};
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "kubectl-flink-test";
const CLIENT_SECRET: &str = "client-secret-3f9a";

/// The issuer and a private control plane trusting it.
fn oidc_cluster(scratch: &Scratch) -> Option<(OidcIssuer, ControlPlane)> {
    if let Err(reason) = kube_kit::build::ensure_binaries() {
        if kube_kit::in_ci() {
            panic!("the Kubernetes control plane is required when CI=true: {reason}");
        }
        eprintln!("\n!!! SKIPPING: the real Kubernetes control plane is unavailable: {reason}\n");
        return None;
    }
    let issuer = OidcIssuer::start(CLIENT_ID, CLIENT_SECRET, "alice").expect("an OIDC issuer");
    let ca = scratch.write("oidc-ca.crt", issuer.ca_pem());
    let cp = ControlPlane::start_with(kube_kit::Options {
        apiserver_args: issuer.apiserver_args(&ca),
        ..Default::default()
    })
    .expect("a control plane trusting the issuer");
    Some((issuer, cp))
}

/// A kubeconfig whose user is the OIDC provider with these tokens; the
/// issuer's CA as a file path, or inline with `inline_ca`.
fn kubeconfig(
    scratch: &Scratch,
    cp: &ControlPlane,
    issuer: &OidcIssuer,
    namespace: &str,
    (id_token, refresh_token): (&str, &str),
    inline_ca: bool,
) -> std::path::PathBuf {
    let ca = scratch.path().join("oidc-ca.crt");
    let idp_ca = if inline_ca {
        use base64::Engine as _;
        format!(
            "idp-certificate-authority-data: {}",
            base64::engine::general_purpose::STANDARD.encode(issuer.ca_pem())
        )
    } else {
        format!("idp-certificate-authority: {}", ca.display())
    };
    let cluster_ca = scratch.write("cluster-ca.crt", cp.ca_pem());
    scratch.write(
        "oidc.kubeconfig",
        &format!(
            "apiVersion: v1
kind: Config
clusters:
- name: real
  cluster:
    server: {server}
    certificate-authority: {cluster_ca}
users:
- name: alice
  user:
    auth-provider:
      name: oidc
      config:
        idp-issuer-url: {url}
        client-id: {CLIENT_ID}
        client-secret: {CLIENT_SECRET}
        id-token: {id_token}
        refresh-token: {refresh_token}
        {idp_ca}
contexts:
- name: real
  context: {{cluster: real, user: alice, namespace: {namespace}}}
current-context: real
",
            server = cp.server_url(),
            cluster_ca = cluster_ca.display(),
            url = issuer.url(),
        ),
    )
}

/// The tokens the kubeconfig holds now.
fn tokens_in(path: &std::path::Path) -> (String, String) {
    let text = std::fs::read_to_string(path).expect("the kubeconfig");
    let config: serde_json::Value = serde_saphyr::from_str(&text).expect("YAML");
    let provider = &config["users"][0]["user"]["auth-provider"]["config"];
    let get = |key: &str| provider[key].as_str().unwrap_or_default().to_string();
    (get("id-token"), get("refresh-token"))
}

#[test]
fn an_expired_oidc_id_token_is_refreshed_at_the_issuer_and_written_back() {
    let scratch = Scratch::new("oidc");
    let Some((issuer, cp)) = oidc_cluster(&scratch) else {
        return;
    };
    let namespace = cp.create_namespace("oidc").expect("a namespace");
    let get = |kubeconfig: &std::path::Path| {
        let path = kubeconfig.display().to_string();
        run(scratch.path(), &["--kubeconfig", &path, "get"])
    };

    // A valid id-token is sent as it is. The API server's OIDC
    // authenticator starts in the background: wait until it names alice.
    let valid = issuer.id_token(600);
    let path = kubeconfig(
        &scratch,
        &cp,
        &issuer,
        &namespace,
        (&valid, "unused"),
        false,
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let err = loop {
        let err = stderr(&get(&path));
        if err.contains("User \"oidc:alice\"") || Instant::now() > deadline {
            break err;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(err.contains("User \"oidc:alice\""), "{err}");
    assert!(issuer.refreshes().is_empty(), "{:?}", issuer.refreshes());

    // Expired: refreshed at the token endpoint with the kubeconfig's refresh
    // token; the real API server authenticates the new id-token as alice.
    let expired = issuer.id_token(-60);
    let refresh = issuer.refresh_token();
    let path = kubeconfig(
        &scratch,
        &cp,
        &issuer,
        &namespace,
        (&expired, &refresh),
        false,
    );
    let out = get(&path);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("User \"oidc:alice\""), "{err}");
    let refreshes = issuer.refreshes();
    assert_eq!(refreshes.len(), 1, "{refreshes:?}");
    assert_eq!(refreshes[0].refresh_token, refresh);
    assert_eq!(refreshes[0].client_auth, "header");
    // Written back, as kubectl does: the new id-token and the rotated
    // refresh token, which the next command uses without refreshing.
    assert_eq!(
        tokens_in(&path),
        (refreshes[0].id_token.clone(), issuer.refresh_token())
    );
    assert!(!err.contains(&refreshes[0].id_token), "{err}");
    cp.kubectl()
        .args(["create", "role", "reader", "-n", &namespace])
        .args(["--verb=list", "--resource=deployments,pods,services"])
        .output()
        .expect("kubectl create role");
    let granted = cp
        .kubectl()
        .args(["create", "rolebinding", "alice", "-n", &namespace])
        .args(["--role=reader", "--user=oidc:alice"])
        .output()
        .expect("kubectl create rolebinding");
    assert!(granted.status.success(), "{}", stderr(&granted));
    let out = get(&path);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("No Flink clusters found"),
        "{}",
        stderr(&out)
    );
    assert_eq!(issuer.refreshes().len(), 1, "refreshed again");

    // The issuer's CA inline (idp-certificate-authority-data) works the same.
    let path = kubeconfig(
        &scratch,
        &cp,
        &issuer,
        &namespace,
        (&expired, &issuer.refresh_token()),
        true,
    );
    let path = path.display().to_string();
    let out = run(scratch.path(), &["--kubeconfig", &path, "get", "-v=8"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let refreshes = issuer.refreshes();
    assert_eq!(refreshes.len(), 2);
    // -v=8 shows requests and headers, never a token or the client secret.
    for secret in [
        refreshes[1].id_token.as_str(),
        refreshes[1].refresh_token.as_str(),
        &issuer.refresh_token(),
        CLIENT_SECRET,
    ] {
        assert!(!err.contains(secret), "{secret} printed: {err}");
    }

    // KUBECONFIG listing two files: the tokens go into the one that defines
    // the user, as kubectl writes them; the other is left as it was.
    let whole = kubeconfig(
        &scratch,
        &cp,
        &issuer,
        &namespace,
        (&expired, &issuer.refresh_token()),
        false,
    );
    let whole = std::fs::read_to_string(whole).expect("the kubeconfig");
    let (head, users_on) = whole.split_at(whole.find("users:").expect("users"));
    let (users, contexts) = users_on.split_at(users_on.find("contexts:").expect("contexts"));
    let first = scratch.write("first.yaml", &format!("{head}{contexts}"));
    let second = scratch.write(
        "second.yaml",
        &format!("apiVersion: v1\nkind: Config\n{users}"),
    );
    let untouched = std::fs::read(&first).expect("the first file");
    let out = command(scratch.path())
        .env(
            "KUBECONFIG",
            format!("{}:{}", first.display(), second.display()),
        )
        .arg("get")
        .output()
        .expect("run kubectl-flink");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let refreshes = issuer.refreshes();
    assert_eq!(refreshes.len(), 3);
    assert_eq!(
        tokens_in(&second),
        (refreshes[2].id_token.clone(), issuer.refresh_token())
    );
    assert_eq!(std::fs::read(&first).expect("the first file"), untouched);

    // A refresh the issuer refuses: one line naming the issuer and its
    // answer, nothing sent to the API server as alice.
    issuer.revoke();
    let path = kubeconfig(
        &scratch,
        &cp,
        &issuer,
        &namespace,
        (&expired, "refresh-1"),
        false,
    );
    let out = get(&path);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(issuer.url()) && err.contains("invalid_grant") && err.contains("log in"),
        "{err}"
    );
    assert!(!err.contains("refresh-1"), "{err}");
}
