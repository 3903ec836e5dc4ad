//! Plain HTTP/1.1 over any byte stream: a TCP connection for `--rest-url`,
//! or a port-forwarded stream into the JobManager pod (no local port bound).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinHandle;

use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};

/// An open HTTP/1.1 connection; requests on it run one after the other, and
/// it stays open between them while the server keeps it alive.
pub struct Http1Connection {
    sender: SendRequest<Full<Bytes>>,
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
