//! The REST verbs on stored objects (create, get, list, update, patch, delete), with
//! the real server's metadata handling, validation, conflicts, dry runs and deletion
//! semantics (finalizers, propagation policies).

use crate::defaults;
use crate::meta;
use crate::patch::{self, PatchKind};
use crate::resources::{self, ResourceType};
use crate::selectors::Selectors;
use crate::state::State;
use crate::status::ApiError;
use crate::store::ObjKey;
use crate::validation;
use serde_json::{Value, json};

/// The finalizer foreground deletion puts on the owner while dependents are deleted.
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";

/// Options of a DELETE, from the query string or a `DeleteOptions` body.
#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    /// `Background`, `Foreground` or `Orphan`.
    pub propagation: Option<String>,
    /// `preconditions.uid`.
    pub uid: Option<String>,
    /// `preconditions.resourceVersion`.
    pub resource_version: Option<String>,
}

impl DeleteOptions {
    /// Reads the options a DeleteOptions body carries (kubectl sends them there).
    pub fn merge_body(&mut self, body: &Value) {
        if let Some(p) = body["propagationPolicy"].as_str() {
            self.propagation = Some(p.to_string());
        } else if body["orphanDependents"] == json!(true) {
            self.propagation = Some("Orphan".into());
        }
        if let Some(u) = body["preconditions"]["uid"].as_str() {
            self.uid = Some(u.to_string());
        }
        if let Some(rv) = body["preconditions"]["resourceVersion"].as_str() {
            self.resource_version = Some(rv.to_string());
        }
    }
}

fn ns_of<'a>(rt: &ResourceType, ns: &'a str) -> &'a str {
    if rt.namespaced { ns } else { "" }
}

fn namespaces_rt() -> &'static ResourceType {
    resources::find("", "namespaces").expect("namespaces is a known resource")
}

/// The size limit of annotations and of ConfigMap/Secret data, as enforced by the server.
const ANNOTATIONS_MAX: usize = 256 * 1024;
const DATA_MAX: usize = 1024 * 1024;

fn invalid_value(field: String, value: &str, why: String) -> (String, String) {
    (field, format!("Invalid value: \"{value}\": {why}"))
}

/// Label and annotation syntax of an ObjectMeta at `path`.
fn validate_meta(meta: &Value, path: &str, causes: &mut Vec<(String, String)>) {
    for (k, v) in meta["labels"].as_object().into_iter().flatten() {
        if let Err(why) = validation::validate_qualified_name(k) {
            causes.push(invalid_value(format!("{path}.labels"), k, why));
        }
        if let Err(why) = validation::validate_label_value(v.as_str().unwrap_or("")) {
            causes.push(invalid_value(
                format!("{path}.labels"),
                v.as_str().unwrap_or(""),
                why,
            ));
        }
    }
    let mut size = 0;
    for (k, v) in meta["annotations"].as_object().into_iter().flatten() {
        size += k.len() + v.as_str().map_or(0, str::len);
        if let Err(why) = validation::validate_qualified_name(k) {
            causes.push(invalid_value(format!("{path}.annotations"), k, why));
        }
    }
    if size > ANNOTATIONS_MAX {
        causes.push((
            format!("{path}.annotations"),
            format!("Too long: must have at most {ANNOTATIONS_MAX} bytes"),
        ));
    }
}

/// Container, port and volume names of a pod spec at `path`.
fn validate_pod_spec(spec: &Value, path: &str, causes: &mut Vec<(String, String)>) {
    let mut seen = Vec::new();
    for list in ["initContainers", "containers"] {
        for (i, c) in spec[list].as_array().into_iter().flatten().enumerate() {
            let name = c["name"].as_str().unwrap_or("");
            let field = format!("{path}.{list}[{i}].name");
            if let Err(why) = validation::validate_name(validation::NameRule::Dns1123Label, name) {
                causes.push(invalid_value(field.clone(), name, why));
            }
            if seen.contains(&name) {
                causes.push((field, format!("Duplicate value: \"{name}\"")));
            }
            seen.push(name);
            for (j, p) in c["ports"].as_array().into_iter().flatten().enumerate() {
                if let Some(pn) = p["name"].as_str()
                    && let Err(why) = validation::validate_port_name(pn)
                {
                    causes.push(invalid_value(
                        format!("{path}.{list}[{i}].ports[{j}].name"),
                        pn,
                        why,
                    ));
                }
            }
        }
    }
    for (i, v) in spec["volumes"].as_array().into_iter().flatten().enumerate() {
        let name = v["name"].as_str().unwrap_or("");
        if let Err(why) = validation::validate_name(validation::NameRule::Dns1123Label, name) {
            causes.push(invalid_value(
                format!("{path}.volumes[{i}].name"),
                name,
                why,
            ));
        }
    }
}

