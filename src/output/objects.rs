//! Objects printed instead of created (`--dry-run=client`) or as applied:
//! a `List`, in YAML (the default, with comments where a field is filled in
//! only at creation) or JSON, that `kubectl apply -f -` accepts. Every dry
//! run goes through here.

use super::printer::{self, Format, PrintError, Printable};
use crate::render::RenderedCluster;
use serde_json::Value;

/// An object to print, with an optional comment above it in YAML.
pub type Document = (Option<String>, Value);

/// Objects as a result: `kind: List` in YAML (default) and JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Objects {
    pub documents: Vec<Document>,
}

impl Objects {
    /// The documents, each with the namespace it is meant for in
    /// `metadata.namespace`, as `kubectl create --dry-run=client -n X -o
    /// yaml` writes it: piped into `kubectl apply -f -` they land where the
    /// cluster's configuration says, not in the current context's namespace.
    pub fn in_namespace(documents: Vec<Document>, namespace: &str) -> Objects {
        Objects {
            documents: documents
                .into_iter()
                .map(|(comment, value)| (comment, with_namespace(value, namespace)))
                .collect(),
        }
    }
}

impl Printable for Objects {
    const FORMATS: &'static [Format] = &[Format::Yaml, Format::Json];
    const DEFAULT: Option<Format> = Some(Format::Yaml);

    /// Not used: the default is YAML.
    fn text(&self, _wide: bool) -> String {
        String::new()
    }

    fn document(&self) -> Value {
        printer::list(self.documents.iter().map(|(_, v)| v.clone()).collect())
    }

    fn yaml(&self) -> Result<String, PrintError> {
        printer::yaml_list_with_comments(&self.documents)
    }
}

fn with_namespace(mut value: Value, namespace: &str) -> Value {
    if let Some(metadata) = value.get_mut("metadata").and_then(Value::as_object_mut) {
        metadata.insert("namespace".into(), Value::String(namespace.to_string()));
    }
    value
}

/// Text shown where owner references will go: they need the Deployment's
/// uid, which exists only once the Deployment has been created.
pub fn owner_note(deployment: &str) -> String {
    format!(
        "metadata.ownerReferences is set at creation to Deployment {deployment} (controller, with its uid), so deleting that Deployment deletes this object"
    )
}

/// Any Kubernetes object as a document (their types always serialize).
pub fn document<T: serde::Serialize>(object: &T) -> Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// Every object of the cluster in creation order, the owned ones noted.
pub fn cluster_documents(cluster: &RenderedCluster) -> Vec<Document> {
    let deployment = cluster.deployment.metadata.name.clone().unwrap_or_default();
    let mut documents = vec![(None, document(&cluster.deployment))];
    for object in &cluster.accompanying {
        documents.push((Some(owner_note(&deployment)), document(object)));
    }
    documents
}
