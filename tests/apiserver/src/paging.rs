//! `limit` and `continue` on lists: pages in the store's (namespace, name) order, with an
//! opaque continue token naming the last item served, as clients like kubectl page.

use crate::meta;
use crate::status::ApiError;
use base64::Engine;
use serde_json::{Value, json};

fn token(last: &Value) -> String {
    let key = json!([meta::namespace(last), meta::name(last)]).to_string();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

fn after(token: &str) -> Result<(String, String), ApiError> {
    let bad = || {
        ApiError::bad_request("continue key is not valid: the token was not issued by this server")
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&raw).map_err(|_| bad())?;
    Ok((
        v[0].as_str().ok_or_else(bad)?.to_string(),
        v[1].as_str().ok_or_else(bad)?.to_string(),
    ))
}

/// Cuts a `<Kind>List` down to one page: the items after `continue_token` (if any), at most
/// `limit` of them (0 or None: all), setting `metadata.continue` and
/// `metadata.remainingItemCount` when more remain.
pub fn page(
    mut list: Value,
    limit: Option<usize>,
    continue_token: Option<&str>,
) -> Result<Value, ApiError> {
    let mut items = list["items"].as_array().cloned().unwrap_or_default();
    if let Some(t) = continue_token.filter(|t| !t.is_empty()) {
        let (ns, name) = after(t)?;
        items.retain(|o| (meta::namespace(o), meta::name(o)) > (ns.as_str(), name.as_str()));
    }
    if let Some(n) = limit.filter(|n| *n > 0)
        && items.len() > n
    {
        let remaining = items.len() - n;
        items.truncate(n);
        list["metadata"]["continue"] = json!(token(items.last().expect("n > 0")));
        list["metadata"]["remainingItemCount"] = json!(remaining);
    }
    list["items"] = Value::Array(items);
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kubernetes API concepts, "Retrieving large results sets in chunks": with `limit` the
    // server returns at most that many items and a `continue` token while more remain;
    // passing the token returns the next chunk; the last chunk has no token.
    #[test]
    fn pages_follow_the_chunking_contract() {
        let list = json!({"metadata": {"resourceVersion": "9"}, "items": (1..=5)
            .map(|i| json!({"metadata": {"name": format!("cm-{i}"), "namespace": "default"}}))
            .collect::<Vec<_>>()});
        let first = page(list.clone(), Some(2), None).unwrap();
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        assert_eq!(first["metadata"]["remainingItemCount"], 3);
        let token = first["metadata"]["continue"].as_str().unwrap().to_string();
        let second = page(list.clone(), Some(2), Some(&token)).unwrap();
        assert_eq!(second["items"][0]["metadata"]["name"], "cm-3");
        let last_token = second["metadata"]["continue"].as_str().unwrap().to_string();
        let last = page(list.clone(), Some(2), Some(&last_token)).unwrap();
        assert_eq!(last["items"].as_array().unwrap().len(), 1);
        assert!(last["metadata"]["continue"].is_null());
        assert_eq!(page(list, None, Some("garbage!")).unwrap_err().code, 400);
    }
}
