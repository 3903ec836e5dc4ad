//! What users see: objects as YAML or JSON, and styled messages on stderr.

pub mod changes;
pub mod objects;
pub mod progress;
pub mod style;
pub mod table;

use std::io::Write;

/// Write to stdout; a closed pipe (`| head`) ends output quietly instead of
/// failing, as command-line tools do.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Messages are one line: stray line breaks and runs of spaces from servers
/// (Java stack traces, API server messages) are flattened to single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
