//! Secrets are never printed: a bearer token, a client key, an exec plugin's token (and its
//! environment), Secret values and secret Flink options are planted; every verb runs with
//! `-v -v -v=9` (headers and bodies of every request) — as it works, with every request failing, with a failing exec plugin and with a
//! broken kubeconfig — and none of them may appear in anything it prints.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use test_apiserver::{ApiServer, Fault, ServerOptions};

async fn server() -> ApiServer {
    ApiServer::start(ServerOptions::default())
        .await
        .expect("test API server")
}

/// A planted secret and the forms it could be printed in.
struct Planted {
    what: &'static str,
    forms: Vec<String>,
}

fn b64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An EC client key and certificate, made with `openssl` (PEM).
fn client_key(dir: &Path) -> (String, String) {
    let key = dir.join("client.key");
    let cert = dir.join("client.crt");
    let ok = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args(["-nodes", "-days", "1", "-subj", "/CN=planted"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "openssl could not make a client key (openssl is a prerequisite of this test)"
    );
    (
        std::fs::read_to_string(&key).expect("key"),
        std::fs::read_to_string(&cert).expect("cert"),
    )
}

struct Setup {
    planted: Vec<Planted>,
    /// Kubeconfigs to run every verb with, by name.
    kubeconfigs: Vec<(&'static str, PathBuf)>,
}

fn kubeconfig(server: &ApiServer, user_block: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\nusers:\n- name: u\n  user:\n{user_block}contexts:\n- name: test\n  context:\n    cluster: test\n    user: u\n    namespace: default\ncurrent-context: test\n",
        server.url()
    )
}

fn plant(server: &ApiServer, home: &Scratch) -> Setup {
    let bearer = server.add_user("planted-bearer", &["system:masters"]);
    let exec_token = server.add_user("planted-exec", &["system:masters"]);
    let exec_failing_token = "exec-stdout-secret-5f1c9e0a7b3d4c2e";
    let exec_env = "exec-env-secret-93ab71c0d5e24f68";
    let (key, cert) = client_key(home.path());
    let key_body: Vec<String> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .map(str::to_string)
        .collect();

    let token_and_key = kubeconfig(
        server,
        &format!(
            "    token: {bearer}\n    client-certificate-data: {}\n    client-key-data: {}\n",
            b64(&cert),
            b64(&key)
        ),
    );
    let plugin = home.write(
        "plugin.sh",
        &format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{exec_token}\"}}}}'\n"
        ),
    );
    let failing = home.write(
        "failing-plugin.sh",
        &format!(
            "#!/bin/sh\necho '{{\"status\":{{\"token\":\"{exec_failing_token}\"}}}}'\necho 'plugin: cannot refresh the login' >&2\nexit 1\n"
        ),
    );
    for script in [&plugin, &failing] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let exec = |command: &Path| {
        kubeconfig(
            server,
            &format!(
                "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n      env:\n      - name: PLUGIN_SECRET\n        value: {exec_env}\n",
                command.display()
            ),
        )
    };
    // A kubeconfig that does not parse, right where the token is.
    let broken = kubeconfig(server, &format!("    token: \"{bearer}\n    : [\n"));
    let kubeconfigs = vec![
        ("token+client-key", home.write("kc-token", &token_and_key)),
        ("exec plugin", home.write("kc-exec", &exec(&plugin))),
        (
            "failing exec plugin",
            home.write("kc-exec-failing", &exec(&failing)),
        ),
        ("broken kubeconfig", home.write("kc-broken", &broken)),
    ];

    let secret_value = "secret-value-0c4d2b9e8a7f6135";
    let secret_string = "secret-string-d41d8cd98f00b204";
    server
        .create(
            "v1",
            "secrets",
            Some("default"),
            serde_json::json!({"metadata": {"name": "sec-credentials", "labels": {"app": "sec", "type": "flink-native-kubernetes"}},
                "data": {"password": b64(secret_value)}, "stringData": {"token": secret_string}}),
        )
        .expect("a Secret");
    let option_secret = "s3-secret-key-7e1f0a9d3c5b2468";
    let mut planted = vec![
        Planted {
            what: "bearer token",
            forms: vec![bearer.clone()],
        },
        Planted {
            what: "exec plugin token",
            forms: vec![exec_token, exec_failing_token.into()],
        },
        Planted {
            what: "exec plugin environment",
            forms: vec![exec_env.into()],
        },
        Planted {
            what: "Secret values",
            forms: vec![secret_value.into(), b64(secret_value), secret_string.into()],
        },
        Planted {
            what: "secret Flink option",
            forms: vec![option_secret.into()],
        },
    ];
    let mut key_forms = key_body;
    key_forms.push(b64(&key)[..40].to_string());
    planted.push(Planted {
        what: "client key",
        forms: key_forms,
    });
    Setup {
        planted,
        kubeconfigs,
    }
}

