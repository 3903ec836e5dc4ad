//! Tests of `loader.rs`.

use super::*;
use serde_json::json;

#[test]
fn nested_and_flattened_yaml_read_the_same() {
    let nested = parse_config_yaml(
        "jobmanager:\n  memory:\n    process:\n      size: 1600m\ntaskmanager:\n  numberOfTaskSlots: 2\n",
        "config.yaml",
    )
    .unwrap();
    let flat = parse_config_yaml(
        "jobmanager.memory.process.size: 1600m\ntaskmanager.numberOfTaskSlots: 2\n",
        "config.yaml",
    )
    .unwrap();
    assert_eq!(nested, flat);
    assert_eq!(flat.raw("taskmanager.numberOfTaskSlots"), Some(&json!(2)));
}

#[test]
fn lists_are_kept_as_flow_text_as_flink_keeps_them() {
    let conf = parse_config_yaml("pipeline:\n  jars:\n  - a.jar\n  - b:c\n", "c").unwrap();
    assert_eq!(conf.raw("pipeline.jars"), Some(&json!("[a.jar, 'b:c']")));
    assert_eq!(
        conf.list(&crate::config::options::IMAGE_PULL_SECRETS)
            .unwrap(),
        Vec::<String>::new()
    );
    let conf =
        parse_config_yaml("kubernetes.container.image.pull-secrets: [a, 'b:c']\n", "c").unwrap();
    assert_eq!(
        conf.list(&crate::config::options::IMAGE_PULL_SECRETS)
            .unwrap(),
        vec!["a".to_string(), "b:c".to_string()]
    );
}

#[test]
fn broken_yaml_names_line_and_column() {
    let err = parse_config_yaml("a:\n  b: 1\n c: [\n", "conf/config.yaml").unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("conf/config.yaml:3:2: "), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    let err = parse_config_yaml("- a\n- b\n", "x.yaml").unwrap_err();
    assert!(err.to_string().contains("must be a mapping"));
}

#[test]
fn legacy_file_is_read_line_by_line() {
    let conf = parse_legacy_flink_conf(
        "# comment\njobmanager.memory.process.size: 1600m\nrest.port: 8081 # trailing\nnot a pair\n",
    );
    assert_eq!(
        conf.raw("jobmanager.memory.process.size"),
        Some(&json!("1600m"))
    );
    assert_eq!(conf.raw("rest.port"), Some(&json!("8081")));
    assert_eq!(conf.iter().count(), 2);
}

#[test]
fn dynamic_options_split_at_the_first_equals() {
    assert_eq!(
        parse_dynamic_option("env.java.opts=-Da=b").unwrap(),
        ("env.java.opts".to_string(), "-Da=b".to_string())
    );
    let err = parse_dynamic_option("kubernetes.cluster-id").unwrap_err();
    assert!(
        err.to_string().contains("-Dkubernetes.cluster-id=true"),
        "{err}"
    );
    assert!(parse_dynamic_option("=x").is_err());
}

#[test]
fn conf_dir_is_located_in_kubectl_flink_order() {
    let flag = Path::new("/flag");
    assert_eq!(
        ConfSource::locate(Some(flag), Some("/env"), Some("/home")),
        ConfSource::Flag(flag.into())
    );
    assert_eq!(
        ConfSource::locate(None, Some("/env"), Some("/home")),
        ConfSource::ConfDirEnv("/env".into())
    );
    assert_eq!(
        ConfSource::locate(None, None, Some("/does/not/exist")),
        ConfSource::BuiltIn
    );
}

fn rules(files: ConfigFiles) -> ReadRules<'static> {
    ReadRules {
        release: "x.y",
        files,
        log_file_names: &[],
    }
}