/// Data keys and total size of a ConfigMap or Secret.
fn validate_data(obj: &Value, causes: &mut Vec<(String, String)>) {
    let mut size = 0;
    for field in ["data", "binaryData", "stringData"] {
        for (k, v) in obj[field].as_object().into_iter().flatten() {
            size += v.as_str().map_or(0, str::len);
            if let Err(why) = validation::validate_config_key(k) {
                causes.push(invalid_value(format!("{field}[{k}]"), k, why));
            }
        }
    }
    if size > DATA_MAX {
        causes.push((
            String::new(),
            format!("Too long: must have at most {DATA_MAX} bytes"),
        ));
    }
}

/// Service port names (required when several) and numbers.
fn validate_service_ports(obj: &Value, causes: &mut Vec<(String, String)>) {
    let ports = obj["spec"]["ports"].as_array().cloned().unwrap_or_default();
    for (i, p) in ports.iter().enumerate() {
        match p["name"].as_str().filter(|n| !n.is_empty()) {
            None if ports.len() > 1 => {
                causes.push((format!("spec.ports[{i}].name"), "Required value".into()))
            }
            None => {}
            Some(n) => {
                if let Err(why) = validation::validate_name(validation::NameRule::Dns1123Label, n) {
                    causes.push(invalid_value(format!("spec.ports[{i}].name"), n, why));
                }
            }
        }
        if !p["port"].as_u64().is_some_and(|n| (1..=65535).contains(&n)) {
            causes.push((
                format!("spec.ports[{i}].port"),
                format!(
                    "Invalid value: {}: must be between 1 and 65535, inclusive",
                    p["port"]
                ),
            ));
        }
    }
}

