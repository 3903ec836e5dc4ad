//! RBAC decisions from the stored Roles, ClusterRoles and bindings, plus the default
//! cluster roles a real cluster seeds (`cluster-admin`, `admin`, `edit`, `view`, ...).

use crate::resources;
use crate::store::Store;
use serde_json::{Value, json};

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// User name (`system:serviceaccount:NS:NAME` for service accounts).
    pub name: String,
    /// Groups, including the implicit `system:authenticated`.
    pub groups: Vec<String>,
}

impl UserInfo {
    /// A user with its groups, adding the groups Kubernetes adds implicitly
    /// (`system:authenticated`, and the service-account groups for service accounts).
    pub fn new(name: &str, groups: &[&str]) -> Self {
        let mut g: Vec<String> = groups.iter().map(|s| s.to_string()).collect();
        if let Some(rest) = name.strip_prefix("system:serviceaccount:")
            && let Some((ns, _)) = rest.split_once(':')
        {
            g.push("system:serviceaccounts".into());
            g.push(format!("system:serviceaccounts:{ns}"));
        }
        if name != "system:anonymous" {
            g.push("system:authenticated".into());
        }
        g.dedup();
        UserInfo {
            name: name.into(),
            groups: g,
        }
    }

    /// The unauthenticated user.
    pub fn anonymous() -> Self {
        UserInfo {
            name: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
        }
    }
}

/// What a request wants to do, as the authorizer sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attributes {
    /// `get`, `list`, `create`, ...
    pub verb: String,
    /// API group ("" for core).
    pub group: String,
    /// Plural resource ("" for non-resource requests).
    pub resource: String,
    /// Subresource, e.g. `log`, `portforward`, `proxy`.
    pub subresource: String,
    /// Object name, when the request names one.
    pub name: String,
    /// Namespace, when namespaced.
    pub namespace: Option<String>,
    /// The URL path of a non-resource request (`/version`, `/healthz`).
    pub path: Option<String>,
}

/// An authorization decision with the reason a real server would give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// Why (which binding allowed it), empty when denied.
    pub reason: String,
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether one PolicyRule allows the request, following the RBAC docs: verbs,
/// apiGroups and resources (`resource/subresource` for subresources) must each match
/// or be `*`; `resourceNames`, when set, restricts to those names; non-resource rules
/// match `nonResourceURLs` (a trailing `*` is a prefix match).
pub fn rule_allows(rule: &Value, a: &Attributes) -> bool {
    let verbs = strings(&rule["verbs"]);
    if !verbs.iter().any(|v| *v == "*" || *v == a.verb) {
        return false;
    }
    if let Some(path) = &a.path {
        return strings(&rule["nonResourceURLs"]).iter().any(|u| {
            *u == "*" || *u == path || u.strip_suffix('*').is_some_and(|p| path.starts_with(p))
        });
    }
    let groups = strings(&rule["apiGroups"]);
    if !groups.iter().any(|g| *g == "*" || *g == a.group) {
        return false;
    }
    let wanted = if a.subresource.is_empty() {
        a.resource.clone()
    } else {
        format!("{}/{}", a.resource, a.subresource)
    };
    let res = strings(&rule["resources"]);
    let res_ok = res.iter().any(|r| {
        *r == "*"
            || *r == wanted
            || (!a.subresource.is_empty() && *r == format!("{}/*", a.resource))
            || (r.starts_with("*/") && a.subresource == r[2..])
    });
    if !res_ok {
        return false;
    }
    let names = strings(&rule["resourceNames"]);
    names.is_empty() || (!a.name.is_empty() && names.contains(&a.name.as_str()))
}

fn subject_matches(subject: &Value, user: &UserInfo, binding_ns: &str) -> bool {
    let name = subject["name"].as_str().unwrap_or("");
    match subject["kind"].as_str().unwrap_or("") {
        "User" => name == user.name,
        "Group" => user.groups.iter().any(|g| g == name),
        "ServiceAccount" => {
            let ns = subject["namespace"].as_str().unwrap_or(binding_ns);
            user.name == format!("system:serviceaccount:{ns}:{name}")
        }
        _ => false,
    }
}

fn role_rules(store: &Store, role_ref: &Value, binding_ns: &str) -> Vec<Value> {
    let name = role_ref["name"].as_str().unwrap_or("");
    let role = match role_ref["kind"].as_str() {
        Some("ClusterRole") => store.get(
            resources::find("rbac.authorization.k8s.io", "clusterroles").expect("known"),
            "",
            name,
        ),
        Some("Role") => store.get(
            resources::find("rbac.authorization.k8s.io", "roles").expect("known"),
            binding_ns,
            name,
        ),
        _ => None,
    };
    role.and_then(|r| r["rules"].as_array().cloned())
        .unwrap_or_default()
}

