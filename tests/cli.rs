//! The command line as a whole: clap's usage errors exit 2 with one line, as
//! ours do, and a closed stdout is not an error. (Each verb's own options:
//! its file, e.g. `session_start.rs`.)

mod common;

use common::*;

#[test]
fn clap_usage_errors_exit_2_too() {
    let home = Scratch::new("clap");
    let out = run(home.path(), &["session", "start", "--dry-run=server"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(
        home.path(),
        &["session", "start", "c1", "--dry-run", "-o", "table"],
    );
    assert_usage_error(&out, &["use -o yaml or json"]);
}

#[test]
fn closed_stdout_is_not_an_error() {
    let home = Scratch::new("pipe");
    let conf = golden_conf();
    // stdout is a pipe nobody reads: its read end is closed before the
    // child starts, so its first write fails with EPIPE every time.
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = command(home.path())
        .args([
            "session",
            "start",
            "c1",
            "--dry-run",
            "--flink-conf-dir",
            &conf,
        ])
        .stdout(writer)
        .output()
        .expect("run kubectl-flink");
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a closed stdout ends output quietly: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
}
