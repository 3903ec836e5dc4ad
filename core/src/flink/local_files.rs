//! Files on the client machine that Flink's client ships into the cluster:
//! pod templates, and the Hadoop configuration. Reading them is the only I/O
//! between configuration and rendering, kept here at the edge.

use crate::config::Configuration;
use crate::config::options::*;
use crate::flink::version::ReleaseTraits;
use k8s_openapi::api::core::v1::Pod;
use std::path::{Path, PathBuf};

/// Local files a cluster needs, already read and parsed.
#[derive(Debug, Clone, Default)]
pub struct LocalFiles {
    /// The JobManager pod template (`kubernetes.pod-template-file.jobmanager`).
    pub jobmanager_pod_template: Option<Pod>,
    /// The TaskManager pod template, verbatim: it travels in a ConfigMap.
    pub taskmanager_pod_template: Option<String>,
    /// `core-site.xml` / `hdfs-site.xml` from the local Hadoop conf dir.
    pub hadoop_conf_files: Vec<(String, String)>,
}

/// The parts of the process environment Flink's client consults (read by
/// the binary's edge and passed in).
#[derive(Debug, Clone, Default)]
pub struct ClientEnvironment {
    pub hadoop_conf_dir: Option<String>,
    pub hadoop_home: Option<String>,
}

/// Read what the configuration points at on this machine.
pub fn read(
    conf: &Configuration,
    env: &ClientEnvironment,
    release: &ReleaseTraits,
) -> Result<LocalFiles, String> {
    // A template under a key the release lacks is not read by its client
    // (before 1.17, `….default` is ignored and `kubernetes.pod-template-file` read).
    let conf = &release.reads(conf);
    let jobmanager_pod_template = match conf.string(&POD_TEMPLATE_JOBMANAGER) {
        Some(path) => Some(parse_pod_template(&path, &read_template(&path)?)?),
        None => None,
    };
    let taskmanager_pod_template = match conf.string(&POD_TEMPLATE_TASKMANAGER) {
        Some(path) => {
            let text = read_template(&path)?;
            parse_pod_template(&path, &text)?;
            Some(text)
        }
        None => None,
    };
    let hadoop_conf_files = if conf
        .bool(&HADOOP_CONF_MOUNT_ENABLED)
        .map_err(|e| e.to_string())?
        && conf
            .string(&HADOOP_CONF_CONFIG_MAP)
            .is_none_or(|n| n.trim().is_empty())
    {
        read_hadoop_conf(env)?
    } else {
        Vec::new()
    };
    Ok(LocalFiles {
        jobmanager_pod_template,
        taskmanager_pod_template,
        hadoop_conf_files,
    })
}

fn read_template(path: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| {
        format!(
            "pod template file {path} cannot be read ({e}): fix the path in kubernetes.pod-template-file.*"
        )
    })
}

/// Parse a pod template, insisting that it really is a Pod.
pub fn parse_pod_template(path: &str, text: &str) -> Result<Pod, String> {
    let value: serde_json::Value = serde_saphyr::from_str(text).map_err(|e| {
        let at = e
            .location()
            .map(|l| format!(":{}:{}", l.line(), l.column()))
            .unwrap_or_default();
        let first = e.to_string();
        let first = first.lines().next().unwrap_or_default().to_string();
        format!("pod template {path}{at} is not valid YAML: {first}")
    })?;
    match value.get("kind").and_then(|k| k.as_str()) {
        None | Some("Pod") => {}
        Some(other) => {
            return Err(format!(
                "pod template {path} is a {other}, not a Pod: write a Pod (kind: Pod, apiVersion: v1) with the containers to merge"
            ));
        }
    }
    if !value.is_object() {
        return Err(format!(
            "pod template {path} is not a Pod: write a Pod (kind: Pod, apiVersion: v1) with the containers to merge"
        ));
    }
    serde_json::from_value(value)
        .map_err(|e| format!("pod template {path} is not a valid Pod: {e}: fix the field it names (`kubectl explain pod.spec` shows the schema)"))
}

/// Flink's local Hadoop conf lookup: `HADOOP_CONF_DIR`, else
/// `$HADOOP_HOME/etc/hadoop`, else `$HADOOP_HOME/conf`; only `core-site.xml`
/// and `hdfs-site.xml` are taken.
fn read_hadoop_conf(env: &ClientEnvironment) -> Result<Vec<(String, String)>, String> {
    let dir: Option<PathBuf> = env
        .hadoop_conf_dir
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            let home = Path::new(
                env.hadoop_home
                    .as_deref()
                    .filter(|h| !h.trim().is_empty())?,
            );
            [home.join("etc/hadoop"), home.join("conf")]
                .into_iter()
                .find(|d| d.is_dir())
        });
    let Some(dir) = dir else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for name in ["core-site.xml", "hdfs-site.xml"] {
        let path = dir.join(name);
        if path.is_file() {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| {
                    format!(
                        "cannot read {}: {e}: make it readable, or unset HADOOP_CONF_DIR/HADOOP_HOME (or -Dkubernetes.decorator.hadoop-conf-mount.enabled=false)",
                        path.display()
                    )
                })?;
            files.push((name.to_string(), text));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deployment_is_not_a_pod_template() {
        let err =
            parse_pod_template("t.yaml", "apiVersion: apps/v1\nkind: Deployment\n").unwrap_err();
        assert!(err.contains("is a Deployment, not a Pod"), "{err}");
        let err = parse_pod_template("t.yaml", "- a\n").unwrap_err();
        assert!(err.contains("not a Pod"), "{err}");
        let err = parse_pod_template("t.yaml", "spec: [\n").unwrap_err();
        assert!(err.contains("not valid YAML"), "{err}");
    }

    #[test]
    fn a_pod_template_parses() {
        let pod = parse_pod_template(
            "t.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: sidecar\n    image: busybox\n",
        )
        .unwrap();
        assert_eq!(pod.spec.unwrap().containers[0].name, "sidecar");
    }

    #[test]
    fn missing_template_names_the_option() {
        let mut conf = Configuration::default();
        conf.set_string(
            "kubernetes.pod-template-file.jobmanager",
            "/no/such/template.yaml",
        );
        let release = crate::flink::version::FlinkVersion::DEFAULT
            .traits()
            .unwrap();
        let err = read(&conf, &ClientEnvironment::default(), release).unwrap_err();
        assert!(err.contains("/no/such/template.yaml"), "{err}");
        assert!(err.contains("kubernetes.pod-template-file"), "{err}");
    }
}