/// Every rule that applies to a user in a namespace (cluster-wide bindings always,
/// RoleBindings only in their namespace), with a description of the granting binding.
pub fn applicable_rules(
    store: &Store,
    user: &UserInfo,
    namespace: Option<&str>,
) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let crb = resources::find("rbac.authorization.k8s.io", "clusterrolebindings").expect("known");
    for b in store.list(crb, None) {
        if strings_subjects(&b).any(|s| subject_matches(s, user, "")) {
            let desc = format!(
                "RBAC: allowed by ClusterRoleBinding \"{}\" of ClusterRole \"{}\" to User \"{}\"",
                b["metadata"]["name"].as_str().unwrap_or(""),
                b["roleRef"]["name"].as_str().unwrap_or(""),
                user.name
            );
            for r in role_rules(store, &b["roleRef"], "") {
                out.push((desc.clone(), r));
            }
        }
    }
    if let Some(ns) = namespace {
        let rb = resources::find("rbac.authorization.k8s.io", "rolebindings").expect("known");
        for b in store.list(rb, Some(ns)) {
            if strings_subjects(&b).any(|s| subject_matches(s, user, ns)) {
                let desc = format!(
                    "RBAC: allowed by RoleBinding \"{}/{ns}\" of {} \"{}\" to User \"{}\"",
                    b["metadata"]["name"].as_str().unwrap_or(""),
                    b["roleRef"]["kind"].as_str().unwrap_or(""),
                    b["roleRef"]["name"].as_str().unwrap_or(""),
                    user.name
                );
                for r in role_rules(store, &b["roleRef"], ns) {
                    out.push((desc.clone(), r));
                }
            }
        }
    }
    out
}

fn strings_subjects(binding: &Value) -> impl Iterator<Item = &Value> {
    binding["subjects"].as_array().into_iter().flatten()
}

