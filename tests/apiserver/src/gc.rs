//! The garbage collector and namespace controller: deletes dependents whose owners are
//! gone, finishes Foreground deletions once blocking dependents are gone, and empties
//! terminating namespaces — the parts of kube-controller-manager our clients see.

use crate::meta;
use crate::resources;
use crate::rest::{self, DeleteOptions, FOREGROUND_FINALIZER};
use crate::state::State;
use crate::store::ObjKey;
use serde_json::{Value, json};

fn rt_of(key: &ObjKey) -> &'static resources::ResourceType {
    let (group, plural) = key.resource.split_once('/').expect("keys are group/plural");
    resources::find(group, plural).expect("stored objects have known types")
}

fn waiting_for_dependents(obj: &Value) -> bool {
    meta::is_deleting(obj)
        && meta::finalizers(obj)
            .iter()
            .any(|f| f == FOREGROUND_FINALIZER)
}

fn has_dependents(st: &State, uid: &str) -> bool {
    st.store
        .all()
        .any(|(_, o)| meta::owner_references(o).iter().any(|r| r["uid"] == uid))
}

fn delete_key(st: &mut State, key: &ObjKey, policy: &str) {
    let opts = DeleteOptions {
        propagation: Some(policy.into()),
        ..Default::default()
    };
    let _ = rest::delete(st, rt_of(key), &key.namespace, &key.name, &opts, false);
}

/// One pass over all objects; returns whether anything changed (callers repeat until not).
pub fn collect_once(st: &mut State) -> bool {
    let snapshot: Vec<(ObjKey, Value)> = st
        .store
        .all()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut changed = false;

    // Foreground: delete the dependents; drop the finalizer once no blocking dependent remains.
    for (key, owner) in snapshot.iter().filter(|(_, o)| waiting_for_dependents(o)) {
        let uid = meta::uid(owner);
        let mut blocking = 0;
        for (dkey, dep) in &snapshot {
            let Some(r) = meta::owner_references(dep)
                .into_iter()
                .find(|r| r["uid"] == uid)
            else {
                continue;
            };
            if r["blockOwnerDeletion"] == json!(true) {
                blocking += 1;
            }
            if !meta::is_deleting(dep) {
                let policy = if has_dependents(st, meta::uid(dep)) {
                    "Foreground"
                } else {
                    "Background"
                };
                delete_key(st, dkey, policy);
                changed = true;
            }
        }
        if blocking == 0 {
            let mut o = owner.clone();
            let fins: Vec<String> = meta::finalizers(&o)
                .into_iter()
                .filter(|f| f != FOREGROUND_FINALIZER)
                .collect();
            meta::set_finalizers(&mut o, &fins);
            let _ = rest::write(st, rt_of(key), key, o, None, false);
            changed = true;
        }
    }

    // Background: dependents without any remaining owner go; dangling references are dropped.
    for (key, dep) in &snapshot {
        let refs = meta::owner_references(dep);
        if refs.is_empty() || meta::is_deleting(dep) || st.store.get_key(key).is_none() {
            continue;
        }
        let mut solid = Vec::new();
        let mut gone = 0;
        for r in &refs {
            let uid = r["uid"].as_str().unwrap_or("");
            match st.store.key_of_uid(uid).and_then(|k| st.store.get_key(k)) {
                Some(owner) if !waiting_for_dependents(owner) => solid.push(r.clone()),
                Some(_) => {}
                None => gone += 1,
            }
        }
        if solid.is_empty() {
            if gone > 0 {
                delete_key(st, key, "Background");
                changed = true;
            }
        } else if solid.len() < refs.len() {
            let mut o = st.store.get_key(key).cloned().expect("checked above");
            meta::metadata_mut(&mut o).insert("ownerReferences".into(), json!(solid));
            let _ = rest::write(st, rt_of(key), key, o, None, false);
            changed = true;
        }
    }

    // Namespaces: empty a terminating namespace, then let it go.
    for (key, ns) in snapshot
        .iter()
        .filter(|(k, o)| k.resource == "/namespaces" && meta::is_deleting(o))
    {
        let name = meta::name(ns).to_string();
        let content: Vec<ObjKey> = st
            .store
            .all()
            .filter(|(k, _)| k.namespace == name && k.resource != "/namespaces")
            .map(|(k, _)| k.clone())
            .collect();
        for k in &content {
            if st.store.get_key(k).is_some_and(|o| !meta::is_deleting(o)) {
                delete_key(st, k, "Background");
                changed = true;
            }
        }
        if content.is_empty() && meta::finalizers(ns).is_empty() {
            st.store.remove(key);
            changed = true;
        }
    }
    changed
}

