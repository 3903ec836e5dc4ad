//! The one printer for `-o`: every verb's result implements [`Printable`]
//! and is shown through [`render`], so formats mean the same everywhere:
//! - the default (`table`/`wide` where a result is a table) is for people;
//! - `json` and `yaml` print the same document — several items always as a
//!   `List` (`apiVersion: v1`, `kind: List`, `items`), as kubectl prints them;
//! - `name` prints one `kind/name` per line, as `kubectl … -o name` does.

use serde_json::{Value, json};

/// `-o`: the output layer's own type (the command line maps onto it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Wide,
    Json,
    Yaml,
    Name,
}

impl Format {
    /// Every format: for results that are lists of objects.
    pub const ALL: &'static [Format] = &[
        Format::Table,
        Format::Wide,
        Format::Json,
        Format::Yaml,
        Format::Name,
    ];

    /// The word users type after `-o`.
    pub fn word(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Wide => "wide",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Name => "name",
        }
    }
}

/// A verb's result.
pub trait Printable {
    /// The formats that apply besides the default.
    const FORMATS: &'static [Format];

    /// The format shown without `-o`; None means [`Printable::text`].
    const DEFAULT: Option<Format> = None;

    /// The default text (`table` and `wide` when those apply).
    fn text(&self, wide: bool) -> String;

    /// The document `-o json` and `-o yaml` print.
    fn document(&self) -> Value {
        Value::Null
    }

    /// YAML of the document; results with comments for the reader override it.
    fn yaml(&self) -> Result<String, PrintError> {
        to_yaml(&self.document())
    }

    /// `-o name`: `kind/name` lines.
    fn names(&self) -> Vec<String> {
        Vec::new()
    }

    /// When the result is empty: the sentence that says so, which goes to
    /// stderr (as kubectl's "No resources found") so stdout stays empty.
    fn empty(&self) -> Option<String> {
        None
    }
}

/// A document could not be formatted.
#[derive(Debug, thiserror::Error)]
#[error("cannot format the output as {format}: {reason}")]
pub struct PrintError {
    format: &'static str,
    reason: String,
}

/// `format` is one `P` can be shown in; else the usage message naming the
/// ones that apply (checked before anything is sent to a cluster).
pub fn check<P: Printable>(verb: &str, format: Option<Format>) -> Result<(), String> {
    match format {
        None => Ok(()),
        Some(format) if P::FORMATS.contains(&format) => Ok(()),
        Some(format) => {
            let words: Vec<&str> = P::FORMATS.iter().map(|f| f.word()).collect();
            let choices = match words.as_slice() {
                [] => "no -o".to_string(),
                [one] => format!("-o {one} (or no -o)"),
                [init @ .., last] => format!("-o {} or {last} (or no -o)", init.join(", ")),
            };
            Err(format!(
                "-o {} does not apply to {verb}: use {choices}",
                format.word()
            ))
        }
    }
}

/// What to print: the text for stdout, and a sentence for stderr when the
/// result is empty and shown as text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    pub stdout: String,
    pub note: Option<String>,
}

/// `value` in `format` (None: the default).
pub fn render<P: Printable>(value: &P, format: Option<Format>) -> Result<Rendered, PrintError> {
    let stdout = match format.or(P::DEFAULT) {
        None | Some(Format::Table) | Some(Format::Wide) => {
            if let Some(note) = value.empty() {
                return Ok(Rendered {
                    stdout: String::new(),
                    note: Some(note),
                });
            }
            value.text(format == Some(Format::Wide))
        }
        Some(Format::Json) => to_json(&value.document())?,
        Some(Format::Yaml) => value.yaml()?,
        Some(Format::Name) => value.names().iter().map(|n| format!("{n}\n")).collect(),
    };
    Ok(Rendered { stdout, note: None })
}

/// Several items as kubectl prints them.
pub fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items})
}

/// Pretty JSON with a final newline.
pub fn to_json(value: &Value) -> Result<String, PrintError> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| PrintError {
            format: "json",
            reason: e.to_string(),
        })
}

/// YAML as kubectl writes it (block style, no document marker).
pub fn to_yaml(value: &Value) -> Result<String, PrintError> {
    serde_saphyr::to_string(value).map_err(|e| PrintError {
        format: "yaml",
        reason: e.to_string(),
    })
}

/// A `List` in YAML with a comment above some items (e.g. where a field is
/// filled in only at creation): `items` written one by one, since YAML
/// libraries do not write comments.
pub fn yaml_list_with_comments(items: &[(Option<String>, Value)]) -> Result<String, PrintError> {
    let mut out = String::from("apiVersion: v1\nkind: List\nmetadata: {}\nitems:\n");
    for (comment, item) in items {
        if let Some(comment) = comment {
            out.push_str(&format!("# {comment}\n"));
        }
        let text = to_yaml(item)?;
        let mut first = true;
        for line in text.lines() {
            let prefix = if first {
                "- "
            } else if line.is_empty() {
                ""
            } else {
                "  "
            };
            first = false;
            out.push_str(prefix);
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Two;

    impl Printable for Two {
        const FORMATS: &'static [Format] = &[Format::Json, Format::Yaml, Format::Name];
        fn text(&self, _: bool) -> String {
            "two things\n".into()
        }
        fn document(&self) -> Value {
            list(vec![json!({"a": 1}), json!({"b": 2})])
        }
        fn names(&self) -> Vec<String> {
            vec!["thing/a".into(), "thing/b".into()]
        }
    }

    #[test]
    fn json_and_yaml_print_the_same_list() {
        let json = render(&Two, Some(Format::Json)).unwrap().stdout;
        let yaml = render(&Two, Some(Format::Yaml)).unwrap().stdout;
        let from_json: Value = serde_json::from_str(&json).unwrap();
        let from_yaml: Value = serde_saphyr::from_str(&yaml).unwrap();
        assert_eq!(from_json, from_yaml);
        assert_eq!(from_json["kind"], "List");
        assert_eq!(
            render(&Two, Some(Format::Name)).unwrap().stdout,
            "thing/a\nthing/b\n"
        );
    }

    #[test]
    fn a_format_that_does_not_apply_names_those_that_do() {
        assert_eq!(
            check::<Two>("version", Some(Format::Wide)).unwrap_err(),
            "-o wide does not apply to version: use -o json, yaml or name (or no -o)"
        );
        assert!(check::<Two>("version", Some(Format::Yaml)).is_ok());
        assert!(check::<Two>("version", None).is_ok());
    }

    #[test]
    fn commented_yaml_lists_read_back_as_the_items() {
        let items = vec![
            (
                None,
                json!({"kind": "Deployment", "data": {"config.yaml": "a: 1\n\nb: 2\n"}}),
            ),
            (
                Some("owned".to_string()),
                json!({"kind": "Service", "spec": {"ports": [1, 2]}}),
            ),
        ];
        let text = yaml_list_with_comments(&items).unwrap();
        assert!(text.contains("# owned\n- "), "{text}");
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back["items"][0], items[0].1);
        assert_eq!(back["items"][1], items[1].1);
        assert_eq!(back["kind"], "List");
    }
}
