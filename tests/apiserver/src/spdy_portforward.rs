//! kubectl's port-forward: SPDY/3.1 streams tunnelled in a WebSocket
//! (`SPDY/3.1+portforward.k8s.io`). For every forwarded connection kubectl opens an error
//! stream and a data stream (headers `streamType`, `port`, `requestID`); the data stream is
//! relayed to the real TCP address attached to the pod, and both streams are finished when
//! the backend closes, which is when kubectl considers the connection done.

use crate::spdy::{self, FLAG_FIN, Frame, HeaderCodec};
use futures::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::mpsc::UnboundedSender;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// The WebSocket subprotocol of the tunnel.
pub const PROTOCOL: &str = "SPDY/3.1+portforward.k8s.io";

/// Finds the real address for a container port of the pod.
pub type Resolver = Arc<dyn Fn(u16) -> Option<SocketAddr> + Send + Sync>;

/// The two streams of one forwarded connection.
#[derive(Default)]
struct Pair {
    error: Option<u32>,
    data: Option<u32>,
    port: u16,
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Serves one tunnelled SPDY connection until either side closes it.
pub async fn serve<S>(ws: WebSocketStream<S>, resolve: Resolver)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sink, mut source) = ws.split();
    let (out, mut out_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    tokio::spawn(async move {
        while let Some(bytes) = out_rx.recv().await {
            if sink.send(Message::binary(bytes)).await.is_err() {
                return;
            }
        }
        let _ = sink.send(Message::Close(None)).await;
    });
    let mut codec = HeaderCodec::default();
    let mut inbuf: Vec<u8> = Vec::new();
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    let mut writers: HashMap<u32, OwnedWriteHalf> = HashMap::new();
    while let Some(Ok(msg)) = source.next().await {
        match msg {
            Message::Binary(b) => inbuf.extend_from_slice(&b),
            Message::Close(_) => break,
            _ => continue,
        }
        while let Some(frame) = spdy::take_frame(&mut inbuf) {
            match frame {
                Frame::Control {
                    kind: spdy::SYN_STREAM,
                    data,
                    ..
                } => {
                    let Some(id) = spdy::stream_id(&data) else {
                        continue;
                    };
                    let Ok(headers) = codec.decode(data.get(10..).unwrap_or(&[])) else {
                        return;
                    };
                    let reply = [id.to_be_bytes().to_vec(), codec.encode(&[])].concat();
                    let _ = out.send(spdy::control(spdy::SYN_REPLY, 0, &reply));
                    let pair = pairs
                        .entry(header(&headers, "requestid").to_string())
                        .or_default();
                    pair.port = header(&headers, "port").parse().unwrap_or(0);
                    match header(&headers, "streamtype") {
                        "error" => pair.error = Some(id),
                        "data" => pair.data = Some(id),
                        _ => {}
                    }
                    if let (Some(error), Some(data)) = (pair.error, pair.data)
                        && !writers.contains_key(&data)
                    {
                        match connect(resolve(pair.port)).await {
                            Ok(stream) => {
                                let (read, write) = stream.into_split();
                                writers.insert(data, write);
                                tokio::spawn(pump(read, data, error, out.clone()));
                            }
                            Err(why) => {
                                let msg =
                                    format!("error forwarding port {} to pod: {why}", pair.port);
                                let _ = out.send(spdy::data(error, 0, msg.as_bytes()));
                                let _ = out.send(spdy::data(error, FLAG_FIN, &[]));
                                let _ = out.send(spdy::data(data, FLAG_FIN, &[]));
                            }
                        }
                    }
                }
                Frame::Control {
                    kind: spdy::PING,
                    flags,
                    data,
                } => {
                    let _ = out.send(spdy::control(spdy::PING, flags, &data));
                }
                Frame::Control {
                    kind: spdy::RST_STREAM,
                    data,
                    ..
                } => {
                    if let Some(id) = spdy::stream_id(&data) {
                        writers.remove(&id);
                    }
                }
                Frame::Control {
                    kind: spdy::GOAWAY, ..
                } => return,
                Frame::Control { .. } => {}
                Frame::Data {
                    stream,
                    flags,
                    data,
                } => {
                    if let Some(w) = writers.get_mut(&stream) {
                        if !data.is_empty() && w.write_all(&data).await.is_err() {
                            writers.remove(&stream);
                        } else if flags & FLAG_FIN != 0 {
                            let _ = w.shutdown().await;
                        }
                    }
                }
            }
        }
    }
}

async fn connect(target: Option<SocketAddr>) -> Result<tokio::net::TcpStream, String> {
    let addr = target.ok_or("no backend is attached for this port")?;
    tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
        .await
        .map_err(|_| format!("timed out connecting to {addr}"))?
        .map_err(|e| format!("failed to connect to {addr}: {e}"))
}

/// Backend -> kubectl; when the backend closes, both streams are finished.
async fn pump(
    mut read: tokio::net::tcp::OwnedReadHalf,
    data: u32,
    error: u32,
    out: UnboundedSender<Vec<u8>>,
) {
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out.send(spdy::data(data, 0, &buf[..n])).is_err() {
                    return;
                }
            }
        }
    }
    let _ = out.send(spdy::data(data, FLAG_FIN, &[]));
    let _ = out.send(spdy::data(error, FLAG_FIN, &[]));
}
