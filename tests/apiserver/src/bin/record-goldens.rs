//! Records the goldens: for every release in `flink_kit::RELEASES` (installed from PyPI into the
//! test cache when missing) and every case in `flink_kit::cases::CASES`, runs that release's own
//! client against a fresh test API server and writes what it did to
//! `tests/golden/flink-<release>/<case>/`, with the release's stock conf dir in `conf/`.
//!
//! `cargo run -p test-apiserver --bin record-goldens [RELEASE…] [--case NAME]…`
//! (no release: all of them). Run from anywhere; paths are the repository's.

use flink_kit::cases::{CASES, Case};
use flink_kit::golden;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Files of a stock conf dir that no client reads into the cluster's objects.
const NOT_CONFIG: &[&str] = &["masters", "workers", "zoo.cfg"];

fn main() -> ExitCode {
    let mut releases = Vec::new();
    let mut only_cases = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--case" {
            match args.next() {
                Some(name) => only_cases.push(name),
                None => return usage("--case needs a case name"),
            }
        } else if flink_kit::RELEASES.contains(&arg.as_str()) {
            releases.push(arg);
        } else {
            return usage(&format!(
                "{arg} is not a recorded release: use one of {}",
                flink_kit::RELEASES.join(", ")
            ));
        }
    }
    if releases.is_empty() {
        releases = flink_kit::RELEASES.iter().map(|r| r.to_string()).collect();
    }
    let cases: Vec<&Case> = CASES
        .iter()
        .filter(|c| only_cases.is_empty() || only_cases.iter().any(|n| n == c.name))
        .collect();
    if cases.is_empty() {
        return usage("no case of flink_kit::cases::CASES has that name");
    }
    let root = golden::golden_root();
    let repo = root.join("../..");
    if let Err(e) = std::env::set_current_dir(&repo) {
        eprintln!("record-goldens: cannot enter {}: {e}", repo.display());
        return ExitCode::FAILURE;
    }
    let mut failed = false;
    for release in &releases {
        if let Err(e) = record_release(release, &cases, only_cases.is_empty()) {
            eprintln!("record-goldens: Flink {release}: {e}");
            failed = true;
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("record-goldens: {message}\nusage: record-goldens [RELEASE…] [--case NAME]…");
    ExitCode::from(2)
}

fn record_release(release: &str, cases: &[&Case], all_cases: bool) -> Result<(), String> {
    let home = flink_kit::flink_home_of(release)?;
    let out = golden::release_dir(release);
    if all_cases {
        remove_dir(&out)?;
    }
    let conf = out.join("conf");
    copy_stock_conf(&home.join("conf"), &conf)?;
    let mut errors = Vec::new();
    for case in cases.iter().filter(|c| c.applies_to(release)) {
        let started = std::time::Instant::now();
        let conf = case.conf.map_or(conf.clone(), PathBuf::from);
        match record_case(&home, &conf, &out.join(case.name), case) {
            Ok(count) => eprintln!(
                "record-goldens: {release} {}: {count} objects in {:.1}s",
                case.name,
                started.elapsed().as_secs_f64()
            ),
            Err(e) => errors.push(format!("{}: {e}", case.name)),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("\n"))
    }
}

fn record_case(home: &Path, conf: &Path, dir: &Path, case: &Case) -> Result<usize, String> {
    let args = case.args_with_id();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let deploy =
        test_apiserver::flink_oracle::deploy_with_flink(home, conf, case.mode, "default", &refs)
            .map_err(|e| format!("test API server: {e}"))?;
    // After creating everything the client prints the REST address. It fails there when the
    // server reports no node address or load-balancer ingress (NodePort, LoadBalancer), or
    // when the rest Service was already collected (an owner reference to an absent object);
    // the objects are complete either way, and `client-exit.txt` keeps the exit code.
    let created_config = deploy
        .requests
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("/configmaps") && r.status == 201);
    if deploy.objects.is_empty() || (deploy.run.exit_code != 0 && !created_config) {
        return Err(format!(
            "the client exited {} after creating {} objects:\n{}",
            deploy.run.exit_code,
            deploy.objects.len(),
            tail(&deploy.run.stderr, &deploy.run.stdout)
        ));
    }
    remove_dir(dir)?;
    fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    write(
        &dir.join("command.txt"),
        &(golden::command_line(case.mode, &args) + "\n"),
    )?;
    write(&dir.join("namespace.txt"), "default\n")?;
    write(
        &dir.join("client-exit.txt"),
        &format!("{}\n", deploy.run.exit_code),
    )?;
    let requests: String = deploy
        .requests
        .iter()
        .map(|r| format!("{} {}\n", r.method, r.path))
        .collect();
    write(&dir.join("requests.txt"), &requests)?;
    for object in &deploy.objects {
        let object = with_placeholder_uids(object);
        let name = format!(
            "{}-{}.yaml",
            object["kind"].as_str().unwrap_or("Unknown"),
            object["metadata"]["name"].as_str().unwrap_or("unnamed")
        );
        let yaml = serde_saphyr::to_string(&object).map_err(|e| format!("{name}: {e}"))?;
        write(&dir.join(name), &yaml)?;
    }
    Ok(deploy.objects.len())
}

/// The owner's uid is assigned by the server: the one placeholder in a golden.
fn with_placeholder_uids(object: &Value) -> Value {
    let mut object = object.clone();
    if let Some(owners) = object
        .pointer_mut("/metadata/ownerReferences")
        .and_then(Value::as_array_mut)
    {
        for owner in owners {
            if owner.get("uid").is_some() && owner["kind"] == "Deployment" {
                owner["uid"] = Value::String("<uid>".into());
            }
        }
    }
    object
}

fn copy_stock_conf(from: &Path, to: &Path) -> Result<(), String> {
    remove_dir(to)?;
    fs::create_dir_all(to).map_err(|e| format!("creating {}: {e}", to.display()))?;
    let mut entries: Vec<PathBuf> = fs::read_dir(from)
        .map_err(|e| format!("reading {}: {e}", from.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    for path in entries {
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if NOT_CONFIG.contains(&name) {
            continue;
        }
        fs::copy(&path, to.join(name)).map_err(|e| format!("copying {}: {e}", path.display()))?;
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(format!("removing {}: {e}", dir.display()))
        }
        _ => Ok(()),
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn tail(stderr: &str, stdout: &str) -> String {
    let text = if stderr.trim().is_empty() {
        stdout
    } else {
        stderr
    };
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}
