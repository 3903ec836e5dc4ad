//! Tests of `golden.rs`.

use super::*;

#[test]
fn every_case_loads_with_a_deployment_and_a_flink_config() {
    let names = case_names();
    assert!(
        names.len() >= crate::cases::CASES.len(),
        "expected every case of flink_kit::cases, got {names:?}"
    );
    for name in names {
        let case = load_case(&name);
        let id = case
            .args
            .iter()
            .find_map(|a| a.strip_prefix("-Dkubernetes.cluster-id="))
            .unwrap_or_else(|| panic!("{name}: no cluster id"));
        assert!(case.object("Deployment", id).is_some(), "{name}");
        assert!(
            case.object("ConfigMap", &format!("flink-config-{id}"))
                .is_some(),
            "{name}"
        );
    }
}

#[test]
fn escaped_semicolons_are_unescaped() {
    let case = load_case("session-secrets-plugins");
    assert!(
        fs::read_to_string(golden_dir().join("session-secrets-plugins/command.txt"))
            .unwrap()
            .contains("\\;env:"),
        "the recorded command escapes ';' for the shell"
    );
    assert!(
        case.args
            .iter()
            .any(|a| a.contains("key:username;env:SECRET_PASSWORD")),
        "{:?}",
        case.args
    );
}

#[test]
fn normalize_flattens_config_and_keys_lists_by_name() {
    let case = load_case("session-default");
    let cm = normalize(
        case.object("ConfigMap", "flink-config-session-default")
            .expect("golden configmap"),
    );
    assert_eq!(cm["data"]["config.yaml"]["blob.server.port"], "6124");
    assert_eq!(
        cm["data"]["config.yaml"]["taskmanager.numberOfTaskSlots"],
        1
    );
    assert_eq!(
        cm["metadata"]["ownerReferences"]["session-default"]["uid"],
        "<uid>"
    );
    let dep = normalize(
        case.object("Deployment", "session-default")
            .expect("deployment"),
    );
    let containers = &dep["spec"]["template"]["spec"]["containers"];
    assert!(
        containers["flink-main-container"].is_object(),
        "{containers}"
    );
}
