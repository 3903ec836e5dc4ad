//! kubectl-flink's pure core, in the order data flows through it:
//! [`config`] (Flink's configuration: files, `-D`, the typed option
//! registry) → [`flink`] (Flink's semantics: ids, releases, memory, the
//! resolved cluster spec) → [`render`] (the Kubernetes objects Flink's
//! client creates). No Kubernetes client, async runtime, command line or
//! printing: its crate has none of those dependencies, so it cannot grow them.

pub mod config;
pub mod flink;
pub mod render;
