//! From configuration to a [`ClusterSpec`]: every value the renderer needs,
//! resolved and validated, plus the configuration the cluster will read —
//! with every key Flink's client adds, rewrites or removes before shipping it.
//! This mirrors Flink's `KubernetesJobManagerParameters` and the client-side
//! steps of `KubernetesClusterDescriptor` (reference §1.2).

use super::java::double_to_string;
use super::local_files::LocalFiles;
use super::memory::jobmanager_memory;
use super::program::Program;
use super::version::{FlinkVersion, ReleaseTraits};

mod checks;
mod jobmanager;
mod program;
mod start_command;
mod values;

use crate::config::loader::ConfDir;
use crate::config::options::*;
use crate::config::{ConfigError, Configuration};
use checks::{reject_unsupported, validate_volumes};
use jobmanager::*;
use k8s_openapi::api::core::v1::{Pod, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use program::write_program;
pub use values::ha_enabled;
use values::*;

/// Session or application cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeploymentMode {
    Session,
    Application,
}

impl DeploymentMode {
    /// `session` or `application`, as messages name a cluster's mode.
    pub fn word(self) -> &'static str {
        match self {
            DeploymentMode::Session => "session",
            DeploymentMode::Application => "application",
        }
    }

    /// `session` or `app`: the command group of kubectl-flink that acts on
    /// a cluster of this mode.
    pub fn command_group(self) -> &'static str {
        match self {
            DeploymentMode::Session => "session",
            DeploymentMode::Application => "app",
        }
    }

    /// The `execution.target` Flink's client writes.
    pub fn target(self) -> &'static str {
        match self {
            DeploymentMode::Session => "kubernetes-session",
            DeploymentMode::Application => "kubernetes-application",
        }
    }

    /// The JobManager's entrypoint class.
    pub fn entrypoint_class(self) -> &'static str {
        match self {
            DeploymentMode::Session => {
                "org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint"
            }
            DeploymentMode::Application => {
                "org.apache.flink.kubernetes.entrypoint.KubernetesApplicationClusterEntrypoint"
            }
        }
    }
}

/// How the REST Service is exposed (`kubernetes.rest-service.exposed.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExposedType {
    ClusterIP,
    NodePort,
    LoadBalancer,
    HeadlessClusterIP,
}

/// Where the Hadoop configuration of the pods comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum HadoopConf {
    None,
    /// `kubernetes.hadoop.conf.config-map.name`: mount an existing ConfigMap.
    ExistingConfigMap(String),
    /// Local `core-site.xml`/`hdfs-site.xml`, shipped in `hadoop-config-<id>`.
    Files(Vec<(String, String)>),
}

/// What the caller decided before resolving: identity, placement and job.
#[derive(Debug, Clone)]
pub struct ClusterRequest {
    pub mode: DeploymentMode,
    pub version: FlinkVersion,
    pub conf_dir: ConfDir,
    /// `-D` options in the order given.
    pub dynamic: Vec<(String, String)>,
    /// The id from the command line (positional or `--cluster-id`).
    pub cluster_id: Option<String>,
    /// `-n/--namespace`.
    pub namespace_flag: Option<String>,
    /// The kubeconfig context's namespace, if it has one.
    pub context_namespace: Option<String>,
    pub program: Option<Program>,
}

