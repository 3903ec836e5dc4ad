//! `kubectl flink rbac-setup`: the service account Flink's JobManager needs
//! (it creates TaskManager pods and HA ConfigMaps), and optionally the rights
//! a user needs to run kubectl-flink — applied idempotently.

use super::block_on;
use crate::cli::rbac::RbacSetupArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::apply::apply;
use crate::cluster::changes::Change;
use crate::cluster::client;
use crate::cluster::errors::ApiCallError;
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::error::{Error, Result};
use crate::output::{changes, objects, style};
use crate::render::rbac;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};

/// Name of the Role granted to users with `--user`.
pub const USER_ROLE: &str = "kubectl-flink-user";

/// What `rbac-setup` applies, in order.
struct Objects {
    account: ServiceAccount,
    /// The JobManager's Role and binding, then (with `--user`) the user's.
    grants: Vec<(Role, RoleBinding)>,
}

/// Run `kubectl flink rbac-setup`.
pub fn run(global: &GlobalArgs, args: RbacSetupArgs) -> Result<()> {
    crate::flink::cluster_id::validate(&args.service_account)
        .map_err(|e| Error::Usage(e.replace("cluster id", "service account name")))?;
    if args.dry_run.is_some() {
        objects::check_dry_run_format(global.output).map_err(Error::Usage)?;
    } else if matches!(
        global.output,
        Some(OutputFormat::Table | OutputFormat::Wide)
    ) {
        return Err(Error::Usage(
            "-o table/wide does not apply to rbac-setup: use -o name, json or yaml (or no -o)"
                .into(),
        ));
    }
    let (account, role, binding) = rbac::jobmanager_access(&args.service_account);
    let mut wanted = Objects {
        account,
        grants: vec![(role, binding)],
    };
    if let Some(user) = args.user.as_deref() {
        wanted.grants.push(rbac::user_access(USER_ROLE, user));
    }
    let choice = KubeconfigChoice {
        path: global.kubeconfig.clone(),
        context: global.context.clone(),
    };
    if args.dry_run.is_some() {
        let namespace = match &global.namespace {
            Some(namespace) => namespace.clone(),
            None => choice
                .default_namespace()
                .unwrap_or_else(|e| {
                    style::print_warning(&format!("{e}; the dry run uses namespace default"));
                    None
                })
                .unwrap_or_else(|| "default".into()),
        };
        let mut documents = vec![to_value(&wanted.account)?];
        for (role, binding) in &wanted.grants {
            documents.extend([to_value(role)?, to_value(binding)?]);
        }
        let text = objects::render(&documents, &namespace, global.output).map_err(Error::Failed)?;
        return print(&format!("{}\n", text.trim_end()));
    }
    block_on(async {
        let connection = client::connect(&choice).await?;
        let namespace = global
            .namespace
            .clone()
            .unwrap_or_else(|| connection.context_namespace.clone());
        let mut applied: Vec<(Change, serde_json::Value)> = Vec::new();
        let outcome = apply_all(&connection.client, &namespace, &wanted, &mut applied).await;
        if let Err(error) = outcome {
            return Err(failure(error, &namespace, &applied));
        }
        let text = match global.output {
            Some(OutputFormat::Json | OutputFormat::Yaml) => {
                let documents: Vec<objects::Document> = applied
                    .iter()
                    .map(|(_, value)| (None, value.clone()))
                    .collect();
                let text = objects::render(&documents, &namespace, global.output)
                    .map_err(Error::Failed)?;
                format!("{}\n", text.trim_end())
            }
            output => {
                let changes: Vec<Change> = applied.into_iter().map(|(change, _)| change).collect();
                changes::render(&changes, output, false)
            }
        };
        print(&text)?;
        style::print_note(&format!(
            "Start clusters in namespace {namespace} with -Dkubernetes.service-account={}.",
            args.service_account
        ));
        Ok(())
    })
}

/// Apply in order, recording what was applied so a failure can say it.
async fn apply_all(
    client: &kube::Client,
    namespace: &str,
    wanted: &Objects,
    applied: &mut Vec<(Change, serde_json::Value)>,
) -> std::result::Result<(), ApiCallError> {
    let (change, object) = apply(client, namespace, &wanted.account).await?;
    applied.push((change, json(&object)));
    for (role, binding) in &wanted.grants {
        let (change, object) = apply(client, namespace, role).await?;
        applied.push((change, json(&object)));
        let (change, object) = apply(client, namespace, binding).await?;
        applied.push((change, json(&object)));
    }
    Ok(())
}

/// An applied object as JSON for `-o json|yaml` (Kubernetes types always
/// serialize).
fn json<T: serde::Serialize>(object: &T) -> serde_json::Value {
    serde_json::to_value(object).unwrap_or_default()
}

/// A failed apply as one line: a 403 means the caller may not grant these
/// rights (running rbac-setup again would not help), and whatever was
/// applied before the failure is named, since running again is safe.
fn failure(error: ApiCallError, namespace: &str, applied: &[(Change, serde_json::Value)]) -> Error {
    let message = if error.status() == Some(403) {
        format!(
            "not allowed to {} in namespace {namespace}: {}: rbac-setup grants rights, so it must be run by someone allowed to create Roles and RoleBindings there (a namespace or cluster admin): ask them to run `kubectl flink rbac-setup -n {namespace}`",
            error.what,
            crate::cluster::errors::reason(&error.source)
        )
    } else {
        Error::from(error).to_string()
    };
    if applied.is_empty() {
        return Error::Failed(message);
    }
    let done: Vec<String> = applied
        .iter()
        .map(|(change, _)| change.object.to_string())
        .collect();
    Error::Failed(format!(
        "{message} (already applied: {}; running rbac-setup again after the fix is safe)",
        done.join(", ")
    ))
}

fn to_value<T: serde::Serialize>(object: &T) -> Result<objects::Document> {
    serde_json::to_value(object)
        .map(|value| (None, value))
        .map_err(|e| Error::Failed(e.to_string()))
}

fn print(text: &str) -> Result<()> {
    crate::output::write_stdout(text)
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}
