//! `kubectl flink get`: every Flink cluster found by its labels, as a
//! kubectl-style table or as JSON/YAML/names for scripts.

use super::block_on;
use crate::cli::get::GetArgs;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::cluster::client;
use crate::cluster::inventory::{self, ClusterSummary};
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::error::{Error, Result};
use crate::output::table::{Table, human_duration};

/// Run `kubectl flink get`.
pub fn run(global: &GlobalArgs, args: GetArgs) -> Result<()> {
    for id in &args.ids {
        crate::flink::cluster_id::validate(id).map_err(Error::Usage)?;
    }
    if args.all_namespaces && global.namespace.is_some() {
        return Err(Error::Usage(
            "-A and -n exclude each other: keep one".into(),
        ));
    }
    let (conf, dynamic) =
        super::target::flink_options(args.flink_conf_dir.as_deref(), &args.dynamic)?;
    let choice = KubeconfigChoice::choose(
        global.kubeconfig.as_deref(),
        global.context.as_deref(),
        &conf,
    );
    let configured_namespace = crate::flink::identity::namespace(
        global.namespace.as_deref(),
        &dynamic,
        &conf,
        &mut Vec::new(),
    )
    .map_err(Error::Usage)?;
    block_on(async {
        let connection = client::connect(&choice).await?;
        let namespace = (!args.all_namespaces).then(|| {
            configured_namespace
                .clone()
                .unwrap_or_else(|| connection.context_namespace.clone())
        });
        let clusters = inventory::list_clusters(
            &connection.client,
            &connection.rest_client,
            namespace.as_deref(),
            &args.ids,
        )
        .await?;
        if global.verbose > 0 {
            for cluster in &clusters {
                if let Some(reason) = &cluster.rest_error {
                    crate::output::style::print_note(&format!(
                        "{}: running jobs unknown: {reason}",
                        cluster.name
                    ));
                }
            }
        }
        let missing: Vec<&String> = args
            .ids
            .iter()
            .filter(|id| !clusters.iter().any(|c| &c.name == *id))
            .collect();
        // As kubectl does: the clusters found are printed, the missing ones
        // are an error after them.
        if args.ids.is_empty() || missing.len() != args.ids.len() {
            let text = render(
                &clusters,
                global.output,
                args.all_namespaces,
                namespace.as_deref(),
                args.ids.len() == 1,
            )?;
            crate::output::write_stdout(&text)
                .map_err(|e| Error::Failed(format!("cannot write to stdout: {e}")))?;
        }
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|s| s.as_str()).collect();
            let ns = namespace.as_deref().unwrap_or("any namespace");
            return Err(Error::Failed(format!(
                "Flink cluster{} {} not found in namespace {ns}: list them with `{}`",
                if names.len() > 1 { "s" } else { "" },
                names.join(", "),
                connection.suggest.flink(&match &namespace {
                    Some(ns) => format!("get -n {ns}"),
                    None => "get -A".to_string(),
                })
            )));
        }
        Ok(())
    })
}

/// The output for `clusters` in the requested format.
/// `single`: one cluster was asked for by name, so JSON and YAML show it
/// alone, as `kubectl get NAME -o yaml` shows one object; otherwise a `List`.
pub fn render(
    clusters: &[ClusterSummary],
    output: Option<OutputFormat>,
    all_namespaces: bool,
    namespace: Option<&str>,
    single: bool,
) -> Result<String> {
    let fail = |e: String| Error::Failed(format!("cannot format the clusters: {e}"));
    let document = || match (single, clusters.first()) {
        (true, Some(cluster)) => serde_json::to_value(cluster).unwrap_or_default(),
        _ => serde_json::json!({"apiVersion": "v1", "kind": "List", "items": clusters}),
    };
    match output {
        Some(OutputFormat::Json) => serde_json::to_string_pretty(&document())
            .map(|t| t + "\n")
            .map_err(|e| fail(e.to_string())),
        Some(OutputFormat::Yaml) => {
            serde_saphyr::to_string(&document()).map_err(|e| fail(e.to_string()))
        }
        Some(OutputFormat::Name) => Ok(clusters
            .iter()
            .map(|c| format!("deployment.apps/{}\n", c.name))
            .collect()),
        table => {
            if clusters.is_empty() {
                return Ok(match namespace {
                    Some(ns) => format!("No Flink clusters found in namespace {ns}.\n"),
                    None => "No Flink clusters found.\n".to_string(),
                });
            }
            let wide = table == Some(OutputFormat::Wide);
            let mut headers = vec![
                "name",
                "mode",
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
                headers.extend(["flink version", "image"]);
            }
            let mut t = Table::new(&headers);
            for c in clusters {
                let mut row = vec![
                    c.name.clone(),
                    c.mode.clone(),
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
                    row.push(c.flink_version.clone().unwrap_or_else(|| "?".into()));
                    row.push(c.image.clone().unwrap_or_default());
                }
                t.row(row);
            }
            Ok(t.render())
        }
    }
}
