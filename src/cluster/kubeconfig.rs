//! Which kubeconfig and context a command uses — the same choice kubectl
//! makes — plus Flink's `kubernetes.config.file` / `kubernetes.context` as
//! fallbacks for users coming from Flink's client.

use crate::environment::KubeconfigSearch;
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
    /// Where to look without `path`: `$KUBECONFIG`, `~/.kube/config`, a pod's service account.
    pub search: KubeconfigSearch,
}

impl KubeconfigChoice {
    /// kubectl's `--kubeconfig` and `--context`, else Flink's
    /// `kubernetes.config.file` and `kubernetes.context` from `conf`.
    pub fn choose(
        kubeconfig: Option<&std::path::Path>,
        context: Option<&str>,
        conf: &crate::config::Configuration,
        search: &KubeconfigSearch,
    ) -> KubeconfigChoice {
        use crate::config::options::{CONFIG_FILE, CONTEXT};
        KubeconfigChoice {
            path: kubeconfig
                .map(Into::into)
                .or_else(|| conf.explicit_string(&CONFIG_FILE).map(Into::into)),
            context: context
                .map(str::to_string)
                .or_else(|| conf.explicit_string(&CONTEXT)),
            search: search.clone(),
        }
    }

    /// Read the kubeconfig as kubectl does: `--kubeconfig` must exist; the
    /// files listed in `$KUBECONFIG` are merged, missing ones skipped; else
    /// `~/.kube/config`. `Ok(None)` when there is none (a dry run needs no
    /// cluster; in a pod the service account is used).
    pub fn read(&self) -> Result<Option<Kubeconfig>, String> {
        if let Some(path) = &self.path {
            return Kubeconfig::read_from(path).map(Some).map_err(|e| {
                format!(
                    "cannot read kubeconfig {}: {}: fix the file or pass another with --kubeconfig",
                    path.display(),
                    first_line(&e)
                )
            });
        }
        let listed = self.search.listed();
        if !listed.is_empty() && !listed.iter().any(|p| p.is_file()) {
            let names: Vec<String> = listed.iter().map(|p| p.display().to_string()).collect();
            return Err(format!(
                "KUBECONFIG is set to {}, which does not exist: fix KUBECONFIG or pass --kubeconfig",
                names.join(":")
            ));
        }
        let candidates = if listed.is_empty() {
            self.search
                .home
                .as_ref()
                .map(|h| vec![h.join(".kube").join("config")])
                .unwrap_or_default()
        } else {
            listed
        };
        let mut merged: Option<Kubeconfig> = None;
        for path in candidates.iter().filter(|p| p.is_file()) {
            let next = Kubeconfig::read_from(path).map_err(|e| {
                format!(
                    "cannot read kubeconfig {}: {}: fix the file, or choose another with --kubeconfig",
                    path.display(),
                    first_line(&e)
                )
            })?;
            merged = Some(match merged {
                None => next,
                Some(first) => first.merge(next).map_err(|e| {
                    format!(
                        "cannot merge kubeconfig {}: {}: fix $KUBECONFIG",
                        path.display(),
                        first_line(&e)
                    )
                })?,
            });
        }
        Ok(merged)
    }

    /// The service account's namespace when running in a pod without a
    /// kubeconfig, as kubectl and kube-rs use it.
    pub fn in_cluster_namespace(&self) -> Option<String> {
        if !self.search.in_cluster {
            return None;
        }
        std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace")
            .ok()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
    }

    /// The namespace kubectl would default to with this choice: the
    /// context's, else (in a pod without a kubeconfig) the service
    /// account's; `Ok(None)` means `default`.
    pub fn default_namespace(&self) -> Result<Option<String>, String> {
        match self.read()? {
            Some(config) => self.context_namespace(&config),
            None => Ok(self.in_cluster_namespace()),
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

/// The parser's first line, without the source snippet it adds below.
fn first_line(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    text.lines().next().unwrap_or_default().trim().to_string()
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
