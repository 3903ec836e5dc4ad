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

fn is_qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// Checks a label or annotation key (`[prefix/]name`), returning the real server's complaint.
pub fn validate_qualified_name(key: &str) -> Result<(), String> {
    let (prefix, name) = match key.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix
        && validate_name(NameRule::Dns1123Subdomain, p).is_err()
    {
        return Err("prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character".into());
    }
    if !is_qualified_name_part(name) {
        return Err("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')".into());
    }
    Ok(())
}

/// Checks a label value (empty, or at most 63 characters of the qualified-name alphabet).
pub fn validate_label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || is_qualified_name_part(value) {
        Ok(())
    } else if value.len() > 63 {
        Err("must be no more than 63 characters".into())
    } else {
        Err("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')".into())
    }
}

/// Checks a container or Service port name (an IANA service name: at most 15 lowercase
/// alphanumerics or '-', with a letter, no leading, trailing or double '-').
pub fn validate_port_name(name: &str) -> Result<(), String> {
    let b = name.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 15
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b.iter().any(u8::is_ascii_lowercase)
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err("must be no more than 15 characters, contain only lowercase alphanumerics or '-', contain at least one letter, and not begin, end or contain consecutive '-'".into())
    }
}

/// Checks a ConfigMap or Secret data key.
pub fn validate_config_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= 253
        && key != "."
        && key != ".."
        && key
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')".into())
    }
}

#[cfg(test)]
mod more_tests {
    use super::*;

    // Kubernetes docs, "Labels and Selectors" (syntax and character set): keys are an
    // optional DNS-subdomain prefix and a name of at most 63 characters; values are at most
    // 63 characters, may be empty, and start and end with an alphanumeric character.
    // Container/Service port names are IANA service names of at most 15 characters.
    #[test]
    fn labels_ports_and_config_keys_follow_the_documented_syntax() {
        assert!(validate_qualified_name("app.kubernetes.io/name").is_ok());
        assert!(validate_qualified_name("Bad Key").is_err());
        assert!(validate_qualified_name("UPPER.example.com/x").is_err());
        assert!(validate_label_value("").is_ok());
        assert!(validate_label_value("flink-native-kubernetes").is_ok());
        assert!(validate_label_value(&"a".repeat(64)).is_err());
        assert!(validate_label_value("-x").is_err());
        assert!(validate_port_name("jobmanager-rpc").is_ok());
        assert!(
            validate_port_name("taskmanager-rpc1").is_err(),
            "16 characters"
        );
        assert!(validate_port_name("8081").is_err(), "needs a letter");
        assert!(validate_config_key("config.yaml").is_ok());
        assert!(validate_config_key("a/b").is_err());
    }
}
