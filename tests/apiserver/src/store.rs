//! Generic object storage: JSON objects keyed by resource type, namespace and name,
//! one cluster-wide resourceVersion counter, and the event log that watches replay.

use crate::meta;
use crate::resources::ResourceType;
use crate::selectors::Selectors;
use futures::channel::mpsc::UnboundedSender;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// How many past events watches can resume from before getting `410 Expired`.
const LOG_CAPACITY: usize = 50_000;

/// Where an object is stored.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjKey {
    /// [`ResourceType::key`] of the object's type.
    pub resource: String,
    /// Namespace, "" for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjKey {
    /// The key of a named object of a type.
    pub fn new(rt: &ResourceType, namespace: &str, name: &str) -> Self {
        ObjKey {
            resource: rt.key(),
            namespace: if rt.namespaced {
                namespace.to_string()
            } else {
                String::new()
            },
            name: name.to_string(),
        }
    }
}

/// The type of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// An object was created.
    Added,
    /// An object changed.
    Modified,
    /// An object was removed.
    Deleted,
}

impl EventType {
    /// The wire name (`ADDED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

/// One change, as kept in the log for watches to replay.
#[derive(Debug, Clone)]
pub struct Change {
    /// The resourceVersion the change produced.
    pub rv: u64,
    /// Resource type key.
    pub resource: String,
    /// Namespace of the object.
    pub namespace: String,
    /// What happened.
    pub kind: EventType,
    /// The object before the change (None for ADDED).
    pub old: Option<Value>,
    /// The object after the change (the last state for DELETED).
    pub new: Value,
}

/// What a watch wants to see.
#[derive(Debug, Clone)]
pub struct WatchFilter {
    /// Resource type key.
    pub resource: String,
    /// Namespace, or None for all namespaces.
    pub namespace: Option<String>,
    /// Label and field selectors.
    pub selectors: Selectors,
}

impl WatchFilter {
    /// The event (if any) a watcher with this filter sees for a change: objects that
    /// start or stop matching the selectors appear as ADDED or DELETED, as in Kubernetes.
    pub fn translate(&self, c: &Change) -> Option<(EventType, Value)> {
        if c.resource != self.resource
            || self.namespace.as_ref().is_some_and(|ns| *ns != c.namespace)
        {
            return None;
        }
        let new_match = self.selectors.matches(&c.new);
        let old_match = c.old.as_ref().is_some_and(|o| self.selectors.matches(o));
        match c.kind {
            EventType::Added if new_match => Some((EventType::Added, c.new.clone())),
            EventType::Deleted if new_match || old_match => {
                Some((EventType::Deleted, c.new.clone()))
            }
            EventType::Modified => match (old_match, new_match) {
                (true, true) => Some((EventType::Modified, c.new.clone())),
                (false, true) => Some((EventType::Added, c.new.clone())),
                (true, false) => Some((EventType::Deleted, c.new.clone())),
                (false, false) => None,
            },
            _ => None,
        }
    }
}

/// A registered watch: a filter and the channel its events go to.
pub struct Watcher {
    /// What the watch selects.
    pub filter: WatchFilter,
    /// Where matching events are sent.
    pub tx: UnboundedSender<(EventType, Value)>,
}

/// The object store.
pub struct Store {
    objects: BTreeMap<ObjKey, Value>,
    uids: HashMap<String, ObjKey>,
    rv: u64,
    log: VecDeque<Change>,
    log_capacity: usize,
    watchers: Vec<Watcher>,
}

impl Default for Store {
    fn default() -> Self {
        Store::with_log_capacity(LOG_CAPACITY)
    }
}

impl Store {
    /// A store that keeps `capacity` past events for watches to resume from.
    pub fn with_log_capacity(capacity: usize) -> Self {
        Store {
            objects: BTreeMap::new(),
            uids: HashMap::new(),
            rv: 0,
            log: VecDeque::new(),
            log_capacity: capacity.max(1),
            watchers: Vec::new(),
        }
    }

    /// The current (latest) resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// The oldest resourceVersion a watch can still resume from.
    pub fn oldest_resumable(&self) -> u64 {
        self.log.front().map(|c| c.rv - 1).unwrap_or(self.rv)
    }

    /// An object by type, namespace and name.
    pub fn get(&self, rt: &ResourceType, namespace: &str, name: &str) -> Option<&Value> {
        self.objects.get(&ObjKey::new(rt, namespace, name))
    }

    /// An object by key.
    pub fn get_key(&self, key: &ObjKey) -> Option<&Value> {
        self.objects.get(key)
    }

    /// The key of the object with this uid, if it exists.
    pub fn key_of_uid(&self, uid: &str) -> Option<&ObjKey> {
        self.uids.get(uid)
    }

