//! Where a verb writes: stdout for results, stderr for messages. Verbs get
//! an [`Output`] instead of printing, so they run the same against the
//! process's streams and against memory in tests; it is cheap to clone into
//! tasks (port-forward connections, the Ctrl-C handler).

use colored::Colorize;
use std::io::Write;
use std::sync::{Arc, Mutex};

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// A command's stdout and stderr.
#[derive(Clone)]
pub struct Output {
    out: Sink,
    err: Sink,
    err_terminal: bool,
    out_terminal: bool,
}

/// Writing the result failed (other than a closed pipe).
#[derive(Debug, thiserror::Error)]
#[error("cannot write to stdout: {0}")]
pub struct WriteError(#[from] std::io::Error);

impl Output {
    /// The process's stdout and stderr; `err_terminal` says whether stderr
    /// is a terminal (progress is then rewritten in place), `out_terminal`
    /// whether stdout is (a watch then redraws the screen).
    pub fn process(err_terminal: bool, out_terminal: bool) -> Output {
        Output {
            out_terminal,
            ..Output::new(
                Box::new(std::io::stdout()),
                Box::new(std::io::stderr()),
                err_terminal,
            )
        }
    }

    /// Any two writers.
    pub fn new(
        out: Box<dyn Write + Send>,
        err: Box<dyn Write + Send>,
        err_terminal: bool,
    ) -> Output {
        Output {
            out: Arc::new(Mutex::new(out)),
            err: Arc::new(Mutex::new(err)),
            err_terminal,
            out_terminal: false,
        }
    }

    /// Output into memory, and the handle to read it back (for tests).
    pub fn memory() -> (Output, Captured) {
        let captured = Captured::default();
        (captured.output(false), captured)
    }

    /// Whether stderr is a terminal.
    pub fn err_terminal(&self) -> bool {
        self.err_terminal
    }

    /// Whether stdout is a terminal.
    pub fn out_terminal(&self) -> bool {
        self.out_terminal
    }

    /// A result on stdout; a closed pipe (`| head`) ends output quietly, as
    /// command-line tools do.
    pub fn print(&self, text: &str) -> Result<(), WriteError> {
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => Ok(other?),
        }
    }

    /// Text on stderr as it is (prompts, progress); errors writing to
    /// stderr have nowhere to be reported and are dropped.
    pub fn err_text(&self, text: &str) {
        let mut err = self
            .err
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
    }

    /// `error: <message>` on stderr.
    pub fn error(&self, message: &str) {
        self.err_text(&format!("{} {message}\n", "error:".red().bold()));
    }

    /// `warning: <message>` on stderr.
    pub fn warn(&self, message: &str) {
        self.err_text(&format!("{} {message}\n", "warning:".yellow().bold()));
    }

    /// Each of `messages` as a warning.
    pub fn warn_all(&self, messages: &[String]) {
        for message in messages {
            self.warn(message);
        }
    }

    /// A note for the user on stderr, kept off stdout so output stays parseable.
    pub fn note(&self, message: &str) {
        self.err_text(&format!("{}\n", message.dimmed()));
    }
}

/// What a verb wrote to an [`Output::memory`].
#[derive(Clone, Default)]
pub struct Captured {
    out: SharedBuffer,
    err: SharedBuffer,
}

impl Captured {
    /// An [`Output`] writing here; `err_terminal` pretends stderr is a terminal.
    pub fn output(&self, err_terminal: bool) -> Output {
        Output::new(
            Box::new(self.out.clone()),
            Box::new(self.err.clone()),
            err_terminal,
        )
    }

    /// Everything written to stdout so far.
    pub fn stdout(&self) -> String {
        self.out.text()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        self.err.text()
    }
}

#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    fn text(&self) -> String {
        let bytes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_pipe_ends_output_quietly() {
        let output = Output::new(Box::new(ClosedPipe), Box::new(std::io::sink()), false);
        assert!(output.print("row\n").is_ok());
    }

    #[test]
    fn results_and_messages_go_to_their_own_streams() {
        let (output, captured) = Output::memory();
        output.print("result\n").unwrap();
        output.note("a note");
        assert_eq!(captured.stdout(), "result\n");
        assert!(
            captured.stderr().contains("a note"),
            "{}",
            captured.stderr()
        );
    }
}
