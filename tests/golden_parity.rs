//! Parity with Flink's own client: for every recorded golden case, the
//! objects kubectl-flink renders from the same command line and conf dir are
//! the objects Flink 2.3.0's client asked the API server to create.

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
fn render_case(case: &GoldenCase) -> Vec<Value> {
    let conf = golden::conf_dir();
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
    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
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
fn every_golden_case_renders_the_objects_flinks_client_created() {
    let names = golden::case_names();
    assert!(names.len() >= 5, "golden cases missing: {names:?}");
    for name in names {
        let case = golden::load_case(&name);
        let ours = render_case(&case);

        let our_keys: Vec<String> = ours.iter().map(key).collect();
        let mut golden_keys: Vec<String> = case.objects.iter().map(key).collect();
        let mut sorted = our_keys.clone();
        sorted.sort();
        golden_keys.sort();
        assert_eq!(sorted, golden_keys, "{name}: different objects");

        let our_kinds: Vec<&str> = ours
            .iter()
            .map(|o| o["kind"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(our_kinds, created_kinds(&case), "{name}: creation order");

        for object in &ours {
            let expected = case
                .objects
                .iter()
                .find(|g| key(g) == key(object))
                .unwrap_or_else(|| panic!("{name}: no golden {}", key(object)));
            let diff = golden::differences(
                &golden::normalize_strict(object),
                &golden::normalize_strict(expected),
            );
            assert!(
                diff.is_empty(),
                "{name}: {} differs from Flink's:\n{}",
                key(object),
                diff.join("\n")
            );
        }
    }
}
