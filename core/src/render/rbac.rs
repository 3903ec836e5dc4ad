//! The RBAC objects a Flink cluster needs, rendered purely: a service
//! account for the JobManager with a Role covering what Flink does with it
//! (TaskManager pods, its own Deployment, HA ConfigMaps, Services under host
//! network), and optionally a Role for a user who runs kubectl-flink.

use k8s_openapi::api::core::v1::ServiceAccount;
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use std::collections::BTreeMap;

/// Label on everything `rbac-setup` creates, so it can be found again.
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-flink");

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    PolicyRule {
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..PolicyRule::default()
    }
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(BTreeMap::from([(
            MANAGED_BY.0.to_string(),
            MANAGED_BY.1.to_string(),
        )])),
        ..ObjectMeta::default()
    }
}

/// What the JobManager does through its service account (reference §8, §1.13, §6).
pub fn jobmanager_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            &[""],
            &["pods"],
            &["create", "delete", "get", "list", "watch"],
        ),
        rule(&["apps"], &["deployments"], &["get", "delete"]),
        rule(
            &[""],
            &["configmaps"],
            &["create", "delete", "get", "list", "update", "watch"],
        ),
        rule(&[""], &["services"], &["get", "update"]),
    ]
}

/// What a user of kubectl-flink needs in a namespace: create and remove
/// clusters, watch them come up, and reach Flink's REST API.
pub fn user_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            &["apps"],
            &["deployments"],
            &["create", "delete", "get", "list", "watch"],
        ),
        rule(&["apps"], &["replicasets"], &["get", "list"]),
        rule(
            &[""],
            &["services", "configmaps"],
            &["create", "delete", "get", "list", "watch"],
        ),
        rule(&[""], &["pods", "events"], &["get", "list", "watch"]),
        rule(&[""], &["pods/log"], &["get"]),
        rule(&[""], &["pods/portforward"], &["create", "get"]),
        rule(
            &[""],
            &["services/proxy"],
            &["create", "delete", "get", "patch", "update"],
        ),
    ]
}

/// The JobManager's service account, its Role and the binding between them.
pub fn jobmanager_access(service_account: &str) -> (ServiceAccount, Role, RoleBinding) {
    let account = ServiceAccount {
        metadata: meta(service_account),
        ..ServiceAccount::default()
    };
    let role = Role {
        metadata: meta(service_account),
        rules: Some(jobmanager_rules()),
    };
    let binding = binding(
        service_account,
        service_account,
        Subject {
            kind: "ServiceAccount".into(),
            name: service_account.into(),
            ..Subject::default()
        },
    );
    (account, role, binding)
}

/// A Role for kubectl-flink users and a binding of it to `user`.
pub fn user_access(role_name: &str, user: &str) -> (Role, RoleBinding) {
    let role = Role {
        metadata: meta(role_name),
        rules: Some(user_rules()),
    };
    let binding = binding(
        &format!("{role_name}-{}", sanitize(user)),
        role_name,
        Subject {
            kind: "User".into(),
            name: user.into(),
            api_group: Some("rbac.authorization.k8s.io".into()),
            ..Subject::default()
        },
    );
    (role, binding)
}

fn binding(name: &str, role: &str, subject: Subject) -> RoleBinding {
    RoleBinding {
        metadata: meta(name),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: role.into(),
        },
        subjects: Some(vec![subject]),
    }
}

/// A user name made fit for an object name (`alice@example.com` → `alice-example-com`).
fn sanitize(user: &str) -> String {
    let cleaned: String = user
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    cleaned.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jobmanager_may_manage_taskmanager_pods_and_ha_config_maps() {
        let (account, role, binding) = jobmanager_access("flink");
        assert_eq!(account.metadata.name.as_deref(), Some("flink"));
        let rules = role.rules.expect("rules");
        let allows = |resource: &str, verb: &str| {
            rules.iter().any(|r| {
                r.resources.iter().flatten().any(|x| x == resource)
                    && r.verbs.iter().any(|v| v == verb)
            })
        };
        assert!(allows("pods", "create") && allows("pods", "watch"));
        assert!(allows("configmaps", "update"));
        assert!(
            allows("deployments", "delete"),
            "graceful shutdown deletes its own Deployment"
        );
        assert_eq!(
            binding.subjects.expect("subjects")[0].kind,
            "ServiceAccount"
        );
    }

    #[test]
    fn user_bindings_get_valid_names() {
        let (_, binding) = user_access("kubectl-flink-user", "Alice@Example.com");
        assert_eq!(
            binding.metadata.name.as_deref(),
            Some("kubectl-flink-user-alice-example-com")
        );
    }
}