/// Everything the renderer needs, resolved. Rendering reads only this.
#[derive(Debug, Clone)]
pub struct ClusterSpec {
    pub mode: DeploymentMode,
    pub version: FlinkVersion,
    pub release: &'static ReleaseTraits,
    /// The config file shipped in the ConfigMap (`config.yaml` or `flink-conf.yaml`).
    pub config_file_name: &'static str,
    pub cluster_id: String,
    /// True when the id was generated because none was given.
    pub cluster_id_generated: bool,
    pub namespace: String,
    pub image: String,
    pub image_pull_policy: String,
    /// Whether the user set image / pull policy / service account (they beat the pod template).
    pub image_explicit: bool,
    pub image_pull_policy_explicit: bool,
    pub service_account_explicit: bool,
    pub image_pull_secrets: Vec<String>,
    pub entry_path: String,
    pub entrypoint_args: String,
    /// The whole `java` command line that starts the JobManager, for the
    /// releases that write it instead of `kubernetes-jobmanager.sh` (1.12).
    pub java_command_line: Option<String>,
    pub conf_mount_path: String,
    pub log_dir: Option<String>,
    pub host_network: bool,
    pub service_account: String,
    pub replicas: i32,
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request_mib: u64,
    pub memory_limit_mib: u64,
    pub labels: Vec<(String, String)>,
    pub annotations: Vec<(String, String)>,
    pub node_selector: Vec<(String, String)>,
    pub tolerations: Vec<Toleration>,
    pub owner_references: Vec<OwnerReference>,
    pub master_env: Vec<(String, String)>,
    /// `(secret, mount path)` in the order Flink iterates them.
    pub secrets: Vec<(String, String)>,
    /// `(env name, secret, key)`.
    pub env_secret_key_refs: Vec<(String, String, String)>,
    /// `(claim, mount path)` in the order Flink iterates them.
    pub persistent_volume_claims: Vec<(String, String)>,
    pub persistent_volume_claims_read_only: bool,
    pub rest_port: i32,
    pub rest_target_port: i32,
    pub rpc_port: i32,
    pub blob_port: i32,
    pub exposed_type: ExposedType,
    /// `InternalIP` or `ExternalIP`: which node address a NodePort URL uses.
    pub node_port_address_type: String,
    pub rest_service_labels: Vec<(String, String)>,
    pub rest_service_annotations: Vec<(String, String)>,
    pub internal_service_labels: Vec<(String, String)>,
    pub internal_service_annotations: Vec<(String, String)>,
    pub high_availability: bool,
    pub user_artifacts_dir: String,
    pub jobmanager_pod_template: Option<Pod>,
    pub taskmanager_pod_template: Option<String>,
    pub hadoop: HadoopConf,
    /// Logging files for the ConfigMap, in Flink's order.
    pub log_files: Vec<(String, String)>,
    /// The configuration shipped to the cluster as [`Self::config_file_name`].
    pub shipped_config: Configuration,
    /// Things the user should know (deprecated or unknown keys, overrides).
    pub warnings: Vec<String>,
}

/// Why a cluster request cannot be turned into objects; each message names the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> SpecError {
    SpecError::Invalid(message.into())
}

/// The configuration before client-side rewrites: the conf dir's file, then
/// `-D` options on top (stored as strings, as Flink's CLI stores them).
pub fn effective_configuration(request: &ClusterRequest) -> Configuration {
    let mut conf = request.conf_dir.base.clone();
    for (key, value) in &request.dynamic {
        conf.set_string(key.clone(), value.clone());
    }
    conf
}

/// For a release that knows some keys only by their old names (before 1.17),
/// takes the new names out of what is read (their values come back with the
/// shipped configuration) and drops the deprecation warnings of the old ones.
fn read_old_names_only(
    conf: &mut Configuration,
    release: &ReleaseTraits,
    warnings: &mut Vec<String>,
) -> Vec<(String, serde_json::Value)> {
    let mut taken = Vec::new();
    for (new, old) in release.old_key_names() {
        // Current there, whichever newer key it is deprecated for (the old
        // `kubernetes.pod-template-file` for three).
        warnings.retain(|w| !w.starts_with(&format!("{old} is deprecated: use ")));
        if let Some(value) = conf.remove(new) {
            taken.push((new.to_string(), value));
        }
    }
    taken
}

