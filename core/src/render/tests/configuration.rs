//! The configuration shipped in the ConfigMap, and what is refused.

use super::*;

#[test]
fn shipped_configuration_has_flinks_rewrites() {
    let cluster = rendered(&[
        ("rest.bind-address", "0.0.0.0"),
        ("kubernetes.config.file", "/home/me/.kube/config"),
        ("taskmanager.host", "localhost"),
    ]);
    let conf = config_yaml(&cluster);
    for removed in [
        "rest.bind-address",
        "kubernetes.config.file",
        "taskmanager.host",
    ] {
        assert!(conf.get(removed).is_none(), "{removed} must not be shipped");
    }
    assert_eq!(conf["blob.server.port"], "6124");
    assert_eq!(conf["taskmanager.rpc.port"], "6122");
    assert_eq!(conf["jobmanager.rpc.address"], "c1.ns");
    assert_eq!(conf["kubernetes.namespace"], "ns");
    assert_eq!(conf["execution.target"], "kubernetes-session");
    assert_eq!(conf["internal.cluster.execution-mode"], "NORMAL");
}

#[test]
fn application_program_goes_into_the_configuration() {
    let mut request = request(&[]);
    request.mode = DeploymentMode::Application;
    request.program = Some(crate::flink::program::Program {
        jar_uri: "s3://jobs/etl.jar".into(),
        entry_class: Some("com.example.Etl".into()),
        parallelism: Some(4),
        args: vec!["--date".into(), "2026-11-27".into()],
        savepoint_path: Some("s3://sp/1".into()),
        allow_non_restored_state: true,
        claim_mode: Some("CLAIM".into()),
        detached: true,
    });
    let conf = spec::effective_configuration(&request);
    let spec = spec::resolve(&request, conf, LocalFiles::default()).expect("resolve");
    let cluster = render(&spec).expect("render");
    let conf = config_yaml(&cluster);
    assert_eq!(conf["pipeline.jars"], json!(["s3://jobs/etl.jar"]));
    assert_eq!(conf["$internal.application.main"], "com.example.Etl");
    assert_eq!(
        conf["$internal.application.program-args"],
        json!(["--date", "2026-11-27"])
    );
    assert_eq!(conf["parallelism.default"], 4);
    assert_eq!(conf["execution.state-recovery.path"], "s3://sp/1");
    assert_eq!(
        conf["execution.state-recovery.ignore-unclaimed-state"],
        true
    );
    assert_eq!(conf["execution.state-recovery.claim-mode"], "CLAIM");
    assert_eq!(conf["execution.attached"], false);
    assert_eq!(
        main_container(&cluster).args.as_ref().expect("args")[2],
        "kubernetes-jobmanager.sh kubernetes-application "
    );
}

#[test]
fn unsupported_features_are_refused_rather_than_rendered_differently() {
    let request = request(&[
        ("security.kerberos.login.keytab", "/k.keytab"),
        ("security.kerberos.login.principal", "me@REALM"),
    ]);
    let conf = spec::effective_configuration(&request);
    let err = spec::resolve(&request, conf, LocalFiles::default()).unwrap_err();
    assert!(
        err.to_string().contains("kerberos-mount.enabled=false"),
        "{err}"
    );
}
