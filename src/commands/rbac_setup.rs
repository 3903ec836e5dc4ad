//! `kubectl flink rbac-setup`: the service account Flink's JobManager needs
//! (it creates TaskManager pods and HA ConfigMaps), and optionally the rights
//! a user needs to run kubectl-flink — applied idempotently.

use super::block_on;
use crate::cli::rbac::RbacSetupArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::apply::apply;
use crate::cluster::client;
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::error::{Error, Result};
use crate::output::objects;
use crate::render::rbac;

/// Name of the Role granted to users with `--user`.
pub const USER_ROLE: &str = "kubectl-flink-user";

/// Run `kubectl flink rbac-setup`.
pub fn run(global: &GlobalArgs, args: RbacSetupArgs) -> Result<()> {
    crate::flink::cluster_id::validate(&args.service_account)
        .map_err(|e| Error::Usage(e.replace("cluster id", "service account name")))?;
    let (account, role, binding) = rbac::jobmanager_access(&args.service_account);
    let user = args
        .user
        .as_deref()
        .map(|u| rbac::user_access(USER_ROLE, u));
    if args.dry_run.is_some() {
        let mut objects = vec![to_value(&account)?, to_value(&role)?, to_value(&binding)?];
        if let Some((user_role, user_binding)) = &user {
            objects.extend([to_value(user_role)?, to_value(user_binding)?]);
        }
        return print_objects(&objects, global.output);
    }
    let choice = KubeconfigChoice {
        path: global.kubeconfig.clone(),
        context: global.context.clone(),
    };
    block_on(async {
        let connection = client::connect(&choice).await?;
        let namespace = global
            .namespace
            .clone()
            .unwrap_or_else(|| connection.context_namespace.clone());
        let c = &connection.client;
        let mut applied = Vec::new();
        let outcome: Result<()> = async {
            applied.push(apply(c, &namespace, &account).await?);
            applied.push(apply(c, &namespace, &role).await?);
            applied.push(apply(c, &namespace, &binding).await?);
            if let Some((user_role, user_binding)) = &user {
                applied.push(apply(c, &namespace, user_role).await?);
                applied.push(apply(c, &namespace, user_binding).await?);
            }
            Ok(())
        }
        .await;
        if let Err(e) = outcome {
            if applied.is_empty() {
                return Err(e);
            }
            return Err(Error::Failed(format!(
                "{e} (already applied: {}; running rbac-setup again after the fix is safe)",
                applied.join(", ")
            )));
        }
        let mut text: String = applied
            .iter()
            .map(|a| format!("{a} applied in namespace {namespace}\n"))
            .collect();
        text.push_str(&format!(
            "Start clusters with -Dkubernetes.service-account={} -n {namespace}.\n",
            args.service_account
        ));
        crate::output::write_stdout(&text)
            .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
    })
}

fn to_value<T: serde::Serialize>(object: &T) -> Result<objects::Document> {
    serde_json::to_value(object)
        .map(|value| (None, value))
        .map_err(|e| Error::Failed(e.to_string()))
}

fn print_objects(documents: &[objects::Document], output: Option<OutputFormat>) -> Result<()> {
    objects::check_dry_run_format(output).map_err(Error::Usage)?;
    let text = objects::render(documents, output).map_err(Error::Failed)?;
    crate::output::write_stdout(&format!("{}\n", text.trim_end()))
        .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))
}
