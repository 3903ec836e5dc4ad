//! Redaction: what names a secret (tokens, keys, passwords, Secret data)
//! never reaches what kubectl-flink prints or writes — the `-v=8` request
//! log and `report` bundles alike.

/// What names a secret: its value is never shown.
pub fn sensitive(key: &str) -> bool {
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

/// `value` with sensitive fields masked; `secret`: it is a Secret, whose
/// `data` and `stringData` are masked whole. A `{name|key, value}` pair
/// (an env var, a Flink option) whose name is sensitive has its value masked.
pub fn mask(value: &mut serde_json::Value, secret: bool) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let named = map
                .get("name")
                .or_else(|| map.get("key"))
                .and_then(Value::as_str)
                .is_some_and(sensitive);
            if named && let Some(value) = map.get_mut("value") {
                *value = Value::String("<masked>".into());
            }
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
pub fn mask_lines(text: &str) -> String {
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

/// Words that mark a log line as carrying a credential.
const LOG_WORDS: [&str; 6] = [
    "password",
    "secret",
    "token",
    "credential",
    "access-key",
    "access.key",
];

/// A log line with whatever follows a credential's name masked (Flink
/// prints options as `property: name, value`; others write `name=value`
/// or `name: value`).
pub fn mask_log_line(line: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let Some(at) = LOG_WORDS.iter().filter_map(|w| lower.find(w)).min() else {
        return line.to_string();
    };
    let rest = &line[at..];
    match rest.find([':', '=', ',']) {
        Some(separator) => format!("{}{} <masked>", &line[..at], &rest[..=separator]),
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn env_vars_and_flink_options_with_secret_names_are_masked() {
        let mut value = json!({"env": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalr"}, {"name": "HOME", "value": "/opt"}],
                               "options": [{"key": "s3.secret-key", "value": "hunter2"}, {"key": "parallelism.default", "value": "2"}]});
        mask(&mut value, false);
        let text = value.to_string();
        assert!(
            !text.contains("wJalr") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(text.contains("/opt") && text.contains("\"2\""), "{text}");
    }

    #[test]
    fn log_lines_lose_what_follows_a_credentials_name() {
        assert_eq!(
            mask_log_line("INFO Loading configuration property: s3.secret-key, hunter2"),
            "INFO Loading configuration property: s3.secret-key, <masked>"
        );
        assert_eq!(mask_log_line("password=abc"), "password= <masked>");
        assert_eq!(mask_log_line("all fine here"), "all fine here");
    }
}