/// Rejects names and objects the real server would reject with 422 Invalid.
fn validate(rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    let name = meta::name(obj);
    let mut causes = Vec::new();
    if let Err(why) = validation::validate_name(validation::rule_for(rt.group, rt.plural), name) {
        causes.push((
            "metadata.name".to_string(),
            format!("Invalid value: \"{name}\": {why}"),
        ));
    }
    validate_meta(&obj["metadata"], "metadata", &mut causes);
    match (rt.group, rt.plural) {
        ("apps", _) => {
            validate_meta(
                &obj["spec"]["template"]["metadata"],
                "spec.template.metadata",
                &mut causes,
            );
            validate_pod_spec(
                &obj["spec"]["template"]["spec"],
                "spec.template.spec",
                &mut causes,
            );
        }
        ("", "pods") => validate_pod_spec(&obj["spec"], "spec", &mut causes),
        ("", "configmaps" | "secrets") => validate_data(obj, &mut causes),
        ("", "services") => validate_service_ports(obj, &mut causes),
        _ => {}
    }
    match (rt.group, rt.plural) {
        ("apps", "deployments") | ("apps", "replicasets") => {
            let sel = &obj["spec"]["selector"];
            if !sel.is_object() {
                causes.push(("spec.selector".into(), "Required value".into()));
            } else if let Ok(s) = crate::selectors::LabelSelector::from_object(sel) {
                let labels = obj["spec"]["template"]["metadata"]["labels"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                if s.is_empty() {
                    causes.push((
                        "spec.selector".into(),
                        "Invalid value: \"null\": empty selector is invalid for deployment".into(),
                    ));
                } else if !s.matches_labels(&labels) {
                    causes.push((
                        "spec.template.metadata.labels".into(),
                        format!(
                            "Invalid value: {}: `selector` does not match template `labels`",
                            Value::Object(labels)
                        ),
                    ));
                }
            }
            if obj["spec"]["template"]["spec"]["containers"]
                .as_array()
                .is_none_or(Vec::is_empty)
            {
                causes.push((
                    "spec.template.spec.containers".into(),
                    "Required value".into(),
                ));
            }
        }
        ("", "pods")
            if obj["spec"]["containers"]
                .as_array()
                .is_none_or(Vec::is_empty) =>
        {
            causes.push(("spec.containers".into(), "Required value".into()));
        }
        ("", "services") => {
            let headless = obj["spec"]["clusterIP"] == "None";
            let external = obj["spec"]["type"] == "ExternalName";
            if !headless && !external && obj["spec"]["ports"].as_array().is_none_or(Vec::is_empty) {
                causes.push(("spec.ports".into(), "Required value".into()));
            }
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(rt, name, &causes))
    }
}

/// Reads one object.
pub fn get(st: &State, rt: &ResourceType, ns: &str, name: &str) -> Result<Value, ApiError> {
    st.store
        .get(rt, ns_of(rt, ns), name)
        .cloned()
        .ok_or_else(|| ApiError::not_found(rt, name))
}

/// Lists objects as a `<Kind>List`, with selectors applied.
pub fn list(st: &State, rt: &ResourceType, ns: Option<&str>, sel: &Selectors) -> Value {
    let items: Vec<Value> = st
        .store
        .list(rt, ns)
        .into_iter()
        .filter(|o| sel.matches(o))
        .collect();
    json!({
        "kind": format!("{}List", rt.kind),
        "apiVersion": rt.api_version(),
        "metadata": {"resourceVersion": st.store.resource_version().to_string()},
        "items": items,
    })
}

fn check_namespace(st: &State, rt: &ResourceType, ns: &str) -> Result<(), ApiError> {
    if rt.namespaced && st.store.get(namespaces_rt(), "", ns).is_none() {
        return Err(ApiError::not_found(namespaces_rt(), ns));
    }
    if rt.namespaced
        && let Some(n) = st.store.get(namespaces_rt(), "", ns)
        && meta::is_deleting(n)
    {
        return Err(ApiError::new(
            403,
            "Forbidden",
            format!(
                "{} is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                rt.plural
            ),
        ));
    }
    Ok(())
}

/// Creates an object: fills in name (from `generateName`), uid, timestamps, generation
/// and defaults, validates it, and stores it unless `dry_run`.
pub fn create(
    st: &mut State,
    rt: &ResourceType,
    ns: &str,
    mut obj: Value,
    dry_run: bool,
) -> Result<Value, ApiError> {
    if !obj.is_object() {
        return Err(ApiError::bad_request(
            "the body of the request was not a JSON object",
        ));
    }
    let ns = ns_of(rt, ns);
    let body_ns = meta::namespace(&obj).to_string();
    if rt.namespaced && !body_ns.is_empty() && body_ns != ns {
        return Err(ApiError::bad_request(
            "the namespace of the provided object does not match the namespace sent on the request",
        ));
    }
    obj["apiVersion"] = json!(rt.api_version());
    obj["kind"] = json!(rt.kind);
    let generate = meta::meta_str(&obj, "generateName").to_string();
    let m = meta::metadata_mut(&mut obj);
    if m.get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        if generate.is_empty() {
            let causes = [(
                "metadata.name".to_string(),
                "Required value: name or generateName is required".to_string(),
            )];
            return Err(ApiError::invalid(rt, "", &causes));
        }
        m.insert(
            "name".into(),
            json!(format!("{generate}{}", meta::random_suffix())),
        );
    }
    if rt.namespaced {
        m.insert("namespace".into(), json!(ns));
    } else {
        m.remove("namespace");
    }
    for f in [
        "resourceVersion",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    ] {
        m.remove(f);
    }
    m.insert("uid".into(), json!(meta::new_uid()));
    m.insert("creationTimestamp".into(), json!(meta::now_rfc3339()));
    if rt.has_generation {
        m.insert("generation".into(), json!(1));
    } else {
        m.remove("generation");
    }
    if rt.has_status && rt.plural != "nodes" {
        obj.as_object_mut().expect("checked above").remove("status");
    }
    let name = meta::name(&obj).to_string();
    validate(rt, &obj)?;
    check_namespace(st, rt, ns)?;
    if st.store.get(rt, ns, &name).is_some() {
        return Err(ApiError::already_exists(rt, &name));
    }
    defaults::apply(rt, &mut obj, &mut st.alloc);
    if dry_run {
        return Ok(obj);
    }
    let stored = st.store.insert(rt, obj);
    if rt.plural == "namespaces" && rt.group.is_empty() {
        st.ensure_default_service_account(&name);
    }
    Ok(stored)
}

