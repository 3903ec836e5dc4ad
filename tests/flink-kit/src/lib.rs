//! Real Flink for kubectl-flink's tests.
//!
//! The product re-implements what Flink's own native Kubernetes client does, so its tests
//! compare against the real thing: the Flink 2.3.0 distribution from PyPI ([`flink_home`]),
//! Flink's own CLI run as an oracle ([`oracle`]), real standalone clusters to drive over REST
//! ([`jobmanager`], [`rest`]) and a small streaming job to run on them ([`jobjar`]).
//! Every process started here is killed when its owner is dropped or when the test process
//! dies, so no JVM outlives a test run.

pub mod cases;
pub mod golden;
pub mod jobjar;
pub mod jobmanager;
pub mod oracle;
pub mod rest;

mod install;
mod process;
mod procfs;
mod require;
mod sdist;
mod tempdir;

pub use install::{FLINK_VERSION, RELEASES, cache_dir, flink_home, flink_home_of};
pub use require::{in_ci, require_flink, require_flink_release, require_java, skip_loudly};
