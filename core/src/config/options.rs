//! The typed registry of the Flink options kubectl-flink reads: keys,
//! alternative keys, types and defaults as Flink 2.3 declares them, so values
//! are validated once, before anything is rendered or created.

/// How an option's value is parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OptionType {
    String,
    Int,
    Double,
    Bool,
    MemorySize,
    Duration,
    /// One of these spellings (compared case-insensitively, as Flink's enum options are).
    Enum(&'static [&'static str]),
    /// `a;b;c`
    List,
    /// `k1:v1,k2:v2`
    Map,
    /// `k1:v1,k2:v2;k3:v3`
    ListOfMaps,
}

/// One Flink option.
#[derive(Debug)]
pub struct FlinkOption {
    pub key: &'static str,
    /// Other keys Flink reads for the same option, in order (no warning).
    pub fallback_keys: &'static [&'static str],
    /// Old spellings Flink still accepts, with a warning to move to `key`.
    pub deprecated_keys: &'static [&'static str],
    pub default: Option<&'static str>,
    pub kind: OptionType,
}

impl FlinkOption {
    /// Every key that sets this option, in the order Flink looks them up.
    pub fn all_keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.key)
            .chain(self.fallback_keys.iter().copied())
            .chain(self.deprecated_keys.iter().copied())
    }
}

macro_rules! option {
    ($name:ident, $key:literal, $kind:expr, $default:expr) => {
        option!($name, $key, $kind, $default, [], []);
    };
    ($name:ident, $key:literal, $kind:expr, $default:expr, [$($fb:literal),*], [$($dep:literal),*]) => {
        #[doc = concat!("`", $key, "`")]
        pub const $name: FlinkOption = FlinkOption {
            key: $key,
            fallback_keys: &[$($fb),*],
            deprecated_keys: &[$($dep),*],
            default: $default,
            kind: $kind,
        };
    };
}

use OptionType::*;

// Identity and placement.
option!(CLUSTER_ID, "kubernetes.cluster-id", String, None);
option!(NAMESPACE, "kubernetes.namespace", String, Some("default"));
option!(CONTEXT, "kubernetes.context", String, None);
option!(CONFIG_FILE, "kubernetes.config.file", String, None);
option!(EXECUTION_TARGET, "execution.target", String, None);
option!(
    EXECUTION_ATTACHED,
    "execution.attached",
    Bool,
    Some("false")
);

// Image and container.
option!(
    CONTAINER_IMAGE,
    "kubernetes.container.image.ref",
    String,
    None,
    [],
    ["kubernetes.container.image"]
);
option!(
    IMAGE_PULL_POLICY,
    "kubernetes.container.image.pull-policy",
    Enum(&["IfNotPresent", "Always", "Never"]),
    Some("IfNotPresent")
);
option!(
    IMAGE_PULL_SECRETS,
    "kubernetes.container.image.pull-secrets",
    List,
    None
);
option!(
    ENTRY_PATH,
    "kubernetes.entry.path",
    String,
    Some("/docker-entrypoint.sh")
);
option!(
    FLINK_CONF_DIR,
    "kubernetes.flink.conf.dir",
    String,
    Some("/opt/flink/conf")
);
option!(FLINK_LOG_DIR, "kubernetes.flink.log.dir", String, None);
option!(
    JOBMANAGER_ENTRYPOINT_ARGS,
    "kubernetes.jobmanager.entrypoint.args",
    String,
    Some("")
);
option!(
    TASKMANAGER_ENTRYPOINT_ARGS,
    "kubernetes.taskmanager.entrypoint.args",
    String,
    Some("")
);
option!(
    HOST_NETWORK,
    "kubernetes.hostnetwork.enabled",
    Bool,
    Some("false")
);

