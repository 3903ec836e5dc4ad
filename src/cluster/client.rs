//! A Kubernetes client built from the kubeconfig exactly as kubectl picks it:
//! `--kubeconfig` (or Flink's `kubernetes.config.file`), else `$KUBECONFIG`
//! (merged), else `~/.kube/config`, else the in-cluster service account; the
//! context from `--context` (or `kubernetes.context`), else current-context.

use super::errors::{ClusterError, ClusterResult as Result};
use super::kubeconfig::KubeconfigChoice;
use kube::config::{Config, KubeConfigOptions, KubeconfigError, LoadDataError};

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
    /// For the commands we suggest: the user's connection flags.
    pub suggest: Suggest,
}

/// An existing cluster, named and reachable.
#[derive(Clone)]
pub struct ClusterTarget {
    pub cluster_id: String,
    pub namespace: String,
    pub connection: Connection,
}

impl ClusterTarget {
    /// The cluster's Flink REST API through the API server (services proxy,
    /// else a port-forward).
    pub fn rest(&self) -> crate::rest::FlinkRest {
        crate::rest::FlinkRest::new(crate::rest::Transport::services_proxy(
            self.connection.rest_client.clone(),
            &self.namespace,
            &self.cluster_id,
        ))
    }
}

/// Commands to suggest in messages, carrying the connection flags the user
/// gave (`--kubeconfig`, `--context`), so that a suggested next step talks
/// to the same cluster when pasted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Suggest {
    flags: String,
}

impl Suggest {
    /// The flags that reproduce `choice`.
    pub fn new(choice: &KubeconfigChoice) -> Suggest {
        let mut flags = String::new();
        if let Some(path) = &choice.path {
            flags.push_str(&format!(
                " --kubeconfig {}",
                shell_word(&path.display().to_string())
            ));
        }
        if let Some(context) = &choice.context {
            flags.push_str(&format!(" --context {}", shell_word(context)));
        }
        Suggest { flags }
    }

    /// `kubectl flink <args>` with the connection flags.
    pub fn flink(&self, args: &str) -> String {
        format!("kubectl flink {args}{}", self.flags)
    }

    /// `kubectl <args>` with the connection flags.
    pub fn kubectl(&self, args: &str) -> String {
        format!("kubectl {args}{}", self.flags)
    }
}

/// A word as a POSIX shell reads it back: quoted only when needed.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,+%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Connect as kubectl would; errors name what to fix.
pub async fn connect(choice: &KubeconfigChoice) -> Result<Connection> {
    let overrides = &choice.overrides;
    let options = KubeConfigOptions {
        context: choice.context.clone(),
        cluster: overrides.cluster.clone(),
        user: overrides.user.clone(),
    };
    let kubeconfig = choice.read().map_err(ClusterError::Config)?;
    let kubeconfig = overrides
        .apply(kubeconfig, choice.context.as_deref())
        .map_err(ClusterError::Config)?;
    let mut kubeconfig_proxy = None;
    let mut user = None;
    let mut config = match kubeconfig {
        Some(kubeconfig) => {
            // A missing context reads the same for every verb.
            choice
                .context_namespace(&kubeconfig)
                .map_err(ClusterError::Config)?;
            kubeconfig_proxy = cluster_proxy_url(&kubeconfig, &options);
            user = chosen_user(&kubeconfig, &options);
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| kubeconfig_error(&e))?
        }
        None if choice.search.in_cluster => Config::incluster().map_err(|e| {
            ClusterError::Config(format!(
                "cannot use the pod's service account ({e}): pass --kubeconfig or set KUBECONFIG"
            ))
        })?,
        None => {
            return Err(ClusterError::Config(
                "no Kubernetes cluster configured: no kubeconfig at ~/.kube/config and KUBECONFIG is not set: pass --kubeconfig or set KUBECONFIG (or use --dry-run=client to only print the objects)".into(),
            ));
        }
    };
    super::errors::record_api_server(&config.cluster_url.to_string());
    config.proxy_url = super::proxy::choose(
        &config.cluster_url,
        kubeconfig_proxy.as_deref(),
        &choice.search.proxy,
    )
    .map(|proxy| {
        proxy.parse().map_err(|e| {
            ClusterError::Config(format!(
                "the proxy {proxy} is not a URL ({e}): fix proxy-url in the kubeconfig or HTTPS_PROXY"
            ))
        })
    })
    .transpose()?;
    if let Some(proxy) = &config.proxy_url {
        super::errors::record_proxy(&proxy.to_string());
    }
    // Every API request, the services proxy's and port-forward's included.
    config
        .headers
        .push((http::header::USER_AGENT, crate::user_agent::header_value()));
    // Exec plugins and OIDC: the first credential now, refreshed per request.
    let context = super::credentials::Context {
        origin: user.as_deref().and_then(|u| choice.user_origin(u)),
        user,
        stdin_is_terminal: choice.search.stdin_is_terminal,
        proxy: &choice.search.proxy,
    };
    let credentials = super::credentials::take(&mut config, &context).await?;
    let context_namespace = config.default_namespace.clone();
    let mut rest_config = config.clone();
    rest_config.default_retry = false;
    // --request-timeout bounds API calls; REST and port-forward streams
    // (`rest_client`) stay open as long as they are used.
    if let Some(timeout) = overrides.request_timeout {
        config.connect_timeout = Some(timeout);
        config.read_timeout = Some(timeout);
        config.write_timeout = Some(timeout);
    }
    let layer = super::traced::TraceLayer {
        server: config.cluster_url.to_string(),
    };
    let build = |config: Config| {
        kube::client::ClientBuilder::try_from(config)
            .map(|builder| match &credentials {
                Some(credentials) => builder.with_layer(credentials).with_layer(&layer).build(),
                None => builder.with_layer(&layer).build(),
            })
            .map_err(|e| {
                ClusterError::Failed(format!(
                    "cannot connect to {}: {}",
                    super::errors::api_server(),
                    super::errors::reason(&e)
                ))
            })
    };
    Ok(Connection {
        client: build(config)?,
        rest_client: build(rest_config)?,
        context_namespace,
        suggest: Suggest::new(choice),
    })
}

