//! Tests of `model.rs`: the bodies as each release spells them.
use super::*;
use serde_json::json;

#[test]
fn the_overview_parses_as_flink_2_3_sends_it() {
    let body = br#"{"taskmanagers":1,"slots-total":2,"slots-available":2,"jobs-running":0,"jobs-finished":0,"jobs-cancelled":0,"jobs-failed":0,"flink-version":"2.3.0","flink-commit":"c0f8d1a"}"#;
    let overview: ClusterOverview = parse_json(body).unwrap();
    assert_eq!(overview.slots_total, 2);
    assert_eq!(overview.flink_version, "2.3.0");
}

#[test]
fn jobs_keep_their_fields_and_the_raw_json() {
    let body = br#"{"jobs":[{"jid":"b4ae9ea72c0fbafde9211f010c27c866","name":"flink-kit streaming job","jobType":"STREAMING","schedulerType":"Default","start-time":1795741950020,"end-time":-1,"duration":509,"state":"RUNNING","last-modification":1795741950419,"tasks":{"running":0,"canceling":0,"canceled":0,"total":1,"created":0,"scheduled":1,"deploying":0,"reconciling":0,"finished":0,"initializing":0,"failed":0},"pending-operators":0}]}"#;
    let jobs = parse_jobs_overview(body).unwrap();
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.id, "b4ae9ea72c0fbafde9211f010c27c866");
    assert_eq!(job.state, JobState("RUNNING".into()));
    assert_eq!(
        (job.start_time, job.end_time, job.duration),
        (1795741950020, -1, 509)
    );
    assert_eq!((job.tasks.total, job.tasks.running), (1, 0));
    assert_eq!(job.raw["jobType"], "STREAMING");
    assert!(parse_jobs_overview(b"{}").is_err());
}

#[test]
fn job_states_group_as_flink_list_groups_them() {
    let state = |s: &str| JobState(s.to_string());
    assert!(state("CANCELED").is_globally_terminal());
    assert!(!state("SUSPENDED").is_globally_terminal());
}

