//! The JobManager pod, built as Flink builds it: a pod (from the template,
//! or empty) passes through a fixed chain of decorators, each adding one
//! concern, in Flink's order — so our containers, env, volumes and mounts
//! come out in the same order as Flink's (`KubernetesJobManagerFactory`).

use super::labels;
use crate::config::options::HOST_NETWORK;
use crate::flink::spec::{ClusterSpec, HadoopConf};
use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    KeyToPath, LocalObjectReference, ObjectFieldSelector, PersistentVolumeClaimVolumeSource, Pod,
    PodSpec, SecretKeySelector, SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// Name Flink gives (and looks for in templates) for the Flink container.
pub const MAIN_CONTAINER_NAME: &str = "flink-main-container";
/// Where the Hadoop configuration is mounted.
pub const HADOOP_CONF_DIR_IN_POD: &str = "/opt/hadoop/conf";
/// Where the TaskManager pod template is mounted for the JobManager.
pub const POD_TEMPLATE_DIR_IN_POD: &str = "/opt/flink/pod-template";
/// File name of the TaskManager template in its ConfigMap.
pub const TASKMANAGER_TEMPLATE_FILE: &str = "taskmanager-pod-template.yaml";

/// A pod being decorated: everything but the main container, and the main container.
#[derive(Debug, Clone, Default)]
pub struct FlinkPod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub main: Container,
}

impl FlinkPod {
    /// Split a template into the main container (`flink-main-container`, or
    /// an empty one) and the rest, which stays as sidecars.
    pub fn from_template(template: Option<&Pod>) -> FlinkPod {
        let Some(template) = template else {
            return FlinkPod::default();
        };
        let mut spec = template.spec.clone().unwrap_or_default();
        let main = match spec
            .containers
            .iter()
            .position(|c| c.name == MAIN_CONTAINER_NAME)
        {
            Some(index) => spec.containers.remove(index),
            None => Container::default(),
        };
        FlinkPod {
            metadata: template.metadata.clone(),
            spec,
            main,
        }
    }

    /// The finished pod: sidecars in template order, the main container last.
    pub fn into_parts(self) -> (ObjectMeta, PodSpec) {
        let mut spec = self.spec;
        spec.containers.push(self.main);
        (self.metadata, spec)
    }
}

/// One step of the chain.
pub type Decorator = fn(&ClusterSpec, &mut FlinkPod);

/// Flink's JobManager decorators that change the pod, in Flink's order
/// (Init, EnvSecrets, MountSecrets, PersistentVolumeClaimMount, CmdJobManager,
/// HadoopConfMount, FlinkConfMount, PodTemplateMount; the service decorators
/// change nothing in the pod).
pub const DECORATORS: &[Decorator] = &[
    init_jobmanager,
    env_secrets,
    mount_secrets,
    persistent_volume_claims,
    command,
    hadoop_conf_mount,
    flink_conf_mount,
    pod_template_mount,
];

/// Run the whole chain.
pub fn jobmanager_pod(spec: &ClusterSpec) -> FlinkPod {
    let mut pod = FlinkPod::from_template(spec.jobmanager_pod_template.as_ref());
    for decorate in DECORATORS {
        decorate(spec, &mut pod);
    }
    pod
}

fn push<T>(list: &mut Option<Vec<T>>, items: impl IntoIterator<Item = T>) {
    list.get_or_insert_with(Vec::new).extend(items);
}

fn env(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value: Some(value.to_string()),
        ..EnvVar::default()
    }
}

fn mount(name: &str, path: &str) -> VolumeMount {
    VolumeMount {
        name: name.to_string(),
        mount_path: path.to_string(),
        ..VolumeMount::default()
    }
}

fn key_to_path(file: &str) -> KeyToPath {
    KeyToPath {
        key: file.to_string(),
        path: file.to_string(),
        ..KeyToPath::default()
    }
}

/// Identity, scheduling and the main container's image, resources, ports
/// and basic environment (`InitJobManagerDecorator`).
fn init_jobmanager(spec: &ClusterSpec, pod: &mut FlinkPod) {
    let pod_labels = pod.metadata.labels.take().unwrap_or_default();
    let user_and_selector =
        labels::merged_under(&spec.labels, labels::jobmanager_selector(&spec.cluster_id));
    pod.metadata.labels = Some(labels::merged(
        pod_labels,
        &user_and_selector.into_iter().collect::<Vec<_>>(),
    ));
    let annotations = labels::merged(
        pod.metadata.annotations.take().unwrap_or_default(),
        &spec.annotations,
    );
    pod.metadata.annotations = labels::non_empty_for(annotations, spec.release.writes_empty_maps);
    init_jobmanager_pod_spec(spec, pod);
    init_jobmanager_container(spec, &mut pod.main);
    if spec.release.user_artifacts_volume {
        push(
            &mut pod.spec.volumes,
            [Volume {
                name: "user-artifacts-volume".to_string(),
                empty_dir: Some(EmptyDirVolumeSource::default()),
                ..Volume::default()
            }],
        );
        push(
            &mut pod.main.volume_mounts,
            [mount("user-artifacts-volume", &spec.user_artifacts_dir)],
        );
    }
}

