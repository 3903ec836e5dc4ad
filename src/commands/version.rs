//! `kubectl flink version`

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::{Error, Result};
use crate::flink::version::FlinkVersion;

/// Print the plugin version and the Flink release it renders by default.
pub fn run(global: &GlobalArgs) -> Result<()> {
    let plugin = env!("CARGO_PKG_VERSION");
    let flink = FlinkVersion::DEFAULT;
    match global.output {
        None | Some(OutputFormat::Table) | Some(OutputFormat::Wide) => {
            println!("kubectl-flink {plugin} (default Flink version {flink})");
        }
        Some(OutputFormat::Json) => println!(
            "{}",
            serde_json::json!({"pluginVersion": plugin, "defaultFlinkVersion": flink.to_string()})
        ),
        Some(OutputFormat::Yaml) => {
            println!("pluginVersion: {plugin}\ndefaultFlinkVersion: {flink}");
        }
        Some(OutputFormat::Name) => {
            return Err(Error::Usage(
                "-o name does not apply to version: use -o json or -o yaml".into(),
            ));
        }
    }
    Ok(())
}