// Services.
/// The values of `kubernetes.rest-service.exposed.type`.
pub const EXPOSED_TYPES: &[&str] = &[
    "ClusterIP",
    "NodePort",
    "LoadBalancer",
    "Headless_ClusterIP",
];
option!(
    REST_SERVICE_EXPOSED_TYPE,
    "kubernetes.rest-service.exposed.type",
    Enum(EXPOSED_TYPES),
    Some("ClusterIP")
);
option!(
    REST_SERVICE_NODE_PORT_ADDRESS_TYPE,
    "kubernetes.rest-service.exposed.node-port-address-type",
    Enum(&["InternalIP", "ExternalIP"]),
    Some("InternalIP")
);
option!(
    REST_SERVICE_LABELS,
    "kubernetes.rest-service.labels",
    Map,
    None
);
option!(
    REST_SERVICE_ANNOTATIONS,
    "kubernetes.rest-service.annotations",
    Map,
    None
);
option!(
    INTERNAL_SERVICE_LABELS,
    "kubernetes.internal-service.labels",
    Map,
    None
);
option!(
    INTERNAL_SERVICE_ANNOTATIONS,
    "kubernetes.internal-service.annotations",
    Map,
    None
);

// JobManager pod.
option!(
    SERVICE_ACCOUNT,
    "kubernetes.service-account",
    String,
    Some("default")
);
option!(
    JOBMANAGER_SERVICE_ACCOUNT,
    "kubernetes.jobmanager.service-account",
    String,
    Some("default"),
    ["kubernetes.service-account"],
    []
);
option!(
    TASKMANAGER_SERVICE_ACCOUNT,
    "kubernetes.taskmanager.service-account",
    String,
    Some("default"),
    ["kubernetes.service-account"],
    []
);
option!(
    JOBMANAGER_REPLICAS,
    "kubernetes.jobmanager.replicas",
    Int,
    Some("1")
);
option!(
    JOBMANAGER_CPU,
    "kubernetes.jobmanager.cpu.amount",
    Double,
    Some("1.0"),
    [],
    ["kubernetes.jobmanager.cpu"]
);
option!(
    JOBMANAGER_CPU_LIMIT_FACTOR,
    "kubernetes.jobmanager.cpu.limit-factor",
    Double,
    Some("1.0")
);
option!(
    JOBMANAGER_MEMORY_LIMIT_FACTOR,
    "kubernetes.jobmanager.memory.limit-factor",
    Double,
    Some("1.0")
);
option!(
    TASKMANAGER_CPU,
    "kubernetes.taskmanager.cpu.amount",
    Double,
    Some("-1.0"),
    [],
    ["kubernetes.taskmanager.cpu"]
);
option!(
    TASKMANAGER_CPU_LIMIT_FACTOR,
    "kubernetes.taskmanager.cpu.limit-factor",
    Double,
    Some("1.0")
);
option!(
    TASKMANAGER_MEMORY_LIMIT_FACTOR,
    "kubernetes.taskmanager.memory.limit-factor",
    Double,
    Some("1.0")
);
option!(JOBMANAGER_LABELS, "kubernetes.jobmanager.labels", Map, None);
option!(
    TASKMANAGER_LABELS,
    "kubernetes.taskmanager.labels",
    Map,
    None
);
option!(
    JOBMANAGER_ANNOTATIONS,
    "kubernetes.jobmanager.annotations",
    Map,
    None
);
option!(
    TASKMANAGER_ANNOTATIONS,
    "kubernetes.taskmanager.annotations",
    Map,
    None
);
option!(
    JOBMANAGER_NODE_SELECTOR,
    "kubernetes.jobmanager.node-selector",
    Map,
    None
);
option!(
    TASKMANAGER_NODE_SELECTOR,
    "kubernetes.taskmanager.node-selector",
    Map,
    None
);
option!(
    JOBMANAGER_TOLERATIONS,
    "kubernetes.jobmanager.tolerations",
    ListOfMaps,
    None
);
option!(
    TASKMANAGER_TOLERATIONS,
    "kubernetes.taskmanager.tolerations",
    ListOfMaps,
    None
);
option!(
    JOBMANAGER_OWNER_REFERENCE,
    "kubernetes.jobmanager.owner.reference",
    ListOfMaps,
    None
);
option!(
    POD_TEMPLATE_DEFAULT,
    "kubernetes.pod-template-file.default",
    String,
    None,
    [],
    ["kubernetes.pod-template-file"]
);
option!(
    POD_TEMPLATE_JOBMANAGER,
    "kubernetes.pod-template-file.jobmanager",
    String,
    None,
    ["kubernetes.pod-template-file.default"],
    ["kubernetes.pod-template-file"]
);
option!(
    POD_TEMPLATE_TASKMANAGER,
    "kubernetes.pod-template-file.taskmanager",
    String,
    None,
    ["kubernetes.pod-template-file.default"],
    ["kubernetes.pod-template-file"]
);
option!(SECRETS, "kubernetes.secrets", Map, None);
option!(
    ENV_SECRET_KEY_REF,
    "kubernetes.env.secretKeyRef",
    ListOfMaps,
    None
);
option!(
    PERSISTENT_VOLUME_CLAIMS,
    "kubernetes.persistent-volume-claims",
    Map,
    None
);
option!(
    PERSISTENT_VOLUME_CLAIM_READ_ONLY,
    "kubernetes.persistent-volume-claim-read-only",
    Bool,
    Some("false")
);
option!(
    NODE_NAME_LABEL,
    "kubernetes.node-name-label",
    String,
    Some("kubernetes.io/hostname")
);

