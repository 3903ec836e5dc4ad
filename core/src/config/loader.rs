//! Finding and reading the Flink conf dir, and laying `-D` options over it —
//! the only part of the configuration layer that touches the file system.

use super::{Configuration, defaults};
use crate::flink::version::ConfigFiles;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Why configuration could not be loaded; each message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "cannot read the Flink conf dir {path} ({source}): point --flink-conf-dir (or FLINK_CONF_DIR) at a readable directory with a config.yaml"
    )]
    UnreadableDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} has neither config.yaml nor flink-conf.yaml: point --flink-conf-dir at a Flink conf dir, or leave it out to use the built-in defaults"
    )]
    NoConfigFile { path: PathBuf },
    #[error(
        "cannot read {path}: {source}: make it readable, or point --flink-conf-dir at another conf dir"
    )]
    UnreadableFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{file}:{line}:{column}: {message}: fix the YAML there (Flink reads it as standard YAML)"
    )]
    InvalidYaml {
        file: String,
        line: u64,
        column: u64,
        message: String,
    },
    #[error(
        "{path} has no flink-conf.yaml, the only config file Flink {release} reads: write the options there as flat `key: value` lines, or choose a release that reads config.yaml with --flink-version"
    )]
    NeedsFlinkConf { path: PathBuf, release: String },
    #[error(
        "{path}: Flink {release} reads only config.yaml, not this legacy file: convert it with Flink's bin/migrate-config-file.sh, or choose --flink-version 1.20 (which still reads it)"
    )]
    NeedsConfigYaml { path: PathBuf, release: String },
    #[error("{file}: the top level must be a mapping of option keys to values")]
    NotAMapping { file: String },
    #[error(
        "-D {raw}: a Flink option is a key and a value: write -Dkey=value, e.g. -Dtaskmanager.numberOfTaskSlots=4 (-D{raw}=true for a switch)"
    )]
    DynamicWithoutValue { raw: String },
    #[error(
        "-D {raw}: the option has no key before '=': write -Dkey=value, e.g. -Dtaskmanager.numberOfTaskSlots=4"
    )]
    DynamicWithoutKey { raw: String },
}

/// Where the conf dir was found, in the order kubectl-flink looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfSource {
    /// `--flink-conf-dir`
    Flag(PathBuf),
    /// `$FLINK_CONF_DIR`
    ConfDirEnv(PathBuf),
    /// `$FLINK_HOME/conf`
    FlinkHome(PathBuf),
    /// Nothing found: the defaults compiled into kubectl-flink.
    BuiltIn,
    /// The configuration a running cluster was started with (its ConfigMap),
    /// for `upgrade`.
    RunningCluster(String),
}

impl ConfSource {
    /// Pick the conf dir: the flag, else `FLINK_CONF_DIR`, else
    /// `$FLINK_HOME/conf` (when it exists), else the built-in defaults.
    pub fn locate(
        flag: Option<&Path>,
        flink_conf_dir_env: Option<&str>,
        flink_home_env: Option<&str>,
    ) -> ConfSource {
        if let Some(dir) = flag {
            return ConfSource::Flag(dir.to_path_buf());
        }
        if let Some(dir) = flink_conf_dir_env.filter(|d| !d.trim().is_empty()) {
            return ConfSource::ConfDirEnv(PathBuf::from(dir));
        }
        if let Some(home) = flink_home_env.filter(|d| !d.trim().is_empty()) {
            let conf = Path::new(home).join("conf");
            if conf.is_dir() {
                return ConfSource::FlinkHome(conf);
            }
        }
        ConfSource::BuiltIn
    }

    /// The directory, unless the built-in defaults are used.
    pub fn dir(&self) -> Option<&Path> {
        match self {
            ConfSource::Flag(d) | ConfSource::ConfDirEnv(d) | ConfSource::FlinkHome(d) => Some(d),
            ConfSource::BuiltIn | ConfSource::RunningCluster(_) => None,
        }
    }
}

