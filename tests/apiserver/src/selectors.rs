//! Label and field selectors: the query-string forms (`-l`, `--field-selector`) and
//! the `LabelSelector` objects of Deployments and ReplicaSets, with the real semantics.

use crate::meta;
use serde_json::{Map, Value};

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    /// `key=value` / `key==value`.
    Equals(String, String),
    /// `key!=value` (also true when the key is absent).
    NotEquals(String, String),
    /// `key in (a,b)`.
    In(String, Vec<String>),
    /// `key notin (a,b)` (also true when the key is absent).
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    DoesNotExist(String),
}

/// A parsed label selector: all requirements must hold (an empty selector matches everything).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelSelector(pub Vec<Requirement>);

/// Splits on commas that are not inside parentheses.
fn split_top_level(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

fn parse_set(s: &str) -> Result<Vec<String>, String> {
    let inner = s
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("expected a parenthesised set, found {s:?}"))?;
    Ok(inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect())
}

impl LabelSelector {
    /// Parses the string form used by `labelSelector=` and `kubectl -l`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let req = if let Some(k) = part.strip_prefix('!') {
                Requirement::DoesNotExist(k.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==") {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once('=') {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), parse_set(v)?)
            } else if let Some((k, v)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), parse_set(v)?)
            } else if part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                Requirement::Exists(part.clone())
            } else {
                return Err(format!("unable to parse requirement: {part:?}"));
            };
            reqs.push(req);
        }
        Ok(LabelSelector(reqs))
    }

    /// Builds a selector from a `LabelSelector` object (`matchLabels`, `matchExpressions`).
    pub fn from_object(sel: &Value) -> Result<Self, String> {
        let mut reqs = Vec::new();
        if let Some(ml) = sel.get("matchLabels").and_then(Value::as_object) {
            for (k, v) in ml {
                reqs.push(Requirement::Equals(
                    k.clone(),
                    v.as_str().unwrap_or("").into(),
                ));
            }
        }
        for e in sel
            .get("matchExpressions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let key = e["key"].as_str().unwrap_or("").to_string();
            let values: Vec<String> = e["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            reqs.push(match e["operator"].as_str().unwrap_or("") {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                "DoesNotExist" => Requirement::DoesNotExist(key),
                op => return Err(format!("{op:?} is not a valid label selector operator")),
            });
        }
        Ok(LabelSelector(reqs))
    }

    /// Builds an equality selector from a plain map (a Service's `spec.selector`).
    pub fn from_map(map: &Map<String, Value>) -> Self {
        LabelSelector(
            map.iter()
                .map(|(k, v)| Requirement::Equals(k.clone(), v.as_str().unwrap_or("").into()))
                .collect(),
        )
    }

    /// Whether this selector has no requirements (and so selects everything).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a label set satisfies every requirement.
    pub fn matches_labels(&self, labels: &Map<String, Value>) -> bool {
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => !get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => labels.contains_key(k),
            Requirement::DoesNotExist(k) => !labels.contains_key(k),
        })
    }

    /// Whether an object's labels satisfy the selector.
    pub fn matches(&self, obj: &Value) -> bool {
        self.matches_labels(&meta::labels(obj))
    }
}

/// One field selector requirement: `path=value` or `path!=value`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRequirement {
    /// Dotted field path, e.g. `status.phase`.
    pub path: String,
    /// The value compared with.
    pub value: String,
    /// Whether the requirement is `!=`.
    pub negated: bool,
}

/// A parsed field selector; only the fields the real server supports per kind are accepted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldSelector(pub Vec<FieldRequirement>);

/// Fields the real server allows in field selectors, besides `metadata.name`/`metadata.namespace`.
fn supported_fields(kind: &str) -> &'static [&'static str] {
    match kind {
        "Pod" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "Event" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "Secret" => &["type"],
        "Node" => &["spec.unschedulable"],
        "Namespace" => &["status.phase"],
        "ReplicaSet" => &["status.replicas"],
        _ => &[],
    }
}