#[test]
fn each_release_reads_its_own_config_file() {
    let dir = std::env::temp_dir().join(format!("kf-both-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("flink-conf.yaml"),
        "taskmanager.numberOfTaskSlots: 3\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("config.yaml"),
        "taskmanager:\n  numberOfTaskSlots: 5\n",
    )
    .unwrap();
    let slots = |files| {
        let conf = load(ConfSource::Flag(dir.clone()), rules(files)).unwrap();
        (
            conf.base.raw("taskmanager.numberOfTaskSlots").cloned(),
            conf.legacy_file,
        )
    };
    assert_eq!(slots(ConfigFiles::FlinkConfOnly), (Some(json!("3")), true));
    assert_eq!(slots(ConfigFiles::FlinkConfWins), (Some(json!("3")), true));
    assert_eq!(slots(ConfigFiles::ConfigYamlOnly), (Some(json!(5)), false));
    std::fs::remove_file(dir.join("flink-conf.yaml")).unwrap();
    assert_eq!(slots(ConfigFiles::FlinkConfWins), (Some(json!(5)), false));
    let err = load(
        ConfSource::Flag(dir.clone()),
        rules(ConfigFiles::FlinkConfOnly),
    )
    .unwrap_err();
    assert!(err.to_string().contains("no flink-conf.yaml"), "{err}");
    std::fs::rename(dir.join("config.yaml"), dir.join("flink-conf.yaml")).unwrap();
    let err = load(
        ConfSource::Flag(dir.clone()),
        rules(ConfigFiles::ConfigYamlOnly),
    )
    .unwrap_err();
    assert!(err.to_string().contains("migrate-config-file.sh"), "{err}");
    assert_eq!(err.to_string().lines().count(), 1);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn built_in_defaults_log_to_the_console() {
    let dir = load(ConfSource::BuiltIn, rules(ConfigFiles::ConfigYamlOnly)).unwrap();
    assert_eq!(dir.log_files[0].0, "log4j-console.properties");
    assert!(dir.log_files[0].1.contains("ConsoleAppender"));
    assert_eq!(
        dir.base.raw("jobmanager.memory.process.size"),
        Some(&json!("1600m"))
    );
}

#[test]
fn missing_dir_and_missing_file_are_clear_errors() {
    let err = load(
        ConfSource::Flag("/no/such/dir".into()),
        rules(ConfigFiles::ConfigYamlOnly),
    )
    .unwrap_err();
    assert!(err.to_string().contains("--flink-conf-dir"), "{err}");
    let empty = std::env::temp_dir().join(format!("kf-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let err = load(
        ConfSource::Flag(empty.clone()),
        rules(ConfigFiles::ConfigYamlOnly),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("neither config.yaml nor flink-conf.yaml")
    );
    std::fs::remove_dir_all(empty).unwrap();
}

/// What Flink 2.3's own `GlobalConfiguration.loadConfiguration` made of the
/// same lines (run against `flink-dist-2.3.0.jar`; 1.20.5 reads them alike):
/// YAML 1.2's core schema, not YAML 1.1's `yes`/`on` booleans.
#[test]
fn flat_1_x_values_in_config_yaml_are_typed_as_flink_types_them() {
    let conf = parse_config_yaml(
        "a.yes: yes\na.on: on\na.true: True\na.list: [x, y]\na.under: 1_000\na.octal: 010\na.hex: 0x10\na.float: 1.10\na.classpaths: file:///a.jar;file:///b.jar\na.map: a:b,c:d\na.comment: -Dx=1 # note\n",
        "config.yaml",
    )
    .unwrap();
    let raw = |k: &str| conf.raw(k).cloned();
    assert_eq!(raw("a.yes"), Some(json!("yes")));
    assert_eq!(raw("a.on"), Some(json!("on")));
    assert_eq!(raw("a.true"), Some(json!(true)));
    assert_eq!(raw("a.list"), Some(json!("[x, y]")));
    assert_eq!(raw("a.under"), Some(json!("1_000")));
    assert_eq!(raw("a.hex"), Some(json!(16)));
    assert_eq!(raw("a.float"), Some(json!(1.1)));
    assert_eq!(
        raw("a.classpaths"),
        Some(json!("file:///a.jar;file:///b.jar"))
    );
    assert_eq!(raw("a.map"), Some(json!("a:b,c:d")));
    assert_eq!(raw("a.comment"), Some(json!("-Dx=1")));
    // Flink reads 10; a spelling that keeps the digits reads the same there.
    assert_eq!(raw("a.octal"), Some(json!("010")));
}

/// Flink 1.19+ refuses a config.yaml with an empty, `~` or `null` value
/// ("Value must not be null") and a duplicate key: so do we, with the line,
/// instead of reading the rest.
#[test]
fn empty_values_and_duplicate_keys_are_refused_with_their_line() {
    for empty in ["a.empty:", "a.empty: ~", "a.empty: null"] {
        let text = format!("taskmanager.numberOfTaskSlots: 2\n{empty}\nparallelism.default: 3\n");
        let err = parse_config_yaml(&text, "conf/config.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("conf/config.yaml:2:1: a.empty has no value"),
            "{empty}: {err}"
        );
        assert!(err.contains("Value must not be null"), "{err}");
    }
    let nested = parse_config_yaml("jobmanager:\n  memory:\n    process:\n      size:\n", "c")
        .unwrap_err()
        .to_string();
    assert!(
        nested.starts_with("c:4:7: jobmanager.memory.process.size has no value"),
        "{nested}"
    );
    let twice = parse_config_yaml(
        "taskmanager.numberOfTaskSlots: 2\ntaskmanager.numberOfTaskSlots: 3\n",
        "config.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        twice.starts_with("config.yaml:2:1: duplicate mapping key"),
        "{twice}"
    );
    assert!(!twice.contains("DuplicateKeyPolicy"), "{twice}");
}
