//! kubectl's `-v=N` request log: at level 6 each API server and Flink REST
//! request's method, URL, status and time; at 8 also headers and request
//! bodies — with tokens, keys, passwords and Secret data masked. The sink
//! is set once at the edge (`main`); the layers below only hand it lines.

use crate::output::Output;
use std::sync::OnceLock;

/// Requests: method, URL, status, time.
pub const REQUESTS: u8 = 6;
/// Headers and bodies as well.
pub const BODIES: u8 = 8;

static SINK: OnceLock<(u8, Output)> = OnceLock::new();

/// Log at `level` and below to `output`'s stderr (first call wins).
pub fn init(level: u8, output: &Output) {
    let _ = SINK.set((level, output.clone()));
}

/// Whether lines of `level` are shown.
pub fn enabled(level: u8) -> bool {
    SINK.get().is_some_and(|(shown, _)| *shown >= level)
}

/// Show `line` if `level` is enabled.
pub fn line(level: u8, line: &str) {
    if let Some((shown, output)) = SINK.get()
        && *shown >= level
    {
        output.err_text(&format!("{line}\n"));
    }
}

/// What names a secret: its value is never shown.
fn sensitive(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "authorization",
        "token",
        "password",
        "secret",
        "key",
        "cookie",
        "credential",
    ]
    .iter()
    .any(|word| key.contains(word))
}

/// A header as shown: sensitive ones masked.
pub fn header(name: &str, value: &str) -> String {
    if sensitive(name) {
        format!("{name}: <masked>")
    } else {
        format!("{name}: {value}")
    }
}

/// A body as shown: JSON with sensitive fields (and every value of a
/// Secret's `data`/`stringData`) masked, also inside embedded configuration
/// text (`key: value` lines); other bodies by size only.
pub fn body(bytes: &[u8]) -> String {
    match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(mut value) => {
            let secret = value.get("kind").and_then(|k| k.as_str()) == Some("Secret");
            mask(&mut value, secret);
            value.to_string()
        }
        Err(_) if bytes.is_empty() => String::new(),
        Err(_) => format!("<{} bytes>", bytes.len()),
    }
}

fn mask(value: &mut serde_json::Value, secret: bool) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                let whole = (secret && (key == "data" || key == "stringData")) || sensitive(key);
                if whole && !item.is_object() {
                    *item = Value::String("<masked>".into());
                } else if whole {
                    if let Value::Object(entries) = item {
                        for entry in entries.values_mut() {
                            *entry = Value::String("<masked>".into());
                        }
                    }
                } else {
                    mask(item, secret);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| mask(i, secret)),
        Value::String(text) if text.contains('\n') => *text = mask_lines(text),
        Value::String(text) => {
            if let Some((key, _)) = text.split_once('=')
                && sensitive(key)
            {
                *text = format!("{key}=<masked>");
            }
        }
        _ => {}
    }
}

/// `key: value` lines of embedded configuration, sensitive values masked.
fn mask_lines(text: &str) -> String {
    text.lines()
        .map(|line| match line.split_once(':') {
            Some((key, value)) if sensitive(key) && !value.trim().is_empty() => {
                format!("{key}: <masked>")
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_log() {
        let shown = body(
            br#"{"kind":"ConfigMap","data":{"config.yaml":"s3.secret-key: hunter2\nparallelism: 2\n"},"args":["-Ds3.access-key=AKIA1"],"token":"abc"}"#,
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("AKIA1"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert!(shown.contains("parallelism: 2"), "{shown}");
        let secret = body(br#"{"kind":"Secret","data":{"password":"cGFzcw==","user":"dXNlcg=="}}"#);
        assert!(
            !secret.contains("cGFzcw==") && !secret.contains("dXNlcg=="),
            "{secret}"
        );
        assert_eq!(
            header("Authorization", "Bearer abc"),
            "Authorization: <masked>"
        );
        assert_eq!(
            header("Accept", "application/json"),
            "Accept: application/json"
        );
    }
}
