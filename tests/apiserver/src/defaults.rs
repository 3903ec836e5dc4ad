//! Defaulting the real server applies on create and update, for the fields that our
//! tools and Flink read back (Deployment strategy, Service ports and clusterIP, Pod phase).

use crate::meta;
use crate::resources::ResourceType;
use serde_json::{Value, json};

/// Allocates Service cluster IPs and node ports, like the apiserver's allocators.
#[derive(Debug)]
pub struct Allocator {
    next_cluster_ip: u32,
    next_node_port: u16,
}

impl Default for Allocator {
    fn default() -> Self {
        Allocator {
            next_cluster_ip: 10,
            next_node_port: 30000,
        }
    }
}

impl Allocator {
    fn cluster_ip(&mut self) -> String {
        let n = self.next_cluster_ip;
        self.next_cluster_ip += 1;
        format!("10.96.{}.{}", n / 250, n % 250 + 1)
    }

    fn node_port(&mut self) -> u16 {
        let p = self.next_node_port;
        self.next_node_port = if p >= 32767 { 30000 } else { p + 1 };
        p
    }
}

fn set_default(obj: &mut Value, field: &str, value: Value) {
    if obj.get(field).is_none_or(Value::is_null) {
        obj[field] = value;
    }
}

/// Defaults of a pod spec (also used inside Deployment and ReplicaSet templates).
pub fn default_pod_spec(spec: &mut Value) {
    if !spec.is_object() {
        return;
    }
    set_default(spec, "restartPolicy", json!("Always"));
    set_default(spec, "dnsPolicy", json!("ClusterFirst"));
    set_default(spec, "schedulerName", json!("default-scheduler"));
    set_default(spec, "terminationGracePeriodSeconds", json!(30));
    set_default(spec, "securityContext", json!({}));
    for list in ["containers", "initContainers"] {
        if let Some(cs) = spec.get_mut(list).and_then(Value::as_array_mut) {
            for c in cs {
                set_default(c, "terminationMessagePath", json!("/dev/termination-log"));
                set_default(c, "terminationMessagePolicy", json!("File"));
                let image = c["image"].as_str().unwrap_or("").to_string();
                let tag = image.rsplit('/').next().unwrap_or("");
                let latest = !tag.contains(':') || tag.ends_with(":latest");
                set_default(
                    c,
                    "imagePullPolicy",
                    json!(if latest { "Always" } else { "IfNotPresent" }),
                );
                if let Some(ports) = c.get_mut("ports").and_then(Value::as_array_mut) {
                    for p in ports {
                        set_default(p, "protocol", json!("TCP"));
                    }
                }
            }
        }
    }
}

fn qos_class(spec: &Value) -> &'static str {
    let containers = spec["containers"].as_array().cloned().unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let req = &c["resources"]["requests"];
        let lim = &c["resources"]["limits"];
        if req.as_object().is_some_and(|m| !m.is_empty())
            || lim.as_object().is_some_and(|m| !m.is_empty())
        {
            any = true;
        }
        for r in ["cpu", "memory"] {
            let l = lim.get(r);
            let q = req.get(r).or(l);
            if l.is_none() || q != l {
                guaranteed = false;
            }
        }
    }
    if guaranteed {
        "Guaranteed"
    } else if any {
        "Burstable"
    } else {
        "BestEffort"
    }
}

