//! Kubeconfig files pointing at the test server, in the YAML form kubectl, kube-rs and
//! Fabric8 all read.

use base64::Engine;
use std::path::Path;

/// What goes into one kubeconfig.
pub struct KubeconfigSpec<'a> {
    /// Server URL.
    pub server: &'a str,
    /// CA certificate (PEM) when serving TLS.
    pub ca_pem: Option<&'a str>,
    /// User name (also used for the user entry's name).
    pub user: &'a str,
    /// Bearer token.
    pub token: &'a str,
    /// The context's namespace, if any.
    pub namespace: Option<&'a str>,
}

fn quote(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Renders the kubeconfig: one cluster, one user, one context named `test`.
pub fn render(spec: &KubeconfigSpec<'_>) -> String {
    let mut cluster = format!("    server: {}\n", quote(spec.server));
    if let Some(ca) = spec.ca_pem {
        let data = base64::engine::general_purpose::STANDARD.encode(ca);
        cluster.push_str(&format!("    certificate-authority-data: {data}\n"));
    }
    let ns = spec
        .namespace
        .map(|n| format!("    namespace: {}\n", quote(n)))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n{cluster}users:\n- name: {user}\n  user:\n    token: {token}\ncontexts:\n- name: test\n  context:\n    cluster: test\n    user: {user}\n{ns}current-context: test\npreferences: {{}}\n",
        user = quote(spec.user),
        token = quote(spec.token),
    )
}

/// Writes a kubeconfig file (owner-readable only, like kubectl does).
pub fn write(path: &Path, spec: &KubeconfigSpec<'_>) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, render(spec))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
