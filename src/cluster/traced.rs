//! `-v=6` and `-v=8` for API server requests: a layer around kube's client
//! that hands each request's method, URL, status and time (and at 8 its
//! headers and body, masked) to [`crate::trace`].

use crate::trace;
use http::{Request, Response};
use kube::client::Body;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

/// The layer; `server` is the API server's URL, which the requests do not
/// carry yet where this layer sees them.
#[derive(Clone)]
pub struct TraceLayer {
    pub server: String,
}

impl<S> tower::Layer<S> for TraceLayer {
    type Service = Traced<S>;

    fn layer(&self, inner: S) -> Traced<S> {
        Traced {
            inner,
            server: self.server.clone(),
        }
    }
}

/// A service whose requests are logged.
#[derive(Clone)]
pub struct Traced<S> {
    inner: S,
    server: String,
}

type Boxed<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B> tower::Service<Request<Body>> for Traced<S>
where
    S: tower::Service<Request<Body>, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    B: 'static,
{
    type Response = Response<B>;
    type Error = S::Error;
    type Future = Boxed<Response<B>, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if !trace::enabled(trace::REQUESTS) {
            return Box::pin(self.inner.call(request));
        }
        let started = Instant::now();
        let what = format!(
            "{} {}{}",
            request.method(),
            self.server.trim_end_matches('/'),
            request.uri()
        );
        let body = trace::enabled(trace::BODIES)
            .then(|| request.body().try_clone())
            .flatten();
        if trace::enabled(trace::BODIES) {
            for (name, value) in request.headers() {
                trace::line(
                    trace::BODIES,
                    &format!(
                        "Request header {}",
                        trace::header(name.as_str(), value.to_str().unwrap_or("<binary>"))
                    ),
                );
            }
        }
        let response = self.inner.call(request);
        Box::pin(async move {
            if let Some(body) = body
                && let Ok(bytes) = body.collect_bytes().await
                && !bytes.is_empty()
            {
                trace::line(
                    trace::BODIES,
                    &format!("Request body: {}", trace::body(&bytes)),
                );
            }
            let result = response.await;
            let elapsed = started.elapsed().as_millis();
            match &result {
                Ok(response) => {
                    trace::line(
                        trace::REQUESTS,
                        &format!("{what} {} in {elapsed} ms", response.status()),
                    );
                    for (name, value) in response.headers() {
                        trace::line(
                            trace::BODIES,
                            &format!(
                                "Response header {}",
                                trace::header(name.as_str(), value.to_str().unwrap_or("<binary>"))
                            ),
                        );
                    }
                }
                Err(_) => trace::line(
                    trace::REQUESTS,
                    &format!("{what} failed after {elapsed} ms"),
                ),
            }
            result
        })
    }
}
