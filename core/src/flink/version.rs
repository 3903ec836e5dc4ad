//! The Flink release a cluster runs. Defaults, the shipped config file and
//! some objects differ between releases, so the release is an input of the
//! renderer; each supported release is a row of [`ReleaseTraits`], not a
//! fork of the code.

use std::fmt;
use std::str::FromStr;

/// A Flink release, `major.minor[.patch]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FlinkVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl FlinkVersion {
    /// The newest release, which kubectl-flink targets by default.
    pub const DEFAULT: FlinkVersion = FlinkVersion {
        major: 2,
        minor: 3,
        patch: 0,
    };

    /// What differs in this release, or an error naming the releases we render.
    pub fn traits(self) -> Result<&'static ReleaseTraits, String> {
        RELEASES
            .iter()
            .find(|r| r.major == self.major && r.minor == self.minor)
            .ok_or_else(|| {
                let supported: Vec<String> = RELEASES
                    .iter()
                    .map(|r| format!("{}.{}", r.major, r.minor))
                    .collect();
                format!(
                    "Flink {self} is not supported yet: use --flink-version {}",
                    supported.join(" or ")
                )
            })
    }

    /// The image Flink's client uses when none is configured.
    pub fn default_image(self) -> String {
        format!("apache/flink:{self}-scala_2.12")
    }
}

impl fmt::Display for FlinkVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl FromStr for FlinkVersion {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{text}' is not a Flink version: expected e.g. 2.3 or 2.3.0");
        let parts: Vec<&str> = text.trim().split('.').collect();
        let number = |i: usize| -> Result<u32, String> {
            parts.get(i).map_or(Ok(0), |p| p.parse().map_err(|_| bad()))
        };
        if !(2..=3).contains(&parts.len()) {
            return Err(bad());
        }
        let version = FlinkVersion {
            major: number(0)?,
            minor: number(1)?,
            patch: number(2)?,
        };
        version.traits()?;
        Ok(version)
    }
}

/// The per-release facts the renderer needs (reference, appendix A).
#[derive(Debug)]
pub struct ReleaseTraits {
    pub major: u32,
    pub minor: u32,
    /// Name of the config file in the `flink-config-<id>` ConfigMap.
    pub config_file_name: &'static str,
    /// Logging files copied from the conf dir, in the order Flink adds them.
    pub log_file_names: &'static [&'static str],
    /// Whether the JobManager pod gets the `user-artifacts-volume` (1.19+).
    pub user_artifacts_volume: bool,
}

/// The releases kubectl-flink renders. Older releases are added as rows.
pub const RELEASES: &[ReleaseTraits] = &[ReleaseTraits {
    major: 2,
    minor: 3,
    config_file_name: "config.yaml",
    log_file_names: &[
        "logback.xml",
        "log4j.properties",
        "logback-console.xml",
        "log4j-console.properties",
        "logback-session.xml",
        "log4j-session.properties",
        "log4j-cli.properties",
    ],
    user_artifacts_volume: true,
}];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_versions() {
        assert_eq!("2.3".parse::<FlinkVersion>(), Ok(FlinkVersion::DEFAULT));
        assert_eq!("2.3.0".parse::<FlinkVersion>(), Ok(FlinkVersion::DEFAULT));
        assert!(
            "1.17"
                .parse::<FlinkVersion>()
                .unwrap_err()
                .contains("--flink-version 2.3")
        );
        assert!("two".parse::<FlinkVersion>().is_err());
        assert_eq!(
            FlinkVersion::DEFAULT.default_image(),
            "apache/flink:2.3.0-scala_2.12"
        );
    }
}
