//! Which kubeconfig and context a command uses — the same choice kubectl
//! makes — plus Flink's `kubernetes.config.file` / `kubernetes.context` as
//! fallbacks for users coming from Flink's client.

use kube::config::Kubeconfig;
use std::path::PathBuf;

/// Where the kubeconfig comes from and which context to use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KubeconfigChoice {
    /// `--kubeconfig`, else `-Dkubernetes.config.file`; None means
    /// `$KUBECONFIG`, then `~/.kube/config`.
    pub path: Option<PathBuf>,
    /// `--context`, else `-Dkubernetes.context`; None means current-context.
    pub context: Option<String>,
}

impl KubeconfigChoice {
    /// Read the kubeconfig; `Ok(None)` when none exists at the default places
    /// (a dry run needs no cluster).
    pub fn read(&self) -> Result<Option<Kubeconfig>, String> {
        match &self.path {
            Some(path) => Kubeconfig::read_from(path).map(Some).map_err(|e| {
                format!(
                    "cannot read kubeconfig {}: {e}: fix the file or pass another with --kubeconfig",
                    path.display()
                )
            }),
            None => {
                if std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty()) {
                    return Kubeconfig::read().map(Some).map_err(|e| {
                        format!("cannot read the kubeconfig files in $KUBECONFIG: {e}")
                    });
                }
                let default = dirs::home_dir().map(|h| h.join(".kube").join("config"));
                match default {
                    Some(path) if path.is_file() => Kubeconfig::read_from(&path)
                        .map(Some)
                        .map_err(|e| format!("cannot read kubeconfig {}: {e}", path.display())),
                    _ => Ok(None),
                }
            }
        }
    }

    /// The namespace of the chosen context, if it sets one.
    pub fn context_namespace(&self, config: &Kubeconfig) -> Result<Option<String>, String> {
        let name = self
            .context
            .clone()
            .or_else(|| config.current_context.clone());
        let Some(name) = name else {
            return Ok(None);
        };
        let context = config.contexts.iter().find(|c| c.name == name);
        match context {
            Some(named) => Ok(named.context.as_ref().and_then(|c| c.namespace.clone())),
            None if self.context.is_some() => Err(format!(
                "context \"{name}\" is not in the kubeconfig: list contexts with `kubectl config get-contexts`"
            )),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: team-a}
- name: bare
  context: {cluster: c, user: u}
clusters:
- name: c
  cluster: {server: 'https://127.0.0.1:6443'}
users:
- name: u
  user: {token: t}
";

    #[test]
    fn namespace_follows_the_chosen_context() {
        let config = Kubeconfig::from_yaml(CONFIG).unwrap();
        let current = KubeconfigChoice::default();
        assert_eq!(
            current.context_namespace(&config).unwrap().as_deref(),
            Some("team-a")
        );
        let bare = KubeconfigChoice {
            context: Some("bare".into()),
            ..Default::default()
        };
        assert_eq!(bare.context_namespace(&config).unwrap(), None);
        let missing = KubeconfigChoice {
            context: Some("prod".into()),
            ..Default::default()
        };
        assert!(
            missing
                .context_namespace(&config)
                .unwrap_err()
                .contains("kubectl config get-contexts")
        );
    }
}
