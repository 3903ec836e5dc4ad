//! An OpenID Connect issuer on loopback, for tests of the kubeconfig's OIDC
//! auth provider against a kube-apiserver that trusts it: HTTPS with its own
//! CA (from [`crate::pki`]), `/.well-known/openid-configuration`, the JWKS,
//! and a token endpoint that answers the refresh grant with a new RS256
//! id-token and a new refresh token (the old one stops working, as issuers
//! that rotate them do). It records every refresh it answered.
//!
//! The RSA key (`oidc-signing-key.pem`) was made once with `openssl genpkey`
//! for this purpose only: ring signs with RSA keys but cannot make them. It
//! signs id-tokens of this loopback issuer and nothing else.

use crate::pki::Ca;
use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SIGNING_KEY: &str = include_str!("oidc-signing-key.pem");
const KEY_ID: &str = "kube-kit-oidc-1";

/// A refresh the token endpoint answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    /// The refresh token it was given.
    pub refresh_token: String,
    /// How the client authenticated: `header` (Basic) or `form`.
    pub client_auth: String,
    /// The id-token it issued.
    pub id_token: String,
}

struct State {
    refresh_token: String,
    issued: u32,
    refreshes: Vec<Refresh>,
}

struct Shared {
    url: String,
    client_id: String,
    client_secret: String,
    subject: String,
    key: RsaKeyPair,
    state: Mutex<State>,
}