/// Applies the real server's defaults for a resource type.
pub fn apply(rt: &ResourceType, obj: &mut Value, alloc: &mut Allocator) {
    match (rt.group, rt.plural) {
        ("apps", "deployments") => {
            let spec = &mut obj["spec"];
            set_default(spec, "replicas", json!(1));
            set_default(spec, "revisionHistoryLimit", json!(10));
            set_default(spec, "progressDeadlineSeconds", json!(600));
            set_default(
                spec,
                "strategy",
                json!({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}),
            );
            if spec["strategy"]["type"] == "RollingUpdate" {
                set_default(
                    &mut spec["strategy"],
                    "rollingUpdate",
                    json!({"maxUnavailable": "25%", "maxSurge": "25%"}),
                );
            }
            default_pod_spec(&mut spec["template"]["spec"]);
        }
        ("apps", "replicasets") => {
            set_default(&mut obj["spec"], "replicas", json!(1));
            default_pod_spec(&mut obj["spec"]["template"]["spec"]);
        }
        ("", "pods") => {
            default_pod_spec(&mut obj["spec"]);
            set_default(&mut obj["spec"], "serviceAccountName", json!("default"));
            set_default(&mut obj["spec"], "enableServiceLinks", json!(true));
            let qos = qos_class(&obj["spec"]);
            set_default(obj, "status", json!({}));
            set_default(&mut obj["status"], "phase", json!("Pending"));
            set_default(&mut obj["status"], "qosClass", json!(qos));
        }
        ("", "services") => default_service(obj, alloc),
        ("", "namespaces") => {
            let name = meta::name(obj).to_string();
            let labels = meta::metadata_mut(obj)
                .entry("labels")
                .or_insert_with(|| json!({}));
            labels["kubernetes.io/metadata.name"] = json!(name);
            set_default(obj, "spec", json!({"finalizers": ["kubernetes"]}));
            set_default(obj, "status", json!({"phase": "Active"}));
        }
        ("", "secrets") => set_default(obj, "type", json!("Opaque")),
        _ => {}
    }
}

fn default_service(obj: &mut Value, alloc: &mut Allocator) {
    let spec = &mut obj["spec"];
    if !spec.is_object() {
        *spec = json!({});
    }
    set_default(spec, "type", json!("ClusterIP"));
    set_default(spec, "sessionAffinity", json!("None"));
    let ty = spec["type"].as_str().unwrap_or("ClusterIP").to_string();
    if ty != "ExternalName" {
        if spec["clusterIP"].as_str().is_none_or(str::is_empty) {
            spec["clusterIP"] = json!(alloc.cluster_ip());
        }
        let ip = spec["clusterIP"].clone();
        set_default(spec, "clusterIPs", json!([ip]));
        set_default(spec, "ipFamilies", json!(["IPv4"]));
        set_default(spec, "ipFamilyPolicy", json!("SingleStack"));
        set_default(spec, "internalTrafficPolicy", json!("Cluster"));
    }
    let wants_node_port = ty == "NodePort" || ty == "LoadBalancer";
    if wants_node_port {
        set_default(spec, "externalTrafficPolicy", json!("Cluster"));
    }
    if ty == "LoadBalancer" {
        set_default(spec, "allocateLoadBalancerNodePorts", json!(true));
    }
    if let Some(ports) = spec.get_mut("ports").and_then(Value::as_array_mut) {
        for p in ports {
            set_default(p, "protocol", json!("TCP"));
            let port = p["port"].clone();
            set_default(p, "targetPort", port);
            if wants_node_port && p.get("nodePort").is_none_or(Value::is_null) {
                p["nodePort"] = json!(alloc.node_port());
            }
        }
    }
    set_default(obj, "status", json!({"loadBalancer": {}}));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    // Kubernetes API reference: Deployment spec.replicas defaults to 1, revisionHistoryLimit
    // to 10, strategy to RollingUpdate 25%/25%; a Service port's targetPort defaults to its
    // port and protocol to TCP; NodePort Services get a port from 30000-32767.
    #[test]
    fn defaults_match_the_api_reference() {
        let mut alloc = Allocator::default();
        let mut d = json!({"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "flink:2.3"}]}}}});
        apply(
            resources::find("apps", "deployments").unwrap(),
            &mut d,
            &mut alloc,
        );
        assert_eq!(d["spec"]["replicas"], 1);
        assert_eq!(d["spec"]["revisionHistoryLimit"], 10);
        assert_eq!(d["spec"]["strategy"]["rollingUpdate"]["maxSurge"], "25%");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
            "IfNotPresent"
        );

        let mut s =
            json!({"spec": {"type": "NodePort", "ports": [{"name": "rest", "port": 8081}]}});
        apply(resources::find("", "services").unwrap(), &mut s, &mut alloc);
        let p = &s["spec"]["ports"][0];
        assert_eq!(
            (p["targetPort"].clone(), p["protocol"].clone()),
            (json!(8081), json!("TCP"))
        );
        assert!((30000..=32767).contains(&p["nodePort"].as_u64().unwrap()));
        assert!(
            s["spec"]["clusterIP"]
                .as_str()
                .unwrap()
                .starts_with("10.96.")
        );
    }
}
