//! A minimal blocking HTTP/1.1 client for driving a JobManager's REST API in tests.
//!
//! Plain `std::net::TcpStream`, one connection per request (`Connection: close`), JSON bodies
//! and the multipart jar upload Flink expects: tests need no second HTTP stack and no TLS.
//! Every call returns `(status, body)`; a non-2xx status is not an error, so tests can assert
//! on Flink's error bodies too. Only transport failures are `Err`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

/// Connect timeout and per-read/write timeout of every request.
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// Part content type Flink's web submission (and the product) use for jars.
pub const JAR_CONTENT_TYPE: &str = "application/x-java-archive";

/// A REST client for one JobManager address.
#[derive(Debug, Clone, Copy)]
pub struct RestClient {
    addr: SocketAddr,
}

impl RestClient {
    /// A client for the REST endpoint at `addr` (e.g. `StandaloneSession::rest_addr()`).
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<(u16, String), String> {
        self.request("GET", path, None)
    }

    /// `POST path` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> Result<(u16, String), String> {
        self.request(
            "POST",
            path,
            Some(("application/json", body.to_string().into_bytes())),
        )
    }

    /// `PATCH path` with no body (Flink's cancel is `PATCH /jobs/<id>?mode=cancel`).
    pub fn patch(&self, path: &str) -> Result<(u16, String), String> {
        self.request("PATCH", path, None)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Result<(u16, String), String> {
        self.request("DELETE", path, None)
    }

    /// `POST /jars/upload` of the jar at `path`, as one multipart part named `jarfile`.
    pub fn upload_jar(&self, path: &Path) -> Result<(u16, String), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{} has no file name", path.display()))?;
        self.upload("/jars/upload", name, JAR_CONTENT_TYPE, &bytes)
    }

    /// `POST path` with one multipart part `jarfile` holding `bytes` as `file_name` with the
    /// given part content type; lets tests send what Flink should reject (e.g. a `.txt`).
    pub fn upload(
        &self,
        path: &str,
        file_name: &str,
        content_type: &str,
        bytes: &[u8],
    ) -> Result<(u16, String), String> {
        let (header, body) = multipart_body("jarfile", file_name, content_type, bytes);
        self.request("POST", path, Some((&header, body)))
    }

    /// Polls `GET /jobs/overview` until job `job_id` is in `state` (e.g. `RUNNING`), or fails
    /// after `timeout` with the last overview seen.
    pub fn wait_for_job_state(
        &self,
        job_id: &str,
        state: &str,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (status, body) = self.get("/jobs/overview")?;
            let overview: Value = serde_json::from_str(&body).unwrap_or_default();
            let current = overview["jobs"]
                .as_array()
                .and_then(|jobs| jobs.iter().find(|j| j["jid"] == job_id))
                .and_then(|j| j["state"].as_str());
            if status == 200 && current == Some(state) {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!(
                    "job {job_id} not {state} within {timeout:?}; last overview: {status} {body}"
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Sends one request and reads the whole response.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> Result<(u16, String), String> {
        let fail = |e: std::io::Error| format!("{method} http://{}{path}: {e}", self.addr);
        let mut stream = TcpStream::connect_timeout(&self.addr, IO_TIMEOUT).map_err(fail)?;
        stream.set_read_timeout(Some(IO_TIMEOUT)).map_err(fail)?;
        stream.set_write_timeout(Some(IO_TIMEOUT)).map_err(fail)?;
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nConnection: close\r\n",
            self.addr
        )
        .into_bytes();
        match body {
            Some((content_type, bytes)) => {
                request.extend(
                    format!(
                        "Content-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                        bytes.len()
                    )
                    .as_bytes(),
                );
                request.extend(bytes);
            }
            None => request.extend(b"Content-Length: 0\r\n\r\n"),
        }
        stream.write_all(&request).map_err(fail)?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).map_err(fail)?;
        parse_response(&response).map_err(|e| format!("{method} http://{}{path}: {e}", self.addr))
    }
}

/// Parses a body as JSON, for assertions; panics with the body when it is not JSON.
pub fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Builds a `multipart/form-data` body with a single file part; returns (content type, body).
fn multipart_body(
    field: &str,
    file_name: &str,
    content_type: &str,
    bytes: &[u8],
) -> (String, Vec<u8>) {
    let boundary = "----flink-kit-boundary-7MA4YWxkTrZu0gW";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Splits a complete HTTP/1.1 response into status and body (de-chunking if needed).
fn parse_response(raw: &[u8]) -> Result<(u16, String), String> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("response has no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let payload = &raw[split + 4..];
    let mut lines = head.lines();
    let status_line = lines.next().ok_or("empty response")?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(payload)?
    } else {
        payload.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("truncated chunk size")?;
        let size_text = String::from_utf8_lossy(&data[..line_end]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(body);
        }
        let chunk = data.get(..size).ok_or("truncated chunk")?;
        body.extend_from_slice(chunk);
        data = data.get(size + 2..).ok_or("truncated chunk end")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::thread;

    /// Serves one canned response and returns the raw request it received.
    fn serve_once(response: &'static [u8]) -> (SocketAddr, thread::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = thread::spawn(move || {
            let (mut conn, _) = listener.accept().unwrap();
            conn.set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // Read until the declared body has arrived.
            loop {
                let n = conn.read(&mut buf).unwrap();
                request.extend_from_slice(&buf[..n]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&request[..end]).to_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .map_or(0, |v| v.trim().parse().unwrap());
                    if request.len() >= end + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            conn.write_all(response).unwrap();
            request
        });
        (addr, handle)
    }

    #[test]
    fn a_plain_response_gives_status_and_body_and_the_request_is_well_formed() {
        let (addr, server) = serve_once(
            b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"request-id\":\"abc\"}",
        );
        let reply = RestClient::new(addr)
            .post(
                "/jobs/j1/savepoints",
                &serde_json::json!({"cancel-job": false}),
            )
            .unwrap();
        assert_eq!(reply, (202, r#"{"request-id":"abc"}"#.to_string()));
        let request = String::from_utf8(server.join().unwrap()).unwrap();
        assert!(
            request.starts_with("POST /jobs/j1/savepoints HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("Content-Type: application/json\r\n"));
        assert!(
            request.ends_with("\r\n\r\n{\"cancel-job\":false}"),
            "{request}"
        );
    }

    #[test]
    fn a_chunked_response_is_reassembled() {
        let (addr, server) = serve_once(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"er\r\n9;ext=1\r\nrors\":[]}\r\n0\r\n\r\n",
        );
        let reply = RestClient::new(addr).get("/jobs/x").unwrap();
        assert_eq!(reply, (404, r#"{"errors":[]}"#.to_string()));
        server.join().unwrap();
    }

    #[test]
    fn a_jar_upload_is_one_multipart_part_named_jarfile() {
        let (addr, server) = serve_once(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
        RestClient::new(addr)
            .upload("/jars/upload", "job.jar", JAR_CONTENT_TYPE, b"PK\x03\x04")
            .unwrap();
        let request = String::from_utf8_lossy(&server.join().unwrap()).into_owned();
        let boundary = request
            .split("boundary=")
            .nth(1)
            .and_then(|rest| rest.split("\r\n").next())
            .unwrap()
            .to_string();
        let expected_part = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"job.jar\"\r\nContent-Type: application/x-java-archive\r\n\r\nPK\u{3}\u{4}\r\n--{boundary}--\r\n"
        );
        assert!(request.ends_with(&expected_part), "{request}");
    }

    #[test]
    fn a_refused_connection_is_an_error_not_a_status() {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        assert!(RestClient::new(addr).get("/overview").is_err());
    }
}
