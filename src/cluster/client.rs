//! A Kubernetes client built from the kubeconfig exactly as kubectl picks it:
//! `--kubeconfig` (or Flink's `kubernetes.config.file`), else `$KUBECONFIG`
//! (merged), else `~/.kube/config`, else the in-cluster service account; the
//! context from `--context` (or `kubernetes.context`), else current-context.

use super::kubeconfig::KubeconfigChoice;
use crate::error::{Error, Result};
use kube::config::{Config, KubeConfigOptions};

/// A client and the namespace commands act in when `-n` is not given.
#[derive(Clone)]
pub struct Connection {
    /// For Kubernetes API calls; retries 429/503/504 as kube does by default.
    pub client: kube::Client,
    /// For Flink REST calls through the API server (services proxy,
    /// port-forward): no retries, because a 503 there means "no JobManager
    /// yet", which callers handle themselves without waiting out back-offs.
    pub rest_client: kube::Client,
    /// The context's namespace, else `default` (what kubectl uses).
    pub context_namespace: String,
}

/// Connect as kubectl would; errors name what to fix.
pub async fn connect(choice: &KubeconfigChoice) -> Result<Connection> {
    let options = KubeConfigOptions {
        context: choice.context.clone(),
        cluster: None,
        user: None,
    };
    let kubeconfig = choice.read().map_err(Error::Usage)?;
    let config = match kubeconfig {
        Some(kubeconfig) => Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| kubeconfig_error(&e.to_string()))?,
        None => Config::incluster().map_err(|_| {
            Error::Usage(
                "no Kubernetes cluster configured: set KUBECONFIG or pass --kubeconfig (or use --dry-run=client to only print the objects)".into(),
            )
        })?,
    };
    let context_namespace = config.default_namespace.clone();
    let mut rest_config = config.clone();
    rest_config.default_retry = false;
    let build = |config: Config| {
        kube::Client::try_from(config)
            .map_err(|e| Error::Failed(format!("cannot create a Kubernetes client: {e}")))
    };
    Ok(Connection {
        client: build(config)?,
        rest_client: build(rest_config)?,
        context_namespace,
    })
}

fn kubeconfig_error(detail: &str) -> Error {
    Error::Usage(format!(
        "cannot use the kubeconfig: {detail}: check --context and `kubectl config get-contexts`"
    ))
}