/// Every verb, as `-v -v` runs of the binary.
fn verbs(conf: &str, jar: &str) -> Vec<Vec<String>> {
    let secret = "-Ds3.secret-key=s3-secret-key-7e1f0a9d3c5b2468";
    let s = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["session", "start", "sec", "--flink-conf-dir", conf, secret]),
        s(&["session", "start", "sec", "--flink-conf-dir", conf, secret]),
        s(&[
            "app",
            "run",
            "--cluster-id",
            "sec-app",
            "--flink-conf-dir",
            conf,
            secret,
            "local:///opt/flink/usrlib/job.jar",
        ]),
        s(&["get"]),
        s(&["get", "sec", "-o", "yaml"]),
        s(&["get", "-A", "-o", "json"]),
        s(&["status", "sec"]),
        s(&["logs", "sec", "--tail", "5"]),
        s(&["doctor"]),
        s(&["report", "sec", "--file", "{report}"]),
        s(&["history", "sec"]),
        s(&["suspend", "sec-app", "--timeout", "2s"]),
        s(&["resume", "sec-app", "--timeout", "2s"]),
        s(&["session", "wait", "sec", "--timeout", "1s"]),
        s(&["session", "list", "sec"]),
        s(&["session", "run", "sec", jar]),
        s(&[
            "session",
            "cancel",
            "sec",
            "00000000000000000000000000000001",
        ]),
        s(&[
            "session",
            "savepoint",
            "sec",
            "00000000000000000000000000000001",
            "--timeout",
            "1s",
        ]),
        s(&["app", "list", "sec-app"]),
        s(&["session", "stop", "sec", "--timeout", "10s"]),
        s(&["app", "stop", "sec-app", "--timeout", "10s"]),
        s(&["cleanup", "sec", "--yes"]),
        s(&["cleanup", "sec", "--dry-run=client"]),
        s(&["rbac-setup", "--grant-user", "alice"]),
        s(&["rbac-setup", "--dry-run=client", "-o", "yaml"]),
        s(&["version"]),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_printed_by_any_verb_working_or_failing() {
    let server = server().await;
    let home = Scratch::new("secrets");
    let setup = plant(&server, &home);
    let conf = golden_conf();
    let jar = home
        .write("job.jar", "PK not really a jar")
        .display()
        .to_string();
    let mut runs = 0;
    let mut reports = 0;
    let mut leaks = Vec::new();
    for round in ["working", "every request failing"] {
        if round == "every request failing" {
            server.inject(Fault::status("*", "/*", 1, 500).always());
        }
        for (name, kubeconfig) in &setup.kubeconfigs {
            for args in verbs(&conf, &jar) {
                // `-v -v` as the issue says it, and kubectl's highest level (-v=9: every
                // request's headers and bodies).
                let mut argv = vec![
                    "-v".to_string(),
                    "-v".to_string(),
                    "-v=9".to_string(),
                    "--kubeconfig".to_string(),
                    kubeconfig.display().to_string(),
                ];
                let report = home.path().join("report.tar.gz");
                let _ = std::fs::remove_file(&report);
                argv.extend(
                    args.iter()
                        .map(|a| a.replace("{report}", &report.display().to_string())),
                );
                let refs: Vec<&str> = argv.iter().map(String::as_str).collect();
                let out = run(home.path(), &refs);
                runs += 1;
                let mut printed = format!("{}{}", stdout(&out), stderr(&out));
                if report.exists() {
                    // What `report` writes is printed too, in a bug report.
                    let listing = std::process::Command::new("tar")
                        .arg("-xzOf")
                        .arg(&report)
                        .output()
                        .expect("tar reads the report");
                    assert!(listing.status.success(), "the report is a .tar.gz");
                    printed.push_str(&String::from_utf8_lossy(&listing.stdout));
                    reports += 1;
                }
                assert!(!printed.contains("panicked"), "{printed}");
                if *name == "failing exec plugin" && args[0] == "get" {
                    // Still says what failed, and what the plugin said on stderr.
                    let message = stderr(&out);
                    assert!(
                        message.contains("failing-plugin.sh")
                            && message.contains("exit status: 1")
                            && message.contains("plugin: cannot refresh the login"),
                        "{printed}"
                    );
                }
                if *name == "token+client-key" && args[0] == "get" && round == "working" {
                    // -v=9 did show the requests, their headers and bodies.
                    assert!(
                        printed.contains("Request header") && printed.contains("Response header"),
                        "{printed}"
                    );
                }
                if *name == "broken kubeconfig" && args[0] == "get" {
                    assert!(stderr(&out).contains("kubeconfig"), "{printed}");
                }
                for p in &setup.planted {
                    for form in &p.forms {
                        if printed.contains(form.as_str()) {
                            leaks.push(format!(
                                "{} printed by `{}` ({name}, {round}): {}",
                                p.what,
                                args.join(" "),
                                printed.trim()
                            ));
                        }
                    }
                }
            }
        }
    }
    println!("{runs} runs, {} leaks", leaks.len());
    assert!(leaks.is_empty(), "secrets printed:\n{}", leaks.join("\n\n"));
    assert!(reports > 0, "report wrote a bundle at least once");
    assert!(runs >= 100, "every verb ran under every kubeconfig: {runs}");
}
