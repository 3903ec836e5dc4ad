//! The `User-Agent` of every request kubectl-flink makes, to the API server
//! and to Flink's REST API: `kubectl-flink/v0.1.0 (linux/amd64)`, shaped like
//! kubectl's own (`kubectl/v1.32.4 (linux/amd64) …`), so that a cluster's
//! audit log and a JobManager's access log say who called.

use http::HeaderValue;

/// `kubectl-flink/v<version> (<os>/<arch>)`, with Go's names for the
/// platform as kubectl and krew write them.
pub fn user_agent() -> String {
    format!(
        "kubectl-flink/v{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        go_os(std::env::consts::OS),
        go_arch(std::env::consts::ARCH)
    )
}

/// [`user_agent`] as a header value.
pub fn header_value() -> HeaderValue {
    // Built from the crate version and Rust's platform names: always ASCII
    // without control characters, so the fallback is never taken.
    HeaderValue::from_str(&user_agent())
        .unwrap_or_else(|_| HeaderValue::from_static("kubectl-flink"))
}

/// Go's `GOOS` for Rust's `target_os` (they differ only for macOS).
fn go_os(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        other => other,
    }
}

/// Go's `GOARCH` for Rust's `target_arch`.
fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        "loongarch64" => "loong64",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_version_and_platform_as_kubectl_does() {
        assert_eq!(go_os("macos"), "darwin");
        assert_eq!(go_os("linux"), "linux");
        assert_eq!(go_arch("x86_64"), "amd64");
        assert_eq!(go_arch("aarch64"), "arm64");
        let agent = user_agent();
        assert!(
            agent.starts_with(&format!("kubectl-flink/v{} (", env!("CARGO_PKG_VERSION"))),
            "{agent}"
        );
        assert!(
            !agent.contains("x86_64") && !agent.contains("macos"),
            "{agent}"
        );
        assert_eq!(header_value().to_str().ok(), Some(agent.as_str()));
    }
}
