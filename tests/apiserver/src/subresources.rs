//! The subresources with their own behaviour: `status`, `scale`, `serviceaccounts/token`,
//! and the access reviews (answered from RBAC, never stored).

use crate::handler::{RequestCtx, do_patch};
use crate::http_util::{Body, json_response};
use crate::meta;
use crate::rbac::UserInfo;
use crate::resources::{self, ResourceType};
use crate::rest;
use crate::reviews;
use crate::selectors::LabelSelector;
use crate::status::ApiError;
use http::{Method, Response};
use serde_json::{Value, json};

/// `*/status`: reads and writes only the status.
pub fn status_subresource(
    ctx: &RequestCtx<'_>,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    dry_run: bool,
) -> Result<Response<Body>, ApiError> {
    let mut st = ctx.shared.lock();
    match *ctx.method {
        Method::GET => Ok(json_response(200, &rest::get(&st, rt, ns, name)?)),
        Method::PUT => {
            let body = ctx
                .json
                .clone()
                .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
            Ok(json_response(
                200,
                &rest::update(&mut st, rt, ns, name, body, Some("status"), dry_run)?,
            ))
        }
        Method::PATCH => {
            let (code, obj) = do_patch(ctx, &mut st, rt, ns, name, Some("status"), dry_run)?;
            Ok(json_response(code, &obj))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn scale_of(obj: &Value) -> Value {
    let selector = LabelSelector::from_object(&obj["spec"]["selector"])
        .map(|s| {
            s.0.iter()
                .map(|r| match r {
                    crate::selectors::Requirement::Equals(k, v) => format!("{k}={v}"),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({"kind": "Scale", "apiVersion": "autoscaling/v1",
           "metadata": {"name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"],
                        "uid": obj["metadata"]["uid"], "resourceVersion": obj["metadata"]["resourceVersion"],
                        "creationTimestamp": obj["metadata"]["creationTimestamp"]},
           "spec": {"replicas": obj["spec"]["replicas"]},
           "status": {"replicas": obj["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector}})
}

/// `deployments|replicasets/scale`: the replica count as an `autoscaling/v1` Scale.
pub fn scale(
    ctx: &RequestCtx<'_>,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    dry_run: bool,
) -> Result<Response<Body>, ApiError> {
    let mut st = ctx.shared.lock();
    let obj = rest::get(&st, rt, ns, name)?;
    let replicas = match *ctx.method {
        Method::GET => return Ok(json_response(200, &scale_of(&obj))),
        Method::PUT | Method::PATCH => {
            let mut s = scale_of(&obj);
            let body = ctx.json.clone().unwrap_or(Value::Null);
            if *ctx.method == Method::PUT {
                s = body;
            } else {
                crate::patch::merge_patch(&mut s, &body);
            }
            s["spec"]["replicas"].clone()
        }
        _ => return Err(ApiError::method_not_allowed()),
    };
    let mut updated = obj.clone();
    updated["spec"]["replicas"] = replicas;
    let saved = rest::update(&mut st, rt, ns, name, updated, None, dry_run)?;
    Ok(json_response(200, &scale_of(&saved)))
}

/// `serviceaccounts/{name}/token`: a bearer token for the service account.
pub fn token_request(
    ctx: &RequestCtx<'_>,
    ns: &str,
    name: &str,
) -> Result<Response<Body>, ApiError> {
    if *ctx.method != Method::POST {
        return Err(ApiError::method_not_allowed());
    }
    let mut st = ctx.shared.lock();
    rest::get(
        &st,
        resources::find("", "serviceaccounts").expect("known"),
        ns,
        name,
    )?;
    let token = format!("sa-{}", meta::new_uid());
    st.tokens.insert(
        token.clone(),
        UserInfo::new(&format!("system:serviceaccount:{ns}:{name}"), &[]),
    );
    let mut review = ctx.json.clone().unwrap_or_else(|| json!({}));
    review["kind"] = json!("TokenRequest");
    review["apiVersion"] = json!("authentication.k8s.io/v1");
    review["metadata"] = json!({"name": name, "namespace": ns, "creationTimestamp": null});
    review["status"] = json!({"token": token, "expirationTimestamp": "2099-01-01T00:00:00Z"});
    Ok(json_response(201, &review))
}

/// Access reviews and SelfSubjectReview (`kubectl auth can-i`, `whoami`).
pub fn review(ctx: &RequestCtx<'_>, rt: &'static ResourceType) -> Result<Response<Body>, ApiError> {
    if *ctx.method != Method::POST {
        return Err(ApiError::method_not_allowed());
    }
    let mut body = ctx
        .json
        .clone()
        .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
    body["apiVersion"] = json!(rt.api_version());
    body["kind"] = json!(rt.kind);
    let st = ctx.shared.lock();
    let answer = match rt.plural {
        "selfsubjectaccessreviews" => {
            reviews::self_subject_access_review(body, &st.store, ctx.user)
        }
        "subjectaccessreviews" => reviews::subject_access_review(body, &st.store),
        "selfsubjectrulesreviews" => reviews::self_subject_rules_review(body, &st.store, ctx.user),
        "selfsubjectreviews" => {
            body["status"] =
                json!({"userInfo": {"username": ctx.user.name, "groups": ctx.user.groups}});
            body
        }
        _ => return Err(ApiError::no_route()),
    };
    Ok(json_response(201, &answer))
}
