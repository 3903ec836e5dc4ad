//! What mutating verbs report, the way kubectl reports it: one
//! `kind.group/name created|configured|unchanged|deleted` line per object,
//! or with `-o name` the bare `kind.group/name` for scripts. Every verb that
//! creates, applies or deletes objects prints through here.

use super::printer::{Format, Printable};
pub use crate::cluster::changes::{Action, Change, ObjectRef};

/// Changes to objects, as a result.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub changes: Vec<Change>,
    /// Nothing was changed: the lines say `(dry run)`, as kubectl's do.
    pub dry_run: bool,
}

impl Changes {
    /// `objects`, each with `action`.
    pub fn all(objects: &[ObjectRef], action: Action, dry_run: bool) -> Changes {
        Changes {
            changes: objects
                .iter()
                .map(|object| Change {
                    object: object.clone(),
                    action,
                })
                .collect(),
            dry_run,
        }
    }
}

impl Printable for Changes {
    const FORMATS: &'static [Format] = &[Format::Name];

    fn text(&self, _wide: bool) -> String {
        let mark = if self.dry_run { " (dry run)" } else { "" };
        self.changes
            .iter()
            .map(|change| format!("{} {}{mark}\n", change.object, change.action.word()))
            .collect()
    }

    fn names(&self) -> Vec<String> {
        self.changes.iter().map(|c| c.object.to_string()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::printer::{check, render};
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
        let changes = Changes {
            changes: vec![
                Change {
                    object: ObjectRef::of::<Deployment>("x"),
                    action: Action::Deleted,
                },
                Change {
                    object: ObjectRef::of::<ConfigMap>("y"),
                    action: Action::Unchanged,
                },
            ],
            dry_run: false,
        };
        assert_eq!(
            render(&changes, None).unwrap().stdout,
            "deployment.apps/x deleted\nconfigmap/y unchanged\n"
        );
        assert_eq!(
            render(&changes, Some(Format::Name)).unwrap().stdout,
            "deployment.apps/x\nconfigmap/y\n"
        );
        let dry = Changes::all(&[ObjectRef::of::<Deployment>("x")], Action::Deleted, true);
        assert_eq!(
            render(&dry, None).unwrap().stdout,
            "deployment.apps/x deleted (dry run)\n"
        );
        assert!(check::<Changes>("cleanup", Some(Format::Json)).is_err());
    }
}