/// Keeps what a client cannot change on update: identity, timestamps, allocations and,
/// for types with a status subresource, the other half of the object.
fn carry_over(rt: &ResourceType, old: &Value, new: &mut Value, subresource: Option<&str>) {
    if subresource == Some("status") {
        let status = new.get("status").cloned();
        *new = old.clone();
        match status {
            Some(s) => new["status"] = s,
            None => {
                new.as_object_mut()
                    .expect("objects are JSON objects")
                    .remove("status");
            }
        }
        return;
    }
    if rt.has_status {
        match old.get("status") {
            Some(s) => new["status"] = s.clone(),
            None => {
                if let Some(o) = new.as_object_mut() {
                    o.remove("status");
                }
            }
        }
    }
    new["apiVersion"] = old["apiVersion"].clone();
    new["kind"] = old["kind"].clone();
    let old_meta = old["metadata"].clone();
    let m = meta::metadata_mut(new);
    for f in [
        "uid",
        "creationTimestamp",
        "namespace",
        "name",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ] {
        match old_meta.get(f) {
            Some(v) => m.insert(f.into(), v.clone()),
            None => m.remove(f),
        };
    }
    m.remove("managedFields");
    if rt.plural == "services" && rt.group.is_empty() {
        for f in ["clusterIP", "clusterIPs"] {
            if new["spec"].get(f).is_none_or(Value::is_null) && old["spec"].get(f).is_some() {
                new["spec"][f] = old["spec"][f].clone();
            }
        }
        let old_ports = old["spec"]["ports"].as_array().cloned().unwrap_or_default();
        if let Some(ports) = new["spec"]["ports"].as_array_mut() {
            for p in ports {
                if p.get("nodePort").is_none_or(Value::is_null)
                    && let Some(op) = old_ports.iter().find(|op| op["port"] == p["port"])
                    && let Some(np) = op.get("nodePort")
                {
                    p["nodePort"] = np.clone();
                }
            }
        }
    }
}

fn without_rv(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(m) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        m.remove("resourceVersion");
    }
    v
}

/// Writes a new state of an existing object: conflicts on a stale resourceVersion,
/// bumps generation on spec changes, skips no-op writes (same resourceVersion, no
/// event, as the real server), and finishes a deletion once finalizers are gone.
pub fn write(
    st: &mut State,
    rt: &ResourceType,
    key: &ObjKey,
    mut new: Value,
    subresource: Option<&str>,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let old = st
        .store
        .get_key(key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(rt, &key.name))?;
    if let Some(rv) = new
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        && !rv.is_empty()
        && rv != meta::meta_str(&old, "resourceVersion")
    {
        return Err(ApiError::stale(rt, &key.name));
    }
    carry_over(rt, &old, &mut new, subresource);
    if subresource.is_none() {
        defaults::apply(rt, &mut new, &mut st.alloc);
        validate(rt, &new)?;
    }
    if rt.has_generation && new.get("spec") != old.get("spec") {
        let g = old["metadata"]["generation"].as_i64().unwrap_or(1);
        meta::metadata_mut(&mut new).insert("generation".into(), json!(g + 1));
    }
    if meta::is_deleting(&old) {
        // The real server rejects adding finalizers to an object being deleted; keep it simple
        // and only check whether the last one went away.
        if meta::finalizers(&new).is_empty() {
            if dry_run {
                return Ok(new);
            }
            return Ok(st.store.remove(key).unwrap_or(new));
        }
    }
    meta::metadata_mut(&mut new).insert(
        "resourceVersion".into(),
        old["metadata"]["resourceVersion"].clone(),
    );
    if without_rv(&new) == without_rv(&old) || dry_run {
        return Ok(new);
    }
    Ok(st.store.replace(key, new))
}

