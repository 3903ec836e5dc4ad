//! The Linux release binary is portable: built by `krew/release`
//! (cargo-zigbuild, target `x86_64-unknown-linux-gnu.2.17`), it needs no
//! glibc symbol newer than 2.17, is under 10 MiB and runs.
//!
//! The release build takes minutes on two cores (fat LTO, one codegen unit),
//! so that test runs only with `KUBECTL_FLINK_RELEASE_TEST=1`; the ELF
//! reader it relies on is checked on every run, on the test build.

mod common;

use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

/// `(file, version)` for each symbol version the ELF file at `path` needs
/// (its `.gnu.version_r` section), e.g. `("libc.so.6", "GLIBC_2.17")`.
fn needed_versions(path: &Path) -> Result<Vec<(String, String)>, String> {
    let data = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let bytes = |at: usize, n: usize| {
        data.get(at..at + n)
            .ok_or_else(|| format!("truncated ELF at {at}"))
    };
    let u16_at = |at: usize| bytes(at, 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize);
    let u32_at =
        |at: usize| bytes(at, 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let u64_at = |at: usize| {
        bytes(at, 8).map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a) as usize
        })
    };
    if bytes(0, 4)? != b"\x7fELF" || bytes(4, 2)? != [2, 1] {
        return Err("not a little-endian 64-bit ELF file".into());
    }
    let (shoff, shentsize, shnum) = (u64_at(0x28)?, u16_at(0x3a)?, u16_at(0x3c)?);
    let section = |i: usize| -> Result<(usize, usize, usize, usize, usize), String> {
        let at = shoff + i * shentsize;
        // sh_type, sh_offset, sh_size, sh_link, sh_info
        Ok((
            u32_at(at + 4)?,
            u64_at(at + 24)?,
            u64_at(at + 32)?,
            u32_at(at + 40)?,
            u32_at(at + 44)?,
        ))
    };
    const SHT_GNU_VERNEED: usize = 0x6fff_fffe;
    let mut needed = Vec::new();
    for i in 0..shnum {
        let (kind, offset, _, link, count) = section(i)?;
        if kind != SHT_GNU_VERNEED {
            continue;
        }
        let (_, strings, strings_size, _, _) = section(link)?;
        let name = |at: usize| -> Result<String, String> {
            let table = bytes(strings, strings_size)?;
            let tail = table.get(at..).ok_or("string past its table")?;
            let end = tail
                .iter()
                .position(|&b| b == 0)
                .ok_or("unterminated string")?;
            Ok(String::from_utf8_lossy(&tail[..end]).into_owned())
        };
        let mut entry = offset;
        for _ in 0..count {
            let (aux_count, file) = (u16_at(entry + 2)?, name(u32_at(entry + 4)?)?);
            let mut aux = entry + u32_at(entry + 8)?;
            for _ in 0..aux_count {
                needed.push((file.clone(), name(u32_at(aux + 8)?)?));
                aux += u32_at(aux + 12)?;
            }
            entry += u32_at(entry + 12)?;
        }
    }
    Ok(needed)
}

/// The newest `GLIBC_x.y[.z]` among `needed`, as numbers.
fn newest_glibc(needed: &[(String, String)]) -> Option<Vec<u32>> {
    needed
        .iter()
        .filter_map(|(_, v)| v.strip_prefix("GLIBC_"))
        .filter_map(|v| v.split('.').map(|n| n.parse().ok()).collect())
        .max()
}

