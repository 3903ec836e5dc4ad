//! Parity beyond the recorded goldens: for option sets the goldens do not
//! cover, Flink 2.3.0's own client (the oracle) and kubectl-flink each
//! create a cluster on the test API server, and the objects they sent must
//! be equal. Where a difference is deliberate, the case says so and why.

mod common;

use common::*;
use flink_kit::golden;
use serde_json::Value;
use std::path::Path;
use test_apiserver::{ApiServer, ServerOptions};

/// One option set, run through both clients.
struct Case {
    name: &'static str,
    application: bool,
    /// Flink-style arguments shared by both clients (`-D…`, then for
    /// applications `-c`, `-p`, the jar and its arguments).
    args: Vec<String>,
}

fn case(name: &'static str, args: &[&str]) -> Case {
    Case {
        name,
        application: false,
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

fn app_case(name: &'static str, args: &[&str]) -> Case {
    Case {
        name,
        application: true,
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

/// The objects a client created, keyed `Kind/name`, normalised.
fn keyed(objects: Vec<Value>) -> Vec<(String, Value)> {
    objects
        .into_iter()
        .map(|body| {
            let key = format!(
                "{}/{}",
                body["kind"].as_str().unwrap_or("?"),
                body["metadata"]["name"].as_str().unwrap_or("?")
            );
            (key, golden::normalize_strict(&body))
        })
        .collect()
}

fn write_templates(dir: &Path) -> (String, String) {
    let jm = dir.join("jm-template.yaml");
    std::fs::write(
        &jm,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {from: template}\n  annotations: {a: b}\nspec:\n  serviceAccountName: template-sa\n  initContainers:\n  - {name: init, image: busybox, command: [sh, -c, 'true']}\n  volumes:\n  - {name: scratch, emptyDir: {}}\n  containers:\n  - name: sidecar\n    image: fluent/fluent-bit:3\n  - name: flink-main-container\n    image: template/flink:2.3\n    env: [{name: FROM_TEMPLATE, value: 'yes'}]\n    ports: [{name: metrics, containerPort: 9249}]\n    resources: {requests: {ephemeral-storage: 1Gi}}\n    volumeMounts: [{name: scratch, mountPath: /scratch}]\n",
    )
    .expect("jm template");
    let tm = dir.join("tm-template.yaml");
    std::fs::write(&tm, "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: flink-main-container\n    resources: {limits: {ephemeral-storage: 2Gi}}\n")
        .expect("tm template");
    (jm.display().to_string(), tm.display().to_string())
}

fn cases(templates: &(String, String)) -> Vec<Case> {
    let jm_template = format!("-Dkubernetes.pod-template-file.jobmanager={}", templates.0);
    let tm_template = format!("-Dkubernetes.pod-template-file.taskmanager={}", templates.1);
    vec![
        case(
            "metadata-and-scheduling",
            &[
                "-Dkubernetes.jobmanager.labels=team:data,tier:batch",
                "-Dkubernetes.jobmanager.annotations=owner:me,cost-center:42",
                "-Dkubernetes.jobmanager.node-selector=disk:ssd,zone:a",
                "-Dkubernetes.jobmanager.tolerations=key:dedicated,operator:Equal,value:flink,effect:NoSchedule;key:spot,operator:Exists,effect:NoExecute,tolerationSeconds:60",
                "-Dkubernetes.rest-service.labels=expose:yes",
                "-Dkubernetes.rest-service.annotations=lb:internal",
                "-Dkubernetes.internal-service.labels=rpc:yes",
                "-Dkubernetes.internal-service.annotations=note:internal",
                "-Dkubernetes.jobmanager.owner.reference=apiVersion:v1,kind:ConfigMap,name:parent,uid:00000000-0000-0000-0000-000000000001,controller:false,blockOwnerDeletion:false",
            ],
        ),
        case(
            "image-command-and-resources",
            &[
                "-Dkubernetes.container.image.ref=registry.example.com/flink:2.3.0-custom",
                "-Dkubernetes.container.image.pull-policy=Always",
                "-Dkubernetes.container.image.pull-secrets=regcred;other-cred",
                "-Dkubernetes.entry.path=/opt/entry.sh",
                "-Dkubernetes.jobmanager.entrypoint.args=-Dfoo=bar",
                "-Dkubernetes.flink.log.dir=/var/log/flink",
                "-Dkubernetes.flink.conf.dir=/etc/flink",
                "-Dkubernetes.jobmanager.cpu.amount=0.5",
                "-Dkubernetes.jobmanager.cpu.limit-factor=3",
                "-Dkubernetes.jobmanager.memory.limit-factor=1.5",
                "-Djobmanager.memory.process.size=3g",
                "-Dkubernetes.jobmanager.service-account=jm-sa",
                "-Drest.port=8082",
                "-Drest.bind-port=9091",
            ],
        ),
        case(
            "secrets-env-and-claims",
            &[
                "-Dkubernetes.secrets=zeta:/etc/zeta,alpha:/etc/alpha,mysecret:/etc/mine",
                "-Dkubernetes.env.secretKeyRef=env:USER,secret:creds,key:user;env:PASS,secret:creds,key:pass",
                "-Dkubernetes.persistent-volume-claims=data.claim:/data,logs:/logs",
                "-Dkubernetes.persistent-volume-claim-read-only=true",
                "-Dcontainerized.master.env.B_VAR=2",
                "-Dcontainerized.master.env.A_VAR=1",
                "-Dcontainerized.master.env.ZZ=3",
            ],
        ),
        case(
            "host-network-load-balancer",
            &[
                "-Dkubernetes.hostnetwork.enabled=true",
                "-Dkubernetes.rest-service.exposed.type=LoadBalancer",
            ],
        ),
        case(
            "headless-rest-service-with-ha",
            &[
                "-Dkubernetes.rest-service.exposed.type=Headless_ClusterIP",
                "-Dhigh-availability.type=kubernetes",
                "-Dhigh-availability.storageDir=file:///flink-ha",
                "-Dkubernetes.service-account=flink",
            ],
        ),
        case(
            "pod-templates",
            &[
                &jm_template,
                &tm_template,
                "-Dkubernetes.jobmanager.node-selector=disk:ssd",
            ],
        ),
        app_case(
            "application-with-program-options",
            &[
                "-Dkubernetes.container.image.ref=my/app:1",
                "-c",
                "com.example.Etl",
                "-p",
                "4",
                "local:///opt/flink/usrlib/etl.jar",
                "--date",
                "2026-11-27",
                "--dry",
            ],
        ),
    ]
}

/// Our command line for a case (the cases use only flags both clients spell alike).
fn our_args(case: &Case, kubeconfig: &str, conf: &str, id: &str, release: &str) -> Vec<String> {
    let mut argv: Vec<String> = vec!["--kubeconfig".into(), kubeconfig.into()];
    if case.application {
        argv.extend(["app".into(), "run".into(), "--cluster-id".into(), id.into()]);
    } else {
        argv.extend(["session".into(), "start".into(), id.into()]);
    }
    argv.extend([
        "--flink-version".into(),
        release.into(),
        "--flink-conf-dir".into(),
        conf.into(),
        "-Dkubernetes.namespace=default".into(),
    ]);
    argv.extend(case.args.iter().cloned());
    argv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_objects_equal_flinks_own_client_for_options_the_goldens_miss() {
    let mut failures = Vec::new();
    // The newest 1.x and the newest 2.x, each with its own client and stock conf dir.
    for release in ["1.20.5", "2.3.0"] {
        let Some(flink_home) = flink_kit::require_flink_release(release) else {
            return;
        };
        compare_release(release, &flink_home, &mut failures).await;
    }
    assert!(
        failures.is_empty(),
        "differences from Flink's own client:\n{}",
        failures.join("\n")
    );
}

async fn compare_release(release: &str, flink_home: &Path, failures: &mut Vec<String>) {
    let flink_home = flink_home.to_path_buf();
    let scratch = Scratch::new("oracle");
    let templates = write_templates(scratch.path());
    let conf = golden::release_dir(release).join("conf");
    let conf_text = conf.display().to_string();
    for case in cases(&templates) {
        let id = case.name;
        // Flink's client, on its own API server.
        let mut flink_args = vec![format!("-Dkubernetes.cluster-id={id}")];
        flink_args.extend(case.args.iter().cloned());
        let (home, conf_dir) = (flink_home.clone(), conf.clone());
        let mode = if case.application {
            golden::Mode::Application
        } else {
            golden::Mode::Session
        };
        let flink = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = flink_args.iter().map(String::as_str).collect();
            test_apiserver::flink_oracle::deploy_with_flink(
                &home, &conf_dir, mode, "default", &args,
            )
        })
        .await
        .expect("join")
        .expect("Flink's client against the test API server");
        let mut theirs = keyed(flink.objects);
        assert!(
            !theirs.is_empty(),
            "{id}: Flink's client created nothing (exit {}): {}",
            flink.run.exit_code,
            flink.run.stderr
        );

        // kubectl-flink, on a fresh API server.
        let ours_server = ApiServer::start(ServerOptions::default())
            .await
            .expect("server");
        let kubeconfig = ours_server.kubeconfig_path().display().to_string();
        let argv = our_args(&case, &kubeconfig, &conf_text, id, release);
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = run(scratch.path(), &argv);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", stderr(&out));
        let mut ours = keyed(ours_server.created_objects());
        // Deliberate: our owned objects are created concurrently (one round
        // trip instead of Flink's one per object), so their order in the log
        // varies; the Deployment must still come first.
        ours[1..].sort_by(|a, b| a.0.cmp(&b.0));
        theirs[1..].sort_by(|a, b| a.0.cmp(&b.0));

        let their_keys: Vec<&String> = theirs.iter().map(|(k, _)| k).collect();
        let our_keys: Vec<&String> = ours.iter().map(|(k, _)| k).collect();
        if their_keys != our_keys {
            failures.push(format!(
                "{release} {id}: objects/order differ: ours {our_keys:?}, Flink's {their_keys:?}"
            ));
            continue;
        }
        for ((key, our), (_, their)) in ours.iter().zip(&theirs) {
            let diff = golden::differences(our, their);
            if !diff.is_empty() {
                failures.push(format!("{release} {id}: {key}:\n  {}", diff.join("\n  ")));
            }
        }
    }
}
