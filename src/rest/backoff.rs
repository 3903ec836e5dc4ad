//! Polling delays as Flink's own client uses them for asynchronous
//! operations: start at 10 ms and double up to 2 s, so quick savepoints
//! return quickly and slow ones do not hammer the JobManager.

use std::time::Duration;

/// First delay between two polls.
pub const FIRST_DELAY: Duration = Duration::from_millis(10);
/// Largest delay between two polls.
pub const MAX_DELAY: Duration = Duration::from_secs(2);

/// Exponential back-off: each call to [`Backoff::next_delay`] returns the
/// current delay and doubles it, up to a cap.
#[derive(Debug, Clone)]
pub struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    /// Flink's client back-off: 10 ms doubling to 2 s.
    pub fn flink_default() -> Self {
        Self::new(FIRST_DELAY, MAX_DELAY)
    }

    /// A back-off from `first` doubling up to `max`.
    pub fn new(first: Duration, max: Duration) -> Self {
        Self {
            next: first.min(max),
            max,
        }
    }

    /// The delay to wait now; later calls return longer delays, up to the cap.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_from_10ms_and_stop_at_2s() {
        let mut backoff = Backoff::flink_default();
        let delays: Vec<u128> = (0..11).map(|_| backoff.next_delay().as_millis()).collect();
        assert_eq!(
            delays,
            [10, 20, 40, 80, 160, 320, 640, 1280, 2000, 2000, 2000]
        );
    }

    #[test]
    fn a_first_delay_above_the_cap_is_capped() {
        let mut backoff = Backoff::new(Duration::from_secs(5), Duration::from_secs(1));
        assert_eq!(backoff.next_delay(), Duration::from_secs(1));
    }
}
