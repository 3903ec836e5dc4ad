//! The simulated control plane and kubelet: Deployments get ReplicaSets, ReplicaSets get
//! Pods, Pods get scheduled and become Running and Ready after a delay (or fail as a test
//! asked), Deployment and ReplicaSet status follow, LoadBalancers get an ingress, and
//! Endpoints track ready pods. Every write goes through the store, so watches see it.

use crate::meta;
use crate::options::PodFailure;
use crate::resources::{self, ResourceType};
use crate::rest;
use crate::selectors::LabelSelector;
use crate::state::State;
use crate::store::ObjKey;
use serde_json::{Value, json};
use std::time::Instant;

fn rt(group: &str, plural: &str) -> &'static ResourceType {
    resources::find(group, plural).expect("known resource")
}

/// Writes `obj` if it differs from what is stored (controllers must not churn versions).
fn save(st: &mut State, rt: &ResourceType, obj: Value, status_only: bool) {
    let key = ObjKey::new(rt, meta::namespace(&obj), meta::name(&obj));
    if st.store.get_key(&key) == Some(&obj) {
        return;
    }
    let sub = if status_only { Some("status") } else { None };
    let _ = rest::write(st, rt, &key, obj, sub, false);
}

fn set_status(st: &mut State, rt: &ResourceType, obj: &Value, status: Value) {
    if obj.get("status") == Some(&status) {
        return;
    }
    let mut o = obj.clone();
    o["status"] = status;
    save(st, rt, o, true);
}

fn owned_by<'a>(objs: &'a [Value], owner: &Value) -> impl Iterator<Item = &'a Value> {
    let uid = meta::uid(owner).to_string();
    objs.iter().filter(move |o| {
        meta::owner_references(o)
            .iter()
            .any(|r| r["uid"] == uid.as_str() && r["controller"] == json!(true))
    })
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

fn template_hash(template: &Value) -> String {
    meta::safe_encode(meta::fnv1a(template.to_string().as_bytes()), 10)
}

/// Runs every controller once; returns when something is next due (a pod becoming ready,
/// a load balancer getting its address), if anything is waiting.
pub fn reconcile(st: &mut State, now: Instant) -> Option<Instant> {
    deployments(st);
    replicasets(st);
    let mut next = pods(st, now);
    next = earliest(next, load_balancers(st, now));
    endpoints(st);
    next
}

fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn deployments(st: &mut State) {
    let (drt, rsrt) = (rt("apps", "deployments"), rt("apps", "replicasets"));
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

fn replicasets(st: &mut State) {
    let (rsrt, prt) = (rt("apps", "replicasets"), rt("", "pods"));
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

/// Kubernetes omits zero counters in status (they are `omitempty`).
fn drop_zero(mut v: Value, fields: &[&str]) -> Value {
    for f in fields {
        if v[*f] == json!(0) {
            v.as_object_mut().expect("status is an object").remove(*f);
        }
    }
    v
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

fn failure_for(st: &State, pod: &Value) -> Option<PodFailure> {
    st.failures
        .iter()
        .rev()
        .find(|f| f.namespace == meta::namespace(pod) && f.selector.matches(pod))
        .map(|f| f.failure)
}

fn container_names(pod: &Value) -> Vec<(String, String)> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["image"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn condition(t: &str, status: &str, since: &str) -> Value {
    json!({"type": t, "status": status, "lastProbeTime": null, "lastTransitionTime": since})
}

fn pods(st: &mut State, now: Instant) -> Option<Instant> {
    let prt = rt("", "pods");
    let delay = st.opts.pod_ready_delay;
    let node = st.opts.node_name.clone();
    let host_ip = st
        .opts
        .node_addresses
        .iter()
        .find(|(t, _)| t == "InternalIP")
        .map(|(_, a)| a.clone())
        .unwrap_or_else(|| "10.0.0.10".into());
    let mut next = None;
    for pod in st.store.list(prt, None) {
        let uid = meta::uid(&pod).to_string();
        if meta::is_deleting(&pod) {
            // The kubelet has stopped the containers; the pod goes once its finalizers do.
            if meta::finalizers(&pod).is_empty() {
                let key = ObjKey::new(prt, meta::namespace(&pod), meta::name(&pod));
                st.store.remove(&key);
            }
            continue;
        }
        let seen = *st.sim.pod_seen.entry(uid.clone()).or_insert(now);
        let failure = failure_for(st, &pod);
        let created = pod["metadata"]["creationTimestamp"].clone();
        let since = created.as_str().unwrap_or("").to_string();
        let mut p = pod.clone();
        if failure != Some(PodFailure::Unschedulable)
            && p["spec"]["nodeName"].as_str().is_none_or(str::is_empty)
        {
            p["spec"]["nodeName"] = json!(node);
            save(st, prt, p.clone(), false);
            p = st
                .store
                .get(prt, meta::namespace(&pod), meta::name(&pod))
                .cloned()
                .unwrap_or(p);
        }
        let mut status = p["status"].clone();
        let containers = container_names(&p);
        let ready_at = seen + delay;
        match failure {
            Some(PodFailure::Unschedulable) => {
                status["phase"] = json!("Pending");
                status["conditions"] = json!([{"type": "PodScheduled", "status": "False", "lastProbeTime": null,
                    "lastTransitionTime": since, "reason": "Unschedulable",
                    "message": "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."}]);
                report_failure(
                    st,
                    &p,
                    "default-scheduler",
                    "FailedScheduling",
                    "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
                );
            }
            Some(f) => {
                let (phase, waiting_reason, restarts, last_state) = match f {
                    PodFailure::ImagePullBackOff => ("Pending", "ImagePullBackOff", 0, json!({})),
                    PodFailure::CrashLoopBackOff => (
                        "Running",
                        "CrashLoopBackOff",
                        3,
                        json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": since, "finishedAt": since}}),
                    ),
                    _ => (
                        "Running",
                        "CrashLoopBackOff",
                        3,
                        json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": since, "finishedAt": since}}),
                    ),
                };
                let statuses: Vec<Value> = containers.iter().map(|(name, image)| {
                    let message = match f {
                        PodFailure::ImagePullBackOff => format!("Back-off pulling image \"{image}\""),
                        _ => format!("back-off 40s restarting failed container={name} pod={}_{}", meta::name(&p), meta::namespace(&p)),
                    };
                    json!({"name": name, "image": image, "imageID": "", "ready": false, "started": false,
                           "restartCount": restarts, "lastState": last_state,
                           "state": {"waiting": {"reason": waiting_reason, "message": message}}})
                }).collect();
                status["phase"] = json!(phase);
                status["hostIP"] = json!(host_ip);
                status["hostIPs"] = json!([{"ip": host_ip}]);
                status["startTime"] = json!(since);
                status["containerStatuses"] = json!(statuses);
                status["conditions"] = json!([
                    condition("Initialized", "True", &since),
                    {"type": "Ready", "status": "False", "lastProbeTime": null, "lastTransitionTime": since,
                     "reason": "ContainersNotReady", "message": format!("containers with unready status: [{}]",
                        containers.iter().map(|c| c.0.clone()).collect::<Vec<_>>().join(" "))},
                    {"type": "ContainersReady", "status": "False", "lastProbeTime": null, "lastTransitionTime": since,
                     "reason": "ContainersNotReady"},
                    condition("PodScheduled", "True", &since),
                ]);
                let image = containers.first().map(|c| c.1.clone()).unwrap_or_default();
                match f {
                    PodFailure::ImagePullBackOff => report_failure(
                        st,
                        &p,
                        "kubelet",
                        "Failed",
                        &format!(
                            "Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{image}\": not found"
                        ),
                    ),
                    PodFailure::OomKilled => report_failure(
                        st,
                        &p,
                        "kubelet",
                        "BackOff",
                        "Back-off restarting failed container (OOMKilled)",
                    ),
                    _ => report_failure(
                        st,
                        &p,
                        "kubelet",
                        "BackOff",
                        "Back-off restarting failed container",
                    ),
                }
            }
            None if now >= ready_at => {
                let ip = match status["podIP"].as_str() {
                    Some(ip) => ip.to_string(),
                    None => {
                        st.sim.next_pod_ip += 1;
                        let n = st.sim.next_pod_ip;
                        format!("10.244.{}.{}", n / 250, n % 250 + 1)
                    }
                };
                let statuses: Vec<Value> = containers.iter().map(|(name, image)| json!({
                    "name": name, "image": image, "imageID": format!("{image}@sha256:0000"),
                    "containerID": format!("containerd://{}", meta::safe_encode(meta::fnv1a(format!("{uid}{name}").as_bytes()), 12)),
                    "ready": true, "started": true, "restartCount": 0, "lastState": {},
                    "state": {"running": {"startedAt": since}}})).collect();
                status["phase"] = json!("Running");
                status["hostIP"] = json!(host_ip);
                status["hostIPs"] = json!([{"ip": host_ip}]);
                status["podIP"] = json!(ip);
                status["podIPs"] = json!([{"ip": ip}]);
                status["startTime"] = json!(since);
                status["containerStatuses"] = json!(statuses);
                status["conditions"] = json!([
                    condition("PodReadyToStartContainers", "True", &since),
                    condition("Initialized", "True", &since),
                    condition("Ready", "True", &since),
                    condition("ContainersReady", "True", &since),
                    condition("PodScheduled", "True", &since),
                ]);
            }
            None => {
                status["phase"] = json!("Pending");
                status["conditions"] = json!([condition("PodScheduled", "True", &since)]);
                next = earliest(next, Some(ready_at));
            }
        }
        set_status(st, prt, &p, status);
    }
    next
}

fn report_failure(st: &mut State, pod: &Value, component: &str, reason: &str, message: &str) {
    let uid = meta::uid(pod).to_string();
    if !st.sim.failure_reported.insert(uid.clone()) {
        return;
    }
    let now = meta::now_rfc3339();
    let ns = meta::namespace(pod).to_string();
    let event = json!({
        "metadata": {"name": format!("{}.{:x}", meta::name(pod), meta::random_u64() & 0xffff_ffff_ffff), "namespace": ns},
        "involvedObject": {"kind": "Pod", "apiVersion": "v1", "namespace": ns, "name": meta::name(pod),
                           "uid": uid, "resourceVersion": meta::meta_str(pod, "resourceVersion")},
        "reason": reason, "message": message, "type": "Warning", "count": 1,
        "source": {"component": component, "host": if component == "kubelet" { st.opts.node_name.clone() } else { String::new() }},
        "firstTimestamp": now, "lastTimestamp": now, "reportingComponent": component, "reportingInstance": "",
    });
    let _ = rest::create(st, rt("", "events"), &ns, event, false);
}

fn load_balancers(st: &mut State, now: Instant) -> Option<Instant> {
    let srt = rt("", "services");
    let ip = st.opts.lb_ingress_ip.clone()?;
    let mut next = None;
    for svc in st.store.list(srt, None) {
        if svc["spec"]["type"] != "LoadBalancer" {
            continue;
        }
        let seen = *st
            .sim
            .lb_seen
            .entry(meta::uid(&svc).to_string())
            .or_insert(now);
        let due = seen + st.opts.lb_ingress_delay;
        if now < due {
            next = earliest(next, Some(due));
            continue;
        }
        set_status(
            st,
            srt,
            &svc,
            json!({"loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}),
        );
    }
    next
}

/// The container port a Service port's targetPort means for a pod (named ports resolved).
pub fn resolve_target_port(pod: &Value, target: &Value) -> Option<u16> {
    if let Some(n) = target.as_u64() {
        return u16::try_from(n).ok();
    }
    let name = target.as_str()?;
    if let Ok(n) = name.parse::<u16>() {
        return Some(n);
    }
    pod["spec"]["containers"].as_array()?.iter().find_map(|c| {
        c["ports"].as_array()?.iter().find(|p| p["name"] == name)?["containerPort"]
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
    })
}

fn endpoints(st: &mut State) {
    let (srt, ert, prt) = (rt("", "services"), rt("", "endpoints"), rt("", "pods"));
    let services = st.store.list(srt, None);
    for svc in &services {
        let Some(sel) = svc["spec"]["selector"]
            .as_object()
            .filter(|m| !m.is_empty())
        else {
            continue;
        };
        let sel = LabelSelector::from_map(sel);
        let ns = meta::namespace(svc).to_string();
        let pods: Vec<Value> = st
            .store
            .list(prt, Some(&ns))
            .into_iter()
            .filter(|p| sel.matches(p) && p["status"]["podIP"].is_string() && !meta::is_deleting(p))
            .collect();
        let address = |p: &Value| {
            json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"],
            "targetRef": {"kind": "Pod", "namespace": ns, "name": meta::name(p), "uid": meta::uid(p)}})
        };
        let ready: Vec<Value> = pods.iter().filter(|p| is_ready(p)).map(address).collect();
        let not_ready: Vec<Value> = pods.iter().filter(|p| !is_ready(p)).map(address).collect();
        let ports: Vec<Value> = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|sp| {
                let port = pods
                    .first()
                    .and_then(|p| resolve_target_port(p, &sp["targetPort"]))
                    .map(|n| json!(n))
                    .unwrap_or_else(|| sp["port"].clone());
                let mut e = json!({"port": port, "protocol": sp["protocol"]});
                if let Some(n) = sp["name"].as_str() {
                    e["name"] = json!(n);
                }
                e
            })
            .collect();
        let mut subset = json!({"ports": ports});
        if !ready.is_empty() {
            subset["addresses"] = json!(ready);
        }
        if !not_ready.is_empty() {
            subset["notReadyAddresses"] = json!(not_ready);
        }
        let subsets = if pods.is_empty() {
            json!([])
        } else {
            json!([subset])
        };
        let name = meta::name(svc).to_string();
        match st.store.get(ert, &ns, &name).cloned() {
            Some(mut ep) => {
                let mut want = subsets.clone();
                if want == json!([]) {
                    want = Value::Null;
                }
                if ep.get("subsets").cloned().unwrap_or(Value::Null) != want {
                    if want.is_null() {
                        ep.as_object_mut().expect("object").remove("subsets");
                    } else {
                        ep["subsets"] = want;
                    }
                    save(st, ert, ep, false);
                }
            }
            None => {
                let mut ep = json!({"metadata": {"name": name, "namespace": ns, "labels": svc["metadata"]["labels"]}});
                if ep["metadata"]["labels"].is_null() {
                    ep["metadata"]
                        .as_object_mut()
                        .expect("object")
                        .remove("labels");
                }
                if subsets != json!([]) {
                    ep["subsets"] = subsets;
                }
                let _ = rest::create(st, ert, &ns, ep, false);
            }
        }
    }
    // Endpoints of deleted Services go with them.
    for ep in st.store.list(ert, None) {
        let ns = meta::namespace(&ep);
        let name = meta::name(&ep);
        if st.store.get(srt, ns, name).is_none() {
            let key = ObjKey::new(ert, ns, name);
            st.store.remove(&key);
        }
    }
}
