//! ResourceQuota and LimitRange headroom for what a cluster will ask for.

use super::{Finding, Outcome, quantity};
use crate::cluster::client::Connection;
use crate::cluster::errors::reason;
use k8s_openapi::api::core::v1::{LimitRange, ResourceQuota};
use kube::api::Api;

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
