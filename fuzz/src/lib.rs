//! The fuzz targets of kubectl-flink (see `targets`).

pub mod targets;
