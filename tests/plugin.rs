//! kubectl-flink as a kubectl plugin: the krew manifest is valid for this
//! build, and the real `kubectl` on the machine finds and runs the binary.

mod common;

use common::*;
use std::process::Command;

#[test]
fn krew_manifest_matches_this_build() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plugin.yaml"))
        .expect("plugin.yaml");
    let manifest: serde_json::Value = serde_saphyr::from_str(&text).expect("plugin.yaml is YAML");
    assert_eq!(
        manifest["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(manifest["kind"], "Plugin");
    assert_eq!(
        manifest["metadata"]["name"], "flink",
        "installs as `kubectl flink`"
    );
    assert_eq!(
        manifest["spec"]["version"],
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    let platforms = manifest["spec"]["platforms"].as_array().expect("platforms");
    assert!(platforms.len() >= 2);
    for platform in platforms {
        let exe = if platform["selector"]["matchLabels"]["os"] == "windows" {
            "kubectl-flink.exe"
        } else {
            "kubectl-flink"
        };
        assert_eq!(platform["bin"], exe);
        assert_eq!(platform["sha256"].as_str().map(str::len), Some(64));
        let uri = platform["uri"].as_str().expect("uri");
        assert!(
            uri.contains(&format!("v{}", env!("CARGO_PKG_VERSION"))),
            "{uri}"
        );
        let files = platform["files"].as_array().expect("files");
        assert!(files.iter().any(|f| f["from"] == exe));
        assert!(files.iter().any(|f| f["from"] == "LICENSE"));
    }
}

fn kubectl_available() -> bool {
    let found = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found && std::env::var("CI").as_deref() == Ok("true") {
        panic!("kubectl is not installed, and CI=true requires it");
    }
    if !found {
        flink_kit::skip_loudly("kubectl is not installed");
    }
    found
}

#[test]
fn kubectl_discovers_and_runs_the_plugin() {
    if !kubectl_available() {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let home = Scratch::new("plugin");
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    std::fs::copy(binary(), bin.join("kubectl-flink")).expect("copy binary");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let kubectl = |args: &[&str]| {
        Command::new("kubectl")
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run kubectl")
    };
    let list = kubectl(&["plugin", "list"]);
    assert!(
        stdout(&list).contains("kubectl-flink"),
        "{}{}",
        stdout(&list),
        stderr(&list)
    );

    let version = kubectl(&["flink", "version"]);
    assert_eq!(version.status.code(), Some(0), "{}", stderr(&version));
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));

    let conf = golden_conf();
    let dry = kubectl(&[
        "flink",
        "session",
        "start",
        "via-kubectl",
        "--dry-run=client",
        "-o",
        "json",
        "--flink-conf-dir",
        &conf,
    ]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let items = json_items(&dry);
    item(&items, "Deployment", "via-kubectl");

    let bad = kubectl(&["flink", "session", "start", "Bad_Id", "--dry-run"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "exit codes pass through kubectl"
    );
}
