//! The job of an application cluster: which jar, which class, which
//! arguments, and how to restore it — all shipped to the JobManager through
//! `config.yaml`, exactly as `flink run --target kubernetes-application` does.

/// What `kubectl flink app run` was asked to run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Program {
    /// The jar URI, checked by [`check_jar_uri`].
    pub jar_uri: String,
    /// `-c/--class`; absent means the jar manifest's main class.
    pub entry_class: Option<String>,
    /// `-p/--parallelism`
    pub parallelism: Option<u32>,
    /// Arguments after the jar, passed to `main()`.
    pub args: Vec<String>,
    /// `-s/--from-savepoint`
    pub savepoint_path: Option<String>,
    /// `--allow-non-restored-state`
    pub allow_non_restored_state: bool,
    /// `--claim-mode` (`CLAIM` or `NO_CLAIM`; Flink's default is `NO_CLAIM`).
    pub claim_mode: Option<String>,
    /// `-d/--detached`: run `main()` detached inside the cluster.
    pub detached: bool,
}

/// Schemes an application JobManager can fetch its jar from: `local` (inside
/// the image), `file` (also read inside the container), HTTP, and the file
/// systems Flink ships plugins for.
pub const FETCHABLE_SCHEMES: &[&str] = &[
    "local", "file", "http", "https", "s3", "s3a", "s3p", "gs", "hdfs", "viewfs", "abfs", "abfss",
    "wasb", "wasbs", "oss", "obs", "cosn",
];

/// Accept a jar URI the JobManager can fetch; reject a path on this machine
/// (the cluster cannot see it) and schemes Flink has no fetcher for.
pub fn check_jar_uri(uri: &str) -> Result<Option<String>, String> {
    let scheme = uri.split_once(':').map(|(s, _)| s).filter(|s| {
        s.len() > 1
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let Some(scheme) = scheme else {
        let name = uri.rsplit('/').next().unwrap_or(uri);
        return Err(format!(
            "'{uri}' is a path on this machine, but an application cluster's JobManager fetches the jar itself: build it into the image and pass local:///opt/flink/usrlib/{name}, or upload it where the cluster can read it (https://…, s3://…)"
        ));
    };
    let scheme = scheme.to_ascii_lowercase();
    if !FETCHABLE_SCHEMES.contains(&scheme.as_str()) {
        return Err(format!(
            "'{uri}': Flink cannot fetch jars over '{scheme}:': use local:// (inside the image), https://, or a Flink file system ({})",
            FETCHABLE_SCHEMES[4..].join(", ")
        ));
    }
    if scheme == "local" && !uri.starts_with("local:///") {
        return Err(format!(
            "'{uri}': a local:// URI needs an absolute path inside the image, e.g. local:///opt/flink/usrlib/job.jar"
        ));
    }
    if scheme == "file" {
        return Ok(Some(format!(
            "{uri} is read inside the JobManager's container, not on this machine: the image must contain it (local:///… says so explicitly)"
        )));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::check_jar_uri;

    #[test]
    fn jars_the_cluster_can_fetch_are_accepted() {
        for ok in [
            "local:///opt/flink/usrlib/job.jar",
            "s3://bucket/jobs/job.jar",
            "https://repo.example.com/job.jar",
            "hdfs:///jobs/job.jar",
        ] {
            assert_eq!(check_jar_uri(ok), Ok(None), "{ok}");
        }
        let warning = check_jar_uri("file:///opt/flink/examples/streaming/WordCount.jar")
            .expect("accepted")
            .expect("with a warning");
        assert!(
            warning.contains("inside the JobManager's container"),
            "{warning}"
        );
    }

    #[test]
    fn local_paths_get_an_error_naming_the_fix() {
        let err = check_jar_uri("/home/me/target/job.jar").unwrap_err();
        assert!(err.contains("local:///opt/flink/usrlib/job.jar"), "{err}");
        assert!(check_jar_uri("job.jar").is_err());
        assert!(check_jar_uri("C:\\jobs\\job.jar").is_err());
    }

    #[test]
    fn unknown_schemes_and_relative_local_uris_are_rejected() {
        assert!(
            check_jar_uri("ftp://host/job.jar")
                .unwrap_err()
                .contains("'ftp:'")
        );
        assert!(
            check_jar_uri("local://job.jar")
                .unwrap_err()
                .contains("absolute path")
        );
    }
}
