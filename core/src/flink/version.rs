//! The Flink release a cluster runs. Defaults, the shipped config file and
//! some objects differ between releases, so the release is an input of the
//! renderer; each supported release is a row of [`ReleaseTraits`], not a
//! fork of the code. How the release is chosen is in [`super::release_choice`].

use std::fmt;
use std::str::FromStr;

/// A Flink release, `major.minor[.patch]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlinkVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl FlinkVersion {
    /// The newest release, which kubectl-flink targets by default.
    pub const DEFAULT: FlinkVersion = FlinkVersion {
        major: 2,
        minor: 3,
        patch: 0,
    };

    /// What differs in this release, or an error naming the releases we render.
    pub fn traits(self) -> Result<&'static ReleaseTraits, String> {
        RELEASES
            .iter()
            .find(|r| r.major == self.major && r.minor == self.minor)
            .ok_or_else(|| {
                format!(
                    "Flink {}.{} is not supported: use --flink-version with one of {}",
                    self.major,
                    self.minor,
                    supported_lines()
                )
            })
    }

    /// A release as a JobManager reports it (`flink-version` of REST `/config`,
    /// e.g. `1.20.5`, `2.3-SNAPSHOT`), of any line, supported for rendering
    /// or not; None when it names no release.
    pub fn parse_reported(text: &str) -> Option<FlinkVersion> {
        let release = text.trim().split(['-', ' ']).next()?;
        let parts: Vec<&str> = release.split('.').collect();
        if !(2..=3).contains(&parts.len()) {
            return None;
        }
        let number = |i: usize| parts.get(i).map_or(Some(0), |p| p.parse::<u32>().ok());
        Some(FlinkVersion {
            major: number(0)?,
            minor: number(1)?,
            patch: number(2)?,
        })
    }

    /// `major.minor`
    pub fn line(self) -> (u32, u32) {
        (self.major, self.minor)
    }

    /// The image Flink's client uses when none is configured: the release and
    /// the Scala version its client was built with.
    pub fn default_image(self) -> String {
        let scala = self.traits().map_or("2.12", |r| r.scala_version);
        format!("apache/flink:{self}-scala_{scala}")
    }
}

impl fmt::Display for FlinkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for FlinkVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{text}' is not a Flink version: expected e.g. 2.3 or 2.3.0");
        let parts: Vec<&str> = text.trim().split('.').collect();
        let number = |i: usize| -> Result<u32, String> {
            parts.get(i).map_or(Ok(0), |p| p.parse().map_err(|_| bad()))
        };
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let mut version = FlinkVersion {
            major: number(0)?,
            minor: number(1)?,
            patch: 0,
        };
        let release = version.traits()?;
        // `1.20` means the newest patch release of that line.
        version.patch = match parts.get(2) {
            Some(_) => number(2)?,
            None => release.latest_patch,
        };
        Ok(version)
    }
}

/// Which config file a release reads from its conf dir and ships in the
/// `flink-config-<id>` ConfigMap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFiles {
    /// Only `flink-conf.yaml`, flat `key: value` lines, `;`-separated lists (≤ 1.18).
    FlinkConfOnly,
    /// `flink-conf.yaml` when the conf dir has one (written back flat), else
    /// standard-YAML `config.yaml` (1.19, 1.20).
    FlinkConfWins,
    /// Only standard-YAML `config.yaml` (2.x).
    ConfigYamlOnly,
}

/// The keys application mode writes for restoring state (renamed in 1.20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateRecoveryKeys {
    pub claim_mode: &'static str,
    pub ignore_unclaimed_state: &'static str,
    pub path: &'static str,
}

const SAVEPOINT_KEYS: StateRecoveryKeys = StateRecoveryKeys {
    claim_mode: "execution.savepoint-restore-mode",
    ignore_unclaimed_state: "execution.savepoint.ignore-unclaimed-state",
    path: "execution.savepoint.path",
};