// Decorators that read the client machine.
option!(
    HADOOP_CONF_MOUNT_ENABLED,
    "kubernetes.decorator.hadoop-conf-mount.enabled",
    Bool,
    Some("true")
);
option!(
    KERBEROS_MOUNT_ENABLED,
    "kubernetes.decorator.kerberos-mount.enabled",
    Bool,
    Some("true")
);
option!(
    HADOOP_CONF_CONFIG_MAP,
    "kubernetes.hadoop.conf.config-map.name",
    String,
    None
);
option!(
    KERBEROS_KEYTAB,
    "security.kerberos.login.keytab",
    String,
    None
);
option!(
    KERBEROS_PRINCIPAL,
    "security.kerberos.login.principal",
    String,
    None
);
option!(
    KERBEROS_KRB5_CONF,
    "security.kerberos.krb5-conf.path",
    String,
    None
);

// Client and JobManager internals.
option!(
    CLIENT_USER_AGENT,
    "kubernetes.client.user-agent",
    String,
    Some("flink")
);
option!(
    CLIENT_IO_POOL_SIZE,
    "kubernetes.client.io-pool.size",
    Int,
    Some("4")
);
option!(
    TRANSACTIONAL_MAX_RETRIES,
    "kubernetes.transactional-operation.max-retries",
    Int,
    Some("15")
);
option!(
    TRANSACTIONAL_INITIAL_RETRY_DELAY,
    "kubernetes.transactional-operation.initial-retry-delay",
    Duration,
    Some("50 ms")
);
option!(
    TRANSACTIONAL_MAX_RETRY_DELAY,
    "kubernetes.transactional-operation.max-retry-delay",
    Duration,
    Some("1 min")
);
option!(
    ARTIFACTS_LOCAL_UPLOAD_ENABLED,
    "kubernetes.artifacts.local-upload-enabled",
    Bool,
    Some("false")
);
option!(
    ARTIFACTS_LOCAL_UPLOAD_OVERWRITE,
    "kubernetes.artifacts.local-upload-overwrite",
    Bool,
    Some("false")
);
option!(
    ARTIFACTS_LOCAL_UPLOAD_TARGET,
    "kubernetes.artifacts.local-upload-target",
    String,
    None
);
option!(
    ENTRYPOINT_CLASS,
    "kubernetes.internal.jobmanager.entrypoint.class",
    String,
    None
);
option!(
    LEADER_LEASE_DURATION,
    "high-availability.kubernetes.leader-election.lease-duration",
    Duration,
    Some("15 s")
);
option!(
    LEADER_RENEW_DEADLINE,
    "high-availability.kubernetes.leader-election.renew-deadline",
    Duration,
    Some("15 s")
);
option!(
    LEADER_RETRY_PERIOD,
    "high-availability.kubernetes.leader-election.retry-period",
    Duration,
    Some("5 s")
);

