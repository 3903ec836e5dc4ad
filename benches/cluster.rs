//! Cluster benchmark (prints figures; not a test): kubectl-flink against
//! Flink's own client, in one run, against the same test API server and the
//! same real JobManager.
//!
//! - `session start`: wall time, peak memory and API requests of
//!   `kubectl flink session start` versus `kubernetes-session.sh`
//!   (targets: at least 20x faster, at most a tenth of the memory);
//! - listing jobs: `kubectl flink session list` versus `flink list`
//!   (target: at least 50x faster).
//!
//! Run with `cargo bench --bench cluster` (release build). Needs Java 17 and
//! Flink 2.3.0 from PyPI (installed into the test cache on first use) and a
//! C compiler for the tiny process spawner that reads peak RSS.

use flink_kit::golden;
use std::time::Duration;
use test_apiserver::{ApiServer, ServerOptions};

mod common;

use common::*;

fn main() {
    let Some(flink_home) = flink_kit::require_flink() else {
        eprintln!("Flink is not available; nothing to compare");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let server = runtime
        .block_on(ApiServer::start(ServerOptions::default()))
        .expect("test API server");
    let scratch = std::env::temp_dir().join(format!("kf-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let spawner = build_spawner(&scratch);
    let ours = env!("CARGO_BIN_EXE_kubectl-flink").to_string();
    let kubeconfig = server.kubeconfig_path().display().to_string();
    let conf = golden::conf_dir().display().to_string();
    let home = ("HOME", scratch.display().to_string());

    println!(
        "{:<58} {:>10} {:>10} {:>9}",
        "session start", "wall ms", "peak MiB", "requests"
    );
    let runs = 5;
    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    let mut requests = 0;
    for i in 0..runs {
        server.clear_requests();
        let argv: Vec<String> = [
            &ours,
            "--kubeconfig",
            &kubeconfig,
            "session",
            "start",
            &format!("ours-{i}"),
            "--flink-conf-dir",
            &conf,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let m = spawn_measured(&spawner, &argv, std::slice::from_ref(&home));
        walls.push(m.wall_ms);
        peaks.push(m.peak_mib);
        requests = server.requests().len();
    }
    let (our_wall, our_peak) = (median(walls), peaks.iter().cloned().fold(0.0, f64::max));
    row(
        "kubectl flink session start",
        our_wall,
        our_peak,
        &requests.to_string(),
    );

    let mut walls = Vec::new();
    let mut peaks = Vec::new();
    let mut requests = 0;
    for i in 0..3 {
        server.clear_requests();
        let run = flink_kit::oracle::run_session(
            &flink_home,
            server.kubeconfig_path(),
            &golden::conf_dir(),
            &[
                "-Dkubernetes.namespace=default",
                &format!("-Dkubernetes.cluster-id=flink-{i}"),
            ],
        );
        assert_eq!(
            run.exit_code, 0,
            "kubernetes-session.sh failed: {}",
            run.stderr
        );
        walls.push(run.wall.as_secs_f64() * 1000.0);
        peaks.push(run.peak_rss_kib.unwrap_or(0) as f64 / 1024.0);
        requests = server.requests().len();
    }
    let (flink_wall, flink_peak) = (median(walls), peaks.iter().cloned().fold(0.0, f64::max));
    row(
        "kubernetes-session.sh (Flink 2.3.0)",
        flink_wall,
        flink_peak,
        &requests.to_string(),
    );
    println!(
        "-> {:.0}x faster (target >= 20x), {:.1}% of the memory (target <= 10%)\n",
        flink_wall / our_wall,
        100.0 * our_peak / flink_peak
    );

    let jobmanager = flink_kit::jobmanager::StandaloneSession::start(&flink_home)
        .expect("standalone JobManager");
    let jar = flink_kit::jobjar::streaming_job_jar(&flink_home).expect("job jar");
    let rest = flink_kit::rest::RestClient::new(jobmanager.rest_addr());
    let (_, upload) = rest.upload_jar(&jar).expect("upload");
    let jar_id = flink_kit::rest::json(&upload)["filename"]
        .as_str()
        .and_then(|f| f.rsplit('/').next())
        .expect("jar id")
        .to_string();
    let (_, ran) = rest
        .post(&format!("/jars/{jar_id}/run"), &serde_json::json!({}))
        .expect("run");
    let job = flink_kit::rest::json(&ran)["jobid"]
        .as_str()
        .expect("job id")
        .to_string();
    rest.wait_for_job_state(&job, "RUNNING", Duration::from_secs(60))
        .expect("job running");
    server.attach_backend(
        "default",
        "app=ours-0,component=jobmanager",
        8081,
        jobmanager.rest_addr(),
    );

    println!(
        "{:<58} {:>10} {:>10} {:>9}",
        "list jobs", "wall ms", "peak MiB", ""
    );
    let direct: Vec<String> = [
        &ours,
        "session",
        "list",
        "ours-0",
        "--rest-url",
        &jobmanager.rest_url(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let measured: Vec<Measured> = (0..10)
        .map(|_| spawn_measured(&spawner, &direct, std::slice::from_ref(&home)))
        .collect();
    let our_direct = median(measured.iter().map(|m| m.wall_ms).collect());
    row(
        "kubectl flink session list --rest-url",
        our_direct,
        measured.iter().map(|m| m.peak_mib).fold(0.0, f64::max),
        "",
    );
    let proxied: Vec<String> = [
        &ours,
        "--kubeconfig",
        &kubeconfig,
        "session",
        "list",
        "ours-0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let measured: Vec<Measured> = (0..10)
        .map(|_| spawn_measured(&spawner, &proxied, std::slice::from_ref(&home)))
        .collect();
    let our_proxied = median(measured.iter().map(|m| m.wall_ms).collect());
    row(
        "kubectl flink session list (API server services proxy)",
        our_proxied,
        measured.iter().map(|m| m.peak_mib).fold(0.0, f64::max),
        "",
    );
    let address = jobmanager.rest_addr().to_string();
    let flink_runs: Vec<flink_kit::oracle::OracleRun> = (0..3)
        .map(|_| {
            flink_kit::oracle::run_flink_cli(
                &flink_home,
                jobmanager.conf_dir(),
                &["list", "-m", &address],
            )
        })
        .collect();
    assert!(
        flink_runs.iter().all(|r| r.exit_code == 0),
        "flink list failed"
    );
    let flink_list = median(
        flink_runs
            .iter()
            .map(|r| r.wall.as_secs_f64() * 1000.0)
            .collect(),
    );
    row(
        "flink list -m (Flink 2.3.0)",
        flink_list,
        flink_runs
            .iter()
            .filter_map(|r| r.peak_rss_kib)
            .max()
            .unwrap_or(0) as f64
            / 1024.0,
        "",
    );
    println!(
        "-> {:.0}x faster directly, {:.0}x through the API server (target >= 50x)",
        flink_list / our_direct,
        flink_list / our_proxied
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
