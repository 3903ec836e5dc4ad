//! Unit tests of each rendered object, one Flink rule per test, driven
//! through the same configuration and resolution path the binary uses.

use super::*;
use crate::config::loader::{ConfDir, ConfSource, parse_config_yaml};
use crate::flink::local_files::{LocalFiles, parse_pod_template};
use crate::flink::spec::{self, ClusterRequest, DeploymentMode};
use crate::flink::version::FlinkVersion;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde_json::{Value, json};

mod configuration;
mod pod_template;

pub(super) const BASE_CONFIG: &str =
    "jobmanager.memory.process.size: 1600m\ntaskmanager.memory.process.size: 1728m\n";

pub(super) fn request(dynamic: &[(&str, &str)]) -> ClusterRequest {
    ClusterRequest {
        mode: DeploymentMode::Session,
        version: FlinkVersion::DEFAULT,
        conf_dir: ConfDir {
            source: ConfSource::BuiltIn,
            base: parse_config_yaml(BASE_CONFIG, "test").expect("base config"),
            log_files: vec![(
                "log4j-console.properties".into(),
                "rootLogger.level = INFO\n".into(),
            )],
            legacy_file: false,
        },
        dynamic: dynamic
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        cluster_id: Some("c1".into()),
        namespace_flag: Some("ns".into()),
        context_namespace: None,
        program: None,
    }
}

pub(super) fn render_with(dynamic: &[(&str, &str)], local: LocalFiles) -> RenderedCluster {
    let request = request(dynamic);
    let conf = spec::effective_configuration(&request);
    let spec = spec::resolve(&request, conf, local).expect("resolve");
    render(&spec).expect("render")
}

pub(super) fn rendered(dynamic: &[(&str, &str)]) -> RenderedCluster {
    render_with(dynamic, LocalFiles::default())
}

pub(super) fn pod_spec(cluster: &RenderedCluster) -> &PodSpec {
    cluster
        .deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("pod spec")
}

pub(super) fn main_container(cluster: &RenderedCluster) -> &Container {
    pod_spec(cluster).containers.last().expect("main container")
}

pub(super) fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("json")
}

pub(super) fn service<'a>(
    cluster: &'a RenderedCluster,
    name: &str,
) -> &'a k8s_openapi::api::core::v1::Service {
    cluster
        .accompanying
        .iter()
        .find_map(|o| match o {
            Accompanying::Service(s) if s.metadata.name.as_deref() == Some(name) => Some(s),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no service {name}"))
}

pub(super) fn config_yaml(cluster: &RenderedCluster) -> Value {
    let text = cluster
        .accompanying
        .iter()
        .find_map(|o| match o {
            Accompanying::ConfigMap(c) if c.metadata.name.as_deref() == Some("flink-config-c1") => {
                c.data.as_ref().and_then(|d| d.get("config.yaml")).cloned()
            }
            _ => None,
        })
        .expect("config.yaml");
    parse_config_yaml(&text, "shipped").expect("shipped config parses");
    // Read with the YAML types kept (the loader keeps lists as flow text, as
    // Flink does), flattened to dotted keys.
    let mut flat = serde_json::Map::new();
    fn flatten(prefix: &str, value: Value, out: &mut serde_json::Map<String, Value>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(&key, v, out);
                }
            }
            other => {
                out.insert(prefix.to_string(), other);
            }
        }
    }
    flatten("", serde_saphyr::from_str(&text).expect("yaml"), &mut flat);
    Value::Object(flat)
}

#[test]
fn resources_follow_limit_factors_with_java_number_formatting() {
    let cluster = rendered(&[
        ("kubernetes.jobmanager.cpu.amount", "0.5"),
        ("kubernetes.jobmanager.cpu.limit-factor", "3"),
        ("kubernetes.jobmanager.memory.limit-factor", "1.5"),
        ("jobmanager.memory.process.size", "1g"),
    ]);
    let resources = json_of(&main_container(&cluster).resources);
    assert_eq!(
        resources["requests"],
        json!({"cpu": "0.5", "memory": "1024Mi"})
    );
    assert_eq!(
        resources["limits"],
        json!({"cpu": "1.5", "memory": "1536Mi"})
    );
}

