//! Parity on the real API server: Flink 2.3.0's own client (`kubernetes-session.sh`,
//! `flink run --target kubernetes-application`) and kubectl-flink create the same cluster in two
//! namespaces of the real control plane (kube-kit); the objects as the real server stored them
//! (after its defaulting and admission) are compared field by field. Normalized away: uid,
//! resourceVersion, creationTimestamp, managedFields, namespace, generation, the owner's uid,
//! status, server-assigned ClusterIPs and node ports, and the namespace inside config.yaml.

mod common;

use common::*;
use kube_kit::require_control_plane;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

const KINDS: [&str; 4] = [
    "deployment/{id}",
    "service/{id}",
    "service/{id}-rest",
    "configmap/flink-config-{id}",
];

fn get(cp: &kube_kit::ControlPlane, ns: &str, what: &str) -> Option<Value> {
    let out = cp
        .kubectl()
        .args(["get", what, "-n", ns, "-o", "json"])
        .output()
        .expect("kubectl");
    out.status
        .success()
        .then(|| serde_json::from_slice(&out.stdout).expect("kubectl's JSON"))
}

/// `config.yaml` as flat `key -> value` strings, the namespace replaced.
fn flat_config(text: &str, ns: &str) -> BTreeMap<String, String> {
    fn walk(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::Array(a) => {
                let items: Vec<String> = a
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| i.to_string())
                    })
                    .collect();
                out.insert(prefix.to_string(), items.join(";"));
            }
            Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            other => {
                out.insert(prefix.to_string(), other.to_string());
            }
        }
    }
    let value: Value = serde_saphyr::from_str(text).expect("config.yaml is YAML");
    let mut out = BTreeMap::new();
    walk("", &value, &mut out);
    out.into_iter()
        .map(|(k, v)| (k, v.replace(ns, "<ns>")))
        .collect()
}

fn normalize(mut o: Value, ns: &str) -> Value {
    if let Some(meta) = o["metadata"].as_object_mut() {
        for key in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
            "namespace",
            "generation",
        ] {
            meta.remove(key);
        }
        if let Some(owners) = meta
            .get_mut("ownerReferences")
            .and_then(Value::as_array_mut)
        {
            for owner in owners {
                if let Some(owner) = owner.as_object_mut() {
                    owner.remove("uid");
                }
            }
        }
    }
    if let Some(obj) = o.as_object_mut() {
        obj.remove("status");
    }
    if let Some(spec) = o["spec"].as_object_mut() {
        if spec.get("clusterIP").and_then(Value::as_str) != Some("None") {
            spec.remove("clusterIP");
            spec.remove("clusterIPs");
        }
        if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
            for port in ports {
                if let Some(port) = port.as_object_mut() {
                    port.remove("nodePort");
                }
            }
        }
    }
    if let Some(data) = o["data"].as_object_mut()
        && let Some(text) = data.get("config.yaml").and_then(Value::as_str)
    {
        let flat: Map<String, Value> = flat_config(text, ns)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        data.insert("config.yaml".to_string(), Value::Object(flat));
    }
    o
}

/// Every leaf path where `a` and `b` differ.
fn diff(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                diff(
                    &format!("{path}.{k}"),
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{path}[{i}]"), p, q, out);
            }
        }
        _ if a != b => out.push(format!("{path}: flink={a} ours={b}")),
        _ => {}
    }
}

struct Case {
    name: &'static str,
    application: bool,
    args: &'static [&'static str],
}

const CASES: [Case; 3] = [
    Case {
        name: "session-defaults",
        application: false,
        args: &[],
    },
    Case {
        name: "session-tuned",
        application: false,
        args: &[
            "-Dkubernetes.service-account=flink",
            "-Djobmanager.memory.process.size=1g",
            "-Dtaskmanager.memory.process.size=1g",
            "-Dtaskmanager.numberOfTaskSlots=2",
            "-Dkubernetes.jobmanager.cpu=0.5",
            "-Dkubernetes.jobmanager.labels=team:data,tier:gold",
            "-Dkubernetes.jobmanager.annotations=owner:alice",
            "-Dkubernetes.rest-service.exposed.type=NodePort",
        ],
    },
    Case {
        name: "application",
        application: true,
        args: &[
            "-Dkubernetes.service-account=flink",
            "-Djobmanager.memory.process.size=1g",
        ],
    },
];

