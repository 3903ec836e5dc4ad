//! How a REST call fails, in terms a command can turn into one actionable
//! line: the cluster could not be reached, Flink said no, or an operation
//! Flink ran on our behalf (a savepoint) failed or took too long.

use serde_json::Value;

/// A failed call to a JobManager's REST API.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RestError {
    /// Nothing answered for Flink: connection refused, the API server could
    /// not reach the Service, a request timed out.
    #[error("{0}")]
    Unreachable(String),
    /// The Kubernetes API server itself did not answer (down, TLS refused):
    /// a whole line naming it, so nobody blames the JobManager.
    #[error("{0}")]
    ApiServerUnreachable(String),
    /// The API server's services proxy could not reach the JobManager
    /// (no endpoints, or the API server cannot reach the pod network): a
    /// port-forward through the kubelet may still get there.
    #[error("{0}")]
    ProxyUnavailable(String),
    /// The cluster has no REST Service (proxy) or no JobManager pod (forward):
    /// it does not exist in that namespace. The text is a whole line that
    /// names the fix, so every command can show it as it is.
    #[error("{0}")]
    ClusterNotFound(String),
    /// The cluster exists but none of its JobManager pods is Ready (it is
    /// still starting, or crashing): a whole line naming the fix (`--wait`),
    /// distinct from [`RestError::Unreachable`] so commands do not suggest
    /// another route when waiting is the answer.
    #[error("{0}")]
    NotReady(String),
    /// The API server refused the services proxy or the port-forward (RBAC).
    #[error("{0}")]
    Forbidden(String),
    /// Flink answered with an error status; `message` is the first useful
    /// line of its `{"errors": [...]}` body.
    #[error("{message} (HTTP {status})")]
    Flink { status: u16, message: String },
    /// Flink does not know the job (cancel answered 404, or a savepoint
    /// failed with `FlinkJobNotFoundException`).
    #[error("job {0} was not found")]
    JobNotFound(String),
    /// Flink answered 2xx with a body this client does not understand.
    #[error("unexpected answer from the JobManager: {0}")]
    BadResponse(String),
    /// A savepoint (or stop-with-savepoint) finished without a savepoint;
    /// `reason` is the failure cause's class and first stack-trace line.
    #[error("{reason}")]
    SavepointFailed { reason: String },
    /// The running release cannot do what was asked (a whole line naming
    /// the release and the fix); see [`super::dialect`].
    #[error("{0}")]
    Unsupported(String),
    /// An operation did not finish within the time the caller allowed.
    #[error("{0}")]
    TimedOut(String),
}

impl RestError {
    /// A request the kube client could not deliver: the API server's
    /// transport failure as [`RestError::ApiServerUnreachable`], anything
    /// else through `other`.
    pub fn from_kube(
        error: &kube::Error,
        other: impl FnOnce(&kube::Error) -> RestError,
    ) -> RestError {
        match error {
            kube::Error::HyperError(_) | kube::Error::Service(_) => {
                RestError::ApiServerUnreachable(format!(
                    "cannot reach {}: {}",
                    crate::cluster::errors::api_server(),
                    crate::cluster::errors::transport_reason(error)
                ))
            }
            other_error => other(other_error),
        }
    }

    /// True when Flink itself answered 404 (unknown job, trigger or path).
    pub fn is_not_found(&self) -> bool {
        matches!(self, RestError::Flink { status: 404, .. })
    }