impl FieldSelector {
    /// Parses `fieldSelector=`; an unsupported field gives the real server's error message.
    pub fn parse(s: &str, kind: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top_level(s) {
            let (path, value, negated) = if let Some((k, v)) = part.split_once("!=") {
                (k, v, true)
            } else if let Some((k, v)) = part.split_once("==") {
                (k, v, false)
            } else if let Some((k, v)) = part.split_once('=') {
                (k, v, false)
            } else {
                return Err(format!(
                    "invalid selector: '{s}'; can't understand '{part}'"
                ));
            };
            let path = path.trim();
            if path != "metadata.name"
                && path != "metadata.namespace"
                && !supported_fields(kind).contains(&path)
            {
                return Err(format!(
                    "\"{path}\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
                ));
            }
            reqs.push(FieldRequirement {
                path: path.to_string(),
                value: value.trim().to_string(),
                negated,
            });
        }
        Ok(FieldSelector(reqs))
    }

    /// Whether an object's fields satisfy every requirement (absent fields compare as "").
    pub fn matches(&self, obj: &Value) -> bool {
        self.0.iter().all(|r| {
            let actual = match meta::dotted(obj, &r.path) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => b.to_string(),
                Some(Value::Number(n)) => n.to_string(),
                Some(Value::Object(o)) if r.path == "source" => o
                    .get("component")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                _ => String::new(),
            };
            (actual == r.value) != r.negated
        })
    }
}

/// The selectors of one list or watch request.
#[derive(Debug, Clone, Default)]
pub struct Selectors {
    /// Label requirements.
    pub labels: LabelSelector,
    /// Field requirements.
    pub fields: FieldSelector,
}

impl Selectors {
    /// Whether an object passes both selectors.
    pub fn matches(&self, obj: &Value) -> bool {
        self.labels.matches(obj) && self.fields.matches(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(labels: Value) -> Value {
        json!({"metadata": {"name": "p", "namespace": "default", "labels": labels},
               "spec": {"nodeName": "n1"}, "status": {"phase": "Running"}})
    }

    // Kubernetes docs, "Labels and Selectors": equality-based requirements (=, ==, !=) and
    // set-based requirements (in, notin, exists, !exists) are ANDed by commas; `!=` and
    // `notin` also select objects that do not have the label at all.
    #[test]
    fn label_selectors_follow_the_documented_semantics() {
        let p = pod(json!({"app": "flink", "component": "jobmanager"}));
        let m = |s: &str| LabelSelector::parse(s).unwrap().matches(&p);
        assert!(m(""));
        assert!(m("app=flink,component==jobmanager"));
        assert!(!m("app=flink,component=taskmanager"));
        assert!(m("tier!=frontend"));
        assert!(m("component in (jobmanager, taskmanager)"));
        assert!(!m("component notin (jobmanager)"));
        assert!(m("tier notin (frontend)"));
        assert!(m("app") && !m("!app") && m("!tier"));
    }

    #[test]
    fn label_selector_objects_use_match_labels_and_expressions() {
        let sel = LabelSelector::from_object(&json!({
            "matchLabels": {"app": "flink"},
            "matchExpressions": [{"key": "component", "operator": "In", "values": ["jobmanager"]}]
        }))
        .unwrap();
        assert!(sel.matches(&pod(json!({"app": "flink", "component": "jobmanager"}))));
        assert!(!sel.matches(&pod(json!({"app": "flink", "component": "taskmanager"}))));
    }

    // Kubernetes docs, "Field Selectors": all resource types support metadata.name and
    // metadata.namespace; other fields are per type, and an unsupported one is an error.
    #[test]
    fn field_selectors_allow_only_supported_fields() {
        let p = pod(json!({}));
        let f = |s: &str| FieldSelector::parse(s, "Pod").unwrap().matches(&p);
        assert!(f("metadata.name=p"));
        assert!(f("status.phase=Running,spec.nodeName!=n2"));
        assert!(!f("metadata.namespace!=default"));
        assert!(FieldSelector::parse("spec.foo=bar", "Pod").is_err());
        assert!(FieldSelector::parse("status.phase=Running", "ConfigMap").is_err());
    }
}
