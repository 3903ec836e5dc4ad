//! The `config.yaml` the cluster reads, written as Flink 2.x writes it:
//! nested standard YAML, one line per leaf, no wrapping, values keeping their
//! types (strings that look like numbers are quoted).

use crate::config::Configuration;
use serde_json::{Map, Value};

/// Render the shipped configuration. Keys are nested at `.` in sorted order
/// (Flink's order is a hash map's and carries no meaning). Where Flink's
/// nested dump would fail — a key that is both a value and a prefix, such as
/// legacy `high-availability` beside `high-availability.storageDir` — the
/// key is written flat at the top level instead, which Flink reads the same.
pub fn render_config_yaml(conf: &Configuration) -> Result<String, String> {
    let mut root = Map::new();
    let mut flat = Vec::new();
    for (key, value) in conf.iter() {
        if !insert_nested(&mut root, key, value) {
            flat.push((key.clone(), value.clone()));
        }
    }
    for (key, value) in flat {
        root.insert(key, value);
    }
    let options = serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    };
    serde_saphyr::to_string_with_options(&Value::Object(root), options)
        .map_err(|e| format!("cannot write config.yaml: {e}"))
}

/// Render the legacy `flink-conf.yaml` (Flink 1.x): one `key: value` line
/// per option, lists joined with `;`, as Flink 1.x's client writes it. Keys
/// are sorted (Flink's order is a hash map's and carries no meaning).
pub fn render_flink_conf(conf: &Configuration) -> String {
    let mut text = String::new();
    for (key, value) in conf.iter() {
        text.push_str(key);
        text.push_str(": ");
        text.push_str(&flat_value(value));
        text.push('\n');
    }
    text
}

/// A shipped configuration file (`config.yaml` or the legacy
/// `flink-conf.yaml`) with `key` set to `value` and every key of `remove`
/// dropped, in whatever nesting each was written; everything else stays as
/// it was, types included. For recreating a recorded cluster with one
/// option changed.
pub fn with_option(
    file: &str,
    text: &str,
    remove: &[&str],
    key: &str,
    value: &str,
) -> Result<String, String> {
    if file == crate::flink::version::FLINK_CONF_YAML {
        let mut lines: Vec<String> = text
            .lines()
            .filter(|line| {
                let written = line.split(": ").next().unwrap_or_default().trim();
                written != key && !remove.contains(&written)
            })
            .map(str::to_string)
            .collect();
        lines.push(format!("{key}: {value}"));
        return Ok(lines.join("\n") + "\n");
    }
    let parsed: Value =
        serde_saphyr::from_str(text).map_err(|e| format!("{file} cannot be read: {e}"))?;
    let mut root = match parsed {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        _ => return Err(format!("{file}: the top level is not a mapping")),
    };
    for dropped in remove.iter().chain(std::iter::once(&key)) {
        remove_dotted(&mut root, dropped);
    }
    let value = Value::String(value.to_string());
    if !insert_nested(&mut root, key, &value) {
        root.insert(key.to_string(), value);
    }
    let options = serde_saphyr::ser_options! {
        prefer_block_scalars: false,
    };
    serde_saphyr::to_string_with_options(&Value::Object(root), options)
        .map_err(|e| format!("cannot write {file}: {e}"))
}

/// Remove `key` wherever a YAML mapping holds it: as one dotted key, or
/// nested at any of its dots; mappings left empty go too.
fn remove_dotted(map: &mut Map<String, Value>, key: &str) {
    map.remove(key);
    for (i, _) in key.match_indices('.') {
        let (prefix, rest) = (&key[..i], &key[i + 1..]);
        if let Some(Value::Object(inner)) = map.get_mut(prefix) {
            remove_dotted(inner, rest);
            if inner.is_empty() {
                map.remove(prefix);
            }
        }
    }
}

/// A value as Flink 1.x writes it in `flink-conf.yaml`.
fn flat_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(flat_value).collect::<Vec<_>>().join(";"),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k}:{}", flat_value(v)))
            .collect::<Vec<_>>()
            .join(","),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Insert at the dotted path; false when the path collides with a leaf or a
/// subtree already there, or when a segment is empty.
fn insert_nested(root: &mut Map<String, Value>, key: &str, value: &Value) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) || !can_insert(root, &parts) {
        return false;
    }
    let mut node = root;
    for part in &parts[..parts.len() - 1] {
        let entry = node
            .entry(part.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        match entry {
            Value::Object(inner) => node = inner,
            _ => return false,
        }
    }
    node.insert(parts[parts.len() - 1].to_string(), value.clone());
    true
}