#[test]
fn flinks_client_and_ours_store_the_same_objects_on_the_real_api_server() {
    let Some(cp) = require_control_plane() else {
        return;
    };
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let conf = golden_conf();
    let theirs_ns = cp.create_namespace("parity-flink").expect("a namespace");
    let ours_ns = cp.create_namespace("parity-ours").expect("a namespace");
    // Fabric8 cannot read kube-kit's ECDSA client keys ("Invalid DER: object is not integer"),
    // so Flink's client gets a bearer token: a service account with the `admin` role there.
    let theirs_kubeconfig = cp
        .write_service_account_kubeconfig(&theirs_ns, "oracle")
        .expect("kubeconfig");
    let granted = cp
        .kubectl()
        .args([
            "create",
            "rolebinding",
            "oracle-admin",
            "--clusterrole=admin",
            "-n",
            &theirs_ns,
        ])
        .arg(format!("--serviceaccount={theirs_ns}:oracle"))
        .output()
        .expect("kubectl create rolebinding");
    assert!(granted.status.success(), "{}", stderr(&granted));
    // NodePort services make Flink's client list nodes (cluster-scoped) to print the address.
    let nodes = format!("{theirs_ns}-nodes");
    for args in [
        vec![
            "create",
            "clusterrole",
            &nodes,
            "--verb=get,list",
            "--resource=nodes",
        ],
        vec![
            "create",
            "clusterrolebinding",
            &nodes,
            "--clusterrole",
            &nodes,
        ],
    ] {
        let out = cp
            .kubectl()
            .args(&args)
            .args(
                args[1]
                    .ends_with("binding")
                    .then(|| format!("--serviceaccount={theirs_ns}:oracle")),
            )
            .output()
            .expect("kubectl create");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let ours_kubeconfig = cp
        .write_admin_kubeconfig(&ours_ns)
        .expect("kubeconfig")
        .display()
        .to_string();
    let home = Scratch::new("real-parity");
    let mut failures = Vec::new();
    let mut compared = 0;
    for (n, case) in CASES.iter().enumerate() {
        let id = format!("p{n}");
        let cluster_id = format!("-Dkubernetes.cluster-id={id}");
        let job = "local:///opt/flink/usrlib/job.jar";

        // Flink's own client.
        let ns_theirs = format!("-Dkubernetes.namespace={theirs_ns}");
        let mut args: Vec<&str> = vec![&cluster_id, &ns_theirs];
        args.extend_from_slice(case.args);
        let oracle = if case.application {
            args.extend(["-c", flink_kit::jobjar::STREAMING_JOB_CLASS, job]);
            flink_kit::oracle::run_application(
                &flink_home,
                &theirs_kubeconfig,
                Path::new(&conf),
                &args,
            )
        } else {
            flink_kit::oracle::run_session(&flink_home, &theirs_kubeconfig, Path::new(&conf), &args)
        };
        if oracle.exit_code != 0 {
            eprintln!(
                "{}: Flink's client said: {}",
                case.name,
                oracle
                    .stderr
                    .lines()
                    .chain(oracle.stdout.lines())
                    .filter(|l| l.contains("xception") || l.contains("rror"))
                    .take(6)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        eprintln!(
            "{}: Flink's client exit {} in {:.1?}",
            case.name, oracle.exit_code, oracle.wall
        );
        assert!(
            get(cp, &theirs_ns, &format!("deployment/{id}")).is_some(),
            "{}: Flink's client created no Deployment (exit {}): {}\n{}",
            case.name,
            oracle.exit_code,
            oracle.stdout,
            oracle.stderr
        );

        // Ours, with the same options.
        let ns_ours = format!("-Dkubernetes.namespace={ours_ns}");
        let mut argv: Vec<&str> = vec!["--kubeconfig", &ours_kubeconfig];
        if case.application {
            argv.extend(["app", "run", "--cluster-id", &id]);
        } else {
            argv.extend(["session", "start", &id]);
        }
        argv.extend(["--flink-conf-dir", &conf, &ns_ours]);
        argv.extend_from_slice(case.args);
        if case.application {
            argv.extend(["-c", flink_kit::jobjar::STREAMING_JOB_CLASS, job]);
        }
        let out = run(home.path(), &argv);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            case.name,
            stderr(&out)
        );

        for kind in KINDS {
            let what = kind.replace("{id}", &id);
            let theirs = get(cp, &theirs_ns, &what).map(|o| normalize(o, &theirs_ns));
            let ours = get(cp, &ours_ns, &what).map(|o| normalize(o, &ours_ns));
            match (theirs, ours) {
                (None, None) => {}
                (Some(t), Some(o)) => {
                    compared += 1;
                    assert!(
                        t["metadata"]["name"].is_string() && t["spec"].is_object()
                            || t["data"].is_object(),
                        "{what}: {t}"
                    );
                    let mut d = Vec::new();
                    diff(&what, &t, &o, &mut d);
                    failures.extend(d.into_iter().map(|d| format!("{}: {d}", case.name)));
                }
                (t, o) => failures.push(format!(
                    "{}: {what} stored by flink: {}, by ours: {}",
                    case.name,
                    t.is_some(),
                    o.is_some()
                )),
            }
        }
    }
    eprintln!("compared {compared} objects");
    assert!(
        compared >= 11,
        "every case's objects were compared: {compared}"
    );
    assert!(
        failures.is_empty(),
        "differences as stored by the real API server:\n{}",
        failures.join("\n")
    );
}

#[test]
fn the_comparison_sees_a_difference_and_normalizes_what_the_server_assigns() {
    let a = serde_json::json!({"metadata": {"name": "x", "uid": "1", "namespace": "n1"},
        "spec": {"clusterIP": "127.64.0.9", "ports": [{"port": 1, "nodePort": 30001}]},
        "data": {"config.yaml": "kubernetes:\n  namespace: n1\nrest.port: 8081\n"}});
    let b = serde_json::json!({"metadata": {"name": "x", "uid": "2", "namespace": "n2"},
        "spec": {"clusterIP": "127.64.0.7", "ports": [{"port": 2, "nodePort": 30002}]},
        "data": {"config.yaml": "kubernetes.namespace: n2\nrest:\n  port: 8081\n"}});
    let mut d = Vec::new();
    diff("o", &normalize(a, "n1"), &normalize(b, "n2"), &mut d);
    assert_eq!(d, vec!["o.spec.ports[0].port: flink=1 ours=2".to_string()]);
}