    /// All objects of a type, optionally only in one namespace, in name order.
    pub fn list(&self, rt: &ResourceType, namespace: Option<&str>) -> Vec<Value> {
        let resource = rt.key();
        self.objects
            .iter()
            .filter(|(k, _)| k.resource == resource)
            .filter(|(k, _)| namespace.is_none_or(|ns| !rt.namespaced || k.namespace == ns))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Every stored object with its key (for garbage collection).
    pub fn all(&self) -> impl Iterator<Item = (&ObjKey, &Value)> {
        self.objects.iter()
    }

    fn bump(&mut self, obj: &mut Value) -> u64 {
        self.rv += 1;
        meta::metadata_mut(obj).insert("resourceVersion".into(), json!(self.rv.to_string()));
        self.rv
    }

    fn record(&mut self, change: Change) {
        self.watchers.retain(|w| match w.filter.translate(&change) {
            Some(ev) => w.tx.unbounded_send(ev).is_ok(),
            None => !w.tx.is_closed(),
        });
        self.log.push_back(change);
        if self.log.len() > self.log_capacity {
            self.log.pop_front();
        }
    }

    /// Stores a new object, giving it the next resourceVersion; returns the stored object.
    pub fn insert(&mut self, rt: &ResourceType, mut obj: Value) -> Value {
        let rv = self.bump(&mut obj);
        let key = ObjKey::new(rt, meta::namespace(&obj), meta::name(&obj));
        self.uids.insert(meta::uid(&obj).to_string(), key.clone());
        self.objects.insert(key.clone(), obj.clone());
        self.record(Change {
            rv,
            resource: key.resource,
            namespace: key.namespace,
            kind: EventType::Added,
            old: None,
            new: obj.clone(),
        });
        obj
    }

    /// Replaces an existing object with a new state and resourceVersion.
    pub fn replace(&mut self, key: &ObjKey, mut obj: Value) -> Value {
        let rv = self.bump(&mut obj);
        let old = self.objects.insert(key.clone(), obj.clone());
        self.record(Change {
            rv,
            resource: key.resource.clone(),
            namespace: key.namespace.clone(),
            kind: EventType::Modified,
            old,
            new: obj.clone(),
        });
        obj
    }

    /// Removes an object; the DELETED event carries a new resourceVersion as in Kubernetes.
    pub fn remove(&mut self, key: &ObjKey) -> Option<Value> {
        let mut obj = self.objects.remove(key)?;
        self.uids.remove(meta::uid(&obj));
        let rv = self.bump(&mut obj);
        self.record(Change {
            rv,
            resource: key.resource.clone(),
            namespace: key.namespace.clone(),
            kind: EventType::Deleted,
            old: None,
            new: obj.clone(),
        });
        Some(obj)
    }

    /// The events a new watch starting after `since` sees, or None when `since` is too old.
    pub fn changes_since(
        &self,
        filter: &WatchFilter,
        since: u64,
    ) -> Option<Vec<(EventType, Value)>> {
        if since < self.oldest_resumable() {
            return None;
        }
        Some(
            self.log
                .iter()
                .filter(|c| c.rv > since)
                .filter_map(|c| filter.translate(c))
                .collect(),
        )
    }

    /// Registers a watcher for future changes.
    pub fn subscribe(&mut self, watcher: Watcher) {
        self.watchers.push(watcher);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;
    use crate::selectors::LabelSelector;

    fn cm(name: &str, app: &str) -> Value {
        json!({"metadata": {"name": name, "namespace": "default", "uid": name, "labels": {"app": app}}})
    }

    fn filter(selector: &str) -> WatchFilter {
        WatchFilter {
            resource: "/configmaps".into(),
            namespace: Some("default".into()),
            selectors: Selectors {
                labels: LabelSelector::parse(selector).unwrap(),
                ..Default::default()
            },
        }
    }

    // Kubernetes API concepts, "Efficient detection of changes": a watch started at a
    // resourceVersion receives every change after it; when the version is older than the
    // server keeps history for, it gets 410 Gone (Expired). Each change gets a new, larger
    // resourceVersion, including deletions.
    #[test]
    fn watches_replay_changes_after_a_version_until_it_expires() {
        let rt = resources::find("", "configmaps").unwrap();
        let mut store = Store::with_log_capacity(3);
        let a = store.insert(rt, cm("a", "x"));
        let rv_a: u64 = a["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        store.insert(rt, cm("b", "x"));
        let gone = store.remove(&ObjKey::new(rt, "default", "a")).unwrap();
        assert!(
            gone["metadata"]["resourceVersion"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                > rv_a
        );
        let events = store.changes_since(&filter("app=x"), rv_a).unwrap();
        let kinds: Vec<(&str, &str)> = events
            .iter()
            .map(|(k, o)| (k.as_str(), o["metadata"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(kinds, vec![("ADDED", "b"), ("DELETED", "a")]);
        store.insert(rt, cm("c", "x"));
        assert!(
            store.changes_since(&filter("app=x"), rv_a).is_some(),
            "changes 2..4 are kept"
        );
        store.insert(rt, cm("d", "x"));
        assert!(
            store.changes_since(&filter("app=x"), rv_a).is_none(),
            "history of 3 no longer reaches back"
        );
    }

    // "A watch with a label selector sees an object that stops matching as DELETED and
    // one that starts matching as ADDED" (the watch cache's filtering semantics).
    #[test]
    fn objects_moving_across_a_selector_are_added_or_deleted() {
        let f = filter("app=x");
        let change = |old: &str, new: &str| Change {
            rv: 1,
            resource: "/configmaps".into(),
            namespace: "default".into(),
            kind: EventType::Modified,
            old: Some(cm("o", old)),
            new: cm("o", new),
        };
        assert_eq!(
            f.translate(&change("y", "x")).map(|e| e.0),
            Some(EventType::Added)
        );
        assert_eq!(
            f.translate(&change("x", "y")).map(|e| e.0),
            Some(EventType::Deleted)
        );
        assert_eq!(
            f.translate(&change("x", "x")).map(|e| e.0),
            Some(EventType::Modified)
        );
        assert_eq!(f.translate(&change("y", "z")), None);
    }
}
