//! Objects by kind and name, and what a verb did to them: typed, so that
//! rollback, cleanup and reports never parse `kind/name` strings back.

/// A Kubernetes object by kind and name, spelled as kubectl spells it
/// (`deployment.apps/x`, `configmap/y`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectRef {
    /// kubectl's resource spelling: lower-case kind, `.group` unless core.
    pub kind: String,
    pub name: String,
}

impl ObjectRef {
    /// The reference for a typed object of kind `K`.
    pub fn of<K: kube::Resource<DynamicType = ()>>(name: &str) -> ObjectRef {
        let group = K::group(&());
        let kind = K::kind(&()).to_lowercase();
        ObjectRef {
            kind: if group.is_empty() {
                kind
            } else {
                format!("{kind}.{group}")
            },
            name: name.to_string(),
        }
    }
}

impl ObjectRef {
    /// This is an object of kind `K`.
    pub fn is<K: kube::Resource<DynamicType = ()>>(&self) -> bool {
        self.kind == ObjectRef::of::<K>("").kind
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind, self.name)
    }
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    Configured,
    Unchanged,
    Deleted,
}

impl Action {
    /// kubectl's past participle for the action.
    pub fn word(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Configured => "configured",
            Action::Unchanged => "unchanged",
            Action::Deleted => "deleted",
        }
    }
}

/// One object and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub object: ObjectRef,
    pub action: Action,
}
