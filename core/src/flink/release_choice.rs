//! Which Flink release a new cluster runs: `--flink-version`; else the tag of
//! the configured image when it names a Flink release; else the Flink
//! distribution beside the conf dir (its `lib/flink-dist-<release>.jar`);
//! else the newest release.

use super::version::FlinkVersion;
use std::fmt;
use std::path::{Path, PathBuf};

/// The rule that chose the release, for `-v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReleaseRule {
    Flag,
    ImageTag(String),
    Distribution(PathBuf),
    Default,
}

impl fmt::Display for ReleaseRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReleaseRule::Flag => write!(f, "--flink-version"),
            ReleaseRule::ImageTag(image) => write!(f, "the tag of image {image}"),
            ReleaseRule::Distribution(jar) => write!(f, "the Flink distribution {}", jar.display()),
            ReleaseRule::Default => write!(
                f,
                "the default: no --flink-version, Flink image tag or Flink distribution"
            ),
        }
    }
}

/// The chosen release, the rule that chose it, and a warning when the image
/// names another release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseChoice {
    pub version: FlinkVersion,
    pub rule: ReleaseRule,
    pub warning: Option<String>,
}

/// Choose the release. `image` is the configured `kubernetes.container.image.ref`,
/// `distribution` the `flink-dist` jar found beside the conf dir or in `$FLINK_HOME`.
pub fn choose(
    flag: Option<&str>,
    image: Option<&str>,
    distribution: Option<&Path>,
) -> Result<ReleaseChoice, String> {
    let tagged = match image {
        Some(image) => release_in_image(image)
            .map(|text| {
                text.parse::<FlinkVersion>().map_err(|e| {
                    format!(
                        "image {image} names Flink {text}: {e}",
                        e = e.replace(
                            "use --flink-version with",
                            "use an image or --flink-version of"
                        )
                    )
                })
            })
            .transpose(),
        None => Ok(None),
    };
    let (version, rule) = if let Some(flag) = flag {
        (flag.parse::<FlinkVersion>()?, ReleaseRule::Flag)
    } else if let Some(version) = tagged.clone()? {
        let image = image.unwrap_or_default().to_string();
        (version, ReleaseRule::ImageTag(image))
    } else if let Some((version, jar)) = distribution.and_then(|jar| {
        release_of_dist_jar(jar).map(|v| (v.parse::<FlinkVersion>(), jar.to_path_buf()))
    }) {
        let version = version.map_err(|e| format!("{}: {e}", jar.display()))?;
        (version, ReleaseRule::Distribution(jar))
    } else {
        (FlinkVersion::DEFAULT, ReleaseRule::Default)
    };
    let warning = match (tagged, image) {
        (Ok(Some(image_release)), Some(image))
            if (image_release.major, image_release.minor) != (version.major, version.minor) =>
        {
            Some(format!(
                "image {image} runs Flink {image_release}, but the cluster is rendered for Flink {version} (from {rule}): pass --flink-version {}.{} or use an image of {version}",
                image_release.major, image_release.minor
            ))
        }
        (Err(e), Some(_)) => Some(e),
        _ => None,
    };
    Ok(ReleaseChoice {
        version,
        rule,
        warning,
    })
}

/// The release an image's tag names (`apache/flink:1.20.5-scala_2.12-java17`
/// → `1.20.5`), when the image is a Flink image (its name contains `flink`)
/// and the tag starts with `major.minor`.
pub fn release_in_image(image: &str) -> Option<String> {
    let image = image.split('@').next().unwrap_or(image);
    let (name, tag) = image.rsplit_once(':')?;
    if tag.contains('/') {
        return None; // a registry port, not a tag
    }
    let repository = name.rsplit('/').next().unwrap_or(name);
    if !repository.to_ascii_lowercase().contains("flink") {
        return None;
    }
    let version = tag.split('-').next().unwrap_or(tag);
    let parts: Vec<&str> = version.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    (numeric && (2..=3).contains(&parts.len())).then(|| version.to_string())
}

/// The `flink-dist` jar of the distribution a conf dir belongs to
/// (`<conf>/../lib`), else of `$FLINK_HOME/lib`.
pub fn find_distribution(conf_dir: Option<&Path>, flink_home: Option<&str>) -> Option<PathBuf> {
    let candidates = conf_dir
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .into_iter()
        .chain(
            flink_home
                .filter(|h| !h.trim().is_empty())
                .map(PathBuf::from),
        );
    for home in candidates {
        let Ok(entries) = std::fs::read_dir(home.join("lib")) else {
            continue;
        };
        let mut jars: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(is_dist_jar)
            })
            .collect();
        jars.sort();
        if let Some(jar) = jars.into_iter().next() {
            return Some(jar);
        }
    }
    None
}

