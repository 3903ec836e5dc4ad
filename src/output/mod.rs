//! What users see. Verbs write through an [`Output`] (results on stdout,
//! messages on stderr) and show every result through the one printer
//! ([`printer`]); nothing below this layer prints.

pub mod bundle;
pub mod changes;
pub mod objects;
pub mod printer;
pub mod progress;
pub mod stream;
pub mod style;
pub mod table;

pub use printer::{Format, Printable};
pub use stream::{Captured, Output};

/// Showing a result failed.
#[derive(Debug, thiserror::Error)]
pub enum ShowError {
    #[error(transparent)]
    Print(#[from] printer::PrintError),
    #[error(transparent)]
    Write(#[from] stream::WriteError),
}

impl Output {
    /// `value` in `format` on stdout (an empty result's sentence on stderr).
    pub fn show<P: Printable>(&self, value: &P, format: Option<Format>) -> Result<(), ShowError> {
        let rendered = printer::render(value, format)?;
        if let Some(note) = rendered.note {
            self.note(&note);
        }
        Ok(self.print(&rendered.stdout)?)
    }
}

/// Messages are one line: stray line breaks and runs of spaces from servers
/// (Java stack traces, API server messages) are flattened to single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