/// PUT: replaces an object (404 when missing, 400 when the body names another object).
pub fn update(
    st: &mut State,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    body: Value,
    subresource: Option<&str>,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let body_name = meta::name(&body);
    if !body_name.is_empty() && body_name != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({body_name}) does not match the name on the URL ({name})"
        )));
    }
    let key = ObjKey::new(rt, ns, name);
    write(st, rt, &key, body, subresource, dry_run)
}

/// PATCH in any of the four formats; server-side apply creates missing objects.
/// Returns the HTTP status (201 when apply created) and the result.
#[allow(clippy::too_many_arguments)]
pub fn patch(
    st: &mut State,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    kind: PatchKind,
    body: Value,
    field_manager: Option<&str>,
    subresource: Option<&str>,
    dry_run: bool,
) -> Result<(u16, Value), ApiError> {
    let key = ObjKey::new(rt, ns, name);
    let Some(current) = st.store.get_key(&key).cloned() else {
        if kind == PatchKind::Apply {
            let Some(manager) = field_manager else {
                return Err(ApiError::bad_request(
                    "PATCH requests of type apply require a fieldManager",
                ));
            };
            let mut obj = body.clone();
            meta::metadata_mut(&mut obj).insert("name".into(), json!(name));
            let created = create(st, rt, ns, obj, dry_run)?;
            if !dry_run {
                st.applied
                    .insert((meta::uid(&created).to_string(), manager.to_string()), body);
            }
            return Ok((201, created));
        }
        return Err(ApiError::not_found(rt, name));
    };
    let mut patched = current.clone();
    match kind {
        PatchKind::Merge => patch::merge_patch(&mut patched, &body),
        PatchKind::Strategic => patch::strategic_merge(&mut patched, &body),
        PatchKind::Json => patch::json_patch(&mut patched, &body).map_err(|e| {
            ApiError::new(
                422,
                "Invalid",
                format!("the server rejected our request due to an error in our request: {e}"),
            )
        })?,
        PatchKind::Apply => {
            let Some(manager) = field_manager else {
                return Err(ApiError::bad_request(
                    "PATCH requests of type apply require a fieldManager",
                ));
            };
            let slot = (meta::uid(&current).to_string(), manager.to_string());
            let mut applied = body.clone();
            if let Some(m) = applied.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("resourceVersion");
            }
            patch::apply(&mut patched, &applied, st.applied.get(&slot));
            if !dry_run {
                st.applied.insert(slot, applied);
            }
        }
    }
    // A patch carrying a resourceVersion is a precondition; otherwise it applies to the latest.
    let precondition = body
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str);
    if precondition.is_none() {
        meta::metadata_mut(&mut patched).insert(
            "resourceVersion".into(),
            current["metadata"]["resourceVersion"].clone(),
        );
    }
    Ok((200, write(st, rt, &key, patched, subresource, dry_run)?))
}

