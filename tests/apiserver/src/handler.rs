//! One HTTP request from arrival to answer: log it, apply injected faults, authenticate,
//! route, authorize, run the REST verb, and wake the simulated controllers after writes.

use crate::authn::{authenticate, impersonate};
use crate::discovery;
use crate::faults::{FaultAction, RecordedRequest};
use crate::http_util::{self, Body, flag, json_response, parse_query, text_response};
use crate::meta;
use crate::patch::PatchKind;
use crate::rbac::{self, Attributes, UserInfo};
use crate::resources::ResourceType;
use crate::rest::{self, DeleteOptions};
use crate::routing::{ResourcePath, Route, route, verb};
use crate::selectors::{FieldSelector, LabelSelector, Selectors};
use crate::server::Shared;
use crate::status::ApiError;
use crate::store::WatchFilter;
use crate::subresources::{review, scale, status_subresource, token_request};
use crate::table;
use crate::watch::{self, WatchRequest};
use crate::{portforward, proxy};
use bytes::Bytes;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// The error that makes hyper close the connection without an answer (fault injection).
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

fn parse_body(headers: &HeaderMap, bytes: &Bytes) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    if bytes.starts_with(b"k8s\x00") {
        return crate::protobuf::decode(bytes);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str(text).ok().or_else(|| {
        let ct = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if ct.contains("yaml") {
            serde_saphyr::from_str::<Value>(text).ok()
        } else {
            None
        }
    })
}

/// Handles one request; `Err` drops the connection.
pub async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<Body>, DropConnection> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let is_upgrade = req.headers().contains_key("upgrade")
        && req
            .headers()
            .get("upgrade")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let (parts, body, upgrade_req) = if is_upgrade {
        let headers = req.headers().clone();
        (headers, Bytes::new(), Some(req))
    } else {
        let (parts, incoming) = req.into_parts();
        let bytes = incoming
            .collect()
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        (parts.headers, bytes, None)
    };
    let parsed = parse_body(&parts, &body);
    let idx = shared.recorder().begin(RecordedRequest {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        body: parsed.clone(),
        status: 0,
        user: String::new(),
        started,
        ended: started,
    });
    let actions = shared.recorder().actions_for(method.as_str(), &path);
    let mut lose_reply = false;
    for action in actions {
        match action {
            FaultAction::LoseReply => lose_reply = true,
            FaultAction::Delay(d) => tokio::time::sleep(d).await,
            FaultAction::DropConnection => {
                shared.recorder().finish(idx, 0, "");
                return Err(DropConnection);
            }
            FaultAction::Status(code) => {
                shared.recorder().finish(idx, code, "");
                return Ok(json_response(code, &ApiError::from_code(code).to_status()));
            }
        }
    }
    let user = match authenticate(&shared, &parts).and_then(|u| impersonate(&shared, &parts, u)) {
        Ok(u) => u,
        Err(e) => {
            shared.recorder().finish(idx, e.code, "");
            return Ok(json_response(e.code, &e.to_status()));
        }
    };
    let is_protobuf = parts
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with(crate::protobuf::CONTENT_TYPE));
    if is_protobuf && parsed.is_none() {
        let e = ApiError::new(
            415,
            "UnsupportedMediaType",
            "this test server reads protobuf only for reviews, token requests and namespaces, service accounts, config maps and secrets; send JSON",
        );
        shared.recorder().finish(idx, e.code, &user.name);
        return Ok(json_response(e.code, &e.to_status()));
    }
    let q = parse_query(query.as_deref());
    let ctx = RequestCtx {
        shared: &shared,
        method: &method,
        headers: &parts,
        body: &body,
        json: parsed,
        q: &q,
        user: &user,
        path: &path,
        raw_query: query.as_deref(),
    };
    let response = match dispatch(ctx, upgrade_req).await {
        Ok(r) => r,
        Err(e) => json_response(e.code, &e.to_status()),
    };
    shared
        .recorder()
        .finish(idx, response.status().as_u16(), &user.name);
    if std::env::var_os("TEST_APISERVER_TRACE").is_some() {
        eprintln!(
            "{} {} {:?} -> {} ({})",
            method,
            path,
            query,
            response.status().as_u16(),
            user.name
        );
    }
    if method != Method::GET && response.status().is_success() {
        shared.changed.notify_one();
    }
    if lose_reply {
        // Applied, but the client never hears of it.
        shared.recorder().finish(idx, 0, &user.name);
        return Err(DropConnection);
    }
    Ok(response)
}