fn dotted(version: &[u32]) -> String {
    version
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[test]
#[cfg(target_os = "linux")]
fn the_elf_reader_finds_the_glibc_versions_readelf_finds() {
    let binary = binary();
    let needed = needed_versions(&binary).expect("the test build's version needs");
    assert!(
        needed
            .iter()
            .any(|(file, v)| file == "libc.so.6" && v.starts_with("GLIBC_2.")),
        "{needed:?}"
    );
    assert!(newest_glibc(&needed).is_some_and(|v| v >= vec![2, 2]));
    assert_eq!(newest_glibc(&[]), None);
    assert_eq!(
        newest_glibc(&[
            ("libc.so.6".into(), "GLIBC_2.2.5".into()),
            ("libc.so.6".into(), "GLIBC_2.17".into()),
            ("libc.so.6".into(), "GLIBC_PRIVATE".into()),
            ("libc.so.6".into(), "GLIBC_2.3.4".into()),
        ]),
        Some(vec![2, 17])
    );
    assert!(
        needed_versions(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("LICENSE")
                .as_path()
        )
        .is_err()
    );
    // binutils' reading of the same section, where it is installed.
    let Ok(readelf) = Command::new("readelf")
        .args(["-V", "--wide"])
        .arg(&binary)
        .stdin(Stdio::null())
        .output()
    else {
        eprintln!("readelf is not installed: not cross-checked");
        return;
    };
    let text = stdout(&readelf);
    let section = text
        .split("Version needs section")
        .nth(1)
        .expect("readelf shows the version needs");
    let mut theirs: Vec<String> = section
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "Name:")
        .map(|w| w[1].to_string())
        .collect();
    let mut ours: Vec<String> = needed.into_iter().map(|(_, v)| v).collect();
    theirs.sort();
    ours.sort();
    assert_eq!(ours, theirs);
}

#[test]
fn the_linux_release_binary_needs_glibc_2_17_at_most_and_is_small() {
    if std::env::var("KUBECTL_FLINK_RELEASE_TEST").as_deref() != Ok("1") {
        eprintln!(
            "skipped: the release build takes minutes; run with KUBECTL_FLINK_RELEASE_TEST=1"
        );
        return;
    }
    if std::env::consts::OS != "linux" || std::env::consts::ARCH != "x86_64" {
        eprintln!("skipped: the glibc 2.17 build is made on Linux x86-64");
        return;
    }
    let scratch = Scratch::new("release");
    let dist = scratch.path().join("dist");
    let manifest = scratch.path().join("flink.yaml");
    let mut release = Command::new("bash");
    // The environment of the shell that ran `cargo test`, without what cargo
    // adds for a test (its `CARGO`, `OUT_DIR`, library path, …), so that the release
    // build is the one a developer's `krew/release` made, not a fresh one.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key == "CARGO"
            || key == "LD_LIBRARY_PATH"
            || key.starts_with("CARGO_MANIFEST_")
            || key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_EXE_")
            || key.starts_with("CARGO_CRATE_")
            || key.starts_with("CARGO_PRIMARY_")
            || key.starts_with("CARGO_TARGET_TMPDIR")
            || key.starts_with("RUSTUP_TOOLCHAIN")
            || key == "RUST_RECURSION_COUNT"
            || key == "OUT_DIR"
        {
            release.env_remove(key.as_ref());
        }
    }
    let out = release
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/krew/release"))
        .arg("--dist")
        .arg(&dist)
        .arg("--manifest")
        .arg(&manifest)
        .stdin(Stdio::null())
        .output()
        .expect("run krew/release");
    assert!(out.status.success(), "krew/release: {}", stderr(&out));
    let binary = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/x86_64-unknown-linux-gnu/release/kubectl-flink");
    let needed = needed_versions(&binary).expect("the release binary's version needs");
    let newest = newest_glibc(&needed).expect("a glibc version needed");
    let size = std::fs::metadata(&binary)
        .expect("the release binary")
        .len();
    let archive = std::fs::metadata(dist.join("kubectl-flink-linux-amd64.tar.gz"))
        .expect("the archive")
        .len();
    eprintln!(
        "release binary: {size} bytes ({:.1} MiB), archive {:.1} MiB, newest glibc symbol version {}",
        size as f64 / 1048576.0,
        archive as f64 / 1048576.0,
        dotted(&newest)
    );
    assert!(
        newest <= vec![2, 17],
        "needs glibc {}: {needed:?}",
        dotted(&newest)
    );
    assert!(size < 10 << 20, "{size} bytes");
    let version = Command::new(&binary)
        .arg("version")
        .output()
        .expect("run the release binary");
    assert_eq!(version.status.code(), Some(0), "{}", stderr(&version));
    assert!(stdout(&version).contains(env!("CARGO_PKG_VERSION")));
}
