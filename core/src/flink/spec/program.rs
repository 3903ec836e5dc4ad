//! The keys application mode writes into the configuration; their names and
//! the empty lists 1.x writes depend on the release.

use crate::config::Configuration;
use crate::flink::program::Program;
use crate::flink::version::ReleaseTraits;
use serde_json::json;

/// The keys `flink run --target kubernetes-application` writes (reference §5.2).
pub(super) fn write_program(conf: &mut Configuration, program: &Program, release: &ReleaseTraits) {
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
    // Before 1.15 there is no claim mode (`resolve` refuses one given).
    if release.lacks_option(keys.claim_mode).is_none() {
        conf.set_string(
            keys.claim_mode,
            program
                .claim_mode
                .clone()
                .unwrap_or_else(|| "NO_CLAIM".into()),
        );
    }
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
