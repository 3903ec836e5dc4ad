//! `kubectl flink get`: every Flink cluster found by its labels, as a
//! kubectl-style table or as JSON/YAML/names for scripts.

use super::target::{self, Scope};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::get::GetArgs;
use crate::cluster::changes::ObjectRef;
use crate::cluster::inventory::{self, ClusterSummary};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::table::{Table, human_duration};
use crate::output::{Format, Output, Printable, printer};
use k8s_openapi::api::apps::v1::Deployment;
use serde_json::Value;

/// `get`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct GetOptions {
    pub ids: Vec<String>,
    pub all_namespaces: bool,
    pub scope: Scope,
    pub namespace_flag: bool,
    pub format: Option<Format>,
    pub verbose: bool,
}

/// The clusters `get` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Clusters {
    pub clusters: Vec<ClusterSummary>,
    /// None: every namespace (a NAMESPACE column).
    pub namespace: Option<String>,
    /// One cluster was asked for by name, so JSON and YAML show it alone, as
    /// `kubectl get NAME -o yaml` shows one object; otherwise a `List`.
    pub single: bool,
}

impl Printable for Clusters {
    const FORMATS: &'static [Format] = Format::ALL;

    fn text(&self, wide: bool) -> String {
        let all_namespaces = self.namespace.is_none();
        let mut headers = vec![
            "name",
            "mode",
            "flink",
            "jobmanager ready",
            "taskmanagers",
            "running jobs",
            "rest",
            "age",
        ];
        if all_namespaces {
            headers.insert(0, "namespace");
        }
        if wide {
            headers.push("image");
        }
        let mut table = Table::new(&headers);
        for c in &self.clusters {
            let mut row = vec![
                c.name.clone(),
                c.mode.clone(),
                c.flink_version.clone().unwrap_or_else(|| "?".into()),
                format!("{}/{}", c.jobmanagers_ready, c.jobmanagers_wanted),
                c.taskmanagers.to_string(),
                c.running_jobs.map_or("?".to_string(), |n| n.to_string()),
                c.rest_service_type
                    .clone()
                    .unwrap_or_else(|| "<none>".into()),
                c.age_seconds
                    .map_or("<unknown>".to_string(), human_duration),
            ];
            if all_namespaces {
                row.insert(0, c.namespace.clone());
            }
            if wide {
                row.push(c.image.clone().unwrap_or_default());
            }
            table.row(row);
        }
        table.render()
    }

    fn document(&self) -> Value {
        let item = |c: &ClusterSummary| serde_json::to_value(c).unwrap_or_default();
        match (self.single, self.clusters.first()) {
            (true, Some(cluster)) => item(cluster),
            _ => printer::list(self.clusters.iter().map(item).collect()),
        }
    }

    fn names(&self) -> Vec<String> {
        self.clusters
            .iter()
            .map(|c| ObjectRef::of::<Deployment>(&c.name).to_string())
            .collect()
    }

    fn empty(&self) -> Option<String> {
        self.clusters.is_empty().then(|| match &self.namespace {
            Some(ns) => format!("No Flink clusters found in namespace {ns}."),
            None => "No Flink clusters found.".to_string(),
        })
    }
}

impl Verb for GetOptions {
    type Args = GetArgs;

    fn complete(global: &GlobalArgs, args: GetArgs, env: &Environment) -> Result<Self> {
        Ok(GetOptions {
            ids: args.ids,
            all_namespaces: args.all_namespaces,
            scope: target::scope(global, &args.flink, env)?,
            namespace_flag: global.namespace.is_some(),
            format: global.format(),
            verbose: global.verbosity() > 0,
        })
    }

    fn validate(&self) -> Result<()> {
        for id in &self.ids {
            crate::flink::cluster_id::validate(id).map_err(Error::Usage)?;
        }
        if self.all_namespaces && self.namespace_flag {
            return Err(Error::Usage(
                "-A and -n exclude each other: keep one".into(),
            ));
        }
        printer::check::<Clusters>("get", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(&self.scope.warnings);
        block_on(async {
            let (connection, namespace) = self.scope.connect().await?;
            let namespace = (!self.all_namespaces).then_some(namespace);
            let clusters = inventory::list_clusters(
                &connection.client,
                &connection.rest_client,
                namespace.as_deref(),
                &self.ids,
            )
            .await?;
            if self.verbose {
                for cluster in &clusters {
                    if let Some(reason) = &cluster.rest_error {
                        output.note(&format!("{}: running jobs unknown: {reason}", cluster.name));
                    }
                }
            }
            let missing: Vec<&str> = self
                .ids
                .iter()
                .filter(|id| !clusters.iter().any(|c| &c.name == *id))
                .map(String::as_str)
                .collect();
            // As kubectl does: the clusters found are printed, the missing
            // ones are an error after them.
            if self.ids.is_empty() || missing.len() != self.ids.len() {
                let found = Clusters {
                    clusters,
                    namespace: namespace.clone(),
                    single: self.ids.len() == 1,
                };
                output.show(&found, self.format)?;
            }
            if missing.is_empty() {
                return Ok(());
            }
            let ns = namespace.as_deref().unwrap_or("any namespace");
            Err(Error::Failed(format!(
                "Flink cluster{} {} not found in namespace {ns}: list them with `{}`",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", "),
                connection.suggest.flink(&match &namespace {
                    Some(ns) => format!("get -n {ns}"),
                    None => "get -A".to_string(),
                })
            )))
        })
    }
}
