//! The commit the binary is built from, for `kubectl flink version`.

fn git(args: &[&str]) -> Option<String> {
    std::process::Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=KUBECTL_FLINK_COMMIT={commit}");
    // Where HEAD really is (a worktree keeps it outside `.git/`).
    for path in ["HEAD", "refs/heads"] {
        if let Some(found) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={found}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
