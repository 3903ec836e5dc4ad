//! Plain HTTP/1.1 over any byte stream: a TCP connection for `--rest-url`,
//! or a port-forwarded stream into the JobManager pod (no local port bound).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};

/// Sends one request over `stream` and reads the whole answer. `host` is
/// the `Host` header; `path_prefix` goes before the Flink path (a base path
/// of a `--rest-url` behind a reverse proxy, usually empty).
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
    let unreachable = |e: hyper::Error| RestError::Unreachable(format!("{describe}: {e}"));
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(unreachable)?;
    let driver = tokio::spawn(connection);
    let uri = format!("{path_prefix}{}", request.path);
    let http_request: http::Request<Full<Bytes>> = request
        .to_http(&uri, Some(host))
        .map_err(RestError::Unreachable)?;
    let result = async {
        let response = sender
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
    .await;
    drop(sender);
    driver.abort();
    result
}
