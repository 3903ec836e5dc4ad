//! Flink configuration as Flink itself assembles it: the conf dir's
//! `config.yaml` (or legacy `flink-conf.yaml`), then `-D` options on top, read
//! through a typed registry of options with Flink's keys, fallbacks and
//! defaults.

pub mod defaults;
pub mod loader;
pub mod options;
pub mod size;
pub mod syntax;

use options::{FlinkOption, OptionType};
use serde_json::Value;
use size::MemorySize;
use std::collections::BTreeMap;

/// A configuration value that Flink would reject, named by its key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid value for {key}: {message}")]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

/// The effective configuration: flat dotted keys mapped to the typed values
/// Flink holds (strings for `-D` options, YAML types for file entries), so the
/// shipped `config.yaml` keeps the types Flink's own client would write.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Configuration {
    entries: BTreeMap<String, Value>,
}

impl<K: Into<String>> FromIterator<(K, Value)> for Configuration {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(pairs: I) -> Self {
        Configuration {
            entries: pairs.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        }
    }
}

impl Configuration {
    /// Set a key to a typed value, replacing any earlier value.
    pub fn set(&mut self, key: impl Into<String>, value: Value) {
        self.entries.insert(key.into(), value);
    }

    /// Set a key to a string, as `-D` and Flink's client-side rewrites do.
    pub fn set_string(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.set(key, Value::String(value.into()));
    }

