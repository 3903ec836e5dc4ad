//! The credentials kubectl-flink gets itself, as kubectl gets them, rather
//! than through kube (which runs an exec plugin several times per client,
//! ignores `interactiveMode`'s terminal rules and OIDC's
//! `idp-certificate-authority`, and never writes a refreshed token back):
//!
//! - exec credential plugins run once per command, with kubectl's
//!   interactive rules, and again when their credential expires;
//! - the OIDC auth provider's id-token is refreshed at the issuer when it has
//!   expired, and written back into the kubeconfig (see [`super::oidc`]).
//!
//! A layer puts the current token on every request to the API server.

use super::errors::{ClusterError, ClusterResult as Result};
use super::exec_plugin::{Credential, Plugin};
use super::oidc;
use http::{HeaderValue, Request, header::AUTHORIZATION};
use jiff::Timestamp;
use kube::client::Body;
use kube::config::Config;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Why a credential could not be had, in one line that says what to do.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct CredentialError(pub String);

/// What the connection code knows beyond the kubeconfig.
pub struct Context<'a> {
    /// The kubeconfig user in use, by name.
    pub user: Option<String>,
    /// The file that user is defined in (where refreshed tokens go).
    pub origin: Option<std::path::PathBuf>,
    /// Whether stdin is a terminal an interactive plugin may read.
    pub stdin_is_terminal: bool,
    /// For the OIDC issuer: the proxies the environment names.
    pub proxy: &'a crate::environment::ProxyEnv,
}

/// A token that can expire, shared by every client of a connection.
#[derive(Clone)]
pub struct Credentials {
    source: Arc<Mutex<Source>>,
}

enum Source {
    /// An exec plugin's token and when it expires.
    Exec {
        plugin: Box<Plugin>,
        token: String,
        expires: Timestamp,
    },
    Oidc(Box<oidc::Provider>),
}

/// Take the exec plugin or OIDC provider out of `config` (so that kube does
/// not use them), get the first credential now — errors name the plugin or
/// the issuer — and return what refreshes it, if it can expire.
pub async fn take(config: &mut Config, context: &Context<'_>) -> Result<Option<Credentials>> {
    // kubectl keeps credentials per process: a second connection of the
    // same command (a REST route, a fallback) asks no plugin twice.
    let key = format!(
        "{:?}|{:?}|{:?}",
        context.user, config.auth_info.exec, config.auth_info.auth_provider
    );
    if let Some((auth_info, credentials)) = cached(&key) {
        config.auth_info = auth_info;
        return Ok(credentials);
    }
    let credentials = take_uncached(config, context).await?;
    if let Ok(mut cache) = CACHE.lock() {
        cache.push((key, config.auth_info.clone(), credentials.clone()));
    }
    Ok(credentials)
}

/// What [`take`] made of each user's kubeconfig entry in this process.
static CACHE: std::sync::Mutex<Vec<(String, kube::config::AuthInfo, Option<Credentials>)>> =
    std::sync::Mutex::new(Vec::new());

fn cached(key: &str) -> Option<(kube::config::AuthInfo, Option<Credentials>)> {
    let cache = CACHE.lock().ok()?;
    cache
        .iter()
        .find(|(k, _, _)| k == key)
        .map(|(_, auth_info, credentials)| (auth_info.clone(), credentials.clone()))
}

async fn take_uncached(config: &mut Config, context: &Context<'_>) -> Result<Option<Credentials>> {
    if let Some(provider) = config.auth_info.auth_provider.take() {
        if provider.name != "oidc" {
            // gcp and azure were removed from kubectl: kube says what it can.
            config.auth_info.auth_provider = Some(provider);
            return Ok(None);
        }
        let mut provider =
            oidc::Provider::new(&provider.config, context).map_err(ClusterError::Config)?;
        provider
            .id_token()
            .await
            .map_err(|e| ClusterError::Failed(e.0))?;
        return Ok(Some(Credentials {
            source: Arc::new(Mutex::new(Source::Oidc(Box::new(provider)))),
        }));
    }
    let Some(exec) = config.auth_info.exec.take() else {
        return Ok(None);
    };
    let plugin = Plugin::new(exec, context)?;
    let credential = plugin.run().await.map_err(|e| ClusterError::Failed(e.0))?;
    match credential {
        Credential::Certificate { cert, key } => {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD;
            config.auth_info.client_certificate_data = Some(b64.encode(cert));
            config.auth_info.client_key_data = Some(b64.encode(key).into());
            config.auth_info.client_certificate = None;
            config.auth_info.client_key = None;
            Ok(None)
        }
        Credential::Token {
            token,
            expires: None,
        } => {
            config.auth_info.token = Some(token.into());
            Ok(None)
        }
        Credential::Token {
            token,
            expires: Some(expires),
        } => Ok(Some(Credentials {
            source: Arc::new(Mutex::new(Source::Exec {
                plugin: Box::new(plugin),
                token,
                expires,
            })),
        })),
    }
}

impl Credentials {
    /// The current token, refreshed first when it has expired.
    async fn token(&self) -> std::result::Result<String, CredentialError> {
        let mut source = self.source.lock().await;
        match &mut *source {
            Source::Oidc(provider) => provider.id_token().await,
            Source::Exec {
                plugin,
                token,
                expires,
            } => {
                if Timestamp::now() >= *expires {
                    match plugin.run().await? {
                        Credential::Token {
                            token: fresh,
                            expires: until,
                        } => {
                            *token = fresh;
                            *expires = until.unwrap_or(Timestamp::MAX);
                        }
                        Credential::Certificate { .. } => {
                            return Err(CredentialError(format!(
                                "the kubeconfig's credential plugin `{}` returned a client certificate where it returned a token before: fix the plugin",
                                plugin.command
                            )));
                        }
                    }
                }
                Ok(token.clone())
            }
        }
    }
}

/// Puts `Authorization: Bearer <token>` on each request (a buffer in front
/// of kube's stack lets the token be fetched before the request is sent).
impl<S> tower::Layer<S> for Credentials
where
    S: tower::Service<Request<Body>> + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<tower::BoxError> + Send + Sync,
{
    type Service =
        tower::filter::AsyncFilter<tower::buffer::Buffer<Request<Body>, S::Future>, Credentials>;

    fn layer(&self, inner: S) -> Self::Service {
        tower::filter::AsyncFilter::new(tower::buffer::Buffer::new(inner, 1024), self.clone())
    }
}

impl tower::filter::AsyncPredicate<Request<Body>> for Credentials {
    type Future = std::pin::Pin<
        Box<dyn Future<Output = std::result::Result<Request<Body>, tower::BoxError>> + Send>,
    >;
    type Request = Request<Body>;

    fn check(&mut self, mut request: Request<Body>) -> Self::Future {
        let credentials = self.clone();
        Box::pin(async move {
            let token = credentials.token().await?;
            let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
                CredentialError(
                    "the token is not a valid HTTP header value: fix the credential".into(),
                )
            })?;
            value.set_sensitive(true);
            request.headers_mut().insert(AUTHORIZATION, value);
            Ok(request)
        })
    }
}
