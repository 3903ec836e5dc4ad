//! The REST client against canned HTTP servers.
use super::*;
use crate::rest::canned;

fn client(addr: std::net::SocketAddr) -> FlinkRest {
    FlinkRest::new(Transport::direct(&format!("http://{addr}/base/")).unwrap())
}

#[tokio::test]
async fn requests_carry_method_path_host_and_json_body() {
    let (addr, received) = canned::serve(vec![(202, r#"{"request-id":"t1"}"#)]).await;
    let request = SavepointRequest::new(
        Some("file:///sp".into()),
        Default::default(),
        &crate::rest::Dialect::newest(),
    )
    .unwrap();
    let trigger = client(addr)
        .trigger_savepoint("j1", &request)
        .await
        .unwrap();
    assert_eq!(trigger, "t1");
    let raw = received.lock().unwrap()[0].clone();
    assert!(
        raw.starts_with("POST /base/jobs/j1/savepoints HTTP/1.1\r\n"),
        "{raw}"
    );
    assert!(
        raw.to_ascii_lowercase()
            .contains(&format!("host: {addr}\r\n")),
        "{raw}"
    );
    assert!(raw.contains("content-type: application/json"), "{raw}");
    let agent = format!("user-agent: {}\r\n", crate::user_agent::user_agent());
    assert!(
        raw.to_ascii_lowercase()
            .contains(&agent.to_ascii_lowercase()),
        "{raw}"
    );
    assert_eq!(raw.matches("user-agent").count(), 1, "{raw}");
    assert!(
        raw.ends_with(
            r#"{"target-directory":"file:///sp","cancel-job":false,"formatType":"CANONICAL"}"#
        ),
        "{raw}"
    );
}

#[tokio::test]
async fn a_404_on_cancel_is_an_unknown_job_and_errors_keep_flinks_reason() {
    let (addr, received) = canned::serve(vec![
        (404, r#"{"errors":["org.apache.flink.runtime.rest.handler.RestHandlerException: Job could not be found.\n\tat x"]}"#),
        (500, r#"{"errors":["Internal server error.","<Exception on server side:\njava.lang.IllegalStateException: boom\n\tat y>"]}"#),
        (502, "<html>bad gateway</html>"),
    ])
    .await;
    let rest = client(addr);
    assert_eq!(
        rest.cancel_job("j1").await,
        Err(RestError::JobNotFound("j1".into()))
    );
    assert!(received.lock().unwrap()[0].starts_with("PATCH /base/jobs/j1?mode=cancel "));
    assert_eq!(
        rest.jobs_overview().await,
        Err(RestError::Flink {
            status: 500,
            message: "java.lang.IllegalStateException: boom".into()
        })
    );
    assert_eq!(
        rest.shutdown_cluster().await,
        Err(RestError::Flink {
            status: 502,
            message: "<html>bad gateway</html>".into()
        })
    );
    assert!(received.lock().unwrap()[2].starts_with("DELETE /base/cluster "));
}

#[tokio::test]
async fn a_savepoint_is_polled_until_done_and_failures_carry_the_reason() {
    let (addr, _) = canned::serve(vec![
        (200, r#"{"status":{"id":"IN_PROGRESS"},"operation":null}"#),
        (200, r#"{"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/savepoint-1"}}"#),
        (200, r#"{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"x.Boom","stack-trace":"x.Boom: disk full\n\tat z"}}}"#),
        (200, r#"{"status":{"id":"COMPLETED"},"operation":{"failure-cause":{"class":"java.util.concurrent.CompletionException","stack-trace":"java.util.concurrent.CompletionException: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (j1)"}}}"#),
    ])
    .await;
    let rest = client(addr);
    let timeout = Duration::from_secs(10);
    assert_eq!(
        rest.await_savepoint("j1", "t1", timeout).await.unwrap(),
        "file:/sp/savepoint-1"
    );
    assert_eq!(
        rest.await_savepoint("j1", "t2", timeout).await,
        Err(RestError::SavepointFailed {
            reason: "x.Boom: disk full".into()
        })
    );
    assert_eq!(
        rest.await_savepoint("j1", "t3", timeout).await,
        Err(RestError::JobNotFound("j1".into()))
    );
}

#[tokio::test]
async fn a_failed_poll_on_the_way_is_asked_again() {
    let (addr, _) = canned::serve(vec![
        (503, r#"{"errors":["Service temporarily unavailable"]}"#),
        (
            200,
            r#"{"status":{"id":"COMPLETED"},"operation":{"location":"file:/sp/2"}}"#,
        ),
    ])
    .await;
    let location = client(addr)
        .await_savepoint("j1", "t1", Duration::from_secs(10))
        .await;
    assert_eq!(location, Ok("file:/sp/2".to_string()));
}

#[tokio::test]
async fn a_savepoint_still_running_at_the_deadline_times_out() {
    let in_progress = r#"{"status":{"id":"IN_PROGRESS"},"operation":null}"#;
    let (addr, _) = canned::serve(vec![(200, in_progress); 50]).await;
    let error = client(addr)
        .await_savepoint("j1", "t1", Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(matches!(error, RestError::TimedOut(_)), "{error:?}");
}

/// A server that accepts connections (the kernel does) but never answers.
fn silent_server() -> (std::net::TcpListener, std::net::SocketAddr) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, addr)
}

#[tokio::test]
async fn probes_give_up_at_the_callers_timeout() {
    let (_listener, addr) = silent_server();
    let rest = client(addr);
    let started = Instant::now();
    let error = rest
        .overview_within(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestError::Unreachable(m) if m.contains("GET /overview") && m.contains("within 200ms")),
        "{error:?}"
    );
    let error = rest
        .jobs_overview_within(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestError::Unreachable(m) if m.contains("GET /jobs/overview")),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by 200ms each"
    );
}

#[tokio::test]
async fn overview_within_answers_like_overview() {
    let (addr, received) =
        canned::serve(vec![(200, r#"{"taskmanagers":1,"flink-version":"2.3.0"}"#)]).await;
    let overview = client(addr)
        .overview_within(Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(overview.flink_version, "2.3.0");
    assert!(received.lock().unwrap()[0].starts_with("GET /base/overview "));
}

#[tokio::test]
async fn a_savepoint_poll_does_not_outlast_the_deadline() {
    let (_listener, addr) = silent_server();
    let started = Instant::now();
    let error = client(addr)
        .await_savepoint("j1", "t1", Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestError::TimedOut(m) if m.contains("was not confirmed within 300ms")),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "not the 60s request timeout"
    );
}

#[tokio::test]
async fn a_jar_is_deleted_by_id_and_a_refusal_is_an_error() {
    let (addr, received) = canned::serve(vec![
        (200, "{}"),
        (
            400,
            r#"{"errors":["File 1_job.jar does not exist in /tmp/flink-web/jars."]}"#,
        ),
    ])
    .await;
    let rest = client(addr);
    assert_eq!(rest.delete_jar("1_my job.jar").await, Ok(()));
    assert!(
        received.lock().unwrap()[0].starts_with("DELETE /base/jars/1_my%20job.jar HTTP/1.1\r\n"),
        "{:?}",
        received.lock().unwrap()[0]
    );
    assert_eq!(
        rest.delete_jar("1_job.jar").await,
        Err(RestError::Flink {
            status: 400,
            message: "File 1_job.jar does not exist in /tmp/flink-web/jars.".into()
        })
    );
}

#[tokio::test]
async fn an_upload_is_one_jar_part_and_answers_the_jar_id() {
    let (addr, received) = canned::serve(vec![(
        200,
        r#"{"filename":"/tmp/flink-web-upload/4699_job.jar","status":"success"}"#,
    )])
    .await;
    assert_eq!(
        client(addr).upload_jar("job.jar", b"PK").await.unwrap(),
        "4699_job.jar"
    );
    let raw = received.lock().unwrap()[0].clone();
    assert!(raw.starts_with("POST /base/jars/upload "), "{raw}");
    assert!(
        raw.contains("content-type: multipart/form-data; boundary=----kubectl-flink-"),
        "{raw}"
    );
    assert!(raw.contains("name=\"jarfile\"; filename=\"job.jar\"\r\nContent-Type: application/x-java-archive\r\n\r\nPK\r\n"), "{raw}");
}

#[tokio::test]
async fn a_large_upload_streams_and_counts_every_byte() {
    let (addr, received) = canned::serve(vec![(
        200,
        r#"{"filename":"/tmp/flink-web-upload/1_big.jar","status":"success"}"#,
    )])
    .await;
    let jar = vec![b'x'; 300 * 1024 + 17];
    let progress = UploadProgress::default();
    let id = client(addr)
        .upload_jar_counted("big.jar", &jar, progress.clone())
        .await
        .unwrap();
    assert_eq!(id, "1_big.jar");
    let raw = received.lock().unwrap()[0].clone();
    assert!(
        !raw.contains("transfer-encoding: chunked"),
        "sent as one body"
    );
    let body_len = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.len())
        .unwrap_or(0);
    assert_eq!(
        progress.sent(),
        body_len as u64,
        "every byte sent is counted"
    );
    assert!(
        body_len > jar.len(),
        "the whole jar arrived in its multipart frame"
    );
}

#[test]
fn path_segments_are_percent_encoded() {
    assert_eq!(
        encode_segment("46998ac4_my job.jar"),
        "46998ac4_my%20job.jar"
    );
    assert_eq!(encode_segment("a/b?c"), "a%2Fb%3Fc");
    assert_eq!(
        encode_segment("b4ae9ea72c0fbafde9211f010c27c866"),
        "b4ae9ea72c0fbafde9211f010c27c866"
    );
}

const CONFIG_1_18: &str = r#"{"refresh-interval":3000,"timezone-name":"UTC","timezone-offset":0,"flink-version":"1.18.1","flink-revision":"a8c8b1c @ 2023-12-19T22:01:19+01:00","features":{"web-submit":true,"web-cancel":false,"web-rescale":false,"web-history":false}}"#;

#[tokio::test]
async fn the_release_is_read_from_config_once_per_client() {
    let (addr, received) = canned::serve(vec![(200, CONFIG_1_18)]).await;
    let rest = client(addr);
    let dialect = rest.dialect().await.unwrap();
    assert_eq!(dialect.describe(), "Flink 1.18.1");
    assert_eq!(dialect.rest.claim_mode.name(), Some("restoreMode"));
    assert!(!dialect.rest.applications);
    assert_eq!(rest.clone().dialect().await.unwrap(), dialect);
    let requests = received.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].starts_with("GET /base/config HTTP/1.1\r\n"),
        "{requests:?}"
    );
}

#[tokio::test]
async fn a_run_with_a_claim_mode_speaks_the_running_releases_field() {
    let (addr, received) =
        canned::serve(vec![(200, CONFIG_1_18), (200, r#"{"jobid":"j1"}"#)]).await;
    let request = RunJarRequest {
        savepoint_path: Some("file:/sp/1".into()),
        claim_mode: Some("NO_CLAIM".into()),
        ..RunJarRequest::default()
    };
    let job = client(addr).run_jar("x.jar", &request).await.unwrap();
    assert_eq!(job, "j1");
    let requests = received.lock().unwrap().clone();
    assert!(
        requests[1].starts_with("POST /base/jars/x.jar/run"),
        "{requests:?}"
    );
    assert!(
        requests[1].ends_with(r#"{"restoreMode":"NO_CLAIM","savepointPath":"file:/sp/1"}"#),
        "{requests:?}"
    );
}

#[tokio::test]
async fn a_jobmanager_older_than_any_dialect_is_refused_by_name() {
    let (addr, _) = canned::serve(vec![(200, r#"{"flink-version":"1.11.6"}"#)]).await;
    let err = client(addr).dialect().await.unwrap_err();
    assert!(
        matches!(&err, RestError::Unsupported(line) if line.contains("Flink 1.11.6")),
        "{err:?}"
    );
}
