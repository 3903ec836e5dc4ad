//! `kubectl flink rbac-setup`: the service account Flink's JobManager needs
//! (it creates TaskManager pods and HA ConfigMaps), and optionally the rights
//! a user needs to run kubectl-flink — applied idempotently.

use super::target::{self, Scope};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::rbac::RbacSetupArgs;
use crate::cluster::apply::apply;
use crate::cluster::changes::Change;
use crate::cluster::errors::ApiCallError;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::changes::Changes;
use crate::output::objects::{self, Objects};
use crate::output::{Format, Output, Printable, printer};
use crate::render::rbac;
use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{Role, RoleBinding};
use serde_json::Value;

/// Name of the Role granted to users with `--grant-user`.
pub const USER_ROLE: &str = "kubectl-flink-user";

/// `rbac-setup`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct RbacSetupOptions {
    pub service_account: String,
    pub user: Option<String>,
    pub dry_run: bool,
    pub scope: Scope,
    pub format: Option<Format>,
}

/// What `rbac-setup` applies, in order.
struct Wanted {
    account: ServiceAccount,
    /// The JobManager's Role and binding, then (with `--grant-user`) the user's.
    grants: Vec<(Role, RoleBinding)>,
}

impl Wanted {
    fn documents(&self) -> Vec<objects::Document> {
        let mut documents = vec![(None, objects::document(&self.account))];
        for (role, binding) in &self.grants {
            documents.push((None, objects::document(role)));
            documents.push((None, objects::document(binding)));
        }
        documents
    }
}

/// What was applied: change lines by default and with `-o name`, the
/// objects as the API server returned them with `-o json|yaml`.
struct Applied {
    changes: Changes,
    objects: Objects,
}

impl Printable for Applied {
    const FORMATS: &'static [Format] = &[Format::Name, Format::Json, Format::Yaml];

    fn text(&self, wide: bool) -> String {
        self.changes.text(wide)
    }

    fn document(&self) -> Value {
        self.objects.document()
    }

    fn names(&self) -> Vec<String> {
        self.changes.names()
    }
}

impl Verb for RbacSetupOptions {
    type Args = RbacSetupArgs;

    fn complete(global: &GlobalArgs, args: RbacSetupArgs, env: &Environment) -> Result<Self> {
        Ok(RbacSetupOptions {
            service_account: args.service_account,
            user: args.grant_user,
            dry_run: args.dry_run.is_some(),
            scope: target::scope(global, &args.flink, env)?,
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        crate::flink::cluster_id::validate_object_name(
            "service account name",
            &self.service_account,
        )
        .map_err(Error::Usage)?;
        if self.dry_run {
            printer::check::<Objects>("rbac-setup --dry-run", self.format)
        } else {
            printer::check::<Applied>("rbac-setup", self.format)
        }
        .map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(&self.scope.warnings);
        let (account, role, binding) = rbac::jobmanager_access(&self.service_account);
        let mut wanted = Wanted {
            account,
            grants: vec![(role, binding)],
        };
        if let Some(user) = self.user.as_deref() {
            wanted.grants.push(rbac::user_access(USER_ROLE, user));
        }
        if self.dry_run {
            let (namespace, warning) = self.scope.offline_namespace();
            if let Some(warning) = warning {
                output.warn(&warning);
            }
            let printed = Objects::in_namespace(wanted.documents(), &namespace);
            return Ok(output.show(&printed, self.format)?);
        }
        block_on(async {
            let (connection, namespace) = self.scope.connect().await?;
            let mut applied: Vec<(Change, Value)> = Vec::new();
            let outcome = apply_all(&connection.client, &namespace, &wanted, &mut applied).await;
            if let Err(error) = outcome {
                return Err(failure(error, &namespace, &applied));
            }
            let (changes, documents): (Vec<Change>, Vec<objects::Document>) = applied
                .into_iter()
                .map(|(change, value)| (change, (None, value)))
                .unzip();
            let applied = Applied {
                changes: Changes {
                    changes,
                    dry_run: false,
                },
                objects: Objects::in_namespace(documents, &namespace),
            };
            output.show(&applied, self.format)?;
            output.note(&format!(
                "Start clusters in namespace {namespace} with -Dkubernetes.service-account={}.",
                self.service_account
            ));
            Ok(())
        })
    }
}

/// Apply in order, recording what was applied so a failure can say it.
async fn apply_all(
    client: &kube::Client,
    namespace: &str,
    wanted: &Wanted,
    applied: &mut Vec<(Change, Value)>,
) -> std::result::Result<(), ApiCallError> {
    let (change, object) = apply(client, namespace, &wanted.account).await?;
    applied.push((change, objects::document(&object)));
    for (role, binding) in &wanted.grants {
        let (change, object) = apply(client, namespace, role).await?;
        applied.push((change, objects::document(&object)));
        let (change, object) = apply(client, namespace, binding).await?;
        applied.push((change, objects::document(&object)));
    }
    Ok(())
}

/// A failed apply as one line: a 403 means the caller may not grant these
/// rights (running rbac-setup again would not help), and whatever was
/// applied before the failure is named, since running again is safe.
fn failure(error: ApiCallError, namespace: &str, applied: &[(Change, Value)]) -> Error {
    let message = if error.status() == Some(403) {
        format!(
            "not allowed to {} in namespace {namespace}: {}: rbac-setup grants rights, so it must be run by someone allowed to create Roles and RoleBindings there (a namespace or cluster admin): ask them to run `kubectl flink rbac-setup -n {namespace}`",
            error.what, error.reason
        )
    } else {
        error.to_string()
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
