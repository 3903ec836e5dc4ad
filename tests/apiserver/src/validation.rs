//! Name validation with the real server's rules and messages: most objects need a
//! DNS-1123 subdomain, Services a DNS-1035 label, Namespaces a DNS-1123 label.

/// Which naming rule an object's name must follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRule {
    /// Lowercase alphanumerics, '-' and '.', at most 253 characters (most kinds).
    Dns1123Subdomain,
    /// Lowercase alphanumerics and '-', at most 63 characters (Namespaces).
    Dns1123Label,
    /// Like a DNS-1123 label but starting with a letter (Services).
    Dns1035Label,
    /// Any non-empty segment without '/' or '%' that is not "." or ".." (RBAC objects).
    PathSegment,
}

/// The naming rule the real server applies to a resource.
pub fn rule_for(group: &str, plural: &str) -> NameRule {
    match (group, plural) {
        ("", "services") => NameRule::Dns1035Label,
        ("", "namespaces") => NameRule::Dns1123Label,
        ("rbac.authorization.k8s.io", _) => NameRule::PathSegment,
        _ => NameRule::Dns1123Subdomain,
    }
}

fn is_label(s: &str, first_must_be_letter: bool) -> bool {
    let b = s.as_bytes();
    let ok_char = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-';
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| ok_char(*c))
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && (!first_must_be_letter || b[0].is_ascii_lowercase())
}

/// Checks a name; on failure returns the real server's explanation (after `Invalid value: "name": `).
pub fn validate_name(rule: NameRule, name: &str) -> Result<(), String> {
    let ok = match rule {
        NameRule::Dns1123Subdomain => {
            name.len() <= 253 && name.split('.').all(|part| is_label(part, false))
        }
        NameRule::Dns1123Label => is_label(name, false),
        NameRule::Dns1035Label => is_label(name, true),
        NameRule::PathSegment => {
            !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '%'])
        }
    };
    if ok {
        return Ok(());
    }
    Err(match rule {
        NameRule::Dns1123Subdomain => "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into(),
        NameRule::Dns1123Label => "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')".into(),
        NameRule::Dns1035Label => "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".into(),
        NameRule::PathSegment => format!("may not contain '/' or '%' and may not be '.' or '..': {name}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kubernetes docs, "Object Names and IDs": DNS subdomain names are at most 253
    // characters of lowercase alphanumerics, '-' and '.', starting and ending alphanumeric;
    // RFC 1035 label names (Services) must also start with a letter; RFC 1123 labels are
    // at most 63 characters.
    #[test]
    fn follows_the_documented_naming_rules() {
        use NameRule::*;
        assert!(validate_name(Dns1123Subdomain, "flink-config-my.cluster").is_ok());
        assert!(validate_name(Dns1123Subdomain, "My_Cluster").is_err());
        assert!(validate_name(Dns1123Subdomain, "-lead").is_err());
        assert!(validate_name(Dns1123Subdomain, &"a".repeat(254)).is_err());
        assert!(validate_name(Dns1035Label, "1rest").is_err());
        assert!(validate_name(Dns1035Label, "rest-1").is_ok());
        assert!(validate_name(Dns1035Label, "a.b").is_err());
        assert!(validate_name(Dns1123Label, &"a".repeat(64)).is_err());
        assert!(validate_name(Dns1123Label, "1ns").is_ok());
        assert!(validate_name(PathSegment, "system:controller:x").is_ok());
        assert!(validate_name(PathSegment, "a/b").is_err());
    }
}