/// DELETE: checks preconditions, then deletes now, or marks the object as being deleted
/// when finalizers (or a Foreground propagation) must run first. With `Orphan`, the
/// dependents lose their owner reference first. Namespaces are emptied by the simulated
/// namespace controller before they disappear.
pub fn delete(
    st: &mut State,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    opts: &DeleteOptions,
    dry_run: bool,
) -> Result<Value, ApiError> {
    let key = ObjKey::new(rt, ns, name);
    let obj = st
        .store
        .get_key(&key)
        .cloned()
        .ok_or_else(|| ApiError::not_found(rt, name))?;
    if let Some(uid) = &opts.uid
        && uid != meta::uid(&obj)
    {
        return Err(ApiError::conflict(
            rt,
            name,
            &format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                meta::uid(&obj)
            ),
        ));
    }
    if let Some(rv) = &opts.resource_version
        && rv != meta::meta_str(&obj, "resourceVersion")
    {
        return Err(ApiError::conflict(
            rt,
            name,
            &format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                meta::meta_str(&obj, "resourceVersion")
            ),
        ));
    }
    if dry_run {
        return Ok(obj);
    }
    let policy = opts.propagation.as_deref().unwrap_or("Background");
    if !matches!(policy, "Background" | "Foreground" | "Orphan") {
        return Err(ApiError::new(
            422,
            "Invalid",
            format!(
                "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{policy}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
            ),
        ));
    }
    if policy == "Orphan" {
        orphan_dependents(st, meta::uid(&obj));
    }
    let mut finalizers = meta::finalizers(&obj);
    if policy == "Foreground" && !finalizers.iter().any(|f| f == FOREGROUND_FINALIZER) {
        finalizers.push(FOREGROUND_FINALIZER.into());
    }
    let is_namespace = rt.group.is_empty() && rt.plural == "namespaces";
    // Pods terminate gracefully when a termination delay is simulated: the kubelet
    // removes them once it has passed.
    let graceful_pod =
        rt.group.is_empty() && rt.plural == "pods" && !st.opts.pod_termination_delay.is_zero();
    if finalizers.is_empty() && !is_namespace && !graceful_pod {
        return Ok(st.store.remove(&key).unwrap_or(obj));
    }
    if meta::is_deleting(&obj) && meta::finalizers(&obj) == finalizers {
        return Ok(obj);
    }
    let mut marked = obj.clone();
    meta::set_finalizers(&mut marked, &finalizers);
    let m = meta::metadata_mut(&mut marked);
    if !m.contains_key("deletionTimestamp") {
        m.insert("deletionTimestamp".into(), json!(meta::now_rfc3339()));
        m.insert("deletionGracePeriodSeconds".into(), json!(0));
    }
    if is_namespace {
        marked["status"]["phase"] = json!("Terminating");
    }
    Ok(st.store.replace(&key, marked))
}

