//! Flink's own native Kubernetes client (Fabric8, from the PyPI distribution) against the
//! server, for every recorded golden case: it must succeed, make the recorded requests,
//! and create objects equal to the goldens after normalisation.

use flink_kit::golden::{self, GoldenCase, Mode};
use flink_kit::oracle::{self, OracleRun};
use serde_json::Value;
use std::path::Path;
use test_apiserver::{ApiServer, RecordedRequest, ServerOptions};

/// Runs Flink's client for one case against a fresh server; returns the run and the log.
fn run_case(flink_home: &Path, case: &GoldenCase) -> (OracleRun, Vec<RecordedRequest>) {
    let server = futures::executor::block_on(ApiServer::start(ServerOptions::default()))
        .expect("server starts");
    if case.namespace != "default" {
        server
            .create(
                "v1",
                "namespaces",
                None,
                serde_json::json!({"metadata": {"name": case.namespace}}),
            )
            .expect("namespace created");
    }
    server.clear_requests();
    let args = case.full_args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = match case.mode {
        Mode::Session => oracle::run_session(
            flink_home,
            server.kubeconfig_path(),
            &golden::conf_dir(),
            &args,
        ),
        Mode::Application => oracle::run_application(
            flink_home,
            server.kubeconfig_path(),
            &golden::conf_dir(),
            &args,
        ),
    };
    (run, server.requests())
}

/// Checks one case and returns what is wrong with it (empty when it matches).
fn check_case(case: &GoldenCase, run: &OracleRun, requests: &[RecordedRequest]) -> Vec<String> {
    let mut problems = Vec::new();
    if run.exit_code != 0 {
        let tail: String = run
            .stderr
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        problems.push(format!(
            "exit code {} (stdout tail: {}) stderr tail:\n{tail}",
            run.exit_code,
            run.stdout.lines().last().unwrap_or("")
        ));
    }
    let lines: Vec<String> = requests.iter().map(RecordedRequest::line).collect();
    // Against the recording server NodePort/LoadBalancer runs failed after their last
    // recorded request; here they succeed, so the recording must be a prefix of ours.
    let fails_in_recording = case
        .args
        .iter()
        .any(|a| a.contains("exposed.type=NodePort") || a.contains("exposed.type=LoadBalancer"));
    let matches = if fails_in_recording {
        lines.starts_with(&case.requests)
    } else {
        lines == case.requests
    };
    if !matches {
        problems.push(format!(
            "requests differ:\n  golden: {:?}\n  ours:   {:?}",
            case.requests, lines
        ));
    }
    for r in requests.iter().filter(|r| r.method == "POST") {
        if r.status != 201 {
            problems.push(format!("{} answered {}", r.line(), r.status));
        }
    }
    let created: Vec<&Value> = requests
        .iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| r.body.as_ref())
        .collect();
    if created.len() != case.objects.len() {
        problems.push(format!(
            "created {} objects, the golden has {}",
            created.len(),
            case.objects.len()
        ));
    }
    for want in &case.objects {
        let (kind, name) = (&want["kind"], &want["metadata"]["name"]);
        match created
            .iter()
            .find(|o| o["kind"] == *kind && o["metadata"]["name"] == *name)
        {
            None => problems.push(format!("no {kind} {name} was created")),
            Some(ours) => {
                let diff = golden::differences(&golden::normalize(ours), &golden::normalize(want));
                if !diff.is_empty() {
                    problems.push(format!("{kind} {name} differs:\n  {}", diff.join("\n  ")));
                }
            }
        }
    }
    problems
}

#[test]
fn flinks_own_client_succeeds_and_creates_the_golden_objects() {
    let Some(flink_home) = flink_kit::require_flink() else {
        return;
    };
    let cases: Vec<GoldenCase> = golden::case_names()
        .iter()
        .map(|n| golden::load_case(n))
        .collect();
    assert!(cases.len() >= 5, "golden cases found: {}", cases.len());
    let mut report = Vec::new();
    // At most two JVMs at a time on these 2-core machines.
    for pair in cases.chunks(2) {
        let results: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
            let handles: Vec<_> = pair
                .iter()
                .map(|case| {
                    let home = flink_home.clone();
                    s.spawn(move || {
                        let (run, requests) = run_case(&home, case);
                        eprintln!("{}: exit {} in {:?}", case.name, run.exit_code, run.wall);
                        (case.name.clone(), check_case(case, &run, &requests))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("case thread"))
                .collect()
        });
        for (name, problems) in results {
            if !problems.is_empty() {
                report.push(format!("== {name}\n{}", problems.join("\n")));
            }
        }
    }
    assert!(
        report.is_empty(),
        "Flink's client against the test server:\n{}",
        report.join("\n")
    );
}
