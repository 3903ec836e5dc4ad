//! Access reviews, answered from RBAC: SelfSubjectAccessReview (`kubectl auth can-i`),
//! SubjectAccessReview and SelfSubjectRulesReview (`kubectl auth can-i --list`).

use crate::rbac::{self, Attributes, UserInfo};
use crate::store::Store;
use serde_json::{Value, json};

fn attributes(spec: &Value) -> Attributes {
    if let Some(nr) = spec.get("nonResourceAttributes").filter(|v| v.is_object()) {
        return Attributes {
            verb: nr["verb"].as_str().unwrap_or("").into(),
            path: Some(nr["path"].as_str().unwrap_or("").into()),
            ..Default::default()
        };
    }
    let ra = &spec["resourceAttributes"];
    let s = |k: &str| ra[k].as_str().unwrap_or("").to_string();
    Attributes {
        verb: s("verb"),
        group: s("group"),
        resource: s("resource"),
        subresource: s("subresource"),
        name: s("name"),
        namespace: Some(s("namespace")).filter(|n| !n.is_empty()),
        path: None,
    }
}

fn answer(mut review: Value, store: &Store, user: &UserInfo) -> Value {
    let d = rbac::authorize(store, user, &attributes(&review["spec"]));
    review["status"] = if d.allowed {
        json!({"allowed": true, "reason": d.reason})
    } else {
        json!({"allowed": false})
    };
    if review["metadata"].is_null() {
        review["metadata"] = json!({});
    }
    review
}

/// Answers a SelfSubjectAccessReview for the requesting user.
pub fn self_subject_access_review(review: Value, store: &Store, user: &UserInfo) -> Value {
    answer(review, store, user)
}

/// Answers a SubjectAccessReview for the user and groups named in its spec.
pub fn subject_access_review(review: Value, store: &Store) -> Value {
    let name = review["spec"]["user"].as_str().unwrap_or("").to_string();
    let groups: Vec<&str> = review["spec"]["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let user = UserInfo::new(&name, &groups);
    answer(review.clone(), store, &user)
}

/// Answers a SelfSubjectRulesReview: the rules that apply to the user in a namespace.
pub fn self_subject_rules_review(mut review: Value, store: &Store, user: &UserInfo) -> Value {
    let ns = review["spec"]["namespace"].as_str().map(str::to_string);
    let mut resource_rules = Vec::new();
    let mut non_resource_rules = Vec::new();
    if user.groups.iter().any(|g| g == "system:masters") {
        resource_rules.push(json!({"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}));
        non_resource_rules.push(json!({"verbs": ["*"], "nonResourceURLs": ["*"]}));
    }
    for (_, rule) in rbac::applicable_rules(store, user, ns.as_deref()) {
        if rule.get("nonResourceURLs").is_some() {
            non_resource_rules
                .push(json!({"verbs": rule["verbs"], "nonResourceURLs": rule["nonResourceURLs"]}));
        } else {
            resource_rules.push(rule);
        }
    }
    review["status"] = json!({"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": false});
    if review["metadata"].is_null() {
        review["metadata"] = json!({});
    }
    review
}
