//! `pods/{name}/log`: the text a test set for a pod (per container or for all), with
//! `tailLines`, and `follow=true` streaming what is appended until the pod goes away.

use crate::http_util::{Body, flag, stream_body, text_response};
use crate::resources;
use crate::server::Shared;
use crate::state::State;
use crate::status::ApiError;
use bytes::Bytes;
use http::Response;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How often a followed log checks for appended text.
const FOLLOW_POLL: Duration = Duration::from_millis(50);

/// The key under which a pod's log text is stored (`container` "" means any container).
pub fn key(ns: &str, pod: &str, container: &str) -> (String, String, String) {
    (ns.to_string(), pod.to_string(), container.to_string())
}

/// The whole log of a pod's container, or None when the pod does not exist.
fn current(st: &State, ns: &str, pod: &str, container: &str) -> Option<String> {
    let obj = st.store.get(resources::find("", "pods")?, ns, pod)?;
    let first = obj["spec"]["containers"][0]["name"].as_str().unwrap_or("");
    let chosen = if container.is_empty() {
        first
    } else {
        container
    };
    Some(
        st.pod_logs
            .get(&key(ns, pod, chosen))
            .or_else(|| st.pod_logs.get(&key(ns, pod, "")))
            .cloned()
            .unwrap_or_default(),
    )
}

fn tail(text: &str, lines: Option<usize>) -> String {
    match lines {
        Some(n) => {
            let all: Vec<&str> = text.lines().collect();
            all[all.len().saturating_sub(n)..]
                .iter()
                .map(|l| format!("{l}\n"))
                .collect()
        }
        None => text.to_string(),
    }
}

/// Answers a log request.
pub fn serve(
    shared: &Arc<Shared>,
    ns: &str,
    pod: &str,
    q: &HashMap<String, String>,
) -> Result<Response<Body>, ApiError> {
    let container = q.get("container").cloned().unwrap_or_default();
    let tail_lines = q.get("tailLines").and_then(|t| t.parse::<usize>().ok());
    let text = {
        let st = shared.lock();
        match current(&st, ns, pod, &container) {
            Some(t) => t,
            None => {
                return Err(ApiError::not_found(
                    resources::find("", "pods").expect("known"),
                    pod,
                ));
            }
        }
    };
    if !flag(q, "follow") {
        return Ok(text_response(200, tail(&text, tail_lines)));
    }
    let (tx, body) = stream_body();
    let _ = tx.unbounded_send(Bytes::from(tail(&text, tail_lines)));
    let (shared, ns, pod) = (shared.clone(), ns.to_string(), pod.to_string());
    tokio::spawn(async move {
        let mut sent = text.len();
        loop {
            tokio::time::sleep(FOLLOW_POLL).await;
            let Some(now) = current(&shared.lock(), &ns, &pod, &container) else {
                return;
            };
            if now.len() > sent {
                if tx
                    .unbounded_send(Bytes::from(now[sent..].to_string()))
                    .is_err()
                {
                    return;
                }
                sent = now.len();
            } else if tx.is_closed() {
                return;
            }
        }
    });
    Ok(Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body(body)
        .expect("valid response"))
}
