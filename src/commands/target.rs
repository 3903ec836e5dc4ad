//! The one target resolver: which kubeconfig, context, namespace and
//! cluster a command acts on, from kubectl's flags, Flink's `-D` options and
//! conf dir, and the environment — the same for every verb.

use crate::cli::GlobalArgs;
use crate::cli::target::{FlinkSourceArgs, TargetArgs};
use crate::cluster::client::{self, Connection};
use crate::cluster::kubeconfig::{KubeconfigChoice, Overrides};
use crate::config::Configuration;
use crate::config::loader::{self, ConfSource, parse_dynamic_option};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::identity;

pub use crate::cluster::client::ClusterTarget;

/// Where a command acts, before connecting: the user's Flink options, the
/// kubeconfig choice and the namespace they name.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// The conf dir (flag, `$FLINK_CONF_DIR`, `$FLINK_HOME/conf`; none is
    /// fine) with `-D` on top.
    pub conf: Configuration,
    /// `-n`, else `-Dkubernetes.namespace` or the conf dir's; None means
    /// the context's namespace.
    pub namespace: Option<String>,
    pub kubeconfig: KubeconfigChoice,
    /// For the user, printed by the verb (e.g. a broken conf dir left aside).
    pub warnings: Vec<String>,
}

/// kubectl's connection flags as overrides of the kubeconfig.
pub fn overrides(flags: &crate::cli::ConnectionArgs) -> Overrides {
    Overrides {
        impersonate: flags.impersonate.clone(),
        impersonate_groups: flags.impersonate_groups.clone(),
        impersonate_uid: flags.impersonate_uid.clone(),
        token: flags.token.clone(),
        server: flags.server.clone(),
        user: flags.user.clone(),
        cluster: flags.cluster.clone(),
        request_timeout: flags.request_timeout.filter(|t| !t.is_zero()),
        insecure_skip_tls_verify: flags.insecure_skip_tls_verify,
        certificate_authority: flags.certificate_authority.clone(),
        client_certificate: flags.client_certificate.clone(),
        client_key: flags.client_key.clone(),
        tls_server_name: flags.tls_server_name.clone(),
    }
}

/// The kubeconfig choice every verb makes: `--kubeconfig`/`--context` (or
/// Flink's options), the search of the environment, and kubectl's flags.
pub fn kubeconfig(
    global: &GlobalArgs,
    conf: &Configuration,
    env: &Environment,
) -> KubeconfigChoice {
    KubeconfigChoice::choose(
        global.kubeconfig.as_deref(),
        global.context.as_deref(),
        conf,
        &env.kubeconfig,
    )
    .with_overrides(overrides(&global.connection))
}

/// Resolve the scope of a command.
pub fn scope(global: &GlobalArgs, flink: &FlinkSourceArgs, env: &Environment) -> Result<Scope> {
    let mut warnings = Vec::new();
    let dynamic = flink
        .dynamic
        .iter()
        .map(|raw| parse_dynamic_option(raw))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let source = ConfSource::locate(
        flink.flink_conf_dir.as_deref(),
        env.flink_conf_dir.as_deref(),
        env.flink_home.as_deref(),
    );
    let mut conf = match source {
        ConfSource::BuiltIn => Configuration::default(),
        // A conf dir named on the command line must be right; one found
        // through $FLINK_CONF_DIR or $FLINK_HOME only may say where the
        // cluster is, so a broken one is reported and left aside.
        source @ ConfSource::Flag(_) => loader::load(source, loader::ReadRules::ANY_RELEASE)?.base,
        source => match loader::load(source, loader::ReadRules::ANY_RELEASE) {
            Ok(loaded) => loaded.base,
            Err(e) => {
                warnings.push(format!(
                    "{e}; it is ignored here, so the namespace comes from -n, -D or the context"
                ));
                Configuration::default()
            }
        },
    };
    for (key, value) in &dynamic {
        conf.set_string(key.clone(), value.clone());
    }
    let namespace =
        identity::namespace(global.namespace.as_deref(), &dynamic, &conf, &mut warnings)
            .map_err(Error::Usage)?;
    let kubeconfig = kubeconfig(global, &conf, env);
    Ok(Scope {
        conf,
        namespace,
        kubeconfig,
        warnings,
    })
}

impl Scope {
    /// Connect; the namespace is settled (the context's when none was named).
    pub async fn connect(&self) -> Result<(Connection, String)> {
        let connection = client::connect(&self.kubeconfig).await?;
        let namespace = self
            .namespace
            .clone()
            .unwrap_or_else(|| connection.context_namespace.clone());
        Ok((connection, namespace))
    }

    /// The namespace without connecting (a dry run): the one named, else the
    /// context's, else `default` — and a warning when the kubeconfig could
    /// not be read.
    pub fn offline_namespace(&self) -> (String, Option<String>) {
        if let Some(namespace) = &self.namespace {
            return (namespace.clone(), None);
        }
        match self.kubeconfig.default_namespace() {
            Ok(namespace) => (namespace.unwrap_or_else(|| "default".into()), None),
            Err(e) => (
                "default".into(),
                Some(format!("{e}; the dry run uses namespace default")),
            ),
        }
    }
}

/// An existing cluster, before connecting (pure, for tests).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetOptions {
    pub cluster_id: String,
    pub scope: Scope,
}

/// Turn flags into target options; an id is required.
pub fn complete(
    global: &GlobalArgs,
    args: &TargetArgs,
    env: &Environment,
) -> Result<TargetOptions> {
    let scope = scope(global, &args.flink, env)?;
    let named = match (&args.id, &args.cluster_id) {
        (Some(positional), Some(option)) if positional != option => {
            return Err(Error::Usage(format!(
                "two cluster ids given: '{positional}' and --cluster-id {option}: keep one"
            )));
        }
        (positional, option) => positional.clone().or(option.clone()),
    };
    let id = identity::cluster_id(named.as_deref(), &scope.conf)
        .map_err(Error::Usage)?
        .ok_or_else(|| {
            Error::Usage(
                "no cluster id given: pass it as the first argument or with --cluster-id (see `kubectl flink get` for the clusters in a namespace)".into(),
            )
        })?;
    Ok(TargetOptions {
        cluster_id: id,
        scope,
    })
}

impl TargetOptions {
    /// Connect and settle the namespace.
    pub async fn connect(&self) -> Result<ClusterTarget> {
        let (connection, namespace) = self.scope.connect().await?;
        Ok(ClusterTarget {
            cluster_id: self.cluster_id.clone(),
            namespace,
            connection,
        })
    }

    /// The warnings resolving produced.
    pub fn warnings(&self) -> &[String] {
        &self.scope.warnings
    }
}
