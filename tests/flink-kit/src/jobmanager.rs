//! Real standalone Flink clusters on free local ports, for REST tests.
//!
//! Each cluster gets a private folder (conf, logs, pid files, temp files, savepoints) and runs
//! its JVMs in the foreground as children of the test process, each in its own process group
//! guarded by a watchdog: dropping the cluster, a panicking test, or the test process dying in
//! any way kills them, so no JVM outlives a test run. JVMs are sized small (1 GiB process size
//! for the JobManager and the TaskManager) so two clusters fit on a 2-core, 24 GiB machine.

mod application;
mod cluster;
mod config;
mod session;

pub use application::StandaloneApplication;
pub use session::StandaloneSession;

/// The savepoint folder a Flink `file:` location names, checked (panicking,
/// for tests) to lie under `under` and to hold its `_metadata`.
pub fn assert_savepoint_on_disk(location: &str, under: &std::path::Path) -> std::path::PathBuf {
    let path = std::path::PathBuf::from(location.trim().trim_start_matches("file:"));
    assert!(
        path.starts_with(under),
        "{location} is not under {}",
        under.display()
    );
    assert!(
        path.join("_metadata").is_file(),
        "no _metadata in {}",
        path.display()
    );
    path
}
