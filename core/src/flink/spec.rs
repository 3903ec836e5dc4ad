//! From configuration to a [`ClusterSpec`]: every value the renderer needs,
//! resolved and validated, plus the configuration the cluster will read —
//! with every key Flink's client adds, rewrites or removes before shipping it.
//! This mirrors Flink's `KubernetesJobManagerParameters` and the client-side
//! steps of `KubernetesClusterDescriptor` (reference §1.2).

use super::java::double_to_string;
use super::local_files::LocalFiles;
use super::memory::jobmanager_process_memory;
use super::program::Program;
use super::version::{FlinkVersion, ReleaseTraits};
use crate::config::loader::ConfDir;
use crate::config::options::*;
use crate::config::{ConfigError, Configuration};
use k8s_openapi::api::core::v1::{Pod, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use serde_json::json;

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

/// Resolve and validate a cluster. `conf` is [`effective_configuration`]
/// (passed in so that local files could be read from it first).
pub fn resolve(
    request: &ClusterRequest,
    mut conf: Configuration,
    local: LocalFiles,
) -> Result<ClusterSpec, SpecError> {
    let release = request.version.traits().map_err(invalid)?;
    let mut warnings = conf.warnings();

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
    let memory = jobmanager_process_memory(&conf)?;
    warnings.extend(super::memory::memory_warnings(&conf));

    if let Some(program) = &request.program {
        write_program(&mut conf, program, release);
    }
    conf.set_string(EXECUTION_TARGET.key, request.mode.target());
    conf.set_string("internal.cluster.execution-mode", "NORMAL");
    conf.set_string(ENTRYPOINT_CLASS.key, request.mode.entrypoint_class());
    fix_port(&mut conf, &BLOB_SERVER_PORT, "6124")?;
    fix_port(&mut conf, &TASKMANAGER_RPC_PORT, "6122")?;
    let rest_target_port = fix_port(&mut conf, &REST_BIND_PORT, "8081")?;

    let high_availability = ha_enabled(&conf);
    if high_availability {
        conf.set_string(HA_CLUSTER_ID.key, cluster_id.clone());
        if conf
            .string(&HA_STORAGE_DIR)
            .is_none_or(|d| d.trim().is_empty())
        {
            return Err(invalid(
                "high availability needs a storage directory: add -Dhigh-availability.storageDir=s3://bucket/flink-ha (any file system the JobManager can reach)",
            ));
        }
        let rpc_port = conf.int(&JOBMANAGER_RPC_PORT)?.to_string();
        fix_port(&mut conf, &HA_JOBMANAGER_PORT, &rpc_port)?;
    } else {
        conf.set_string(
            "jobmanager.rpc.address",
            format!("{cluster_id}.{namespace}"),
        );
    }

    let replicas = conf.int(&JOBMANAGER_REPLICAS)?;
    if replicas < 1 {
        return Err(invalid(format!(
            "kubernetes.jobmanager.replicas is {replicas}: use at least 1"
        )));
    }
    if replicas > 1 && !high_availability {
        return Err(invalid(format!(
            "kubernetes.jobmanager.replicas is {replicas}, but standby JobManagers need high availability: add -Dhigh-availability.type=kubernetes -Dhigh-availability.storageDir=<dir>, or use 1 replica"
        )));
    }
    let replicas = i32::try_from(replicas).map_err(|_| {
        invalid(format!(
            "kubernetes.jobmanager.replicas {replicas} is too large"
        ))
    })?;

    let cpu = conf.double(&JOBMANAGER_CPU)?;
    if cpu <= 0.0 {
        return Err(invalid(format!(
            "kubernetes.jobmanager.cpu.amount is {cpu}: give a positive number of CPUs, e.g. 1.0"
        )));
    }
    let cpu_factor = limit_factor(&conf, &JOBMANAGER_CPU_LIMIT_FACTOR)?;
    let memory_factor = limit_factor(&conf, &JOBMANAGER_MEMORY_LIMIT_FACTOR)?;
    let memory_mib = memory.mebibytes();

    let image_explicit = conf.is_set(&CONTAINER_IMAGE);
    let image = conf
        .explicit_string(&CONTAINER_IMAGE)
        .unwrap_or_else(|| request.version.default_image());
    if image.trim().is_empty() {
        return Err(invalid(
            "kubernetes.container.image.ref is empty: name an image, e.g. apache/flink:2.3.0-scala_2.12",
        ));
    }

    let exposed_type = match conf.enumeration(&REST_SERVICE_EXPOSED_TYPE)?.as_str() {
        "NodePort" => ExposedType::NodePort,
        "LoadBalancer" => ExposedType::LoadBalancer,
        "Headless_ClusterIP" => ExposedType::HeadlessClusterIP,
        _ => ExposedType::ClusterIP,
    };

    let hadoop = if !conf.bool(&HADOOP_CONF_MOUNT_ENABLED)? {
        HadoopConf::None
    } else if let Some(name) = conf
        .string(&HADOOP_CONF_CONFIG_MAP)
        .filter(|n| !n.trim().is_empty())
    {
        HadoopConf::ExistingConfigMap(name.trim().to_string())
    } else if local.hadoop_conf_files.is_empty() {
        HadoopConf::None
    } else {
        HadoopConf::Files(local.hadoop_conf_files.clone())
    };
    reject_unsupported(&conf)?;

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
        conf_mount_path: conf.string(&FLINK_CONF_DIR).unwrap_or_default(),
        log_dir: conf.explicit_string(&FLINK_LOG_DIR),
        host_network: conf.bool(&HOST_NETWORK)?,
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
        jobmanager_pod_template: local.jobmanager_pod_template,
        taskmanager_pod_template: local.taskmanager_pod_template,
        hadoop,
        log_files: request.conf_dir.log_files.clone(),
        cluster_id,
        shipped_config: shipped(conf),
        warnings,
    };
    validate_volumes(&spec)?;
    Ok(spec)
}