const STATE_RECOVERY_KEYS: StateRecoveryKeys = StateRecoveryKeys {
    claim_mode: "execution.state-recovery.claim-mode",
    ignore_unclaimed_state: "execution.state-recovery.ignore-unclaimed-state",
    path: "execution.state-recovery.path",
};

/// The per-release facts the renderer needs (reference, appendix A). Every
/// value was read off what that release's own client created
/// (`tests/golden/flink-<release>/`, recorded by `record-goldens`).
#[derive(Debug)]
pub struct ReleaseTraits {
    pub major: u32,
    pub minor: u32,
    /// The newest patch release, which `--flink-version <major.minor>` means.
    pub latest_patch: u32,
    pub config_files: ConfigFiles,
    /// Logging files copied from the conf dir, in the order Flink adds them.
    pub log_file_names: &'static [&'static str],
    /// Whether the JobManager pod gets the `user-artifacts-volume` (1.19+).
    pub user_artifacts_volume: bool,
    /// Application mode's state-recovery keys.
    pub state_recovery: StateRecoveryKeys,
    /// Whether application mode writes an empty `pipeline.classpaths` and
    /// `$internal.application.program-args` (1.x).
    pub writes_empty_program_lists: bool,
    /// Whether empty annotations (Deployment, pod, rest Service) and an empty
    /// `nodeSelector` are written as `{}` (1.15–1.17).
    pub writes_empty_maps: bool,
    /// Whether `kubernetes.jobmanager.entrypoint.args` exists, the entrypoint
    /// then written `kubernetes-jobmanager.sh <target> <args>` (1.16+), else
    /// `kubernetes-jobmanager.sh <target>`.
    pub entrypoint_args: bool,
    /// Whether the JobManager is started with the whole `java` command line
    /// (`native-k8s`, then `$JAVA_HOME/bin/java … <entrypoint class> -D …`)
    /// rather than `bash -c kubernetes-jobmanager.sh …` (1.12), its log file
    /// then named in the command line instead of `FLINK_LOG_DIR`.
    pub java_command_line: bool,
    /// The Scala version of the image the client defaults to
    /// (`apache/flink:<release>-scala_<this>`): that of the client's own build.
    pub scala_version: &'static str,
    /// The default of `kubernetes.rest-service.exposed.type` (`LoadBalancer`
    /// before 1.15).
    pub default_exposed_type: &'static str,
    /// Whether `Headless_ClusterIP` is an exposed type (1.14+); before, the
    /// client refuses it.
    pub headless_rest_service: bool,
    /// Whether the Deployment itself carries the JobManager annotations (1.14+;
    /// before, only its pod does).
    pub deployment_annotations: bool,
    /// Whether the Deployment's and the Services' selectors hold the user's
    /// JobManager labels too (1.12), not only Flink's three.
    pub selectors_with_user_labels: bool,
    /// The name of the JobManager's Flink container (`flink-job-manager` in
    /// 1.12, which has no pod templates).
    pub main_container_name: &'static str,
    /// Whether the pod gets `serviceAccount` beside `serviceAccountName` (1.13+).
    pub writes_service_account: bool,
}

impl ReleaseTraits {
    /// `major.minor`
    pub fn line(&self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// `None` when the release has the option, else the release that added it
    /// (see [`OPTIONS_SINCE`]).
    pub fn lacks_option(&self, key: &str) -> Option<(u32, u32)> {
        OPTIONS_SINCE
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, since, _)| *since)
            .filter(|since| (self.major, self.minor) < *since)
    }

    /// `conf` as this release reads it: without the options it lacks (a
    /// renamed key's new name among them), which its client ignores.
    pub fn reads(&self, conf: &crate::config::Configuration) -> crate::config::Configuration {
        let mut read = conf.clone();
        let lacked: Vec<String> = conf
            .keys()
            .filter(|key| self.lacks_option(key).is_some())
            .map(str::to_string)
            .collect();
        for key in lacked {
            read.remove(&key);
        }
        read
    }

    /// The warning for an option this release lacks, naming the release that
    /// added it and the key this release reads instead; None when it has it.
    pub fn lacks_option_warning(&self, key: &str) -> Option<String> {
        let (major, minor) = self.lacks_option(key)?;
        let instead = OPTIONS_SINCE
            .iter()
            .find_map(|(k, _, old)| (*k == key).then_some(*old))
            .flatten()
            .map(|old| format!(" (it reads {old})"))
            .unwrap_or_default();
        Some(format!(
            "{key} exists since Flink {major}.{minor}; Flink {} ignores it{instead}: drop it, or choose --flink-version {major}.{minor} or later",
            self.line()
        ))
    }

    /// The config file shipped in the ConfigMap, given whether the conf dir's
    /// `flink-conf.yaml` was read.
    pub fn config_file_name(&self, flink_conf_read: bool) -> &'static str {
        match self.config_files {
            ConfigFiles::FlinkConfOnly => FLINK_CONF_YAML,
            ConfigFiles::FlinkConfWins if flink_conf_read => FLINK_CONF_YAML,
            _ => CONFIG_YAML,
        }
    }
}