    /// True for failures worth retrying while a cluster starts: its pod or
    /// Service does not exist yet, nothing answered yet, or Flink's REST
    /// endpoint answered 5xx while booting.
    pub fn is_transient(&self) -> bool {
        match self {
            RestError::Unreachable(_)
            | RestError::ProxyUnavailable(_)
            | RestError::ClusterNotFound(_)
            | RestError::NotReady(_) => true,
            RestError::Flink { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

/// Generic first lines Flink puts before the real reason.
const GENERIC_ERRORS: [&str; 1] = ["Internal server error."];

/// The first useful line of a Flink error body `{"errors": ["…", …]}`.
///
/// Flink often answers a failed request with `"Internal server error."` as
/// its first error and the Java exception (with a stack trace) as the second,
/// so generic lines are skipped when a more specific one follows; of that
/// error only its first line is kept, with the exception class prefix of a
/// `<Exception on server side: …>` wrapper removed.
pub fn flink_error_message(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let errors: Vec<&str> = value
        .get("errors")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let chosen = errors
        .iter()
        .find(|e| !GENERIC_ERRORS.contains(&e.trim()))
        .or(errors.first())?;
    let message = first_meaningful_line(chosen);
    // "Could not execute application." says little: the last "Caused by"
    // of the trace is the root cause the user needs.
    Some(match root_cause(chosen) {
        Some(cause) if !message.contains(&cause) => format!("{message} (root cause: {cause})"),
        _ => message,
    })
}

/// The last `Caused by: …` line of a Java stack trace.
pub(super) fn root_cause(trace: &str) -> Option<String> {
    trace
        .lines()
        .rev()
        .filter_map(|l| l.trim().strip_prefix("Caused by: "))
        .map(|cause| cause.trim().trim_end_matches('>').trim().to_string())
        .find(|cause| !cause.is_empty())
}

/// Exception classes that only wrap the real reason in Flink's answers.
const WRAPPER_EXCEPTIONS: [&str; 3] = [
    "java.util.concurrent.CompletionException: ",
    "java.util.concurrent.ExecutionException: ",
    "org.apache.flink.runtime.rest.handler.RestHandlerException: ",
];

/// The first non-empty line, trimmed, without Flink's server-side wrapper
/// and without exception classes that only wrap the reason.
fn first_meaningful_line(text: &str) -> String {
    let mut line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with("<Exception on server side"))
        .unwrap_or_else(|| text.trim());
    // Flink closes its `<Exception on server side: …>` wrapper with a '>'
    // at the very end; only then is a trailing '>' not part of the message.
    if text.trim_start().starts_with("<Exception on server side") && text.trim_end().ends_with('>')
    {
        line = line.trim_end_matches('>');
    }
    let mut line = line.trim();
    while let Some(rest) = WRAPPER_EXCEPTIONS.iter().find_map(|w| line.strip_prefix(w)) {
        line = rest;
    }
    line.to_string()
}

/// Flink's reason for a failed asynchronous operation, from its
/// `failure-cause`: the exception class and the first line of the stack
/// trace (which repeats the class and carries the message).
pub fn failure_reason(cause: &Value) -> String {
    let class = cause.get("class").and_then(Value::as_str).unwrap_or("");
    let first_line = cause
        .get("stack-trace")
        .and_then(Value::as_str)
        .map(first_meaningful_line)
        .unwrap_or_default();
    let first_line = first_line.as_str();
    let wrapper = WRAPPER_EXCEPTIONS
        .iter()
        .any(|w| w.trim_end_matches(": ") == class);
    match (class.is_empty(), first_line.is_empty()) {
        (_, false) if wrapper || first_line.starts_with(class) => first_line.to_string(),
        (false, false) => format!("{class}: {first_line}"),
        (false, true) => class.to_string(),
        (true, false) => first_line.to_string(),
        (true, true) => "no reason given".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_error_line_is_the_message() {
        let body = br#"{"errors":["Job could not be found.\nmore detail"]}"#;
        assert_eq!(
            flink_error_message(body).as_deref(),
            Some("Job could not be found.")
        );
    }

    #[test]
    fn a_generic_first_error_gives_way_to_the_java_exception() {
        let body = serde_json::to_vec(&json!({"errors": [
            "Internal server error.",
            "<Exception on server side:\njava.util.concurrent.CompletionException: org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'no.such.Main' was not found in the jar file.\n\tat org.apache…>"
        ]}))
        .unwrap();
        assert_eq!(
            flink_error_message(&body).as_deref(),
            Some(
                "org.apache.flink.client.program.ProgramInvocationException: The program's entry point class 'no.such.Main' was not found in the jar file."
            )
        );
        let body = br#"{"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: Only Jar files are allowed.\n\tat org.apache"]}"#;
        assert_eq!(
            flink_error_message(body).as_deref(),
            Some("Only Jar files are allowed.")
        );
    }

    #[test]
    fn a_failed_run_names_flinks_root_cause() {
        let body = serde_json::to_vec(&json!({"errors": [
            "Internal server error.",
            "<Exception on server side:\norg.apache.flink.client.program.ProgramInvocationException: Could not execute application.\n\tat x\nCaused by: org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: boom\n\tat y\nCaused by: java.lang.IllegalArgumentException: --input is required\n\tat z\n\nEnd of exception on server side>"
        ]}))
        .unwrap();
        assert_eq!(
            flink_error_message(&body).as_deref(),
            Some(
                "org.apache.flink.client.program.ProgramInvocationException: Could not execute application. (root cause: java.lang.IllegalArgumentException: --input is required)"
            )
        );
    }

    #[test]
    fn a_lone_generic_error_is_kept_and_non_flink_bodies_are_none() {
        assert_eq!(
            flink_error_message(br#"{"errors":["Internal server error."]}"#).as_deref(),
            Some("Internal server error.")
        );
        assert_eq!(flink_error_message(b"<html>bad gateway</html>"), None);
        assert_eq!(flink_error_message(br#"{"kind":"Status"}"#), None);
    }

    #[test]
    fn a_failure_cause_names_its_class_and_first_trace_line() {
        let cause = json!({
            "class": "java.util.concurrent.CompletionException",
            "stack-trace": "java.util.concurrent.CompletionException: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (0123)\n\tat java.base/…",
        });
        assert_eq!(
            failure_reason(&cause),
            "org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (0123)"
        );
        assert_eq!(
            failure_reason(&json!({"class": "x.Y", "stack-trace": "boom"})),
            "x.Y: boom"
        );
        assert_eq!(failure_reason(&json!({})), "no reason given");
    }

    #[test]
    fn only_unreachable_and_server_errors_are_transient() {
        assert!(RestError::Unreachable("x".into()).is_transient());
        assert!(RestError::NotReady("x".into()).is_transient());
        assert!(RestError::ClusterNotFound("x".into()).is_transient());
        let flink = |status| RestError::Flink {
            status,
            message: "m".into(),
        };
        assert!(flink(503).is_transient());
        assert!(!flink(404).is_transient());
        assert!(flink(404).is_not_found());
        assert!(!RestError::Forbidden("x".into()).is_transient());
    }

    #[test]
    fn a_savepoint_failure_drops_wrapper_exceptions_and_keeps_generics() {
        let cause = json!({
            "class": "java.util.concurrent.CompletionException",
            "stack-trace": "java.util.concurrent.CompletionException: java.util.concurrent.CompletionException: org.apache.flink.runtime.checkpoint.CheckpointException: Task not running\n\tat x"
        });
        assert_eq!(
            failure_reason(&cause),
            "org.apache.flink.runtime.checkpoint.CheckpointException: Task not running"
        );
        assert_eq!(
            first_meaningful_line("java.lang.IllegalStateException: expected Map<String, String>"),
            "java.lang.IllegalStateException: expected Map<String, String>",
            "a '>' that belongs to the message stays"
        );
    }
}