fn is_dist_jar(name: &str) -> bool {
    name.starts_with("flink-dist") && name.ends_with(".jar")
}

/// `flink-dist-1.20.5.jar` (or `flink-dist_2.12-1.14.6.jar`) → `1.20.5`.
fn release_of_dist_jar(jar: &Path) -> Option<String> {
    let name = jar.file_name()?.to_str()?.strip_suffix(".jar")?;
    let version = name.rsplit('-').next()?;
    version
        .split('.')
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .then(|| version.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_tags_name_releases_only_for_flink_images() {
        let cases = [
            ("apache/flink:1.20.5-scala_2.12-java17", Some("1.20.5")),
            ("apache/flink:2.3.0", Some("2.3.0")),
            ("registry:5000/team/flink:1.19-java11", Some("1.19")),
            ("flink:latest", None),
            ("my/app:1", None),
            ("custom-image-name", None),
            ("registry:5000/flink", None),
            ("apache/flink:1.18.1@sha256:abc", Some("1.18.1")),
        ];
        for (image, release) in cases {
            assert_eq!(release_in_image(image).as_deref(), release, "{image}");
        }
    }

    #[test]
    fn the_flag_beats_the_image_which_beats_the_distribution() {
        let jar = Path::new("/opt/flink/lib/flink-dist-1.18.1.jar");
        let image = Some("apache/flink:1.20.5-scala_2.12-java17");
        let by_flag = choose(Some("2.1"), image, Some(jar)).unwrap();
        assert_eq!(by_flag.version.to_string(), "2.1.3");
        assert_eq!(by_flag.rule, ReleaseRule::Flag);
        let warning = by_flag.warning.unwrap();
        assert!(
            warning.contains("Flink 1.20.5") && warning.contains("Flink 2.1.3"),
            "{warning}"
        );
        let by_image = choose(None, image, Some(jar)).unwrap();
        assert_eq!(by_image.version.to_string(), "1.20.5");
        assert!(matches!(by_image.rule, ReleaseRule::ImageTag(_)));
        assert_eq!(by_image.warning, None);
        let by_dist = choose(None, Some("my/app:1"), Some(jar)).unwrap();
        assert_eq!(by_dist.version.to_string(), "1.18.1");
        assert_eq!(by_dist.rule, ReleaseRule::Distribution(jar.to_path_buf()));
        let default = choose(None, None, None).unwrap();
        assert_eq!(default.version, FlinkVersion::DEFAULT);
        assert_eq!(default.rule, ReleaseRule::Default);
    }

    #[test]
    fn an_unsupported_release_names_the_supported_ones() {
        let err = choose(Some("1.11"), None, None).unwrap_err();
        assert!(
            err.contains(
                "1.12, 1.13, 1.14, 1.15, 1.16, 1.17, 1.18, 1.19, 1.20, 2.0, 2.1, 2.2, 2.3"
            ),
            "{err}"
        );
        let err = choose(None, Some("apache/flink:1.11.6"), None).unwrap_err();
        assert!(
            err.contains("image apache/flink:1.11.6") && err.contains("1.12"),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1);
        // With the release given, an old image is only a warning.
        let choice = choose(Some("1.18"), Some("apache/flink:1.11.6"), None).unwrap();
        assert!(choice.warning.is_some());
    }

    #[test]
    fn images_and_distributions_of_1_12_to_1_14_choose_their_release() {
        for (image, release) in [
            ("apache/flink:1.14.6-scala_2.11", "1.14.6"),
            ("apache/flink:1.13.6-scala_2.12-java11", "1.13.6"),
            ("apache/flink:1.12.5", "1.12.5"),
            ("apache/flink:1.12", "1.12.5"),
        ] {
            let choice = choose(None, Some(image), None).unwrap();
            assert_eq!(choice.version.to_string(), release, "{image}");
            assert_eq!(choice.warning, None, "{image}");
        }
        let jar = Path::new("/opt/flink/lib/flink-dist_2.11-1.12.5.jar");
        let by_dist = choose(None, None, Some(jar)).unwrap();
        assert_eq!(by_dist.version.to_string(), "1.12.5");
        assert_eq!(by_dist.rule, ReleaseRule::Distribution(jar.to_path_buf()));
    }

    #[test]
    fn distribution_jars_name_their_release() {
        assert_eq!(
            release_of_dist_jar(Path::new("lib/flink-dist-1.20.5.jar")).as_deref(),
            Some("1.20.5")
        );
        assert_eq!(
            release_of_dist_jar(Path::new("lib/flink-dist_2.12-1.14.6.jar")).as_deref(),
            Some("1.14.6")
        );
        assert_eq!(release_of_dist_jar(Path::new("lib/flink-dist.jar")), None);
    }
}
