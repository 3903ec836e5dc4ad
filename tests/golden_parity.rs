//! Parity with Flink's own client: for every release in `tests/golden/` and
//! every recorded case (`flink_kit::cases`), the objects kubectl-flink renders
//! from the same command line, release and conf dir are the objects that
//! release's own client asked the API server to create (`record-goldens`).

mod common;

use clap::Parser;
use flink_kit::golden::{self, GoldenCase, Mode};
use kubectl_flink::cli::app::AppCommand;
use kubectl_flink::cli::session::SessionCommand;
use kubectl_flink::cli::{Cli, Command};
use kubectl_flink::commands::{app_run, session_start};
use kubectl_flink::environment::Environment;
use kubectl_flink::render::RenderedCluster;
use serde_json::Value;

/// Render a case through the real command line and the same code path the
/// binary takes, with owner references filled in as at creation time.
fn render_case(release: &str, case: &GoldenCase) -> Vec<Value> {
    let conf = match flink_kit::cases::Case::named(&case.name).and_then(|c| c.conf) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => golden::release_dir(release).join("conf"),
    };
    let mut argv: Vec<String> = vec!["kubectl-flink".into()];
    argv.extend(
        match case.mode {
            Mode::Session => ["session", "start"],
            Mode::Application => ["app", "run"],
        }
        .map(String::from),
    );
    argv.extend([
        "--dry-run".into(),
        "--flink-version".into(),
        release.into(),
        "--flink-conf-dir".into(),
        conf.display().to_string(),
    ]);
    argv.extend(case.full_args());
    let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("{argv:?}: {e}"));
    let env = Environment::default();
    let options = match cli.command {
        Command::Session(s) => {
            let SessionCommand::Start(args) = s.command else {
                unreachable!("golden cases start sessions")
            };
            session_start::complete(&cli.global, &args, &env)
        }
        Command::App(a) => {
            let AppCommand::Run(args) = a.command else {
                unreachable!("golden cases run applications")
            };
            app_run::complete(&cli.global, &args, &env)
        }
        other => unreachable!("not a cluster-creating command: {other:?}"),
    }
    .unwrap_or_else(|e| panic!("{release} {}: {e}", case.name));
    objects_as_created(&options.rendered)
}

fn objects_as_created(rendered: &RenderedCluster) -> Vec<Value> {
    let mut objects = vec![serde_json::to_value(&rendered.deployment).expect("deployment")];
    for owned in rendered.owned_by("<uid>") {
        objects.push(serde_json::to_value(&owned).expect("object"));
    }
    objects
}

fn key(object: &Value) -> String {
    format!(
        "{}/{}",
        object["kind"].as_str().unwrap_or("?"),
        object["metadata"]["name"].as_str().unwrap_or("?")
    )
}

/// Flink's creation order (the POSTs in requests.txt) by kind.
fn created_kinds(case: &GoldenCase) -> Vec<&'static str> {
    case.requests
        .iter()
        .filter(|r| r.starts_with("POST "))
        .map(|r| {
            if r.ends_with("/deployments") {
                "Deployment"
            } else if r.ends_with("/services") {
                "Service"
            } else {
                "ConfigMap"
            }
        })
        .collect()
}

#[test]
fn every_release_has_every_case_recorded() {
    for release in flink_kit::RELEASES {
        let names = golden::case_names_in(&golden::release_dir(release));
        for case in flink_kit::cases::CASES
            .iter()
            .filter(|c| c.applies_to(release))
        {
            assert!(
                names.iter().any(|n| n == case.name),
                "Flink {release}: case {} is not recorded: run `cargo run -p test-apiserver --bin record-goldens {release}`",
                case.name
            );
        }
    }
}

#[test]
fn every_golden_case_renders_the_objects_flinks_client_created() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for release in flink_kit::RELEASES {
        let dir = golden::release_dir(release);
        for name in golden::case_names_in(&dir) {
            let case = golden::load_case_in(&dir, &name);
            failures.extend(compare(release, &case));
            compared += 1;
        }
    }
    let expected = expected_pairs();
    assert!(
        compared >= expected,
        "{compared} of {expected} pairs compared"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} release × case pairs differ from Flink's own client:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every release × every case that applies to it.
fn expected_pairs() -> usize {
    flink_kit::RELEASES
        .iter()
        .map(|r| {
            flink_kit::cases::CASES
                .iter()
                .filter(|c| c.applies_to(r))
                .count()
        })
        .sum()
}