/// What a conf dir contributes to a cluster: the base configuration and the
/// logging files that go into the `flink-config-<id>` ConfigMap.
#[derive(Debug, Clone)]
pub struct ConfDir {
    pub source: ConfSource,
    pub base: Configuration,
    /// `(file name, content)` for each logging file found, in the order given.
    pub log_files: Vec<(String, String)>,
    /// Set when the legacy `flink-conf.yaml` was read instead of `config.yaml`
    /// (always for a release that reads only `flink-conf.yaml`).
    pub legacy_file: bool,
}

/// How one release reads a conf dir: which config file, which logging files.
#[derive(Debug, Clone, Copy)]
pub struct ReadRules<'a> {
    /// `major.minor`, for messages.
    pub release: &'a str,
    pub files: ConfigFiles,
    pub log_file_names: &'a [&'a str],
}

impl ReadRules<'static> {
    /// For finding existing clusters, whose release is not known yet: either
    /// file (`flink-conf.yaml` winning, as 1.19 and 1.20 read), no logging files.
    pub const ANY_RELEASE: ReadRules<'static> = ReadRules {
        release: "any",
        files: ConfigFiles::FlinkConfWins,
        log_file_names: &[],
    };
}

/// Read the conf dir as the release does — `config.yaml`, the legacy
/// `flink-conf.yaml`, or either with `flink-conf.yaml` winning — plus each
/// of the logging files that exists there.
pub fn load(source: ConfSource, rules: ReadRules<'_>) -> Result<ConfDir, LoadError> {
    let log_file_names = rules.log_file_names;
    let Some(dir) = source.dir().map(Path::to_path_buf) else {
        return Ok(ConfDir {
            base: parse_config_yaml(defaults::CONFIG_YAML, "built-in config.yaml")?,
            log_files: vec![(
                "log4j-console.properties".to_string(),
                defaults::LOG4J_CONSOLE.to_string(),
            )],
            source,
            legacy_file: rules.files == ConfigFiles::FlinkConfOnly,
        });
    };
    std::fs::read_dir(&dir).map_err(|source| LoadError::UnreadableDir {
        path: dir.clone(),
        source,
    })?;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| LoadError::UnreadableFile {
            path: path.to_path_buf(),
            source,
        })
    };
    let standard = dir.join("config.yaml");
    let legacy = dir.join("flink-conf.yaml");
    let read_legacy = match rules.files {
        ConfigFiles::FlinkConfOnly if !legacy.is_file() && standard.is_file() => {
            return Err(LoadError::NeedsFlinkConf {
                path: dir,
                release: rules.release.to_string(),
            });
        }
        ConfigFiles::ConfigYamlOnly if !standard.is_file() && legacy.is_file() => {
            return Err(LoadError::NeedsConfigYaml {
                path: legacy,
                release: rules.release.to_string(),
            });
        }
        ConfigFiles::FlinkConfOnly | ConfigFiles::FlinkConfWins if legacy.is_file() => true,
        _ if standard.is_file() => false,
        _ => return Err(LoadError::NoConfigFile { path: dir }),
    };
    let (base, legacy_file) = if read_legacy {
        (parse_legacy_flink_conf(&read(&legacy)?), true)
    } else {
        (
            parse_config_yaml(&read(&standard)?, &standard.display().to_string())?,
            false,
        )
    };
    let mut log_files = Vec::new();
    for name in log_file_names {
        let path = dir.join(name);
        if path.is_file() {
            log_files.push((name.to_string(), read(&path)?));
        }
    }
    Ok(ConfDir {
        source,
        base,
        log_files,
        legacy_file,
    })
}

