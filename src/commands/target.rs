//! Resolving which existing cluster a command talks to, and connecting.

use crate::cli::GlobalArgs;
use crate::cli::target::TargetArgs;
use crate::cluster::client;
use crate::cluster::kubeconfig::KubeconfigChoice;
use crate::config::Configuration;
use crate::config::loader::{self, ConfSource, parse_dynamic_option};
use crate::error::{Error, Result};
use crate::flink::identity;

pub use crate::cluster::client::ClusterTarget;

/// The id and namespace options before connecting (pure, for tests).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetOptions {
    pub cluster_id: String,
    /// `-n` or `-Dkubernetes.namespace`; None means the context's namespace.
    pub namespace: Option<String>,
    pub kubeconfig: KubeconfigChoice,
}

/// Turn flags into target options; an id is required. The conf dir and
/// `-D` options are read as `session start` reads them, so a cluster is
/// found where it was created.
pub fn complete(global: &GlobalArgs, args: &TargetArgs) -> Result<TargetOptions> {
    let (conf, dynamic) = flink_options(args.flink_conf_dir.as_deref(), &args.dynamic)?;
    let named = match (&args.id, &args.cluster_id) {
        (Some(positional), Some(option)) if positional != option => {
            return Err(Error::Usage(format!(
                "two cluster ids given: '{positional}' and --cluster-id {option}: keep one"
            )));
        }
        (positional, option) => positional.clone().or(option.clone()),
    };
    let id = identity::cluster_id(named.as_deref(), &conf)
        .map_err(Error::Usage)?
        .ok_or_else(|| {
            Error::Usage(
                "no cluster id given: pass it as the first argument or with --cluster-id (see `kubectl flink get` for the clusters in a namespace)".into(),
            )
        })?;
    let mut warnings = Vec::new();
    let namespace =
        identity::namespace(global.namespace.as_deref(), &dynamic, &conf, &mut warnings)
            .map_err(Error::Usage)?;
    for warning in warnings {
        crate::output::style::print_warning(&warning);
    }
    Ok(TargetOptions {
        cluster_id: id,
        namespace,
        kubeconfig: KubeconfigChoice::choose(
            global.kubeconfig.as_deref(),
            global.context.as_deref(),
            &conf,
        ),
    })
}

/// The user's Flink options for finding clusters: the conf dir (flag,
/// `$FLINK_CONF_DIR`, `$FLINK_HOME/conf`; none is fine) with `-D` on top;
/// also returns the parsed `-D` pairs.
pub fn flink_options(
    conf_dir: Option<&std::path::Path>,
    raw_dynamic: &[String],
) -> Result<(Configuration, Vec<(String, String)>)> {
    let dynamic = raw_dynamic
        .iter()
        .map(|raw| parse_dynamic_option(raw))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let source = ConfSource::locate(
        conf_dir,
        std::env::var("FLINK_CONF_DIR").ok().as_deref(),
        std::env::var("FLINK_HOME").ok().as_deref(),
    );
    let mut conf = match source {
        ConfSource::BuiltIn => Configuration::default(),
        // A conf dir named on the command line must be right; one found
        // through $FLINK_CONF_DIR or $FLINK_HOME only may say where the
        // cluster is, so a broken one is reported and left aside.
        source @ ConfSource::Flag(_) => loader::load(source, &[])?.base,
        source => match loader::load(source, &[]) {
            Ok(loaded) => loaded.base,
            Err(e) => {
                crate::output::style::print_warning(&format!(
                    "{e}; it is ignored here, so the namespace comes from -n, -D or the context"
                ));
                Configuration::default()
            }
        },
    };
    for (key, value) in &dynamic {
        conf.set_string(key.clone(), value.clone());
    }
    Ok((conf, dynamic))
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
