//! HTTP plumbing shared by the handlers: the response body type, JSON and text
//! responses, and query-string parsing.

use bytes::Bytes;
use futures::StreamExt;
use futures::channel::mpsc::UnboundedSender;
use http::Response;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::Frame;
use serde_json::Value;
use std::collections::HashMap;
use std::convert::Infallible;

/// The body of every response (whole or streamed).
pub type Body = UnsyncBoxBody<Bytes, Infallible>;

/// A whole body.
pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into()).boxed_unsync()
}

/// A streamed body fed through the returned sender.
pub fn stream_body() -> (UnboundedSender<Bytes>, Body) {
    let (tx, rx) = futures::channel::mpsc::unbounded::<Bytes>();
    let body = StreamBody::new(rx.map(|b| Ok::<_, Infallible>(Frame::data(b)))).boxed_unsync();
    (tx, body)
}

/// A JSON response.
pub fn json_response(status: u16, value: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(full(value.to_string()))
        .expect("valid response")
}

/// A response with a body of any type.
pub fn bytes_response(status: u16, content_type: &str, body: Vec<u8>) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(full(body))
        .expect("valid response")
}

/// A plain-text response.
pub fn text_response(status: u16, text: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(full(text))
        .expect("valid response")
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match u8::from_str_radix(&s[i + 1..i + 3], 16) {
                Ok(v) => {
                    out.push(v);
                    i += 2;
                }
                Err(_) => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a query string into decoded key/value pairs (last value wins).
pub fn parse_query(q: Option<&str>) -> HashMap<String, String> {
    q.unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// Whether a boolean query parameter is set (`1` or `true`).
pub fn flag(q: &HashMap<String, String>, key: &str) -> bool {
    q.get(key).is_some_and(|v| v == "1" || v == "true")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_selectors_in_queries() {
        let q = parse_query(Some(
            "labelSelector=app%3Dflink%2Ccomponent+in+%28a%29&watch=1",
        ));
        assert_eq!(q["labelSelector"], "app=flink,component in (a)");
        assert!(flag(&q, "watch"));
    }
}
