//! The skip-or-fail policy for tests that need Java or Flink.
//!
//! Outside CI a developer without Java may still run the rest of the suite, so such tests skip
//! with a printed reason; in CI (`CI=true`) a missing prerequisite must fail loudly instead of
//! silently turning the real-Flink tests into no-ops.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// True when running under CI (`CI=true`), where missing prerequisites are failures.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Panics in CI; otherwise prints why the calling test is skipped.
fn unavailable(what: &str, reason: &str) {
    if in_ci() {
        panic!("{what} is required when CI=true but is unavailable: {reason}");
    }
    skip_loudly(&format!("{what} is unavailable: {reason}"));
}

/// Say on the real stderr that a test skips: written past the test
/// harness's capture (which swallows `eprintln!` of passing tests), so
/// the skip shows in `cargo test`'s output.
pub fn skip_loudly(why: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n!!! SKIPPING: {why} (CI=true makes this a failure)\n"
    );
}

fn java_works() -> Result<(), String> {
    static JAVA: OnceLock<Result<(), String>> = OnceLock::new();
    JAVA.get_or_init(|| {
        let status = Command::new("java")
            .arg("-version")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run `java -version`: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("`java -version` failed: {status}"))
        }
    })
    .clone()
}

/// For tests: true when `java` runs; false with a printed skip reason; panics when `CI=true`.
pub fn require_java() -> bool {
    match java_works() {
        Ok(()) => true,
        Err(reason) => {
            unavailable("Java", &reason);
            false
        }
    }
}

/// For tests: `Some(FLINK_HOME)` with Java usable and Flink installed (installing it if
/// needed); `None` with a printed skip reason; panics when `CI=true`.
pub fn require_flink() -> Option<PathBuf> {
    if !require_java() {
        return None;
    }
    match crate::flink_home() {
        Ok(home) => Some(home),
        Err(reason) => {
            unavailable("Flink", &reason);
            None
        }
    }
}

/// Like [`require_flink`], for one PyPI release (e.g. `1.20.5`).
pub fn require_flink_release(version: &str) -> Option<PathBuf> {
    if !require_java() {
        return None;
    }
    match crate::flink_home_of(version) {
        Ok(home) => Some(home),
        Err(reason) => {
            unavailable(&format!("Flink {version}"), &reason);
            None
        }
    }
}
