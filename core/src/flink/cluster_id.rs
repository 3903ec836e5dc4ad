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

/// Check a name Kubernetes takes as a DNS-1123 subdomain (service
/// accounts, Roles, RoleBindings): at most 253 lowercase letters, digits,
/// `-` and `.`, starting and ending with a letter or digit. `what` names it
/// in the message (e.g. "service account name").
pub fn validate_object_name(what: &str, name: &str) -> Result<(), String> {
    let fix = "use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit, e.g. flink";
    let alphanumeric = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.trim().is_empty() {
        return Err(format!("the {what} must not be blank: {fix}"));
    }
    if name.len() > 253 {
        return Err(format!(
            "{what} '{name}' has {} characters, more than Kubernetes' 253: choose a shorter one",
            name.len()
        ));
    }
    let valid = name.starts_with(alphanumeric)
        && name.ends_with(alphanumeric)
        && name
            .chars()
            .all(|c| alphanumeric(c) || c == '-' || c == '.');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "{what} '{name}' is not a valid Kubernetes name: {fix}"
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
    fn object_names_are_dns_subdomains() {
        assert!(validate_object_name("service account name", "flink").is_ok());
        assert!(validate_object_name("service account name", "flink.jobs-1").is_ok());
        let bad = validate_object_name("service account name", "Flink_SA").unwrap_err();
        assert!(
            bad.starts_with("service account name 'Flink_SA' is not a valid Kubernetes name"),
            "{bad}"
        );
        assert!(validate_object_name("service account name", "").is_err());
        assert!(validate_object_name("service account name", &"a".repeat(254)).is_err());
    }

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
