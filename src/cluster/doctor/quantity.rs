//! Kubernetes quantities as numbers, for quota arithmetic.
/// CPU as millicores.
pub fn millicores(text: &str) -> Option<u64> {
    match text.strip_suffix('m') {
        Some(milli) => milli.parse().ok(),
        None => text
            .parse::<f64>()
            .ok()
            .map(|cores| (cores * 1000.0).round() as u64),
    }
}

/// Memory as bytes.
pub fn bytes(text: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 12] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("Pi", 1 << 50),
        ("Ei", 1 << 60),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000),
        ("E", 1_000_000_000_000_000_000),
    ];
    for (suffix, factor) in UNITS {
        if let Some(number) = text.strip_suffix(suffix) {
            return number
                .parse::<f64>()
                .ok()
                .map(|n| (n * factor as f64) as u64);
        }
    }
    text.parse::<f64>().ok().map(|n| n as u64)
}

/// A value for people: `1500m`, `1.5Gi`, or a count.
pub fn show(value: u64, cpu: bool, resource: &str) -> String {
    if cpu {
        format!("{value}m")
    } else if resource == "pods" {
        value.to_string()
    } else {
        format!("{}Mi", value / (1 << 20))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_kubernetes_writes_them() {
        assert_eq!(millicores("500m"), Some(500));
        assert_eq!(millicores("2"), Some(2000));
        assert_eq!(millicores("0.25"), Some(250));
        assert_eq!(bytes("1Gi"), Some(1 << 30));
        assert_eq!(bytes("1600Mi"), Some(1600 << 20));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("512"), Some(512));
        assert_eq!(bytes("x"), None);
    }
}