pub const FLINK_CONF_YAML: &str = "flink-conf.yaml";
pub const CONFIG_YAML: &str = "config.yaml";
/// The names Flink's configuration file has in a cluster's ConfigMap, of any release.
pub const CONFIG_FILE_NAMES: [&str; 2] = [CONFIG_YAML, FLINK_CONF_YAML];

/// The logging files 1.18–2.0 ship (those of them found in the conf dir).
const CONSOLE_LOG_FILES: &[&str] = &["logback-console.xml", "log4j-console.properties"];

/// The logging files 2.1 and later ship: every one of the stock conf dir.
const ALL_LOG_FILES: &[&str] = &[
    "logback.xml",
    "log4j.properties",
    "logback-console.xml",
    "log4j-console.properties",
    "logback-session.xml",
    "log4j-session.properties",
    "log4j-cli.properties",
];

const fn release(
    minor_line: (u32, u32),
    latest_patch: u32,
    config_files: ConfigFiles,
    user_artifacts_volume: bool,
    state_recovery: StateRecoveryKeys,
) -> ReleaseTraits {
    ReleaseTraits {
        major: minor_line.0,
        minor: minor_line.1,
        latest_patch,
        config_files,
        log_file_names: if minor_line.0 == 1 || (minor_line.0 == 2 && minor_line.1 == 0) {
            CONSOLE_LOG_FILES
        } else {
            ALL_LOG_FILES
        },
        user_artifacts_volume,
        state_recovery,
        writes_empty_program_lists: minor_line.0 == 1,
        writes_empty_maps: minor_line.0 == 1 && minor_line.1 <= 17,
        entrypoint_args: !before(minor_line, (1, 16)),
        java_command_line: before(minor_line, (1, 13)),
        scala_version: "2.12",
        default_exposed_type: if before(minor_line, (1, 15)) {
            "LoadBalancer"
        } else {
            "ClusterIP"
        },
        headless_rest_service: !before(minor_line, (1, 14)),
        deployment_annotations: !before(minor_line, (1, 14)),
        selectors_with_user_labels: before(minor_line, (1, 13)),
        main_container_name: if before(minor_line, (1, 13)) {
            "flink-job-manager"
        } else {
            "flink-main-container"
        },
        writes_service_account: !before(minor_line, (1, 13)),
    }
}

/// Whether `line` is older than `than`.
const fn before(line: (u32, u32), than: (u32, u32)) -> bool {
    line.0 < than.0 || (line.0 == than.0 && line.1 < than.1)
}

/// A row whose client was built with Scala 2.11 (the PyPI packages of 1.12
/// and 1.14; 1.13's is built with 2.12).
const fn scala_2_11(row: ReleaseTraits) -> ReleaseTraits {
    ReleaseTraits {
        scala_version: "2.11",
        ..row
    }
}

