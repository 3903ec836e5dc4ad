//! `kubectl flink version`: the plugin, the Kubernetes server and, given a
//! cluster id, the Flink release that cluster runs — with a warning when
//! one of them is outside what this build supports.

use super::target::{self, Scope};
use super::{Verb, block_on};
use crate::cli::GlobalArgs;
use crate::cli::version::VersionArgs;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::version::FlinkVersion;
use crate::output::{Format, Output, Printable, printer};
use crate::rest::{FlinkRest, Transport};
use serde_json::{Value, json};

/// The Kubernetes minor releases this build is tested against (its API
/// types are 1.33's; the objects it creates exist since long before).
const KUBERNETES_MINORS: std::ops::RangeInclusive<u32> = 26..=35;

/// `version`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionOptions {
    pub format: Option<Format>,
    /// `--client`: ask no server.
    pub client_only: bool,
    pub cluster_id: Option<String>,
    pub scope: Scope,
}

/// What `version` prints.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Versions {
    pub plugin: String,
    pub commit: String,
    pub default_flink: String,
    /// The API server's `gitVersion`.
    pub kubernetes: Option<String>,
    /// The cluster asked about and the Flink release its JobManager reports.
    pub flink: Option<(String, String)>,
}

impl Printable for Versions {
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        let mut text = format!(
            "kubectl-flink {} (commit {}, default Flink {})\n",
            self.plugin, self.commit, self.default_flink
        );
        if let Some(server) = &self.kubernetes {
            text.push_str(&format!("Kubernetes server {server}\n"));
        }
        if let Some((cluster, flink)) = &self.flink {
            text.push_str(&format!("Flink cluster {cluster}: Flink {flink}\n"));
        }
        text
    }

    fn document(&self) -> Value {
        let mut document = json!({
            "pluginVersion": self.plugin,
            "commit": self.commit,
            "defaultFlinkVersion": self.default_flink,
        });
        if let Some(server) = &self.kubernetes {
            document["kubernetesVersion"] = json!(server);
        }
        if let Some((cluster, flink)) = &self.flink {
            document["clusterId"] = json!(cluster);
            document["flinkVersion"] = json!(flink);
        }
        document
    }
}

impl Verb for VersionOptions {
    type Args = VersionArgs;

    fn complete(global: &GlobalArgs, args: VersionArgs, env: &Environment) -> Result<Self> {
        Ok(VersionOptions {
            format: global.format(),
            client_only: args.client,
            cluster_id: args.id,
            scope: target::scope(global, &args.flink, env)?,
        })
    }

    fn validate(&self) -> Result<()> {
        if let Some(id) = &self.cluster_id {
            crate::flink::cluster_id::validate(id).map_err(Error::Usage)?;
            if self.client_only {
                return Err(Error::Usage(
                    "--client asks no server, so it cannot tell a cluster's Flink release: drop the cluster id or --client".into(),
                ));
            }
        }
        printer::check::<Versions>("version", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        let mut versions = Versions {
            plugin: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("KUBECTL_FLINK_COMMIT").to_string(),
            default_flink: FlinkVersion::DEFAULT.to_string(),
            ..Versions::default()
        };
        let no_cluster_configured = self.cluster_id.is_none()
            && self.scope.kubeconfig.names_no_cluster()
            && !self.scope.kubeconfig.search.in_cluster;
        if self.client_only || no_cluster_configured {
            return Ok(output.show(&versions, self.format)?);
        }
        block_on(async {
            let (connection, namespace) = self.scope.connect().await?;
            let server = connection.client.apiserver_version().await.map_err(|e| {
                Error::Failed(format!(
                    "cannot get the Kubernetes server's version: {} (use --client for the plugin's alone)",
                    crate::cluster::errors::reason(&e)
                ))
            })?;
            if !kubernetes_supported(&server.major, &server.minor) {
                output.warn(&format!(
                    "Kubernetes {} is outside the releases kubectl-flink {} is tested with (1.{}–1.{})",
                    server.git_version,
                    versions.plugin,
                    KUBERNETES_MINORS.start(),
                    KUBERNETES_MINORS.end()
                ));
            }
            versions.kubernetes = Some(server.git_version);
            if let Some(id) = &self.cluster_id {
                let rest = FlinkRest::new(Transport::services_proxy(
                    connection.rest_client.clone(),
                    &namespace,
                    id,
                ));
                let overview = rest.overview().await.map_err(|e| {
                    Error::Failed(format!(
                        "cannot ask Flink cluster {id} in namespace {namespace} for its release: {}",
                        crate::output::one_line(&e.to_string())
                    ))
                })?;
                if let Err(e) = overview.flink_version.parse::<FlinkVersion>() {
                    output.warn(&format!(
                        "cluster {id} runs Flink {}: {e}",
                        overview.flink_version
                    ));
                }
                versions.flink = Some((id.clone(), overview.flink_version));
            }
            Ok(output.show(&versions, self.format)?)
        })
    }
}

/// Whether `major.minor` (as the API server reports them, e.g. "1", "33+")
/// is a release this build is tested with.
fn kubernetes_supported(major: &str, minor: &str) -> bool {
    let minor: Option<u32> = minor.trim_end_matches('+').parse().ok();
    major == "1" && minor.is_some_and(|m| KUBERNETES_MINORS.contains(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_releases_outside_the_tested_ones_are_named() {
        assert!(kubernetes_supported("1", "33"));
        assert!(kubernetes_supported("1", "30+"));
        assert!(!kubernetes_supported("1", "19"));
        assert!(!kubernetes_supported("2", "0"));
    }
}
