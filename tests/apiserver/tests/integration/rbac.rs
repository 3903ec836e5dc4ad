//! RBAC enforcement over TLS: a user without rights gets 403s, a RoleBinding to the
//! seeded `edit` ClusterRole grants them in one namespace, and access reviews
//! (`kubectl auth can-i`, SelfSubjectAccessReview) answer from the same objects.

use crate::common::{client, client_from, kubectl, require_kubectl};
use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::api::rbac::v1::RoleBinding;
use kube::api::{Api, ListParams, PostParams};
use serde_json::json;
use test_apiserver::{ApiServer, ServerOptions};

async fn can_i(client: kube::Client, verb: &str, resource: &str, ns: &str) -> bool {
    let review: SelfSubjectAccessReview = serde_json::from_value(json!({
        "spec": {"resourceAttributes": {"verb": verb, "resource": resource, "namespace": ns}}}))
    .unwrap();
    let api: Api<SelfSubjectAccessReview> = Api::all(client);
    api.create(&PostParams::default(), &review)
        .await
        .unwrap()
        .status
        .unwrap()
        .allowed
}

#[tokio::test]
async fn rbac_denies_until_a_binding_allows_and_reviews_agree() {
    let server = ApiServer::start(ServerOptions {
        tls: true,
        rbac_enforced: true,
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(server.url().starts_with("https://"));
    let alice_kc = server.temp_dir().join("alice.kubeconfig");
    server
        .write_kubeconfig(&alice_kc, "alice", Some("default"))
        .unwrap();
    let alice = client_from(&alice_kc).await;
    let admin = client(&server).await;

    let cms: Api<ConfigMap> = Api::default_namespaced(alice.clone());
    match cms.list(&ListParams::default()).await.unwrap_err() {
        kube::Error::Api(s) => {
            assert_eq!((s.code, s.reason.as_str()), (403, "Forbidden"));
            assert!(s.message.contains("User \"alice\" cannot list resource \"configmaps\" in API group \"\" in the namespace \"default\""), "{}", s.message);
        }
        other => panic!("expected 403, got {other:?}"),
    }
    assert!(!can_i(alice.clone(), "create", "configmaps", "default").await);

    let binding: RoleBinding = serde_json::from_value(json!({
        "metadata": {"name": "alice-edit"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]}))
    .unwrap();
    Api::<RoleBinding>::default_namespaced(admin.clone())
        .create(&PostParams::default(), &binding)
        .await
        .unwrap();

    assert!(cms.list(&ListParams::default()).await.is_ok());
    assert!(can_i(alice.clone(), "create", "configmaps", "default").await);
    assert!(
        !can_i(alice.clone(), "create", "configmaps", "kube-system").await,
        "a RoleBinding is namespaced"
    );
    assert!(
        !can_i(alice.clone(), "create", "rolebindings", "default").await,
        "edit excludes RBAC objects"
    );

    if require_kubectl() {
        let yes = kubectl(&alice_kc, &["auth", "can-i", "delete", "pods"], None);
        assert_eq!(yes.stdout.trim(), "yes", "{}", yes.stderr);
        let no = kubectl(
            &alice_kc,
            &["auth", "can-i", "list", "secrets", "-n", "kube-system"],
            None,
        );
        assert_eq!(no.stdout.trim(), "no", "{}", no.stderr);
        let whoami = kubectl(
            &alice_kc,
            &[
                "auth",
                "whoami",
                "-o",
                "jsonpath={.status.userInfo.username}",
            ],
            None,
        );
        assert_eq!(whoami.stdout, "alice", "{}", whoami.stderr);
        // Impersonation: the admin may act as alice; alice may not act as anyone.
        let as_alice = kubectl(
            server.kubeconfig_path(),
            &["auth", "can-i", "create", "rolebindings", "--as", "alice"],
            None,
        );
        assert_eq!(as_alice.stdout.trim(), "no", "{}", as_alice.stderr);
        let as_bob = kubectl(&alice_kc, &["get", "pods", "--as", "bob"], None);
        assert!(
            as_bob
                .stderr
                .contains("cannot impersonate resource \"users\""),
            "{}",
            as_bob.stderr
        );
        let denied = kubectl(&alice_kc, &["get", "pods", "-n", "kube-system"], None);
        assert!(
            denied.stderr.contains("Error from server (Forbidden)"),
            "{}",
            denied.stderr
        );
    }
}