#[test]
fn savepoint_answers_map_to_progress_location_or_reason() {
    assert_eq!(
        parse_savepoint_status(br#"{"status":{"id":"IN_PROGRESS"},"operation":null}"#),
        Ok(SavepointStatus::InProgress)
    );
    assert_eq!(
        parse_savepoint_status(
            br#"{"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/savepoint-1"}}"#
        ),
        Ok(SavepointStatus::Completed {
            location: "file:/sp/savepoint-1".into()
        })
    );
    let failed = json!({"status":{"id":"COMPLETED"},"operation":{"failure-cause":{
        "class":"java.util.concurrent.CompletionException",
        "stack-trace":"java.util.concurrent.CompletionException: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (0123)\n\tat x"}}});
    assert_eq!(
        parse_savepoint_status(failed.to_string().as_bytes()),
        Ok(SavepointStatus::Failed {
            reason: "org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (0123)".into()
        })
    );
    assert!(parse_savepoint_status(br#"{"status":{"id":"COMPLETED"}}"#).is_err());
}

#[test]
fn ids_come_from_the_fields_flink_names_them_in() {
    assert_eq!(
        parse_trigger_id(br#"{"request-id":"7bfb"}"#).unwrap(),
        "7bfb"
    );
    assert_eq!(
        parse_run_job_id(br#"{"jobid":"b4ae","applicationId":"b4ae"}"#).unwrap(),
        "b4ae"
    );
    assert_eq!(
        parse_uploaded_jar_id(
            br#"{"filename":"/tmp/flink-web-upload/4699-8ac4_streaming-job.jar","status":"success"}"#
        )
        .unwrap(),
        "4699-8ac4_streaming-job.jar"
    );
    assert!(parse_run_job_id(b"not json").is_err());
}

#[test]
fn request_bodies_use_flinks_field_names() {
    let newest = Dialect::newest();
    let savepoint =
        SavepointRequest::new(Some("file:///sp".into()), SavepointFormat::Native, &newest).unwrap();
    assert_eq!(
        serde_json::to_value(&savepoint).unwrap(),
        json!({"target-directory": "file:///sp", "cancel-job": false, "formatType": "NATIVE"})
    );
    let stop = StopRequest::new(None, true, SavepointFormat::Canonical, &newest).unwrap();
    assert_eq!(
        serde_json::to_value(&stop).unwrap(),
        json!({"drain": true, "formatType": "CANONICAL"})
    );
    // Flink's `TriggerId`: 32 hex digits, new each time.
    let ours = stop.clone().with_new_trigger_id(&newest);
    let id = ours.trigger_id.clone().unwrap();
    assert!(
        id.len() == 32 && id.chars().all(|c| c.is_ascii_hexdigit()),
        "{id}"
    );
    assert_eq!(
        serde_json::to_value(&ours).unwrap()["triggerId"],
        id.as_str()
    );
    assert_ne!(stop.with_new_trigger_id(&newest).trigger_id, Some(id));
    let run = RunJarRequest {
        entry_class: Some("com.example.Job".into()),
        program_args_list: vec!["--input".into(), "s3://in".into()],
        parallelism: Some(2),
        savepoint_path: Some("s3://sp/1".into()),
        allow_non_restored_state: true,
        claim_mode: Some("NO_CLAIM".into()),
    };
    assert_eq!(
        run.body(&newest).unwrap(),
        json!({"entryClass": "com.example.Job", "programArgsList": ["--input", "s3://in"],
               "parallelism": 2, "savepointPath": "s3://sp/1",
               "allowNonRestoredState": true, "claimMode": "NO_CLAIM"})
    );
    assert_eq!(RunJarRequest::default().body(&newest).unwrap(), json!({}));
}

fn dialect(release: &str) -> Dialect {
    Dialect::of_reported(release).unwrap()
}

#[test]
fn savepoint_bodies_carry_a_format_from_1_15_only() {
    let before = dialect("1.14.6");
    let savepoint = SavepointRequest::new(None, SavepointFormat::Canonical, &before).unwrap();
    assert_eq!(
        serde_json::to_value(&savepoint).unwrap(),
        json!({"cancel-job": false})
    );
    let stop = StopRequest::new(None, false, SavepointFormat::Canonical, &before)
        .unwrap()
        .with_new_trigger_id(&before);
    // No trigger id of the client's before 1.15 either: Flink parses bodies strictly.
    assert_eq!(
        serde_json::to_value(&stop).unwrap(),
        json!({"drain": false})
    );
    let native = StopRequest::new(None, false, SavepointFormat::Native, &before).unwrap_err();
    assert!(
        native
            .to_string()
            .contains("Flink 1.14.6 writes only CANONICAL"),
        "{native}"
    );
    let since = dialect("1.15.4");
    let stop = StopRequest::new(None, false, SavepointFormat::Native, &since).unwrap();
    assert_eq!(
        serde_json::to_value(&stop).unwrap(),
        json!({"drain": false, "formatType": "NATIVE"})
    );
}

#[test]
fn the_claim_mode_goes_under_the_releases_own_field() {
    let run = RunJarRequest {
        savepoint_path: Some("file:/sp/1".into()),
        claim_mode: Some("CLAIM".into()),
        ..RunJarRequest::default()
    };
    let field = |release: &str| {
        let body = run.body(&dialect(release)).unwrap();
        let fields = body.as_object().unwrap();
        fields
            .keys()
            .filter(|k| k.ends_with("Mode"))
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(field("1.18.1"), ["restoreMode"]);
    assert_eq!(field("1.19.3"), ["restoreMode"]);
    assert_eq!(field("1.20.5"), ["claimMode"]);
    assert_eq!(field("2.3.0"), ["claimMode"]);
    let refused = run.body(&dialect("1.14.6")).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("--claim-mode came with Flink 1.15"),
        "{refused}"
    );
    let plain = RunJarRequest::default();
    assert_eq!(plain.body(&dialect("1.14.6")).unwrap(), json!({}));
}