/// `warnings` without repeats (an option a release lacks is warned about as
/// set and again as rendered), in their order.
fn first_of_each(warnings: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    warnings
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

/// Resolve and validate a cluster. `conf` is [`effective_configuration`]
/// (passed in so that local files could be read from it first).
pub fn resolve(
    request: &ClusterRequest,
    mut conf: Configuration,
    local: LocalFiles,
) -> Result<ClusterSpec, SpecError> {
    let release = request.version.traits().map_err(invalid)?;
    let mut warnings = conf.warnings();
    // Any option set that the release does not have yet (the conf file or -D).
    warnings.extend(
        conf.keys()
            .filter_map(|key| release.lacks_option_warning(key)),
    );
    // A template set through a key the release lacks (any before 1.13,
    // `….default` before 1.17) is not read by its client.
    let as_read = release.reads(&conf);
    let template_read = |option: &FlinkOption| {
        as_read.is_set(option)
            || (!conf.is_set(option) && release.lacks_option(option.key).is_none())
    };
    let templates_read = (
        template_read(&POD_TEMPLATE_JOBMANAGER),
        template_read(&POD_TEMPLATE_TASKMANAGER),
    );
    let ignored_new_names = read_old_names_only(&mut conf, release, &mut warnings);

    let flag = request.cluster_id.as_deref();
    let (cluster_id, cluster_id_generated) =
        match super::identity::cluster_id(flag, &conf).map_err(invalid)? {
            Some(id) => (id, false),
            None => (super::cluster_id::generate().map_err(invalid)?, true),
        };
    conf.set_string(CLUSTER_ID.key, cluster_id.clone());
    let namespace = super::identity::namespace(
        request.namespace_flag.as_deref(),
        &request.dynamic,
        &conf,
        &mut warnings,
    )
    .map_err(invalid)?
    .or_else(|| request.context_namespace.clone())
    .unwrap_or_else(|| "default".to_string());
    conf.set_string(NAMESPACE.key, namespace.clone());

    conf.validate()?;
    let memory_parts = jobmanager_memory(&conf).map_err(|e| ConfigError {
        key: e.key.to_string(),
        message: e.to_string(),
    })?;
    let memory = memory_parts.total_process();
    warnings.extend(super::memory::memory_warnings(&conf));

    if let Some(program) = &request.program {
        if program.claim_mode.is_some()
            && let Some((major, minor)) = release.lacks_option(release.state_recovery.claim_mode)
        {
            return Err(invalid(format!(
                "--claim-mode needs Flink {major}.{minor} or later: Flink {} has no claim mode (it restores in its only, legacy mode); drop --claim-mode, or choose --flink-version {major}.{minor} or later",
                release.line()
            )));
        }
        write_program(&mut conf, program, release);
    }
    conf.set_string(EXECUTION_TARGET.key, request.mode.target());
    conf.set_string("internal.cluster.execution-mode", "NORMAL");
    conf.set_string(ENTRYPOINT_CLASS.key, request.mode.entrypoint_class());
    fix_port(&mut conf, &BLOB_SERVER_PORT, "6124")?;
    fix_port(&mut conf, &TASKMANAGER_RPC_PORT, "6122")?;
    let rest_target_port = fix_port(&mut conf, &REST_BIND_PORT, "8081")?;

    let high_availability = configure_high_availability(&mut conf, &cluster_id, &namespace)?;
    let ha_key = release.key_name(HA_TYPE.key);
    // An option the release lacks is at its default: its client ignores it.
    let has = |option: &FlinkOption| release.lacks_option(option.key).is_none();
    let replicas = if has(&JOBMANAGER_REPLICAS) {
        jobmanager_replicas(&conf, high_availability, ha_key)?
    } else {
        1
    };
    let cpu = jobmanager_cpu(&conf)?;
    let factor = |option: &FlinkOption| {
        if has(option) {
            limit_factor(&conf, option)
        } else {
            Ok(1.0)
        }
    };
    let cpu_factor = factor(&JOBMANAGER_CPU_LIMIT_FACTOR)?;
    let memory_factor = factor(&JOBMANAGER_MEMORY_LIMIT_FACTOR)?;
    let memory_mib = memory.mebibytes();
    let image_explicit = conf.is_set(&CONTAINER_IMAGE);
    let image = container_image(&conf, request)?;
    let exposed_type = exposed_type(&conf, release)?;
    let hadoop = hadoop_conf(&conf, &local)?;
    reject_unsupported(&conf)?;

    let jobmanager_pod_template = local.jobmanager_pod_template.filter(|_| templates_read.0);
    let taskmanager_pod_template = local.taskmanager_pod_template.filter(|_| templates_read.1);
    if release.java_command_line {
        // The release reads it (`conf.warnings` calls it unknown).
        let unknown = format!("unknown option {} ", start_command::TEMPLATE_KEY);
        warnings.retain(|w| !w.starts_with(&unknown) && *w != unknown.trim_end());
    }
    let java_command_line = release.java_command_line.then(|| {
        start_command::jobmanager(
            &conf,
            request.mode,
            &memory_parts,
            &request.conf_dir.log_files,
        )
    });

    // Shipped as given: the release's JobManager ignores them as its client did.
    for (key, value) in ignored_new_names {
        conf.set(key, value);
    }
    let spec = ClusterSpec {
        mode: request.mode,
        version: request.version,
        release,
        config_file_name: release.config_file_name(request.conf_dir.legacy_file),
        cluster_id_generated,
        namespace,
        image,
        image_explicit,
        image_pull_policy: conf.enumeration(&IMAGE_PULL_POLICY)?,
        image_pull_policy_explicit: conf.is_set(&IMAGE_PULL_POLICY),
        service_account_explicit: conf.is_set(&JOBMANAGER_SERVICE_ACCOUNT),
        image_pull_secrets: conf.list(&IMAGE_PULL_SECRETS)?,
        entry_path: conf.string(&ENTRY_PATH).unwrap_or_default(),
        entrypoint_args: conf.string(&JOBMANAGER_ENTRYPOINT_ARGS).unwrap_or_default(),
        java_command_line,
        conf_mount_path: conf.string(&FLINK_CONF_DIR).unwrap_or_default(),
        // Named in the java command line instead where the release writes one.
        log_dir: conf
            .explicit_string(&FLINK_LOG_DIR)
            .filter(|_| !release.java_command_line),
        host_network: has(&HOST_NETWORK) && conf.bool(&HOST_NETWORK)?,
        service_account: conf.string(&JOBMANAGER_SERVICE_ACCOUNT).unwrap_or_default(),
        replicas,
        cpu_request: double_to_string(cpu),
        cpu_limit: double_to_string(cpu * cpu_factor),
        memory_request_mib: memory_mib,
        memory_limit_mib: (memory_mib as f64 * memory_factor) as u64,
        labels: conf.map(&JOBMANAGER_LABELS)?,
        annotations: conf.map(&JOBMANAGER_ANNOTATIONS)?,
        node_selector: conf.map(&JOBMANAGER_NODE_SELECTOR)?,
        tolerations: tolerations(&conf.list_of_maps(&JOBMANAGER_TOLERATIONS)?)?,
        owner_references: owner_references(
            &conf.list_of_maps(&JOBMANAGER_OWNER_REFERENCE)?,
            &mut warnings,
        ),
        master_env: master_env(&conf),
        secrets: hash_map_ordered(&conf, &SECRETS)?,
        env_secret_key_refs: env_secret_key_refs(&conf.list_of_maps(&ENV_SECRET_KEY_REF)?)?,
        persistent_volume_claims: since(
            hash_map_ordered(&conf, &PERSISTENT_VOLUME_CLAIMS)?,
            &PERSISTENT_VOLUME_CLAIMS,
            release,
            &mut warnings,
        ),
        persistent_volume_claims_read_only: conf.bool(&PERSISTENT_VOLUME_CLAIM_READ_ONLY)?,
        rest_port: port(&conf, &REST_PORT)?,
        rest_target_port,
        rpc_port: port(&conf, &JOBMANAGER_RPC_PORT)?,
        blob_port: parse_fixed_port(&conf, &BLOB_SERVER_PORT, "6124")?,
        exposed_type,
        node_port_address_type: conf.enumeration(&REST_SERVICE_NODE_PORT_ADDRESS_TYPE)?,
        rest_service_labels: map_since(&conf, &REST_SERVICE_LABELS, release, &mut warnings)?,
        rest_service_annotations: conf.map(&REST_SERVICE_ANNOTATIONS)?,
        internal_service_labels: map_since(
            &conf,
            &INTERNAL_SERVICE_LABELS,
            release,
            &mut warnings,
        )?,
        internal_service_annotations: map_since(
            &conf,
            &INTERNAL_SERVICE_ANNOTATIONS,
            release,
            &mut warnings,
        )?,
        high_availability,
        user_artifacts_dir: conf.string(&USER_ARTIFACTS_BASE_DIR).unwrap_or_default(),
        jobmanager_pod_template,
        taskmanager_pod_template,
        hadoop,
        log_files: request.conf_dir.log_files.clone(),
        cluster_id,
        shipped_config: shipped(conf),
        warnings: first_of_each(warnings),
    };
    validate_volumes(&spec)?;
    Ok(spec)
}

/// The configuration as shipped: Flink's client drops the client-only keys.
fn shipped(mut conf: Configuration) -> Configuration {
    for client_only in [
        "kubernetes.config.file",
        "$internal.deployment.config-dir",
        "rest.bind-address",
        "jobmanager.bind-host",
        "taskmanager.bind-host",
        "taskmanager.host",
    ] {
        conf.remove(client_only);
    }
    conf
}
