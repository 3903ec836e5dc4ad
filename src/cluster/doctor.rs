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
use k8s_openapi::api::core::v1::{LimitRange, Node, ResourceQuota, Secret, ServiceAccount};
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
            Some(connection.suggest.flink(&format!(
                "rbac-setup -n {namespace} --grant-user <you>  (run by a namespace admin)"
            ))),
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
    let accounts: Api<ServiceAccount> = Api::namespaced(connection.client.clone(), namespace);
    let exists = match accounts.get_opt(account).await {
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
            fix.clone(),
        ),
        Err(e) => Finding::new(
            "service account",
            Outcome::Skip,
            format!("cannot read it: {}", reason(&e)),
            None,
        ),
    };
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

/// What the cluster will ask for: requests and limits of CPU (millicores)
/// and memory (bytes), and the number of pods.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Demand {
    pub cpu_requests: u64,
    pub cpu_limits: u64,
    pub memory_requests: u64,
    pub memory_limits: u64,
    pub pods: u64,
    /// The largest single container's memory limit and CPU limit.
    pub largest_memory_limit: u64,
    pub largest_cpu_limit: u64,
}

/// Each ResourceQuota and LimitRange of the namespace against `demand`.
pub async fn quotas(connection: &Connection, namespace: &str, demand: &Demand) -> Vec<Finding> {
    let mut findings = Vec::new();
    let quotas: Api<ResourceQuota> = Api::namespaced(connection.client.clone(), namespace);
    match quotas.list(&Default::default()).await {
        Err(e) => findings.push(Finding::new(
            "resource quota",
            Outcome::Skip,
            format!("cannot list them: {}", reason(&e)),
            None,
        )),
        Ok(list) if list.items.is_empty() => findings.push(Finding::new(
            "resource quota",
            Outcome::Pass,
            "none in the namespace",
            None,
        )),
        Ok(list) => {
            for quota in list.items {
                findings.push(quota_finding(&quota, demand, namespace));
            }
        }
    }
    let ranges: Api<LimitRange> = Api::namespaced(connection.client.clone(), namespace);
    if let Ok(list) = ranges.list(&Default::default()).await {
        for range in list.items {
            if let Some(finding) = limit_range_finding(&range, demand) {
                findings.push(finding);
            }
        }
    }
    findings
}

fn quota_finding(quota: &ResourceQuota, demand: &Demand, namespace: &str) -> Finding {
    let name = quota.metadata.name.clone().unwrap_or_default();
    let status = quota.status.as_ref();
    let hard = status
        .and_then(|s| s.hard.clone())
        .or_else(|| quota.spec.as_ref().and_then(|s| s.hard.clone()))
        .unwrap_or_default();
    let used = status.and_then(|s| s.used.clone()).unwrap_or_default();
    let wanted = [
        ("requests.cpu", demand.cpu_requests, true),
        ("cpu", demand.cpu_requests, true),
        ("limits.cpu", demand.cpu_limits, true),
        ("requests.memory", demand.memory_requests, false),
        ("memory", demand.memory_requests, false),
        ("limits.memory", demand.memory_limits, false),
        ("pods", demand.pods, false),
    ];
    let mut short = Vec::new();
    for (resource, needed, cpu) in wanted {
        let Some(limit) = hard.get(resource) else {
            continue;
        };
        let parse = |q: &k8s_openapi::apimachinery::pkg::api::resource::Quantity| {
            if cpu {
                quantity::millicores(&q.0)
            } else if resource == "pods" {
                q.0.parse().ok()
            } else {
                quantity::bytes(&q.0)
            }
        };
        let (Some(limit), in_use) = (
            parse(limit),
            used.get(resource).and_then(parse).unwrap_or(0),
        ) else {
            continue;
        };
        if in_use + needed > limit {
            short.push(format!(
                "{resource}: {} free, {} needed",
                quantity::show(limit.saturating_sub(in_use), cpu, resource),
                quantity::show(needed, cpu, resource)
            ));
        }
    }
    let check = format!("quota {name}");
    if short.is_empty() {
        Finding::new(
            &check,
            Outcome::Pass,
            "room for the JobManager and the TaskManagers",
            None,
        )
    } else {
        Finding::new(
            &check,
            Outcome::Fail,
            short.join("; "),
            Some(format!(
                "ask for a larger ResourceQuota {name} in namespace {namespace}, or start smaller (-Djobmanager.memory.process.size, -Dtaskmanager.memory.process.size, -Dparallelism.default)"
            )),
        )
    }
}

