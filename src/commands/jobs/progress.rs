//! A progress line on stderr while a long request runs (a large jar
//! upload): only on a terminal, redrawn in place, erased when done, so
//! logs and pipes never see it.

use crate::output::Output;
use std::time::{Duration, Instant};

/// Jars smaller than this upload too fast to need an indicator.
pub const LARGE_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// Runs `work`, showing `label` with a spinner and the elapsed time on
/// `show`'s stderr every quarter second if that is a terminal.
pub async fn with_spinner<F: Future>(label: &str, show: Option<&Output>, work: F) -> F::Output {
    let Some(output) = show.filter(|o| o.err_terminal()) else {
        return work.await;
    };
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let mut work = std::pin::pin!(work);
    let frames = ['|', '/', '-', '\\'];
    let mut frame = 0;
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = ticker.tick() => {
                output.err_text(&format!("\r{} {label} {}s ", frames[frame % frames.len()], started.elapsed().as_secs()));
                frame += 1;
            }
        }
    };
    // Erase the line so the next message starts clean.
    output.err_text("\r\x1b[2K");
    result
}

/// Runs `work`, showing `label` with the bytes sent so far (from
/// `progress`) out of `total` on `show`'s stderr, if that is a terminal.
pub async fn with_byte_progress<F: Future>(
    label: &str,
    total: usize,
    progress: &crate::rest::UploadProgress,
    show: Option<&Output>,
    work: F,
) -> F::Output {
    let Some(output) = show.filter(|o| o.err_terminal()) else {
        return work.await;
    };
    let mut ticker = tokio::time::interval(Duration::from_millis(250));
    let mut work = std::pin::pin!(work);
    let result = loop {
        tokio::select! {
            result = &mut work => break result,
            _ = ticker.tick() => {
                output.err_text(&format!("\r{label} {}", progress_text(progress.sent() as usize, total)));
            }
        }
    };
    output.err_text("\r\x1b[2K");
    result
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
        let (output, captured) = Output::memory();
        assert_eq!(with_spinner("x", Some(&output), async { 7 }).await, 7);
        assert_eq!(captured.stderr(), "");
    }
}
