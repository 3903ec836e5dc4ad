//! Cluster ids: checked up front (Flink itself only checks the length, then
//! fails half-way on names the API server rejects) and generated the way
//! Flink generates them when none is given.

/// Flink's limit: `<id>-rest` and the other derived names must stay valid.
pub const MAX_LENGTH: usize = 45;

/// Check an id against what every derived object name needs: a DNS-1035
/// label (lowercase letters, digits, `-`; starts with a letter, ends with a
/// letter or digit) of at most 45 characters.
pub fn validate(id: &str) -> Result<(), String> {
    let fix = "use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, e.g. my-flink-cluster";
    if id.trim().is_empty() {
        return Err(format!("the cluster id must not be blank: {fix}"));
    }
    if id.len() > MAX_LENGTH {
        return Err(format!(
            "cluster id '{id}' has {} characters, more than Flink's {MAX_LENGTH}: choose a shorter id",
            id.len()
        ));
    }
    let starts_with_letter = id.starts_with(|c: char| c.is_ascii_lowercase());
    let ends_alphanumeric = id.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit());
    let allowed = id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if starts_with_letter && ends_alphanumeric && allowed {
        Ok(())
    } else {
        Err(format!(
            "cluster id '{id}' is not a valid Kubernetes name: {fix}"
        ))
    }
}

/// A fresh id as Flink makes one: `flink-cluster-` and 31 hex digits of a
/// random 128-bit value (45 characters).
pub fn generate() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| format!("no randomness for a cluster id: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("flink-cluster-{}", &hex[..31]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dns_labels_up_to_45_characters() {
        for ok in ["a", "my-first-flink-cluster", "x1", &"a".repeat(45)] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn rejects_what_the_api_server_would_reject() {
        for bad in [
            "",
            "My-Cluster",
            "1abc",
            "abc-",
            "a_b",
            "a.b",
            &"a".repeat(46),
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        assert!(
            validate(&"a".repeat(46))
                .unwrap_err()
                .contains("more than Flink's 45")
        );
    }

    #[test]
    fn generated_ids_look_like_flinks_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 45);
        assert!(a.starts_with("flink-cluster-"));
        assert!(
            a[14..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(validate(&a), Ok(()));
    }
}