// Memory and ports.
option!(
    JM_PROCESS_SIZE,
    "jobmanager.memory.process.size",
    MemorySize,
    None
);
option!(
    JM_FLINK_SIZE,
    "jobmanager.memory.flink.size",
    MemorySize,
    None
);
option!(
    JM_HEAP_SIZE,
    "jobmanager.memory.heap.size",
    MemorySize,
    None
);
option!(
    JM_OFF_HEAP_SIZE,
    "jobmanager.memory.off-heap.size",
    MemorySize,
    Some("128m")
);
option!(
    JM_METASPACE_SIZE,
    "jobmanager.memory.jvm-metaspace.size",
    MemorySize,
    Some("256m")
);
option!(
    JM_OVERHEAD_MIN,
    "jobmanager.memory.jvm-overhead.min",
    MemorySize,
    Some("192m")
);
option!(
    JM_OVERHEAD_MAX,
    "jobmanager.memory.jvm-overhead.max",
    MemorySize,
    Some("1g")
);
option!(
    JM_OVERHEAD_FRACTION,
    "jobmanager.memory.jvm-overhead.fraction",
    Double,
    Some("0.1")
);
option!(
    TM_PROCESS_SIZE,
    "taskmanager.memory.process.size",
    MemorySize,
    None
);
// TaskManager memory (Flink 2.3's TaskManagerOptions), read to warn about a
// TaskManager configuration the JobManager would refuse.
option!(
    TM_FLINK_SIZE,
    "taskmanager.memory.flink.size",
    MemorySize,
    None
);
option!(
    TM_FRAMEWORK_HEAP_SIZE,
    "taskmanager.memory.framework.heap.size",
    MemorySize,
    Some("128m")
);
option!(
    TM_FRAMEWORK_OFF_HEAP_SIZE,
    "taskmanager.memory.framework.off-heap.size",
    MemorySize,
    Some("128m")
);
option!(
    TM_TASK_HEAP_SIZE,
    "taskmanager.memory.task.heap.size",
    MemorySize,
    None
);
option!(
    TM_TASK_OFF_HEAP_SIZE,
    "taskmanager.memory.task.off-heap.size",
    MemorySize,
    Some("0b")
);
option!(
    TM_MANAGED_SIZE,
    "taskmanager.memory.managed.size",
    MemorySize,
    None,
    [],
    ["taskmanager.memory.size"]
);
option!(
    TM_MANAGED_FRACTION,
    "taskmanager.memory.managed.fraction",
    Double,
    Some("0.4")
);
option!(
    TM_NETWORK_MIN,
    "taskmanager.memory.network.min",
    MemorySize,
    Some("64m"),
    [],
    ["taskmanager.network.memory.min"]
);
option!(
    TM_NETWORK_MAX,
    "taskmanager.memory.network.max",
    MemorySize,
    Some("9223372036854775807b"),
    [],
    ["taskmanager.network.memory.max"]
);
option!(
    TM_NETWORK_FRACTION,
    "taskmanager.memory.network.fraction",
    Double,
    Some("0.1"),
    [],
    ["taskmanager.network.memory.fraction"]
);
option!(
    TM_METASPACE_SIZE,
    "taskmanager.memory.jvm-metaspace.size",
    MemorySize,
    Some("256m")
);
option!(
    TM_OVERHEAD_MIN,
    "taskmanager.memory.jvm-overhead.min",
    MemorySize,
    Some("192m")
);
option!(
    TM_OVERHEAD_MAX,
    "taskmanager.memory.jvm-overhead.max",
    MemorySize,
    Some("1g")
);
option!(
    TM_OVERHEAD_FRACTION,
    "taskmanager.memory.jvm-overhead.fraction",
    Double,
    Some("0.1")
);
option!(TM_SLOTS, "taskmanager.numberOfTaskSlots", Int, Some("1"));
option!(REST_PORT, "rest.port", Int, Some("8081"));
option!(
    REST_BIND_PORT,
    "rest.bind-port",
    String,
    Some("8081"),
    ["rest.port"],
    []
);
option!(
    JOBMANAGER_RPC_PORT,
    "jobmanager.rpc.port",
    Int,
    Some("6123")
);
option!(BLOB_SERVER_PORT, "blob.server.port", String, Some("0"));
option!(
    TASKMANAGER_RPC_PORT,
    "taskmanager.rpc.port",
    String,
    Some("0")
);
option!(
    REST_SSL_ENABLED,
    "security.ssl.rest.enabled",
    Bool,
    Some("false")
);

