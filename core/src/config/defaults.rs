//! The conf dir kubectl-flink falls back to when the user has none: Flink's
//! stock settings and a console logging configuration, so the JobManager
//! still logs to stdout (`kubectl logs`) without a local Flink installation.

/// `config.yaml` of the built-in conf dir.
pub const CONFIG_YAML: &str = include_str!("defaults/config.yaml");

/// `log4j-console.properties` of the built-in conf dir: the file Flink's
/// container entrypoint uses for console logging.
pub const LOG4J_CONSOLE: &str = include_str!("defaults/log4j-console.properties");
