//! Plain HTTP/1.1 over any byte stream: a TCP connection for `--rest-url`,
//! or a port-forwarded stream into the JobManager pod (no local port bound).

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;

use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};

/// The body type on the wire: small bodies whole, uploads in chunks.
pub type RequestBody = BoxBody<Bytes, Infallible>;

/// Bodies are handed to the connection in chunks of this size, so progress
/// advances as the upload goes out rather than all at once.
const CHUNK: usize = 64 * 1024;

/// The request's body as a stream of chunks that count themselves into its
/// progress as the connection takes them; without progress, the body whole.
fn streamed(request: &RestRequest, whole: Full<Bytes>) -> RequestBody {
    let (Some(progress), Some((_, bytes))) = (request.progress.clone(), request.body.as_ref())
    else {
        return whole.boxed();
    };
    let bytes = bytes.clone();
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(CHUNK)
        .map(|start| bytes.slice(start..(start + CHUNK).min(bytes.len())))
        .collect();
    let stream = futures::stream::iter(chunks).map(move |chunk| {
        progress.add(chunk.len() as u64);
        Ok::<_, Infallible>(Frame::data(chunk))
    });
    BodyExt::boxed(StreamBody::new(stream))
}

/// An open HTTP/1.1 connection; requests on it run one after the other, and
/// it stays open between them while the server keeps it alive.
pub struct Http1Connection {
    sender: SendRequest<RequestBody>,
    driver: JoinHandle<Result<(), hyper::Error>>,
    /// `Host` header.
    host: String,
    /// Base path before Flink's paths (a `--rest-url` behind a reverse proxy).
    path_prefix: String,
    /// The route, for error messages.
    describe: String,
}

impl Http1Connection {
    /// Handshakes over `stream`.
    pub async fn open<S>(
        stream: S,
        host: &str,
        path_prefix: &str,
        describe: &str,
    ) -> Result<Self, RestError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| RestError::Unreachable(format!("{describe}: {e}")))?;
        Ok(Self {
            sender,
            driver: tokio::spawn(connection),
            host: host.to_string(),
            path_prefix: path_prefix.to_string(),
            describe: describe.to_string(),
        })
    }

    /// True while the connection can take another request (the server has
    /// not closed it).
    pub async fn is_usable(&mut self) -> bool {
        self.sender.ready().await.is_ok()
    }

    /// Sends one request and reads the whole answer.
    pub async fn send(&mut self, request: &RestRequest) -> Result<RestResponse, RestError> {
        let unreachable =
            |e: hyper::Error| RestError::Unreachable(format!("{}: {e}", self.describe));
        let uri = format!("{}{}", self.path_prefix, request.path);
        let http_request: http::Request<Full<Bytes>> = request
            .to_http(&uri, Some(&self.host))
            .map_err(RestError::Unreachable)?;
        let mut http_request = http_request.map(|whole| streamed(request, whole));
        // Through the services proxy, the kube client adds it instead.
        http_request
            .headers_mut()
            .insert(http::header::USER_AGENT, crate::user_agent::header_value());
        // A streamed body has no size of its own; say it, so it goes out as
        // one plain body rather than chunked transfer encoding.
        if let Some((_, bytes)) = &request.body {
            http_request.headers_mut().insert(
                http::header::CONTENT_LENGTH,
                http::HeaderValue::from(bytes.len()),
            );
        }
        let response = self
            .sender
            .send_request(http_request)
            .await
            .map_err(unreachable)?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(unreachable)?
            .to_bytes();
        Ok(RestResponse { status, body })
    }
}

impl Drop for Http1Connection {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

/// One request on a fresh connection over `stream`.
pub async fn exchange<S>(
    stream: S,
    host: &str,
    path_prefix: &str,
    request: &RestRequest,
    describe: &str,
) -> Result<RestResponse, RestError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    Http1Connection::open(stream, host, path_prefix, describe)
        .await?
        .send(request)
        .await
}
