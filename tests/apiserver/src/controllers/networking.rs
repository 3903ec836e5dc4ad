//! Service networking: LoadBalancer ingress after a delay, and Endpoints listing the ready
//! (and not ready) pods behind each Service.

use super::{earliest, is_ready, rt, save, set_status};
use crate::meta;
use crate::rest;
use crate::selectors::LabelSelector;
use crate::state::State;
use crate::store::ObjKey;
use serde_json::{Value, json};
use std::time::Instant;

pub fn load_balancers(st: &mut State, now: Instant) -> Option<Instant> {
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

pub fn endpoints(st: &mut State) {
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

/// EndpointSlices (`discovery.k8s.io/v1`) for Services with selectors, owned by the
/// Service (so they go with it), labelled `kubernetes.io/service-name` like the real ones.
pub fn endpoint_slices(st: &mut State) {
    let (srt, ert, prt) = (
        rt("", "services"),
        rt("discovery.k8s.io", "endpointslices"),
        rt("", "pods"),
    );
    for svc in st.store.list(srt, None) {
        let Some(sel) = svc["spec"]["selector"]
            .as_object()
            .filter(|m| !m.is_empty())
        else {
            continue;
        };
        if meta::is_deleting(&svc) {
            continue;
        }
        let sel = LabelSelector::from_map(sel);
        let ns = meta::namespace(&svc).to_string();
        let pods: Vec<Value> = st
            .store
            .list(prt, Some(&ns))
            .into_iter()
            .filter(|p| sel.matches(p) && p["status"]["podIP"].is_string())
            .collect();
        let endpoints: Vec<Value> = pods
            .iter()
            .map(|p| {
                let ready = is_ready(p) && !meta::is_deleting(p);
                json!({"addresses": [p["status"]["podIP"]], "nodeName": p["spec"]["nodeName"],
                       "conditions": {"ready": ready, "serving": ready, "terminating": meta::is_deleting(p)},
                       "targetRef": {"kind": "Pod", "namespace": ns, "name": meta::name(p), "uid": meta::uid(p)}})
            })
            .collect();
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
                json!({"name": sp["name"].as_str().unwrap_or(""), "port": port, "protocol": sp["protocol"]})
            })
            .collect();
        let name = format!(
            "{}-{}",
            meta::name(&svc),
            meta::safe_encode(meta::fnv1a(meta::uid(&svc).as_bytes()), 5)
        );
        let mut slice = json!({
            "metadata": {"name": name, "namespace": ns,
                "labels": {"kubernetes.io/service-name": meta::name(&svc),
                           "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                "ownerReferences": [meta::controller_ref(&svc)]},
            "addressType": "IPv4", "endpoints": endpoints, "ports": ports,
        });
        match st.store.get(ert, &ns, &name).cloned() {
            Some(current) => {
                if current["endpoints"] != slice["endpoints"] || current["ports"] != slice["ports"]
                {
                    let mut updated = current.clone();
                    updated["endpoints"] = slice["endpoints"].take();
                    updated["ports"] = slice["ports"].take();
                    save(st, ert, updated, false);
                }
            }
            None => {
                let _ = rest::create(st, ert, &ns, slice, false);
            }
        }
    }
}
