//! Printing objects for `--dry-run=client` so that `kubectl apply -f -`
//! accepts them: multi-document YAML (with comments where a field is filled
//! in only at creation), or a JSON `List`. Every dry run goes through here.

use crate::cli::OutputFormat;
use crate::render::RenderedCluster;
use serde_json::{Value, json};

/// An object to print, with an optional comment above it in YAML.
pub type Document = (Option<String>, Value);

/// `-o` of a dry run: YAML (the default) or JSON; anything else is a usage
/// error naming the formats that apply.
pub fn check_dry_run_format(output: Option<OutputFormat>) -> Result<(), String> {
    match output {
        None | Some(OutputFormat::Yaml) | Some(OutputFormat::Json) => Ok(()),
        Some(other) => Err(format!(
            "-o {} does not apply to --dry-run: use -o yaml or -o json",
            format!("{other:?}").to_lowercase()
        )),
    }
}

/// The documents in the requested format (JSON for `-o json`, else YAML),
/// each with the namespace it is meant for in `metadata.namespace`, as
/// `kubectl create --dry-run=client -n X -o yaml` writes it: piped into
/// `kubectl apply -f -` they land where the cluster's configuration says,
/// not in the current context's namespace.
pub fn render(
    documents: &[Document],
    namespace: &str,
    output: Option<OutputFormat>,
) -> Result<String, String> {
    let documents: Vec<Document> = documents
        .iter()
        .map(|(comment, value)| (comment.clone(), in_namespace(value, namespace)))
        .collect();
    if output == Some(OutputFormat::Json) {
        let items: Vec<&Value> = documents.iter().map(|(_, value)| value).collect();
        let list = json!({"apiVersion": "v1", "kind": "List", "metadata": {}, "items": items});
        return serde_json::to_string_pretty(&list).map_err(|e| e.to_string());
    }
    let mut out = String::new();
    for (comment, value) in &documents {
        out.push_str("---\n");
        if let Some(comment) = comment {
            out.push_str(&format!("# {comment}\n"));
        }
        out.push_str(&serde_saphyr::to_string(value).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

fn in_namespace(value: &Value, namespace: &str) -> Value {
    let mut value = value.clone();
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

/// Every object of the cluster in creation order, the owned ones noted.
pub fn cluster_documents(cluster: &RenderedCluster) -> Result<Vec<Document>, String> {
    let deployment = cluster.deployment.metadata.name.clone().unwrap_or_default();
    let mut documents = vec![(
        None,
        serde_json::to_value(&cluster.deployment).map_err(|e| e.to_string())?,
    )];
    for object in &cluster.accompanying {
        documents.push((
            Some(owner_note(&deployment)),
            serde_json::to_value(object).map_err(|e| e.to_string())?,
        ));
    }
    Ok(documents)
}
