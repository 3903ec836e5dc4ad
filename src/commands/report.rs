//! `kubectl flink report ID`: one `.tar.gz` for a bug report — objects,
//! events, logs, Flink REST snapshots and versions, with secrets masked
//! (Secrets themselves are never read).

use super::target::{self, TargetOptions};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::report::ReportArgs;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::output::Output;
use crate::output::bundle::Bundle;
use crate::rest::{FlinkRest, Transport};
use serde_json::{Value, json};
use std::path::PathBuf;

/// `report`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    pub target: TargetOptions,
    pub file: Option<PathBuf>,
}

impl Verb for ReportOptions {
    type Args = ReportArgs;

    fn complete(global: &GlobalArgs, args: ReportArgs, env: &Environment) -> Result<Self> {
        if global.output.is_some() {
            return Err(Error::Usage(
                "-o does not apply to report: it writes a .tar.gz (choose where with --file)"
                    .into(),
            ));
        }
        Ok(ReportOptions {
            target: target::complete(global, &args.target, env)?,
            file: args.file,
        })
    }

    fn run(self, output: &Output) -> Result<()> {
        output.warn_all(self.target.warnings());
        block_on(async {
            let target = self.target.connect().await?;
            crate::cluster::inventory::require_cluster(&target).await?;
            let now = k8s_openapi::jiff::Timestamp::now();
            let id = &target.cluster_id;
            let mut bundle = Bundle::default();
            let prefix = format!("flink-report-{id}");
            let add = |bundle: &mut Bundle, path: &str, text: String| {
                bundle.add(format!("{prefix}/{path}"), text);
            };
            for (path, text) in crate::cluster::report::collect(&target).await? {
                add(&mut bundle, &path, text);
            }
            let rest = FlinkRest::new(Transport::services_proxy(
                target.connection.rest_client.clone(),
                &target.namespace,
                id,
            ));
            let (snapshots, flink) = rest_snapshots(&rest).await;
            for (path, text) in snapshots {
                add(&mut bundle, &path, text);
            }
            let kubernetes = target
                .connection
                .client
                .apiserver_version()
                .await
                .map(|v| v.git_version)
                .ok();
            let versions = json!({
                "pluginVersion": env!("CARGO_PKG_VERSION"),
                "commit": env!("KUBECTL_FLINK_COMMIT"),
                "kubernetesVersion": kubernetes,
                "flinkVersion": flink,
                "clusterId": id,
                "namespace": target.namespace,
                "written": now.to_string(),
            });
            add(&mut bundle, "versions.json", pretty(&versions));
            let listing: Vec<String> = bundle.paths().map(str::to_string).collect();
            add(
                &mut bundle,
                "README.txt",
                format!(
                    "kubectl flink report of Flink cluster {id} in namespace {}, written {now}.\nSecrets are never read; values whose names look like passwords, tokens or keys are masked.\n\n{}\n",
                    target.namespace,
                    listing.join("\n")
                ),
            );
            let file = self.file.clone().unwrap_or_else(|| {
                PathBuf::from(format!("{prefix}-{}.tar.gz", now.strftime("%Y%m%d-%H%M%S")))
            });
            let bytes = bundle
                .to_tar_gz(now.as_second().max(0) as u64)
                .map_err(|e| Error::Failed(format!("cannot pack the report: {e}")))?;
            std::fs::write(&file, bytes).map_err(|e| {
                Error::Failed(format!(
                    "cannot write {}: {e}: choose another place with --file",
                    file.display()
                ))
            })?;
            output.note(&format!(
                "Wrote {} files about Flink cluster {id}; secrets are masked, but look before you share it.",
                listing.len() + 1
            ));
            Ok(output.print(&format!("{}\n", file.display()))?)
        })
    }
}

/// Flink's own view: overview, jobs with exceptions and checkpoints, and the
/// JobManager's configuration (masked); also the release it reports.
async fn rest_snapshots(rest: &FlinkRest) -> (Vec<(String, String)>, Option<String>) {
    let mut files = Vec::new();
    let mut snapshot = |path: &str, answer: std::result::Result<Value, crate::rest::RestError>| {
        let mut value =
            answer.unwrap_or_else(|e| json!({"error": crate::output::one_line(&e.to_string())}));
        crate::redact::mask(&mut value, false);
        files.push((format!("rest/{path}"), pretty(&value)));
        value
    };
    let overview = snapshot("overview.json", rest.get_json("/overview").await);
    let flink = overview["flink-version"].as_str().map(str::to_string);
    let jobs = snapshot("jobs-overview.json", rest.get_json("/jobs/overview").await);
    snapshot(
        "jobmanager-config.json",
        rest.get_json("/jobmanager/config").await,
    );
    let ids: Vec<String> = jobs["jobs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|j| j["jid"].as_str().map(str::to_string))
        .collect();
    for id in ids {
        let exceptions = rest.get_json(&format!("/jobs/{id}/exceptions")).await;
        snapshot(&format!("jobs/{id}/exceptions.json"), exceptions);
        let checkpoints = rest.get_json(&format!("/jobs/{id}/checkpoints")).await;
        snapshot(&format!("jobs/{id}/checkpoints.json"), checkpoints);
    }
    (files, flink)
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}
