//! The next spec of a running cluster, for `upgrade`: the configuration the
//! cluster was started with, read back from its `flink-config-<id>`
//! ConfigMap, with the user's changes on top — so an upgrade renders through
//! the same path as `session start` and `app run`, and changes only what the
//! user asked to change.

use crate::config::loader::{self, ConfDir, ConfSource};
use crate::config::syntax;
use crate::config::{Configuration, options};
use crate::flink::program::Program;
use crate::flink::version::{CONFIG_YAML, FLINK_CONF_YAML};
use std::collections::BTreeMap;

/// What an upgrade changes; everything else stays as the cluster runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// `--image`: the JobManager's and the TaskManagers' image.
    pub image: Option<String>,
    /// `-D key=value`, in the order given.
    pub dynamic: Vec<(String, String)>,
    /// `--jar`: the job's jar (application: a URI the cluster fetches).
    pub jar: Option<String>,
    /// `-p`: the job's parallelism.
    pub parallelism: Option<u32>,
    /// `--allow-non-restored-state`: state of removed operators may be dropped.
    pub allow_non_restored_state: bool,
}

impl Changes {
    /// The changes as `-D` options: the user's, then the image.
    pub fn dynamic_options(&self) -> Vec<(String, String)> {
        let mut dynamic = self.dynamic.clone();
        if let Some(image) = &self.image {
            dynamic.push((options::CONTAINER_IMAGE.key.to_string(), image.clone()));
        }
        dynamic
    }

    /// The image the changes set, if any: `--image`, else the last `-D` of the image option.
    pub fn image_ref(&self) -> Option<String> {
        self.dynamic_options()
            .into_iter()
            .rev()
            .find(|(k, _)| k == options::CONTAINER_IMAGE.key)
            .map(|(_, v)| v)
    }
}

/// Keys that say where the previous start restored from: an upgrade
/// restores from its own savepoint or from none.
const RESTORE_PATH_KEYS: [&str; 2] = ["execution.state-recovery.path", "execution.savepoint.path"];

/// The running configuration as a conf dir: the ConfigMap's config file
/// (`config.yaml`, or `flink-conf.yaml` of 1.x) and the logging files it
/// ships, without the previous restore path.
pub fn running_conf_dir(
    cluster_id: &str,
    data: &BTreeMap<String, String>,
    log_file_names: &[&str],
) -> Result<ConfDir, String> {
    let missing = || {
        format!(
            "ConfigMap flink-config-{cluster_id} holds neither {CONFIG_YAML} nor {FLINK_CONF_YAML}: the running configuration is unknown, so the cluster cannot be upgraded (recreate it with `app run` or `session start`)"
        )
    };
    let (mut base, legacy_file) = match (data.get(CONFIG_YAML), data.get(FLINK_CONF_YAML)) {
        (Some(text), _) => (
            loader::parse_config_yaml(text, &format!("flink-config-{cluster_id}/{CONFIG_YAML}"))
                .map_err(|e| e.to_string())?,
            false,
        ),
        (None, Some(text)) => (loader::parse_legacy_flink_conf(text), true),
        (None, None) => return Err(missing()),
    };
    for key in RESTORE_PATH_KEYS {
        base.remove(key);
    }
    let log_files = log_file_names
        .iter()
        .filter_map(|name| data.get(*name).map(|text| (name.to_string(), text.clone())))
        .collect();
    Ok(ConfDir {
        source: ConfSource::RunningCluster(cluster_id.to_string()),
        base,
        log_files,
        legacy_file,
    })
}

