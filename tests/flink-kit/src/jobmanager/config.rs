//! A cluster's private folder and its `config.yaml`.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::tempdir::TempDir;

/// JVM options for short-lived test clusters on a small machine: C1-only JIT and the serial
/// collector spend far less CPU while starting up than the defaults do.
const FAST_START_JVM_OPTS: &str = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

/// The folders one cluster writes to, all under one temporary root.
pub(crate) struct ClusterDirs {
    root: TempDir,
    pub rest_port: u16,
    pub rpc_port: u16,
}

impl ClusterDirs {
    /// Creates the folders, picks free ports and writes a conf dir derived from
    /// `$FLINK_HOME/conf` (log configurations copied, `config.yaml` rewritten).
    pub(crate) fn create(flink_home: &Path, label: &str) -> Result<Self, String> {
        let root = TempDir::new(label)?;
        let [rest_port, rpc_port] = free_ports()?;
        let dirs = Self {
            root,
            rest_port,
            rpc_port,
        };
        for dir in [
            dirs.conf_dir(),
            dirs.log_dir(),
            dirs.pid_dir(),
            dirs.tmp_dir(),
            dirs.savepoint_dir(),
            dirs.checkpoint_dir(),
        ] {
            fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        }
        dirs.write_conf(&flink_home.join("conf"))?;
        Ok(dirs)
    }

    pub(crate) fn root(&self) -> &Path {
        self.root.path()
    }
    pub(crate) fn conf_dir(&self) -> PathBuf {
        self.root().join("conf")
    }
    pub(crate) fn log_dir(&self) -> PathBuf {
        self.root().join("log")
    }
    pub(crate) fn pid_dir(&self) -> PathBuf {
        self.root().join("pid")
    }
    fn tmp_dir(&self) -> PathBuf {
        self.root().join("tmp")
    }
    pub(crate) fn savepoint_dir(&self) -> PathBuf {
        self.root().join("savepoints")
    }
    fn checkpoint_dir(&self) -> PathBuf {
        self.root().join("checkpoints")
    }

    fn write_conf(&self, source: &Path) -> Result<(), String> {
        // Flink 1.18 reads only the legacy flat `flink-conf.yaml`.
        let legacy =
            !source.join("config.yaml").is_file() && source.join("flink-conf.yaml").is_file();
        let entries =
            fs::read_dir(source).map_err(|e| format!("reading {}: {e}", source.display()))?;
        for entry in entries.flatten() {
            let name = entry.file_name();
            if name != "config.yaml" && name != "flink-conf.yaml" && entry.path().is_file() {
                fs::copy(entry.path(), self.conf_dir().join(&name))
                    .map_err(|e| format!("copying {}: {e}", entry.path().display()))?;
            }
        }
        let mut settings = if legacy {
            let text = fs::read_to_string(source.join("flink-conf.yaml")).unwrap_or_default();
            read_flink_conf(&text)
        } else {
            let original = fs::read_to_string(source.join("config.yaml")).unwrap_or_default();
            flatten_yaml(&original)?
        };
        for (key, value) in self.overrides() {
            settings.insert(key.to_string(), Value::String(value));
        }
        let java_opts = settings
            .get("env.java.opts.all")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let java_opts = format!("{java_opts} {FAST_START_JVM_OPTS}")
            .trim()
            .to_string();
        settings.insert("env.java.opts.all".into(), Value::String(java_opts));
        let (file, text) = if legacy {
            ("flink-conf.yaml", render_flink_conf(&settings))
        } else {
            ("config.yaml", render_flat_yaml(&settings))
        };
        fs::write(self.conf_dir().join(file), text).map_err(|e| format!("writing {file}: {e}"))
    }

    /// What makes this cluster private and small.
    fn overrides(&self) -> Vec<(&'static str, String)> {
        let file_uri = |p: PathBuf| format!("file://{}", p.display());
        let tmp = self.tmp_dir();
        vec![
            ("jobmanager.rpc.address", "localhost".into()),
            ("jobmanager.bind-host", "localhost".into()),
            ("jobmanager.rpc.port", self.rpc_port.to_string()),
            ("jobmanager.memory.process.size", "1024m".into()),
            ("taskmanager.host", "localhost".into()),
            ("taskmanager.bind-host", "localhost".into()),
            ("taskmanager.rpc.port", "0".into()),
            ("taskmanager.data.port", "0".into()),
            ("taskmanager.numberOfTaskSlots", "2".into()),
            ("taskmanager.memory.process.size", "1024m".into()),
            ("taskmanager.memory.managed.size", "64m".into()),
            ("blob.server.port", "0".into()),
            ("rest.address", "localhost".into()),
            ("rest.bind-address", "localhost".into()),
            ("rest.port", self.rest_port.to_string()),
            ("parallelism.default", "1".into()),
            ("restart-strategy.type", "none".into()),
            (
                "execution.checkpointing.savepoint-dir",
                file_uri(self.savepoint_dir()),
            ),
            (
                "execution.checkpointing.dir",
                file_uri(self.checkpoint_dir()),
            ),
            // The same two under their names before 1.20 (later releases ignore them).
            ("state.savepoints.dir", file_uri(self.savepoint_dir())),
            ("state.checkpoints.dir", file_uri(self.checkpoint_dir())),
            ("io.tmp.dirs", tmp.display().to_string()),
            ("web.tmpdir", tmp.join("web").display().to_string()),
            ("web.upload.dir", tmp.join("uploads").display().to_string()),
        ]
    }
}

