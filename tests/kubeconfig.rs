//! kubectl-flink connects as kubectl does, proven on the real API server
//! (kube-kit): kubectl's connection flags alone, impersonation checked by
//! the real authorizer, client certificates and tokens from flags, a
//! kubeconfig's `proxy-url` through a real HTTP CONNECT proxy and a real
//! SOCKS5 proxy (every verb), exec credential plugins (interactive ones on a
//! pty: `kubeconfig/interactive.rs`), merged `KUBECONFIG` lists, and
//! `-v=6`'s request log. The OIDC auth provider is `tests/oidc.rs`.

mod common;
#[path = "kubeconfig/expiry.rs"]
mod expiry;
#[path = "kubeconfig/interactive.rs"]
mod interactive;
#[path = "kubeconfig/proxies.rs"]
mod proxies;
#[path = "kubeconfig/socks.rs"]
mod socks;

use common::real::Cluster;
use common::{command, stderr, stdout};
use std::net::TcpListener;

/// A kubeconfig for the control plane with `user_yaml` as the user's entry
/// (indented under `user:`), the context's namespace `namespace`, and the
/// cluster's `proxy-url` when given.
fn kubeconfig(k: &Cluster, name: &str, user_yaml: &str, proxy: Option<&str>) -> String {
    let ca = k.home.path().join(format!("{name}-ca.crt"));
    std::fs::write(&ca, k.cp.ca_pem()).expect("write the CA");
    let proxy = proxy.map_or(String::new(), |p| format!("    proxy-url: {p}\n"));
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: {}\n    certificate-authority: {}\n{proxy}users:\n- name: u\n  user:\n{user_yaml}contexts:\n- name: real\n  context:\n    cluster: real\n    user: u\n    namespace: {}\ncurrent-context: real\n",
        k.cp.server_url(),
        ca.display(),
        k.namespace
    );
    let path = k.home.path().join(format!("{name}.kubeconfig"));
    std::fs::write(&path, text).expect("write the kubeconfig");
    path.display().to_string()
}

fn flink(k: &Cluster, args: &[&str]) -> std::process::Output {
    command(k.home.path())
        .args(args)
        .output()
        .expect("run kubectl-flink")
}