#[test]
fn user_labels_never_override_the_selector() {
    let cluster = rendered(&[
        ("kubernetes.jobmanager.labels", "team:data,app:hijack"),
        ("kubernetes.jobmanager.annotations", "owner:me"),
    ]);
    let meta = &cluster.deployment.metadata;
    let labels = meta.labels.as_ref().expect("labels");
    assert_eq!(labels["app"], "c1");
    assert_eq!(labels["team"], "data");
    assert_eq!(
        meta.annotations.as_ref().expect("annotations")["owner"],
        "me"
    );
    let pod_meta = cluster
        .deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.metadata.as_ref())
        .expect("pod meta");
    assert_eq!(pod_meta.labels.as_ref().expect("pod labels")["app"], "c1");
    assert_eq!(
        pod_meta.annotations.as_ref().expect("pod annotations")["owner"],
        "me"
    );
}

#[test]
fn service_labels_let_the_user_win_but_selectors_stay() {
    let cluster = rendered(&[
        ("kubernetes.rest-service.labels", "tier:web"),
        ("kubernetes.rest-service.annotations", "lb:internal"),
        ("kubernetes.internal-service.labels", "tier:rpc"),
    ]);
    let rest = service(&cluster, "c1-rest");
    assert_eq!(
        rest.metadata.labels.as_ref().expect("labels")["tier"],
        "web"
    );
    assert_eq!(
        rest.metadata.annotations.as_ref().expect("annotations")["lb"],
        "internal"
    );
    assert_eq!(
        rest.spec
            .as_ref()
            .and_then(|s| s.selector.as_ref())
            .expect("selector")["component"],
        "jobmanager"
    );
    let internal = service(&cluster, "c1");
    assert_eq!(
        internal.metadata.labels.as_ref().expect("labels")["tier"],
        "rpc"
    );
}

#[test]
fn each_exposed_type_renders_its_service() {
    for (option, kind, cluster_ip) in [
        ("ClusterIP", "ClusterIP", None),
        ("NodePort", "NodePort", None),
        ("LoadBalancer", "LoadBalancer", None),
        ("Headless_ClusterIP", "ClusterIP", Some("None")),
    ] {
        let cluster = rendered(&[("kubernetes.rest-service.exposed.type", option)]);
        let spec = service(&cluster, "c1-rest").spec.clone().expect("spec");
        assert_eq!(spec.type_.as_deref(), Some(kind), "{option}");
        assert_eq!(spec.cluster_ip.as_deref(), cluster_ip, "{option}");
    }
}

#[test]
fn rest_port_and_bind_port_split_into_port_and_target_port() {
    let cluster = rendered(&[("rest.port", "8082"), ("rest.bind-port", "9091")]);
    let port = json_of(
        &service(&cluster, "c1-rest")
            .spec
            .as_ref()
            .expect("spec")
            .ports,
    );
    assert_eq!(
        port[0],
        json!({"name": "rest", "port": 8082, "targetPort": 9091})
    );
    let ports = json_of(&main_container(&cluster).ports);
    assert_eq!(ports[0], json!({"name": "rest", "containerPort": 8082}));
}

#[test]
fn high_availability_drops_the_internal_service_and_keeps_the_rpc_address() {
    let cluster = rendered(&[
        ("high-availability.type", "kubernetes"),
        ("high-availability.storageDir", "s3://ha"),
        ("kubernetes.jobmanager.replicas", "2"),
    ]);
    assert_eq!(
        cluster.accompanying.len(),
        2,
        "rest service and config map only"
    );
    assert_eq!(
        cluster.deployment.spec.as_ref().and_then(|s| s.replicas),
        Some(2)
    );
    let conf = config_yaml(&cluster);
    assert_eq!(conf["high-availability.cluster-id"], "c1");
    assert_eq!(conf["high-availability.jobmanager.port"], "6123");
    assert!(conf.get("jobmanager.rpc.address").is_none());
}

