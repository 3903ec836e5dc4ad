//! What both benchmarks share: a tiny C parent that measures a command's
//! wall time and peak RSS, medians and the printed rows.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Peak RSS needs a tiny parent: Linux folds the memory a child had before
/// exec into its ru_maxrss, and this benchmark process is large.
const SPAWNER_C: &str = include_str!("../spawn.c");

pub struct Measured {
    pub wall_ms: f64,
    pub peak_mib: f64,
}

pub fn build_spawner(dir: &Path) -> PathBuf {
    let source = dir.join("spawn.c");
    let binary = dir.join("spawn");
    std::fs::write(&source, SPAWNER_C).expect("write spawner source");
    let status = Command::new("cc")
        .arg("-O2")
        .arg("-o")
        .arg(&binary)
        .arg(&source)
        .status()
        .expect("cc");
    assert!(status.success(), "compiling the spawner failed");
    binary
}

pub fn spawn_measured(spawner: &Path, argv: &[String], envs: &[(&str, String)]) -> Measured {
    let out = Command::new(spawner)
        .args(argv)
        .envs(envs.iter().map(|(k, v)| (*k, v)))
        .output()
        .expect("spawner");
    let text = String::from_utf8_lossy(&out.stdout);
    let fields: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(fields.len(), 3, "spawner output: {text}");
    assert_eq!(fields[2], "0", "{argv:?} failed");
    Measured {
        wall_ms: fields[0].parse().unwrap_or(f64::NAN),
        peak_mib: fields[1].parse::<f64>().unwrap_or(f64::NAN) / 1024.0,
    }
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

pub fn row(label: &str, wall_ms: f64, peak_mib: f64, requests: &str) {
    println!("{label:<58} {wall_ms:>10.1} {peak_mib:>10.1} {requests:>9}");
}