/// Everything a handler needs to know about the request.
pub struct RequestCtx<'a> {
    /// Server state.
    pub shared: &'a Arc<Shared>,
    /// HTTP method.
    pub method: &'a Method,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// Raw body.
    pub body: &'a Bytes,
    /// Body as JSON, if it parsed.
    pub json: Option<Value>,
    /// Decoded query parameters.
    pub q: &'a HashMap<String, String>,
    /// Authenticated user.
    pub user: &'a UserInfo,
    /// URL path.
    pub path: &'a str,
    /// Raw query string.
    pub raw_query: Option<&'a str>,
}

impl RequestCtx<'_> {
    /// The raw query string, passed on by proxies.
    pub fn q_raw(&self) -> Option<&str> {
        self.raw_query
    }
}

fn server_address(headers: &HeaderMap) -> String {
    headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string()
}

async fn dispatch(
    ctx: RequestCtx<'_>,
    upgrade: Option<Request<Incoming>>,
) -> Result<Response<Body>, ApiError> {
    let r = route(ctx.path);
    if let Route::Resource(p) = r {
        return resource(ctx, p, upgrade).await;
    }
    if ctx.shared.lock().opts.rbac_enforced {
        let attrs = Attributes {
            verb: "get".into(),
            path: Some(ctx.path.to_string()),
            ..Default::default()
        };
        let st = ctx.shared.lock();
        if !rbac::authorize(&st.store, ctx.user, &attrs).allowed {
            return Err(ApiError::new(
                403,
                "Forbidden",
                format!(
                    "forbidden: User \"{}\" cannot get path \"{}\"",
                    ctx.user.name, ctx.path
                ),
            ));
        }
    }
    let doc = match r {
        Route::Version => Some(discovery::version()),
        Route::Health => return Ok(text_response(200, "ok".into())),
        // An empty protobuf document (kubectl asks for protobuf): no models,
        // so kubectl skips client-side schema validation as it does for
        // kinds a real server's schema does not know, and the server validates.
        Route::OpenApiV2 => {
            return Ok(http_util::bytes_response(
                200,
                "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
                Vec::new(),
            ));
        }
        Route::OpenApiRoot => Some(discovery::openapi_v3_root()),
        Route::OpenApi(g, v) => discovery::openapi_v3(&g, &v),
        Route::CoreVersions => Some(discovery::core_versions(&server_address(ctx.headers))),
        Route::Groups => Some(discovery::groups()),
        Route::Group(g) => discovery::group(&g),
        Route::ResourceList(g, v) => discovery::resource_list(&g, &v),
        Route::NotFound | Route::Resource(_) => None,
    };
    doc.map(|d| json_response(200, &d))
        .ok_or_else(ApiError::no_route)
}

fn selectors(q: &HashMap<String, String>, rt: &ResourceType) -> Result<Selectors, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").map(String::as_str).unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("unable to parse requirement: {e}")))?;
    let fields = FieldSelector::parse(
        q.get("fieldSelector").map(String::as_str).unwrap_or(""),
        rt.kind,
    )
    .map_err(ApiError::bad_request)?;
    Ok(Selectors { labels, fields })
}

