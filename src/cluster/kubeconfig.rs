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
    /// kubectl's connection flags, over what the kubeconfig says.
    pub overrides: Overrides,
}

/// kubectl's connection flags (`--server`, `--token`, `--as`, …): each
/// replaces what the kubeconfig says for the context in use.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub impersonate_uid: Option<String>,
    pub token: Option<String>,
    pub server: Option<String>,
    /// The kubeconfig user to use instead of the context's.
    pub user: Option<String>,
    /// The kubeconfig cluster to use instead of the context's.
    pub cluster: Option<String>,
    /// Per API request; None: no limit.
    pub request_timeout: Option<std::time::Duration>,
    pub insecure_skip_tls_verify: bool,
    pub certificate_authority: Option<PathBuf>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub tls_server_name: Option<String>,
}

/// The names kubectl-flink gives the context it makes from flags alone
/// (`--server` without a kubeconfig).
const FLAGS_ONLY: &str = "kubectl-flink-flags";

impl Overrides {
    /// Whether any flag changes the cluster or the user.
    fn any(&self) -> bool {
        *self
            != Overrides {
                request_timeout: self.request_timeout,
                ..Overrides::default()
            }
    }

    /// `kubeconfig` with the flags laid over the entries `context` (else
    /// current-context) uses; a kubeconfig made of the flags alone when
    /// there is none and `--server` is given.
    pub fn apply(
        &self,
        kubeconfig: Option<Kubeconfig>,
        context: Option<&str>,
    ) -> Result<Option<Kubeconfig>, String> {
        if !self.any() {
            return Ok(kubeconfig);
        }
        let mut config = match (kubeconfig, &self.server) {
            (Some(config), _) => config,
            (None, Some(_)) => flags_only_kubeconfig(),
            (None, None) => return Ok(None),
        };
        let context_name = context
            .map(str::to_string)
            .or_else(|| config.current_context.clone());
        let chosen = context_name
            .as_ref()
            .and_then(|name| config.contexts.iter().find(|c| &c.name == name))
            .and_then(|c| c.context.clone());
        let cluster_name = self
            .cluster
            .clone()
            .or_else(|| chosen.as_ref().map(|c| c.cluster.clone()));
        let user_name = self
            .user
            .clone()
            .or_else(|| chosen.as_ref().and_then(|c| c.user.clone()));
        if let Some(name) = &cluster_name {
            let cluster = config
                .clusters
                .iter_mut()
                .find(|c| &c.name == name)
                .ok_or_else(|| {
                    format!("cluster \"{name}\" is not in the kubeconfig: list them with `kubectl config get-clusters`")
                })?
                .cluster
                .get_or_insert_with(Default::default);
            self.apply_to_cluster(cluster);
        }
        if let Some(name) = &user_name {
            let user = config
                .auth_infos
                .iter_mut()
                .find(|u| &u.name == name)
                .ok_or_else(|| {
                    format!("user \"{name}\" is not in the kubeconfig: list them with `kubectl config get-users`")
                })?
                .auth_info
                .get_or_insert_with(Default::default);
            self.apply_to_user(user);
        }
        Ok(Some(config))
    }

    fn apply_to_cluster(&self, cluster: &mut kube::config::Cluster) {
        if let Some(server) = &self.server {
            cluster.server = Some(server.clone());
        }
        if let Some(ca) = &self.certificate_authority {
            cluster.certificate_authority = Some(ca.display().to_string());
            cluster.certificate_authority_data = None;
        }
        if self.insecure_skip_tls_verify {
            cluster.insecure_skip_tls_verify = Some(true);
            cluster.certificate_authority = None;
            cluster.certificate_authority_data = None;
        }
        if let Some(name) = &self.tls_server_name {
            cluster.tls_server_name = Some(name.clone());
        }
    }

    fn apply_to_user(&self, user: &mut kube::config::AuthInfo) {
        if let Some(token) = &self.token {
            // A token on the command line is the credential: kubectl uses it
            // instead of the user's token file, plugin or provider.
            *user = kube::config::AuthInfo {
                token: Some(token.clone().into()),
                client_certificate: user.client_certificate.take(),
                client_certificate_data: user.client_certificate_data.take(),
                client_key: user.client_key.take(),
                client_key_data: user.client_key_data.take(),
                ..Default::default()
            };
        }
        if let Some(path) = &self.client_certificate {
            user.client_certificate = Some(path.display().to_string());
            user.client_certificate_data = None;
        }
        if let Some(path) = &self.client_key {
            user.client_key = Some(path.display().to_string());
            user.client_key_data = None;
        }
        if let Some(name) = &self.impersonate {
            user.impersonate = Some(name.clone());
        }
        if !self.impersonate_groups.is_empty() {
            user.impersonate_groups = Some(self.impersonate_groups.clone());
        }
        if let Some(uid) = &self.impersonate_uid {
            user.impersonate_uid = Some(uid.clone());
        }
    }
}

/// A kubeconfig with one context, cluster and user, filled in by the flags.
fn flags_only_kubeconfig() -> Kubeconfig {
    use kube::config::{Context, NamedAuthInfo, NamedCluster, NamedContext};
    Kubeconfig {
        current_context: Some(FLAGS_ONLY.to_string()),
        contexts: vec![NamedContext {
            name: FLAGS_ONLY.to_string(),
            context: Some(Context {
                cluster: FLAGS_ONLY.to_string(),
                user: Some(FLAGS_ONLY.to_string()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        clusters: vec![NamedCluster {
            name: FLAGS_ONLY.to_string(),
            cluster: Some(Default::default()),
            other: Default::default(),
        }],
        auth_infos: vec![NamedAuthInfo {
            name: FLAGS_ONLY.to_string(),
            auth_info: Some(Default::default()),
            other: Default::default(),
        }],
        ..Default::default()
    }
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
            overrides: Overrides::default(),
        }
    }

    /// The same choice with kubectl's connection flags over it.
    pub fn with_overrides(self, overrides: Overrides) -> KubeconfigChoice {
        KubeconfigChoice { overrides, ..self }
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
        let mut merged: Option<Kubeconfig> = None;
        for path in self.candidates().iter().filter(|p| p.is_file()) {
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

    /// The files read without `--kubeconfig`, in kubectl's order: those
    /// `$KUBECONFIG` lists, else `~/.kube/config`.
    /// Nothing names a cluster: no `--kubeconfig`, no `KUBECONFIG`, no
    /// `~/.kube/config`, no `--server` (what [`Self::read`] reads, unread).
    pub fn names_no_cluster(&self) -> bool {
        self.path.is_none()
            && self.overrides.server.is_none()
            && self.search.listed().is_empty()
            && !self.candidates().iter().any(|p| p.is_file())
    }

    fn candidates(&self) -> Vec<PathBuf> {
        let listed = self.search.listed();
        if listed.is_empty() {
            self.search
                .home
                .as_ref()
                .map(|h| vec![h.join(".kube").join("config")])
                .unwrap_or_default()
        } else {
            listed
        }
    }

    /// The file that defines kubeconfig user `user` — where kubectl writes
    /// its refreshed tokens: `--kubeconfig`, else the first file of the
    /// list that has it (the one merging takes it from).
    pub fn user_origin(&self, user: &str) -> Option<PathBuf> {
        if let Some(path) = &self.path {
            return Some(path.clone());
        }
        self.candidates().into_iter().find(|path| {
            Kubeconfig::read_from(path).is_ok_and(|c| c.auth_infos.iter().any(|u| u.name == user))
        })
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
