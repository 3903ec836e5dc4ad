//! Pod templates, secrets and volumes: merged and mounted as Flink's client does.

use super::*;

#[test]
fn secrets_env_secrets_and_claims_become_volumes_in_flinks_order() {
    let cluster = rendered(&[
        ("kubernetes.secrets", "zeta:/z,alpha:/a"),
        (
            "kubernetes.env.secretKeyRef",
            "env:USER,secret:creds,key:user",
        ),
        ("kubernetes.persistent-volume-claims", "data.claim:/data"),
        ("kubernetes.persistent-volume-claim-read-only", "true"),
    ]);
    let pod = json_of(pod_spec(&cluster));
    let volumes: Vec<&str> = pod["volumes"]
        .as_array()
        .expect("volumes")
        .iter()
        .filter_map(|v| v["name"].as_str())
        .collect();
    // Java's HashMap iterates "zeta" before "alpha" (see config::syntax tests).
    assert_eq!(
        volumes,
        [
            "user-artifacts-volume",
            "zeta-volume",
            "alpha-volume",
            "data-claim-pvc",
            "flink-config-volume"
        ]
    );
    assert_eq!(
        pod["volumes"][3]["persistentVolumeClaim"],
        json!({"claimName": "data.claim", "readOnly": true})
    );
    let main = json_of(main_container(&cluster));
    assert_eq!(
        main["env"][1]["valueFrom"]["secretKeyRef"],
        json!({"name": "creds", "key": "user"})
    );
    assert_eq!(
        main["volumeMounts"][3],
        json!({"name": "data-claim-pvc", "mountPath": "/data", "readOnly": true})
    );
}

#[test]
fn pod_template_merges_with_flinks_rules() {
    let template = parse_pod_template(
        "jm.yaml",
        r#"
apiVersion: v1
kind: Pod
metadata:
  labels: {app: from-template, extra: yes-please}
  annotations: {a: template}
spec:
  serviceAccountName: template-sa
  dnsPolicy: Default
  initContainers: [{name: init, image: busybox}]
  imagePullSecrets: [{name: template-secret}]
  nodeSelector: {zone: a, disk: hdd}
  volumes: [{name: scratch, emptyDir: {}}]
  containers:
  - name: sidecar
    image: fluentbit
  - name: flink-main-container
    image: template/image:1
    command: [ignored]
    env: [{name: FROM_TEMPLATE, value: "1"}]
    ports: [{name: metrics, containerPort: 9249}]
    resources:
      requests: {ephemeral-storage: 1Gi, cpu: "9"}
    volumeMounts: [{name: scratch, mountPath: /scratch}]
"#,
    )
    .expect("template");
    let local = LocalFiles {
        jobmanager_pod_template: Some(template),
        ..LocalFiles::default()
    };
    let cluster = render_with(
        &[("kubernetes.jobmanager.node-selector", "disk:ssd")],
        local,
    );
    let pod = json_of(pod_spec(&cluster));
    assert_eq!(
        pod["serviceAccount"], "template-sa",
        "template beats the default"
    );
    assert_eq!(pod["dnsPolicy"], "Default");
    assert_eq!(pod["initContainers"][0]["name"], "init");
    assert_eq!(pod["nodeSelector"], json!({"zone": "a", "disk": "ssd"}));
    let containers: Vec<&str> = pod["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        containers,
        ["sidecar", "flink-main-container"],
        "main container last"
    );
    let main = &pod["containers"][1];
    assert_eq!(
        main["image"], "template/image:1",
        "template beats the default image"
    );
    assert_eq!(
        main["command"],
        json!(["/docker-entrypoint.sh"]),
        "command always overwritten"
    );
    assert_eq!(main["env"][0]["name"], "FROM_TEMPLATE");
    assert_eq!(main["ports"][0]["name"], "metrics");
    assert_eq!(main["resources"]["requests"]["ephemeral-storage"], "1Gi");
    assert_eq!(
        main["resources"]["requests"]["cpu"], "1.0",
        "cpu overwritten"
    );
    assert_eq!(pod["volumes"][0]["name"], "scratch");
    assert_eq!(main["volumeMounts"][0]["name"], "scratch");
    let pod_labels = json_of(
        &cluster
            .deployment
            .spec
            .as_ref()
            .and_then(|s| s.template.metadata.as_ref())
            .and_then(|m| m.labels.clone()),
    );
    assert_eq!(pod_labels["app"], "c1", "selector wins over the template");
    assert_eq!(pod_labels["extra"], "yes-please");

    let explicit = render_with(
        &[
            ("kubernetes.container.image.ref", "explicit:2"),
            ("kubernetes.service-account", "explicit-sa"),
        ],
        LocalFiles {
            jobmanager_pod_template: pod_spec(&cluster).clone().into_template(),
            ..LocalFiles::default()
        },
    );
    assert_eq!(
        main_container(&explicit).image.as_deref(),
        Some("explicit:2")
    );
    assert_eq!(
        pod_spec(&explicit).service_account.as_deref(),
        Some("explicit-sa")
    );
}

trait IntoTemplate {
    fn into_template(self) -> Option<k8s_openapi::api::core::v1::Pod>;
}

impl IntoTemplate for PodSpec {
    fn into_template(self) -> Option<k8s_openapi::api::core::v1::Pod> {
        Some(k8s_openapi::api::core::v1::Pod {
            spec: Some(self),
            ..Default::default()
        })
    }
}

#[test]
fn taskmanager_template_and_hadoop_conf_travel_in_config_maps() {
    let local = LocalFiles {
        taskmanager_pod_template: Some("apiVersion: v1\nkind: Pod\n".into()),
        hadoop_conf_files: vec![("core-site.xml".into(), "<configuration/>".into())],
        ..LocalFiles::default()
    };
    let cluster = render_with(&[], local);
    let names: Vec<String> = cluster
        .accompanying
        .iter()
        .map(|o| format!("{}/{}", o.kind(), o.name()))
        .collect();
    assert_eq!(
        names,
        [
            "Service/c1",
            "Service/c1-rest",
            "ConfigMap/hadoop-config-c1",
            "ConfigMap/flink-config-c1",
            "ConfigMap/pod-template-c1"
        ]
    );
    let main = json_of(main_container(&cluster));
    let mounts: Vec<&str> = main["volumeMounts"]
        .as_array()
        .expect("mounts")
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert_eq!(
        mounts,
        [
            "/opt/flink/artifacts",
            "/opt/hadoop/conf",
            "/opt/flink/conf",
            "/opt/flink/pod-template"
        ]
    );
    assert_eq!(
        main["env"][1],
        json!({"name": "HADOOP_CONF_DIR", "value": "/opt/hadoop/conf"})
    );

    let existing = rendered(&[("kubernetes.hadoop.conf.config-map.name", "my-hadoop")]);
    let pod = json_of(pod_spec(&existing));
    assert_eq!(pod["volumes"][1]["configMap"], json!({"name": "my-hadoop"}));
    assert_eq!(
        existing.accompanying.len(),
        3,
        "an existing ConfigMap is mounted, not created"
    );
}
