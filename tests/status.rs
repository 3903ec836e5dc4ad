//! `status`: one cluster in detail, on the imitation API server relaying to
//! a real Flink JobManager — the pods, the release, a running job with its
//! completed checkpoints — and a cluster whose JobManager cannot start,
//! shown with its pod's state and Warning events. On the real control
//! plane: HA as each cluster's release reads it, and `--watch`.

mod common;

use common::imitation::*;
use common::real::Cluster;
use common::*;
use std::time::{Duration, Instant};
use test_apiserver::PodFailure;

fn status_json(server: &test_apiserver::ApiServer, home: &Scratch, id: &str) -> serde_json::Value {
    let out = flink(server, home, &["status", id, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("status -o json is JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_shows_the_pods_the_release_and_a_jobs_checkpoints() {
    let Some((jobmanager, jar, server)) = relayed_session("st").await else {
        return;
    };
    let home = Scratch::new("status");
    let out = start(&server, &home, "st", &["--wait", "--timeout", "60s"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = flink(
        &server,
        &home,
        &[
            "session",
            "run",
            "st",
            &jar,
            "-c",
            flink_kit::jobjar::STREAMING_JOB_CLASS,
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let job = stdout(&out).trim().to_string();

    // The job checkpoints every 5 s: wait for one to show.
    let deadline = Instant::now() + Duration::from_secs(90);
    let report = loop {
        let report = status_json(&server, &home, "st");
        let completed = report["jobs"][0]["checkpoints"]["completed"]
            .as_u64()
            .unwrap_or(0);
        if completed >= 1 {
            break report;
        }
        assert!(Instant::now() < deadline, "no checkpoint shown: {report}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    assert_eq!(report["clusterId"], "st");
    assert_eq!(report["mode"], "session");
    assert_eq!(report["flinkVersion"], "2.3.0");
    assert_eq!(report["highAvailability"], false);
    assert_eq!(report["jobmanagers"][0]["ready"], true, "{report}");
    assert_eq!(report["restService"][0], "st-rest");
    assert_eq!(report["jobs"][0]["id"], job.as_str());
    assert_eq!(report["jobs"][0]["state"], "RUNNING");
    assert!(
        report["jobs"][0]["checkpoints"]["lastCompletedAt"].is_i64(),
        "{report}"
    );

    let out = flink(&server, &home, &["status", "st"]);
    let text = stdout(&out);
    assert!(
        text.contains("Flink session cluster st in namespace default: Flink 2.3.0, HA off"),
        "{text}"
    );
    assert!(text.contains("JobManager:   1/1 ready"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains(&job) && l.contains("RUNNING")),
        "{text}"
    );

    let out = flink(&server, &home, &["session", "cancel", "st", &job]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    drop(jobmanager);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jobmanager_that_cannot_start_is_shown_with_its_events() {
    let server = server().await;
    server.fail_pod(
        "default",
        "app=bad,component=jobmanager",
        PodFailure::ImagePullBackOff,
    );
    let home = Scratch::new("status-bad");
    let out = start(
        &server,
        &home,
        "bad",
        &["-Dkubernetes.container.image.ref=no/such:image"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let deadline = Instant::now() + Duration::from_secs(30);
    let report = loop {
        let report = status_json(&server, &home, "bad");
        if report["warnings"].as_array().is_some_and(|w| !w.is_empty()) {
            break report;
        }
        assert!(Instant::now() < deadline, "no warnings shown: {report}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_eq!(
        report["jobmanagers"][0]["state"], "ImagePullBackOff",
        "{report}"
    );
    assert!(report["restError"].is_string(), "{report}");
    let out = flink(&server, &home, &["status", "bad"]);
    let text = stdout(&out);
    assert!(text.contains("JobManager:   0/1 ready"), "{text}");
    assert!(text.contains("Warnings:"), "{text}");

    let out = flink(&server, &home, &["status", "nosuch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("Flink cluster nosuch not found"),
        "{}",
        stderr(&out)
    );
    let out = flink(&server, &home, &["status", "bad", "-o", "name"]);
    assert_eq!(out.status.code(), Some(2));
}

/// HA as the cluster's own release reads it: a 1.16 JobManager ignores
/// `high-availability.type` (1.17's name), so such a cluster runs without HA.
#[test]
fn ha_is_shown_as_the_clusters_release_reads_it() {
    let Some(k) = Cluster::new("status-ha-release") else {
        return;
    };
    let storage = "-Dhigh-availability.storageDir=file:///tmp/ha";
    for (id, release, option, on) in [
        (
            "old-new-key",
            "1.16",
            "-Dhigh-availability.type=kubernetes",
            false,
        ),
        (
            "old-old-key",
            "1.16",
            "-Dhigh-availability=kubernetes",
            true,
        ),
        (
            "new-new-key",
            "2.3",
            "-Dhigh-availability.type=kubernetes",
            true,
        ),
    ] {
        let conf =
            flink_kit::golden::release_dir(if release == "1.16" { "1.16.3" } else { "2.3.0" })
                .join("conf")
                .display()
                .to_string();
        let out = k.flink(&[
            "session",
            "start",
            id,
            "--flink-conf-dir",
            &conf,
            "--flink-version",
            release,
            option,
            storage,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = k.flink(&["status", id, "-o", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(report["highAvailability"], on, "{id}: {report}");
    }
}

/// `status --watch` redraws the screen only when stdout is a terminal; piped,
/// it separates the readings with `---` (even with stderr a terminal), and
/// Ctrl-C ends it with exit 0.
#[test]
fn watch_redraws_only_a_terminal_and_ends_on_ctrl_c() {
    use std::io::Read;
    use std::process::Stdio;
    let Some(k) = Cluster::new("status-watch") else {
        return;
    };
    let out = k.start("w", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kubeconfig = k.kubeconfig.clone();
    for stdout_terminal in [false, true] {
        let (master, slave) = open_pty();
        let mut cmd = command(k.home.path());
        cmd.args(["--kubeconfig", &kubeconfig, "status", "w", "--watch"]);
        let mut piped = None;
        if stdout_terminal {
            cmd.stdout(slave).stderr(Stdio::null());
        } else {
            let (reader, writer) = std::io::pipe().expect("pipe");
            cmd.stdout(writer).stderr(slave);
            piped = Some(reader);
        }
        let mut child = cmd.spawn().expect("spawn");
        drop(cmd); // the parent's copies of the child's ends
        let mut stream: Box<dyn Read + Send> = match piped {
            Some(reader) => Box::new(reader),
            None => Box::new(master.try_clone().expect("pty")),
        };
        let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stream.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buffer[..n]).to_string();
                sink.lock().expect("lock").push_str(&text);
            }
        });
        let readings = |text: &str| text.matches("Flink session cluster w").count();
        let deadline = Instant::now() + Duration::from_secs(30);
        while readings(&seen.lock().expect("lock")) < 2 {
            assert!(
                Instant::now() < deadline,
                "no second reading: {}",
                seen.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        // SAFETY: a signal to the child this test spawned.
        unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
        let status = child.wait().expect("wait");
        assert_eq!(status.code(), Some(0), "Ctrl-C ends a watch cleanly");
        let text = seen.lock().expect("lock").clone();
        assert_eq!(text.contains("\x1b[2J"), stdout_terminal, "{text:?}");
        assert_eq!(text.contains("\n---\n"), !stdout_terminal, "{text:?}");
        drop(master);
    }
}
