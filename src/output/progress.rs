//! Progress of a long wait on stderr: on a terminal one line rewritten in
//! place with the time spent, on a pipe (CI logs) one line per change — so
//! a user sees that something happens and a log shows what happened.

use std::io::{IsTerminal, Write};
use std::time::Instant;

/// One wait's progress line.
pub struct ProgressLine {
    terminal: bool,
    shown: bool,
    started: Instant,
}

impl Default for ProgressLine {
    fn default() -> Self {
        ProgressLine::new()
    }
}

impl ProgressLine {
    /// A line on stderr, rewritten in place when stderr is a terminal.
    pub fn new() -> ProgressLine {
        ProgressLine {
            terminal: std::io::stderr().is_terminal(),
            shown: false,
            started: Instant::now(),
        }
    }

    /// Show the current state.
    pub fn update(&mut self, text: &str) {
        let elapsed = self.started.elapsed().as_secs();
        let mut stderr = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(stderr, "\r\x1b[K… {text} [{elapsed}s]")
        } else {
            writeln!(stderr, "… {text} [{elapsed}s]")
        };
        let _ = stderr.flush();
        self.shown = true;
    }

    /// End the line on a terminal, so what follows starts on its own.
    pub fn finish(&mut self) {
        if self.terminal && self.shown {
            eprintln!();
        }
        self.shown = false;
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}
