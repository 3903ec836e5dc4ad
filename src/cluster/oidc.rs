//! The kubeconfig's OIDC auth provider, as kubectl (client-go) implements
//! it: the id-token is used while it is valid for another 10 s; otherwise the
//! refresh token is exchanged at the issuer's token endpoint (found through
//! `<idp-issuer-url>/.well-known/openid-configuration`, over TLS checked
//! against `idp-certificate-authority(-data)`, else the system's roots, and
//! through `HTTPS_PROXY` as the environment says), and the new id-token (and
//! refresh token, when the issuer rotates it) are written back into the
//! kubeconfig file that defines the user, as kubectl persists them.

use super::credentials::{Context, CredentialError};
use base64::Engine as _;
use http::{Method, Request, StatusCode, Uri};
use std::collections::HashMap;
use std::path::PathBuf;

const ISSUER_URL: &str = "idp-issuer-url";
const CLIENT_ID: &str = "client-id";
const CLIENT_SECRET: &str = "client-secret";
const ID_TOKEN: &str = "id-token";
const REFRESH_TOKEN: &str = "refresh-token";
const CA_FILE: &str = "idp-certificate-authority";
const CA_DATA: &str = "idp-certificate-authority-data";

/// kubectl refreshes an id-token this long before it expires.
const EXPIRY_DELTA_SECONDS: i64 = 10;

/// One user's OIDC provider and its current tokens.
pub struct Provider {
    config: HashMap<String, String>,
    user: Option<String>,
    origin: Option<PathBuf>,
    roots: Option<Vec<Vec<u8>>>,
    proxy: crate::environment::ProxyEnv,
    token_endpoint: Option<String>,
}

fn failed(message: String) -> CredentialError {
    CredentialError(message)
}

impl Provider {
    /// The provider of the auth-provider `config`; kubectl's checks.
    pub fn new(
        config: &HashMap<String, String>,
        context: &Context<'_>,
    ) -> Result<Provider, String> {
        for required in [ISSUER_URL, CLIENT_ID] {
            if config.get(required).is_none_or(|v| v.is_empty()) {
                return Err(format!(
                    "Must provide {required}: set it in the user's auth-provider config in the kubeconfig"
                ));
            }
        }
        Ok(Provider {
            roots: idp_roots(config)?,
            config: config.clone(),
            user: context.user.clone(),
            origin: context.origin.clone(),
            proxy: context.proxy.clone(),
            token_endpoint: None,
        })
    }

    fn issuer(&self) -> &str {
        self.config
            .get(ISSUER_URL)
            .map(String::as_str)
            .unwrap_or_default()
            .trim_end_matches('/')
    }

    /// The id-token to send: the kubeconfig's while valid, else a fresh one.
    pub async fn id_token(&mut self) -> Result<String, CredentialError> {
        if let Some(token) = self.config.get(ID_TOKEN).filter(|t| !t.is_empty())
            && still_valid(token)?
        {
            return Ok(token.clone());
        }
        let refresh = self
            .config
            .get(REFRESH_TOKEN)
            .filter(|t| !t.is_empty())
            .cloned()
            .ok_or_else(|| {
                failed("No valid id-token, and cannot refresh without refresh-token: log in to the OIDC provider again (its id-token in the kubeconfig has expired)".into())
            })?;
        let endpoint = self.token_endpoint().await?;
        let (id_token, rotated) = self.refresh(&endpoint, &refresh).await?;
        self.config.insert(ID_TOKEN.into(), id_token.clone());
        if let Some(rotated) = rotated.filter(|r| *r != refresh) {
            self.config.insert(REFRESH_TOKEN.into(), rotated);
        }
        self.persist();
        Ok(id_token)
    }