/// Parse Flink's standard-YAML `config.yaml` as Flink (1.19+) does: YAML 1.2's
/// core schema (snakeyaml-engine's), so `yes`, `on`, `1_000` and `010` stay
/// text as there rather than YAML 1.1's booleans and numbers; nested mappings
/// flatten to dotted keys, lists and scalars keep their YAML types. What Flink
/// refuses — a duplicate key, a key without a value (`Value must not be
/// null`) — is refused with its line, never half-read.
pub fn parse_config_yaml(text: &str, file: &str) -> Result<Configuration, LoadError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        underscored_numbers_as_strings: true,
        leading_zero_numbers_as_strings: true,
    };
    let parsed: Value = serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((0, 0));
        LoadError::InvalidYaml {
            file: file.to_string(),
            line,
            column,
            message: short_yaml_message(&e.to_string()),
        }
    })?;
    let mut conf = Configuration::default();
    match parsed {
        Value::Object(map) => flatten_into(&mut conf, "", map).map_err(|key| {
            let (line, column) = line_of_key(text, &key);
            LoadError::InvalidYaml {
                file: file.to_string(),
                line,
                column,
                message: format!(
                    "{key} has no value, and Flink refuses the whole file for it (\"Value must not be null\"): give it a value or delete the line"
                ),
            }
        })?,
        Value::Null => {}
        _ => {
            return Err(LoadError::NotAMapping {
                file: file.to_string(),
            });
        }
    }
    Ok(conf)
}

/// The parser's message without its position prefix, source snippet and
/// advice about the parser's own options.
fn short_yaml_message(display: &str) -> String {
    let first = display.lines().next().unwrap_or(display);
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let first = match first.find(", set DuplicateKeyPolicy") {
        Some(i) => &first[..i],
        None => first,
    };
    match first.find(": ") {
        Some(i) if first.starts_with("line ") => first[i + 2..].to_string(),
        _ => first.to_string(),
    }
}

/// Line and column (1-based) of the line that sets `key` (dotted, as
/// flattened): the first line starting with the whole key or, for nested
/// mappings, its last segment, followed by `:`; (0, 0) when none does.
fn line_of_key(text: &str, key: &str) -> (u64, u64) {
    let last = key.rsplit('.').next().unwrap_or(key);
    text.lines()
        .enumerate()
        .find_map(|(i, line)| {
            let trimmed = line.trim_start();
            let column = line.len() - trimmed.len() + 1;
            [key, last]
                .iter()
                .any(|k| {
                    trimmed
                        .strip_prefix(k)
                        .is_some_and(|rest| rest.trim_start().starts_with(':'))
                })
                .then_some((i as u64 + 1, column as u64))
        })
        .unwrap_or((0, 0))
}

/// Flattens `map` into `conf`; a key whose value is null is `Err(key)`.
fn flatten_into(
    conf: &mut Configuration,
    prefix: &str,
    map: serde_json::Map<String, Value>,
) -> Result<(), String> {
    for (key, value) in map {
        let full = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten_into(conf, &full, inner)?,
            Value::Null => return Err(full),
            // Flink (1.19+) keeps a list read from config.yaml as its YAML
            // flow text and ships it so: `[a, 'b:c']` (see the goldens'
            // `config-yaml-only` case).
            Value::Array(items) => conf.set_string(full, super::syntax::flow_sequence(&items)),
            other => conf.set(full, other),
        }
    }
    Ok(())
}

/// Parse the legacy `flink-conf.yaml`: one `key: value` per line, `#` starts
/// a comment, every value a string — Flink's own line-based reading.
pub fn parse_legacy_flink_conf(text: &str) -> Configuration {
    let mut conf = Configuration::default();
    for line in text.lines() {
        let content = line.split('#').next().unwrap_or("").trim();
        if let Some((key, value)) = content.split_once(": ") {
            let (key, value) = (key.trim(), value.trim());
            if !key.is_empty() && !value.is_empty() {
                conf.set_string(key, value);
            }
        }
    }
    conf
}

/// Split one `-D` option (`key=value`, split at the first `=`).
pub fn parse_dynamic_option(raw: &str) -> Result<(String, String), LoadError> {
    let Some((key, value)) = raw.split_once('=') else {
        return Err(LoadError::DynamicWithoutValue {
            raw: raw.to_string(),
        });
    };
    if key.trim().is_empty() {
        return Err(LoadError::DynamicWithoutKey {
            raw: raw.to_string(),
        });
    }
    Ok((key.trim().to_string(), value.to_string()))
}

#[cfg(test)]
#[path = "loader_tests.rs"]
mod tests;