// High availability.
option!(
    HA_TYPE,
    "high-availability.type",
    String,
    Some("NONE"),
    [],
    ["high-availability", "recovery.mode"]
);
option!(
    HA_CLUSTER_ID,
    "high-availability.cluster-id",
    String,
    Some("/default")
);
option!(
    HA_JOBMANAGER_PORT,
    "high-availability.jobmanager.port",
    String,
    Some("0")
);
option!(HA_STORAGE_DIR, "high-availability.storageDir", String, None);

// Application mode.
option!(PIPELINE_JARS, "pipeline.jars", List, None);
option!(PARALLELISM_DEFAULT, "parallelism.default", Int, Some("1"));
option!(
    SHUTDOWN_ON_APPLICATION_FINISH,
    "execution.shutdown-on-application-finish",
    Bool,
    Some("true")
);
option!(
    USER_ARTIFACTS_BASE_DIR,
    "user.artifacts.base-dir",
    String,
    Some("/opt/flink/artifacts")
);
option!(
    USER_ARTIFACTS_LIST,
    "user.artifacts.artifact-list",
    List,
    None
);

/// Every option above, for validation and "did you mean" suggestions.
pub const ALL: &[&FlinkOption] = &[
    &CLUSTER_ID,
    &NAMESPACE,
    &CONTEXT,
    &CONFIG_FILE,
    &EXECUTION_TARGET,
    &EXECUTION_ATTACHED,
    &CONTAINER_IMAGE,
    &IMAGE_PULL_POLICY,
    &IMAGE_PULL_SECRETS,
    &ENTRY_PATH,
    &FLINK_CONF_DIR,
    &FLINK_LOG_DIR,
    &JOBMANAGER_ENTRYPOINT_ARGS,
    &TASKMANAGER_ENTRYPOINT_ARGS,
    &HOST_NETWORK,
    &REST_SERVICE_EXPOSED_TYPE,
    &REST_SERVICE_NODE_PORT_ADDRESS_TYPE,
    &REST_SERVICE_LABELS,
    &REST_SERVICE_ANNOTATIONS,
    &INTERNAL_SERVICE_LABELS,
    &INTERNAL_SERVICE_ANNOTATIONS,
    &SERVICE_ACCOUNT,
    &JOBMANAGER_SERVICE_ACCOUNT,
    &TASKMANAGER_SERVICE_ACCOUNT,
    &JOBMANAGER_REPLICAS,
    &JOBMANAGER_CPU,
    &JOBMANAGER_CPU_LIMIT_FACTOR,
    &JOBMANAGER_MEMORY_LIMIT_FACTOR,
    &TASKMANAGER_CPU,
    &TASKMANAGER_CPU_LIMIT_FACTOR,
    &TASKMANAGER_MEMORY_LIMIT_FACTOR,
    &JOBMANAGER_LABELS,
    &TASKMANAGER_LABELS,
    &JOBMANAGER_ANNOTATIONS,
    &TASKMANAGER_ANNOTATIONS,
    &JOBMANAGER_NODE_SELECTOR,
    &TASKMANAGER_NODE_SELECTOR,
    &JOBMANAGER_TOLERATIONS,
    &TASKMANAGER_TOLERATIONS,
    &JOBMANAGER_OWNER_REFERENCE,
    &POD_TEMPLATE_DEFAULT,
    &POD_TEMPLATE_JOBMANAGER,
    &POD_TEMPLATE_TASKMANAGER,
    &SECRETS,
    &ENV_SECRET_KEY_REF,
    &PERSISTENT_VOLUME_CLAIMS,
    &PERSISTENT_VOLUME_CLAIM_READ_ONLY,
    &NODE_NAME_LABEL,
    &HADOOP_CONF_MOUNT_ENABLED,
    &KERBEROS_MOUNT_ENABLED,
    &HADOOP_CONF_CONFIG_MAP,
    &KERBEROS_KEYTAB,
    &KERBEROS_PRINCIPAL,
    &KERBEROS_KRB5_CONF,
    &CLIENT_USER_AGENT,
    &CLIENT_IO_POOL_SIZE,
    &TRANSACTIONAL_MAX_RETRIES,
    &TRANSACTIONAL_INITIAL_RETRY_DELAY,
    &TRANSACTIONAL_MAX_RETRY_DELAY,
    &ARTIFACTS_LOCAL_UPLOAD_ENABLED,
    &ARTIFACTS_LOCAL_UPLOAD_OVERWRITE,
    &ARTIFACTS_LOCAL_UPLOAD_TARGET,
    &ENTRYPOINT_CLASS,
    &LEADER_LEASE_DURATION,
    &LEADER_RENEW_DEADLINE,
    &LEADER_RETRY_PERIOD,
    &JM_PROCESS_SIZE,
    &JM_FLINK_SIZE,
    &JM_HEAP_SIZE,
    &JM_OFF_HEAP_SIZE,
    &JM_METASPACE_SIZE,
    &JM_OVERHEAD_MIN,
    &JM_OVERHEAD_MAX,
    &JM_OVERHEAD_FRACTION,
    &TM_PROCESS_SIZE,
    &TM_SLOTS,
    &REST_PORT,
    &REST_BIND_PORT,
    &JOBMANAGER_RPC_PORT,
    &BLOB_SERVER_PORT,
    &TASKMANAGER_RPC_PORT,
    &REST_SSL_ENABLED,
    &HA_TYPE,
    &HA_CLUSTER_ID,
    &HA_JOBMANAGER_PORT,
    &HA_STORAGE_DIR,
    &PIPELINE_JARS,
    &PARALLELISM_DEFAULT,
    &SHUTDOWN_ON_APPLICATION_FINISH,
    &USER_ARTIFACTS_BASE_DIR,
    &USER_ARTIFACTS_LIST,
];