    /// `token_endpoint` of the issuer's discovery document (asked once).
    async fn token_endpoint(&mut self) -> Result<String, CredentialError> {
        if let Some(endpoint) = &self.token_endpoint {
            return Ok(endpoint.clone());
        }
        let url = format!("{}/.well-known/openid-configuration", self.issuer());
        let request = Request::get(url.as_str()).body(Vec::new());
        let (status, body) = self.send(&url, request).await?;
        if status != StatusCode::OK {
            return Err(failed(format!(
                "oidc: failed to query metadata endpoint {url}: HTTP {status}: check idp-issuer-url in the kubeconfig"
            )));
        }
        let endpoint = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|d| d["token_endpoint"].as_str().map(str::to_string))
            .filter(|e| !e.is_empty())
            .ok_or_else(|| {
                failed(format!(
                    "oidc: discovery object doesn't contain a token_endpoint ({url}): check idp-issuer-url in the kubeconfig"
                ))
            })?;
        self.token_endpoint = Some(endpoint.clone());
        Ok(endpoint)
    }

    /// The refresh grant, with the client's credentials in a Basic header,
    /// then in the form (as Go's oauth2 tries both).
    async fn refresh(
        &self,
        endpoint: &str,
        refresh_token: &str,
    ) -> Result<(String, Option<String>), CredentialError> {
        let id = self.config.get(CLIENT_ID).cloned().unwrap_or_default();
        let secret = self.config.get(CLIENT_SECRET).cloned().unwrap_or_default();
        let grant = format!(
            "grant_type=refresh_token&refresh_token={}",
            form_encode(refresh_token)
        );
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            form_encode(&id),
            form_encode(&secret)
        ));
        let mut answer = None;
        for in_header in [true, false] {
            let mut request = Request::builder()
                .method(Method::POST)
                .uri(endpoint)
                .header(
                    http::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                );
            let body = if in_header {
                request = request.header(http::header::AUTHORIZATION, format!("Basic {basic}"));
                grant.clone()
            } else {
                format!(
                    "{grant}&client_id={}&client_secret={}",
                    form_encode(&id),
                    form_encode(&secret)
                )
            };
            let (status, body) = self.send(endpoint, request.body(body.into_bytes())).await?;
            let retry = matches!(status, StatusCode::BAD_REQUEST | StatusCode::UNAUTHORIZED);
            answer = Some((status, body));
            if !(in_header && retry) {
                break;
            }
        }
        let (status, body) = answer.unwrap_or_default();
        let reply: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if !status.is_success() {
            let error = reply["error"].as_str().unwrap_or("no error code");
            let detail = reply["error_description"]
                .as_str()
                .map(|d| format!(": {}", crate::output::one_line(d)))
                .unwrap_or_default();
            return Err(failed(format!(
                "failed to refresh token: the OIDC issuer {} answered HTTP {status} ({error}{detail}): log in to the OIDC provider again",
                self.issuer()
            )));
        }
        let Some(id_token) = reply["id_token"].as_str().filter(|t| !t.is_empty()) else {
            return Err(failed(
                "token response did not contain an id_token, either the scope \"openid\" wasn't requested upon login, or the provider doesn't support id_tokens as part of the refresh response.".into(),
            ));
        };
        let rotated = reply["refresh_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        Ok((id_token.to_string(), rotated))
    }

    /// One request to the issuer (`url` is where it goes, for messages).
    async fn send(
        &self,
        url: &str,
        request: http::Result<Request<Vec<u8>>>,
    ) -> Result<(StatusCode, Vec<u8>), CredentialError> {
        let not_a_url = || {
            failed(format!(
                "oidc: {url} is not a URL: fix idp-issuer-url in the kubeconfig"
            ))
        };
        let request = request.map_err(|_| not_a_url())?;
        let uri: Uri = url.parse().map_err(|_| not_a_url())?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(not_a_url());
        };
        let origin: Uri = format!("{scheme}://{authority}")
            .parse()
            .map_err(|_| not_a_url())?;
        let mut config = kube::Config::new(origin.clone());
        config.root_cert = self.roots.clone();
        config.default_retry = false;
        config.connect_timeout = Some(std::time::Duration::from_secs(30));
        config.read_timeout = Some(std::time::Duration::from_secs(30));
        config.write_timeout = Some(std::time::Duration::from_secs(30));
        config
            .headers
            .push((http::header::USER_AGENT, crate::user_agent::header_value()));
        config.proxy_url =
            super::proxy::choose(&origin, None, &self.proxy).and_then(|proxy| proxy.parse().ok());
        let unreachable = |reason: String| {
            failed(format!(
                "cannot refresh the OIDC id-token: cannot reach the issuer {}: {reason}",
                self.issuer()
            ))
        };
        let client = kube::Client::try_from(config)
            .map_err(|e| unreachable(super::errors::transport_reason(&e)))?;
        let (parts, body) = request.into_parts();
        let mut request = Request::from_parts(parts, kube::client::Body::from(body));
        // kube joins the path onto the origin.
        *request.uri_mut() = uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .parse()
            .map_err(|_| not_a_url())?;
        let response = client
            .send(request)
            .await
            .map_err(|e| unreachable(super::errors::transport_reason(&e)))?;
        let status = response.status();
        use http_body_util::BodyExt;
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| unreachable(super::errors::transport_reason(&e)))?
            .to_bytes()
            .to_vec();
        Ok((status, body))
    }

    /// Write the current tokens into the kubeconfig file that defines the
    /// user, as kubectl does; a file that cannot be written is a warning
    /// (the tokens still serve this command).
    fn persist(&self) {
        let (Some(path), Some(user)) = (&self.origin, &self.user) else {
            return;
        };
        let tokens = [ID_TOKEN, REFRESH_TOKEN]
            .iter()
            .filter_map(|key| Some((*key, self.config.get(*key)?.as_str())))
            .collect::<Vec<_>>();
        match write_tokens(path, user, &tokens) {
            Ok(()) => crate::trace::line(
                2,
                &format!(
                    "refreshed the OIDC id-token of user {user} and wrote it into {}",
                    path.display()
                ),
            ),
            Err(e) => crate::trace::warn(&format!(
                "could not write the refreshed OIDC tokens into {}: {e}: the next command refreshes again",
                path.display()
            )),
        }
    }
}

