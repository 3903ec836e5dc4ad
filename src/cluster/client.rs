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
    let options = KubeConfigOptions {
        context: choice.context.clone(),
        cluster: None,
        user: None,
    };
    let kubeconfig = choice.read().map_err(ClusterError::Config)?;
    let config = match kubeconfig {
        Some(kubeconfig) => {
            // A missing context reads the same for every verb.
            choice
                .context_namespace(&kubeconfig)
                .map_err(ClusterError::Config)?;
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
    let context_namespace = config.default_namespace.clone();
    let mut rest_config = config.clone();
    rest_config.default_retry = false;
    let build = |config: Config| {
        kube::Client::try_from(config)
            .map_err(|e| ClusterError::Failed(format!("cannot create a Kubernetes client: {e}")))
    };
    Ok(Connection {
        client: build(config)?,
        rest_client: build(rest_config)?,
        context_namespace,
        suggest: Suggest::new(choice),
    })
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
