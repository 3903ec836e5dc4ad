//! High availability and application mode.

use super::OptionType::*;
use super::*;

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
