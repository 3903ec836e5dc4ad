//! Where a request path leads (a discovery document, or a resource type with namespace,
//! name and subresource) and which RBAC verb a request is.

use crate::http_util::flag;
use crate::resources::{self, ResourceType};
use http::Method;
use std::collections::HashMap;

/// Where a path leads.
pub enum Route {
    /// `/version`.
    Version,
    /// `/healthz`, `/livez`, `/readyz`.
    Health,
    /// `/openapi/v2`: the whole-server schema kubectl falls back to (e.g. to
    /// validate a `v1 List`).
    OpenApiV2,
    /// `/openapi/v3`.
    OpenApiRoot,
    /// `/openapi/v3/api/v1` or `/openapi/v3/apis/GROUP/VERSION`: (group, version).
    OpenApi(String, String),
    /// `/api`.
    CoreVersions,
    /// `/apis`.
    Groups,
    /// `/apis/GROUP`.
    Group(String),
    /// `/api/v1` or `/apis/GROUP/VERSION`: (group, version).
    ResourceList(String, String),
    /// A resource path.
    Resource(ResourcePath),
    /// Nothing served here.
    NotFound,
}

/// A path into a resource type.
pub struct ResourcePath {
    /// The resource type.
    pub rt: &'static ResourceType,
    /// Namespace from the path.
    pub namespace: Option<String>,
    /// Object name from the path (for proxies possibly `name:port`).
    pub name: Option<String>,
    /// Subresource.
    pub subresource: Option<String>,
    /// What follows the subresource (the proxied path).
    pub tail: String,
}

fn resource_route(group: &str, version: &str, rest: &[&str]) -> Route {
    if version != "v1" || rest.is_empty() {
        return Route::NotFound;
    }
    let (namespace, rest) = if rest[0] == "namespaces"
        && rest.len() >= 3
        && !(rest.len() == 3 && matches!(rest[2], "status" | "finalize"))
    {
        (Some(rest[1].to_string()), &rest[2..])
    } else {
        (None, rest)
    };
    let Some(rt) = resources::find(group, rest[0]) else {
        return Route::NotFound;
    };
    if namespace.is_some() && !rt.namespaced {
        return Route::NotFound;
    }
    Route::Resource(ResourcePath {
        rt,
        namespace,
        name: rest.get(1).map(|s| s.to_string()),
        subresource: rest.get(2).map(|s| s.to_string()),
        tail: rest.get(3..).map(|t| t.join("/")).unwrap_or_default(),
    })
}

/// Routes a URL path.
pub fn route(path: &str) -> Route {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["healthz" | "livez" | "readyz", ..] => Route::Health,
        ["openapi", "v2"] => Route::OpenApiV2,
        ["openapi", "v3"] => Route::OpenApiRoot,
        ["openapi", "v3", "api", v] => Route::OpenApi(String::new(), v.to_string()),
        ["openapi", "v3", "apis", g, v] => Route::OpenApi(g.to_string(), v.to_string()),
        ["api"] => Route::CoreVersions,
        ["api", v] => Route::ResourceList(String::new(), v.to_string()),
        ["api", v, rest @ ..] => resource_route("", v, rest),
        ["apis"] => Route::Groups,
        ["apis", g] => Route::Group(g.to_string()),
        ["apis", g, v] => Route::ResourceList(g.to_string(), v.to_string()),
        ["apis", g, v, rest @ ..] => resource_route(g, v, rest),
        _ => Route::NotFound,
    }
}

/// The RBAC verb of a request (`get` vs `list` vs `watch`, `delete` vs `deletecollection`).
pub fn verb(method: &Method, p: &ResourcePath, q: &HashMap<String, String>) -> &'static str {
    let named = p.name.is_some();
    match *method {
        Method::GET | Method::HEAD if flag(q, "watch") => "watch",
        Method::GET | Method::HEAD if named => "get",
        Method::GET | Method::HEAD => "list",
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE if named => "delete",
        Method::DELETE => "deletecollection",
        _ => "unknown",
    }
}
