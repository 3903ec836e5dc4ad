//! The patch formats of the API: JSON patch, JSON merge patch (RFC 7386), strategic
//! merge patch for the fields our clients use, and an approximation of server-side apply.

use serde_json::{Map, Value};

/// Which patch format a request body is in, from its `Content-Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchKind {
    /// The patch kind for a content type, or None when it is not a patch type.
    pub fn from_content_type(ct: &str) -> Option<Self> {
        let ct = ct.split(';').next().unwrap_or("").trim();
        match ct {
            "application/json-patch+json" => Some(PatchKind::Json),
            "application/merge-patch+json" => Some(PatchKind::Merge),
            "application/strategic-merge-patch+json" => Some(PatchKind::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => {
                Some(PatchKind::Apply)
            }
            _ => None,
        }
    }
}

/// RFC 7386 JSON merge patch: objects merge recursively, `null` deletes, anything else replaces.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("made an object above");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// RFC 6902 JSON patch.
pub fn json_patch(target: &mut Value, patch: &Value) -> Result<(), String> {
    let p: json_patch::Patch = serde_json::from_value(patch.clone()).map_err(|e| e.to_string())?;
    json_patch::patch(target, &p).map_err(|e| e.to_string())
}

/// The merge key of a list field under strategic merge patch, from the Kubernetes types'
/// `patchMergeKey` tags. `ports` depends on where it is (containers or Services).
fn merge_key(field: &str, sample: Option<&Value>) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets"
        | "resourceClaims" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "ownerReferences" => "uid",
        "conditions" => "type",
        "ports" => {
            if sample.is_some_and(|s| s.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Lists of scalars that strategic merge treats as sets (`patchStrategy: merge`).
fn is_merged_scalar_list(field: &str) -> bool {
    field == "finalizers"
}

/// Strategic merge patch for the fields kubectl and our tools send, including the
/// `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList` directives.
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    match p.get("$patch").and_then(Value::as_str) {
        Some("replace") => {
            let mut clean = p.clone();
            clean.remove("$patch");
            *target = Value::Object(clean);
            return;
        }
        Some("delete") => {
            *target = Value::Null;
            return;
        }
        _ => {}
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("made an object above");
    for (k, v) in p {
        if k == "$patch" || k == "$retainKeys" || k.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = k.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(del)) = (t.get_mut(field), v.as_array()) {
                items.retain(|i| !del.contains(i));
            }
            continue;
        }
        if v.is_null() {
            t.remove(k);
            continue;
        }
        match v {
            Value::Object(_) => {
                let entry = t.entry(k.clone()).or_insert(Value::Null);
                strategic_merge(entry, v);
                if entry.is_null() {
                    t.remove(k);
                }
            }
            Value::Array(items) => {
                let existing = t.get(k).and_then(Value::as_array).cloned();
                let merged = merge_list(k, existing, items);
                t.insert(k.clone(), Value::Array(merged));
            }
            _ => {
                t.insert(k.clone(), v.clone());
            }
        }
    }
    if let Some(Value::Array(keep)) = p.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        t.retain(|k, _| keep.contains(&k.as_str()));
    }
}

fn merge_list(field: &str, existing: Option<Vec<Value>>, patch: &[Value]) -> Vec<Value> {
    if patch
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        return patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
    }
    let Some(mut out) = existing else {
        return patch
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
    };
    if is_merged_scalar_list(field) {
        for i in patch {
            if !out.contains(i) {
                out.push(i.clone());
            }
        }
        return out;
    }
    let Some(key) = merge_key(field, patch.first().or(out.first())) else {
        return patch.to_vec();
    };
    for item in patch {
        let id = item.get(key);
        let pos = out.iter().position(|o| o.get(key) == id && id.is_some());
        let deleting = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (pos, deleting) {
            (Some(i), true) => {
                out.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut out[i], item),
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_merge(&mut fresh, item);
                out.push(fresh);
            }
        }
    }
    out
}

/// Server-side apply, approximated: the applied configuration is merged into the live
/// object like a strategic merge, and fields this manager applied before but no longer
/// sends are removed (the part of field ownership our clients rely on).
pub fn apply(live: &mut Value, applied: &Value, previous: Option<&Value>) {
    if let Some(prev) = previous {
        remove_dropped(live, prev, applied);
    }
    strategic_merge(live, applied);
}

fn remove_dropped(live: &mut Value, prev: &Value, now: &Value) {
    let (Some(l), Some(p)) = (live.as_object_mut(), prev.as_object()) else {
        return;
    };
    for (k, pv) in p {
        match now.get(k) {
            None => {
                l.remove(k);
            }
            Some(nv) => {
                if let (Some(lv), true) = (l.get_mut(k), pv.is_object()) {
                    remove_dropped(lv, pv, nv);
                } else if let (Some(Value::Array(la)), Some(pa), Some(na)) =
                    (l.get_mut(k), pv.as_array(), nv.as_array())
                    && let Some(key) = merge_key(k, pa.first())
                {
                    la.retain(|item| {
                        let id = item.get(key);
                        let was_applied = pa.iter().any(|x| x.get(key) == id);
                        let still = na.iter().any(|x| x.get(key) == id);
                        !was_applied || still
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // RFC 7386: members set to null are removed, objects merge recursively, arrays replace.
    #[test]
    fn merge_patch_follows_rfc_7386() {
        let mut t = json!({"a": {"b": 1, "c": 2}, "l": [1, 2]});
        merge_patch(&mut t, &json!({"a": {"b": null, "d": 3}, "l": [3]}));
        assert_eq!(t, json!({"a": {"c": 2, "d": 3}, "l": [3]}));
    }

    // Kubernetes docs, "Update API Objects in Place Using kubectl patch": with a strategic
    // merge patch, containers are merged by name (patchMergeKey) while a JSON merge patch
    // would replace the whole list.
    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut t = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}});
        strategic_merge(
            &mut t,
            &json!({"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}],
                   "containers": [{"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"}]}}),
        );
        assert_eq!(
            t["spec"]["containers"],
            json!([{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}, {"name": "c", "image": "c:1"}])
        );
        strategic_merge(
            &mut t,
            &json!({"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}),
        );
        assert_eq!(t["spec"]["containers"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn strategic_merge_keeps_finalizers_as_a_set_and_honours_replace() {
        let mut t = json!({"metadata": {"finalizers": ["a"]}, "data": {"x": "1", "y": "2"}});
        strategic_merge(
            &mut t,
            &json!({"metadata": {"finalizers": ["b"]}, "data": {"$patch": "replace", "z": "3"}}),
        );
        assert_eq!(
            t,
            json!({"metadata": {"finalizers": ["a", "b"]}, "data": {"z": "3"}})
        );
    }

    #[test]
    fn apply_removes_fields_the_manager_stopped_sending() {
        let mut live = json!({"data": {"a": "1", "b": "2", "other": "x"}});
        let prev = json!({"data": {"a": "1", "b": "2"}});
        apply(&mut live, &json!({"data": {"a": "9"}}), Some(&prev));
        assert_eq!(live, json!({"data": {"a": "9", "other": "x"}}));
    }
}
