//! Typed values of single options: ports, limit factors, the maps and lists
//! Flink parses (env, secrets, tolerations, owner references), and options
//! the chosen release does not have yet.

use super::{SpecError, invalid};
use crate::config::Configuration;
use crate::config::options::*;
use crate::flink::version::ReleaseTraits;
use k8s_openapi::api::core::v1::Toleration;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;

/// Kubernetes needs fixed ports: a range is an error and 0 ("any port")
/// becomes Flink's fixed fallback, written back into the configuration.
pub(super) fn fix_port(
    conf: &mut Configuration,
    option: &FlinkOption,
    fallback: &str,
) -> Result<i32, SpecError> {
    let port = parse_fixed_port(conf, option, fallback)?;
    if port == 0 {
        conf.set_string(option.key, fallback);
        return fallback
            .parse()
            .map_err(|_| invalid(format!("{} fallback {fallback} is not a port", option.key)));
    }
    Ok(port)
}

/// The option's port; `example` is the port the error message suggests.
pub(super) fn parse_fixed_port(
    conf: &Configuration,
    option: &FlinkOption,
    example: &str,
) -> Result<i32, SpecError> {
    let text = conf.string(option).unwrap_or_default();
    let port: i32 = text.trim().parse().map_err(|_| {
        invalid(format!(
            "{}={text} should be specified to a fixed port; a list or range is not possible on Kubernetes: give one port, e.g. {example}",
            option.key
        ))
    })?;
    if !(0..=65535).contains(&port) {
        return Err(invalid(format!(
            "{}={port} is not a port number (1-65535)",
            option.key
        )));
    }
    Ok(port)
}

pub(super) fn port(conf: &Configuration, option: &FlinkOption) -> Result<i32, SpecError> {
    let port = conf.int(option)?;
    i32::try_from(port)
        .ok()
        .filter(|p| (1..=65535).contains(p))
        .ok_or_else(|| {
            invalid(format!(
                "{}={port} is not a port number (1-65535)",
                option.key
            ))
        })
}

pub(super) fn limit_factor(conf: &Configuration, option: &FlinkOption) -> Result<f64, SpecError> {
    let factor = conf.double(option)?;
    if factor < 1.0 {
        return Err(invalid(format!(
            "{} should be greater or equal to 1 (it is {factor}): a limit below the request is not possible",
            option.key
        )));
    }
    Ok(factor)
}

/// Flink's HA switch: anything but `NONE`/`standalone` turns HA on.
pub fn ha_enabled(conf: &Configuration) -> bool {
    let mode = conf.string(&HA_TYPE).unwrap_or_default();
    !(mode.eq_ignore_ascii_case("none")
        || mode.eq_ignore_ascii_case("standalone")
        || mode.trim().is_empty())
}

pub(super) fn master_env(conf: &Configuration) -> Vec<(String, String)> {
    conf.iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("containerized.master.env.").map(|name| {
                (
                    name.to_string(),
                    crate::config::syntax::value_to_flink_string(v),
                )
            })
        })
        .collect()
}

pub(super) fn hash_map_ordered(
    conf: &Configuration,
    option: &FlinkOption,
) -> Result<Vec<(String, String)>, SpecError> {
    let entries = conf.map(option)?;
    let mut names: Vec<&String> = entries.iter().map(|(k, _)| k).collect();
    names.sort();
    if names.windows(2).any(|w| w[0] == w[1]) {
        return Err(invalid(format!(
            "{} names the same entry twice: keep one",
            option.key
        )));
    }
    Ok(crate::config::syntax::java_hash_map_order(entries))
}

pub(super) fn map_get<'a>(map: &'a [(String, String)], key: &str) -> Option<&'a str> {
    map.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

pub(super) fn tolerations(maps: &[Vec<(String, String)>]) -> Result<Vec<Toleration>, SpecError> {
    maps.iter()
        .map(|m| {
            let seconds = map_get(m, "tolerationSeconds")
                .map(|s| {
                    s.parse::<i64>().map_err(|_| {
                        invalid(format!(
                            "kubernetes.jobmanager.tolerations: tolerationSeconds '{s}' is not a whole number"
                        ))
                    })
                })
                .transpose()?;
            Ok(Toleration {
                key: map_get(m, "key").map(str::to_string),
                operator: map_get(m, "operator").map(str::to_string),
                value: map_get(m, "value").map(str::to_string),
                effect: map_get(m, "effect").map(str::to_string),
                toleration_seconds: seconds,
            })
        })
        .collect()
}

pub(super) fn owner_references(
    maps: &[Vec<(String, String)>],
    warnings: &mut Vec<String>,
) -> Vec<OwnerReference> {
    let known = [
        "apiversion",
        "blockownerdeletion",
        "controller",
        "kind",
        "name",
        "uid",
    ];
    maps.iter()
        .map(|m| {
            for (k, _) in m {
                if !known.contains(&k.to_ascii_lowercase().as_str()) {
                    warnings.push(format!(
                        "kubernetes.jobmanager.owner.reference: unknown key '{k}' is ignored"
                    ));
                }
            }
            let text = |key| map_get(m, key).unwrap_or_default().to_string();
            let flag = |key| map_get(m, key).map(|v| v.eq_ignore_ascii_case("true"));
            OwnerReference {
                api_version: text("apiVersion"),
                kind: text("kind"),
                name: text("name"),
                uid: text("uid"),
                controller: flag("controller"),
                block_owner_deletion: flag("blockOwnerDeletion"),
            }
        })
        .collect()
}

pub(super) fn env_secret_key_refs(
    maps: &[Vec<(String, String)>],
) -> Result<Vec<(String, String, String)>, SpecError> {
    maps.iter()
        .map(|m| {
            let field = |name: &str| {
                m.iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| {
                        invalid(format!(
                            "kubernetes.env.secretKeyRef entry misses '{name}': write env:NAME,secret:SECRET,key:KEY"
                        ))
                    })
            };
            Ok((field("env")?, field("secret")?, field("key")?))
        })
        .collect()
}

/// A map option, or nothing (with a warning) when the release does not have
/// it yet: its client ignores the option, and so do we.
pub(super) fn map_since(
    conf: &Configuration,
    option: &FlinkOption,
    release: &ReleaseTraits,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, String)>, SpecError> {
    Ok(since(conf.map(option)?, option, release, warnings))
}

/// `values`, or nothing (with a warning) when the release lacks the option.
pub(super) fn since<T>(
    values: Vec<T>,
    option: &FlinkOption,
    release: &ReleaseTraits,
    warnings: &mut Vec<String>,
) -> Vec<T> {
    match release.lacks_option_warning(option.key) {
        Some(warning) if !values.is_empty() => {
            warnings.push(warning);
            Vec::new()
        }
        _ => values,
    }
}