/// A map option, or nothing (with a warning) when the release does not have
/// it yet: its client ignores the option, and so do we.
fn map_since(
    conf: &Configuration,
    option: &FlinkOption,
    release: &ReleaseTraits,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, String)>, SpecError> {
    Ok(since(conf.map(option)?, option, release, warnings))
}

/// `values`, or nothing (with a warning) when the release lacks the option.
fn since<T>(
    values: Vec<T>,
    option: &FlinkOption,
    release: &ReleaseTraits,
    warnings: &mut Vec<String>,
) -> Vec<T> {
    match release.lacks_option(option.key) {
        Some((major, minor)) if !values.is_empty() => {
            warnings.push(format!(
                "{} exists since Flink {major}.{minor}; Flink {} ignores it: drop it, or choose --flink-version {major}.{minor} or later",
                option.key,
                release.line()
            ));
            Vec::new()
        }
        _ => values,
    }
}

/// The keys `flink run --target kubernetes-application` writes (reference §5.2).
fn write_program(conf: &mut Configuration, program: &Program, release: &ReleaseTraits) {
    conf.set("pipeline.jars", json!([program.jar_uri]));
    if release.writes_empty_program_lists && !conf.contains("pipeline.classpaths") {
        conf.set("pipeline.classpaths", json!([]));
    }
    let keys = release.state_recovery;
    if let Some(class) = &program.entry_class {
        conf.set_string("$internal.application.main", class.clone());
    }
    if !program.args.is_empty() || release.writes_empty_program_lists {
        conf.set("$internal.application.program-args", json!(program.args));
    }
    conf.set("execution.attached", json!(!program.detached));
    conf.set("execution.shutdown-on-attached-exit", json!(false));
    conf.set_string(
        keys.claim_mode,
        program
            .claim_mode
            .clone()
            .unwrap_or_else(|| "NO_CLAIM".into()),
    );
    conf.set(
        keys.ignore_unclaimed_state,
        json!(program.allow_non_restored_state),
    );
    if let Some(path) = &program.savepoint_path {
        conf.set_string(keys.path, path.clone());
    }
    if let Some(parallelism) = program.parallelism {
        conf.set("parallelism.default", json!(parallelism));
    }
}

