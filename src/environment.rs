//! The process environment, read once in `main` and passed down: no layer
//! below reads a variable or asks whether a stream is a terminal itself, so
//! every verb can be run (and tested) with an environment of its choosing.

use crate::flink::local_files::ClientEnvironment;
use std::ffi::OsString;
use std::path::PathBuf;

/// What kubectl-flink consults outside its command line.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `$FLINK_CONF_DIR`: Flink's conf dir when `--flink-conf-dir` is not given.
    pub flink_conf_dir: Option<String>,
    /// `$FLINK_HOME`: its `conf/` is the next candidate.
    pub flink_home: Option<String>,
    /// `$HADOOP_CONF_DIR`, `$HADOOP_HOME`: shipped as Flink's client ships them.
    pub client: ClientEnvironment,
    /// Where kubeconfigs are looked for, as kubectl looks.
    pub kubeconfig: KubeconfigSearch,
    /// Which standard streams are terminals (prompts, progress, help width).
    pub terminal: Terminals,
    /// `$NO_COLOR` set and non-empty.
    pub no_color: bool,
    /// `$COLUMNS` set: help wraps to it even on a pipe.
    pub columns_set: bool,
    /// The directory of this executable (where `completion install` puts
    /// kubectl's completion helper beside it).
    pub executable_dir: Option<PathBuf>,
}

/// kubectl's kubeconfig search: `$KUBECONFIG`, `~/.kube/config`, and the
/// in-cluster service account when neither exists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KubeconfigSearch {
    /// `$KUBECONFIG` as set (a path list).
    pub kubeconfig_var: Option<OsString>,
    /// The home directory (`~/.kube/config`).
    pub home: Option<PathBuf>,
    /// `$KUBERNETES_SERVICE_HOST` is set: running in a pod.
    pub in_cluster: bool,
    /// The proxies the environment names.
    pub proxy: ProxyEnv,
    /// stdin is a terminal: an interactive exec credential plugin may read it.
    pub stdin_is_terminal: bool,
}

/// `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` (or their lower-case forms,
/// upper case first, as Go reads them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProxyEnv {
    pub https: Option<String>,
    pub http: Option<String>,
    pub no_proxy: Option<String>,
}

impl KubeconfigSearch {
    /// The files `$KUBECONFIG` lists, empty entries dropped.
    pub fn listed(&self) -> Vec<PathBuf> {
        self.kubeconfig_var
            .as_ref()
            .map(|v| {
                std::env::split_paths(v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Which of stdin, stdout and stderr are terminals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Environment {
    /// The environment of this process (called once, in `main`).
    pub fn from_process() -> Environment {
        use std::io::IsTerminal;
        let var = |name: &str| std::env::var(name).ok();
        Environment {
            flink_conf_dir: var("FLINK_CONF_DIR"),
            flink_home: var("FLINK_HOME"),
            client: ClientEnvironment {
                hadoop_conf_dir: var("HADOOP_CONF_DIR"),
                hadoop_home: var("HADOOP_HOME"),
            },
            kubeconfig: KubeconfigSearch {
                kubeconfig_var: std::env::var_os("KUBECONFIG"),
                home: dirs::home_dir(),
                in_cluster: std::env::var_os("KUBERNETES_SERVICE_HOST").is_some(),
                proxy: ProxyEnv {
                    https: var("HTTPS_PROXY").or_else(|| var("https_proxy")),
                    http: var("HTTP_PROXY").or_else(|| var("http_proxy")),
                    no_proxy: var("NO_PROXY").or_else(|| var("no_proxy")),
                },
                stdin_is_terminal: std::io::stdin().is_terminal(),
            },
            terminal: Terminals {
                stdin: std::io::stdin().is_terminal(),
                stdout: std::io::stdout().is_terminal(),
                stderr: std::io::stderr().is_terminal(),
            },
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            columns_set: std::env::var_os("COLUMNS").is_some(),
            executable_dir: std::env::current_exe()
                .ok()
                .and_then(|exe| exe.parent().map(PathBuf::from)),
        }
    }
}