#[test]
fn kubectls_flags_alone_reach_the_real_api_server() {
    let Some(k) = Cluster::new("flags") else {
        return;
    };
    let token =
        k.cp.service_account_token(&k.namespace, "reader")
            .expect("a token");
    let ca = k.home.path().join("ca.crt");
    std::fs::write(&ca, k.cp.ca_pem()).expect("write the CA");
    let ca = ca.display().to_string();
    // No kubeconfig at all: the flags are the whole connection. The service
    // account may not list Deployments, and the real authorizer says who it is.
    let out = flink(
        &k,
        &[
            "get",
            "-n",
            &k.namespace,
            "--server",
            k.cp.server_url(),
            "--certificate-authority",
            &ca,
            "--token",
            &token,
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("system:serviceaccount:{}:reader", k.namespace)),
        "{err}"
    );
    assert!(!err.contains(&token), "the token is printed: {err}");

    // A client certificate from flags: the user it names is who asks.
    let (cert, key) = k.cp.client_cert_files("carol").expect("a client cert");
    let out = flink(
        &k,
        &[
            "get",
            "-n",
            &k.namespace,
            "--server",
            k.cp.server_url(),
            "--certificate-authority",
            &ca,
            "--client-certificate",
            &cert.display().to_string(),
            "--client-key",
            &key.display().to_string(),
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("User \"carol\""), "{err}");

    // The admin's kubeconfig with --server pointing elsewhere: the flag wins.
    let out = k.flink(&[
        "get",
        "--server",
        "https://127.0.0.1:1",
        "--request-timeout",
        "5s",
    ]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("https://127.0.0.1:1"), "{err}");
}

#[test]
fn impersonation_is_checked_by_the_real_authorizer() {
    let Some(k) = Cluster::new("as") else {
        return;
    };
    let out = k.flink(&["get", "--as", "alice"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("User \"alice\""), "{err}");
    let out = k.flink(&["get", "--as", "alice", "--as-group", "system:masters"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("No Flink clusters found"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_kubeconfig_proxy_url_is_used_and_an_unreachable_proxy_is_named() {
    let Some(k) = Cluster::new("proxy") else {
        return;
    };
    let token =
        k.cp.service_account_token(&k.namespace, "proxied")
            .expect("a token");
    let (proxy, seen) = proxies::connect_proxy();
    let user = format!("    token: {token}\n");
    let path = kubeconfig(&k, "proxied", &user, Some(&proxy));
    let out = flink(&k, &["--kubeconfig", &path, "get"]);
    let err = stderr(&out);
    // The service account may not list Deployments: the answer came back
    // through the proxy from the real authorizer.
    assert!(
        err.contains("forbidden") || err.contains("not allowed"),
        "{err}"
    );
    let server = k.cp.server_url().trim_start_matches("https://").to_string();
    assert!(
        seen.lock().unwrap().contains(&server),
        "the proxy saw {:?}, not {server}",
        seen.lock().unwrap()
    );

    // A proxy that is not there is named, not the API server alone.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let gone = format!("http://{}", closed.local_addr().expect("address"));
    drop(closed);
    let path = kubeconfig(&k, "gone", &user, Some(&gone));
    let out = flink(&k, &["--kubeconfig", &path, "get"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(&gone) && err.contains("proxy"), "{err}");
}

#[test]
fn exec_plugins_run_and_a_missing_one_names_its_install_hint() {
    let Some(k) = Cluster::new("exec") else {
        return;
    };
    let token =
        k.cp.service_account_token(&k.namespace, "plugged")
            .expect("a token");
    let script = k.home.path().join("credential-plugin");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\"}}}}'\n"
        ),
    )
    .expect("write the plugin");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let exec = |command: &str| {
        format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {command}\n      interactiveMode: Never\n      installHint: Install frobctl from https://frobctl.example/install\n"
        )
    };
    let path = kubeconfig(&k, "exec", &exec(&script.display().to_string()), None);
    let out = flink(&k, &["--kubeconfig", &path, "get"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("system:serviceaccount:{}:plugged", k.namespace)),
        "the plugin's token was not used: {err}"
    );
    assert!(!err.contains(&token), "{err}");

    let path = kubeconfig(&k, "missing", &exec("frobctl-that-is-not-installed"), None);
    let out = flink(&k, &["--kubeconfig", &path, "get"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("frobctl-that-is-not-installed")
            && err.contains("Install frobctl from https://frobctl.example/install"),
        "{err}"
    );
}

#[test]
fn a_kubeconfig_list_is_merged_as_kubectl_merges_it() {
    let Some(k) = Cluster::new("merged") else {
        return;
    };
    // The first file has the context and the cluster, the second the user.
    let admin = std::fs::read_to_string(&k.kubeconfig).expect("the admin kubeconfig");
    let (before_users, users_on) = admin.split_at(admin.find("users:").expect("users"));
    let (users, contexts) = users_on.split_at(users_on.find("contexts:").expect("contexts"));
    let first = k.home.path().join("first.yaml");
    let second = k.home.path().join("second.yaml");
    std::fs::write(&first, format!("{before_users}{contexts}")).expect("write");
    std::fs::write(&second, format!("apiVersion: v1\nkind: Config\n{users}")).expect("write");
    let list = format!("{}:{}", first.display(), second.display());
    let out = command(k.home.path())
        .env("KUBECONFIG", &list)
        .args(["get", "-v=6"])
        .output()
        .expect("run");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("No Flink clusters found"), "{err}");
    // -v=6: each request with its method, URL, status and time.
    let listed = err
        .lines()
        .find(|l| l.starts_with("GET ") && l.contains("/apis/apps/v1/namespaces/"))
        .unwrap_or_else(|| panic!("no request line in: {err}"));
    assert!(
        listed.contains(k.cp.server_url()) && listed.contains(" 200 OK in "),
        "{listed}"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn a_users_token_file_is_read() {
    let Some(k) = Cluster::new("tokenfile") else {
        return;
    };
    let token =
        k.cp.service_account_token(&k.namespace, "filed")
            .expect("a token");
    let file = k.home.path().join("token");
    std::fs::write(&file, &token).expect("write the token");
    let path = kubeconfig(
        &k,
        "tokenfile",
        &format!("    tokenFile: {}\n", file.display()),
        None,
    );
    let out = flink(&k, &["--kubeconfig", &path, "get"]);
    let err = stderr(&out);
    assert!(
        err.contains(&format!("system:serviceaccount:{}:filed", k.namespace)),
        "the token file was not used: {err}"
    );
    assert!(!err.contains(&token), "{err}");
}
