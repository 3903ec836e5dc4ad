//! Flink's `MemorySize` arithmetic and formatting, to the byte, because the
//! container's memory and Flink's refusal messages come from these numbers:
//! sums overflow at Java's `Long.MAX_VALUE`, `multiply` is exact decimal
//! arithmetic on `Double.toString` of the factor (`BigDecimal`), truncated, and
//! `toHumanReadableString` prints `160.000mb (167772160 bytes)`.

/// `Long.MAX_VALUE`, the largest size Flink can hold.
pub const MAX: u64 = i64::MAX as u64;

/// `MemorySize.add` (`Math.addExact`): `None` where Java throws `long overflow`.
pub fn add(a: u64, b: u64) -> Option<u64> {
    a.checked_add(b).filter(|sum| *sum <= MAX)
}

/// `MemorySize.multiply(double)`: `BigDecimal.valueOf(bytes) *
/// BigDecimal.valueOf(multiplier)`, truncated to whole bytes; `None` where
/// Java throws (`long overflow`, or a negative or non-finite factor).
///
/// `BigDecimal.valueOf(double)` reads `Double.toString`, i.e. the shortest
/// digits that round-trip, which is what Rust's `{:e}` prints. (Java 17's
/// `Double.toString` is not always the shortest; for the fractions Flink
/// multiplies by this has not been seen to matter.)
pub fn multiply(bytes: u64, multiplier: f64) -> Option<u64> {
    if !multiplier.is_finite() || multiplier < 0.0 {
        return None;
    }
    if multiplier == 0.0 || bytes == 0 {
        return Some(0);
    }
    let (digits, exponent) = shortest_digits(multiplier)?;
    // multiplier = digits * 10^exponent exactly.
    let product = u128::from(bytes).checked_mul(u128::from(digits))?;
    let limit = u128::from(MAX);
    if exponent >= 0 {
        let scale = 10u128.checked_pow(u32::try_from(exponent).ok()?)?;
        let scaled = product.checked_mul(scale)?;
        return (scaled <= limit).then_some(scaled as u64);
    }
    // Divide by 10^-exponent in steps that fit u128; floor division composes.
    let mut quotient = product;
    let mut remainder_nonzero = false;
    let mut left = exponent.unsigned_abs();
    while left > 0 && quotient > 0 {
        let step = left.min(38);
        let divisor = 10u128.pow(step);
        remainder_nonzero |= quotient % divisor != 0;
        quotient /= divisor;
        left -= step;
    }
    // Java compares the exact product with Long.MAX_VALUE before truncating.
    if quotient > limit || (quotient == limit && remainder_nonzero) {
        return None;
    }
    Some(quotient as u64)
}

/// The shortest round-trip decimal digits of a positive finite double, as
/// an integer and a power of ten: `0.1` is `(1, -1)`.
fn shortest_digits(value: f64) -> Option<(u64, i32)> {
    let text = format!("{value:e}");
    let (mantissa, exponent) = text.split_once('e')?;
    let exponent: i32 = exponent.parse().ok()?;
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: u64 = format!("{whole}{fraction}").parse().ok()?;
    let fraction_len = i32::try_from(fraction.len()).ok()?;
    Some((digits, exponent - fraction_len))
}

/// `MemorySize.toHumanReadableString()`: the largest unit the size exceeds,
/// three decimals rounded half up (Java's `%.3f`), then the exact bytes;
/// up to 1 KiB just `N bytes`.
pub fn human(bytes: u64) -> String {
    const UNITS: [(u64, &str); 4] = [
        (1 << 10, "kb"),
        (1 << 20, "mb"),
        (1 << 30, "gb"),
        (1 << 40, "tb"),
    ];
    match UNITS
        .iter()
        .rev()
        .find(|(multiplier, _)| bytes > *multiplier)
    {
        None => format!("{bytes} bytes"),
        Some((multiplier, unit)) => {
            let approximate = bytes as f64 / *multiplier as f64;
            format!("{}{unit} ({bytes} bytes)", fixed3_half_up(approximate))
        }
    }
}

/// Java's `String.format("%.3f", x)` for a non-negative finite `x`: the
/// shortest digits of `x`, rounded half up to three decimals.
fn fixed3_half_up(value: f64) -> String {
    let thousandths = match shortest_digits(value) {
        None => 0,
        Some((digits, exponent)) => {
            let digits = u128::from(digits);
            let shift = exponent + 3;
            if shift >= 0 {
                10u128
                    .checked_pow(shift.unsigned_abs())
                    .and_then(|scale| digits.checked_mul(scale))
                    .unwrap_or(u128::MAX)
            } else if shift < -38 {
                0
            } else {
                let divisor = 10u128.pow(shift.unsigned_abs());
                let rounded_up = digits % divisor >= divisor / 2;
                digits / divisor + u128::from(rounded_up)
            }
        }
    };
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

/// A size as a `-D` value: whole mebibytes as `1600m`, anything else in bytes.
pub fn as_option_value(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes.is_multiple_of(MIB) {
        format!("{}m", bytes / MIB)
    } else {
        format!("{bytes}b")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    #[test]
    fn multiply_is_exact_decimal_then_truncated() {
        // Flink's fractions are floats: 0.1f widens to 0.10000000149011612.
        let tenth = f64::from(0.1f32);
        assert_eq!(multiply(1600 * MIB, tenth), Some(167_772_162));
        assert_eq!(multiply(100 * MIB, 0.1), Some(10 * MIB));
        // 0.1 / 0.9 in doubles is 0.11111111111111112.
        assert_eq!(multiply(9, 0.1 / 0.9), Some(1));
        assert_eq!(multiply(MAX, 0.5), Some(MAX / 2));
        assert_eq!(multiply(MAX, 1.5), None);
        assert_eq!(multiply(MAX, 1.0), Some(MAX));
        assert_eq!(multiply(5, 0.0), Some(0));
        assert_eq!(multiply(5, -0.5), None);
    }

    #[test]
    fn human_readable_matches_java() {
        // Each right-hand side is what Flink 2.3.0's MemorySize prints (Java 17).
        assert_eq!(human(1_114_112), "1.063mb (1114112 bytes)");
        assert_eq!(human(1024), "1024 bytes");
        assert_eq!(human(1025), "1.001kb (1025 bytes)");
        assert_eq!(human(MAX), "8388608.000tb (9223372036854775807 bytes)");
        assert_eq!(human(1 << 30), "1024.000mb (1073741824 bytes)");
        assert_eq!(human(2 << 30), "2.000gb (2147483648 bytes)");
        assert_eq!(human(100 * MIB), "100.000mb (104857600 bytes)");
        assert_eq!(human(0), "0 bytes");
    }

    #[test]
    fn option_values_are_flink_syntax() {
        assert_eq!(as_option_value(704 * MIB), "704m");
        assert_eq!(as_option_value(MIB + 1), "1048577b");
    }

    #[test]
    fn add_overflows_at_java_long() {
        assert_eq!(add(MAX, 0), Some(MAX));
        assert_eq!(add(MAX, 1), None);
    }
}
