//! Exec credential plugins, run as kubectl (client-go) runs them: stdin
//! passed through only when `interactiveMode` and a terminal allow it
//! (`Always` without one is refused before the plugin runs), its
//! `ExecCredential` read from stdout and never quoted in a message.

use super::credentials::{Context, CredentialError};
use super::errors::ClusterError;
use jiff::Timestamp;
use kube::config::{ExecConfig, ExecInteractiveMode};

/// What a plugin returned.
pub enum Credential {
    Token {
        token: String,
        expires: Option<Timestamp>,
    },
    Certificate {
        cert: String,
        key: String,
    },
}

/// An exec credential plugin, run as kubectl runs it.
pub struct Plugin {
    exec: ExecConfig,
    pub command: String,
    /// Whether it gets stdin (and shows its stderr): kubectl's rules.
    interactive: bool,
}

/// kubectl's words when `interactiveMode: Always` meets no terminal.
const NOT_A_TERMINAL: &str =
    "exec plugin cannot support interactive mode: standard input is not a terminal";

impl Plugin {
    /// The plugin of `exec`; a kubeconfig kubectl rejects is a
    /// [`ClusterError::Config`], `Always` without a terminal a failure.
    pub fn new(exec: ExecConfig, context: &Context<'_>) -> Result<Plugin, ClusterError> {
        let command = exec.command.clone().unwrap_or_default();
        if command.is_empty() {
            return Err(ClusterError::Config(
                "the kubeconfig user's exec section has no command: set exec.command".into(),
            ));
        }
        // kubectl: a command with a path separator is relative to the
        // kubeconfig file that defines the user; a bare name is looked up
        // in PATH.
        let command = match context.origin.as_ref().and_then(|file| file.parent()) {
            Some(dir)
                if command.contains(std::path::MAIN_SEPARATOR)
                    && std::path::Path::new(&command).is_relative() =>
            {
                dir.join(&command).display().to_string()
            }
            _ => command,
        };
        let user = context.user.as_deref().unwrap_or("the user");
        let v1 = exec.api_version.as_deref() == Some("client.authentication.k8s.io/v1");
        let mode = match &exec.interactive_mode {
            Some(mode) => mode,
            None if v1 => {
                return Err(ClusterError::Config(format!(
                    "interactiveMode must be specified for {user} to use exec authentication plugin: set exec.interactiveMode (Never, IfAvailable or Always) in the kubeconfig"
                )));
            }
            None => &ExecInteractiveMode::IfAvailable,
        };
        let interactive = match mode {
            ExecInteractiveMode::Never => false,
            ExecInteractiveMode::IfAvailable => context.stdin_is_terminal,
            ExecInteractiveMode::Always if context.stdin_is_terminal => true,
            ExecInteractiveMode::Always => {
                return Err(ClusterError::Failed(format!(
                    "getting credentials: {NOT_A_TERMINAL} (the kubeconfig's credential plugin `{command}` has interactiveMode: Always): run the command in a terminal"
                )));
            }
        };
        Ok(Plugin {
            exec,
            command,
            interactive,
        })
    }

