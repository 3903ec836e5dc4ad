//! Choosing the Flink release (flag, image tag, distribution, default) and
//! what each choice changes, through the binary as users run it.

mod common;

use common::*;

fn dry_run(home: &Scratch, conf: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "session",
        "start",
        "c1",
        "--dry-run=client",
        "-o",
        "json",
        "--flink-conf-dir",
        conf,
    ];
    args.extend_from_slice(extra);
    run(home.path(), &args)
}

fn image(items: &[serde_json::Value]) -> String {
    item(items, "Deployment", "c1")["spec"]["template"]["spec"]["containers"][0]["image"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn config_files(items: &[serde_json::Value]) -> Vec<String> {
    let data = &item(items, "ConfigMap", "flink-config-c1")["data"];
    let mut names: Vec<String> = data
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    names.retain(|n| n.ends_with(".yaml"));
    names
}

#[test]
fn an_unknown_release_names_the_supported_ones() {
    let home = Scratch::new("rel-unknown");
    let out = dry_run(&home, &golden_conf(), &["--flink-version", "1.11"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("Flink 1.11 is not supported")
            && err.contains(
                "1.12, 1.13, 1.14, 1.15, 1.16, 1.17, 1.18, 1.19, 1.20, 2.0, 2.1, 2.2, 2.3"
            ),
        "{err}"
    );
    let out = dry_run(&home, &golden_conf(), &["--flink-version", "x.y"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[test]
fn each_release_gets_its_default_image_and_config_file() {
    let home = Scratch::new("rel-defaults");
    let conf = golden_conf();
    for (flag, image_ref, file) in [
        ("1.12", "apache/flink:1.12.5-scala_2.11", "flink-conf.yaml"),
        ("1.13", "apache/flink:1.13.6-scala_2.12", "flink-conf.yaml"),
        ("1.14", "apache/flink:1.14.6-scala_2.11", "flink-conf.yaml"),
        ("1.18", "apache/flink:1.18.1-scala_2.12", "flink-conf.yaml"),
        ("1.20", "apache/flink:1.20.5-scala_2.12", "config.yaml"),
        ("2.0.1", "apache/flink:2.0.1-scala_2.12", "config.yaml"),
        ("2.3", "apache/flink:2.3.0-scala_2.12", "config.yaml"),
    ] {
        // 1.18 and older read only flink-conf.yaml: give them the legacy file.
        let conf_dir = if file == "flink-conf.yaml" {
            home.write(
                "legacy/flink-conf.yaml",
                "jobmanager.memory.process.size: 1600m\n",
            );
            home.path().join("legacy").display().to_string()
        } else {
            conf.clone()
        };
        let out = dry_run(&home, &conf_dir, &["--flink-version", flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        let items = json_items(&out);
        assert_eq!(image(&items), image_ref, "{flag}");
        assert_eq!(config_files(&items), vec![file.to_string()], "{flag}");
    }
}

#[test]
fn the_image_tag_chooses_the_release_and_v_says_so() {
    let home = Scratch::new("rel-image");
    let out = dry_run(
        &home,
        &golden_conf(),
        &[
            "-v",
            "-Dkubernetes.container.image.ref=apache/flink:1.20.5-scala_2.12-java17",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Flink 1.20.5 (from the tag of image apache/flink:1.20.5-scala_2.12-java17)"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
    // 1.20 still writes the application's savepoint keys under their 1.20 names
    // and the cluster has the 1.19+ artifacts volume.
    let items = json_items(&out);
    let volumes = &item(&items, "Deployment", "c1")["spec"]["template"]["spec"]["volumes"];
    assert!(
        volumes.to_string().contains("user-artifacts-volume"),
        "{volumes}"
    );
}

#[test]
fn an_image_of_another_release_than_the_flag_is_a_warning_naming_both() {
    let home = Scratch::new("rel-disagree");
    let out = dry_run(
        &home,
        &golden_conf(),
        &[
            "--flink-version",
            "2.3",
            "-Dkubernetes.container.image.ref=apache/flink:1.20.5-scala_2.12-java17",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let warning: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warning.len(), 1, "{err}");
    assert!(
        warning[0].contains("Flink 1.20.5") && warning[0].contains("Flink 2.3.0"),
        "{err}"
    );
    assert_eq!(
        image(&json_items(&out)),
        "apache/flink:1.20.5-scala_2.12-java17"
    );
}

#[test]
fn the_distribution_beside_the_conf_dir_chooses_the_release() {
    let home = Scratch::new("rel-dist");
    home.write("flink/lib/flink-dist-1.18.1.jar", "");
    home.write(
        "flink/conf/flink-conf.yaml",
        "jobmanager.memory.process.size: 1600m\ntaskmanager.numberOfTaskSlots: 3\n",
    );
    let conf = home.path().join("flink/conf").display().to_string();
    let out = dry_run(&home, &conf, &["-v"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("Flink 1.18.1 (from the Flink distribution"),
        "{err}"
    );
    let items = json_items(&out);
    assert_eq!(config_files(&items), vec!["flink-conf.yaml".to_string()]);
    let text = item(&items, "ConfigMap", "flink-config-c1")["data"]["flink-conf.yaml"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains("taskmanager.numberOfTaskSlots: 3\n"),
        "{text}"
    );
    // Without the jar, the same conf dir is read as 2.3 would: refused.
    std::fs::remove_file(home.path().join("flink/lib/flink-dist-1.18.1.jar")).expect("rm");
    let out = dry_run(&home, &conf, &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("migrate-config-file.sh"), "{err}");
}

#[test]
fn an_option_the_release_lacks_warns_with_the_release_that_added_it() {
    let home = Scratch::new("rel-since");
    let out = dry_run(
        &home,
        &golden_conf(),
        &[
            "--flink-version",
            "1.20",
            "-Dkubernetes.rest-service.labels=expose:yes",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "kubernetes.rest-service.labels exists since Flink 2.2; Flink 1.20 ignores it"
        ),
        "{err}"
    );
    let items = json_items(&out);
    let labels = &item(&items, "Service", "c1-rest")["metadata"]["labels"];
    assert!(labels.get("expose").is_none(), "{labels}");
    // 2.2 has it: no warning, the label is set.
    let out = dry_run(
        &home,
        &golden_conf(),
        &[
            "--flink-version",
            "2.2",
            "-Dkubernetes.rest-service.labels=expose:yes",
        ],
    );
    assert!(!stderr(&out).contains("exists since"), "{}", stderr(&out));
    let items = json_items(&out);
    assert_eq!(
        item(&items, "Service", "c1-rest")["metadata"]["labels"]["expose"],
        "yes"
    );
}

#[test]
fn an_option_a_user_sets_that_the_release_lacks_warns_once_with_the_key_it_reads() {
    let home = Scratch::new("rel-since-any");
    let conf_1_18 = format!(
        "{}/tests/golden/flink-1.18.1/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = dry_run(
        &home,
        &conf_1_18,
        &[
            "--flink-version",
            "1.18",
            "-Dexecution.state-recovery.path=s3://sp/1",
            "-Dkubernetes.rest-service.labels=expose:yes",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("execution.state-recovery.path exists since Flink 1.20; Flink 1.18 ignores it (it reads execution.savepoint.path)"),
        "{err}"
    );
    assert_eq!(
        err.matches("kubernetes.rest-service.labels exists since Flink 2.2")
            .count(),
        1,
        "{err}"
    );
    let out = dry_run(
        &home,
        &golden_conf(),
        &[
            "--flink-version",
            "1.20",
            "-Dexecution.state-recovery.path=s3://sp/1",
        ],
    );
    assert!(!stderr(&out).contains("exists since"), "{}", stderr(&out));
}

/// A 2.x `config.yaml` written the 1.x way (flat keys, `;`-lists, `k:v,…`
/// maps, YAML 1.1 words) is read as Flink 2.3's own loader reads it
/// (`GlobalConfiguration` run on the same file); what that loader refuses —
/// a key without a value — is refused with its line, nothing half-read.
#[test]
fn a_flat_1_x_config_yaml_for_2_x_is_read_as_flink_reads_it_or_refused_with_the_line() {
    let home = Scratch::new("rel-flat-yaml");
    let conf = home.path().join("flat-conf");
    std::fs::create_dir_all(&conf).expect("mkdir");
    let flat = "jobmanager.memory.process.size: 1600m\n\
        taskmanager.memory.process.size: 1728m\n\
        taskmanager.numberOfTaskSlots: 2\n\
        kubernetes.jobmanager.annotations: team:data,tier:gold # a 1.x map\n\
        pipeline.classpaths: file:///a.jar;file:///b.jar\n\
        kubernetes.jobmanager.labels: env:on\n\
        pipeline.name: yes\n";
    std::fs::write(conf.join("config.yaml"), flat).expect("write");
    let dir = conf.display().to_string();
    let out = dry_run(&home, &dir, &["--flink-version", "2.3"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let items = json_items(&out);
    let deployment = item(&items, "Deployment", "c1");
    assert_eq!(deployment["metadata"]["annotations"]["team"], "data");
    assert_eq!(deployment["metadata"]["annotations"]["tier"], "gold");
    assert_eq!(deployment["metadata"]["labels"]["env"], "on");
    let shipped = item(&items, "ConfigMap", "flink-config-c1")["data"]["config.yaml"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        shipped.contains("classpaths: file:///a.jar;file:///b.jar"),
        "{shipped}"
    );
    // `yes` is text to Flink (YAML 1.2), not YAML 1.1's true.
    assert!(!shipped.contains("name: true"), "{shipped}");
    assert!(shipped.contains("name: \"yes\""), "{shipped}");

    // 1.x skipped `key:` lines without a value; Flink 2.x refuses the file.
    let broken = format!("{flat}state.backend.type:\nparallelism.default: 3\n");
    std::fs::write(conf.join("config.yaml"), broken).expect("write");
    let out = dry_run(&home, &dir, &["--flink-version", "2.3"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("config.yaml:8:1: state.backend.type has no value"),
        "{err}"
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing rendered: {}",
        stdout(&out)
    );
}

/// 1.16 knows three keys only by the names 1.17 replaced: the new names are
/// ignored with a warning naming the old one (as its client ignores them,
/// `tests/golden/flink-1.16.3`), the old ones are read without a deprecation
/// warning.
#[test]
fn flink_1_16_reads_the_key_names_before_1_17s_renames() {
    let home = Scratch::new("rel-1-16");
    let conf = format!(
        "{}/tests/golden/flink-1.16.3/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    let new_name = [
        "--flink-version",
        "1.16",
        "-Dkubernetes.container.image.ref=my/app:1",
    ];
    let out = dry_run(&home, &conf, &new_name);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("kubernetes.container.image.ref exists since Flink 1.17; Flink 1.16 ignores it (it reads kubernetes.container.image)"),
        "{err}"
    );
    let items = json_items(&out);
    assert_eq!(image(&items), "apache/flink:1.16.3-scala_2.12");
    assert_eq!(config_files(&items), vec!["flink-conf.yaml".to_string()]);
    let old_name = [
        "--flink-version",
        "1.16",
        "-Dkubernetes.container.image=my/app:1",
    ];
    let out = dry_run(&home, &conf, &old_name);
    let err = stderr(&out);
    assert!(!err.contains("deprecated"), "{err}");
    assert_eq!(image(&json_items(&out)), "my/app:1");
    // Without HA (its key ignored), a standby JobManager is refused, as by its client.
    let standby = [
        "--flink-version",
        "1.16",
        "-Dhigh-availability.type=kubernetes",
        "-Dhigh-availability.storageDir=s3://flink/recovery",
        "-Dkubernetes.jobmanager.replicas=2",
    ];
    let out = dry_run(&home, &conf, &standby);
    assert_ne!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("add -Dhigh-availability=kubernetes"),
        "{}",
        stderr(&out)
    );
}

/// 1.15 has no `kubernetes.jobmanager.entrypoint.args` (1.16 added it): warned
/// about, and the entrypoint is written without it, as 1.15's client writes it.
#[test]
fn flink_1_15_has_no_entrypoint_args() {
    let home = Scratch::new("rel-1-15");
    let conf = format!(
        "{}/tests/golden/flink-1.15.4/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    let args = [
        "--flink-version",
        "1.15",
        "-Dkubernetes.jobmanager.entrypoint.args=-Dfoo=bar",
    ];
    let out = dry_run(&home, &conf, &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "kubernetes.jobmanager.entrypoint.args exists since Flink 1.16; Flink 1.15 ignores it"
        ),
        "{err}"
    );
    let items = json_items(&out);
    let container = &item(&items, "Deployment", "c1")["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["args"][2],
        "kubernetes-jobmanager.sh kubernetes-session"
    );
    assert_eq!(image(&items), "apache/flink:1.15.4-scala_2.12");
}

/// Before 1.15 there is no `kubernetes.hostnetwork.enabled` nor the limit
/// factors: warned about, and the pod has neither a host network nor a DNS
/// policy, and limits equal to its requests, as 1.14's client writes it; the
/// rest Service is a LoadBalancer unless set otherwise.
#[test]
fn flink_1_14_has_no_host_network_or_limit_factors() {
    let home = Scratch::new("rel-1-14");
    let conf = format!(
        "{}/tests/golden/flink-1.14.6/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    let args = [
        "--flink-version",
        "1.14",
        "-Dkubernetes.hostnetwork.enabled=true",
        "-Dkubernetes.jobmanager.memory.limit-factor=2",
    ];
    let out = dry_run(&home, &conf, &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for key in [
        "kubernetes.hostnetwork.enabled",
        "kubernetes.jobmanager.memory.limit-factor",
    ] {
        assert!(
            err.contains(&format!(
                "{key} exists since Flink 1.15; Flink 1.14 ignores it"
            )),
            "{err}"
        );
    }
    let items = json_items(&out);
    let pod = &item(&items, "Deployment", "c1")["spec"]["template"]["spec"];
    assert!(pod.get("hostNetwork").is_none(), "{pod}");
    assert!(pod.get("dnsPolicy").is_none(), "{pod}");
    let resources = &pod["containers"][0]["resources"];
    assert_eq!(resources["limits"], resources["requests"], "{resources}");
    assert_eq!(
        item(&items, "Service", "c1-rest")["spec"]["type"],
        "LoadBalancer"
    );
}

/// What 1.13 and older refuse, we refuse: a headless rest Service (1.14 added
/// it), and a claim mode for the application's savepoint (1.15 added it).
#[test]
fn flink_1_13_refuses_a_headless_rest_service_and_a_claim_mode() {
    let home = Scratch::new("rel-1-13");
    let conf = format!(
        "{}/tests/golden/flink-1.13.6/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = dry_run(
        &home,
        &conf,
        &[
            "--flink-version",
            "1.13",
            "-Dkubernetes.rest-service.exposed.type=Headless_ClusterIP",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("Headless_ClusterIP exists since Flink 1.14; Flink 1.13 has ClusterIP, NodePort and LoadBalancer"),
        "{err}"
    );
    let out = run(
        home.path(),
        &[
            "app",
            "run",
            "--cluster-id",
            "a1",
            "--dry-run=client",
            "--flink-conf-dir",
            &conf,
            "--flink-version",
            "1.14",
            "--claim-mode",
            "CLAIM",
            "-s",
            "s3://bucket/savepoint-1",
            "local:///opt/flink/usrlib/job.jar",
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--claim-mode needs Flink 1.15 or later: Flink 1.14 has no claim mode"),
        "{err}"
    );
}

/// 1.12 starts the JobManager with the whole `java` command line, its memory
/// and log file in it, selects the pods by the user's labels too, and has no
/// pod templates (warned about, ignored).
#[test]
fn flink_1_12_writes_the_java_command_line() {
    let home = Scratch::new("rel-1-12");
    let conf = format!(
        "{}/tests/golden/flink-1.12.5/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    home.write(
        "jm.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    from: template\n",
    );
    let template = home.path().join("jm.yaml").display().to_string();
    let args = [
        "--flink-version",
        "1.12",
        "-Djobmanager.memory.process.size=2048m",
        "-Dkubernetes.flink.log.dir=/logs",
        "-Dkubernetes.jobmanager.labels=team:data",
        &format!("-Dkubernetes.pod-template-file.jobmanager={template}"),
    ];
    let out = dry_run(&home, &conf, &args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "kubernetes.pod-template-file.jobmanager exists since Flink 1.13; Flink 1.12 ignores it"
        ),
        "{err}"
    );
    let items = json_items(&out);
    let deployment = item(&items, "Deployment", "c1");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["name"], "flink-job-manager");
    assert_eq!(container["args"][0], "native-k8s");
    let command = container["args"][1].as_str().unwrap_or_default();
    assert!(
        command.starts_with("$JAVA_HOME/bin/java -classpath $FLINK_CLASSPATH -Xmx1530082096 -Xms1530082096 -XX:MaxMetaspaceSize=268435456 -Dlog.file=/logs/jobmanager.log "),
        "{command}"
    );
    assert!(
        command.contains(
            " org.apache.flink.kubernetes.entrypoint.KubernetesSessionClusterEntrypoint -D "
        ),
        "{command}"
    );
    assert!(
        container["env"].to_string().find("FLINK_LOG_DIR").is_none(),
        "{container}"
    );
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"]["team"], "data",
        "{deployment}"
    );
    assert!(
        deployment["spec"]["template"]["metadata"]["labels"]
            .get("from")
            .is_none(),
        "{deployment}"
    );
}

/// 1.13–1.16 read the pod templates from `kubernetes.pod-template-file` (a
/// current key there, no deprecation) and know no `….default` (1.17 added it):
/// a template given only through it is warned about and not used, and with
/// both keys set the old one's file is the template.
#[test]
fn flink_1_16_reads_the_pod_template_from_its_own_key() {
    let home = Scratch::new("rel-1-16-templates");
    let conf = format!(
        "{}/tests/golden/flink-1.16.3/conf",
        env!("CARGO_MANIFEST_DIR")
    );
    home.write(
        "jm.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  labels:\n    from: template\n",
    );
    let template = home.path().join("jm.yaml").display().to_string();
    let from_template = |out: &std::process::Output| {
        let items = json_items(out);
        item(&items, "Deployment", "c1")["spec"]["template"]["metadata"]["labels"]["from"]
            == "template"
    };
    let old = format!("-Dkubernetes.pod-template-file={template}");
    let out = dry_run(&home, &conf, &["--flink-version", "1.16", &old]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("deprecated"), "{err}");
    assert!(from_template(&out));
    let new = format!("-Dkubernetes.pod-template-file.default={template}");
    let out = dry_run(&home, &conf, &["--flink-version", "1.16", &new]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("kubernetes.pod-template-file.default exists since Flink 1.17; Flink 1.16 ignores it (it reads kubernetes.pod-template-file)"),
        "{err}"
    );
    assert!(!from_template(&out));
    let out = dry_run(&home, &conf, &["--flink-version", "1.17", &new]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(from_template(&out));
    // Both keys: 1.16 reads the old key's file, and never opens the one it ignores.
    let ignored = "-Dkubernetes.pod-template-file.default=/no/such/template.yaml";
    let out = dry_run(&home, &conf, &["--flink-version", "1.16", &old, ignored]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(from_template(&out));
}