/// The pod-level part of `InitJobManagerDecorator`: service account, host
/// network and DNS, pull secrets, node selector, tolerations.
fn init_jobmanager_pod_spec(spec: &ClusterSpec, pod: &mut FlinkPod) {
    let template_account = pod
        .spec
        .service_account
        .clone()
        .or_else(|| pod.spec.service_account_name.clone());
    let account = match template_account {
        Some(template) if !spec.service_account_explicit => template,
        _ => spec.service_account.clone(),
    };
    if spec.release.writes_service_account {
        pod.spec.service_account = Some(account.clone());
    }
    pod.spec.service_account_name = Some(account);
    // A release without `kubernetes.hostnetwork.enabled` (before 1.15) sets
    // neither the host network nor the DNS policy.
    if spec.release.lacks_option(HOST_NETWORK.key).is_none() {
        pod.spec.host_network = Some(spec.host_network);
        pod.spec.dns_policy = Some(if spec.host_network {
            "ClusterFirstWithHostNet".to_string()
        } else {
            pod.spec
                .dns_policy
                .clone()
                .filter(|p| !p.trim().is_empty())
                .unwrap_or_else(|| "ClusterFirst".to_string())
        });
    }
    if !spec.image_pull_secrets.is_empty() {
        push(
            &mut pod.spec.image_pull_secrets,
            spec.image_pull_secrets
                .iter()
                .map(|name| LocalObjectReference { name: name.clone() }),
        );
    }
    if !spec.node_selector.is_empty() || spec.release.writes_empty_maps {
        let selector = pod.spec.node_selector.take().unwrap_or_default();
        pod.spec.node_selector = Some(labels::merged(selector, &spec.node_selector));
    }
    if !spec.tolerations.is_empty() {
        push(&mut pod.spec.tolerations, spec.tolerations.iter().cloned());
    }
}