    /// Drop a key (client-only keys are not shipped).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.entries.remove(key)
    }

    /// Every key set, in key order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Whether exactly this key is set.
    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }

    /// The typed value of exactly this key.
    pub fn raw(&self, key: &str) -> Option<&Value> {
        self.entries.get(key)
    }

    /// Every entry in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter()
    }

    /// The value of one exact key as Flink would read it as a string.
    pub fn get_raw_string(&self, key: &str) -> Option<String> {
        self.entries.get(key).map(syntax::value_to_flink_string)
    }

    /// The key that sets this option, if any of its keys is present.
    pub fn key_set_for(&self, option: &FlinkOption) -> Option<&'static str> {
        option.all_keys().find(|k| self.entries.contains_key(*k))
    }

    /// Whether the user configured this option (any of its keys), which is
    /// what Flink's "explicit option beats pod template" rules look at.
    pub fn is_set(&self, option: &FlinkOption) -> bool {
        self.key_set_for(option).is_some()
    }

    /// The option's value as a string: configured, else its default.
    pub fn string(&self, option: &FlinkOption) -> Option<String> {
        self.key_set_for(option)
            .and_then(|k| self.get_raw_string(k))
            .or_else(|| option.default.map(str::to_string))
    }

    /// Like [`Self::string`] but only what the user configured.
    pub fn explicit_string(&self, option: &FlinkOption) -> Option<String> {
        self.key_set_for(option)
            .and_then(|k| self.get_raw_string(k))
    }

    fn parsed<T>(
        &self,
        option: &FlinkOption,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, ConfigError> {
        let key = self.key_set_for(option).unwrap_or(option.key);
        match self.string(option) {
            None => Ok(None),
            Some(text) => parse(text.trim()).map(Some).map_err(|message| ConfigError {
                key: key.to_string(),
                message,
            }),
        }
    }

    fn required<T>(&self, option: &FlinkOption, value: Option<T>) -> Result<T, ConfigError> {
        value.ok_or_else(|| ConfigError {
            key: option.key.to_string(),
            message: "must be set".to_string(),
        })
    }

    /// A whole-number option, configured or default.
    pub fn int(&self, option: &FlinkOption) -> Result<i64, ConfigError> {
        let value = self.parsed(option, parse_int)?;
        self.required(option, value)
    }

    /// A floating-point option, configured or default.
    pub fn double(&self, option: &FlinkOption) -> Result<f64, ConfigError> {
        let value = self.parsed(option, parse_double)?;
        self.required(option, value)
    }

    /// A switch, configured or default.
    pub fn bool(&self, option: &FlinkOption) -> Result<bool, ConfigError> {
        let value = self.parsed(option, parse_bool)?;
        self.required(option, value)
    }

    /// A memory size, if configured or defaulted.
    pub fn memory(&self, option: &FlinkOption) -> Result<Option<MemorySize>, ConfigError> {
        self.parsed(option, MemorySize::parse)
    }

    /// An enum option in the spelling Flink declares (matched case-insensitively).
    pub fn enumeration(&self, option: &FlinkOption) -> Result<String, ConfigError> {
        let OptionType::Enum(allowed) = option.kind else {
            return self.required(option, self.string(option));
        };
        let value = self.parsed(option, |text| parse_enum(text, allowed))?;
        self.required(option, value)
    }

    /// A `;`-separated list, empty when unset.
    pub fn list(&self, option: &FlinkOption) -> Result<Vec<String>, ConfigError> {
        Ok(self.parsed(option, syntax::parse_list)?.unwrap_or_default())
    }

    /// A map option, in written order. When no key of the option is set,
    /// Flink also reads `<key>.<name>` entries (a nested YAML mapping); those
    /// come in key order.
    pub fn map(&self, option: &FlinkOption) -> Result<Vec<(String, String)>, ConfigError> {
        if let Some(map) = self.parsed(option, syntax::parse_map)? {
            return Ok(map);
        }
        let prefix = format!("{}.", option.key);
        Ok(self
            .entries
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix(&prefix)
                    .map(|name| (name.to_string(), syntax::value_to_flink_string(v)))
            })
            .collect())
    }

    /// A list of maps (`k:v,k:v;k:v`), empty when unset.
    pub fn list_of_maps(
        &self,
        option: &FlinkOption,
    ) -> Result<Vec<Vec<(String, String)>>, ConfigError> {
        Ok(self
            .parsed(option, syntax::parse_list_of_maps)?
            .unwrap_or_default())
    }

    /// Check every known option that is set, so a malformed value is reported
    /// up front with its key rather than half-way through rendering.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for option in options::ALL {
            if !self.is_set(option) {
                continue;
            }
            match option.kind {
                OptionType::String => {}
                OptionType::Int => drop(self.int(option)?),
                OptionType::Double => drop(self.double(option)?),
                OptionType::Bool => drop(self.bool(option)?),
                OptionType::MemorySize => drop(self.memory(option)?),
                OptionType::Duration => drop(self.parsed(option, size::parse_duration)?),
                OptionType::Enum(_) => drop(self.enumeration(option)?),
                OptionType::List => drop(self.list(option)?),
                OptionType::Map => drop(self.map(option)?),
                OptionType::ListOfMaps => drop(self.list_of_maps(option)?),
            }
        }
        Ok(())
    }

    /// Warnings a user should see: deprecated keys and unknown `kubernetes.*`
    /// keys (with the likely intended key).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        for option in options::ALL {
            for old in option.deprecated_keys {
                if self.contains(old) {
                    warnings.push(format!("{old} is deprecated: use {} instead", option.key));
                }
            }
        }
        for key in self.entries.keys() {
            if key.starts_with("kubernetes.") && !options::is_known_kubernetes_key(key) {
                match options::suggest(key) {
                    Some(known) => warnings.push(format!(
                        "unknown option {key} is ignored by Flink: did you mean {known}?"
                    )),
                    None => warnings.push(format!("unknown option {key} is ignored by Flink")),
                }
            }
        }
        warnings.sort();
        warnings.dedup();
        warnings
    }
}

fn parse_int(text: &str) -> Result<i64, String> {
    text.parse()
        .map_err(|_| format!("'{text}' is not a whole number"))
}

fn parse_double(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("'{text}' is not a number"))
}

/// Flink's boolean options accept `true`/`false` in any case.
fn parse_bool(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("'{text}' is not true or false")),
    }
}

