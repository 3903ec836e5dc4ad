//! The table of resource types the server knows, so discovery, routing, RBAC and
//! storage all agree on names, scopes and verbs.

/// The verbs every stored resource supports, as discovery lists them.
const CRUD_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

/// The only verb of review resources, which are answered and never stored.
const CREATE_ONLY: &[&str] = &["create"];
const GET_ONLY: &[&str] = &["get"];
const GET_UPDATE_PATCH: &[&str] = &["get", "patch", "update"];
const PROXY_VERBS: &[&str] = &["create", "delete", "get", "patch", "update"];

/// One resource type: where it lives in the API and how discovery describes it.
#[derive(Debug)]
pub struct ResourceType {
    /// API group, empty for the core group.
    pub group: &'static str,
    /// The single served version.
    pub version: &'static str,
    /// The plural resource name used in paths.
    pub plural: &'static str,
    /// The singular resource name shown by discovery.
    pub singular: &'static str,
    /// The object kind.
    pub kind: &'static str,
    /// Whether objects live in a namespace.
    pub namespaced: bool,
    /// Short names kubectl accepts (`po`, `svc`, `deploy`, ...).
    pub short_names: &'static [&'static str],
    /// Verbs discovery advertises.
    pub verbs: &'static [&'static str],
    /// Subresources discovery advertises, as `(name, verbs)`.
    pub subresources: &'static [(&'static str, &'static [&'static str])],
    /// Whether `.status` is a subresource (ignored on writes to the main resource).
    pub has_status: bool,
    /// Whether `metadata.generation` is tracked and bumped on spec changes.
    pub has_generation: bool,
    /// Whether objects are stored (review resources are only answered).
    pub stored: bool,
}

impl ResourceType {
    /// `group/version`, or just `version` for the core group, as in `apiVersion`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The `resource.group` form the real server puts in error messages (`deployments.apps`).
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    /// A stable storage key for this type (`apps/deployments`, `/pods`).
    pub fn key(&self) -> String {
        format!("{}/{}", self.group, self.plural)
    }
}

/// A stored resource type.
#[allow(clippy::too_many_arguments)]
const fn stored(
    group: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    subresources: &'static [(&'static str, &'static [&'static str])],
    has_status: bool,
    has_generation: bool,
) -> ResourceType {
    ResourceType {
        group,
        version: "v1",
        plural,
        singular,
        kind,
        namespaced,
        short_names,
        verbs: CRUD_VERBS,
        subresources,
        has_status,
        has_generation,
        stored: true,
    }
}

/// A review resource: create-only, answered and never stored.
const fn review(
    group: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
) -> ResourceType {
    ResourceType {
        group,
        version: "v1",
        plural,
        singular,
        kind,
        namespaced: false,
        short_names: &[],
        verbs: CREATE_ONLY,
        subresources: &[],
        has_status: false,
        has_generation: false,
        stored: false,
    }
}

const RBAC: &str = "rbac.authorization.k8s.io";
const AUTHZ: &str = "authorization.k8s.io";

/// Every resource type served, in discovery order.
pub static RESOURCES: &[ResourceType] = &[
    stored(
        "",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
        &[("status", GET_UPDATE_PATCH), ("finalize", &["update"])],
        true,
        false,
    ),
    stored(
        "",
        "pods",
        "pod",
        "Pod",
        true,
        &["po"],
        &[
            ("status", GET_UPDATE_PATCH),
            ("log", GET_ONLY),
            ("portforward", &["create", "get"]),
            ("proxy", PROXY_VERBS),
        ],
        true,
        false,
    ),
    stored(
        "",
        "services",
        "service",
        "Service",
        true,
        &["svc"],
        &[("status", GET_UPDATE_PATCH), ("proxy", PROXY_VERBS)],
        true,
        false,
    ),
    stored(
        "",
        "endpoints",
        "endpoints",
        "Endpoints",
        true,
        &["ep"],
        &[],
        false,
        false,
    ),
    stored(
        "",
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
        &[],
        false,
        false,
    ),
    stored(
        "",
        "secrets",
        "secret",
        "Secret",
        true,
        &[],
        &[],
        false,
        false,
    ),
    stored(
        "",
        "serviceaccounts",
        "serviceaccount",
        "ServiceAccount",
        true,
        &["sa"],
        &[("token", CREATE_ONLY)],
        false,
        false,
    ),
    stored(
        "",
        "events",
        "event",
        "Event",
        true,
        &["ev"],
        &[],
        false,
        false,
    ),
    stored(
        "",
        "nodes",
        "node",
        "Node",
        false,
        &["no"],
        &[("status", GET_UPDATE_PATCH)],
        true,
        false,
    ),
    stored(
        "apps",
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
        &[("status", GET_UPDATE_PATCH), ("scale", GET_UPDATE_PATCH)],
        true,
        true,
    ),
    stored(
        "apps",
        "replicasets",
        "replicaset",
        "ReplicaSet",
        true,
        &["rs"],
        &[("status", GET_UPDATE_PATCH), ("scale", GET_UPDATE_PATCH)],
        true,
        true,
    ),
    stored(RBAC, "roles", "role", "Role", true, &[], &[], false, false),
    stored(
        RBAC,
        "rolebindings",
        "rolebinding",
        "RoleBinding",
        true,
        &[],
        &[],
        false,
        false,
    ),
    stored(
        RBAC,
        "clusterroles",
        "clusterrole",
        "ClusterRole",
        false,
        &[],
        &[],
        false,
        false,
    ),
    stored(
        RBAC,
        "clusterrolebindings",
        "clusterrolebinding",
        "ClusterRoleBinding",
        false,
        &[],
        &[],
        false,
        false,
    ),
    stored(
        "discovery.k8s.io",
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
        &[],
        &[],
        false,
        false,
    ),
    stored(
        "coordination.k8s.io",
        "leases",
        "lease",
        "Lease",
        true,
        &[],
        &[],
        false,
        false,
    ),
    review(
        AUTHZ,
        "selfsubjectaccessreviews",
        "selfsubjectaccessreview",
        "SelfSubjectAccessReview",
    ),
    review(
        AUTHZ,
        "selfsubjectrulesreviews",
        "selfsubjectrulesreview",
        "SelfSubjectRulesReview",
    ),
    review(
        AUTHZ,
        "subjectaccessreviews",
        "subjectaccessreview",
        "SubjectAccessReview",
    ),
    review(
        "authentication.k8s.io",
        "selfsubjectreviews",
        "selfsubjectreview",
        "SelfSubjectReview",
    ),
];

/// Finds a resource type by API group and plural name.
pub fn find(group: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.plural == plural)
}

/// Finds a resource type by `apiVersion` and plural name, as the test helpers address objects.
pub fn find_by_api_version(api_version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.api_version() == api_version && r.plural == plural)
}

/// The distinct API groups (without the core group), in discovery order.
pub fn groups() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for r in RESOURCES {
        if !r.group.is_empty() && !out.contains(&r.group) {
            out.push(r.group);
        }
    }
    out
}
