//! Legacy (non-aggregated) discovery documents: `/version`, `/api`, `/api/v1`, `/apis`,
//! `/apis/GROUP` and `/apis/GROUP/VERSION`, which kubectl and kube-rs fall back to.

use crate::resources::{self, RESOURCES};
use serde_json::{Value, json};

/// `/version`.
pub fn version() -> Value {
    json!({
        "major": "1", "minor": "33", "gitVersion": "v1.33.0",
        "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/api`.
pub fn core_versions(server_address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]})
}

fn group_doc(group: &str) -> Value {
    let gv = json!({"groupVersion": format!("{group}/v1"), "version": "v1"});
    json!({"name": group, "versions": [gv], "preferredVersion": gv})
}

/// `/apis`.
pub fn groups() -> Value {
    let groups: Vec<Value> = resources::groups().into_iter().map(group_doc).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/GROUP`, if the group is served.
pub fn group(group: &str) -> Option<Value> {
    resources::groups().contains(&group).then(|| {
        let mut g = group_doc(group);
        g["kind"] = json!("APIGroup");
        g["apiVersion"] = json!("v1");
        g
    })
}

/// The APIResourceList of a group version ("" for core `v1`), if served.
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    if version != "v1" {
        return None;
    }
    let mut out = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.group == group) {
        let mut doc = json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs,
        });
        if !r.short_names.is_empty() {
            doc["shortNames"] = json!(r.short_names);
        }
        if r.group == "apps" || (r.group.is_empty() && matches!(r.plural, "pods" | "services")) {
            doc["categories"] = json!(["all"]);
        }
        out.push(doc);
        for (sub, verbs) in r.subresources {
            let kind = match *sub {
                "scale" => "Scale",
                "log" | "portforward" | "proxy" => {
                    if *sub == "portforward" {
                        "PodPortForwardOptions"
                    } else if *sub == "log" {
                        "Pod"
                    } else {
                        "ServiceProxyOptions"
                    }
                }
                "token" => "TokenRequest",
                _ => r.kind,
            };
            out.push(
                json!({"name": format!("{}/{sub}", r.plural), "singularName": "",
                            "namespaced": r.namespaced, "kind": kind, "verbs": verbs}),
            );
        }
    }
    if out.is_empty() {
        return None;
    }
    let gv = if group.is_empty() {
        "v1".to_string()
    } else {
        format!("{group}/v1")
    };
    Some(
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": out}),
    )
}

/// `/openapi/v3`: the index of per-group-version documents.
pub fn openapi_v3_root() -> Value {
    let mut paths = serde_json::Map::new();
    paths.insert(
        "api/v1".into(),
        json!({"serverRelativeURL": "/openapi/v3/api/v1?hash=0"}),
    );
    for g in resources::groups() {
        paths.insert(
            format!("apis/{g}/v1"),
            json!({"serverRelativeURL": format!("/openapi/v3/apis/{g}/v1?hash=0")}),
        );
    }
    json!({"paths": paths})
}

/// `/openapi/v3/api/v1` and `/openapi/v3/apis/GROUP/v1`: only the operations, with the
/// GVK extension and the `fieldValidation` parameter, which kubectl checks to decide that
/// the server validates fields itself (so it needs no schemas for `apply`). Without
/// components kubectl computes strategic merge patches from its built-in types.
pub fn openapi_v3(group: &str, version: &str) -> Option<Value> {
    if version != "v1" || (!group.is_empty() && !resources::groups().contains(&group)) {
        return None;
    }
    let mut paths = serde_json::Map::new();
    let prefix = if group.is_empty() {
        "/api/v1".to_string()
    } else {
        format!("/apis/{group}/v1")
    };
    for r in RESOURCES.iter().filter(|r| r.group == group && r.stored) {
        let gvk = json!({"group": group, "version": "v1", "kind": r.kind});
        let param = json!([{"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                           {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": true}},
                           {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": true}}]);
        let op = |id: &str| json!({"operationId": id, "x-kubernetes-group-version-kind": gvk, "parameters": param, "responses": {}});
        let base = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}", r.plural)
        } else {
            format!("{prefix}/{}", r.plural)
        };
        paths.insert(
            base.clone(),
            json!({"post": op(&format!("create{}", r.kind))}),
        );
        paths.insert(
            format!("{base}/{{name}}"),
            json!({
            "patch": op(&format!("patch{}", r.kind)), "put": op(&format!("replace{}", r.kind))}),
        );
    }
    Some(
        json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.33.0"}, "paths": paths}),
    )
}