/// The releases kubectl-flink renders, oldest first.
pub const RELEASES: &[ReleaseTraits] = &[
    scala_2_11(release(
        (1, 12),
        5,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    )),
    release(
        (1, 13),
        6,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    ),
    scala_2_11(release(
        (1, 14),
        6,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    )),
    release(
        (1, 15),
        4,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    ),
    release(
        (1, 16),
        3,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    ),
    release(
        (1, 17),
        2,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    ),
    release(
        (1, 18),
        1,
        ConfigFiles::FlinkConfOnly,
        false,
        SAVEPOINT_KEYS,
    ),
    release((1, 19), 3, ConfigFiles::FlinkConfWins, true, SAVEPOINT_KEYS),
    release(
        (1, 20),
        5,
        ConfigFiles::FlinkConfWins,
        true,
        STATE_RECOVERY_KEYS,
    ),
    release(
        (2, 0),
        2,
        ConfigFiles::ConfigYamlOnly,
        true,
        STATE_RECOVERY_KEYS,
    ),
    release(
        (2, 1),
        3,
        ConfigFiles::ConfigYamlOnly,
        true,
        STATE_RECOVERY_KEYS,
    ),
    release(
        (2, 2),
        1,
        ConfigFiles::ConfigYamlOnly,
        true,
        STATE_RECOVERY_KEYS,
    ),
    release(
        (2, 3),
        0,
        ConfigFiles::ConfigYamlOnly,
        true,
        STATE_RECOVERY_KEYS,
    ),
];

/// Options older releases do not have, with the release that added them
/// and the key those releases read instead, if any; their clients and
/// JobManagers ignore them. The renderer drops the ones it renders itself
/// (checked in the `metadata-and-scheduling` goldens); any of them a user
/// sets is warned about. Read off each release's `flink-dist` jar.
pub const OPTIONS_SINCE: &[(&str, (u32, u32), Option<&str>)] = &[
    ("kubernetes.pod-template-file", (1, 13), None),
    ("kubernetes.pod-template-file.jobmanager", (1, 13), None),
    ("kubernetes.pod-template-file.taskmanager", (1, 13), None),
    ("kubernetes.jobmanager.replicas", (1, 14), None),
    (
        "kubernetes.rest-service.exposed.node-port-address-type",
        (1, 14),
        None,
    ),
    ("kubernetes.hostnetwork.enabled", (1, 15), None),
    ("kubernetes.jobmanager.cpu.limit-factor", (1, 15), None),
    ("kubernetes.jobmanager.memory.limit-factor", (1, 15), None),
    ("kubernetes.taskmanager.cpu.limit-factor", (1, 15), None),
    ("kubernetes.taskmanager.memory.limit-factor", (1, 15), None),
    ("execution.savepoint-restore-mode", (1, 15), None),
    ("execution.shutdown-on-application-finish", (1, 15), None),
    ("kubernetes.jobmanager.entrypoint.args", (1, 16), None),
    (
        "kubernetes.pod-template-file.default",
        (1, 17),
        Some("kubernetes.pod-template-file"),
    ),
    (
        "kubernetes.container.image.ref",
        (1, 17),
        Some("kubernetes.container.image"),
    ),
    ("high-availability.type", (1, 17), Some("high-availability")),
    (
        "kubernetes.jobmanager.cpu.amount",
        (1, 17),
        Some("kubernetes.jobmanager.cpu"),
    ),
    ("kubernetes.internal-service.annotations", (1, 20), None),
    ("kubernetes.internal-service.labels", (2, 2), None),
    ("kubernetes.rest-service.labels", (2, 2), None),
    ("kubernetes.persistent-volume-claims", (2, 3), None),
    (
        "execution.state-recovery.path",
        (1, 20),
        Some("execution.savepoint.path"),
    ),
    (
        "execution.state-recovery.claim-mode",
        (1, 20),
        Some("execution.savepoint-restore-mode"),
    ),
    (
        "execution.state-recovery.ignore-unclaimed-state",
        (1, 20),
        Some("execution.savepoint.ignore-unclaimed-state"),
    ),
    (
        "execution.checkpointing.dir",
        (1, 20),
        Some("state.checkpoints.dir"),
    ),
    (
        "execution.checkpointing.savepoint-dir",
        (1, 20),
        Some("state.savepoints.dir"),
    ),
];

