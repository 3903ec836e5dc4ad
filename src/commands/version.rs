//! `kubectl flink version`

use super::Verb;
use crate::cli::GlobalArgs;
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::flink::version::FlinkVersion;
use crate::output::{Format, Output, Printable, printer};
use serde_json::{Value, json};

/// `version`, completed.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionOptions {
    pub format: Option<Format>,
}

/// What `version` prints.
#[derive(Debug, Clone, PartialEq)]
pub struct Versions {
    pub plugin: &'static str,
    pub default_flink: FlinkVersion,
}

impl Printable for Versions {
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json, Format::Yaml];

    fn text(&self, _wide: bool) -> String {
        format!(
            "kubectl-flink {} (default Flink version {})\n",
            self.plugin, self.default_flink
        )
    }

    fn document(&self) -> Value {
        json!({"pluginVersion": self.plugin, "defaultFlinkVersion": self.default_flink.to_string()})
    }
}

impl Verb for VersionOptions {
    type Args = ();

    fn complete(global: &GlobalArgs, _: (), _: &Environment) -> Result<Self> {
        Ok(VersionOptions {
            format: global.format(),
        })
    }

    fn validate(&self) -> Result<()> {
        printer::check::<Versions>("version", self.format).map_err(Error::Usage)
    }

    fn run(self, output: &Output) -> Result<()> {
        let versions = Versions {
            plugin: env!("CARGO_PKG_VERSION"),
            default_flink: FlinkVersion::DEFAULT,
        };
        Ok(output.show(&versions, self.format)?)
    }
}