/// The main container's part of `InitJobManagerDecorator`: name, image,
/// resources, ports and environment.
fn init_jobmanager_container(spec: &ClusterSpec, main: &mut Container) {
    main.name = spec.release.main_container_name.to_string();
    main.image = match main.image.take() {
        Some(template) if !spec.image_explicit => Some(template),
        _ => Some(spec.image.clone()),
    };
    main.image_pull_policy = match main.image_pull_policy.take() {
        Some(template) if !spec.image_pull_policy_explicit => Some(template),
        _ => Some(spec.image_pull_policy.clone()),
    };
    let mut resources = main.resources.take().unwrap_or_default();
    let requests = resources.requests.get_or_insert_with(Default::default);
    requests.insert("cpu".into(), Quantity(spec.cpu_request.clone()));
    requests.insert(
        "memory".into(),
        Quantity(format!("{}Mi", spec.memory_request_mib)),
    );
    let limits = resources.limits.get_or_insert_with(Default::default);
    limits.insert("cpu".into(), Quantity(spec.cpu_limit.clone()));
    limits.insert(
        "memory".into(),
        Quantity(format!("{}Mi", spec.memory_limit_mib)),
    );
    main.resources = Some(resources);
    if !spec.host_network {
        let port = |name: &str, port: i32| ContainerPort {
            name: Some(name.to_string()),
            container_port: port,
            ..ContainerPort::default()
        };
        push(
            &mut main.ports,
            [
                port(labels::REST_PORT_NAME, spec.rest_port),
                port("jobmanager-rpc", spec.rpc_port),
                port("blobserver", spec.blob_port),
            ],
        );
    }
    let master_env = crate::config::syntax::java_hash_map_order(spec.master_env.clone());
    push(&mut main.env, master_env.iter().map(|(k, v)| env(k, v)));
    push(
        &mut main.env,
        [EnvVar {
            name: "_POD_IP_ADDRESS".to_string(),
            value_from: Some(EnvVarSource {
                field_ref: Some(ObjectFieldSelector {
                    api_version: Some("v1".to_string()),
                    field_path: "status.podIP".to_string(),
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        }],
    );
    if let Some(dir) = &spec.log_dir {
        push(&mut main.env, [env("FLINK_LOG_DIR", dir)]);
    }
}

/// `kubernetes.env.secretKeyRef` (`EnvSecretsDecorator`).
fn env_secrets(spec: &ClusterSpec, pod: &mut FlinkPod) {
    if spec.env_secret_key_refs.is_empty() {
        return;
    }
    push(
        &mut pod.main.env,
        spec.env_secret_key_refs
            .iter()
            .map(|(name, secret, key)| EnvVar {
                name: name.clone(),
                value_from: Some(EnvVarSource {
                    secret_key_ref: Some(SecretKeySelector {
                        name: secret.clone(),
                        key: key.clone(),
                        ..SecretKeySelector::default()
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            }),
    );
}

/// `kubernetes.secrets` as volumes (`MountSecretsDecorator`).
fn mount_secrets(spec: &ClusterSpec, pod: &mut FlinkPod) {
    for (secret, path) in &spec.secrets {
        let volume = format!("{secret}-volume");
        push(
            &mut pod.spec.volumes,
            [Volume {
                name: volume.clone(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(secret.clone()),
                    ..SecretVolumeSource::default()
                }),
                ..Volume::default()
            }],
        );
        push(&mut pod.main.volume_mounts, [mount(&volume, path)]);
    }
}

/// `kubernetes.persistent-volume-claims` (`PersistentVolumeClaimMountDecorator`).
fn persistent_volume_claims(spec: &ClusterSpec, pod: &mut FlinkPod) {
    let read_only = spec.persistent_volume_claims_read_only;
    for (claim, path) in &spec.persistent_volume_claims {
        let volume = format!("{}-pvc", claim.replace('.', "-"));
        push(
            &mut pod.spec.volumes,
            [Volume {
                name: volume.clone(),
                persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                    claim_name: claim.clone(),
                    read_only: Some(read_only),
                }),
                ..Volume::default()
            }],
        );
        push(
            &mut pod.main.volume_mounts,
            [VolumeMount {
                read_only: Some(read_only),
                ..mount(&volume, path)
            }],
        );
    }
}

/// The container command and arguments (`CmdJobManagerDecorator`): the
/// release's start script, or (1.12) the whole `java` command line.
fn command(spec: &ClusterSpec, pod: &mut FlinkPod) {
    pod.main.command = Some(vec![spec.entry_path.clone()]);
    if let Some(java) = &spec.java_command_line {
        pod.main.args = Some(vec!["native-k8s".to_string(), java.clone()]);
        return;
    }
    pod.main.args = Some(vec![
        "bash".to_string(),
        "-c".to_string(),
        if spec.release.entrypoint_args {
            format!(
                "kubernetes-jobmanager.sh {} {}",
                spec.mode.target(),
                spec.entrypoint_args
            )
        } else {
            format!("kubernetes-jobmanager.sh {}", spec.mode.target())
        },
    ]);
}

/// The Hadoop configuration (`HadoopConfMountDecorator`).
fn hadoop_conf_mount(spec: &ClusterSpec, pod: &mut FlinkPod) {
    let source = match &spec.hadoop {
        HadoopConf::None => return,
        HadoopConf::ExistingConfigMap(name) => ConfigMapVolumeSource {
            name: name.clone(),
            ..ConfigMapVolumeSource::default()
        },
        HadoopConf::Files(files) => ConfigMapVolumeSource {
            name: super::configmaps::hadoop_config_map_name(&spec.cluster_id),
            items: Some(files.iter().map(|(name, _)| key_to_path(name)).collect()),
            ..ConfigMapVolumeSource::default()
        },
    };
    push(
        &mut pod.spec.volumes,
        [Volume {
            name: "hadoop-config-volume".to_string(),
            config_map: Some(source),
            ..Volume::default()
        }],
    );
    push(
        &mut pod.main.volume_mounts,
        [mount("hadoop-config-volume", HADOOP_CONF_DIR_IN_POD)],
    );
    push(
        &mut pod.main.env,
        [env("HADOOP_CONF_DIR", HADOOP_CONF_DIR_IN_POD)],
    );
}

/// The Flink configuration and logging files (`FlinkConfMountDecorator`).
fn flink_conf_mount(spec: &ClusterSpec, pod: &mut FlinkPod) {
    let items = spec
        .log_files
        .iter()
        .map(|(name, _)| name.as_str())
        .chain([spec.config_file_name])
        .map(key_to_path)
        .collect();
    push(
        &mut pod.spec.volumes,
        [Volume {
            name: "flink-config-volume".to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: super::configmaps::flink_config_map_name(&spec.cluster_id),
                items: Some(items),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        }],
    );
    push(
        &mut pod.main.volume_mounts,
        [mount("flink-config-volume", &spec.conf_mount_path)],
    );
}

/// The TaskManager pod template, for the JobManager to use (`PodTemplateMountDecorator`).
fn pod_template_mount(spec: &ClusterSpec, pod: &mut FlinkPod) {
    if spec.taskmanager_pod_template.is_none() {
        return;
    }
    push(
        &mut pod.spec.volumes,
        [Volume {
            name: "pod-template-volume".to_string(),
            config_map: Some(ConfigMapVolumeSource {
                name: super::configmaps::pod_template_config_map_name(&spec.cluster_id),
                items: Some(vec![key_to_path(TASKMANAGER_TEMPLATE_FILE)]),
                ..ConfigMapVolumeSource::default()
            }),
            ..Volume::default()
        }],
    );
    push(
        &mut pod.main.volume_mounts,
        [mount("pod-template-volume", POD_TEMPLATE_DIR_IN_POD)],
    );
}
