//! Flink's semantics on top of the raw configuration: cluster ids, releases,
//! memory, the application program, local files the client ships, and the
//! resolved [`spec::ClusterSpec`] that rendering reads.

pub mod cluster_id;
pub mod identity;
pub mod java;
pub mod local_files;
pub mod memory;
pub mod program;
pub mod redeploy;
pub mod release_choice;
pub mod spec;
pub mod version;
