//! Durations on the command line (`--timeout`, `--grace-period`), read the
//! way kubectl reads them: a bare number is seconds, units `ms`, `s`, `m`,
//! `h` may be combined (`1h30m`). Every CLI duration goes through here, so
//! `--timeout 300` means the same on every verb.

use std::time::Duration;

/// kubectl's `--request-timeout`: a duration, where 0 means no limit.
pub fn parse_request_timeout(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

/// Parses `90s`, `5m`, `1h30m`, `500ms` or plain seconds (`90`).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("'{text}' is not a duration: use e.g. 90s, 5m or 1h30m");
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let value: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value.saturating_mul(60)),
            "h" => Duration::from_secs(value.saturating_mul(3600)),
            _ => return Err(invalid()),
        };
        total = total.saturating_add(unit);
        rest = &rest[unit_len..];
    }
    if text.is_empty() {
        return Err(invalid());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_like_kubectl_timeouts() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("m").is_err());
    }
}
