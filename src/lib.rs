//! kubectl-flink: Apache Flink's native Kubernetes deployment, as a kubectl
//! plugin with no JVM.
//!
//! The layers, each knowing only the ones before it:
//! [`cli`] (flags) → [`config`] (Flink configuration) → [`flink`] (Flink's
//! semantics, a resolved cluster spec) → [`render`] (pure Kubernetes objects)
//! → [`cluster`] (talking to the API server) → [`output`] (what users see).
//! [`commands`] wires one verb through them.

pub mod cli;
pub mod cluster;
pub mod commands;
pub mod config;
pub mod error;
pub mod flink;
pub mod output;
pub mod render;
pub mod rest;
