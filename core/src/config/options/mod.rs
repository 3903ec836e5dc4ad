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

mod identity;
pub use identity::*;
mod pods;
pub use pods::*;
mod client;
pub use client::*;
mod memory;
pub use memory::*;
mod modes;
pub use modes::*;

/// Every option, for validation and "did you mean" suggestions.
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
