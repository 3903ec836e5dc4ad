//! The simulated control plane and kubelet: Deployments get ReplicaSets, ReplicaSets get
//! Pods ([`workloads`]); Pods get scheduled and become Running and Ready after a delay, or
//! fail as a test asked ([`kubelet`]); LoadBalancers get an ingress and Endpoints track
//! ready pods ([`networking`]). Every write goes through the store, so watches see it.

mod kubelet;
mod networking;
mod workloads;

pub use networking::resolve_target_port;

use crate::meta;
use crate::resources::{self, ResourceType};
use crate::rest;
use crate::state::State;
use crate::store::ObjKey;
use serde_json::{Value, json};
use std::time::Instant;

/// Runs every controller once; returns when something is next due (a pod becoming ready,
/// a load balancer getting its address), if anything is waiting.
pub fn reconcile(st: &mut State, now: Instant) -> Option<Instant> {
    workloads::deployments(st);
    workloads::replicasets(st);
    let mut next = kubelet::pods(st, now);
    next = earliest(next, networking::load_balancers(st, now));
    networking::endpoints(st);
    networking::endpoint_slices(st);
    next
}

pub fn rt(group: &str, plural: &str) -> &'static ResourceType {
    resources::find(group, plural).expect("known resource")
}

/// Writes `obj` if it differs from what is stored (controllers must not churn versions).
pub fn save(st: &mut State, rt: &ResourceType, obj: Value, status_only: bool) {
    let key = ObjKey::new(rt, meta::namespace(&obj), meta::name(&obj));
    if st.store.get_key(&key) == Some(&obj) {
        return;
    }
    let sub = if status_only { Some("status") } else { None };
    let _ = rest::write(st, rt, &key, obj, sub, false);
}

pub fn set_status(st: &mut State, rt: &ResourceType, obj: &Value, status: Value) {
    if obj.get("status") == Some(&status) {
        return;
    }
    let mut o = obj.clone();
    o["status"] = status;
    save(st, rt, o, true);
}

pub fn owned_by<'a>(objs: &'a [Value], owner: &Value) -> impl Iterator<Item = &'a Value> {
    let uid = meta::uid(owner).to_string();
    objs.iter().filter(move |o| {
        meta::owner_references(o)
            .iter()
            .any(|r| r["uid"] == uid.as_str() && r["controller"] == json!(true))
    })
}

pub fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

pub fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Kubernetes omits zero counters in status (they are `omitempty`).
pub fn drop_zero(mut v: Value, fields: &[&str]) -> Value {
    for f in fields {
        if v[*f] == json!(0) {
            v.as_object_mut().expect("status is an object").remove(*f);
        }
    }
    v
}
