//! Completion plans and cobra's output.
use super::*;

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

fn values(plan: &Plan) -> Vec<&str> {
    plan.items.iter().map(|(v, _)| v.as_str()).collect()
}

#[test]
fn subcommands_and_flags_come_from_the_command_line_definition() {
    let top = plan(&[], "");
    assert!(values(&top).contains(&"session") && values(&top).contains(&"get"));
    assert!(!values(&top).contains(&"__complete"));
    let session = plan(&words("session"), "");
    assert!(values(&session).contains(&"start"));
    let flags = plan(&words("session start"), "--");
    assert!(values(&flags).contains(&"--dry-run"), "{flags:?}");
    assert!(values(&flags).contains(&"--kubeconfig"), "{flags:?}");
}

#[test]
fn flag_values_are_their_choices_option_keys_or_live() {
    let output = plan(&words("get -o"), "");
    assert!(values(&output).contains(&"yaml"));
    let keys = plan(&words("session start -D"), "kubernetes.rest");
    assert!(
        values(&keys).contains(&"kubernetes.rest-service.exposed.type="),
        "{keys:?}"
    );
    assert_eq!(keys.directive & NO_SPACE, NO_SPACE);
    let glued = plan(
        &words("session start"),
        "-Dkubernetes.rest-service.exposed.t",
    );
    assert_eq!(
        values(&glued),
        ["-Dkubernetes.rest-service.exposed.type="],
        "{glued:?}"
    );
    assert_eq!(plan(&words("get -n"), "").live, Some(Live::Namespaces));
    assert_eq!(plan(&words("get --context"), "").live, Some(Live::Contexts));
    let glued = plan(&words("get"), "--output=ya");
    assert!(values(&glued).contains(&"--output=yaml"), "{glued:?}");
}

#[test]
fn positionals_are_cluster_ids_then_job_ids_or_jars() {
    assert_eq!(
        plan(&words("session stop"), "").live,
        Some(Live::ClusterIds)
    );
    assert_eq!(
        plan(&words("session cancel -n x c1"), "").live,
        Some(Live::JobIds {
            cluster: "c1".into()
        })
    );
    assert_eq!(plan(&words("session run c1"), "").directive, FILES);
    assert_eq!(plan(&words("app run"), "").directive, FILES);
}

#[test]
fn the_output_ends_with_the_directive() {
    let out = run(&words("session st"), &Environment::default());
    assert!(out.starts_with("start\t"), "{out}");
    assert!(out.contains("stop\t"), "{out}");
    assert!(!out.contains("run\t"), "{out}");
    assert!(out.ends_with(":4\n"), "{out}");
}
