//! Printing rendered objects so that `kubectl apply -f -` accepts them:
//! multi-document YAML, or a JSON `List`.

use crate::render::RenderedCluster;
use serde_json::{Value, json};

/// Text shown where owner references will go: they need the Deployment's
/// uid, which exists only once the Deployment has been created.
pub fn owner_note(deployment: &str) -> String {
    format!(
        "metadata.ownerReferences is set at creation to Deployment {deployment} (controller, with its uid), so deleting that Deployment deletes this object"
    )
}

/// Every object of the cluster as JSON values, in creation order.
pub fn to_values(cluster: &RenderedCluster) -> Result<Vec<Value>, String> {
    let mut values = vec![serde_json::to_value(&cluster.deployment).map_err(|e| e.to_string())?];
    for object in &cluster.accompanying {
        values.push(serde_json::to_value(object).map_err(|e| e.to_string())?);
    }
    Ok(values)
}

/// Multi-document YAML, the accompanying objects preceded by a comment
/// saying how their owner references are filled in.
pub fn to_yaml(cluster: &RenderedCluster) -> Result<String, String> {
    let deployment = cluster.deployment.metadata.name.clone().unwrap_or_default();
    let mut out = String::new();
    for (index, value) in to_values(cluster)?.iter().enumerate() {
        out.push_str("---\n");
        if index > 0 {
            out.push_str(&format!("# {}\n", owner_note(&deployment)));
        }
        out.push_str(&serde_saphyr::to_string(value).map_err(|e| e.to_string())?);
    }
    Ok(out)
}

/// A `v1` `List`, as `kubectl get -o json` prints several objects.
pub fn to_json_list(cluster: &RenderedCluster) -> Result<String, String> {
    let list = json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {},
        "items": to_values(cluster)?,
    });
    serde_json::to_string_pretty(&list).map_err(|e| e.to_string())
}
