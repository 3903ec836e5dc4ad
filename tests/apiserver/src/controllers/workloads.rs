//! Deployments and ReplicaSets: rollouts by pod-template hash, adoption of orphans, scaling,
//! and the status and conditions clients wait on.

use super::{drop_zero, is_ready, owned_by, rt, save, set_status};
use crate::meta;
use crate::resources::ResourceType;
use crate::rest;
use crate::selectors::LabelSelector;
use crate::state::State;
use serde_json::{Value, json};

fn template_hash(template: &Value) -> String {
    meta::safe_encode(meta::fnv1a(template.to_string().as_bytes()), 10)
}

/// Controllers adopt orphans their selector matches (no controller owner reference yet),
/// as the Deployment and ReplicaSet controllers do after `--cascade=orphan`.
fn adopt(st: &mut State, kind: &ResourceType, owner: &Value, selector: &Value) {
    let Ok(sel) = LabelSelector::from_object(selector) else {
        return;
    };
    if sel.is_empty() || meta::is_deleting(owner) {
        return;
    }
    let orphans: Vec<Value> = st
        .store
        .list(kind, Some(meta::namespace(owner)))
        .into_iter()
        .filter(|o| !meta::is_deleting(o) && sel.matches(o))
        .filter(|o| {
            !meta::owner_references(o)
                .iter()
                .any(|r| r["controller"] == json!(true))
        })
        .collect();
    for mut o in orphans {
        let mut refs = meta::owner_references(&o);
        refs.push(meta::controller_ref(owner));
        meta::metadata_mut(&mut o).insert("ownerReferences".into(), json!(refs));
        save(st, kind, o, false);
    }
}

pub fn deployments(st: &mut State) {
    let (drt, rsrt) = (rt("apps", "deployments"), rt("apps", "replicasets"));
    for d in st.store.list(drt, None) {
        adopt(st, rsrt, &d, &d["spec"]["selector"]);
    }
    let all_rs = st.store.list(rsrt, None);
    for d in st.store.list(drt, None) {
        if meta::is_deleting(&d) {
            continue;
        }
        let ns = meta::namespace(&d).to_string();
        let template = d["spec"]["template"].clone();
        let hash = template_hash(&template);
        let owned: Vec<Value> = owned_by(&all_rs, &d).cloned().collect();
        let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let revision = owned
            .iter()
            .filter_map(|r| {
                r["metadata"]["annotations"]["deployment.kubernetes.io/revision"].as_str()
            })
            .filter_map(|s| s.parse::<i64>().ok())
            .max()
            .unwrap_or(0);
        let current = owned
            .iter()
            .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str())
            .cloned();
        let current = match current {
            Some(rs) => {
                if rs["spec"]["replicas"] != json!(desired) {
                    let mut r = rs.clone();
                    r["spec"]["replicas"] = json!(desired);
                    save(st, rsrt, r, false);
                }
                rs
            }
            None => {
                let mut tpl = template.clone();
                tpl["metadata"]["labels"]["pod-template-hash"] = json!(hash);
                let mut selector = d["spec"]["selector"].clone();
                selector["matchLabels"]["pod-template-hash"] = json!(hash);
                let mut labels = template["metadata"]["labels"].clone();
                labels["pod-template-hash"] = json!(hash);
                let rs = json!({
                    "metadata": {
                        "name": format!("{}-{hash}", meta::name(&d)),
                        "namespace": ns,
                        "labels": labels,
                        "annotations": {
                            "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                            "deployment.kubernetes.io/max-replicas": (desired + 1).to_string(),
                            "deployment.kubernetes.io/revision": (revision + 1).to_string(),
                        },
                        "ownerReferences": [meta::controller_ref(&d)],
                    },
                    "spec": {"replicas": desired, "selector": selector, "template": tpl},
                });
                match rest::create(st, rsrt, &ns, rs, false) {
                    Ok(created) => created,
                    Err(_) => continue,
                }
            }
        };
        // The Deployment carries the revision of its current ReplicaSet (`kubectl rollout history`).
        let rev = current["metadata"]["annotations"]["deployment.kubernetes.io/revision"].clone();
        if !rev.is_null()
            && d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] != rev
        {
            let mut annotated = d.clone();
            annotated["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = rev;
            save(st, drt, annotated, false);
        }
        // Old ReplicaSets are scaled down at once (a rollout with no surge to wait for).
        for old in owned.iter().filter(|r| meta::uid(r) != meta::uid(&current)) {
            if old["spec"]["replicas"] != json!(0) {
                let mut r = old.clone();
                r["spec"]["replicas"] = json!(0);
                save(st, rsrt, r, false);
            }
        }
    }
}