fn can_insert(root: &Map<String, Value>, parts: &[&str]) -> bool {
    let mut node = root;
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        match node.get(*part) {
            None => return true,
            Some(Value::Object(inner)) if !last => node = inner,
            Some(_) => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conf(pairs: &[(&str, Value)]) -> Configuration {
        pairs.iter().cloned().collect()
    }

    #[test]
    fn nests_keys_and_keeps_types() {
        let text = render_config_yaml(&conf(&[
            ("blob.server.port", json!("6124")),
            ("taskmanager.numberOfTaskSlots", json!(1)),
            (
                "pipeline.jars",
                json!(["local:///opt/flink/usrlib/job.jar"]),
            ),
            ("execution.attached", json!(true)),
            ("$internal.application.main", json!("com.example.Job")),
        ]))
        .unwrap();
        assert!(
            text.contains("blob:\n  server:\n    port: \"6124\"\n"),
            "{text}"
        );
        assert!(text.contains("numberOfTaskSlots: 1\n"), "{text}");
        assert!(
            text.contains("jars:\n  - local:///opt/flink/usrlib/job.jar\n"),
            "{text}"
        );
        assert!(
            text.contains("$internal:\n  application:\n    main: com.example.Job\n"),
            "{text}"
        );
    }

    #[test]
    fn flink_conf_is_flat_with_semicolon_lists() {
        let text = render_flink_conf(&conf(&[
            ("blob.server.port", json!("6124")),
            ("execution.attached", json!(true)),
            ("pipeline.classpaths", json!([])),
            ("pipeline.jars", json!(["local:///a.jar", "local:///b.jar"])),
        ]));
        assert_eq!(
            text,
            "blob.server.port: 6124\nexecution.attached: true\npipeline.classpaths: \npipeline.jars: local:///a.jar;local:///b.jar\n"
        );
    }

    #[test]
    fn long_values_are_not_wrapped() {
        let long = "--add-opens=java.base/java.lang=ALL-UNNAMED ".repeat(10);
        let text = render_config_yaml(&conf(&[("env.java.opts.all", json!(long.trim()))])).unwrap();
        let line = text.lines().find(|l| l.contains("all:")).unwrap();
        assert!(line.ends_with("ALL-UNNAMED"), "{text}");
    }

    #[test]
    fn a_key_that_is_also_a_prefix_is_written_flat() {
        let text = render_config_yaml(&conf(&[
            ("high-availability", json!("kubernetes")),
            ("high-availability.storageDir", json!("s3://x")),
        ]))
        .unwrap();
        let parsed: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(parsed["high-availability"], json!("kubernetes"));
        assert_eq!(parsed["high-availability.storageDir"], json!("s3://x"));
    }

    #[test]
    fn one_option_is_replaced_in_any_nesting_and_the_rest_keeps_its_types() {
        let text = "execution:\n  target: kubernetes-application\n  state-recovery:\n    path: s3://old\nexecution.savepoint.path: s3://older\npipeline:\n  jars:\n  - local:///opt/flink/usrlib/job.jar\nparallelism:\n  default: 4\n";
        let updated = with_option(
            "config.yaml",
            text,
            &["execution.state-recovery.path"],
            "execution.savepoint.path",
            "s3://new",
        )
        .unwrap();
        let value: Value = serde_saphyr::from_str(&updated).unwrap();
        assert_eq!(
            value["execution"]["savepoint"]["path"], "s3://new",
            "{updated}"
        );
        assert_eq!(value["execution"]["target"], "kubernetes-application");
        assert!(
            value["execution"].get("state-recovery").is_none(),
            "{updated}"
        );
        assert!(value.get("execution.savepoint.path").is_none(), "{updated}");
        assert_eq!(
            value["pipeline"]["jars"][0],
            "local:///opt/flink/usrlib/job.jar"
        );
        assert_eq!(value["parallelism"]["default"], 4);
        let legacy =
            "execution.target: kubernetes-application\nexecution.savepoint.path: s3://old\n";
        assert_eq!(
            with_option(
                "flink-conf.yaml",
                legacy,
                &[],
                "execution.savepoint.path",
                "s3://new"
            )
            .unwrap(),
            "execution.target: kubernetes-application\nexecution.savepoint.path: s3://new\n"
        );
        assert!(with_option("config.yaml", "a: [", &[], "k", "v").is_err());
    }
}