fn parse_enum(text: &str, allowed: &[&str]) -> Result<String, String> {
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(text))
        .map(|a| a.to_string())
        .ok_or_else(|| format!("'{text}' is not one of {}", allowed.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::options::*;
    use super::*;
    use serde_json::json;

    fn conf(pairs: &[(&str, Value)]) -> Configuration {
        pairs.iter().cloned().collect()
    }

    #[test]
    fn defaults_apply_when_unset() {
        let c = Configuration::default();
        assert_eq!(
            c.string(&ENTRY_PATH).as_deref(),
            Some("/docker-entrypoint.sh")
        );
        assert_eq!(c.int(&JOBMANAGER_REPLICAS), Ok(1));
        assert_eq!(
            c.enumeration(&REST_SERVICE_EXPOSED_TYPE).as_deref(),
            Ok("ClusterIP")
        );
        assert!(!c.is_set(&CONTAINER_IMAGE));
    }

    #[test]
    fn deprecated_and_fallback_keys_are_read_in_flink_order() {
        let c = conf(&[("kubernetes.container.image", json!("old:1"))]);
        assert_eq!(c.string(&CONTAINER_IMAGE).as_deref(), Some("old:1"));
        assert!(c.warnings()[0].contains("use kubernetes.container.image.ref"));
        let c = conf(&[
            ("kubernetes.container.image", json!("old:1")),
            ("kubernetes.container.image.ref", json!("new:2")),
        ]);
        assert_eq!(c.string(&CONTAINER_IMAGE).as_deref(), Some("new:2"));
        let c = conf(&[("kubernetes.service-account", json!("flink"))]);
        assert_eq!(
            c.string(&JOBMANAGER_SERVICE_ACCOUNT).as_deref(),
            Some("flink")
        );
        assert!(c.is_set(&JOBMANAGER_SERVICE_ACCOUNT));
    }

    #[test]
    fn typed_values_from_files_read_like_strings() {
        let c = conf(&[
            ("taskmanager.numberOfTaskSlots", json!(4)),
            ("kubernetes.jobmanager.labels", json!("team:a,env:prod")),
            (
                "kubernetes.container.image.pull-secrets",
                json!(["s1", "s2"]),
            ),
        ]);
        assert_eq!(c.int(&TM_SLOTS), Ok(4));
        assert_eq!(c.map(&JOBMANAGER_LABELS).unwrap().len(), 2);
        assert_eq!(c.list(&IMAGE_PULL_SECRETS).unwrap(), vec!["s1", "s2"]);
    }

    #[test]
    fn nested_maps_read_through_the_key_prefix() {
        let c = conf(&[
            ("kubernetes.jobmanager.annotations.team", json!("a")),
            ("kubernetes.jobmanager.annotations.cost", json!(7)),
        ]);
        let map = c.map(&JOBMANAGER_ANNOTATIONS).unwrap();
        assert_eq!(
            map,
            vec![("cost".into(), "7".into()), ("team".into(), "a".into())]
        );
    }

    #[test]
    fn invalid_values_are_reported_with_their_key() {
        let c = conf(&[("kubernetes.rest-service.exposed.type", json!("Ingress"))]);
        let err = c.validate().unwrap_err();
        assert_eq!(err.key, "kubernetes.rest-service.exposed.type");
        assert!(
            err.to_string()
                .contains("ClusterIP, NodePort, LoadBalancer, Headless_ClusterIP")
        );
        let c = conf(&[("jobmanager.memory.process.size", json!("lots"))]);
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("jobmanager.memory.process.size")
        );
        let c = conf(&[("kubernetes.jobmanager.replicas", json!("two"))]);
        assert!(c.validate().is_err());
        let c = conf(&[("kubernetes.hostnetwork.enabled", json!("TRUE"))]);
        assert_eq!(c.bool(&HOST_NETWORK), Ok(true));
    }

    #[test]
    fn enum_values_take_flinks_spelling() {
        let c = conf(&[("kubernetes.rest-service.exposed.type", json!("nodeport"))]);
        assert_eq!(
            c.enumeration(&REST_SERVICE_EXPOSED_TYPE).as_deref(),
            Ok("NodePort")
        );
    }

    #[test]
    fn unknown_kubernetes_keys_warn_with_a_suggestion() {
        let c = conf(&[("kubernetes.rest-service.exposed.typo", json!("x"))]);
        let warnings = c.warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("did you mean kubernetes.rest-service.exposed.type?"));
        let c = conf(&[("pipeline.name", json!("x"))]);
        assert!(
            c.warnings().is_empty(),
            "non-kubernetes keys are Flink's business"
        );
    }
}
