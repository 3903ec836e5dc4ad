//! A progress line on stderr while a long request runs (a large jar
//! upload): only on a terminal, redrawn in place, erased when done, so
//! logs and pipes never see it.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Jars smaller than this upload too fast to need an indicator.
pub const LARGE_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// Runs `work`, showing `label` with a spinner and the elapsed time on
/// stderr every quarter second if stderr is a terminal and `show` is true.
pub async fn with_spinner<F: Future>(label: &str, show: bool, work: F) -> F::Output {
    if !show || !std::io::stderr().is_terminal() {
        return work.await;
    }
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let mut work = std::pin::pin!(work);
    let frames = ['|', '/', '-', '\\'];
    let mut frame = 0;
    let output = loop {
        tokio::select! {
            output = &mut work => break output,
            _ = ticker.tick() => {
                eprint!("\r{} {label} {}s ", frames[frame % frames.len()], started.elapsed().as_secs());
                let _ = std::io::stderr().flush();
                frame += 1;
            }
        }
    };
    // Erase the line so the next message starts clean.
    eprint!("\r\x1b[2K");
    let _ = std::io::stderr().flush();
    output
}

/// Runs `work`, showing `label` with the bytes sent so far (from
/// `progress`) out of `total` on stderr, if stderr is a terminal and `show`.
pub async fn with_byte_progress<F: Future>(
    label: &str,
    total: usize,
    progress: &crate::rest::UploadProgress,
    show: bool,
    work: F,
) -> F::Output {
    if !show || !std::io::stderr().is_terminal() {
        return work.await;
    }
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let mut work = std::pin::pin!(work);
    let output = loop {
        tokio::select! {
            output = &mut work => break output,
            _ = ticker.tick() => {
                eprint!("\r{label} {}", progress_text(progress.sent() as usize, total));
                let _ = std::io::stderr().flush();
            }
        }
    };
    eprint!("\r\x1b[2K");
    let _ = std::io::stderr().flush();
    output
}

/// `12.3 MiB / 80.0 MiB (15%)`, the count capped at the total.
pub fn progress_text(sent: usize, total: usize) -> String {
    let sent = sent.min(total);
    let percent = (sent * 100).checked_div(total).unwrap_or(100);
    format!("{} / {} ({percent}%)", human_size(sent), human_size(total))
}

/// A byte count as kubectl-ish binary units (`12.3 MiB`).
pub fn human_size(bytes: usize) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(12 * 1024 * 1024 + 300 * 1024), "12.3 MiB");
    }

    #[test]
    fn progress_shows_sent_of_total() {
        assert_eq!(progress_text(0, 2048), "0 B / 2.0 KiB (0%)");
        assert_eq!(progress_text(1024, 2048), "1.0 KiB / 2.0 KiB (50%)");
        assert_eq!(progress_text(4096, 2048), "2.0 KiB / 2.0 KiB (100%)");
    }

    #[tokio::test]
    async fn without_a_terminal_the_work_just_runs() {
        assert_eq!(with_spinner("x", true, async { 7 }).await, 7);
    }
}
