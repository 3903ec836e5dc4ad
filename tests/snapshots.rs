//! Snapshots of complete dry-run output, so any change in what users get is
//! seen in review. `UPDATE_SNAPSHOTS=1 cargo test --test snapshots` rewrites
//! them after an intended change.

mod common;

use common::*;
use std::path::PathBuf;

fn check(name: &str, args: &[&str]) {
    let home = Scratch::new(&format!("snapshot-{name}"));
    let out = run(home.path(), args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let actual = stdout(&out);
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.yaml"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("snapshot dir");
        std::fs::write(&path, &actual).expect("write snapshot");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_SNAPSHOTS=1", path.display()));
    if actual != expected {
        let first = actual
            .lines()
            .zip(expected.lines())
            .position(|(a, e)| a != e)
            .unwrap_or(actual.lines().count().min(expected.lines().count()));
        panic!(
            "{name}: output differs from {} at line {}:\n  now:  {:?}\n  was:  {:?}\n(if intended, rerun with UPDATE_SNAPSHOTS=1)",
            path.display(),
            first + 1,
            actual.lines().nth(first),
            expected.lines().nth(first)
        );
    }
}

#[test]
fn session_with_built_in_defaults() {
    check(
        "session-built-in",
        &[
            "session",
            "start",
            "snap",
            "--dry-run=client",
            "-n",
            "flink",
        ],
    );
}

#[test]
fn application_with_options() {
    check(
        "application-options",
        &[
            "app",
            "run",
            "--cluster-id",
            "snap-app",
            "--dry-run=client",
            "-n",
            "jobs",
            "-c",
            "com.example.Etl",
            "-p",
            "3",
            "-Dkubernetes.rest-service.exposed.type=NodePort",
            "-Dkubernetes.jobmanager.labels=team:data",
            "-Dkubernetes.secrets=creds:/etc/creds",
            "-Dcontainerized.master.env.MODE=prod",
            "-Dkubernetes.jobmanager.cpu.amount=0.5",
            "s3://jobs/etl.jar",
            "--date",
            "2026-11-27",
        ],
    );
}
