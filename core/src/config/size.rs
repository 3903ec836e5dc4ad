//! Memory sizes and durations, parsed exactly as Flink parses them, so a value
//! that works in `config.yaml` works here and a value Flink rejects is
//! rejected before anything is created.

/// A number of bytes, from Flink's `MemorySize` syntax (`1600m`, `2 gb`, `1024`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MemorySize(pub u64);

impl MemorySize {
    /// One mebibyte, the unit of Kubernetes memory quantities Flink writes (`Mi`).
    pub const MIB: u64 = 1 << 20;

    /// Whole mebibytes, rounded down as Flink's `getMebiBytes()` does.
    pub fn mebibytes(self) -> u64 {
        self.0 / Self::MIB
    }

    /// Parse Flink's syntax: digits, optional blanks, optional unit
    /// (`b|bytes`, `k|kb|kibibytes`, `m|mb|mebibytes`, `g|gb|gibibytes`,
    /// `t|tb|tebibytes`, any case). No unit means bytes.
    pub fn parse(text: &str) -> Result<MemorySize, String> {
        let trimmed = text.trim();
        let digits_end = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(digits_end);
        if number.is_empty() {
            return Err(format!(
                "'{text}' is not a memory size: expected a whole number with an optional unit, e.g. 1600m or 2g"
            ));
        }
        let value: u64 = number
            .parse()
            .map_err(|_| format!("'{text}' is too large a memory size"))?;
        let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" | "bytes" => 1,
            "k" | "kb" | "kibibytes" => 1 << 10,
            "m" | "mb" | "mebibytes" => 1 << 20,
            "g" | "gb" | "gibibytes" => 1 << 30,
            "t" | "tb" | "tebibytes" => 1 << 40,
            other => {
                return Err(format!(
                    "'{text}' has an unknown memory unit '{other}': use b, k, m, g or t (e.g. 1600m)"
                ));
            }
        };
        value
            .checked_mul(multiplier)
            .map(MemorySize)
            .ok_or_else(|| format!("'{text}' is too large a memory size"))
    }
}

/// Parse Flink's duration syntax (`TimeUtils.parseDuration`): digits, optional
/// blanks, optional unit; no unit means milliseconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let value: u64 = number.parse().map_err(|_| {
        format!(
            "'{text}' is not a duration: expected a whole number with a unit, e.g. 30 s or 500 ms"
        )
    })?;
    let nanos_per_unit: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "ns" | "nano" | "nanos" | "nanosecond" | "nanoseconds" => 1,
        "µs" | "micro" | "micros" | "microsecond" | "microseconds" => 1_000,
        "" | "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => 1_000_000,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000_000_000,
        "m" | "min" | "minute" | "minutes" => 60_000_000_000,
        "h" | "hour" | "hours" => 3_600_000_000_000,
        "d" | "day" | "days" => 86_400_000_000_000,
        other => {
            return Err(format!(
                "'{text}' has an unknown time unit '{other}': use ms, s, min, h or d"
            ));
        }
    };
    value
        .checked_mul(nanos_per_unit)
        .map(std::time::Duration::from_nanos)
        .ok_or_else(|| format!("'{text}' is too long a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn memory_units_follow_flink() {
        assert_eq!(MemorySize::parse("1600m").unwrap().mebibytes(), 1600);
        assert_eq!(MemorySize::parse("2 gb").unwrap().mebibytes(), 2048);
        assert_eq!(MemorySize::parse("1G").unwrap().0, 1 << 30);
        assert_eq!(MemorySize::parse("1024").unwrap().0, 1024);
        assert_eq!(MemorySize::parse("64 kibibytes").unwrap().0, 65536);
        assert_eq!(MemorySize::parse("1t").unwrap().0, 1 << 40);
        assert_eq!(MemorySize::parse("1500000b").unwrap().mebibytes(), 1);
    }

    #[test]
    fn malformed_memory_sizes_name_the_fix() {
        for bad in ["", "m", "1.5g", "12 parsecs", "-1m", "99999999999999999999"] {
            let err = MemorySize::parse(bad).unwrap_err();
            assert!(err.contains(bad), "{bad}: {err}");
        }
        assert!(
            MemorySize::parse("1.5g")
                .unwrap_err()
                .contains("unknown memory unit")
        );
        assert!(
            MemorySize::parse("20000000t")
                .unwrap_err()
                .contains("too large")
        );
    }

    #[test]
    fn durations_follow_flink() {
        assert_eq!(parse_duration("50 ms").unwrap(), Duration::from_millis(50));
        assert_eq!(parse_duration("1 min").unwrap(), Duration::from_secs(60));
        assert_eq!(parse_duration("15 s").unwrap(), Duration::from_secs(15));
        assert_eq!(parse_duration("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("fast").is_err());
        assert!(
            parse_duration("3 fortnights")
                .unwrap_err()
                .contains("unknown time unit")
        );
    }
}