/// Whether the JWT `token` is valid for more than 10 s (its `exp` claim);
/// kubectl's reading: a token without `exp` has expired.
fn still_valid(token: &str) -> Result<bool, CredentialError> {
    let invalid = || {
        failed("ID Token is not a valid JWT: fix id-token of the user's auth-provider in the kubeconfig, or log in again".into())
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts.as_slice() else {
        return Err(invalid());
    };
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let claims: serde_json::Value = engine
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(invalid)?;
    let expiry = claims["exp"].as_f64().unwrap_or(0.0) as i64;
    let now = jiff::Timestamp::now().as_second();
    Ok(now + EXPIRY_DELTA_SECONDS < expiry)
}

/// The issuer's CA: `idp-certificate-authority` (a file) or
/// `idp-certificate-authority-data` (base64 PEM); None: the system's roots.
fn idp_roots(config: &HashMap<String, String>) -> Result<Option<Vec<Vec<u8>>>, String> {
    let pem = if let Some(data) = config.get(CA_DATA).filter(|d| !d.is_empty()) {
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| {
                format!("the kubeconfig's {CA_DATA} is not valid base64 ({e}): fix it in the user's auth-provider config")
            })?
    } else if let Some(file) = config.get(CA_FILE).filter(|f| !f.is_empty()) {
        std::fs::read(file).map_err(|e| {
            format!("cannot read the {CA_FILE} file {file} named in the kubeconfig: {e}: fix the path in the user's auth-provider config")
        })?
    } else {
        return Ok(None);
    };
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let certs = CertificateDer::pem_slice_iter(&pem)
        .map(|c| c.map(|c| c.to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .ok()
        .filter(|certs| !certs.is_empty())
        .ok_or_else(|| {
            format!("the kubeconfig's {CA_FILE}(-data) holds no PEM certificate: fix it in the user's auth-provider config")
        })?;
    Ok(Some(certs))
}

/// `application/x-www-form-urlencoded`, as Go's `url.QueryEscape`.
fn form_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

/// Set `tokens` in the auth-provider config of `user` in the kubeconfig
/// `path`, keeping everything else; written whole to a new file that
/// replaces the old one (with its permissions), so no reader sees half.
fn write_tokens(path: &std::path::Path, user: &str, tokens: &[(&str, &str)]) -> Result<(), String> {
    let path = std::fs::canonicalize(path).map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
    let mut document: serde_json::Value =
        serde_saphyr::from_str(&text).map_err(|_| "it no longer parses".to_string())?;
    let config = document["users"]
        .as_array_mut()
        .and_then(|users| users.iter_mut().find(|u| u["name"] == user))
        .and_then(|u| u["user"]["auth-provider"]["config"].as_object_mut())
        .ok_or_else(|| format!("user {user} has no auth-provider config there any more"))?;
    for (key, value) in tokens {
        config.insert(
            (*key).to_string(),
            serde_json::Value::String((*value).to_string()),
        );
    }
    let yaml = serde_saphyr::to_string(&document).map_err(|e| e.to_string())?;
    let permissions = std::fs::metadata(&path)
        .map_err(|e| e.to_string())?
        .permissions();
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let temporary =
        path.with_file_name(format!(".{file_name}.kubectl-flink-{}", std::process::id()));
    std::fs::write(&temporary, yaml)
        .and_then(|()| std::fs::set_permissions(&temporary, permissions))
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            e.to_string()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.c2ln",
            engine.encode(r#"{"alg":"RS256"}"#),
            engine.encode(claims)
        )
    }

    #[test]
    fn an_id_token_is_used_until_ten_seconds_before_it_expires() {
        let now = jiff::Timestamp::now().as_second();
        assert!(still_valid(&jwt(&format!(r#"{{"exp":{}}}"#, now + 60))).unwrap());
        assert!(!still_valid(&jwt(&format!(r#"{{"exp":{}}}"#, now + 5))).unwrap());
        assert!(!still_valid(&jwt(r#"{"sub":"no-exp"}"#)).unwrap());
        assert!(still_valid("not-a-jwt").is_err());
    }

    #[test]
    fn refreshed_tokens_are_written_into_the_users_entry_only() {
        let dir = std::env::temp_dir().join(format!("kubectl-flink-oidc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nusers:\n- name: other\n  user: {token: 'yes'}\n- name: me\n  user:\n    auth-provider:\n      name: oidc\n      config: {id-token: old, refresh-token: r1, client-id: c}\ncurrent-context: x\n",
        )
        .unwrap();
        write_tokens(&path, "me", &[("id-token", "new"), ("refresh-token", "r2")]).unwrap();
        let written: serde_json::Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let config = &written["users"][1]["user"]["auth-provider"]["config"];
        assert_eq!(config["id-token"], "new");
        assert_eq!(config["refresh-token"], "r2");
        assert_eq!(config["client-id"], "c");
        assert_eq!(written["users"][0]["user"]["token"], "yes");
        assert_eq!(written["current-context"], "x");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn form_encoding_is_gos() {
        assert_eq!(form_encode("a b+c/d~"), "a+b%2Bc%2Fd~");
    }
}
