//! A Kubernetes API server for kubectl-flink's tests (never shipped).
//!
//! No cluster can run on the test machines, so this crate serves the parts of the
//! Kubernetes API that kubectl, kube-rs and Flink's own Fabric8 client use, statefully
//! and over real HTTP: discovery, CRUD with the real metadata, patch and error
//! semantics, watches, garbage collection, a simulated control plane and kubelet, RBAC,
//! port-forward and service proxy to real local backends, and fault injection.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = test_apiserver::ApiServer::start(Default::default()).await?;
//! println!("kubectl --kubeconfig {} get pods", server.kubeconfig_path().display());
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod authn;
mod controllers;
mod defaults;
mod discovery;
mod faults;
pub mod flink_oracle;
mod gc;
mod handler;
mod http_util;
mod kubeconfig;
mod logs;
mod meta;
mod options;
mod paging;
mod patch;
mod portforward;
mod protobuf;
mod proxy;
mod rbac;
mod resources;
mod rest;
mod reviews;
mod routing;
mod selectors;
mod server;
mod spdy;
mod spdy_portforward;
mod state;
mod status;
mod store;
mod subresources;
mod table;
mod tls;
mod validation;
mod watch;

pub use faults::{Fault, FaultAction, RecordedRequest, max_concurrency, path_matches};
pub use options::{PodFailure, ServerOptions};
pub use proxy::POD_HEADER;
pub use server::ApiServer;
pub use status::ApiError;
