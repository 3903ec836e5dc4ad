//! Integration tests: the real `kubectl`, kube-rs and Flink's own client against the
//! test API server, over real HTTP(S). One test binary keeps build and link time down.

mod common;
mod control_plane;
mod faults;
mod flink_oracle;
mod kube_api;
mod kubectl;
mod network;
mod rbac;
mod standalone;