/// The job an application cluster runs, as its configuration records it
/// (`pipeline.jars`, `$internal.application.*`), with the changes, restoring
/// from `savepoint`.
pub fn running_program(
    conf: &Configuration,
    changes: &Changes,
    savepoint: Option<&str>,
) -> Result<Program, String> {
    let list = |key: &str| -> Result<Vec<String>, String> {
        match conf.get_raw_string(key) {
            Some(text) => syntax::parse_list(&text).map_err(|e| format!("{key}: {e}")),
            None => Ok(Vec::new()),
        }
    };
    let jar_uri = match &changes.jar {
        Some(jar) => jar.clone(),
        None => list("pipeline.jars")?.into_iter().next().ok_or_else(|| {
            "the running configuration names no job jar (pipeline.jars): give it with --jar"
                .to_string()
        })?,
    };
    let attached = conf
        .get_raw_string("execution.attached")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    Ok(Program {
        jar_uri,
        entry_class: conf.get_raw_string("$internal.application.main"),
        parallelism: changes.parallelism,
        args: list("$internal.application.program-args")?,
        savepoint_path: savepoint.map(str::to_string),
        allow_non_restored_state: changes.allow_non_restored_state,
        claim_mode: None,
        detached: !attached,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const APPLICATION: &str = "kubernetes:\n  cluster-id: etl\n$internal:\n  application:\n    program-args:\n    - --date\n    - 2026-11-27\n    main: com.example.Etl\npipeline:\n  jars:\n  - local:///opt/flink/usrlib/etl.jar\nexecution:\n  attached: true\n  state-recovery:\n    path: s3://old/savepoint-1\nparallelism:\n  default: 4\n";

    #[test]
    fn the_running_configuration_is_the_base_without_its_old_restore_path() {
        let dir = running_conf_dir(
            "etl",
            &data(&[
                ("config.yaml", APPLICATION),
                ("log4j-console.properties", "rootLogger.level = INFO\n"),
                ("unrelated", "x"),
            ]),
            &["logback-console.xml", "log4j-console.properties"],
        )
        .unwrap();
        assert!(!dir.legacy_file);
        assert_eq!(
            dir.base.get_raw_string("parallelism.default").as_deref(),
            Some("4")
        );
        assert_eq!(
            dir.base.get_raw_string("execution.state-recovery.path"),
            None
        );
        assert_eq!(
            dir.log_files,
            vec![(
                "log4j-console.properties".to_string(),
                "rootLogger.level = INFO\n".to_string()
            )]
        );
        let legacy = running_conf_dir(
            "old",
            &data(&[(
                "flink-conf.yaml",
                "kubernetes.cluster-id: old\nexecution.savepoint.path: s3://x\n",
            )]),
            &[],
        )
        .unwrap();
        assert!(legacy.legacy_file);
        assert_eq!(legacy.base.get_raw_string("execution.savepoint.path"), None);
        let err = running_conf_dir("gone", &data(&[("other", "")]), &[]).unwrap_err();
        assert!(err.contains("flink-config-gone"), "{err}");
    }

    #[test]
    fn the_program_is_read_back_and_changed_only_where_asked() {
        let dir = running_conf_dir("etl", &data(&[("config.yaml", APPLICATION)]), &[]).unwrap();
        let same = running_program(&dir.base, &Changes::default(), Some("s3://sp/new")).unwrap();
        assert_eq!(same.jar_uri, "local:///opt/flink/usrlib/etl.jar");
        assert_eq!(same.entry_class.as_deref(), Some("com.example.Etl"));
        assert_eq!(same.args, vec!["--date", "2026-11-27"]);
        assert_eq!(same.savepoint_path.as_deref(), Some("s3://sp/new"));
        assert_eq!(same.parallelism, None);
        assert!(!same.detached);
        let changes = Changes {
            jar: Some("local:///opt/flink/usrlib/etl-2.jar".into()),
            parallelism: Some(8),
            allow_non_restored_state: true,
            ..Changes::default()
        };
        let changed = running_program(&dir.base, &changes, None).unwrap();
        assert_eq!(changed.jar_uri, "local:///opt/flink/usrlib/etl-2.jar");
        assert_eq!(changed.parallelism, Some(8));
        assert!(changed.allow_non_restored_state);
        assert_eq!(changed.savepoint_path, None);
        let empty = running_conf_dir("s", &data(&[("config.yaml", "a: 1\n")]), &[]).unwrap();
        assert!(
            running_program(&empty.base, &Changes::default(), None)
                .unwrap_err()
                .contains("--jar")
        );
    }

    #[test]
    fn the_image_is_a_change_of_the_image_option() {
        let changes = Changes {
            image: Some("apache/flink:2.3.0-java17".into()),
            dynamic: vec![("taskmanager.numberOfTaskSlots".into(), "2".into())],
            ..Changes::default()
        };
        assert_eq!(
            changes.dynamic_options(),
            vec![
                ("taskmanager.numberOfTaskSlots".to_string(), "2".to_string()),
                (
                    "kubernetes.container.image.ref".to_string(),
                    "apache/flink:2.3.0-java17".to_string()
                ),
            ]
        );
        assert_eq!(
            changes.image_ref().as_deref(),
            Some("apache/flink:2.3.0-java17")
        );
        let only_d = Changes {
            dynamic: vec![("kubernetes.container.image.ref".into(), "my/app:2".into())],
            ..Changes::default()
        };
        assert_eq!(only_d.image_ref().as_deref(), Some("my/app:2"));
        assert_eq!(Changes::default().image_ref(), None);
    }
}
