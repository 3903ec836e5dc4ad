//! Which cluster and namespace a command means — decided the same way for
//! commands that create a cluster and commands that find one again, so
//! `session start` and `session stop` never disagree about where it is.

use crate::config::Configuration;
use crate::config::options::{CLUSTER_ID, NAMESPACE};

/// The cluster id from the command line (positional or `--cluster-id`) or
/// the configuration (`-Dkubernetes.cluster-id` or the conf file), validated;
/// None when neither names one. Two different ids are an error.
pub fn cluster_id(flag: Option<&str>, conf: &Configuration) -> Result<Option<String>, String> {
    let configured = conf.explicit_string(&CLUSTER_ID);
    let id = match (flag, configured) {
        (Some(flag), Some(configured)) if flag != configured => {
            return Err(format!(
                "two cluster ids given: '{flag}' on the command line and kubernetes.cluster-id={configured}: keep one"
            ));
        }
        (Some(flag), _) => flag.to_string(),
        (None, Some(configured)) => configured,
        (None, None) => return Ok(None),
    };
    super::cluster_id::validate(&id)?;
    Ok(Some(id))
}

/// The namespace: `-n`, else `kubernetes.namespace` (from `-D` or the conf
/// file); None means the kubeconfig context's (then `default`). `-n` and a
/// different `-Dkubernetes.namespace` contradict each other; `-n` overriding
/// the conf file is worth a warning.
pub fn namespace(
    flag: Option<&str>,
    dynamic: &[(String, String)],
    conf: &Configuration,
    warnings: &mut Vec<String>,
) -> Result<Option<String>, String> {
    let from_dynamic = dynamic
        .iter()
        .rev()
        .find(|(k, _)| k == NAMESPACE.key)
        .map(|(_, v)| v.as_str());
    let namespace = match (flag, from_dynamic) {
        (Some(flag), Some(dynamic)) if flag != dynamic => {
            return Err(format!(
                "two namespaces given: -n {flag} and -Dkubernetes.namespace={dynamic}: keep one"
            ));
        }
        (Some(flag), _) => {
            if let Some(file) = conf.explicit_string(&NAMESPACE).filter(|f| f != flag) {
                warnings.push(format!(
                    "-n {flag} overrides kubernetes.namespace={file} from the Flink conf dir"
                ));
            }
            Some(flag.to_string())
        }
        (None, _) => conf.explicit_string(&NAMESPACE),
    };
    if namespace.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err("the namespace is blank: pass -n NAMESPACE".to_string());
    }
    Ok(namespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn conf(pairs: &[(&str, &str)]) -> Configuration {
        pairs.iter().map(|(k, v)| (*k, json!(v))).collect()
    }

    #[test]
    fn flag_and_configuration_must_agree_on_the_id() {
        assert_eq!(cluster_id(Some("a"), &conf(&[])), Ok(Some("a".into())));
        assert_eq!(
            cluster_id(None, &conf(&[("kubernetes.cluster-id", "b")])),
            Ok(Some("b".into()))
        );
        assert_eq!(cluster_id(None, &conf(&[])), Ok(None));
        assert!(
            cluster_id(Some("a"), &conf(&[("kubernetes.cluster-id", "b")]))
                .unwrap_err()
                .contains("two cluster ids")
        );
        assert!(cluster_id(Some("Bad_Id"), &conf(&[])).is_err());
    }

    #[test]
    fn namespace_precedence() {
        let mut warnings = Vec::new();
        let file = conf(&[("kubernetes.namespace", "from-file")]);
        assert_eq!(
            namespace(None, &[], &file, &mut warnings),
            Ok(Some("from-file".into()))
        );
        assert_eq!(
            namespace(Some("flag"), &[], &file, &mut warnings),
            Ok(Some("flag".into()))
        );
        assert_eq!(
            warnings.len(),
            1,
            "-n over the conf file is worth a warning"
        );
        assert_eq!(namespace(None, &[], &conf(&[]), &mut warnings), Ok(None));
        let dynamic = vec![("kubernetes.namespace".to_string(), "d".to_string())];
        assert!(
            namespace(Some("flag"), &dynamic, &file, &mut warnings)
                .unwrap_err()
                .contains("two namespaces")
        );
    }
}
