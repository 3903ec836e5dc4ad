//! The fuzz targets' bodies, shared by the libFuzzer harnesses (`fuzz/fuzz_targets`, nightly)
//! and by `tests/fuzz_regressions.rs`, which replays the kept corpus and every crash on stable.
//! Each takes arbitrary bytes and must neither panic nor hang; results are checked where a
//! property is cheap to state.

use kubectl_flink::cluster::kubeconfig::KubeconfigChoice;
use kubectl_flink::rest::decode;
use kubectl_flink_core::config::Configuration;
use kubectl_flink_core::config::loader::{
    ConfDir, ConfSource, parse_config_yaml, parse_dynamic_option, parse_legacy_flink_conf,
};
use kubectl_flink_core::config::options::ALL;
use kubectl_flink_core::config::size::{MemorySize, parse_duration};
use kubectl_flink_core::config::syntax;
use kubectl_flink_core::flink::local_files::{LocalFiles, parse_pod_template};
use kubectl_flink_core::flink::spec::{self, ClusterRequest, DeploymentMode};
use kubectl_flink_core::flink::version::FlinkVersion;

/// A target: arbitrary bytes in, no panic out.
pub type Target = fn(&[u8]);

/// Every target, by the name of its harness and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("option_syntax", option_syntax),
    ("config_files", config_files),
    ("sizes_durations", sizes_durations),
    ("dynamic_options", dynamic_options),
    ("pod_template", pod_template),
    ("rest_decode", rest_decode),
    ("kubeconfig", kubeconfig),
];

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Reads every registered option from `conf` through its typed getter, as resolving does.
fn read_every_option(conf: &Configuration) {
    for option in ALL {
        let _ = conf.string(option);
        let _ = conf.int(option);
        let _ = conf.double(option);
        let _ = conf.bool(option);
        let _ = conf.memory(option);
        let _ = conf.enumeration(option);
        let _ = conf.list(option);
        let _ = conf.map(option);
        let _ = conf.list_of_maps(option);
    }
    let _ = conf.validate();
    let _ = conf.warnings();
}

/// Flink's option splitter (`;` and `,` with quoting) and the structured values built on it.
pub fn option_syntax(data: &[u8]) {
    let text = text(data);
    for delimiter in [';', ',', ':'] {
        if let Ok(parts) = syntax::split_escaped(&text, delimiter) {
            assert!(parts.len() <= text.len() + 1, "more parts than characters");
        }
    }
    let _ = syntax::parse_list(&text);
    let _ = syntax::parse_map(&text);
    let _ = syntax::parse_list_of_maps(&text);
    if let Ok(value) = serde_saphyr::from_str::<serde_json::Value>(&text) {
        let _ = syntax::value_to_flink_string(&value);
    }
}

/// `config.yaml` (standard YAML) and the legacy `flink-conf.yaml`, then every typed option.
pub fn config_files(data: &[u8]) {
    let text = text(data);
    if let Ok(conf) = parse_config_yaml(&text, "config.yaml") {
        read_every_option(&conf);
    }
    read_every_option(&parse_legacy_flink_conf(&text));
}

/// Flink's `MemorySize` and `Duration` syntax, and kubectl's `--timeout`.
pub fn sizes_durations(data: &[u8]) {
    let text = text(data);
    if let Ok(size) = MemorySize::parse(&text) {
        let _ = size.mebibytes();
    }
    let _ = parse_duration(&text);
    let _ = kubectl_flink::cli::duration::parse_duration(&text);
}

fn request(base: Configuration, dynamic: Vec<(String, String)>) -> ClusterRequest {
    ClusterRequest {
        mode: DeploymentMode::Session,
        version: FlinkVersion::DEFAULT,
        conf_dir: ConfDir {
            source: ConfSource::BuiltIn,
            base,
            log_files: vec![(
                "log4j-console.properties".into(),
                "rootLogger.level = INFO\n".into(),
            )],
            legacy_file: false,
        },
        dynamic,
        cluster_id: Some("fuzz".into()),
        namespace_flag: Some("default".into()),
        context_namespace: None,
        program: None,
    }
}

fn resolve_and_render(request: &ClusterRequest, local: LocalFiles) {
    let conf = spec::effective_configuration(request);
    if let Ok(spec) = spec::resolve(request, conf, local) {
        let _ = kubectl_flink_core::render::render(&spec);
    }
}

/// `-D` options, one per line, through the whole path a `session start` takes: split,
/// merged over the conf file, resolved (memory model, ids, ports, labels…) and rendered.
pub fn dynamic_options(data: &[u8]) {
    let text = text(data);
    let dynamic: Vec<(String, String)> = text
        .lines()
        .filter_map(|line| parse_dynamic_option(line).ok())
        .collect();
    resolve_and_render(
        &request(Configuration::default(), dynamic),
        LocalFiles::default(),
    );
}

/// A JobManager pod template merged with what Flink decorates (and a TaskManager template
/// shipped): the template is the input, with `-D` options after a `---\n#D\n` line.
pub fn pod_template(data: &[u8]) {
    let text = text(data);
    let (template, options) = match text.split_once("\n#D\n") {
        Some((t, o)) => (t, o),
        None => (text.as_str(), ""),
    };
    let Ok(pod) = parse_pod_template("jobmanager-pod-template.yaml", template) else {
        return;
    };
    let dynamic = options
        .lines()
        .filter_map(|line| parse_dynamic_option(line).ok())
        .collect();
    let local = LocalFiles {
        jobmanager_pod_template: Some(pod),
        taskmanager_pod_template: Some(template.to_string()),
        ..LocalFiles::default()
    };
    resolve_and_render(&request(Configuration::default(), dynamic), local);
}

/// Every decoder of Flink's REST answers, on any body.
pub fn rest_decode(data: &[u8]) {
    let _ = decode::parse_jobs_overview(data);
    let _ = decode::parse_savepoint_status(data);
    let _ = decode::parse_trigger_id(data);
    let _ = decode::parse_run_job_id(data);
    let _ = decode::parse_uploaded_jar_id(data);
    let _ = decode::parse_json::<kubectl_flink::rest::ClusterOverview>(data);
    let _ = decode::flink_error_message(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = decode::failure_reason(&value);
    }
}

/// The kubeconfig fields we read: contexts, their namespaces, the current context.
pub fn kubeconfig(data: &[u8]) {
    let text = text(data);
    let Ok(config) = kube::config::Kubeconfig::from_yaml(&text) else {
        return;
    };
    let mut choices = vec![KubeconfigChoice::default()];
    for context in config.contexts.iter().take(4) {
        choices.push(KubeconfigChoice {
            context: Some(context.name.clone()),
            ..KubeconfigChoice::default()
        });
    }
    for choice in choices {
        let _ = choice.context_namespace(&config);
    }
}