fn accept(headers: &HeaderMap) -> &str {
    headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn resource(
    ctx: RequestCtx<'_>,
    p: ResourcePath,
    upgrade: Option<Request<Incoming>>,
) -> Result<Response<Body>, ApiError> {
    let rt = p.rt;
    let v = verb(ctx.method, &p, ctx.q);
    let ns = p.namespace.clone().unwrap_or_default();
    let (name, port_part) = match (&p.name, p.subresource.as_deref()) {
        (Some(n), Some("proxy")) => proxy::split_name_port(n),
        (Some(n), _) => (n.clone(), None),
        (None, _) => (String::new(), None),
    };
    {
        let st = ctx.shared.lock();
        if st.opts.rbac_enforced {
            let attrs = Attributes {
                verb: v.into(),
                group: rt.group.into(),
                resource: rt.plural.into(),
                subresource: p.subresource.clone().unwrap_or_default(),
                name: name.clone(),
                namespace: p.namespace.clone(),
                path: None,
            };
            if !rbac::authorize(&st.store, ctx.user, &attrs).allowed {
                let plural = match &p.subresource {
                    Some(s) => format!("{}/{s}", rt.plural),
                    None => rt.plural.to_string(),
                };
                return Err(ApiError::forbidden(
                    &ctx.user.name,
                    v,
                    &plural,
                    rt.group,
                    p.namespace.as_deref(),
                    &name,
                ));
            }
        }
    }
    let dry_run = ctx.q.get("dryRun").is_some_and(|d| d == "All");
    if !rt.stored {
        return review(&ctx, rt);
    }
    match p.subresource.as_deref() {
        None => {}
        Some("status") => return status_subresource(&ctx, rt, &ns, &name, dry_run),
        Some("scale") if rt.group == "apps" => return scale(&ctx, rt, &ns, &name, dry_run),
        Some("log") if rt.plural == "pods" => {
            return crate::logs::serve(ctx.shared, &ns, &name, ctx.q);
        }
        Some("portforward") if rt.plural == "pods" => {
            let req = upgrade.ok_or_else(|| ApiError::bad_request("Upgrade request required"))?;
            return portforward::upgrade(ctx.shared.clone(), &ns, &name, ctx.q, req);
        }
        Some("proxy") if rt.plural == "services" || rt.plural == "pods" => {
            return proxy::forward(&ctx, rt, &ns, &name, port_part.as_deref(), &p.tail).await;
        }
        Some("token") if rt.plural == "serviceaccounts" => return token_request(&ctx, &ns, &name),
        Some(_) => return Err(ApiError::no_route()),
    }
    let sel = selectors(ctx.q, rt)?;
    let mut st = ctx.shared.lock();
    match (ctx.method.clone(), p.name.is_some()) {
        (Method::GET, true) => {
            let obj = rest::get(&st, rt, &ns, &name)?;
            if table::wants_table(accept(ctx.headers)) {
                let rv = meta::meta_str(&obj, "resourceVersion").to_string();
                return Ok(json_response(200, &table::table(rt, &[obj], &rv)));
            }
            Ok(json_response(200, &obj))
        }
        (Method::GET, false) if flag(ctx.q, "watch") => {
            drop(st);
            let timeout = ctx
                .q
                .get("timeoutSeconds")
                .and_then(|t| t.parse().ok())
                .map(std::time::Duration::from_secs);
            let req = WatchRequest {
                filter: WatchFilter {
                    resource: rt.key(),
                    namespace: p.namespace.clone(),
                    selectors: sel,
                },
                resource_version: ctx.q.get("resourceVersion").cloned(),
                timeout,
                send_initial_events: flag(ctx.q, "sendInitialEvents"),
                as_table: table::wants_table(accept(ctx.headers)),
            };
            Ok(watch::start(ctx.shared, rt, req))
        }
        (Method::GET, false) => {
            let list = crate::paging::page(
                rest::list(&st, rt, p.namespace.as_deref(), &sel),
                ctx.q.get("limit").and_then(|l| l.parse().ok()),
                ctx.q.get("continue").map(String::as_str),
            )?;
            if table::wants_table(accept(ctx.headers)) {
                let items = list["items"].as_array().cloned().unwrap_or_default();
                let rv = list["metadata"]["resourceVersion"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                return Ok(json_response(200, &table::table(rt, &items, &rv)));
            }
            Ok(json_response(200, &list))
        }
        (Method::POST, false) => {
            let body = ctx
                .json
                .clone()
                .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
            let created = rest::create(&mut st, rt, &ns, body, dry_run)?;
            Ok(json_response(201, &created))
        }
        (Method::PUT, true) => {
            let body = ctx
                .json
                .clone()
                .ok_or_else(|| ApiError::bad_request("the request body must be a JSON object"))?;
            let updated = rest::update(&mut st, rt, &ns, &name, body, None, dry_run)?;
            Ok(json_response(200, &updated))
        }
        (Method::PATCH, true) => {
            let (code, obj) = do_patch(&ctx, &mut st, rt, &ns, &name, None, dry_run)?;
            Ok(json_response(code, &obj))
        }
        (Method::DELETE, true) => {
            let opts = delete_options(&ctx);
            let obj = rest::delete(&mut st, rt, &ns, &name, &opts, dry_run)?;
            // Like the real server: 200 with the object, even when it is only marked for
            // deletion; 202 only for the deprecated `orphanDependents: false`.
            let pending = st.store.get(rt, &ns, &name).is_some() && !dry_run;
            let legacy_cascade = ctx
                .json
                .as_ref()
                .is_some_and(|b| b["orphanDependents"] == json!(false))
                || ctx.q.get("orphanDependents").is_some_and(|v| v == "false");
            Ok(json_response(
                if pending && legacy_cascade { 202 } else { 200 },
                &obj,
            ))
        }
        (Method::DELETE, false) => {
            let opts = delete_options(&ctx);
            let victims: Vec<Value> = st
                .store
                .list(rt, p.namespace.as_deref())
                .into_iter()
                .filter(|o| sel.matches(o))
                .collect();
            let mut deleted = Vec::new();
            for o in victims {
                deleted.push(rest::delete(
                    &mut st,
                    rt,
                    meta::namespace(&o),
                    meta::name(&o),
                    &opts,
                    dry_run,
                )?);
            }
            Ok(json_response(
                200,
                &json!({"kind": format!("{}List", rt.kind), "apiVersion": rt.api_version(),
                "metadata": {"resourceVersion": st.store.resource_version().to_string()}, "items": deleted}),
            ))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

fn delete_options(ctx: &RequestCtx<'_>) -> DeleteOptions {
    let mut opts = DeleteOptions {
        propagation: ctx.q.get("propagationPolicy").cloned(),
        ..Default::default()
    };
    if ctx.q.get("orphanDependents").is_some_and(|v| v == "true") {
        opts.propagation = Some("Orphan".into());
    }
    if let Some(b) = &ctx.json {
        opts.merge_body(b);
    }
    opts
}

/// PATCH in the format the Content-Type names.
pub fn do_patch(
    ctx: &RequestCtx<'_>,
    st: &mut crate::state::State,
    rt: &'static ResourceType,
    ns: &str,
    name: &str,
    subresource: Option<&str>,
    dry_run: bool,
) -> Result<(u16, Value), ApiError> {
    let ct = ctx
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let kind = PatchKind::from_content_type(ct).ok_or_else(|| {
        ApiError::new(415, "UnsupportedMediaType", format!("the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got {ct})"))
    })?;
    let body = ctx
        .json
        .clone()
        .ok_or_else(|| ApiError::bad_request("the patch body could not be parsed"))?;
    let manager = ctx.q.get("fieldManager").map(String::as_str);
    rest::patch(st, rt, ns, name, kind, body, manager, subresource, dry_run)
}
