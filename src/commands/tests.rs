//! Verbs run in process, with the environment and the output streams of
//! the test's choosing (no binary, no process environment).

use super::*;
use crate::output::Captured;
use clap::Parser;

fn cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("kubectl-flink").chain(args.iter().copied()))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run_with(args: &[&str], env: &Environment) -> (Result<()>, Captured) {
    let (output, captured) = Output::memory();
    (run(cli(args), env, &output), captured)
}

/// A Flink conf dir whose `config.yaml` names a namespace.
fn conf_dir(name: &str, namespace: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("kubectl-flink-verb-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.yaml"),
        format!(
            "kubernetes:\n  namespace: {namespace}\njobmanager.memory.process.size: 1600m\ntaskmanager.memory.process.size: 1728m\n"
        ),
    )
    .unwrap();
    dir
}

#[test]
fn version_prints_to_the_given_stdout_in_each_format() {
    let (result, captured) = run_with(&["version"], &Environment::default());
    result.unwrap();
    assert!(
        captured.stdout().starts_with("kubectl-flink "),
        "{}",
        captured.stdout()
    );
    let (result, captured) = run_with(&["version", "-o", "json"], &Environment::default());
    result.unwrap();
    let version: serde_json::Value = serde_json::from_str(&captured.stdout()).unwrap();
    assert_eq!(version["pluginVersion"], env!("CARGO_PKG_VERSION"));
    let (result, captured) = run_with(&["version", "-o", "name"], &Environment::default());
    assert_eq!(result.unwrap_err().exit_code(), 2);
    assert_eq!(captured.stdout(), "");
}

#[test]
fn rbac_setup_takes_the_namespace_from_flink_options_like_every_verb() {
    let (result, captured) = run_with(
        &["rbac-setup", "--dry-run", "-Dkubernetes.namespace=team-a"],
        &Environment::default(),
    );
    result.unwrap();
    let list: serde_json::Value = serde_saphyr::from_str(&captured.stdout()).unwrap();
    assert_eq!(list["kind"], "List");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(
        items.iter().all(|i| i["metadata"]["namespace"] == "team-a"),
        "{list}"
    );
}

#[test]
fn the_conf_dir_comes_from_the_environment_passed_in() {
    let dir = conf_dir("env", "from-env");
    let env = Environment {
        flink_conf_dir: Some(dir.display().to_string()),
        ..Environment::default()
    };
    let (result, captured) = run_with(&["rbac-setup", "--dry-run", "-o", "json"], &env);
    result.unwrap();
    let list: serde_json::Value = serde_json::from_str(&captured.stdout()).unwrap();
    assert_eq!(list["items"][0]["metadata"]["namespace"], "from-env");
    let (result, captured) = run_with(&["session", "start", "c1", "--dry-run", "-o", "json"], &env);
    result.unwrap();
    let list: serde_json::Value = serde_json::from_str(&captured.stdout()).unwrap();
    assert_eq!(list["items"][0]["metadata"]["namespace"], "from-env");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn formats_that_do_not_apply_are_usage_errors_before_anything_is_sent() {
    let env = Environment::default();
    for args in [
        &["session", "stop", "c1", "-o", "json"][..],
        &["cleanup", "c1", "-o", "yaml"],
        &["session", "cancel", "c1", "-o", "wide"],
        &["session", "savepoint", "c1", "-o", "name"],
        &["app", "wait", "c1", "-o", "table"],
        &["session", "start", "c1", "--dry-run", "-o", "name"],
        &["get", "-A", "-n", "x"],
    ] {
        let (result, captured) = run_with(args, &env);
        let error = result.expect_err(&args.join(" "));
        assert_eq!(error.exit_code(), 2, "{args:?}: {error}");
        assert_eq!(captured.stdout(), "", "{args:?}");
    }
}

#[test]
fn without_a_kubeconfig_the_error_names_the_fix_and_nothing_is_printed() {
    // The environment passed in has no KUBECONFIG, no home and no pod: the
    // process's own ~/.kube/config is not consulted.
    let (result, captured) = run_with(&["get"], &Environment::default());
    let error = result.unwrap_err();
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("pass --kubeconfig"), "{error}");
    assert_eq!(captured.stdout(), "");
}