/// What differs between our rendering of one case and the release's recording.
fn compare(release: &str, case: &GoldenCase) -> Option<String> {
    let name = format!("{release} {}", case.name);
    let ours = render_case(release, case);
    let our_keys: Vec<String> = ours.iter().map(key).collect();
    let mut golden_keys: Vec<String> = case.objects.iter().map(key).collect();
    let mut sorted = our_keys.clone();
    sorted.sort();
    golden_keys.sort();
    if sorted != golden_keys {
        return Some(format!(
            "{name}: different objects: ours {sorted:?}, Flink's {golden_keys:?}"
        ));
    }
    let our_kinds: Vec<&str> = ours
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or("?"))
        .collect();
    if our_kinds != created_kinds(case) {
        return Some(format!("{name}: creation order {our_kinds:?}"));
    }
    let mut diffs = Vec::new();
    for object in &ours {
        let Some(expected) = case.objects.iter().find(|g| key(g) == key(object)) else {
            continue;
        };
        let diff = golden::differences(
            &golden::normalize_strict(object),
            &golden::normalize_strict(expected),
        );
        if !diff.is_empty() {
            diffs.push(format!("{name}: {}:\n  {}", key(object), diff.join("\n  ")));
        }
    }
    (!diffs.is_empty()).then(|| diffs.join("\n"))
}

/// Our command line for a case (the cases use only flags both clients spell alike).
fn our_argv(release: &str, case: &GoldenCase, conf: &str, kubeconfig: &str) -> Vec<String> {
    let id = case.name.clone();
    let mut argv: Vec<String> = vec!["--kubeconfig".into(), kubeconfig.into()];
    match case.mode {
        Mode::Session => argv.extend(["session".into(), "start".into(), id]),
        Mode::Application => argv.extend(["app".into(), "run".into(), "--cluster-id".into(), id]),
    }
    argv.extend([
        "--flink-version".into(),
        release.into(),
        "--flink-conf-dir".into(),
        conf.into(),
    ]);
    argv.extend(
        case.full_args()
            .into_iter()
            .filter(|a| !a.starts_with("-Dkubernetes.cluster-id=")),
    );
    argv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_release_and_case_sends_the_objects_flinks_client_sent() {
    let scratch = common::Scratch::new("golden-live");
    let mut failures = Vec::new();
    let mut compared = 0;
    for release in flink_kit::RELEASES {
        let dir = golden::release_dir(release);
        for name in golden::case_names_in(&dir) {
            let case = golden::load_case_in(&dir, &name);
            let conf = match flink_kit::cases::Case::named(&name).and_then(|c| c.conf) {
                Some(dir) => std::path::PathBuf::from(dir),
                None => dir.join("conf"),
            };
            let server = test_apiserver::ApiServer::start(test_apiserver::ServerOptions::default())
                .await
                .expect("server");
            let kubeconfig = server.kubeconfig_path().display().to_string();
            let argv = our_argv(release, &case, &conf.display().to_string(), &kubeconfig);
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let out = common::run(scratch.path(), &argv);
            compared += 1;
            if out.status.code() != Some(0) {
                failures.push(format!(
                    "{release} {name}: exit {:?}: {}",
                    out.status.code(),
                    common::stderr(&out)
                ));
                continue;
            }
            let mut ours = server.created_objects();
            // Deliberate: our owned objects are created concurrently, so their
            // order varies; the Deployment still comes first.
            if ours.len() > 1 {
                ours[1..].sort_by_key(key);
            }
            let mut theirs: Vec<Value> = case.objects.clone();
            theirs.sort_by_key(|o| (o["kind"] != "Deployment", key(o)));
            let (our_keys, their_keys): (Vec<String>, Vec<String>) = (
                ours.iter().map(key).collect(),
                theirs.iter().map(key).collect(),
            );
            if our_keys != their_keys {
                failures.push(format!(
                    "{release} {name}: ours {our_keys:?}, Flink's {their_keys:?}"
                ));
                continue;
            }
            for (our, their) in ours.iter().zip(&theirs) {
                let diff = golden::differences(
                    &golden::normalize_strict(our),
                    &golden::normalize_strict(their),
                );
                if !diff.is_empty() {
                    failures.push(format!(
                        "{release} {name}: {}:\n  {}",
                        key(our),
                        diff.join("\n  ")
                    ));
                }
            }
        }
    }
    let expected = expected_pairs();
    assert!(
        compared >= expected,
        "{compared} of {expected} release × case pairs compared"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} release × case pairs sent other objects than Flink's own client:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
