//! One HTTP exchange with Flink, independent of how it travels: the request
//! a client method builds and the raw answer a transport brings back.

use bytes::Bytes;
use http::Method;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// How many body bytes a transport has handed to the connection so far, so a
/// large upload can show real progress. Transports that stream the body (a
/// `--rest-url` or port-forward connection) count chunk by chunk; the
/// services proxy, which must buffer the body, counts it all at once.
#[derive(Debug, Clone, Default)]
pub struct UploadProgress(Arc<AtomicU64>);

impl UploadProgress {
    pub fn sent(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    pub(super) fn add(&self, bytes: u64) {
        self.0.fetch_add(bytes, Ordering::Relaxed);
    }
}

impl PartialEq for UploadProgress {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// A request to a Flink REST path (`/jobs/overview`, `/jobs/x?mode=cancel`).
#[derive(Debug, Clone, PartialEq)]
pub struct RestRequest {
    pub method: Method,
    /// Absolute Flink path, with its query string if any.
    pub path: String,
    /// `(content type, bytes)`; None sends no body.
    pub body: Option<(String, Bytes)>,
    /// Counts the body bytes sent, for progress on large uploads.
    pub progress: Option<UploadProgress>,
}

impl RestRequest {
    /// A request without a body.
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: None,
            progress: None,
        }
    }

    /// A request with a JSON body.
    pub fn json(method: Method, path: impl Into<String>, body: &impl serde::Serialize) -> Self {
        // Serializing plain structs of strings, numbers and bools cannot fail.
        let bytes = serde_json::to_vec(body).unwrap_or_default();
        Self {
            method,
            path: path.into(),
            body: Some(("application/json".to_string(), Bytes::from(bytes))),
            progress: None,
        }
    }

    /// A request with any body.
    pub fn with_body(
        method: Method,
        path: impl Into<String>,
        content_type: String,
        bytes: Bytes,
    ) -> Self {
        Self {
            method,
            path: path.into(),
            body: Some((content_type, bytes)),
            progress: None,
        }
    }

    /// Count the body bytes sent into `progress`.
    pub fn with_progress(mut self, progress: UploadProgress) -> Self {
        self.progress = Some(progress);
        self
    }

    /// An `http::Request` for `uri`, with this request's method and body.
    pub(super) fn to_http<B: From<Bytes>>(
        &self,
        uri: &str,
        host: Option<&str>,
    ) -> Result<http::Request<B>, String> {
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(uri)
            .header(http::header::ACCEPT, "application/json");
        if let Some(host) = host {
            builder = builder.header(http::header::HOST, host);
        }
        let body = match &self.body {
            Some((content_type, bytes)) => {
                builder = builder.header(http::header::CONTENT_TYPE, content_type.as_str());
                bytes.clone()
            }
            None => Bytes::new(),
        };
        builder
            .body(B::from(body))
            .map_err(|e| format!("cannot build the request for {uri}: {e}"))
    }
}

/// Flink's answer: any status, with the raw body.
#[derive(Debug, Clone, PartialEq)]
pub struct RestResponse {
    pub status: u16,
    pub body: Bytes,
}

impl RestResponse {
    /// 2xx: Flink did what was asked (other statuses carry `{"errors": …}`).
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}