/// Runs garbage collection to a fixed point (bounded, in case of a cycle).
pub fn collect(st: &mut State) -> bool {
    let mut any = false;
    for _ in 0..50 {
        if !collect_once(st) {
            break;
        }
        any = true;
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::ServerOptions;

    fn cm(st: &mut State, name: &str, owner: Option<&Value>, block: bool) -> Value {
        let mut o = json!({"metadata": {"name": name}, "data": {}});
        if let Some(owner) = owner {
            let mut r = meta::controller_ref(owner);
            r["blockOwnerDeletion"] = json!(block);
            o["metadata"]["ownerReferences"] = json!([r]);
        }
        rest::create(
            st,
            resources::find("", "configmaps").unwrap(),
            "default",
            o,
            false,
        )
        .unwrap()
    }

    fn exists(st: &State, name: &str) -> Option<Value> {
        st.store
            .get(resources::find("", "configmaps").unwrap(), "default", name)
            .cloned()
    }

    fn delete(st: &mut State, name: &str, policy: &str) {
        let opts = DeleteOptions {
            propagation: Some(policy.into()),
            ..Default::default()
        };
        rest::delete(
            st,
            resources::find("", "configmaps").unwrap(),
            "default",
            name,
            &opts,
            false,
        )
        .unwrap();
    }

    // Kubernetes docs, "Garbage Collection" / "Use Cascading Deletion": with background
    // cascading deletion the owner is deleted immediately and the controller deletes the
    // dependents in the background, recursively.
    #[test]
    fn background_deletes_dependents_recursively() {
        let mut st = State::new(ServerOptions::default());
        let a = cm(&mut st, "a", None, false);
        let b = cm(&mut st, "b", Some(&a), true);
        cm(&mut st, "c", Some(&b), true);
        delete(&mut st, "a", "Background");
        assert!(exists(&st, "a").is_none(), "owner goes first");
        assert!(
            exists(&st, "b").is_some(),
            "dependents go later, in the background"
        );
        collect(&mut st);
        assert!(exists(&st, "b").is_none() && exists(&st, "c").is_none());
    }

    // "In foreground cascading deletion, the owner object you're deleting first enters a
    // deletion in progress state": deletionTimestamp set, the foregroundDeletion finalizer
    // added; it stays until dependents with blockOwnerDeletion=true are deleted.
    #[test]
    fn foreground_keeps_owner_until_blocking_dependents_are_gone() {
        let mut st = State::new(ServerOptions::default());
        let a = cm(&mut st, "a", None, false);
        let b = cm(&mut st, "b", Some(&a), true);
        // A finalizer on the dependent keeps it (and so the owner) around.
        let mut held = b.clone();
        held["metadata"]["finalizers"] = json!(["test/hold"]);
        rest::update(
            &mut st,
            resources::find("", "configmaps").unwrap(),
            "default",
            "b",
            held,
            None,
            false,
        )
        .unwrap();
        delete(&mut st, "a", "Foreground");
        collect(&mut st);
        let owner = exists(&st, "a").expect("owner waits for its dependents");
        assert!(meta::is_deleting(&owner));
        assert_eq!(
            meta::finalizers(&owner),
            vec![FOREGROUND_FINALIZER.to_string()]
        );
        assert!(meta::is_deleting(&exists(&st, "b").unwrap()));
        let mut release = exists(&st, "b").unwrap();
        release["metadata"]["finalizers"] = json!([]);
        rest::update(
            &mut st,
            resources::find("", "configmaps").unwrap(),
            "default",
            "b",
            release,
            None,
            false,
        )
        .unwrap();
        collect(&mut st);
        assert!(exists(&st, "a").is_none() && exists(&st, "b").is_none());
    }

    // "Orphan: the dependents are left behind (orphaned)" and their ownerReferences to the
    // deleted owner are removed.
    #[test]
    fn orphan_keeps_dependents_without_the_reference() {
        let mut st = State::new(ServerOptions::default());
        let a = cm(&mut st, "a", None, false);
        cm(&mut st, "b", Some(&a), true);
        delete(&mut st, "a", "Orphan");
        collect(&mut st);
        let b = exists(&st, "b").expect("orphans survive");
        assert!(meta::owner_references(&b).is_empty());
    }

    // "Kubernetes checks for and deletes objects that no longer have owner references"
    // only when all owners are gone; a dependent with another live owner stays, and the
    // dangling reference is removed.
    #[test]
    fn dependents_with_another_live_owner_survive() {
        let mut st = State::new(ServerOptions::default());
        let a = cm(&mut st, "a", None, false);
        let z = cm(&mut st, "z", None, false);
        let mut b = json!({"metadata": {"name": "b", "ownerReferences": [meta::controller_ref(&a), meta::controller_ref(&z)]}});
        b["metadata"]["ownerReferences"][1]["controller"] = json!(false);
        rest::create(
            &mut st,
            resources::find("", "configmaps").unwrap(),
            "default",
            b,
            false,
        )
        .unwrap();
        delete(&mut st, "a", "Background");
        collect(&mut st);
        let b = exists(&st, "b").expect("still owned by z");
        assert_eq!(meta::owner_references(&b).len(), 1);
        assert_eq!(meta::owner_references(&b)[0]["name"], "z");
    }
}
