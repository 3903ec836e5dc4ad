//! What `doctor` checks against the cluster before a start (and for an
//! existing cluster): the caller's rights, the JobManager's service
//! account and its rights, pull secrets, ResourceQuota and LimitRange
//! headroom, and nodes for the node selector. Each check is a [`Finding`];
//! nothing here prints.

use super::client::Connection;
use super::errors::reason;
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec, SubjectAccessReview,
    SubjectAccessReviewSpec,
};
use k8s_openapi::api::core::v1::{Node, Secret, ServiceAccount};
use kube::api::{Api, PostParams};
use serde::Serialize;

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    /// Not a blocker, but worth knowing.
    Warn,
    /// Blocks a start: the fix says what to do.
    Fail,
    /// Could not be checked (with why).
    Skip,
}

/// A check, its outcome, what was found and the command that fixes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub check: String,
    pub outcome: Outcome,
    pub detail: String,
    pub fix: Option<String>,
}

impl Finding {
    pub fn new(
        check: &str,
        outcome: Outcome,
        detail: impl Into<String>,
        fix: Option<String>,
    ) -> Finding {
        Finding {
            check: check.to_string(),
            outcome,
            detail: detail.into(),
            fix,
        }
    }
}

/// A right: verb, API group, resource (with subresource after `/`).
pub type Right = (&'static str, &'static str, &'static str);

/// What kubectl-flink itself does in a namespace.
pub const CALLER_RIGHTS: &[Right] = &[
    ("create", "apps", "deployments"),
    ("delete", "apps", "deployments"),
    ("list", "apps", "deployments"),
    ("create", "", "services"),
    ("create", "", "configmaps"),
    ("list", "", "pods"),
    ("get", "", "pods/log"),
    ("create", "", "pods/portforward"),
    ("get", "", "services/proxy"),
];

/// What Flink's JobManager does with its service account.
pub const JOBMANAGER_RIGHTS: &[Right] = &[
    ("create", "", "pods"),
    ("delete", "", "pods"),
    ("watch", "", "pods"),
    ("get", "apps", "deployments"),
];

/// What the JobManager needs on top under Kubernetes HA.
pub const HA_RIGHTS: &[Right] = &[
    ("create", "", "configmaps"),
    ("get", "", "configmaps"),
    ("update", "", "configmaps"),
    ("watch", "", "configmaps"),
    ("delete", "", "configmaps"),
];

fn attributes(namespace: &str, (verb, group, resource): Right) -> ResourceAttributes {
    let (resource, subresource) = match resource.split_once('/') {
        Some((r, s)) => (r, Some(s.to_string())),
        None => (resource, None),
    };
    ResourceAttributes {
        namespace: Some(namespace.to_string()),
        verb: Some(verb.to_string()),
        group: Some(group.to_string()),
        resource: Some(resource.to_string()),
        subresource,
        ..Default::default()
    }
}

fn spell((verb, group, resource): &Right) -> String {
    if group.is_empty() {
        format!("{verb} {resource}")
    } else {
        format!("{verb} {resource}.{group}")
    }
}

/// The rights of whoever runs kubectl-flink (SelfSubjectAccessReview).
pub async fn caller_rights(connection: &Connection, namespace: &str) -> Finding {
    let api: Api<SelfSubjectAccessReview> = Api::all(connection.client.clone());
    let checks = CALLER_RIGHTS.iter().map(|right| {
        let api = api.clone();
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(attributes(namespace, *right)),
                ..Default::default()
            },
            ..Default::default()
        };
        async move {
            let answer = api.create(&PostParams::default(), &review).await;
            (right, answer.map(|r| r.status.is_some_and(|s| s.allowed)))
        }
    });
    let answers = futures::future::join_all(checks).await;
    let missing: Vec<String> = answers
        .iter()
        .filter(|(_, allowed)| matches!(allowed, Ok(false)))
        .map(|(right, _)| spell(right))
        .collect();
    if let Some((_, Err(e))) = answers.iter().find(|(_, a)| a.is_err()) {
        return Finding::new(
            "your rights",
            Outcome::Skip,
            format!("cannot ask the API server: {}", reason(e)),
            None,
        );
    }
    if missing.is_empty() {
        Finding::new(
            "your rights",
            Outcome::Pass,
            format!("all {} that kubectl-flink uses", CALLER_RIGHTS.len()),
            None,
        )
    } else {
        Finding::new(
            "your rights",
            Outcome::Fail,
            format!("not allowed to {}", missing.join(", ")),
            Some(format!(
                "a namespace admin runs `{}`",
                connection
                    .suggest
                    .flink(&format!("rbac-setup -n {namespace} --grant-user <you>"))
            )),
        )
    }
}

