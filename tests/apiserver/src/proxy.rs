//! `services/{name}[:port]/proxy/...` and `pods/{name}[:port]/proxy/...`: HTTP requests
//! relayed to the real TCP address a test attached to the selected pod, as the API
//! server's proxy would relay them to the pod IP.

use crate::controllers::resolve_target_port;
use crate::handler::RequestCtx;
use crate::http_util::{Body, full};
use crate::meta;
use crate::resources::{self, ResourceType};
use crate::rest;
use crate::selectors::LabelSelector;
use crate::status::ApiError;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;

/// Splits `[scheme:]name[:port]` into the name and the optional port (name or number).
pub fn split_name_port(s: &str) -> (String, Option<String>) {
    let parts: Vec<&str> = s.split(':').collect();
    match parts.as_slice() {
        [name] => (name.to_string(), None),
        ["http" | "https", name, port] => (
            name.to_string(),
            Some(port.to_string()).filter(|p| !p.is_empty()),
        ),
        [name, port] => (
            name.to_string(),
            Some(port.to_string()).filter(|p| !p.is_empty()),
        ),
        _ => (s.to_string(), None),
    }
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

fn unavailable(message: String) -> ApiError {
    ApiError::new(503, "ServiceUnavailable", message)
}

/// The header naming the pod a proxied request was relayed to: a backend standing in for
/// several pods in turn (a JobManager redeployed, say) tells them apart by it, as a real one is
/// told apart by its pod IP.
pub const POD_HEADER: &str = "x-test-apiserver-pod";

/// Finds the real address for a proxied request, and the pod it stands for.
fn target(
    ctx: &RequestCtx<'_>,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    port: Option<&str>,
) -> Result<(SocketAddr, String), ApiError> {
    let st = ctx.shared.lock();
    let pods_rt = resources::find("", "pods").expect("known");
    let (candidates, target_port): (Vec<Value>, Value) = if rt.plural == "services" {
        let svc = rest::get(&st, rt, ns, name)?;
        let ports = svc["spec"]["ports"].as_array().cloned().unwrap_or_default();
        let sp = match port {
            Some(p) => ports
                .iter()
                .find(|sp| sp["name"] == p || p.parse::<u64>().ok() == sp["port"].as_u64())
                .cloned(),
            None => ports.first().cloned(),
        }
        .ok_or_else(|| {
            unavailable(format!(
                "no service port {:?} found for service \"{name}\"",
                port.unwrap_or("")
            ))
        })?;
        let sel = svc["spec"]["selector"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let sel = LabelSelector::from_map(&sel);
        let mut pods: Vec<Value> = st
            .store
            .list(pods_rt, Some(ns))
            .into_iter()
            .filter(|p| !sel.is_empty() && sel.matches(p) && !meta::is_deleting(p))
            .collect();
        pods.sort_by_key(|p| !is_ready(p));
        (pods, sp["targetPort"].clone())
    } else {
        let pod = rest::get(&st, rt, ns, name)?;
        let p = match port {
            Some(p) => Value::String(p.to_string()),
            None => pod["spec"]["containers"][0]["ports"][0]["containerPort"].clone(),
        };
        (vec![pod], p)
    };
    if candidates.is_empty() {
        return Err(unavailable(format!(
            "no endpoints available for service \"{name}\""
        )));
    }
    for pod in &candidates {
        let Some(cport) = resolve_target_port(pod, &target_port) else {
            continue;
        };
        if let Some(b) = st
            .backends
            .iter()
            .rev()
            .find(|b| b.namespace == ns && b.container_port == cport && b.selector.matches(pod))
        {
            let pod = pod["metadata"]["name"].as_str().unwrap_or_default();
            return Ok((b.target, pod.to_string()));
        }
    }
    Err(unavailable(format!(
        "error trying to reach service: no backend attached to the pods of \"{name}\" for port {target_port}"
    )))
}

/// Relays one proxied request and returns the backend's answer.
pub async fn forward(
    ctx: &RequestCtx<'_>,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    port: Option<&str>,
    tail: &str,
) -> Result<Response<Body>, ApiError> {
    let (addr, pod) = target(ctx, rt, ns, name, port)?;
    let mut uri = format!("/{tail}");
    if let Some(q) = ctx.q_raw() {
        uri.push('?');
        uri.push_str(q);
    }
    let fail = |e: String| unavailable(format!("error trying to reach service: {e}"));
    let stream = tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| fail(format!("dial tcp {addr}: i/o timeout")))?
        .map_err(|e| fail(format!("dial tcp {addr}: {e}")))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| fail(e.to_string()))?;
    tokio::spawn(conn);
    let mut builder = Request::builder()
        .method(ctx.method.clone())
        .uri(&uri)
        .header("host", addr.to_string())
        .header(POD_HEADER, pod);
    for (k, v) in ctx.headers {
        if !matches!(
            k.as_str(),
            "host"
                | "authorization"
                | "connection"
                | "upgrade"
                | "transfer-encoding"
                | "content-length"
                | "accept-encoding"
        ) {
            builder = builder.header(k, v);
        }
    }
    let req = builder
        .body(Full::new(ctx.body.clone()))
        .map_err(|e| fail(e.to_string()))?;
    let resp = tokio::time::timeout(Duration::from_secs(120), sender.send_request(req))
        .await
        .map_err(|_| fail("timeout awaiting response headers".into()))?
        .map_err(|e| fail(e.to_string()))?;
    let (parts, body) = resp.into_parts();
    let bytes = tokio::time::timeout(Duration::from_secs(120), body.collect())
        .await
        .map_err(|_| fail("timeout reading the response".into()))?
        .map_err(|e| fail(e.to_string()))?
        .to_bytes();
    let mut out = Response::builder().status(parts.status);
    for (k, v) in &parts.headers {
        if !matches!(
            k.as_str(),
            "connection" | "transfer-encoding" | "content-length"
        ) {
            out = out.header(k, v);
        }
    }
    Ok(out.body(full(bytes)).expect("valid response"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_names_carry_optional_scheme_and_port() {
        assert_eq!(
            split_name_port("flink-rest:rest"),
            ("flink-rest".into(), Some("rest".into()))
        );
        assert_eq!(
            split_name_port("https:flink-rest:8081"),
            ("flink-rest".into(), Some("8081".into()))
        );
        assert_eq!(split_name_port("flink-rest"), ("flink-rest".into(), None));
    }
}
