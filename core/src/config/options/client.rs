//! What the client reads on its machine, and client and JobManager internals.

use super::OptionType::*;
use super::*;

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
