//! Connecting as kubectl does, and saying what is wrong as kubectl says it:
//! the server's URL and which certificate check failed, a refused
//! connection, a kubeconfig that names a missing file — for every verb,
//! since they all connect through one place (`get` stands in for them).

mod common;

use common::*;
use test_apiserver::{ApiServer, ServerOptions};

async fn tls_server() -> ApiServer {
    ApiServer::start(ServerOptions {
        tls: true,
        ..Default::default()
    })
    .await
    .expect("test API server")
}

fn get_with(home: &Scratch, kubeconfig: &std::path::Path) -> (Option<i32>, String) {
    let out = run(
        home.path(),
        &["get", "--kubeconfig", &kubeconfig.display().to_string()],
    );
    let message = stderr(&out);
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    (out.status.code(), message)
}

fn kubeconfig_text(server: &ApiServer) -> String {
    std::fs::read_to_string(server.kubeconfig_path()).expect("kubeconfig")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_failures_name_the_check_and_the_server() {
    let server = tls_server().await;
    let other = tls_server().await;
    let home = Scratch::new("conn-tls");
    let url = server.url();

    // The CA of another server: unknown authority.
    let ours = kubeconfig_text(&server);
    let theirs = kubeconfig_text(&other);
    let ca_line = |text: &str| {
        text.lines()
            .find(|l| l.contains("certificate-authority-data"))
            .expect("a CA in the kubeconfig")
            .to_string()
    };
    let wrong_ca = home.write(
        "wrong-ca.yaml",
        &ours.replace(&ca_line(&ours), &ca_line(&theirs)),
    );
    let (code, message) = get_with(&home, &wrong_ca);
    assert_eq!(code, Some(1), "{message}");
    assert!(
        message.contains(&url) && message.contains("unknown authority"),
        "{message}"
    );

    // A server name the certificate is not valid for.
    let wrong_name = home.write(
        "wrong-name.yaml",
        &ours.replace(
            &ca_line(&ours),
            &format!("{}\n    tls-server-name: flink.example", ca_line(&ours)),
        ),
    );
    let (code, message) = get_with(&home, &wrong_name);
    assert_eq!(code, Some(1), "{message}");
    assert!(
        message.contains("valid for") && message.contains("not flink.example"),
        "{message}"
    );
    assert!(
        message.contains("localhost"),
        "names the certificate's names: {message}"
    );
}

#[test]
fn a_refused_connection_names_the_server() {
    let home = Scratch::new("conn-refused");
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let kubeconfig = home.write(
        "refused.yaml",
        &format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\nclusters:\n- name: c\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\nusers:\n- name: u\n  user: {{token: t}}\n"
        ),
    );
    let (code, message) = get_with(&home, &kubeconfig);
    assert_eq!(code, Some(1), "{message}");
    assert!(
        message.contains(&format!("http://127.0.0.1:{port}")) && message.contains("refused"),
        "{message}"
    );
    assert!(!message.contains("ServiceError"), "{message}");

    // Job verbs go through the API server too: it is named, not the JobManager.
    let out = run(
        home.path(),
        &[
            "session",
            "list",
            "c1",
            "--kubeconfig",
            &kubeconfig.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert!(
        message.contains("cannot reach the Kubernetes API server")
            && !message.contains("JobManager")
            && !message.contains("--via"),
        "{message}"
    );
}

#[test]
fn kubeconfig_problems_name_their_real_cause() {
    let home = Scratch::new("conn-kubeconfig");
    let out = command(home.path())
        .env("KUBECONFIG", "/nonexistent/config")
        .args(["get"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("KUBECONFIG is set to /nonexistent/config, which does not exist"),
        "{}",
        stderr(&out)
    );

    let missing_ca = home.write(
        "missing-ca.yaml",
        "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1', certificate-authority: /nonexistent/ca.crt}\nusers:\n- name: u\n  user: {token: t}\n",
    );
    let (code, message) = get_with(&home, &missing_ca);
    assert_eq!(code, Some(2));
    assert!(
        message.contains("certificate-authority file /nonexistent/ca.crt")
            && !message.contains("--context"),
        "{message}"
    );

    // A missing context reads the same for every verb.
    let kubeconfig = missing_ca.display().to_string();
    let messages: Vec<String> = [
        vec!["get"],
        vec!["session", "stop", "x"],
        vec!["session", "start", "x"],
        vec!["rbac-setup"],
    ]
    .into_iter()
    .map(|verb| {
        let mut args = vec!["--kubeconfig", &kubeconfig, "--context", "nosuch"];
        args.extend(verb);
        let out = run(home.path(), &args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        stderr(&out)
    })
    .collect();
    for message in &messages {
        assert_eq!(message, &messages[0], "same words for the same problem");
    }
    assert!(messages[0].contains("context \"nosuch\" is not in the kubeconfig"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_certificate_names_the_check() {
    let server = ApiServer::start(ServerOptions {
        tls: true,
        tls_expired: true,
        ..Default::default()
    })
    .await
    .expect("test API server");
    let home = Scratch::new("conn-expired");
    let (code, message) = get_with(&home, server.kubeconfig_path());
    assert_eq!(code, Some(1), "{message}");
    assert!(
        message.contains(&server.url()) && message.contains("certificate has expired"),
        "{message}"
    );
    assert!(
        server.requests().is_empty(),
        "no request without a valid certificate"
    );
}

/// Every path to the cluster — API calls, the services proxy and port-forward of job verbs,
/// watches of `--wait` — verifies the certificate as the kubeconfig says, and none retries
/// without verification: with a CA that did not sign the server's certificate (and with an
/// expired one) every verb fails naming the check, and not one request reaches the server.
/// With `insecure-skip-tls-verify: true` in the kubeconfig, verification is off as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_verb_retries_without_verification() {
    let server = tls_server().await;
    let expired = ApiServer::start(ServerOptions {
        tls: true,
        tls_expired: true,
        ..Default::default()
    })
    .await
    .expect("test API server");
    let other = tls_server().await;
    let home = Scratch::new("conn-no-retry");
    let ours = kubeconfig_text(&server);
    let ca_line = |text: &str| {
        text.lines()
            .find(|l| l.contains("certificate-authority-data"))
            .expect("a CA in the kubeconfig")
            .to_string()
    };
    let wrong_ca = home.write(
        "wrong-ca.yaml",
        &ours.replace(&ca_line(&ours), &ca_line(&kubeconfig_text(&other))),
    );
    let conf = golden_conf();
    let jar = home.write("job.jar", "PK").display().to_string();
    let verbs: Vec<Vec<&str>> = vec![
        vec!["get"],
        vec!["get", "-A"],
        vec!["session", "start", "t1", "--flink-conf-dir", &conf],
        vec![
            "session",
            "start",
            "t1",
            "--flink-conf-dir",
            &conf,
            "--wait",
            "--timeout",
            "5s",
        ],
        vec![
            "app",
            "run",
            "--cluster-id",
            "t2",
            "local:///opt/flink/usrlib/job.jar",
        ],
        vec!["session", "wait", "t1", "--timeout", "5s"],
        vec!["session", "list", "t1"],
        vec!["session", "list", "t1", "--via", "forward"],
        vec!["session", "run", "t1", &jar],
        vec!["session", "stop", "t1", "--timeout", "5s"],
        vec!["cleanup", "t1", "--yes"],
        vec!["rbac-setup"],
        vec!["port-forward", "t1", "--port", "0"],
    ];
    for (kubeconfig, check, who) in [
        (wrong_ca.as_path(), "unknown authority", &server),
        (
            expired.kubeconfig_path(),
            "certificate has expired",
            &expired,
        ),
    ] {
        for verb in &verbs {
            let mut args = vec!["--kubeconfig".to_string(), kubeconfig.display().to_string()];
            args.extend(verb.iter().map(|a| a.to_string()));
            let mut child = command(home.path())
                .args(&args)
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            while child.try_wait().ok().flatten().is_none() {
                assert!(
                    std::time::Instant::now() < deadline,
                    "{verb:?} kept running with an unverifiable server"
                );
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            let out = child.wait_with_output().expect("output");
            let message = stderr(&out);
            assert_eq!(out.status.code(), Some(1), "{verb:?}: {message}");
            assert!(
                message.contains(check),
                "{verb:?} names the check: {message}"
            );
            assert_eq!(
                message.lines().filter(|l| l.starts_with("error:")).count(),
                1,
                "{verb:?}: {message}"
            );
        }
        assert!(
            who.requests().is_empty(),
            "a request got through without verification: {:?}",
            who.requests().iter().map(|r| r.line()).collect::<Vec<_>>()
        );
    }

    let insecure = home.write(
        "insecure.yaml",
        &ours.replace(&ca_line(&ours), "    insecure-skip-tls-verify: true"),
    );
    let out = run(
        home.path(),
        &["get", "--kubeconfig", &insecure.display().to_string()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "the kubeconfig turns verification off: {}",
        stderr(&out)
    );
    assert!(!server.requests().is_empty());
}