/// Removes owner references to `owner_uid` from every object (Orphan propagation).
pub fn orphan_dependents(st: &mut State, owner_uid: &str) {
    let dependents: Vec<(ObjKey, Value)> = st
        .store
        .all()
        .filter(|(_, o)| {
            meta::owner_references(o)
                .iter()
                .any(|r| r["uid"] == owner_uid)
        })
        .map(|(k, o)| (k.clone(), o.clone()))
        .collect();
    for (k, mut o) in dependents {
        let refs: Vec<Value> = meta::owner_references(&o)
            .into_iter()
            .filter(|r| r["uid"] != owner_uid)
            .collect();
        let m = meta::metadata_mut(&mut o);
        if refs.is_empty() {
            m.remove("ownerReferences");
        } else {
            m.insert("ownerReferences".into(), json!(refs));
        }
        st.store.replace(&k, o);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::ServerOptions;

    fn cms() -> &'static ResourceType {
        resources::find("", "configmaps").unwrap()
    }

    // Kubernetes API concepts, "Resource versions" / optimistic concurrency: an update
    // carrying a resourceVersion that is not the current one fails with 409 Conflict; one
    // without a resourceVersion is unconditional; an update that changes nothing keeps the
    // resourceVersion.
    #[test]
    fn updates_use_optimistic_concurrency() {
        let mut st = State::new(ServerOptions::default());
        let v1 = create(
            &mut st,
            cms(),
            "default",
            json!({"metadata": {"name": "c"}, "data": {"a": "1"}}),
            false,
        )
        .unwrap();
        let mut edit = v1.clone();
        edit["data"]["a"] = json!("2");
        let v2 = update(&mut st, cms(), "default", "c", edit.clone(), None, false).unwrap();
        assert_ne!(
            v2["metadata"]["resourceVersion"],
            v1["metadata"]["resourceVersion"]
        );
        let err = update(&mut st, cms(), "default", "c", edit, None, false).unwrap_err();
        assert_eq!((err.code, err.reason), (409, "Conflict"));
        assert!(
            err.message.contains("the object has been modified"),
            "{}",
            err.message
        );
        let mut blind = json!({"metadata": {"name": "c"}, "data": {"a": "3"}});
        let v3 = update(&mut st, cms(), "default", "c", blind.clone(), None, false).unwrap();
        blind["metadata"]["resourceVersion"] = v3["metadata"]["resourceVersion"].clone();
        let same = update(&mut st, cms(), "default", "c", blind, None, false).unwrap();
        assert_eq!(
            same["metadata"]["resourceVersion"], v3["metadata"]["resourceVersion"],
            "no-op keeps the version"
        );
        assert_eq!(
            v3["metadata"]["uid"], v1["metadata"]["uid"],
            "uid is immutable"
        );
    }

    // "DeleteOptions.preconditions: Must be fulfilled before a deletion is carried out. If
    // not possible, a 409 Conflict status will be returned." Objects with finalizers are
    // only marked (deletionTimestamp) until the finalizers are removed.
    #[test]
    fn deletes_honour_preconditions_and_finalizers() {
        let mut st = State::new(ServerOptions::default());
        let c = create(
            &mut st,
            cms(),
            "default",
            json!({"metadata": {"name": "c", "finalizers": ["x/y"]}}),
            false,
        )
        .unwrap();
        let wrong = DeleteOptions {
            uid: Some("other".into()),
            ..Default::default()
        };
        assert_eq!(
            delete(&mut st, cms(), "default", "c", &wrong, false)
                .unwrap_err()
                .code,
            409
        );
        let right = DeleteOptions {
            uid: Some(meta::uid(&c).into()),
            ..Default::default()
        };
        let marked = delete(&mut st, cms(), "default", "c", &right, false).unwrap();
        assert!(meta::is_deleting(&marked));
        assert!(
            get(&st, cms(), "default", "c").is_ok(),
            "kept while finalizers remain"
        );
        let mut released = marked.clone();
        released["metadata"]["finalizers"] = json!([]);
        update(&mut st, cms(), "default", "c", released, None, false).unwrap();
        assert_eq!(get(&st, cms(), "default", "c").unwrap_err().code, 404);
    }

    #[test]
    fn creates_in_missing_namespaces_and_dry_runs_store_nothing() {
        let mut st = State::new(ServerOptions::default());
        let err = create(
            &mut st,
            cms(),
            "ghost",
            json!({"metadata": {"name": "c"}}),
            false,
        )
        .unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (404, "namespaces \"ghost\" not found")
        );
        create(
            &mut st,
            cms(),
            "default",
            json!({"metadata": {"name": "c"}}),
            true,
        )
        .unwrap();
        assert!(get(&st, cms(), "default", "c").is_err());
    }
}

#[cfg(test)]
mod validation_tests {
    use super::*;
    use crate::options::ServerOptions;

    // Kubernetes API reference: multi-port Services must name every port; container port
    // names are IANA service names (at most 15 characters); label values at most 63.
    #[test]
    fn invalid_objects_are_rejected_with_field_causes() {
        let mut st = State::new(ServerOptions::default());
        let svc = resources::find("", "services").unwrap();
        let err = create(
            &mut st,
            svc,
            "default",
            json!({"metadata": {"name": "s"},
            "spec": {"ports": [{"name": "rest", "port": 8081}, {"port": 6123}]}}),
            false,
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message.contains("spec.ports[1].name: Required value"),
            "{}",
            err.message
        );
        let pods = resources::find("", "pods").unwrap();
        let err = create(&mut st, pods, "default", json!({"metadata": {"name": "p", "labels": {"app": "x".repeat(64)}},
            "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"name": "taskmanager-rpc1", "containerPort": 1}]}]}}), false).unwrap_err();
        assert!(err.message.contains("metadata.labels"), "{}", err.message);
        assert!(
            err.message.contains("spec.containers[0].ports[0].name"),
            "{}",
            err.message
        );
    }
}
