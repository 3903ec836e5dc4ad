//! Golden cases: the objects each release's own client created, recorded in
//! `tests/golden/flink-<release>/` by `record-goldens`, and the normalisation
//! both sides go through before they are compared.
//!
//! Comparison rules (from the golden README): lists whose items all carry a
//! `name` are compared as maps keyed by that name, the ConfigMap's
//! `config.yaml` is compared as flattened `key -> value` pairs (Flink writes it
//! nested; either form is valid), and the owner's uid is the only placeholder.

use serde_json::{Map, Value};
use std::fs;
use std::path::{Path, PathBuf};

/// Which Flink entry point a case was recorded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `bin/kubernetes-session.sh`
    Session,
    /// `bin/flink run --target kubernetes-application`
    Application,
}

/// One recorded case, as the tests need it.
#[derive(Debug, Clone)]
pub struct GoldenCase {
    /// Folder name, e.g. `session-default`.
    pub name: String,
    pub mode: Mode,
    /// The client arguments after `SESSION`/`APP`, shell-unescaped (`\;` -> `;`).
    pub args: Vec<String>,
    /// The namespace every case was run with (`-Dkubernetes.namespace=<this>`).
    pub namespace: String,
    /// `METHOD path` of every request the client made, in order.
    pub requests: Vec<String>,
    /// The create bodies, in file-name order.
    pub objects: Vec<Value>,
    /// The client's exit code when recorded (`client-exit.txt`; 0 when absent): non-zero
    /// when it failed only to print the address after creating everything.
    pub client_exit: i32,
}

impl GoldenCase {
    /// The arguments Flink's client was given, including the namespace option
    /// that the recording added to every case.
    pub fn full_args(&self) -> Vec<String> {
        let mut args = vec![format!("-Dkubernetes.namespace={}", self.namespace)];
        args.extend(self.args.iter().cloned());
        args
    }

    /// The golden object of this kind and name, if the case has one.
    pub fn object(&self, kind: &str, name: &str) -> Option<&Value> {
        self.objects
            .iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    }
}

/// The objects Flink's own client created, committed with the repository
/// (`tests/golden/flink-<release>/`), or `$KUBECTL_FLINK_GOLDEN` when set.
pub fn golden_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("KUBECTL_FLINK_GOLDEN") {
        return PathBuf::from(dir);
    }
    release_dir(crate::FLINK_VERSION)
}

/// `tests/golden/` of the repository.
pub fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden")
}

/// The recorded cases of one release (`tests/golden/flink-<release>/`).
pub fn release_dir(release: &str) -> PathBuf {
    golden_root().join(format!("flink-{release}"))
}

/// The conf dir every case was recorded with (Flink 2.3.0's stock `conf/`).
pub fn conf_dir() -> PathBuf {
    golden_dir().join("conf")
}

/// Names of all recorded cases, sorted.
pub fn case_names() -> Vec<String> {
    case_names_in(&golden_dir())
}