/// Decides a request from the stored RBAC objects; `system:masters` may do anything,
/// as on a real cluster.
pub fn authorize(store: &Store, user: &UserInfo, a: &Attributes) -> Decision {
    if user.groups.iter().any(|g| g == "system:masters") {
        return Decision {
            allowed: true,
            reason: "system:masters".into(),
        };
    }
    for (desc, rule) in applicable_rules(store, user, a.namespace.as_deref()) {
        if rule_allows(&rule, a) {
            return Decision {
                allowed: true,
                reason: desc,
            };
        }
    }
    Decision {
        allowed: false,
        reason: String::new(),
    }
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

fn view_rules() -> Vec<Value> {
    vec![
        rule(
            &[""],
            &[
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
                "bindings",
                "events",
                "limitranges",
                "namespaces/status",
                "pods/log",
                "pods/status",
                "replicationcontrollers/status",
                "resourcequotas",
                "resourcequotas/status",
                "namespaces",
            ],
            READ,
        ),
        rule(
            &["apps"],
            &[
                "controllerrevisions",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
            ],
            READ,
        ),
        rule(
            &["batch"],
            &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
            READ,
        ),
        rule(&["discovery.k8s.io"], &["endpointslices"], READ),
        rule(
            &["policy"],
            &["poddisruptionbudgets", "poddisruptionbudgets/status"],
            READ,
        ),
        rule(
            &["networking.k8s.io"],
            &["ingresses", "ingresses/status", "networkpolicies"],
            READ,
        ),
    ]
}

fn edit_rules() -> Vec<Value> {
    let mut r = view_rules();
    r.extend([
        rule(
            &[""],
            &[
                "pods/attach",
                "pods/exec",
                "pods/portforward",
                "pods/proxy",
                "secrets",
                "services/proxy",
            ],
            READ,
        ),
        rule(&[""], &["serviceaccounts"], &["impersonate"]),
        rule(
            &[""],
            &[
                "pods",
                "pods/attach",
                "pods/exec",
                "pods/portforward",
                "pods/proxy",
            ],
            WRITE,
        ),
        rule(&[""], &["pods/eviction"], &["create"]),
        rule(
            &[""],
            &[
                "configmaps",
                "events",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
            ],
            WRITE,
        ),
        rule(&[""], &["serviceaccounts/token"], &["create"]),
        rule(
            &["apps"],
            &[
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
            ],
            WRITE,
        ),
        rule(&["batch"], &["cronjobs", "jobs"], WRITE),
        rule(&["policy"], &["poddisruptionbudgets"], WRITE),
        rule(
            &["networking.k8s.io"],
            &["ingresses", "networkpolicies"],
            WRITE,
        ),
        rule(
            &["coordination.k8s.io"],
            &["leases"],
            &[
                "create", "delete", "get", "list", "patch", "update", "watch",
            ],
        ),
    ]);
    r
}

fn admin_rules() -> Vec<Value> {
    let mut r = edit_rules();
    r.push(rule(
        &["authorization.k8s.io"],
        &["localsubjectaccessreviews"],
        &["create"],
    ));
    r.push(rule(
        &["rbac.authorization.k8s.io"],
        &["rolebindings", "roles"],
        &[
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
    ));
    r
}

/// The default ClusterRoles and ClusterRoleBindings of a fresh cluster. `admin`, `edit`
/// and `view` are aggregated roles in Kubernetes; here their rules are stored flattened.
pub fn default_objects() -> Vec<(&'static str, Value)> {
    let role = |name: &str, rules: Vec<Value>| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "rules": rules})
    };
    let binding = |name: &str, role: &str, group: &str| {
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
               "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": group}]})
    };
    vec![
        (
            "clusterroles",
            role(
                "cluster-admin",
                vec![
                    json!({"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}),
                    json!({"nonResourceURLs": ["*"], "verbs": ["*"]}),
                ],
            ),
        ),
        ("clusterroles", role("admin", admin_rules())),
        ("clusterroles", role("edit", edit_rules())),
        ("clusterroles", role("view", view_rules())),
        (
            "clusterroles",
            role(
                "system:basic-user",
                vec![
                    rule(
                        &["authorization.k8s.io"],
                        &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                        &["create"],
                    ),
                    rule(
                        &["authentication.k8s.io"],
                        &["selfsubjectreviews"],
                        &["create"],
                    ),
                ],
            ),
        ),
        (
            "clusterroles",
            role(
                "system:discovery",
                vec![json!({
            "nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez",
                                "/openapi", "/openapi/*", "/readyz", "/version", "/version/"],
            "verbs": ["get"]})],
            ),
        ),
        (
            "clusterrolebindings",
            binding("cluster-admin", "cluster-admin", "system:masters"),
        ),
        (
            "clusterrolebindings",
            binding(
                "system:basic-user",
                "system:basic-user",
                "system:authenticated",
            ),
        ),
        (
            "clusterrolebindings",
            binding(
                "system:discovery",
                "system:discovery",
                "system:authenticated",
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(
        verb: &str,
        group: &str,
        resource: &str,
        sub: &str,
        name: &str,
        ns: Option<&str>,
    ) -> Attributes {
        Attributes {
            verb: verb.into(),
            group: group.into(),
            resource: resource.into(),
            subresource: sub.into(),
            name: name.into(),
            namespace: ns.map(Into::into),
            path: None,
        }
    }

    // Kubernetes docs, "Using RBAC Authorization": rules are purely additive; a rule
    // with resourceNames only allows requests naming one of them (so not list or
    // create); subresources are written "pods/log" and need their own rule.
    #[test]
    fn rules_follow_the_rbac_documentation() {
        let r = json!({"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["my-config"], "verbs": ["get", "update"]});
        assert!(rule_allows(
            &r,
            &attrs("get", "", "configmaps", "", "my-config", Some("d"))
        ));
        assert!(!rule_allows(
            &r,
            &attrs("get", "", "configmaps", "", "other", Some("d"))
        ));
        assert!(!rule_allows(
            &r,
            &attrs("list", "", "configmaps", "", "", Some("d"))
        ));
        let pods = json!({"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]});
        assert!(!rule_allows(
            &pods,
            &attrs("get", "", "pods", "log", "p", Some("d"))
        ));
        let logs = json!({"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]});
        assert!(rule_allows(
            &logs,
            &attrs("get", "", "pods", "log", "p", Some("d"))
        ));
        assert!(!rule_allows(
            &logs,
            &attrs("get", "apps", "pods", "log", "p", Some("d"))
        ));
    }

    // "A RoleBinding grants permissions within a specific namespace, whereas a
    // ClusterRoleBinding grants that access cluster-wide"; a RoleBinding may reference a
    // ClusterRole to grant its rules in the binding's namespace only. Service accounts are
    // users named system:serviceaccount:NS:NAME.
    #[test]
    fn bindings_scope_rules_to_their_namespace() {
        let mut store = Store::default();
        for (plural, obj) in default_objects() {
            store.insert(
                resources::find("rbac.authorization.k8s.io", plural).unwrap(),
                obj,
            );
        }
        let rb = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "flink-edit", "namespace": "flink"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": "flink"}]});
        store.insert(
            resources::find("rbac.authorization.k8s.io", "rolebindings").unwrap(),
            rb,
        );
        let sa = UserInfo::new("system:serviceaccount:flink:flink", &[]);
        let create_cm = |ns: &str| attrs("create", "", "configmaps", "", "", Some(ns));
        assert!(authorize(&store, &sa, &create_cm("flink")).allowed);
        assert!(!authorize(&store, &sa, &create_cm("default")).allowed);
        // `edit` does not include RBAC objects; `view` does not include secrets.
        assert!(
            !authorize(
                &store,
                &sa,
                &attrs(
                    "create",
                    "rbac.authorization.k8s.io",
                    "roles",
                    "",
                    "",
                    Some("flink")
                )
            )
            .allowed
        );
        let bob = UserInfo::new("bob", &[]);
        assert!(!authorize(&store, &bob, &create_cm("flink")).allowed);
        assert!(
            authorize(
                &store,
                &bob,
                &attrs(
                    "create",
                    "authorization.k8s.io",
                    "selfsubjectaccessreviews",
                    "",
                    "",
                    None
                )
            )
            .allowed
        );
        let admin = UserInfo::new("root", &["system:masters"]);
        assert!(authorize(&store, &admin, &create_cm("anywhere")).allowed);
    }
}
