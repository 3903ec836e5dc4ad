//! Watch streams: newline-delimited JSON events over a chunked response, starting from
//! the requested resourceVersion (or a synthetic ADDED for every object), ending after
//! `timeoutSeconds`, with `410 Expired` for versions older than the retained log.

use crate::http_util::{Body, stream_body};
use crate::meta;
use crate::resources::ResourceType;
use crate::server::Shared;
use crate::status::ApiError;
use crate::store::{EventType, WatchFilter, Watcher};
use crate::table;
use bytes::Bytes;
use futures::StreamExt;
use http::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// What a watch request asked for.
pub struct WatchRequest {
    /// Type, namespace and selectors.
    pub filter: WatchFilter,
    /// `resourceVersion` query parameter.
    pub resource_version: Option<String>,
    /// `timeoutSeconds`, if given.
    pub timeout: Option<Duration>,
    /// `sendInitialEvents=true` (streaming lists): end the initial ADDED events with a bookmark.
    pub send_initial_events: bool,
    /// Render objects as single-row Tables (kubectl get -w).
    pub as_table: bool,
}

fn line(kind: &str, object: Value) -> Bytes {
    let mut s = json!({"type": kind, "object": object}).to_string();
    s.push('\n');
    Bytes::from(s)
}

/// Starts a watch and returns the streaming response.
pub fn start(shared: &Arc<Shared>, rt: &'static ResourceType, req: WatchRequest) -> Response<Body> {
    let (tx, rx) = futures::channel::mpsc::unbounded::<(EventType, Value)>();
    let mut initial: Vec<Bytes> = Vec::new();
    {
        let mut st = shared.lock();
        let current_rv = st.store.resource_version();
        let wrap = |o: Value| {
            if req.as_table {
                table::table(rt, &[o], &current_rv.to_string())
            } else {
                o
            }
        };
        match req
            .resource_version
            .as_deref()
            .filter(|rv| !rv.is_empty() && *rv != "0")
        {
            None => {
                let ns = req.filter.namespace.as_deref();
                for o in st
                    .store
                    .list(rt, ns)
                    .into_iter()
                    .filter(|o| req.filter.selectors.matches(o))
                {
                    initial.push(line("ADDED", wrap(o)));
                }
                if req.send_initial_events {
                    let bookmark = json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {
                        "resourceVersion": current_rv.to_string(),
                        "annotations": {"k8s.io/initial-events-end": "true"}}});
                    initial.push(line("BOOKMARK", bookmark));
                }
            }
            Some(rv) => {
                let since = rv.parse::<u64>().unwrap_or(0);
                match st.store.changes_since(&req.filter, since) {
                    Some(events) => {
                        for (kind, o) in events {
                            initial.push(line(kind.as_str(), wrap(o)));
                        }
                    }
                    None => {
                        let err = ApiError::new(
                            410,
                            "Expired",
                            format!(
                                "too old resource version: {since} ({})",
                                st.store.oldest_resumable() + 1
                            ),
                        );
                        initial.push(line("ERROR", err.to_status()));
                        drop(tx);
                        return finish(initial, None, None, req.as_table, rt);
                    }
                }
            }
        }
        st.store.subscribe(Watcher {
            filter: req.filter.clone(),
            tx,
        });
    }
    let rx_stream: EventStream = rx.boxed();
    finish(initial, Some(rx_stream), req.timeout, req.as_table, rt)
}

type EventStream = futures::stream::BoxStream<'static, (EventType, Value)>;

fn finish(
    initial: Vec<Bytes>,
    events: Option<EventStream>,
    timeout: Option<Duration>,
    as_table: bool,
    rt: &'static ResourceType,
) -> Response<Body> {
    let (body_tx, body) = stream_body();
    tokio::spawn(async move {
        for chunk in initial {
            if body_tx.unbounded_send(chunk).is_err() {
                return;
            }
        }
        let Some(mut events) = events else { return };
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            let next = match deadline {
                Some(d) => match tokio::time::timeout_at(d, events.next()).await {
                    Ok(n) => n,
                    Err(_) => return,
                },
                None => events.next().await,
            };
            let Some((kind, obj)) = next else { return };
            let obj = if as_table {
                let rv = meta::meta_str(&obj, "resourceVersion").to_string();
                let mut t = table::table(rt, &[obj], &rv);
                if let Some(m) = t.as_object_mut() {
                    m.remove("columnDefinitions");
                }
                t
            } else {
                obj
            };
            if body_tx.unbounded_send(line(kind.as_str(), obj)).is_err() {
                return;
            }
        }
    });
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-cache, private")
        .body(body)
        .expect("valid response")
}