/// Names of all cases recorded in `dir`, sorted.
pub fn case_names_in(dir: &Path) -> Vec<String> {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read golden cases in {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("command.txt").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Load one case; panics with the path when the case is malformed (test-only code).
pub fn load_case(name: &str) -> GoldenCase {
    load_case_in(&golden_dir(), name)
}

/// Load one case of the release recorded in `release_dir`.
pub fn load_case_in(release_dir: &Path, name: &str) -> GoldenCase {
    let dir = release_dir.join(name);
    let read = |file: &str| {
        fs::read_to_string(dir.join(file))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
    };
    let command = read("command.txt");
    let mut words = split_command(command.trim());
    let mode = match words.first().map(String::as_str) {
        Some("SESSION") => Mode::Session,
        Some("APP") => Mode::Application,
        other => panic!("{name}/command.txt starts with {other:?}, not SESSION or APP"),
    };
    words.remove(0);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let objects = files
        .iter()
        .map(|p| {
            let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            serde_saphyr::from_str::<Value>(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect();
    GoldenCase {
        name: name.to_string(),
        mode,
        args: words,
        namespace: read("namespace.txt").trim().to_string(),
        requests: read("requests.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        objects,
        client_exit: fs::read_to_string(dir.join("client-exit.txt"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0),
    }
}

/// One recorded command line: `SESSION`/`APP`, then the arguments with the characters the
/// shell treats specially (`;`, space, `\`) escaped — what [`load_case`] reads back.
pub fn command_line(mode: Mode, args: &[String]) -> String {
    let mut line = match mode {
        Mode::Session => "SESSION".to_string(),
        Mode::Application => "APP".to_string(),
    };
    for arg in args {
        line.push(' ');
        for c in arg.chars() {
            if matches!(c, ';' | ' ' | '\\') {
                line.push('\\');
            }
            line.push(c);
        }
    }
    line
}

/// Split a recorded command line at spaces, undoing the shell's backslash escapes.
fn split_command(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => current.extend(chars.next()),
            ' ' if !current.is_empty() => words.push(std::mem::take(&mut current)),
            ' ' => {}
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Bring an object into the form goldens are compared in: server-set metadata
/// and status dropped, owner uids replaced by `<uid>`, `config.yaml` (and
/// `flink-conf.yaml`) flattened to `key -> value`, and lists whose items all
/// have a unique `name` turned into maps keyed by it.
pub fn normalize(object: &Value) -> Value {
    let mut object = normalize_strict(object);
    key_lists_by_name(&mut object);
    object
}

/// Like [`normalize`] but keeps every list in its order, for tests that also
/// check ordering (env and volume order matter to Kubernetes).
pub fn normalize_strict(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for server_set in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "namespace",
            "selfLink",
        ] {
            meta.remove(server_set);
        }
        if let Some(owners) = meta
            .get_mut("ownerReferences")
            .and_then(Value::as_array_mut)
        {
            for owner in owners {
                owner["uid"] = Value::String("<uid>".into());
            }
        }
    }
    if let Some(map) = object.as_object_mut() {
        map.remove("status");
    }
    if let Some(data) = object.get_mut("data").and_then(Value::as_object_mut) {
        if let Some(Value::String(text)) = data.get("config.yaml") {
            let flat = flatten_flink_config(text);
            data.insert("config.yaml".to_string(), flat);
        }
        if let Some(Value::String(text)) = data.get("flink-conf.yaml") {
            let flat = read_flink_conf(text);
            data.insert("flink-conf.yaml".to_string(), flat);
        }
    }
    object
}

/// Read a legacy `flink-conf.yaml` as Flink 1.x does: one `key: value` per
/// line, split at the first `": "`, every value a string (an empty value is
/// kept: Flink 1.x writes `pipeline.classpaths: ` for an empty list).
pub fn read_flink_conf(text: &str) -> Value {
    let mut flat = Map::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or(line).trim_start();
        if line.starts_with('#') {
            continue;
        }
        if let Some((key, value)) = line.split_once(": ") {
            flat.insert(
                key.trim().to_string(),
                Value::String(value.trim().to_string()),
            );
        } else if let Some(key) = line.trim_end().strip_suffix(':') {
            flat.insert(key.trim().to_string(), Value::String(String::new()));
        }
    }
    Value::Object(flat)
}

/// Parse a Flink config file (nested standard YAML or flat `key: value`) into
/// one map of dotted keys, as Flink's `YamlParserUtils` does.
pub fn flatten_flink_config(text: &str) -> Value {
    let parsed: Value = serde_saphyr::from_str(text)
        .unwrap_or_else(|e| panic!("config file does not parse: {e}\n{text}"));
    let mut flat = Map::new();
    if let Value::Object(map) = parsed {
        flatten_into("", &map, &mut flat);
    }
    Value::Object(flat)
}

fn flatten_into(prefix: &str, map: &Map<String, Value>, out: &mut Map<String, Value>) {
    for (key, value) in map {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            Value::Object(inner) => flatten_into(&full, inner, out),
            other => {
                out.insert(full, other.clone());
            }
        }
    }
}

fn key_lists_by_name(value: &mut Value) {
    match value {
        Value::Object(map) => map.values_mut().for_each(key_lists_by_name),
        Value::Array(items) => {
            items.iter_mut().for_each(key_lists_by_name);
            let names: Option<Vec<String>> = items
                .iter()
                .map(|i| i.get("name").and_then(Value::as_str).map(str::to_string))
                .collect();
            if let Some(names) = names {
                let mut unique = names.clone();
                unique.sort();
                unique.dedup();
                if !names.is_empty() && unique.len() == names.len() {
                    let keyed = names
                        .into_iter()
                        .zip(items.drain(..))
                        .collect::<Map<_, _>>();
                    *value = Value::Object(keyed);
                }
            }
        }
        _ => {}
    }
}

/// The paths at which two JSON values differ, each with both sides
/// (shortened), so a failing comparison says what differs in a few lines.
pub fn differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into("", ours, theirs, &mut out);
    out
}

fn diff_into(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = format!("{path}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => diff_into(&child, x, y, out),
                    (Some(x), None) => out.push(format!("{child}: only ours: {}", short(x))),
                    (None, Some(y)) => out.push(format!("{child}: only theirs: {}", short(y))),
                    (None, None) => {}
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_into(&format!("{path}/{i}"), x, y, out);
            }
        }
        _ if ours != theirs => out.push(format!(
            "{path}: ours {} != theirs {}",
            short(ours),
            short(theirs)
        )),
        _ => {}
    }
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 160 {
        format!("{}…", text.chars().take(160).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
#[path = "golden_tests.rs"]
mod tests;
