//! `meta.k8s.io/v1` Table responses, which `kubectl get` asks for (`as=Table`) to print
//! its columns.

use crate::meta;
use crate::resources::ResourceType;
use serde_json::{Value, json};

/// Whether an `Accept` header asks for a Table.
pub fn wants_table(accept: &str) -> bool {
    accept.contains("as=Table")
}

fn age(obj: &Value) -> String {
    let Some(ts) = obj["metadata"]["creationTimestamp"].as_str() else {
        return "<unknown>".into();
    };
    let Ok(t) = ts.parse::<jiff::Timestamp>() else {
        return "<unknown>".into();
    };
    let secs = (jiff::Timestamp::now().as_second() - t.as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 3600 * 2 => format!("{}m", s / 60),
        s if s < 86400 * 2 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

fn columns(rt: &ResourceType) -> Vec<(&'static str, &'static str)> {
    let mut c = vec![("Name", "name")];
    match (rt.group, rt.plural) {
        ("", "pods") => c.extend([("Ready", ""), ("Status", ""), ("Restarts", ""), ("IP", "")]),
        ("apps", "deployments") => c.extend([("Ready", ""), ("Up-to-date", ""), ("Available", "")]),
        ("apps", "replicasets") => c.extend([("Desired", ""), ("Current", ""), ("Ready", "")]),
        ("", "services") => c.extend([
            ("Type", ""),
            ("Cluster-IP", ""),
            ("External-IP", ""),
            ("Port(s)", ""),
        ]),
        ("", "namespaces") => c.push(("Status", "")),
        ("", "configmaps") => c.push(("Data", "")),
        ("", "secrets") => c.extend([("Type", ""), ("Data", "")]),
        ("", "events") => c.extend([
            ("Type", ""),
            ("Reason", ""),
            ("Object", ""),
            ("Message", ""),
        ]),
        ("", "nodes") => c.push(("Status", "")),
        _ => {}
    }
    c.push(("Age", ""));
    c
}

fn cells(rt: &ResourceType, o: &Value) -> Vec<Value> {
    let n = |p: &str| o.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    let s = |p: &str| {
        o.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let mut c = vec![json!(meta::name(o))];
    match (rt.group, rt.plural) {
        ("", "pods") => {
            let statuses = o["status"]["containerStatuses"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
            let ready = statuses.iter().filter(|c| c["ready"] == true).count();
            let waiting = statuses
                .iter()
                .find_map(|c| c["state"]["waiting"]["reason"].as_str().map(str::to_string));
            let status = if meta::is_deleting(o) {
                "Terminating".to_string()
            } else {
                waiting.unwrap_or_else(|| s("/status/phase"))
            };
            let restarts: i64 = statuses
                .iter()
                .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                .sum();
            c.extend([
                json!(format!("{ready}/{total}")),
                json!(status),
                json!(restarts),
                json!(s("/status/podIP")),
            ]);
        }
        ("apps", "deployments") => c.extend([
            json!(format!(
                "{}/{}",
                n("/status/readyReplicas"),
                n("/spec/replicas")
            )),
            json!(n("/status/updatedReplicas")),
            json!(n("/status/availableReplicas")),
        ]),
        ("apps", "replicasets") => c.extend([
            json!(n("/spec/replicas")),
            json!(n("/status/replicas")),
            json!(n("/status/readyReplicas")),
        ]),
        ("", "services") => {
            let ports: Vec<String> = o["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| match p["nodePort"].as_i64() {
                    Some(np) => format!(
                        "{}:{np}/{}",
                        p["port"],
                        p["protocol"].as_str().unwrap_or("TCP")
                    ),
                    None => format!("{}/{}", p["port"], p["protocol"].as_str().unwrap_or("TCP")),
                })
                .collect();
            let ext = o["status"]["loadBalancer"]["ingress"][0]["ip"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| {
                    if o["spec"]["type"] == "LoadBalancer" {
                        "<pending>".into()
                    } else {
                        "<none>".into()
                    }
                });
            c.extend([
                json!(s("/spec/type")),
                json!(s("/spec/clusterIP")),
                json!(ext),
                json!(ports.join(",")),
            ]);
        }
        ("", "namespaces") => c.push(json!(s("/status/phase"))),
        ("", "configmaps") => c.push(json!(
            o["data"].as_object().map_or(0, |m| m.len())
                + o["binaryData"].as_object().map_or(0, |m| m.len())
        )),
        ("", "secrets") => c.extend([
            json!(s("/type")),
            json!(o["data"].as_object().map_or(0, |m| m.len())),
        ]),
        ("", "events") => c.extend([
            json!(s("/type")),
            json!(s("/reason")),
            json!(format!(
                "{}/{}",
                s("/involvedObject/kind").to_lowercase(),
                s("/involvedObject/name")
            )),
            json!(s("/message")),
        ]),
        ("", "nodes") => c.push(json!("Ready")),
        _ => {}
    }
    c.push(json!(age(o)));
    c
}

/// A Table of objects, with full objects in the rows as kubectl requests (`includeObject`).
pub fn table(rt: &ResourceType, objects: &[Value], resource_version: &str) -> Value {
    let defs: Vec<Value> = columns(rt)
        .into_iter()
        .map(|(name, format)| json!({"name": name, "type": "string", "format": format, "description": name, "priority": 0}))
        .collect();
    let rows: Vec<Value> = objects
        .iter()
        .map(|o| json!({"cells": cells(rt, o), "object": o}))
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1",
           "metadata": {"resourceVersion": resource_version}, "columnDefinitions": defs, "rows": rows})
}
