//! Server-side apply under kubectl-flink's field manager: creating or
//! updating objects idempotently, so commands like `rbac-setup` can be run
//! again safely.

use super::errors::api_failure;
use crate::error::{Error, Result};
use kube::api::{Api, Patch, PatchParams};
use kube::core::NamespaceResourceScope;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Field manager name recorded in `managedFields`.
pub const FIELD_MANAGER: &str = "kubectl-flink";

/// Apply one namespaced object; returns `kind/name` for reporting.
pub async fn apply<K>(client: &kube::Client, namespace: &str, object: &K) -> Result<String>
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Serialize
        + DeserializeOwned
        + Clone
        + Debug,
{
    let name = object
        .meta()
        .name
        .clone()
        .ok_or_else(|| Error::Failed("an object to apply has no name".into()))?;
    let kind = K::kind(&()).to_lowercase();
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    api.patch(
        &name,
        &PatchParams::apply(FIELD_MANAGER).force(),
        &Patch::Apply(object),
    )
    .await
    .map_err(|e| api_failure(&format!("apply {kind} {name}"), namespace, &e))?;
    Ok(format!("{kind}/{name}"))
}