pub fn replicasets(st: &mut State) {
    let (rsrt, prt) = (rt("apps", "replicasets"), rt("", "pods"));
    for rs in st.store.list(rsrt, None) {
        adopt(st, prt, &rs, &rs["spec"]["selector"]);
    }
    for rs in st.store.list(rsrt, None) {
        let ns = meta::namespace(&rs).to_string();
        let pods: Vec<Value> = st.store.list(prt, Some(&ns));
        let mine: Vec<Value> = owned_by(&pods, &rs)
            .filter(|p| !meta::is_deleting(p))
            .cloned()
            .collect();
        let desired = if meta::is_deleting(&rs) {
            0
        } else {
            rs["spec"]["replicas"].as_i64().unwrap_or(1)
        };
        let have = mine.len() as i64;
        if have < desired {
            for _ in have..desired {
                let tpl = &rs["spec"]["template"];
                let pod = json!({
                    "metadata": {
                        "generateName": format!("{}-", meta::name(&rs)),
                        "namespace": ns,
                        "labels": tpl["metadata"]["labels"],
                        "annotations": tpl["metadata"]["annotations"],
                        "ownerReferences": [meta::controller_ref(&rs)],
                    },
                    "spec": tpl["spec"],
                });
                let mut pod = pod;
                if pod["metadata"]["annotations"].is_null() {
                    pod["metadata"]
                        .as_object_mut()
                        .expect("object")
                        .remove("annotations");
                }
                let _ = rest::create(st, prt, &ns, pod, false);
            }
        } else if have > desired && !meta::is_deleting(&rs) {
            for p in mine.iter().take((have - desired) as usize) {
                let _ = rest::delete(st, prt, &ns, meta::name(p), &Default::default(), false);
            }
        }
        let pods: Vec<Value> = st.store.list(prt, Some(&ns));
        let mine: Vec<&Value> = owned_by(&pods, &rs)
            .filter(|p| !meta::is_deleting(p))
            .collect();
        let ready = mine.iter().filter(|p| is_ready(p)).count();
        let status = json!({
            "replicas": mine.len(),
            "fullyLabeledReplicas": mine.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": rs["metadata"]["generation"],
        });
        let status = drop_zero(
            status,
            &["readyReplicas", "availableReplicas", "fullyLabeledReplicas"],
        );
        if let Some(cur) = st.store.get(rsrt, &ns, meta::name(&rs)).cloned() {
            set_status(st, rsrt, &cur, status);
        }
    }
    deployment_status(st);
}

fn deployment_status(st: &mut State) {
    let (drt, rsrt) = (rt("apps", "deployments"), rt("apps", "replicasets"));
    let all_rs = st.store.list(rsrt, None);
    for d in st.store.list(drt, None) {
        let desired = d["spec"]["replicas"].as_i64().unwrap_or(1);
        let hash = template_hash(&d["spec"]["template"]);
        let owned: Vec<&Value> = owned_by(&all_rs, &d).collect();
        let count = |f: &str| {
            owned
                .iter()
                .map(|r| r["status"][f].as_i64().unwrap_or(0))
                .sum::<i64>()
        };
        let (replicas, ready, available) = (
            count("replicas"),
            count("readyReplicas"),
            count("availableReplicas"),
        );
        let current = owned
            .iter()
            .find(|r| r["metadata"]["labels"]["pod-template-hash"] == hash.as_str());
        let updated = current
            .map(|r| r["status"]["replicas"].as_i64().unwrap_or(0))
            .unwrap_or(0);
        let rs_name = current
            .map(|r| meta::name(r).to_string())
            .unwrap_or_default();
        let old_cond = |t: &str| {
            d["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|c| c["type"] == t)
                .cloned()
        };
        let condition = |t: &str, status: &str, reason: &str, message: String| {
            let now = meta::now_rfc3339();
            let mut c = json!({"type": t, "status": status, "reason": reason, "message": message,
                               "lastUpdateTime": now, "lastTransitionTime": now});
            if let Some(old) = old_cond(t)
                && old["status"] == status
                && old["reason"] == reason
            {
                c = old;
            }
            c
        };
        let available_ok = available >= desired;
        let complete = updated == desired && available >= desired && replicas == desired;
        let conditions = json!([
            if available_ok {
                condition(
                    "Available",
                    "True",
                    "MinimumReplicasAvailable",
                    "Deployment has minimum availability.".into(),
                )
            } else {
                condition(
                    "Available",
                    "False",
                    "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.".into(),
                )
            },
            if complete {
                condition(
                    "Progressing",
                    "True",
                    "NewReplicaSetAvailable",
                    format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                )
            } else {
                condition(
                    "Progressing",
                    "True",
                    "ReplicaSetUpdated",
                    format!("ReplicaSet \"{rs_name}\" is progressing."),
                )
            },
        ]);
        let mut status = json!({
            "observedGeneration": d["metadata"]["generation"],
            "replicas": replicas,
            "updatedReplicas": updated,
            "readyReplicas": ready,
            "availableReplicas": available,
            "unavailableReplicas": (replicas.max(desired) - available).max(0),
            "conditions": conditions,
        });
        status = drop_zero(
            status,
            &[
                "replicas",
                "updatedReplicas",
                "readyReplicas",
                "availableReplicas",
                "unavailableReplicas",
            ],
        );
        set_status(st, drt, &d, status);
    }
}
