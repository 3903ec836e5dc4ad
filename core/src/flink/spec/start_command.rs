//! The `java` command line that starts the JobManager where the release's
//! client writes it into the pod (1.12): `KubernetesUtils`'
//! `getJobManagerStartCommand` filling the container start command template
//! (`kubernetes.container-start-command-template`, `BootstrapTools.getStartCommand`).

use super::DeploymentMode;
use crate::config::Configuration;
use crate::config::options::{FLINK_CONF_DIR, FLINK_LOG_DIR};
use crate::config::syntax::java_hash_map_order;
use crate::flink::memory::JobManagerMemory;

/// The option that holds the command line's template (1.12 only; not one of
/// kubectl-flink's options, so unknown to the other releases).
pub(super) const TEMPLATE_KEY: &str = "kubernetes.container-start-command-template";
/// Its default.
const TEMPLATE: &str = "%java% %classpath% %jvmmem% %jvmopts% %logging% %class% %args%";
/// `kubernetes.flink.log.dir`'s default in 1.12.
const LOG_DIR: &str = "/opt/flink/log";
const LOGBACK_FILE: &str = "logback-console.xml";
const LOG4J_FILE: &str = "log4j-console.properties";

/// The command line, from the configuration as the client ships it, the
/// JobManager's memory and the logging files shipped (`log_files`).
pub(super) fn jobmanager(
    conf: &Configuration,
    mode: DeploymentMode,
    memory: &JobManagerMemory,
    log_files: &[(String, String)],
) -> String {
    let conf_dir = conf.string(&FLINK_CONF_DIR).unwrap_or_default();
    let log_dir = conf
        .explicit_string(&FLINK_LOG_DIR)
        .unwrap_or_else(|| LOG_DIR.to_string());
    let ships = |file: &str| log_files.iter().any(|(name, _)| name == file);
    let values = vec![
        ("java".to_string(), "$JAVA_HOME/bin/java".to_string()),
        (
            "classpath".to_string(),
            "-classpath $FLINK_CLASSPATH".to_string(),
        ),
        ("jvmmem".to_string(), jvm_memory(conf, memory)),
        ("jvmopts".to_string(), jvm_options(conf)),
        (
            "logging".to_string(),
            logging(
                &format!("{log_dir}/jobmanager.log"),
                &conf_dir,
                ships(LOGBACK_FILE),
                ships(LOG4J_FILE),
            ),
        ),
        ("class".to_string(), mode.entrypoint_class().to_string()),
        // No `redirects`: a template's `%redirects%` stays as written (measured).
        ("args".to_string(), memory_dynamic_options(memory)),
    ];
    // Each value in, then double spaces halved and the ends trimmed, in the
    // order of the client's HashMap.
    let template = conf
        .get_raw_string(TEMPLATE_KEY)
        .unwrap_or_else(|| TEMPLATE.to_string());
    java_hash_map_order(values)
        .into_iter()
        .fold(template, |command, (key, value)| {
            command
                .replace(&format!("%{key}%"), &value)
                .replace("  ", " ")
                .trim()
                .to_string()
        })
}

/// `-Xmx… -Xms… [-XX:MaxDirectMemorySize=…] -XX:MaxMetaspaceSize=…`
/// (`ProcessMemoryUtils.generateJvmParametersStr`), in bytes.
fn jvm_memory(conf: &Configuration, memory: &JobManagerMemory) -> String {
    let heap = memory.heap.0;
    let mut options = format!("-Xmx{heap} -Xms{heap}");
    let direct_limit = conf
        .get_raw_string("jobmanager.memory.enable-jvm-direct-memory-limit")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if direct_limit {
        options.push_str(&format!(" -XX:MaxDirectMemorySize={}", memory.off_heap.0));
    }
    options.push_str(&format!(" -XX:MaxMetaspaceSize={}", memory.metaspace.0));
    options
}

/// `env.java.opts`, then `env.java.opts.jobmanager` when set (`getJavaOpts`).
fn jvm_options(conf: &Configuration) -> String {
    let base = conf.get_raw_string("env.java.opts").unwrap_or_default();
    match conf.get_raw_string("env.java.opts.jobmanager") {
        Some(jobmanager) if !jobmanager.is_empty() => format!("{base} {jobmanager}"),
        _ => base,
    }
}

/// The log file and the logging configurations shipped (`getLogging`).
fn logging(log_file: &str, conf_dir: &str, logback: bool, log4j: bool) -> String {
    if !logback && !log4j {
        return String::new();
    }
    let mut logging = format!("-Dlog.file={log_file}");
    if logback {
        logging.push_str(&format!(
            " -Dlogback.configurationFile=file:{conf_dir}/{LOGBACK_FILE}"
        ));
    }
    if log4j {
        logging.push_str(&format!(
            " -Dlog4j.configuration=file:{conf_dir}/{LOG4J_FILE} -Dlog4j.configurationFile=file:{conf_dir}/{LOG4J_FILE}"
        ));
    }
    logging
}

/// The JobManager's memory as `-D key=<bytes>b` options, in the order of the
/// client's HashMap (`JobManagerProcessUtils.generateDynamicConfigsStr`).
fn memory_dynamic_options(memory: &JobManagerMemory) -> String {
    let options = vec![
        ("jobmanager.memory.heap.size".to_string(), memory.heap.0),
        (
            "jobmanager.memory.off-heap.size".to_string(),
            memory.off_heap.0,
        ),
        (
            "jobmanager.memory.jvm-metaspace.size".to_string(),
            memory.metaspace.0,
        ),
        (
            "jobmanager.memory.jvm-overhead.min".to_string(),
            memory.overhead.0,
        ),
        (
            "jobmanager.memory.jvm-overhead.max".to_string(),
            memory.overhead.0,
        ),
    ];
    java_hash_map_order(options)
        .into_iter()
        .map(|(key, bytes)| format!("-D {key}={bytes}b"))
        .collect::<Vec<_>>()
        .join(" ")
}
