//! `kubectl flink completion`: the `kubectl_complete-flink` executable that
//! kubectl runs, proven through the real kubectl (`kubectl __complete flink
//! …`), with cluster ids completed live from the real API server; and the
//! static scripts for `kubectl-flink` itself.

mod common;

use common::real::Cluster;
use common::*;
use std::path::Path;
use std::process::{Command, Output};

/// A bin directory with kubectl-flink and, after `completion install`,
/// kubectl_complete-flink in it.
fn installed(home: &Path) -> std::path::PathBuf {
    let bin = home.join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    std::fs::copy(binary(), bin.join("kubectl-flink")).expect("copy the binary");
    let out = run(
        home,
        &["completion", "install", "--dir", &bin.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = bin.join("kubectl_complete-flink");
    assert_eq!(stdout(&out).trim(), written.display().to_string());
    bin
}

/// `kubectl __complete flink args…` with `bin` first on PATH; the
/// completions (the directive line dropped).
fn kubectl_complete(home: &Path, bin: &Path, args: &[&str]) -> Vec<String> {
    let kubectl_found = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output();
    if kubectl_found.is_err() {
        assert!(!flink_kit::in_ci(), "kubectl is required when CI=true");
        flink_kit::skip_loudly("kubectl is not installed");
        return Vec::new();
    }
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out: Output = Command::new("kubectl")
        .arg("__complete")
        .arg("flink")
        .args(args)
        .env_clear()
        .env("HOME", home)
        .env("PATH", path)
        .output()
        .expect("run kubectl");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.starts_with(':'))
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn kubectl_completes_subcommands_flags_and_option_keys_through_the_plugin() {
    let home = Scratch::new("complete");
    let bin = installed(home.path());
    let top = kubectl_complete(home.path(), &bin, &["se"]);
    if top.is_empty() && !flink_kit::in_ci() {
        return;
    }
    assert_eq!(top, ["session"], "{top:?}");
    let verbs = kubectl_complete(home.path(), &bin, &["session", "st"]);
    assert_eq!(verbs, ["start", "stop"], "{verbs:?}");
    let flags = kubectl_complete(home.path(), &bin, &["session", "start", "--dry"]);
    assert_eq!(flags, ["--dry-run"], "{flags:?}");
    let keys = kubectl_complete(
        home.path(),
        &bin,
        &["session", "start", "-D", "kubernetes.rest-service.exp"],
    );
    assert!(
        keys.contains(&"kubernetes.rest-service.exposed.type=".to_string())
            && keys
                .iter()
                .all(|k| k.starts_with("kubernetes.rest-service.exp") && k.ends_with('=')),
        "{keys:?}"
    );
    let formats = kubectl_complete(home.path(), &bin, &["get", "-o", "ya"]);
    assert_eq!(formats, ["yaml"], "{formats:?}");
}

#[test]
fn cluster_ids_are_completed_live_from_the_real_api_server() {
    let Some(k) = Cluster::new("complete") else {
        return;
    };
    assert_eq!(k.start("done-soon", &[]).status.code(), Some(0));
    assert_eq!(k.start("daily-etl", &[]).status.code(), Some(0));
    let bin = installed(k.home.path());
    let ids = kubectl_complete(
        k.home.path(),
        &bin,
        &["session", "stop", "--kubeconfig", &k.kubeconfig, "d"],
    );
    assert_eq!(ids, ["daily-etl", "done-soon"], "{ids:?}");
    let namespaces = kubectl_complete(
        k.home.path(),
        &bin,
        &[
            "get",
            "--kubeconfig",
            &k.kubeconfig,
            "-n",
            &k.namespace[..4],
        ],
    );
    assert!(namespaces.contains(&k.namespace), "{namespaces:?}");
}

#[test]
fn scripts_for_each_shell_name_the_binary() {
    let home = Scratch::new("scripts");
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef kubectl-flink"),
        ("fish", "complete -c kubectl-flink"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = run(home.path(), &["completion", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        assert!(stdout(&out).contains(marker), "{shell}: {}", stdout(&out));
    }
    let out = run(home.path(), &["completion", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}
