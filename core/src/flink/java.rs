//! Java's `String.valueOf(double)`, because Flink writes CPU quantities that
//! way (`1.0`, `0.30000000000000004`, `1.0E-4`) and our objects must be
//! byte-identical to Flink's.

/// Format like Java's `Double.toString`: plain decimal with at least one
/// fractional digit for 1e-3 <= |x| < 1e7, computerized scientific notation
/// (`1.0E-4`, `1.2345E7`) otherwise.
pub fn double_to_string(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0.0"
        } else {
            "0.0"
        }
        .to_string();
    }
    let magnitude = value.abs();
    if (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{value}");
        if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        }
    } else {
        let scientific = format!("{value:e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_string()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}

#[cfg(test)]
mod tests {
    use super::double_to_string;

    #[test]
    fn matches_java_double_to_string() {
        // Each right-hand side is what Java 17 prints for the left-hand side.
        assert_eq!(double_to_string(1.0), "1.0");
        assert_eq!(double_to_string(0.5), "0.5");
        assert_eq!(double_to_string(2.0), "2.0");
        assert_eq!(double_to_string(0.1 * 3.0), "0.30000000000000004");
        assert_eq!(double_to_string(0.0001), "1.0E-4");
        assert_eq!(double_to_string(12345678.0), "1.2345678E7");
        assert_eq!(double_to_string(1e7), "1.0E7");
        assert_eq!(double_to_string(0.001), "0.001");
        assert_eq!(double_to_string(-1.5), "-1.5");
    }
}
