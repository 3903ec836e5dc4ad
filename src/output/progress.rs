//! Progress of a long wait on stderr: on a terminal one line rewritten in
//! place with the time spent, on a pipe (CI logs) one line per change — so
//! a user sees that something happens and a log shows what happened.

use super::Output;
use std::time::Instant;

/// One wait's progress line.
pub struct ProgressLine {
    output: Output,
    shown: bool,
    started: Instant,
}

impl ProgressLine {
    /// A line on `output`'s stderr, rewritten in place on a terminal.
    pub fn new(output: &Output) -> ProgressLine {
        ProgressLine {
            output: output.clone(),
            shown: false,
            started: Instant::now(),
        }
    }

    /// Show the current state.
    pub fn update(&mut self, text: &str) {
        let elapsed = self.started.elapsed().as_secs();
        if self.output.err_terminal() {
            self.output
                .err_text(&format!("\r\x1b[K… {text} [{elapsed}s]"));
        } else {
            self.output.err_text(&format!("… {text} [{elapsed}s]\n"));
        }
        self.shown = true;
    }

    /// End the line on a terminal, so what follows starts on its own.
    pub fn finish(&mut self) {
        if self.output.err_terminal() && self.shown {
            self.output.err_text("\n");
        }
        self.shown = false;
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_a_pipe_each_change_is_its_own_line() {
        let (output, captured) = Output::memory();
        let mut line = ProgressLine::new(&output);
        line.update("Pending");
        line.update("Running");
        line.finish();
        let text = captured.stderr();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(text.starts_with("… Pending [0s]\n"), "{text}");
        assert!(!text.contains('\r'), "{text}");
    }

    #[test]
    fn on_a_terminal_the_line_is_rewritten_in_place() {
        let captured = crate::output::Captured::default();
        let output = captured.output(true);
        let mut line = ProgressLine::new(&output);
        line.update("Pending");
        line.update("Running");
        line.finish();
        let text = captured.stderr();
        assert_eq!(text, "\r\x1b[K… Pending [0s]\r\x1b[K… Running [0s]\n");
    }
}