/// The running issuer; it stops accepting when the test process ends.
pub struct OidcIssuer {
    shared: Arc<Shared>,
    ca_pem: String,
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl OidcIssuer {
    /// An issuer on 127.0.0.1 for client `client_id` (with `client_secret`)
    /// whose tokens name `subject`.
    pub fn start(client_id: &str, client_secret: &str, subject: &str) -> Result<Self, String> {
        let ca = Ca::new()?;
        let serving = ca.server("kube-kit-oidc", &["127.0.0.1", "localhost"])?;
        let certs = CertificateDer::pem_slice_iter(serving.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("kube-kit oidc: the serving certificate: {e:?}"))?;
        let key = PrivateKeyDer::from_pem_slice(serving.key_pem.as_bytes())
            .map_err(|e| format!("kube-kit oidc: the serving key: {e:?}"))?;
        let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("kube-kit oidc: TLS: {e}"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("kube-kit oidc: TLS: {e}"))?;
        let signing = PrivateKeyDer::from_pem_slice(SIGNING_KEY.as_bytes())
            .map_err(|e| format!("kube-kit oidc: the signing key: {e:?}"))?;
        let key = RsaKeyPair::from_pkcs8(signing.secret_der())
            .map_err(|e| format!("kube-kit oidc: the signing key: {e}"))?;
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|e| format!("kube-kit oidc: bind: {e}"))?;
        let port = listener
            .local_addr()
            .map_err(|e| format!("kube-kit oidc: {e}"))?
            .port();
        let shared = Arc::new(Shared {
            url: format!("https://127.0.0.1:{port}"),
            client_id: client_id.to_string(),
            client_secret: client_secret.to_string(),
            subject: subject.to_string(),
            key,
            state: Mutex::new(State {
                refresh_token: "refresh-0".into(),
                issued: 0,
                refreshes: Vec::new(),
            }),
        });
        let tls = Arc::new(tls);
        let serving = shared.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (tls, shared) = (tls.clone(), serving.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, tls, &shared);
                });
            }
        });
        Ok(Self {
            shared,
            ca_pem: ca.cert_pem().to_string(),
        })
    }

    /// `https://127.0.0.1:<port>`, the `iss` of its tokens.
    pub fn url(&self) -> &str {
        &self.shared.url
    }

    /// The CA its serving certificate is signed by.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A signed id-token for the subject, expiring `lifetime` seconds from
    /// now (negative: already expired).
    pub fn id_token(&self, lifetime: i64) -> String {
        self.shared.id_token(lifetime)
    }

    /// The refresh token the token endpoint accepts now.
    pub fn refresh_token(&self) -> String {
        self.lock().refresh_token.clone()
    }

    /// The refreshes answered so far.
    pub fn refreshes(&self) -> Vec<Refresh> {
        self.lock().refreshes.clone()
    }

    /// Revoke the current refresh token (the next refresh is refused).
    pub fn revoke(&self) {
        self.lock().refresh_token = "revoked".into();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kube-apiserver flags that make it trust this issuer (its CA in
    /// `ca_file`), users named `oidc:<sub>`.
    pub fn apiserver_args(&self, ca_file: &std::path::Path) -> Vec<String> {
        vec![
            format!("--oidc-issuer-url={}", self.url()),
            format!("--oidc-client-id={}", self.shared.client_id),
            format!("--oidc-ca-file={}", ca_file.display()),
            "--oidc-username-claim=sub".into(),
            "--oidc-username-prefix=oidc:".into(),
        ]
    }
}

impl Shared {
    fn id_token(&self, lifetime: i64) -> String {
        let now = jiff::Timestamp::now().as_second();
        let header = json!({"alg": "RS256", "typ": "JWT", "kid": KEY_ID});
        let claims = json!({
            "iss": self.url,
            "sub": self.subject,
            "aud": self.client_id,
            "iat": now,
            "exp": now + lifetime,
        });
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let mut signature = vec![0u8; self.key.public().modulus_len()];
        if self
            .key
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .is_err()
        {
            return "signing-failed".into();
        }
        format!("{signing_input}.{}", b64url(&signature))
    }

    fn discovery(&self) -> Value {
        json!({
            "issuer": self.url,
            "authorization_endpoint": format!("{}/authorize", self.url),
            "token_endpoint": format!("{}/token", self.url),
            "jwks_uri": format!("{}/keys", self.url),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        })
    }

    fn jwks(&self) -> Value {
        let public: ring::rsa::PublicKeyComponents<Vec<u8>> = self.key.public().into();
        json!({"keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": KEY_ID,
            "n": b64url(&public.n), "e": b64url(&public.e),
        }]})
    }

    /// The refresh grant: the current refresh token and the client's
    /// credentials (Basic header or form), else an OAuth error.
    fn token(&self, headers: &str, body: &str) -> (u16, Value) {
        let form = parse_form(body);
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let basic = headers.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            if !name.trim().eq_ignore_ascii_case("authorization") {
                return None;
            }
            let encoded = value.trim().strip_prefix("Basic ")?;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .ok()?;
            let text = String::from_utf8(decoded).ok()?;
            let (id, secret) = text.split_once(':')?;
            Some((percent_decode(id), percent_decode(secret)))
        });
        let (client, client_auth) = match basic {
            Some(credentials) => (credentials, "header"),
            None => ((field("client_id"), field("client_secret")), "form"),
        };
        if client != (self.client_id.clone(), self.client_secret.clone()) {
            return (401, json!({"error": "invalid_client"}));
        }
        if field("grant_type") != "refresh_token" {
            return (400, json!({"error": "unsupported_grant_type"}));
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let given = field("refresh_token");
        if given != state.refresh_token {
            return (
                400,
                json!({"error": "invalid_grant", "error_description": "the refresh token is not valid"}),
            );
        }
        state.issued += 1;
        state.refresh_token = format!("refresh-{}", state.issued);
        let id_token = self.id_token(300);
        state.refreshes.push(Refresh {
            refresh_token: given,
            client_auth: client_auth.into(),
            id_token: id_token.clone(),
        });
        (
            200,
            json!({
                "access_token": format!("access-{}", state.issued),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
                "refresh_token": state.refresh_token,
            }),
        )
    }
}

/// One request per connection (`Connection: close`).
fn serve(stream: TcpStream, tls: Arc<rustls::ServerConfig>, shared: &Shared) -> Result<(), String> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    let connection = rustls::ServerConnection::new(tls).map_err(|e| e.to_string())?;
    let mut tls = rustls::StreamOwned::new(connection, stream);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tls.read_exact(&mut byte).map_err(|e| e.to_string())?;
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length.min(64 * 1024)];
    tls.read_exact(&mut body).map_err(|e| e.to_string())?;
    let body = String::from_utf8_lossy(&body).to_string();
    let mut request_line = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, path) = (
        request_line.next().unwrap_or_default(),
        request_line.next().unwrap_or_default(),
    );
    let (status, answer) = match (method, path) {
        ("GET", "/.well-known/openid-configuration") => (200, shared.discovery()),
        ("GET", "/keys") => (200, shared.jwks()),
        ("POST", "/token") => shared.token(&head, &body),
        _ => (404, json!({"error": "not_found"})),
    };
    let text = answer.to_string();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    write!(
        tls,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )
    .and_then(|()| tls.flush())
    .map_err(|e| e.to_string())?;
    tls.conn.send_close_notify();
    let _ = tls.flush();
    Ok(())
}

fn parse_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            Some((percent_decode(key), percent_decode(value)))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}