/// The JobManager's service account exists, and may do what Flink does
/// (SubjectAccessReview: needs rights a namespace admin may lack).
pub async fn service_account(
    connection: &Connection,
    namespace: &str,
    account: &str,
    high_availability: bool,
) -> Vec<Finding> {
    let fix = Some(connection.suggest.flink(&format!(
        "rbac-setup -n {namespace} --service-account {account}"
    )));
    let exists = service_account_exists(connection, namespace, account, fix.clone()).await;
    let user = format!("system:serviceaccount:{namespace}:{account}");
    let rights: Vec<&Right> = JOBMANAGER_RIGHTS
        .iter()
        .chain(if high_availability { HA_RIGHTS } else { &[] })
        .collect();
    let api: Api<SubjectAccessReview> = Api::all(connection.client.clone());
    let checks = rights.iter().map(|right| {
        let api = api.clone();
        let review = SubjectAccessReview {
            spec: SubjectAccessReviewSpec {
                user: Some(user.clone()),
                groups: Some(vec![
                    "system:serviceaccounts".into(),
                    format!("system:serviceaccounts:{namespace}"),
                    "system:authenticated".into(),
                ]),
                resource_attributes: Some(attributes(namespace, **right)),
                ..Default::default()
            },
            ..Default::default()
        };
        async move {
            (
                *right,
                api.create(&PostParams::default(), &review)
                    .await
                    .map(|r| r.status.is_some_and(|s| s.allowed)),
            )
        }
    });
    let answers = futures::future::join_all(checks).await;
    let check = "service account's rights";
    let rights_finding = if let Some((_, Err(e))) = answers.iter().find(|(_, a)| a.is_err()) {
        Finding::new(
            check,
            Outcome::Skip,
            format!("cannot check another user's rights ({})", reason(e)),
            None,
        )
    } else {
        let missing: Vec<String> = answers
            .iter()
            .filter(|(_, allowed)| matches!(allowed, Ok(false)))
            .map(|(right, _)| spell(right))
            .collect();
        if missing.is_empty() {
            Finding::new(
                check,
                Outcome::Pass,
                format!("{account} may do what Flink's JobManager does"),
                None,
            )
        } else {
            Finding::new(
                check,
                Outcome::Fail,
                format!(
                    "{account} may not {}: Flink cannot start TaskManagers",
                    missing.join(", ")
                ),
                fix,
            )
        }
    };
    vec![exists, rights_finding]
}

/// Whether the JobManager's service account exists.
async fn service_account_exists(
    connection: &Connection,
    namespace: &str,
    account: &str,
    fix: Option<String>,
) -> Finding {
    let accounts: Api<ServiceAccount> = Api::namespaced(connection.client.clone(), namespace);
    match accounts.get_opt(account).await {
        Ok(Some(_)) => Finding::new(
            "service account",
            Outcome::Pass,
            format!("{account} exists"),
            None,
        ),
        Ok(None) => Finding::new(
            "service account",
            Outcome::Fail,
            format!(
                "{account} does not exist in namespace {namespace}: the JobManager pod cannot be created"
            ),
            fix,
        ),
        Err(e) => Finding::new(
            "service account",
            Outcome::Skip,
            format!("cannot read it: {}", reason(&e)),
            None,
        ),
    }
}

/// Every image pull secret the configuration names exists.
pub async fn pull_secrets(
    connection: &Connection,
    namespace: &str,
    names: &[String],
) -> Option<Finding> {
    if names.is_empty() {
        return None;
    }
    let api: Api<Secret> = Api::namespaced(connection.client.clone(), namespace);
    let mut missing = Vec::new();
    for name in names {
        match api.get_metadata_opt(name).await {
            Ok(Some(_)) => {}
            Ok(None) => missing.push(name.clone()),
            Err(e) => {
                return Some(Finding::new(
                    "pull secrets",
                    Outcome::Skip,
                    format!("cannot read them: {}", reason(&e)),
                    None,
                ));
            }
        }
    }
    Some(if missing.is_empty() {
        Finding::new("pull secrets", Outcome::Pass, names.join(", "), None)
    } else {
        Finding::new(
            "pull secrets",
            Outcome::Fail,
            format!("{} missing in namespace {namespace}: the image cannot be pulled", missing.join(", ")),
            Some(connection.suggest.kubectl(&format!(
                "create secret docker-registry {} -n {namespace} --docker-server=… --docker-username=… --docker-password=…",
                missing[0]
            ))),
        )
    })
}

mod quota;
pub use quota::{Demand, quotas};

/// Some node carries every label of `selector`.
pub async fn nodes(connection: &Connection, selector: &[(String, String)]) -> Option<Finding> {
    if selector.is_empty() {
        return None;
    }
    let wanted: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let api: Api<Node> = Api::all(connection.client.clone());
    Some(match api.list_metadata(&Default::default()).await {
        Err(e) => Finding::new(
            "node selector",
            Outcome::Skip,
            format!("cannot list nodes: {}", reason(&e)),
            None,
        ),
        Ok(list) => {
            let matching = list
                .items
                .iter()
                .filter(|n| {
                    selector
                        .iter()
                        .all(|(k, v)| n.metadata.labels.as_ref().and_then(|l| l.get(k)) == Some(v))
                })
                .count();
            if matching > 0 {
                Finding::new(
                    "node selector",
                    Outcome::Pass,
                    format!("{matching} node(s) match {}", wanted.join(",")),
                    None,
                )
            } else {
                Finding::new(
                    "node selector",
                    Outcome::Fail,
                    format!("no node has {} ({} nodes): the pods would stay Pending", wanted.join(","), list.items.len()),
                    Some("fix -Dkubernetes.jobmanager.node-selector / kubernetes.taskmanager.node-selector, or label a node: kubectl label node <node> <key>=<value>".into()),
                )
            }
        }
    })
}

/// Kubernetes quantities (`500m`, `2`, `4Gi`, `1G`) as millicores and bytes.
pub mod quantity;
