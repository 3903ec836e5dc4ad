//! Proxies on loopback for `tests/kubeconfig.rs`: an HTTP CONNECT proxy and
//! a SOCKS5 proxy (no authentication, CONNECT only). Both tunnel only to
//! this machine and record every target they were asked for.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The targets a proxy was asked for, one per tunnelled connection.
pub type Seen = Arc<Mutex<Vec<String>>>;

/// An HTTP CONNECT proxy on loopback that tunnels only to 127.0.0.1.
pub fn connect_proxy() -> (String, Seen) {
    serve("http", |client, seen| {
        let _ = connect_tunnel(client, seen);
    })
}

/// A SOCKS5 proxy on loopback. It stands in for the only way to the API
/// server: a request for `127.0.0.2:PORT` is tunnelled to `127.0.0.1:PORT`,
/// where nothing listens on 127.0.0.2, so a connection that does not go
/// through it fails.
pub fn socks5_proxy() -> (String, Seen) {
    serve("socks5", |client, seen| {
        let _ = socks5_tunnel(client, seen);
    })
}

fn serve(scheme: &str, handle: fn(TcpStream, &Mutex<Vec<String>>)) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
    let url = format!("{scheme}://{}", listener.local_addr().expect("address"));
    let seen: Seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || handle(client, &record));
        }
    });
    (url, seen)
}

fn connect_tunnel(mut client: TcpStream, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        client.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let Some(target) = head
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("CONNECT "))
        .and_then(|rest| rest.split_whitespace().next())
    else {
        return client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
    };
    seen.lock().unwrap().push(target.to_string());
    let Some(port) = target.strip_prefix("127.0.0.1:") else {
        return client.write_all(b"HTTP/1.1 403 Forbidden\r\n\r\n");
    };
    let Ok(upstream) = TcpStream::connect(("127.0.0.1", port.parse().unwrap_or(0))) else {
        return client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
    };
    client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    pipe(client, upstream)
}

/// RFC 1928: the greeting (no authentication), then one CONNECT request.
fn socks5_tunnel(mut client: TcpStream, seen: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting)?;
    let mut methods = vec![0u8; usize::from(greeting[1])];
    client.read_exact(&mut methods)?;
    if greeting[0] != 5 || !methods.contains(&0) {
        return client.write_all(&[5, 0xff]);
    }
    client.write_all(&[5, 0])?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request)?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip)?;
            Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len)?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name)?;
            String::from_utf8_lossy(&name).to_string()
        }
        _ => return reply(&mut client, 8),
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port)?;
    let port = u16::from_be_bytes(port);
    seen.lock().unwrap().push(format!("{host}:{port}"));
    if request[1] != 1 {
        return reply(&mut client, 7);
    }
    // Only this machine; 127.0.0.2 is where the API server is "behind" us.
    if !matches!(host.as_str(), "127.0.0.1" | "127.0.0.2" | "localhost") {
        return reply(&mut client, 2);
    }
    let Ok(upstream) = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))) else {
        return reply(&mut client, 5);
    };
    reply(&mut client, 0)?;
    pipe(client, upstream)
}

fn reply(client: &mut TcpStream, code: u8) -> std::io::Result<()> {
    client.write_all(&[5, code, 0, 1, 0, 0, 0, 0, 0, 0])
}

/// Copy both ways until either side closes.
fn pipe(mut client: TcpStream, mut upstream: TcpStream) -> std::io::Result<()> {
    let (mut client_in, mut upstream_out) = (client.try_clone()?, upstream.try_clone()?);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut upstream_out);
        let _ = upstream_out.shutdown(Shutdown::Write);
    });
    let _ = std::io::copy(&mut upstream, &mut client);
    client.shutdown(Shutdown::Write)
}