/// Keys 1.17 renamed, with their old names: a release before reads only the
/// old name (current there, not deprecated) and ignores the new one.
pub const RENAMED_IN_1_17: &[(&str, &str)] = &[
    (
        "kubernetes.container.image.ref",
        "kubernetes.container.image",
    ),
    ("high-availability.type", "high-availability"),
    (
        "kubernetes.jobmanager.cpu.amount",
        "kubernetes.jobmanager.cpu",
    ),
    (
        "kubernetes.pod-template-file.default",
        "kubernetes.pod-template-file",
    ),
];

impl ReleaseTraits {
    /// What this release calls `key` (its old name before a rename).
    pub fn key_name<'a>(&self, key: &'a str) -> &'a str {
        self.old_key_names()
            .iter()
            .find(|(new, _)| *new == key)
            .map_or(key, |(_, old)| old)
    }

    /// `(new, old)` for the keys this release knows only by their old name.
    pub fn old_key_names(&self) -> &'static [(&'static str, &'static str)] {
        if (self.major, self.minor) < (1, 17) {
            RENAMED_IN_1_17
        } else {
            &[]
        }
    }
}

/// `1.18, 1.19, …, 2.3`: what an error about an unknown release names.
pub fn supported_lines() -> String {
    RELEASES
        .iter()
        .map(ReleaseTraits::line)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_1_17_renames_are_the_options_since_1_17_with_an_old_name() {
        let from_table: Vec<(&str, &str)> = OPTIONS_SINCE
            .iter()
            .filter(|(_, since, _)| *since == (1, 17))
            .filter_map(|(new, _, old)| Some((*new, (*old)?)))
            .collect();
        let mut renames = RENAMED_IN_1_17.to_vec();
        let mut from_table_sorted = from_table.clone();
        renames.sort();
        from_table_sorted.sort();
        assert_eq!(renames, from_table_sorted);
    }

    #[test]
    fn parses_and_rejects_versions() {
        assert_eq!("2.3".parse::<FlinkVersion>(), Ok(FlinkVersion::DEFAULT));
        assert_eq!("2.3.0".parse::<FlinkVersion>(), Ok(FlinkVersion::DEFAULT));
        let err = "1.11".parse::<FlinkVersion>().unwrap_err();
        assert!(
            err.contains(
                "1.12, 1.13, 1.14, 1.15, 1.16, 1.17, 1.18, 1.19, 1.20, 2.0, 2.1, 2.2, 2.3"
            ),
            "{err}"
        );
        assert_eq!(
            "1.12".parse::<FlinkVersion>().map(|v| v.to_string()),
            Ok("1.12.5".to_string())
        );
        assert_eq!(
            "1.20".parse::<FlinkVersion>().map(|v| v.to_string()),
            Ok("1.20.5".to_string())
        );
        assert_eq!(
            "1.20.2".parse::<FlinkVersion>().map(|v| v.to_string()),
            Ok("1.20.2".to_string())
        );
        assert!("two".parse::<FlinkVersion>().is_err());
        let reported = |text| FlinkVersion::parse_reported(text).map(|v| v.to_string());
        assert_eq!(reported("1.13.6").as_deref(), Some("1.13.6"));
        assert_eq!(reported("2.3-SNAPSHOT").as_deref(), Some("2.3.0"));
        assert_eq!(reported("<unknown>"), None);
        assert_eq!(reported("1"), None);
        assert_eq!(
            FlinkVersion::DEFAULT.default_image(),
            "apache/flink:2.3.0-scala_2.12"
        );
        let image = |text: &str| text.parse::<FlinkVersion>().map(|v| v.default_image());
        assert_eq!(image("1.14"), Ok("apache/flink:1.14.6-scala_2.11".into()));
        assert_eq!(image("1.13"), Ok("apache/flink:1.13.6-scala_2.12".into()));
        assert_eq!(image("1.12"), Ok("apache/flink:1.12.5-scala_2.11".into()));
    }
}