#[test]
fn host_network_drops_container_ports_and_changes_dns_policy() {
    let cluster = rendered(&[("kubernetes.hostnetwork.enabled", "true")]);
    let pod = pod_spec(&cluster);
    assert_eq!(pod.host_network, Some(true));
    assert_eq!(pod.dns_policy.as_deref(), Some("ClusterFirstWithHostNet"));
    assert!(main_container(&cluster).ports.is_none());
}

#[test]
fn scheduling_options_reach_the_pod() {
    let cluster = rendered(&[
        ("kubernetes.jobmanager.node-selector", "disk:ssd"),
        (
            "kubernetes.jobmanager.tolerations",
            "key:k1,operator:Equal,value:v1,effect:NoSchedule;key:k2,operator:Exists,effect:NoExecute,tolerationSeconds:30",
        ),
        ("kubernetes.container.image.pull-secrets", "regcred;other"),
        ("kubernetes.jobmanager.service-account", "flink-jm"),
    ]);
    let pod = json_of(pod_spec(&cluster));
    assert_eq!(pod["nodeSelector"], json!({"disk": "ssd"}));
    assert_eq!(
        pod["tolerations"][1],
        json!({"key": "k2", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 30})
    );
    assert_eq!(
        pod["imagePullSecrets"],
        json!([{"name": "regcred"}, {"name": "other"}])
    );
    assert_eq!(pod["serviceAccountName"], "flink-jm");
    assert_eq!(pod["serviceAccount"], "flink-jm");
}

#[test]
fn owner_reference_option_sets_the_deployments_owner() {
    let cluster = rendered(&[(
        "kubernetes.jobmanager.owner.reference",
        "apiVersion:v1,kind:ConfigMap,name:parent,uid:1234,controller:TRUE,blockOwnerDeletion:false",
    )]);
    let owners = json_of(&cluster.deployment.metadata.owner_references);
    assert_eq!(
        owners,
        json!([{"apiVersion": "v1", "kind": "ConfigMap", "name": "parent", "uid": "1234", "controller": true, "blockOwnerDeletion": false}])
    );
}

#[test]
fn command_args_log_dir_conf_dir_and_image() {
    let cluster = rendered(&[
        ("kubernetes.entry.path", "/entry.sh"),
        ("kubernetes.jobmanager.entrypoint.args", "-Dx=y"),
        ("kubernetes.flink.log.dir", "/logs"),
        ("kubernetes.flink.conf.dir", "/etc/flink"),
        ("kubernetes.container.image.ref", "my/flink:2.3"),
        ("kubernetes.container.image.pull-policy", "always"),
        ("containerized.master.env.FOO", "bar"),
    ]);
    let main = json_of(main_container(&cluster));
    assert_eq!(main["command"], json!(["/entry.sh"]));
    assert_eq!(
        main["args"],
        json!([
            "bash",
            "-c",
            "kubernetes-jobmanager.sh kubernetes-session -Dx=y"
        ])
    );
    assert_eq!(main["image"], "my/flink:2.3");
    assert_eq!(main["imagePullPolicy"], "Always");
    let names: Vec<&str> = main["env"]
        .as_array()
        .expect("env")
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["FOO", "_POD_IP_ADDRESS", "FLINK_LOG_DIR"]);
    assert_eq!(
        main["volumeMounts"][1],
        json!({"name": "flink-config-volume", "mountPath": "/etc/flink"})
    );
}

#[test]
fn rendering_is_deterministic() {
    let options = [
        ("kubernetes.secrets", "a:/a,b:/b,c:/c"),
        ("containerized.master.env.X", "1"),
    ];
    assert_eq!(rendered(&options), rendered(&options));
}
