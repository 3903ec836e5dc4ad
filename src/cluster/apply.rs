//! Server-side apply under kubectl-flink's field manager: creating or
//! updating objects idempotently, so commands like `rbac-setup` can be run
//! again safely.

use super::changes::{Action, Change, ObjectRef};
use super::errors::ApiCallError;
use kube::api::{Api, Patch, PatchParams};
use kube::core::NamespaceResourceScope;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// Field manager name recorded in `managedFields`.
pub const FIELD_MANAGER: &str = "kubectl-flink";

/// Apply one namespaced object; says, as `kubectl apply` does, whether it
/// was created, changed, or already as asked (the resourceVersion stays the
/// same when server-side apply changes nothing), and returns it as stored.
pub async fn apply<K>(
    client: &kube::Client,
    namespace: &str,
    object: &K,
) -> Result<(Change, K), ApiCallError>
where
    K: kube::Resource<Scope = NamespaceResourceScope, DynamicType = ()>
        + Serialize
        + DeserializeOwned
        + Clone
        + Debug,
{
    let name = object.meta().name.clone().unwrap_or_default();
    let reference = ObjectRef::of::<K>(&name);
    let failed = |verb: &str, source: kube::Error| {
        ApiCallError::new(
            &format!("{verb} {} {name}", K::kind(&())),
            Some(namespace),
            &source,
        )
    };
    let api: Api<K> = Api::namespaced(client.clone(), namespace);
    let before = api.get_opt(&name).await.map_err(|e| failed("get", e))?;
    let applied = api
        .patch(
            &name,
            &PatchParams::apply(FIELD_MANAGER).force(),
            &Patch::Apply(object),
        )
        .await
        .map_err(|e| failed("apply", e))?;
    let action = match before {
        None => Action::Created,
        Some(before) if before.meta().resource_version == applied.meta().resource_version => {
            Action::Unchanged
        }
        Some(_) => Action::Configured,
    };
    Ok((
        Change {
            object: reference,
            action,
        },
        applied,
    ))
}
