//! The command line as users meet it: bad input gets one line naming the
//! fix and exit code 2; dry runs print objects `kubectl apply` accepts.

mod common;

use common::*;

/// Assert a usage error: exit 2, one `error:` line on stderr containing each
/// of `needles`, nothing on stdout.
fn assert_usage_error(output: &std::process::Output, needles: &[&str]) {
    let err = stderr(output);
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert!(stdout(output).is_empty(), "stdout: {}", stdout(output));
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {err}");
    assert!(lines[0].starts_with("error: "), "{err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
    assert!(!err.contains('\u{1b}'), "color codes with NO_COLOR: {err}");
}

fn start(home: &Scratch, extra: &[&str]) -> std::process::Output {
    let conf = golden_conf();
    let mut args = vec![
        "session",
        "start",
        "--dry-run=client",
        "--flink-conf-dir",
        &conf,
    ];
    args.extend_from_slice(extra);
    run(home.path(), &args)
}

#[test]
fn dynamic_option_without_value_names_the_fix() {
    let home = Scratch::new("d-no-value");
    assert_usage_error(
        &start(&home, &["c1", "-Dkubernetes.hostnetwork.enabled"]),
        &["-Dkubernetes.hostnetwork.enabled=true"],
    );
    // `-D=x` (clap reads the value "x") and `-D =x` say what is missing.
    assert_usage_error(
        &start(&home, &["c1", "-D=x"]),
        &["a key and a value", "-Dtaskmanager.numberOfTaskSlots=4"],
    );
    assert_usage_error(&start(&home, &["c1", "-D", "=x"]), &["no key before '='"]);
}

#[test]
fn invalid_and_too_long_cluster_ids_are_rejected_before_anything_else() {
    let home = Scratch::new("bad-id");
    assert_usage_error(&start(&home, &["My_Cluster"]), &["My_Cluster", "lowercase"]);
    let long = "a".repeat(46);
    assert_usage_error(&start(&home, &[&long]), &["46 characters", "45"]);
    assert_usage_error(
        &start(&home, &["one", "-Dkubernetes.cluster-id=two"]),
        &["two cluster ids"],
    );
}

#[test]
fn unknown_exposed_type_lists_the_allowed_ones() {
    let home = Scratch::new("exposed");
    assert_usage_error(
        &start(
            &home,
            &["c1", "-Dkubernetes.rest-service.exposed.type=Ingress"],
        ),
        &[
            "kubernetes.rest-service.exposed.type",
            "ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP",
        ],
    );
}

#[test]
fn malformed_memory_size_names_the_option() {
    let home = Scratch::new("memory");
    assert_usage_error(
        &start(
            &home,
            &["c1", "-Djobmanager.memory.process.size=1.5 parsecs"],
        ),
        &["jobmanager.memory.process.size", "1600m"],
    );
}

#[test]
fn unreadable_conf_dir_and_broken_yaml_are_clear() {
    let home = Scratch::new("conf");
    let out = run(
        home.path(),
        &[
            "session",
            "start",
            "c1",
            "--dry-run",
            "--flink-conf-dir",
            "/no/such/conf",
        ],
    );
    assert_usage_error(&out, &["/no/such/conf", "--flink-conf-dir"]);

    let broken = home.write("conf/config.yaml", "jobmanager:\n  memory: 1\n bad: [\n");
    let dir = broken.parent().expect("conf dir").display().to_string();
    let out = run(
        home.path(),
        &[
            "session",
            "start",
            "c1",
            "--dry-run",
            "--flink-conf-dir",
            &dir,
        ],
    );
    assert_usage_error(&out, &["config.yaml:3:2:"]);
}

#[test]
fn pod_templates_must_exist_and_be_pods() {
    let home = Scratch::new("template");
    let out = start(
        &home,
        &[
            "c1",
            "-Dkubernetes.pod-template-file.jobmanager=/no/template.yaml",
        ],
    );
    assert_usage_error(&out, &["/no/template.yaml"]);
    let deployment = home.write(
        "deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
    );
    let option = format!(
        "-Dkubernetes.pod-template-file.default={}",
        deployment.display()
    );
    assert_usage_error(
        &start(&home, &["c1", &option]),
        &["is a Deployment, not a Pod"],
    );
}

#[test]
fn application_jars_must_be_fetchable_by_the_cluster() {
    let home = Scratch::new("jar");
    let conf = golden_conf();
    let run_app = |jar: &str| {
        run(
            home.path(),
            &[
                "app",
                "run",
                "--cluster-id",
                "a1",
                "--dry-run",
                "--flink-conf-dir",
                &conf,
                jar,
            ],
        )
    };
    assert_usage_error(&run_app("ftp://host/job.jar"), &["'ftp:'", "local://"]);
    assert_usage_error(
        &run_app("./target/job.jar"),
        &["local:///opt/flink/usrlib/job.jar"],
    );
    let out = run_app("file:///home/me/job.jar");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out)
            .contains("warning: file:///home/me/job.jar is read inside the JobManager's container"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn clap_usage_errors_exit_2_too() {
    let home = Scratch::new("clap");
    let out = run(home.path(), &["session", "start", "--dry-run=server"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        home.path(),
        &["session", "start", "c1", "--dry-run", "-o", "table"],
    );
    assert_usage_error(&out, &["use -o yaml or json"]);
}

#[test]
fn dry_run_yaml_is_the_same_list_as_json_in_creation_order() {
    let home = Scratch::new("yaml");
    let out = start(&home, &["c1", "-o", "yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let list: serde_json::Value = serde_saphyr::from_str(&text).expect("one YAML document");
    assert_eq!(list["kind"], "List", "{text}");
    assert_eq!(
        list["items"],
        serde_json::Value::Array(json_items(&start(&home, &["c1", "-o", "json"])))
    );
    let docs = list["items"].as_array().cloned().unwrap_or_default();
    let kinds: Vec<&str> = docs
        .iter()
        .map(|d| d["kind"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(kinds, ["Deployment", "Service", "Service", "ConfigMap"]);
    assert_eq!(
        text.matches("# metadata.ownerReferences is set at creation")
            .count(),
        3
    );
    assert!(
        docs.iter()
            .all(|d| d["metadata"]["ownerReferences"].is_null())
    );
}

#[test]
fn dry_run_json_is_a_list_and_explains_owner_references_on_stderr() {
    let home = Scratch::new("json");
    let out = start(&home, &["c1", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json_items(&out);
    assert_eq!(items.len(), 4);
    assert!(stderr(&out).contains("ownerReferences"));
}

#[test]
fn a_missing_cluster_id_is_generated_and_printed() {
    let home = Scratch::new("gen");
    let out = start(&home, &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let id = err
        .split_whitespace()
        .find(|w| w.starts_with("flink-cluster-"))
        .unwrap_or_else(|| panic!("no generated id in: {err}"));
    assert_eq!(id.len(), 45);
    let items = json_items(&out);
    item(&items, "Deployment", id);
}

#[test]
fn namespace_follows_kubectl_and_is_written_into_the_configuration() {
    let home = Scratch::new("ns");
    home.write(
        ".kube/config",
        "apiVersion: v1\nkind: Config\ncurrent-context: dev\ncontexts:\n- name: dev\n  context: {cluster: c, user: u, namespace: team-a}\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\n",
    );
    let items = json_items(&start(&home, &["c1", "-o", "json"]));
    let conf = shipped_config(&items, "c1");
    assert_eq!(conf["kubernetes.namespace"], "team-a");
    assert_eq!(conf["jobmanager.rpc.address"], "c1.team-a");

    let items = json_items(&start(&home, &["c1", "-o", "json", "-n", "other"]));
    assert_eq!(
        shipped_config(&items, "c1")["kubernetes.namespace"],
        "other"
    );

    let items = json_items(&start(
        &home,
        &["c1", "-o", "json", "-Dkubernetes.namespace=flinkns"],
    ));
    assert_eq!(
        shipped_config(&items, "c1")["jobmanager.rpc.address"],
        "c1.flinkns"
    );
    // Every object names its namespace, so `| kubectl apply -f -` puts it
    // where config.yaml says, not in the context's namespace.
    for item in &items {
        assert_eq!(item["metadata"]["namespace"], "flinkns", "{item}");
    }
    let yaml = stdout(&start(&home, &["c1", "-o", "yaml", "-n", "other"]));
    assert_eq!(
        yaml.matches("\n    namespace: other\n").count(),
        4,
        "{yaml}"
    );

    assert_usage_error(
        &start(&home, &["c1", "-n", "a", "-Dkubernetes.namespace=b"]),
        &["two namespaces"],
    );
}

#[test]
fn no_conf_dir_uses_built_in_defaults_that_log_to_the_console() {
    let home = Scratch::new("builtin");
    let out = run(
        home.path(),
        &["session", "start", "c1", "--dry-run", "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let items = json_items(&out);
    let configmap = item(&items, "ConfigMap", "flink-config-c1");
    let data = configmap["data"].as_object().expect("data");
    let mut keys: Vec<&String> = data.keys().collect();
    keys.sort();
    assert_eq!(keys, ["config.yaml", "log4j-console.properties"]);
    assert_eq!(
        shipped_config(&items, "c1")["jobmanager.memory.process.size"],
        "1600m"
    );
}

#[test]
fn unknown_kubernetes_options_warn_with_a_suggestion() {
    let home = Scratch::new("typo");
    let out = start(&home, &["c1", "-Dkubernetes.jobmanager.replica=2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("did you mean kubernetes.jobmanager.replicas?"),
        "{}",
        stderr(&out)
    );
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

#[test]
fn closed_stdout_is_not_an_error() {
    let home = Scratch::new("pipe");
    let conf = golden_conf();
    // stdout is a pipe nobody reads: its read end is closed before the
    // child starts, so its first write fails with EPIPE every time.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = command(home.path())
        .args([
            "session",
            "start",
            "c1",
            "--dry-run",
            "--flink-conf-dir",
            &conf,
        ])
        .stdout(writer)
        .output()
        .expect("run kubectl-flink");
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a closed stdout ends output quietly: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}

#[test]
fn a_dry_run_survives_a_broken_kubeconfig() {
    let home = Scratch::new("broken-kubeconfig");
    let conf = golden_conf();
    let dry_run_with = |kubeconfig: &std::path::Path| {
        command(home.path())
            .env("KUBECONFIG", kubeconfig)
            .args([
                "session",
                "start",
                "c1",
                "--dry-run",
                "-o",
                "json",
                "--flink-conf-dir",
                &conf,
            ])
            .output()
            .expect("run")
    };
    let out = dry_run_with(&home.write("broken.yaml", "this: [is not a kubeconfig"));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(warnings.len(), 1, "{}", stderr(&out));
    assert!(
        warnings[0].contains("the dry run uses namespace default"),
        "{}",
        stderr(&out)
    );
    let out = dry_run_with(&home.path().join("missing.yaml"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "a dry run needs no cluster: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("missing.yaml, which does not exist"),
        "the namespace default is explained: {}",
        stderr(&out)
    );
}
