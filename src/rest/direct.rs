//! `--rest-url`: plain HTTP to an address the user already reaches (their own
//! `kubectl port-forward`, an ingress, a local JobManager in tests).

use tokio::net::TcpStream;

use super::error::RestError;
use super::exchange::{RestRequest, RestResponse};
use super::http1;

/// Where to reach Flink's REST API directly.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectHttp {
    /// `host:port` to connect to.
    authority: String,
    /// The URL's authority as written, sent as `Host` (without a default
    /// port, as curl and kubectl send it; ingress routers match it exactly).
    host: String,
    /// Base path before Flink's paths, without a trailing slash (often empty).
    prefix: String,
}

impl DirectHttp {
    /// Parses `http://host[:port][/base]`; `https` is refused (no TLS here)
    /// with the way around it. The error text is for a usage error.
    pub fn parse(url: &str) -> Result<Self, String> {
        let uri: http::Uri = url.parse().map_err(|e| {
            format!("--rest-url {url:?} is not a URL ({e}): pass it as http://HOST:PORT")
        })?;
        match uri.scheme_str() {
            Some("http") => {}
            Some("https") => {
                return Err(format!(
                    "--rest-url {url}: https is not supported: use --via proxy or --via forward, which go through the API server's TLS"
                ));
            }
            _ => {
                return Err(format!(
                    "--rest-url {url:?} must start with http://, e.g. http://localhost:8081"
                ));
            }
        }
        let authority = uri.authority().ok_or_else(|| {
            format!("--rest-url {url:?} has no host: pass it as http://HOST:PORT")
        })?;
        let port = authority.port_u16().unwrap_or(80);
        Ok(Self {
            authority: format!("{}:{port}", authority.host()),
            host: authority.as_str().to_string(),
            prefix: uri.path().trim_end_matches('/').to_string(),
        })
    }

    /// The address, for messages.
    pub fn describe(&self) -> String {
        format!("http://{}{}", self.host, self.prefix)
    }

    /// Sends one request on a fresh connection.
    pub async fn send(&self, request: &RestRequest) -> Result<RestResponse, RestError> {
        let describe = self.describe();
        let stream = TcpStream::connect(&self.authority)
            .await
            .map_err(|e| RestError::Unreachable(format!("cannot connect to {describe}: {e}")))?;
        http1::exchange(stream, &self.host, &self.prefix, request, &describe).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_give_address_and_base_path() {
        let direct = DirectHttp::parse("http://localhost:8081").unwrap();
        assert_eq!(direct.authority, "localhost:8081");
        assert_eq!(direct.prefix, "");
        let behind_proxy = DirectHttp::parse("http://flink.example.com/ns/session/").unwrap();
        assert_eq!(behind_proxy.authority, "flink.example.com:80");
        assert_eq!(
            behind_proxy.host, "flink.example.com",
            "Host without the default port"
        );
        assert_eq!(behind_proxy.prefix, "/ns/session");
        assert_eq!(
            behind_proxy.describe(),
            "http://flink.example.com/ns/session"
        );
    }

    #[test]
    fn https_and_schemeless_urls_are_refused_with_the_fix() {
        assert!(
            DirectHttp::parse("https://x:8081")
                .unwrap_err()
                .contains("--via proxy")
        );
        assert!(
            DirectHttp::parse("localhost:8081")
                .unwrap_err()
                .contains("http://")
        );
    }
}