/// Kubernetes needs fixed ports: a range is an error and 0 ("any port")
/// becomes Flink's fixed fallback, written back into the configuration.
fn fix_port(
    conf: &mut Configuration,
    option: &FlinkOption,
    fallback: &str,
) -> Result<i32, SpecError> {
    let port = parse_fixed_port(conf, option, fallback)?;
    if port == 0 {
        conf.set_string(option.key, fallback);
        return fallback
            .parse()
            .map_err(|_| invalid(format!("{} fallback {fallback} is not a port", option.key)));
    }
    Ok(port)
}

/// The option's port; `example` is the port the error message suggests.
fn parse_fixed_port(
    conf: &Configuration,
    option: &FlinkOption,
    example: &str,
) -> Result<i32, SpecError> {
    let text = conf.string(option).unwrap_or_default();
    let port: i32 = text.trim().parse().map_err(|_| {
        invalid(format!(
            "{}={text} should be specified to a fixed port; a list or range is not possible on Kubernetes: give one port, e.g. {example}",
            option.key
        ))
    })?;
    if !(0..=65535).contains(&port) {
        return Err(invalid(format!(
            "{}={port} is not a port number (1-65535)",
            option.key
        )));
    }
    Ok(port)
}

fn port(conf: &Configuration, option: &FlinkOption) -> Result<i32, SpecError> {
    let port = conf.int(option)?;
    i32::try_from(port)
        .ok()
        .filter(|p| (1..=65535).contains(p))
        .ok_or_else(|| {
            invalid(format!(
                "{}={port} is not a port number (1-65535)",
                option.key
            ))
        })
}

fn limit_factor(conf: &Configuration, option: &FlinkOption) -> Result<f64, SpecError> {
    let factor = conf.double(option)?;
    if factor < 1.0 {
        return Err(invalid(format!(
            "{} should be greater or equal to 1 (it is {factor}): a limit below the request is not possible",
            option.key
        )));
    }
    Ok(factor)
}

/// Flink's HA switch: anything but `NONE`/`standalone` turns HA on.
pub fn ha_enabled(conf: &Configuration) -> bool {
    let mode = conf.string(&HA_TYPE).unwrap_or_default();
    !(mode.eq_ignore_ascii_case("none")
        || mode.eq_ignore_ascii_case("standalone")
        || mode.trim().is_empty())
}

fn master_env(conf: &Configuration) -> Vec<(String, String)> {
    conf.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("containerized.master.env.").map(|name| {
                (
                    name.to_string(),
                    crate::config::syntax::value_to_flink_string(v),
                )
            })
        })
        .collect()
}

fn hash_map_ordered(
    conf: &Configuration,
    option: &FlinkOption,
) -> Result<Vec<(String, String)>, SpecError> {
    let entries = conf.map(option)?;
    let mut names: Vec<&String> = entries.iter().map(|(k, _)| k).collect();
    names.sort();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid(format!(
            "{} names the same entry twice: keep one",
            option.key
        )));
    }
    Ok(crate::config::syntax::java_hash_map_order(entries))
}

fn map_get<'a>(map: &'a [(String, String)], key: &str) -> Option<&'a str> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