    /// Run it once (on the blocking pool: it may wait for the user).
    pub async fn run(&self) -> std::result::Result<Credential, CredentialError> {
        let mut command = std::process::Command::new(&self.command);
        command.args(self.exec.args.iter().flatten());
        for entry in self.exec.env.iter().flatten() {
            if let (Some(name), Some(value)) = (entry.get("name"), entry.get("value")) {
                command.env(name, value);
            }
        }
        for name in self.exec.drop_env.iter().flatten() {
            command.env_remove(name);
        }
        let mut spec = serde_json::json!({"interactive": self.interactive});
        if self.exec.provide_cluster_info
            && let Some(cluster) = &self.exec.cluster
        {
            spec["cluster"] = serde_json::to_value(cluster).unwrap_or_default();
        }
        let info = serde_json::json!({
            "apiVersion": self.exec.api_version,
            "kind": "ExecCredential",
            "spec": spec,
        });
        command.env("KUBERNETES_EXEC_INFO", info.to_string());
        use std::process::Stdio;
        command.stdout(Stdio::piped());
        if self.interactive {
            command.stdin(Stdio::inherit()).stderr(Stdio::inherit());
        } else {
            command.stdin(Stdio::null()).stderr(Stdio::piped());
        }
        let out = tokio::task::spawn_blocking(move || command.output())
            .await
            .map_err(|e| CredentialError(format!("cannot run the credential plugin: {e}")))?
            .map_err(|e| self.start_error(&e))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let said = match stderr.lines().find(|l| !l.trim().is_empty()) {
                Some(line) => format!("; it said on stderr: {}", crate::output::one_line(line)),
                None if self.interactive => String::new(),
                None => "; it said on stderr: nothing".into(),
            };
            return Err(CredentialError(format!(
                "the kubeconfig's credential plugin `{}` failed ({}){said}",
                self.command, out.status
            )));
        }
        self.parse(&out.stdout)
    }

    fn start_error(&self, io: &std::io::Error) -> CredentialError {
        let command = &self.command;
        CredentialError(if io.kind() == std::io::ErrorKind::NotFound {
            let hint = self.exec.install_hint.as_deref().map_or_else(
                || {
                    "install it or fix `command` of the user's exec section in the kubeconfig"
                        .into()
                },
                crate::output::one_line,
            );
            format!("the kubeconfig's credential plugin `{command}` was not found: {hint}")
        } else {
            format!("cannot run the kubeconfig's credential plugin `{command}`: {io}")
        })
    }

    /// The ExecCredential on stdout (JSON, or YAML as client-go accepts),
    /// never quoted in a message: it holds the credential.
    fn parse(&self, stdout: &[u8]) -> std::result::Result<Credential, CredentialError> {
        let command = &self.command;
        let not_a_credential = || {
            CredentialError(format!(
                "the kubeconfig's credential plugin `{command}` printed no ExecCredential (JSON with status.token, or status.clientCertificateData and status.clientKeyData): fix the plugin"
            ))
        };
        let value: serde_json::Value =
            serde_saphyr::from_slice(stdout).map_err(|_| not_a_credential())?;
        let returned = value["apiVersion"].as_str().unwrap_or_default();
        if let Some(configured) = &self.exec.api_version
            && !returned.is_empty()
            && returned != configured
        {
            return Err(CredentialError(format!(
                "exec plugin is configured to use API version {configured}, plugin returned version {returned}: fix apiVersion of the user's exec section in the kubeconfig"
            )));
        }
        let status = &value["status"];
        let text = |key: &str| {
            status[key]
                .as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let expires = match text("expirationTimestamp") {
            Some(at) => Some(at.parse::<Timestamp>().map_err(|_| {
                CredentialError(format!(
                    "the kubeconfig's credential plugin `{command}` returned an expirationTimestamp that is not RFC 3339 ({at}): fix the plugin"
                ))
            })?),
            None => None,
        };
        match (
            text("token"),
            text("clientCertificateData"),
            text("clientKeyData"),
        ) {
            (_, Some(cert), Some(key)) => Ok(Credential::Certificate { cert, key }),
            (Some(token), _, _) => Ok(Credential::Token { token, expires }),
            _ if status.is_object() => Err(CredentialError(format!(
                "exec plugin didn't return a token or cert/key pair: fix the kubeconfig's credential plugin `{command}`"
            ))),
            _ => Err(not_a_credential()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin(mode: Option<ExecInteractiveMode>, terminal: bool) -> Result<Plugin, String> {
        let exec = ExecConfig {
            api_version: Some("client.authentication.k8s.io/v1".into()),
            command: Some("get-token".into()),
            interactive_mode: mode,
            ..Default::default()
        };
        let proxy = crate::environment::ProxyEnv::default();
        let context = Context {
            user: Some("me".into()),
            origin: None,
            stdin_is_terminal: terminal,
            proxy: &proxy,
        };
        Plugin::new(exec, &context).map_err(|e| e.to_string())
    }

    #[test]
    #[cfg(unix)]
    fn a_relative_command_is_found_beside_the_kubeconfig() {
        let proxy = crate::environment::ProxyEnv::default();
        let resolved = |command: &str| {
            let exec = ExecConfig {
                command: Some(command.into()),
                interactive_mode: Some(ExecInteractiveMode::Never),
                ..Default::default()
            };
            let context = Context {
                user: None,
                origin: Some("/home/me/.kube/config".into()),
                stdin_is_terminal: false,
                proxy: &proxy,
            };
            Plugin::new(exec, &context)
                .map(|p| p.command)
                .unwrap_or_default()
        };
        assert_eq!(
            resolved("./bin/get-token"),
            "/home/me/.kube/./bin/get-token"
        );
        assert_eq!(resolved("bin/get-token"), "/home/me/.kube/bin/get-token");
        assert_eq!(resolved("/usr/bin/get-token"), "/usr/bin/get-token");
        assert_eq!(resolved("get-token"), "get-token");
    }

    #[test]
    fn interactive_mode_follows_kubectls_rules() {
        use ExecInteractiveMode::*;
        let interactive = |mode, terminal| plugin(Some(mode), terminal).map(|p| p.interactive);
        assert_eq!(interactive(Never, true), Ok(false));
        assert_eq!(interactive(IfAvailable, false), Ok(false));
        assert_eq!(interactive(IfAvailable, true), Ok(true));
        assert_eq!(interactive(Always, true), Ok(true));
        let refused = interactive(Always, false).unwrap_err();
        assert!(refused.contains(NOT_A_TERMINAL), "{refused}");
        let missing = plugin(None, true).err().unwrap_or_default();
        assert!(
            missing.contains("interactiveMode must be specified for me"),
            "{missing}"
        );
    }
}
