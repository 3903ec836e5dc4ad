//! A `.tar.gz` of text files (ustar, gzip): what `report` writes. Small and
//! dependency-free but for gzip, since a bundle holds only regular files.

use flate2::Compression;
use flate2::write::GzEncoder;
use std::io::Write;

/// Files for a bundle, in the order they are added.
#[derive(Debug, Default)]
pub struct Bundle {
    files: Vec<(String, Vec<u8>)>,
}

impl Bundle {
    /// Add `path` (relative, `/`-separated) with `contents`.
    pub fn add(&mut self, path: impl Into<String>, contents: impl Into<Vec<u8>>) {
        self.files.push((path.into(), contents.into()));
    }

    /// The paths added so far.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.iter().map(|(p, _)| p.as_str())
    }

    /// The gzipped tar, every file dated `mtime` (seconds since the epoch).
    pub fn to_tar_gz(&self, mtime: u64) -> std::io::Result<Vec<u8>> {
        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        for (path, contents) in &self.files {
            gzip.write_all(&header(path, contents.len() as u64, mtime)?)?;
            gzip.write_all(contents)?;
            let padding = (512 - contents.len() % 512) % 512;
            gzip.write_all(&vec![0u8; padding])?;
        }
        gzip.write_all(&[0u8; 1024])?;
        gzip.finish()
    }
}

/// A ustar header for a regular file.
fn header(path: &str, size: u64, mtime: u64) -> std::io::Result<[u8; 512]> {
    let mut block = [0u8; 512];
    let (prefix, name) = split_path(path).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("path too long for a tar: {path}"),
        )
    })?;
    block[..name.len()].copy_from_slice(name.as_bytes());
    let octal = |field: &mut [u8], value: u64| {
        let text = format!("{value:0width$o}\0", width = field.len() - 1);
        field.copy_from_slice(text.as_bytes());
    };
    octal(&mut block[100..108], 0o644);
    octal(&mut block[108..116], 0);
    octal(&mut block[116..124], 0);
    octal(&mut block[124..136], size);
    octal(&mut block[136..148], mtime);
    block[156] = b'0';
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    block[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
    block[148..156].copy_from_slice(b"        ");
    let sum: u32 = block.iter().map(|b| u32::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    block[148..156].copy_from_slice(text.as_bytes());
    Ok(block)
}

/// ustar's 155-byte prefix and 100-byte name.
fn split_path(path: &str) -> Option<(&str, &str)> {
    if path.len() <= 100 {
        return Some(("", path));
    }
    let cut = path[..path.len().min(156)].rfind('/')?;
    let (prefix, name) = (&path[..cut], &path[cut + 1..]);
    (prefix.len() <= 155 && name.len() <= 100).then_some((prefix, name))
}