/// Prefixes of keys that name a family rather than one option
/// (`containerized.master.env.FOO`, `external-resource.gpu.kubernetes.config-key`).
pub const KNOWN_KUBERNETES_PREFIXES: &[&str] = &[
    "kubernetes.jobmanager.labels.",
    "kubernetes.taskmanager.labels.",
    "kubernetes.jobmanager.annotations.",
    "kubernetes.taskmanager.annotations.",
    "kubernetes.jobmanager.node-selector.",
    "kubernetes.taskmanager.node-selector.",
    "kubernetes.rest-service.labels.",
    "kubernetes.rest-service.annotations.",
    "kubernetes.internal-service.labels.",
    "kubernetes.internal-service.annotations.",
    "kubernetes.secrets.",
    "kubernetes.persistent-volume-claims.",
];

/// The known option closest to an unknown `kubernetes.*` key, if one is close
/// enough to be a likely typo.
pub fn suggest(unknown: &str) -> Option<&'static str> {
    ALL.iter()
        .flat_map(|o| o.all_keys())
        .filter(|k| k.starts_with("kubernetes."))
        .map(|k| (edit_distance(unknown, k), k))
        .filter(|(d, k)| *d <= (k.len() / 4).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Whether a `kubernetes.*` key is one Flink knows (directly or as a family).
pub fn is_known_kubernetes_key(key: &str) -> bool {
    ALL.iter().any(|o| o.all_keys().any(|k| k == key))
        || KNOWN_KUBERNETES_PREFIXES.iter().any(|p| key.starts_with(p))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            suggest("kubernetes.cluster-ld"),
            Some("kubernetes.cluster-id")
        );
        assert_eq!(
            suggest("kubernetes.rest-service.exposed.typ"),
            Some("kubernetes.rest-service.exposed.type")
        );
        assert_eq!(suggest("kubernetes.completely-unrelated-thing"), None);
    }

    #[test]
    fn families_and_deprecated_keys_are_known() {
        assert!(is_known_kubernetes_key("kubernetes.container.image"));
        assert!(is_known_kubernetes_key("kubernetes.jobmanager.labels.team"));
        assert!(!is_known_kubernetes_key("kubernetes.jobmanger.labels"));
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = ALL.iter().map(|o| o.key).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
    }
}
