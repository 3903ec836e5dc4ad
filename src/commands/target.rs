//! Resolving which existing cluster a command talks to, and connecting.

use crate::cli::GlobalArgs;
use crate::cli::target::TargetArgs;
use crate::cluster::client::{self, Connection};
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::config::loader::parse_dynamic_option;
use crate::error::{Error, Result};
use crate::flink::cluster_id;

/// An existing cluster, named and reachable.
#[derive(Clone)]
pub struct ClusterTarget {
    pub cluster_id: String,
    pub namespace: String,
    pub connection: Connection,
}

/// The id and namespace options before connecting (pure, for tests).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetOptions {
    pub cluster_id: String,
    /// `-n` or `-Dkubernetes.namespace`; None means the context's namespace.
    pub namespace: Option<String>,
    pub kubeconfig: KubeconfigChoice,
}

/// Turn flags into target options; an id is required.
pub fn complete(global: &GlobalArgs, args: &TargetArgs) -> Result<TargetOptions> {
    let mut dynamic_id = None;
    let mut dynamic_namespace = None;
    let mut config_file = None;
    let mut context = None;
    for raw in &args.dynamic {
        let (key, value) = parse_dynamic_option(raw)?;
        match key.as_str() {
            "kubernetes.cluster-id" => dynamic_id = Some(value),
            "kubernetes.namespace" => dynamic_namespace = Some(value),
            "kubernetes.config.file" => config_file = Some(value),
            "kubernetes.context" => context = Some(value),
            _ => {}
        }
    }
    let named = match (&args.id, &args.cluster_id) {
        (Some(positional), Some(option)) if positional != option => {
            return Err(Error::Usage(format!(
                "two cluster ids given: '{positional}' and --cluster-id {option}: keep one"
            )));
        }
        (positional, option) => positional.clone().or(option.clone()),
    };
    let id = match (named, dynamic_id) {
        (Some(flag), Some(dynamic)) if flag != dynamic => {
            return Err(Error::Usage(format!(
                "two cluster ids given: '{flag}' and -Dkubernetes.cluster-id={dynamic}: keep one"
            )));
        }
        (Some(id), _) | (None, Some(id)) => id,
        (None, None) => {
            return Err(Error::Usage(
                "no cluster id given: pass it as the first argument or with --cluster-id (see `kubectl flink get` for the clusters in a namespace)".into(),
            ));
        }
    };
    cluster_id::validate(&id).map_err(Error::Usage)?;
    let namespace = match (global.namespace.clone(), dynamic_namespace) {
        (Some(flag), Some(dynamic)) if flag != dynamic => {
            return Err(Error::Usage(format!(
                "two namespaces given: -n {flag} and -Dkubernetes.namespace={dynamic}: keep one"
            )));
        }
        (flag, dynamic) => flag.or(dynamic),
    };
    Ok(TargetOptions {
        cluster_id: id,
        namespace,
        kubeconfig: KubeconfigChoice {
            path: global.kubeconfig.clone().or(config_file.map(Into::into)),
            context: global.context.clone().or(context),
        },
    })
}

/// Connect and settle the namespace.
pub async fn connect(options: TargetOptions) -> Result<ClusterTarget> {
    let connection = client::connect(&options.kubeconfig).await?;
    let namespace = options
        .namespace
        .unwrap_or_else(|| connection.context_namespace.clone());
    Ok(ClusterTarget {
        cluster_id: options.cluster_id,
        namespace,
        connection,
    })
}
