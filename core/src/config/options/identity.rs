//! Identity, placement, image and container.

use super::OptionType::*;
use super::*;

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
