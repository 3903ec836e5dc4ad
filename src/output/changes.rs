//! What mutating verbs report, the way kubectl reports it: one
//! `kind.group/name created|configured|unchanged|deleted` line per object,
//! or with `-o name` the bare `kind.group/name` for scripts. Every verb that
//! creates, applies or deletes objects prints through here.

use crate::cli::OutputFormat;
pub use crate::cluster::changes::{Action, Change, ObjectRef};

/// `-o` for a verb that reports changes: the default lines or `-o name`;
/// other formats are a usage error naming the ones that apply.
pub fn check_format(verb: &str, output: Option<OutputFormat>) -> Result<(), String> {
    match output {
        None | Some(OutputFormat::Name) => Ok(()),
        Some(other) => Err(format!(
            "-o {} does not apply to {verb}: use -o name (or no -o)",
            format!("{other:?}").to_lowercase()
        )),
    }
}

/// The lines for `changes`; `dry_run` marks them as kubectl does.
pub fn render(changes: &[Change], output: Option<OutputFormat>, dry_run: bool) -> String {
    changes
        .iter()
        .map(|change| match output {
            Some(OutputFormat::Name) => format!("{}\n", change.object),
            _ if dry_run => format!("{} {} (dry run)\n", change.object, change.action.word()),
            _ => format!("{} {}\n", change.object, change.action.word()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::ConfigMap;
    use k8s_openapi::api::rbac::v1::Role;

    #[test]
    fn objects_are_spelled_as_kubectl_spells_them() {
        assert_eq!(
            ObjectRef::of::<Deployment>("x").to_string(),
            "deployment.apps/x"
        );
        assert_eq!(ObjectRef::of::<ConfigMap>("y").to_string(), "configmap/y");
        assert_eq!(
            ObjectRef::of::<Role>("r").to_string(),
            "role.rbac.authorization.k8s.io/r"
        );
    }

    #[test]
    fn lines_and_names() {
        let changes = [
            Change {
                object: ObjectRef::of::<Deployment>("x"),
                action: Action::Deleted,
            },
            Change {
                object: ObjectRef::of::<ConfigMap>("y"),
                action: Action::Unchanged,
            },
        ];
        assert_eq!(
            render(&changes, None, false),
            "deployment.apps/x deleted\nconfigmap/y unchanged\n"
        );
        assert_eq!(
            render(&changes, Some(OutputFormat::Name), false),
            "deployment.apps/x\nconfigmap/y\n"
        );
        assert_eq!(
            render(&changes[..1], None, true),
            "deployment.apps/x deleted (dry run)\n"
        );
        assert!(check_format("cleanup", Some(OutputFormat::Json)).is_err());
    }
}