fn limit_range_finding(range: &LimitRange, demand: &Demand) -> Option<Finding> {
    let name = range.metadata.name.clone().unwrap_or_default();
    let container = range
        .spec
        .as_ref()?
        .limits
        .iter()
        .find(|l| l.type_ == "Container")?;
    let max = container.max.as_ref()?;
    let mut over = Vec::new();
    if let Some(memory) = max.get("memory").and_then(|q| quantity::bytes(&q.0))
        && demand.largest_memory_limit > memory
    {
        over.push(format!(
            "memory limit {} above the maximum {}",
            quantity::show(demand.largest_memory_limit, false, "memory"),
            quantity::show(memory, false, "memory")
        ));
    }
    if let Some(cpu) = max.get("cpu").and_then(|q| quantity::millicores(&q.0))
        && demand.largest_cpu_limit > cpu
    {
        over.push(format!(
            "CPU limit {} above the maximum {}",
            quantity::show(demand.largest_cpu_limit, true, "cpu"),
            quantity::show(cpu, true, "cpu")
        ));
    }
    let check = format!("limit range {name}");
    Some(if over.is_empty() {
        Finding::new(&check, Outcome::Pass, "containers within its maximum", None)
    } else {
        Finding::new(&check, Outcome::Fail, over.join("; "), Some("lower -Djobmanager.memory.process.size / -Dtaskmanager.memory.process.size or the CPU options, or ask for a larger LimitRange".into()))
    })
}

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
pub mod quantity {
    /// CPU as millicores.
    pub fn millicores(text: &str) -> Option<u64> {
        match text.strip_suffix('m') {
            Some(milli) => milli.parse().ok(),
            None => text
                .parse::<f64>()
                .ok()
                .map(|cores| (cores * 1000.0).round() as u64),
        }
    }

    /// Memory as bytes.
    pub fn bytes(text: &str) -> Option<u64> {
        const UNITS: [(&str, u64); 12] = [
            ("Ki", 1 << 10),
            ("Mi", 1 << 20),
            ("Gi", 1 << 30),
            ("Ti", 1 << 40),
            ("Pi", 1 << 50),
            ("Ei", 1 << 60),
            ("k", 1_000),
            ("M", 1_000_000),
            ("G", 1_000_000_000),
            ("T", 1_000_000_000_000),
            ("P", 1_000_000_000_000_000),
            ("E", 1_000_000_000_000_000_000),
        ];
        for (suffix, factor) in UNITS {
            if let Some(number) = text.strip_suffix(suffix) {
                return number
                    .parse::<f64>()
                    .ok()
                    .map(|n| (n * factor as f64) as u64);
            }
        }
        text.parse::<f64>().ok().map(|n| n as u64)
    }

    /// A value for people: `1500m`, `1.5Gi`, or a count.
    pub fn show(value: u64, cpu: bool, resource: &str) -> String {
        if cpu {
            format!("{value}m")
        } else if resource == "pods" {
            value.to_string()
        } else {
            format!("{}Mi", value / (1 << 20))
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn quantities_read_as_kubernetes_writes_them() {
            assert_eq!(millicores("500m"), Some(500));
            assert_eq!(millicores("2"), Some(2000));
            assert_eq!(millicores("0.25"), Some(250));
            assert_eq!(bytes("1Gi"), Some(1 << 30));
            assert_eq!(bytes("1600Mi"), Some(1600 << 20));
            assert_eq!(bytes("1G"), Some(1_000_000_000));
            assert_eq!(bytes("512"), Some(512));
            assert_eq!(bytes("x"), None);
        }
    }
}
