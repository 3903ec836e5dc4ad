//! The kubelet and scheduler: pods are placed on the node, become Running and Ready after
//! the configured delay, or show a forced failure with its Warning Event.

use super::{earliest, rt, save, set_status};
use crate::meta;
use crate::options::PodFailure;
use crate::rest;
use crate::state::State;
use crate::store::ObjKey;
use serde_json::{Value, json};
use std::time::Instant;

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

pub fn pods(st: &mut State, now: Instant) -> Option<Instant> {
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
            // The kubelet stops the containers (after the simulated termination delay); the
            // pod goes once that is done and its finalizers are gone.
            let stopping = *st.sim.pod_stopping.entry(uid.clone()).or_insert(now);
            let stopped_at = stopping + st.opts.pod_termination_delay;
            if now < stopped_at {
                next = earliest(next, Some(stopped_at));
            } else if meta::finalizers(&pod).is_empty() {
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
                report_started(st, &p);
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

/// Records a Warning Event for a failing pod, once per pod.
fn report_failure(st: &mut State, pod: &Value, component: &str, reason: &str, message: &str) {
    if st.sim.failure_reported.insert(meta::uid(pod).to_string()) {
        record_event(st, pod, "Warning", component, reason, message);
    }
}

/// Records the Normal Events a scheduler and kubelet emit for a pod that starts, once.
fn report_started(st: &mut State, pod: &Value) {
    if !st.sim.start_reported.insert(meta::uid(pod).to_string()) {
        return;
    }
    let target = format!("{}/{}", meta::namespace(pod), meta::name(pod));
    let node = st.opts.node_name.clone();
    record_event(
        st,
        pod,
        "Normal",
        "default-scheduler",
        "Scheduled",
        &format!("Successfully assigned {target} to {node}"),
    );
    for (name, image) in container_names(pod) {
        record_event(
            st,
            pod,
            "Normal",
            "kubelet",
            "Pulled",
            &format!("Container image \"{image}\" already present on machine"),
        );
        record_event(
            st,
            pod,
            "Normal",
            "kubelet",
            "Created",
            &format!("Created container: {name}"),
        );
        record_event(
            st,
            pod,
            "Normal",
            "kubelet",
            "Started",
            &format!("Started container {name}"),
        );
    }
}

/// Creates a core/v1 Event about a pod, as the components report them.
fn record_event(
    st: &mut State,
    pod: &Value,
    kind: &str,
    component: &str,
    reason: &str,
    message: &str,
) {
    let now = meta::now_rfc3339();
    let ns = meta::namespace(pod).to_string();
    let host = if component == "kubelet" {
        st.opts.node_name.clone()
    } else {
        String::new()
    };
    let event = json!({
        "metadata": {"name": format!("{}.{:x}", meta::name(pod), meta::unique_nanos()), "namespace": ns},
        "involvedObject": {"kind": "Pod", "apiVersion": "v1", "namespace": ns, "name": meta::name(pod),
                           "uid": meta::uid(pod), "resourceVersion": meta::meta_str(pod, "resourceVersion")},
        "reason": reason, "message": message, "type": kind, "count": 1,
        "source": {"component": component, "host": host},
        "firstTimestamp": now, "lastTimestamp": now, "reportingComponent": component, "reportingInstance": "",
    });
    let _ = rest::create(st, rt("", "events"), &ns, event, false);
}
