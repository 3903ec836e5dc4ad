//! `version` (text and JSON) and `--help` (examples, unwrapped when piped).

mod common;

use common::*;

#[test]
fn version_and_help() {
    let home = Scratch::new("version");
    let out = run(home.path(), &["version"]);
    assert!(stdout(&out).contains(env!("CARGO_PKG_VERSION")));
    assert!(stdout(&out).contains("2.3.0"));
    let out = run(home.path(), &["version", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["defaultFlinkVersion"], "2.3.0");
    let out = run(home.path(), &["session", "start", "--help"]);
    let help = stdout(&out);
    assert!(
        help.contains("Examples:") && help.contains("-D <KEY=VALUE>"),
        "{help}"
    );
    // Piped, help is not wrapped at clap's 100 columns (a terminal wraps it).
    let out = run(home.path(), &["session", "run", "--help"]);
    assert!(
        stdout(&out)
            .lines()
            .any(|l| l
                .contains("(default; port-forward when the proxy is forbidden) or a port-forward")),
        "{}",
        stdout(&out)
    );
    let out = run(home.path(), &["app", "run", "--help"]);
    assert!(
        stdout(&out).contains("put -- before the job's arguments"),
        "app run --help says how flags after the jar are treated"
    );
}