/// Two ports nobody listens on now (held together so they differ).
fn free_ports() -> Result<[u16; 2], String> {
    let bind = || TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"));
    let (a, b) = (bind()?, bind()?);
    let port = |l: &TcpListener| l.local_addr().map(|a| a.port()).map_err(|e| e.to_string());
    Ok([port(&a)?, port(&b)?])
}

/// Reads Flink's nested `config.yaml` into `dotted.key -> value` (Flink accepts both forms).
fn flatten_yaml(text: &str) -> Result<Map<String, Value>, String> {
    let mut flat = Map::new();
    if text.trim().is_empty() {
        return Ok(flat);
    }
    let tree: Value =
        serde_saphyr::from_str(text).map_err(|e| format!("parsing Flink's config.yaml: {e}"))?;
    flatten_into(&mut flat, "", &tree);
    Ok(flat)
}

fn flatten_into(flat: &mut Map<String, Value>, prefix: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten_into(flat, &path, child);
            }
        }
        Value::Null => {}
        other => {
            flat.insert(prefix.to_string(), other.clone());
        }
    }
}

/// Flink 1.x's flat `flink-conf.yaml`: `key: value` per line, values as strings.
fn read_flink_conf(text: &str) -> Map<String, Value> {
    match crate::golden::read_flink_conf(text) {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// `key: value` lines with unquoted values, as Flink 1.x's line reader wants them.
fn render_flink_conf(settings: &Map<String, Value>) -> String {
    settings
        .iter()
        .map(|(key, value)| match value {
            Value::String(s) => format!("{key}: {s}\n"),
            other => format!("{key}: {other}\n"),
        })
        .collect()
}

/// One `key: value` line per setting; JSON scalars and lists are valid YAML flow values.
fn render_flat_yaml(settings: &Map<String, Value>) -> String {
    settings
        .iter()
        .map(|(key, value)| format!("{key}: {value}\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_config_is_flattened_and_rendered_as_yaml_flow_scalars() {
        let flat = flatten_yaml(
            "env:\n  java:\n    opts:\n      all: --add-opens=a=b\nrest:\n  port: 8081\ntaskmanager:\n  numberOfTaskSlots: 1\n",
        )
        .unwrap();
        assert_eq!(flat["env.java.opts.all"], "--add-opens=a=b");
        assert_eq!(flat["rest.port"], 8081);
        let rendered = render_flat_yaml(&flat);
        assert!(
            rendered.contains("env.java.opts.all: \"--add-opens=a=b\"\n"),
            "{rendered}"
        );
        assert!(rendered.contains("rest.port: 8081\n"), "{rendered}");
        // What is written reads back as the same flat settings.
        assert_eq!(flatten_yaml(&rendered).unwrap(), flat);
    }

    #[test]
    fn a_cluster_conf_keeps_log_configs_and_overrides_ports_and_dirs() {
        let home = crate::tempdir::TempDir::new("fake-home").unwrap();
        let conf = home.path().join("conf");
        fs::create_dir_all(&conf).unwrap();
        fs::write(
            conf.join("config.yaml"),
            "rest:\n  port: 8081\nenv:\n  java:\n    opts:\n      all: -Dx=1\n",
        )
        .unwrap();
        fs::write(
            conf.join("log4j-console.properties"),
            "rootLogger.level = INFO\n",
        )
        .unwrap();
        let dirs = ClusterDirs::create(home.path(), "conf-test").unwrap();
        let written = fs::read_to_string(dirs.conf_dir().join("config.yaml")).unwrap();
        let flat = flatten_yaml(&written).unwrap();
        assert_eq!(flat["rest.port"], dirs.rest_port.to_string());
        assert_eq!(flat["jobmanager.rpc.port"], dirs.rpc_port.to_string());
        assert_eq!(
            flat["env.java.opts.all"],
            format!("-Dx=1 {FAST_START_JVM_OPTS}"),
            "Flink's own JVM options must be kept"
        );
        assert_eq!(
            flat["execution.checkpointing.savepoint-dir"],
            format!("file://{}", dirs.savepoint_dir().display())
        );
        assert_ne!(dirs.rest_port, dirs.rpc_port);
        assert!(dirs.conf_dir().join("log4j-console.properties").is_file());
        assert!(dirs.savepoint_dir().is_dir() && dirs.log_dir().is_dir());
    }
}
