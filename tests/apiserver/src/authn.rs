//! Who is asking: bearer tokens map to users and service accounts, and impersonation
//! headers (kubectl `--as`) switch to another user when allowed.

use crate::rbac::{self, Attributes, UserInfo};
use crate::server::Shared;
use crate::status::ApiError;
use http::HeaderMap;

/// The user a request authenticates as (401 for an unknown token).
pub fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<UserInfo, ApiError> {
    let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        // kubectl (client-go) never sends credentials over plain HTTP, so there a request
        // without them is the admin, as on the real server's old insecure port.
        return Ok(if shared.lock().opts.tls {
            UserInfo::anonymous()
        } else {
            UserInfo::new(crate::state::ADMIN_USER, &["system:masters"])
        });
    };
    let token = auth.strip_prefix("Bearer ").unwrap_or("").trim();
    shared
        .lock()
        .user_for_token(token)
        .ok_or_else(|| ApiError::new(401, "Unauthorized", "Unauthorized"))
}

/// Applies `Impersonate-User` / `Impersonate-Group` (kubectl `--as` / `--as-group`): with
/// RBAC enforced the requester needs the `impersonate` verb on `users` (or `serviceaccounts`)
/// and `groups`, as on a real server.
pub fn impersonate(
    shared: &Shared,
    headers: &HeaderMap,
    requester: UserInfo,
) -> Result<UserInfo, ApiError> {
    let Some(target) = headers
        .get("impersonate-user")
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(requester);
    };
    let groups: Vec<&str> = headers
        .get_all("impersonate-group")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let st = shared.lock();
    if st.opts.rbac_enforced {
        let mut checks: Vec<Attributes> = Vec::new();
        match target
            .strip_prefix("system:serviceaccount:")
            .and_then(|r| r.split_once(':'))
        {
            Some((ns, name)) => checks.push(Attributes {
                verb: "impersonate".into(),
                resource: "serviceaccounts".into(),
                name: name.into(),
                namespace: Some(ns.into()),
                ..Default::default()
            }),
            None => checks.push(Attributes {
                verb: "impersonate".into(),
                resource: "users".into(),
                name: target.into(),
                ..Default::default()
            }),
        }
        for g in &groups {
            checks.push(Attributes {
                verb: "impersonate".into(),
                resource: "groups".into(),
                name: g.to_string(),
                ..Default::default()
            });
        }
        for a in checks {
            if !rbac::authorize(&st.store, &requester, &a).allowed {
                return Err(ApiError::forbidden(
                    &requester.name,
                    "impersonate",
                    &a.resource,
                    "",
                    a.namespace.as_deref(),
                    &a.name,
                ));
            }
        }
    }
    Ok(UserInfo::new(target, &groups))
}
