//! kubectl-flink: Apache Flink's native Kubernetes deployment, as a kubectl
//! plugin with no JVM.
//!
//! The layers, each knowing only the ones before it (the pure ones —
//! configuration, Flink's semantics, rendering — in the `kubectl-flink-core`
//! crate):
//! [`cli`] (flags) → [`config`] (Flink configuration) → [`flink`] (Flink's
//! semantics, a resolved cluster spec) → [`render`] (pure Kubernetes objects)
//! → [`cluster`] (talking to the API server) → [`output`] (what users see).
//! [`commands`] wires one verb through them.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod environment;
pub mod error;
pub mod output;
pub mod redact;
pub mod rest;
pub mod trace;
pub mod user_agent;

/// The pure layers live in their own crate (`core/`), which depends on no
/// Kubernetes client, runtime or command line.
pub use kubectl_flink_core::{config, flink, render};
