//! Unit tests of each rendered object, one Flink rule per test, driven
//! through the same configuration and resolution path the binary uses.

use super::*;
use crate::config::loader::{ConfDir, ConfSource, parse_config_yaml};
use crate::flink::local_files::{LocalFiles, parse_pod_template};
use crate::flink::spec::{self, ClusterRequest, DeploymentMode};
use crate::flink::version::FlinkVersion;
use k8s_openapi::api::core::v1::{Container, PodSpec};
use serde_json::{Value, json};

const BASE_CONFIG: &str =
    "jobmanager.memory.process.size: 1600m\ntaskmanager.memory.process.size: 1728m\n";

fn request(dynamic: &[(&str, &str)]) -> ClusterRequest {
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

fn render_with(dynamic: &[(&str, &str)], local: LocalFiles) -> RenderedCluster {
    let request = request(dynamic);
    let conf = spec::effective_configuration(&request);
    let spec = spec::resolve(&request, conf, local).expect("resolve");
    render(&spec).expect("render")
}

fn rendered(dynamic: &[(&str, &str)]) -> RenderedCluster {
    render_with(dynamic, LocalFiles::default())
}

fn pod_spec(cluster: &RenderedCluster) -> &PodSpec {
    cluster
        .deployment
        .spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("pod spec")
}

fn main_container(cluster: &RenderedCluster) -> &Container {
    pod_spec(cluster).containers.last().expect("main container")
}

fn json_of<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("json")
}

fn service<'a>(
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

