//! The standalone `test-apiserver` binary, as used for manual runs and benchmarks.

use crate::common::{bounded, client_from};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Kills the child process when dropped, so a failing test leaves nothing running.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_serves_until_killed_and_writes_a_tls_kubeconfig() {
    let dir = std::env::temp_dir().join(format!("test-apiserver-bin-{}", std::process::id()));
    let kubeconfig = dir.join("kc");
    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_test-apiserver"))
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .args(["--tls", "--rbac"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(2)
        .map(Result::unwrap)
        .collect();
    assert!(lines[0].starts_with("url: https://127.0.0.1:"), "{lines:?}");
    assert_eq!(lines[1], format!("kubeconfig: {}", kubeconfig.display()));
    let client = client_from(&kubeconfig).await;
    let version = bounded("version", client.apiserver_version())
        .await
        .unwrap();
    assert_eq!(
        (version.major.as_str(), version.minor.as_str()),
        ("1", "33")
    );
    drop(child);
    let _ = std::fs::remove_dir_all(dir);
}
