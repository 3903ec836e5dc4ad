//! What kubectl-flink refuses before rendering: unsupported features and
//! volumes Flink would reject.

use super::{ClusterSpec, SpecError, invalid};
use crate::config::Configuration;
use crate::config::options::*;

/// Objects and options Flink supports that kubectl-flink does not render
/// yet: refuse rather than create something different from Flink.
pub(super) fn reject_unsupported(conf: &Configuration) -> Result<(), SpecError> {
    let kerberos = conf.bool(&KERBEROS_MOUNT_ENABLED)?
        && ((conf.is_set(&KERBEROS_KEYTAB) && conf.is_set(&KERBEROS_PRINCIPAL))
            || conf.is_set(&KERBEROS_KRB5_CONF));
    if kerberos {
        return Err(invalid(
            "Kerberos mounting (security.kerberos.*) is not supported by kubectl-flink yet: add -Dkubernetes.decorator.kerberos-mount.enabled=false and mount the keytab with kubernetes.secrets",
        ));
    }
    if conf.bool(&ARTIFACTS_LOCAL_UPLOAD_ENABLED)? {
        return Err(invalid(
            "kubernetes.artifacts.local-upload-enabled is not supported by kubectl-flink yet: upload the jar yourself and pass its s3://, https:// or local:// URI",
        ));
    }
    Ok(())
}

/// PVC rules of Flink 2.x (reference §1.3.6).
pub(super) fn validate_volumes(spec: &ClusterSpec) -> Result<(), SpecError> {
    let mut paths: Vec<&str> = Vec::new();
    for (claim, path) in &spec.persistent_volume_claims {
        let valid_name = !claim.is_empty()
            && claim.len() <= 253
            && claim.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !valid_name {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: '{claim}' is not a valid claim name (lowercase DNS name)"
            )));
        }
        if !path.starts_with('/') {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: mount path '{path}' of {claim} must be absolute"
            )));
        }
        if paths.contains(&path.as_str()) {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: mount path '{path}' is used twice"
            )));
        }
        paths.push(path);
        if format!("{}-pvc", claim.replace('.', "-")).len() > 63 {
            return Err(invalid(format!(
                "kubernetes.persistent-volume-claims: the volume name for '{claim}' would exceed 63 characters: use a shorter claim name"
            )));
        }
    }
    Ok(())
}