/// The context in use (`--context`, else current-context).
fn chosen_context<'a>(
    kubeconfig: &'a kube::config::Kubeconfig,
    options: &KubeConfigOptions,
) -> Option<&'a kube::config::Context> {
    let name = options
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())?;
    kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == name)?
        .context
        .as_ref()
}

/// The kubeconfig user in use (`--user`, else the context's), by name.
fn chosen_user(
    kubeconfig: &kube::config::Kubeconfig,
    options: &KubeConfigOptions,
) -> Option<String> {
    options
        .user
        .clone()
        .or_else(|| chosen_context(kubeconfig, options)?.user.clone())
}

/// The `proxy-url` of the cluster the context (or `--cluster`) uses.
fn cluster_proxy_url(
    kubeconfig: &kube::config::Kubeconfig,
    options: &KubeConfigOptions,
) -> Option<String> {
    let cluster = options
        .cluster
        .clone()
        .or_else(|| Some(chosen_context(kubeconfig, options)?.cluster.clone()))?;
    kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == cluster)?
        .cluster
        .as_ref()?
        .proxy_url
        .clone()
}

/// What is wrong in the kubeconfig, naming the entry or file to fix.
fn kubeconfig_error(error: &KubeconfigError) -> ClusterError {
    let data = |what: &str, error: &LoadDataError| match error {
        LoadDataError::ReadFile(io, path) => format!(
            "cannot read the {what} file {} named in the kubeconfig: {io}: fix the path in the kubeconfig",
            path.display()
        ),
        LoadDataError::DecodeBase64(e) => {
            format!(
                "the kubeconfig's {what} data is not valid base64 ({e}): fix it in the kubeconfig"
            )
        }
        LoadDataError::NoBase64DataOrFile => {
            format!("the kubeconfig names no {what}: add it to the kubeconfig")
        }
    };
    ClusterError::Config(match error {
        KubeconfigError::LoadCertificateAuthority(e) => data("certificate-authority", e),
        KubeconfigError::LoadClientCertificate(e) => data("client-certificate", e),
        KubeconfigError::LoadClientKey(e) => data("client-key", e),
        KubeconfigError::ParseCertificates(e) => format!(
            "a certificate in the kubeconfig is not valid PEM ({e}): fix certificate-authority(-data) or client-certificate(-data)"
        ),
        KubeconfigError::CurrentContextNotSet => {
            "the kubeconfig has no current-context: pass --context (list them with `kubectl config get-contexts`)".into()
        }
        KubeconfigError::LoadContext(name) | KubeconfigError::LoadClusterOfContext(name) => {
            format!(
                "context or cluster \"{name}\" is not in the kubeconfig: list contexts with `kubectl config get-contexts`"
            )
        }
        KubeconfigError::MissingClusterUrl => {
            "the kubeconfig's cluster has no server address: set its server".into()
        }
        KubeconfigError::ParseClusterUrl(e) => {
            format!("the kubeconfig's server address is not a URL ({e}): fix its server")
        }
        other => format!("cannot use the kubeconfig: {other}: fix the kubeconfig"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggested_commands_carry_the_connection_flags() {
        let choice = KubeconfigChoice {
            path: Some("/home/me/my clusters/kc".into()),
            context: Some("prod".into()),
            ..Default::default()
        };
        assert_eq!(
            Suggest::new(&choice).flink("port-forward c1 -n ns"),
            "kubectl flink port-forward c1 -n ns --kubeconfig '/home/me/my clusters/kc' --context prod"
        );
        assert_eq!(Suggest::default().kubectl("get pods"), "kubectl get pods");
    }
}
