//! `pods/{name}/portforward` over WebSocket with the `v4.channel.k8s.io` framing kube-rs
//! speaks: per port a data channel (2i) and an error channel (2i+1), each opened by a
//! frame carrying the port number, then `[channel, payload...]` binary messages. Traffic
//! is relayed to the real TCP address a test attached to the pod. kubectl's own
//! port-forward (SPDY tunnelled in the WebSocket) is served by [`crate::spdy_portforward`].

use crate::http_util::{Body, full};
use crate::resources;
use crate::rest;
use crate::server::Shared;
use crate::spdy_portforward;
use crate::status::ApiError;
use futures::{SinkExt, StreamExt};
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;

/// The channel protocol served (the one kube-rs and kubectl's WebSocket path offer).
const PROTOCOL: &str = "v4.channel.k8s.io";

/// Answers the WebSocket upgrade and starts relaying in the background.
pub fn upgrade(
    shared: Arc<Shared>,
    ns: &str,
    name: &str,
    q: &HashMap<String, String>,
    req: Request<Incoming>,
) -> Result<Response<Body>, ApiError> {
    let offered = req
        .headers()
        .get("sec-websocket-protocol")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let offers = |p: &str| offered.split(',').any(|o| o.trim() == p);
    let protocol = if offers(PROTOCOL) {
        PROTOCOL
    } else if offers(spdy_portforward::PROTOCOL) {
        spdy_portforward::PROTOCOL
    } else {
        return Err(ApiError::bad_request(format!(
            "unsupported port-forward protocol(s) {offered:?}; this server speaks {PROTOCOL} and {}",
            spdy_portforward::PROTOCOL
        )));
    };
    // The pod's backends, by container port, as they are now.
    let backends: Vec<(u16, SocketAddr)> = {
        let st = shared.lock();
        let pod = rest::get(&st, resources::find("", "pods").expect("known"), ns, name)?;
        st.backends
            .iter()
            .rev()
            .filter(|b| b.namespace == ns && b.selector.matches(&pod))
            .map(|b| (b.container_port, b.target))
            .collect()
    };
    let resolve: spdy_portforward::Resolver =
        Arc::new(move |port| backends.iter().find(|(p, _)| *p == port).map(|(_, t)| *t));
    let ports: Vec<u16> = q
        .get("ports")
        .map(|p| p.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_default();
    if protocol == PROTOCOL && ports.is_empty() {
        return Err(ApiError::bad_request("at least one port must be specified"));
    }
    let key = req
        .headers()
        .get("sec-websocket-key")
        .ok_or_else(|| ApiError::bad_request("missing Sec-WebSocket-Key"))?;
    let accept = derive_accept_key(key.as_bytes());
    tokio::spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(req).await {
            let ws =
                WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
            if protocol == PROTOCOL {
                let targets = ports.iter().map(|p| (*p, resolve(*p))).collect();
                relay(ws, targets).await;
            } else {
                spdy_portforward::serve(ws, resolve).await;
            }
        }
    });
    Ok(Response::builder()
        .status(101)
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-accept", accept)
        .header("sec-websocket-protocol", protocol)
        .body(full(""))
        .expect("valid response"))
}

fn frame(channel: u8, payload: &[u8]) -> Message {
    let mut v = Vec::with_capacity(payload.len() + 1);
    v.push(channel);
    v.extend_from_slice(payload);
    Message::binary(v)
}

enum FromPod {
    Data(u8, Vec<u8>),
    Closed,
}

async fn relay<S>(ws: WebSocketStream<S>, targets: Vec<(u16, Option<SocketAddr>)>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<FromPod>();
    let mut writers: Vec<Option<OwnedWriteHalf>> = Vec::new();
    let mut open = 0;
    for (i, (port, target)) in targets.iter().enumerate() {
        let data = (2 * i) as u8;
        let bytes = port.to_le_bytes();
        if sink.send(frame(data, &bytes)).await.is_err()
            || sink.send(frame(data + 1, &bytes)).await.is_err()
        {
            return;
        }
        let conn = match target {
            Some(addr) => tokio::time::timeout(
                std::time::Duration::from_secs(5),
                tokio::net::TcpStream::connect(addr),
            )
            .await
            .ok()
            .and_then(Result::ok),
            None => None,
        };
        let Some(conn) = conn else {
            let why = match target {
                Some(a) => format!("error forwarding port {port} to pod: failed to connect to {a}"),
                None => format!(
                    "error forwarding port {port} to pod: no backend is attached for this port"
                ),
            };
            let _ = sink.send(frame(data + 1, why.as_bytes())).await;
            writers.push(None);
            continue;
        };
        let (mut read, write) = conn.into_split();
        writers.push(Some(write));
        open += 1;
        let tx = tx.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match read.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if tx.send(FromPod::Data(data, buf[..n].to_vec())).is_err() {
                            return;
                        }
                    }
                }
            }
            let _ = tx.send(FromPod::Closed);
        });
    }
    drop(tx);
    if open == 0 {
        let _ = sink.send(Message::Close(None)).await;
        return;
    }
    loop {
        tokio::select! {
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(data))) if !data.is_empty() => {
                    let ch = data[0] as usize;
                    if ch.is_multiple_of(2) && let Some(Some(w)) = writers.get_mut(ch / 2) && w.write_all(&data[1..]).await.is_err() {
                        writers[ch / 2] = None;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            ev = rx.recv() => match ev {
                Some(FromPod::Data(ch, bytes)) => {
                    if sink.send(frame(ch, &bytes)).await.is_err() {
                        break;
                    }
                }
                Some(FromPod::Closed) => {
                    open -= 1;
                    if open == 0 {
                        let _ = sink.send(Message::Close(None)).await;
                        break;
                    }
                }
                None => break,
            }
        }
    }
    for w in writers.iter_mut().flatten() {
        let _ = w.shutdown().await;
    }
}