fn tolerations(maps: &[Vec<(String, String)>]) -> Result<Vec<Toleration>, SpecError> {
    maps.iter()
        .map(|m| {
            let seconds = map_get(m, "tolerationSeconds")
                .map(|s| {
                    s.parse::<i64>().map_err(|_| {
                        invalid(format!(
                            "kubernetes.jobmanager.tolerations: tolerationSeconds '{s}' is not a whole number"
                        ))
                    })
                })
                .transpose()?;
            Ok(Toleration {
                key: map_get(m, "key").map(str::to_string),
                operator: map_get(m, "operator").map(str::to_string),
                value: map_get(m, "value").map(str::to_string),
                effect: map_get(m, "effect").map(str::to_string),
                toleration_seconds: seconds,
            })
        })
        .collect()
}

fn owner_references(
    maps: &[Vec<(String, String)>],
    warnings: &mut Vec<String>,
) -> Vec<OwnerReference> {
    let known = [
        "apiversion",
        "blockownerdeletion",
        "controller",
        "kind",
        "name",
        "uid",
    ];
    maps.iter()
        .map(|m| {
            for (k, _) in m {
                if !known.contains(&k.to_ascii_lowercase().as_str()) {
                    warnings.push(format!(
                        "kubernetes.jobmanager.owner.reference: unknown key '{k}' is ignored"
                    ));
                }
            }
            let text = |key| map_get(m, key).unwrap_or_default().to_string();
            let flag = |key| map_get(m, key).map(|v| v.eq_ignore_ascii_case("true"));
            OwnerReference {
                api_version: text("apiVersion"),
                kind: text("kind"),
                name: text("name"),
                uid: text("uid"),
                controller: flag("controller"),
                block_owner_deletion: flag("blockOwnerDeletion"),
            }
        })
        .collect()
}

fn env_secret_key_refs(
    maps: &[Vec<(String, String)>],
) -> Result<Vec<(String, String, String)>, SpecError> {
    maps.iter()
        .map(|m| {
            let field = |name: &str| {
                m.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| {
                        invalid(format!(
                            "kubernetes.env.secretKeyRef entry misses '{name}': write env:NAME,secret:SECRET,key:KEY"
                        ))
                    })
            };
            Ok((field("env")?, field("secret")?, field("key")?))
        })
        .collect()
}

/// Objects and options Flink supports that kubectl-flink does not render
/// yet: refuse rather than create something different from Flink.
fn reject_unsupported(conf: &Configuration) -> Result<(), SpecError> {
    let kerberos = conf.bool(&KERBEROS_MOUNT_ENABLED)?
        && ((conf.is_set(&KERBEROS_KEYTAB) && conf.is_set(&KERBEROS_PRINCIPAL))
            || conf.is_set(&KERBEROS_KRB5_CONF));
    if kerberos {
        return Err(invalid(
            "Kerberos mounting (security.kerberos.*) is not supported by kubectl-flink yet: add -Dkubernetes.decorator.kerberos-mount.enabled=false and mount the keytab with kubernetes.secrets",
        ));
    }
    if conf.bool(&ARTIFACTS_LOCAL_UPLOAD_ENABLED)? {
        return Err(invalid(
            "kubernetes.artifacts.local-upload-enabled is not supported by kubectl-flink yet: upload the jar yourself and pass its s3://, https:// or local:// URI",
        ));
    }
    Ok(())
}

/// PVC rules of Flink 2.x (reference §1.3.6).
fn validate_volumes(spec: &ClusterSpec) -> Result<(), SpecError> {
    let mut paths: Vec<&str> = Vec::new();
    for (claim, path) in &spec.persistent_volume_claims {
        let valid_name = !claim.is_empty()
            && claim.len() <= 253
            && claim.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !valid_name {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: '{claim}' is not a valid claim name (lowercase DNS name)"
            )));
        }
        if !path.starts_with('/') {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: mount path '{path}' of {claim} must be absolute"
            )));
        }
        if paths.contains(&path.as_str()) {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: mount path '{path}' is used twice"
            )));
        }
        paths.push(path);
        if format!("{}-pvc", claim.replace('.', "-")).len() > 63 {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: the volume name for '{claim}' would exceed 63 characters: use a shorter claim name"
            )));
        }
    }
    Ok(())
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