fn config_yaml(cluster: &RenderedCluster) -> Value {
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
    let parsed = parse_config_yaml(&text, "shipped").expect("shipped config parses");
    Value::Object(parsed.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
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
fn secrets_env_secrets_and_claims_become_volumes_in_flinks_order() {
    let cluster = rendered(&[
        ("kubernetes.secrets", "zeta:/z,alpha:/a"),
        (
            "kubernetes.env.secretKeyRef",
            "env:USER,secret:creds,key:user",
        ),
        ("kubernetes.persistent-volume-claims", "data.claim:/data"),
        ("kubernetes.persistent-volume-claim-read-only", "true"),
    ]);
    let pod = json_of(pod_spec(&cluster));
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    // Java's HashMap iterates "zeta" before "alpha" (see config::syntax tests).
    assert_eq!(
        volumes,
        [
            "user-artifacts-volume",
            "zeta-volume",
            "alpha-volume",
            "data-claim-pvc",
            "flink-config-volume"
        ]
    );
    assert_eq!(
        pod["volumes"][3]["persistentVolumeClaim"],
        json!({"claimName": "data.claim", "readOnly": true})
    );
    let main = json_of(main_container(&cluster));
    assert_eq!(
        main["env"][1]["valueFrom"]["secretKeyRef"],
        json!({"name": "creds", "key": "user"})
    );
    assert_eq!(
        main["volumeMounts"][3],
        json!({"name": "data-claim-pvc", "mountPath": "/data", "readOnly": true})
    );
}

#[test]
fn pod_template_merges_with_flinks_rules() {
    let template = parse_pod_template(
        "jm.yaml",
        r#"
apiVersion: v1
kind: Pod
metadata:
  labels: {app: from-template, extra: yes-please}
  annotations: {a: template}
spec:
  serviceAccountName: template-sa
  dnsPolicy: Default
  initContainers: [{name: init, image: busybox}]
  imagePullSecrets: [{name: template-secret}]
  nodeSelector: {zone: a, disk: hdd}
  volumes: [{name: scratch, emptyDir: {}}]
  containers:
  - name: sidecar
    image: fluentbit
  - name: flink-main-container
    image: template/image:1
    command: [ignored]
    env: [{name: FROM_TEMPLATE, value: "1"}]
    ports: [{name: metrics, containerPort: 9249}]
    resources:
      requests: {ephemeral-storage: 1Gi, cpu: "9"}
    volumeMounts: [{name: scratch, mountPath: /scratch}]
"#,
    )
    .expect("template");
    let local = LocalFiles {
        jobmanager_pod_template: Some(template),
        ..LocalFiles::default()
    };
    let cluster = render_with(
        &[("kubernetes.jobmanager.node-selector", "disk:ssd")],
        local,
    );
    let pod = json_of(pod_spec(&cluster));
    assert_eq!(
        pod["serviceAccount"], "template-sa",
        "template beats the default"
    );
    assert_eq!(pod["dnsPolicy"], "Default");
    assert_eq!(pod["initContainers"][0]["name"], "init");
    assert_eq!(pod["nodeSelector"], json!({"zone": "a", "disk": "ssd"}));
    let containers: Vec<&str> = pod["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        containers,
        ["sidecar", "flink-main-container"],
        "main container last"
    );
    let main = &pod["containers"][1];
    assert_eq!(
        main["image"], "template/image:1",
        "template beats the default image"
    );
    assert_eq!(
        main["command"],
        json!(["/docker-entrypoint.sh"]),
        "command always overwritten"
    );
    assert_eq!(main["env"][0]["name"], "FROM_TEMPLATE");
    assert_eq!(main["ports"][0]["name"], "metrics");
    assert_eq!(main["resources"]["requests"]["ephemeral-storage"], "1Gi");
    assert_eq!(
        main["resources"]["requests"]["cpu"], "1.0",
        "cpu overwritten"
    );
    assert_eq!(pod["volumes"][0]["name"], "scratch");
    assert_eq!(main["volumeMounts"][0]["name"], "scratch");
    let pod_labels = json_of(
        &cluster
            .deployment
            .spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.clone()),
    );
    assert_eq!(pod_labels["app"], "c1", "selector wins over the template");
    assert_eq!(pod_labels["extra"], "yes-please");

    let explicit = render_with(
        &[
            ("kubernetes.container.image.ref", "explicit:2"),
            ("kubernetes.service-account", "explicit-sa"),
        ],
        LocalFiles {
            jobmanager_pod_template: pod_spec(&cluster).clone().into_template(),
            ..LocalFiles::default()
        },
    );
    assert_eq!(
        main_container(&explicit).image.as_deref(),
        Some("explicit:2")
    );
    assert_eq!(
        pod_spec(&explicit).service_account.as_deref(),
        Some("explicit-sa")
    );
}

trait IntoTemplate {
    fn into_template(self) -> Option<k8s_openapi::api::core::v1::Pod>;
}

impl IntoTemplate for PodSpec {
    fn into_template(self) -> Option<k8s_openapi::api::core::v1::Pod> {
        Some(k8s_openapi::api::core::v1::Pod {
            spec: Some(self),
            ..Default::default()
        })
    }
}

#[test]
fn taskmanager_template_and_hadoop_conf_travel_in_config_maps() {
    let local = LocalFiles {
        taskmanager_pod_template: Some("apiVersion: v1\nkind: Pod\n".into()),
        hadoop_conf_files: vec![("core-site.xml".into(), "<configuration/>".into())],
        ..LocalFiles::default()
    };
    let cluster = render_with(&[], local);
    let names: Vec<String> = cluster
        .accompanying
        .iter()
        .map(|o| format!("{}/{}", o.kind(), o.name()))
        .collect();
    assert_eq!(
        names,
        [
            "Service/c1",
            "Service/c1-rest",
            "ConfigMap/hadoop-config-c1",
            "ConfigMap/flink-config-c1",
            "ConfigMap/pod-template-c1"
        ]
    );
    let main = json_of(main_container(&cluster));
    let mounts: Vec<&str> = main["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert_eq!(
        mounts,
        [
            "/opt/flink/artifacts",
            "/opt/hadoop/conf",
            "/opt/flink/conf",
            "/opt/flink/pod-template"
        ]
    );
    assert_eq!(
        main["env"][1],
        json!({"name": "HADOOP_CONF_DIR", "value": "/opt/hadoop/conf"})
    );

    let existing = rendered(&[("kubernetes.hadoop.conf.config-map.name", "my-hadoop")]);
    let pod = json_of(pod_spec(&existing));
    assert_eq!(pod["volumes"][1]["configMap"], json!({"name": "my-hadoop"}));
    assert_eq!(
        existing.accompanying.len(),
        3,
        "an existing ConfigMap is mounted, not created"
    );
}

#[test]
fn shipped_configuration_has_flinks_rewrites() {
    let cluster = rendered(&[
        ("rest.bind-address", "0.0.0.0"),
        ("kubernetes.config.file", "/home/me/.kube/config"),
        ("taskmanager.host", "localhost"),
    ]);
    let conf = config_yaml(&cluster);
    for removed in [
        "rest.bind-address",
        "kubernetes.config.file",
        "taskmanager.host",
    ] {
        assert!(conf.get(removed).is_none(), "{removed} must not be shipped");
    }
    assert_eq!(conf["blob.server.port"], "6124");
    assert_eq!(conf["taskmanager.rpc.port"], "6122");
    assert_eq!(conf["jobmanager.rpc.address"], "c1.ns");
    assert_eq!(conf["kubernetes.namespace"], "ns");
    assert_eq!(conf["execution.target"], "kubernetes-session");
    assert_eq!(conf["internal.cluster.execution-mode"], "NORMAL");
}

#[test]
fn application_program_goes_into_the_configuration() {
    let mut request = request(&[]);
    request.mode = DeploymentMode::Application;
    request.program = Some(crate::flink::program::Program {
        jar_uri: "s3://jobs/etl.jar".into(),
        entry_class: Some("com.example.Etl".into()),
        parallelism: Some(4),
        args: vec!["--date".into(), "2026-11-27".into()],
        savepoint_path: Some("s3://sp/1".into()),
        allow_non_restored_state: true,
        claim_mode: Some("CLAIM".into()),
        detached: true,
    });
    let conf = spec::effective_configuration(&request);
    let spec = spec::resolve(&request, conf, LocalFiles::default()).expect("resolve");
    let cluster = render(&spec).expect("render");
    let conf = config_yaml(&cluster);
    assert_eq!(conf["pipeline.jars"], json!(["s3://jobs/etl.jar"]));
    assert_eq!(conf["$internal.application.main"], "com.example.Etl");
    assert_eq!(
        conf["$internal.application.program-args"],
        json!(["--date", "2026-11-27"])
    );
    assert_eq!(conf["parallelism.default"], 4);
    assert_eq!(conf["execution.state-recovery.path"], "s3://sp/1");
    assert_eq!(
        conf["execution.state-recovery.ignore-unclaimed-state"],
        true
    );
    assert_eq!(conf["execution.state-recovery.claim-mode"], "CLAIM");
    assert_eq!(conf["execution.attached"], false);
    assert_eq!(
        main_container(&cluster).args.as_ref().expect("args")[2],
        "kubernetes-jobmanager.sh kubernetes-application "
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

#[test]
fn unsupported_features_are_refused_rather_than_rendered_differently() {
    let request = request(&[
        ("security.kerberos.login.keytab", "/k.keytab"),
        ("security.kerberos.login.principal", "me@REALM"),
    ]);
    let conf = spec::effective_configuration(&request);
    let err = spec::resolve(&request, conf, LocalFiles::default()).unwrap_err();
    assert!(
        err.to_string().contains("kerberos-mount.enabled=false"),
        "{err}"
    );
}
