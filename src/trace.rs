//! kubectl's `-v=N` request log: at level 6 each API server and Flink REST
//! request's method, URL, status and time; at 8 also headers and request
//! bodies — with tokens, keys, passwords and Secret data masked. The sink
//! is set once at the edge (`main`); the layers below only hand it lines.

use crate::output::Output;
use std::sync::OnceLock;

/// Requests: method, URL, status, time.
pub const REQUESTS: u8 = 6;
/// Headers and bodies as well.
pub const BODIES: u8 = 8;

static SINK: OnceLock<(u8, Output)> = OnceLock::new();

/// Log at `level` and below to `output`'s stderr (first call wins).
pub fn init(level: u8, output: &Output) {
    let _ = SINK.set((level, output.clone()));
}

/// Whether lines of `level` are shown.
pub fn enabled(level: u8) -> bool {
    SINK.get().is_some_and(|(shown, _)| *shown >= level)
}

/// Show `line` if `level` is enabled.
pub fn line(level: u8, line: &str) {
    if let Some((shown, output)) = SINK.get()
        && *shown >= level
    {
        output.err_text(&format!("{line}\n"));
    }
}

/// A warning from below the verbs (e.g. a refreshed token that could not be
/// saved), shown at every level.
pub fn warn(message: &str) {
    if let Some((_, output)) = SINK.get() {
        output.warn(message);
    }
}

pub use crate::redact::{body, header};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_log() {
        let shown = body(
            br#"{"kind":"ConfigMap","data":{"config.yaml":"s3.secret-key: hunter2\nparallelism: 2\n"},"args":["-Ds3.access-key=AKIA1"],"token":"abc"}"#,
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(!shown.contains("AKIA1"), "{shown}");
        assert!(!shown.contains("abc"), "{shown}");
        assert!(shown.contains("parallelism: 2"), "{shown}");
        let secret = body(br#"{"kind":"Secret","data":{"password":"cGFzcw==","user":"dXNlcg=="}}"#);
        assert!(
            !secret.contains("cGFzcw==") && !secret.contains("dXNlcg=="),
            "{secret}"
        );
        assert_eq!(
            header("Authorization", "Bearer abc"),
            "Authorization: <masked>"
        );
        assert_eq!(
            header("Accept", "application/json"),
            "Accept: application/json"
        );
    }
}
