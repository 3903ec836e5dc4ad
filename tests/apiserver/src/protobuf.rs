//! Just enough of the Kubernetes protobuf encoding to read the review requests kubectl
//! sends as protobuf (`kubectl auth can-i`, `kubectl create token`); everything else
//! kubectl sends as JSON. Answers are JSON, which kubectl accepts.

use serde_json::{Map, Value, json};

/// The content type kubectl's typed clients use.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The 4-byte prefix of a Kubernetes protobuf envelope.
const MAGIC: &[u8] = b"k8s\x00";

enum Field<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        out |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(out);
        }
    }
    None
}

fn fields(buf: &[u8]) -> Option<Vec<(u64, Field<'_>)>> {
    let mut pos = 0;
    let mut out = Vec::new();
    while pos < buf.len() {
        let key = varint(buf, &mut pos)?;
        let (num, wire) = (key >> 3, key & 7);
        let f = match wire {
            0 => Field::Varint(varint(buf, &mut pos)?),
            2 => {
                let len = usize::try_from(varint(buf, &mut pos)?).ok()?;
                let end = pos.checked_add(len).filter(|e| *e <= buf.len())?;
                let s = &buf[pos..end];
                pos = end;
                Field::Bytes(s)
            }
            1 => {
                pos += 8;
                Field::Varint(0)
            }
            5 => {
                pos += 4;
                Field::Varint(0)
            }
            _ => return None,
        };
        out.push((num, f));
    }
    Some(out)
}

/// Reads a message whose fields are all strings or nested messages, naming them with
/// `names` (field number -> name, and the nested layout for sub-messages).
fn message(buf: &[u8], layout: &Layout) -> Option<Value> {
    let mut m = Map::new();
    for (num, f) in fields(buf)? {
        let Some(FieldSpec(_, name, nested)) = layout.iter().find(|f| f.0 == num) else { continue };
        let v = match (f, nested) {
            (Field::Bytes(b), Some(inner)) => message(b, inner)?,
            (Field::Bytes(b), None) => json!(String::from_utf8_lossy(b)),
            (Field::Varint(v), _) => json!(v),
        };
        match m.get_mut(*name) {
            Some(Value::Array(a)) => a.push(v),
            _ if REPEATED.contains(name) => {
                m.insert(name.to_string(), json!([v]));
            }
            _ => {
                m.insert(name.to_string(), v);
            }
        }
    }
    Some(Value::Object(m))
}

/// Fields that are repeated (lists) in the messages read here.
const REPEATED: &[&str] = &["audiences"];

/// One field of a message layout: number, JSON name, and the layout if it is a message.
struct FieldSpec(u64, &'static str, Option<&'static [FieldSpec]>);

type Layout = [FieldSpec];

static RESOURCE_ATTRIBUTES: &Layout = &[
    FieldSpec(1, "namespace", None), FieldSpec(2, "verb", None), FieldSpec(3, "group", None), FieldSpec(4, "version", None),
    FieldSpec(5, "resource", None), FieldSpec(6, "subresource", None), FieldSpec(7, "name", None),
];
static NON_RESOURCE_ATTRIBUTES: &Layout = &[FieldSpec(1, "path", None), FieldSpec(2, "verb", None)];
static SSAR_SPEC: &Layout = &[
    FieldSpec(1, "resourceAttributes", Some(RESOURCE_ATTRIBUTES)),
    FieldSpec(2, "nonResourceAttributes", Some(NON_RESOURCE_ATTRIBUTES)),
];
static SSRR_SPEC: &Layout = &[FieldSpec(1, "namespace", None)];
static TOKEN_SPEC: &Layout = &[FieldSpec(1, "audiences", None)];
static OBJECT_META: &Layout = &[FieldSpec(1, "name", None), FieldSpec(2, "generateName", None), FieldSpec(3, "namespace", None)];

/// Decodes a protobuf review body (SelfSubjectAccessReview, SelfSubjectRulesReview,
/// TokenRequest) into its JSON form, or None for anything else.
pub fn decode(body: &[u8]) -> Option<Value> {
    let envelope = fields(body.strip_prefix(MAGIC)?)?;
    let mut kind = String::new();
    let mut api_version = String::new();
    let mut raw: &[u8] = &[];
    for (num, f) in &envelope {
        match (num, f) {
            (1, Field::Bytes(tm)) => {
                for (n, tf) in fields(tm)? {
                    if let Field::Bytes(s) = tf {
                        let s = String::from_utf8_lossy(s).into_owned();
                        if n == 1 { api_version = s } else if n == 2 { kind = s }
                    }
                }
            }
            (2, Field::Bytes(r)) => raw = r,
            _ => {}
        }
    }
    let spec: &'static Layout = match kind.as_str() {
        "SelfSubjectAccessReview" | "SubjectAccessReview" => SSAR_SPEC,
        "SelfSubjectRulesReview" => SSRR_SPEC,
        "TokenRequest" => TOKEN_SPEC,
        _ => return None,
    };
    let layout = [FieldSpec(1, "metadata", Some(OBJECT_META)), FieldSpec(2, "spec", Some(spec))];
    let mut v = message(raw, &layout)?;
    v["kind"] = json!(kind);
    v["apiVersion"] = json!(api_version);
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(num: u8, payload: &[u8]) -> Vec<u8> {
        let mut v = vec![(num << 3) | 2, payload.len() as u8];
        v.extend_from_slice(payload);
        v
    }

    #[test]
    fn decodes_a_self_subject_access_review() {
        let attrs = [field(1, b"default"), field(2, b"create"), field(5, b"pods")].concat();
        let spec = field(1, &attrs);
        let raw = [field(1, &[]), field(2, &spec)].concat();
        let type_meta = [field(1, b"authorization.k8s.io/v1"), field(2, b"SelfSubjectAccessReview")].concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, &raw)].concat();
        let v = decode(&body).unwrap();
        assert_eq!(v["kind"], "SelfSubjectAccessReview");
        assert_eq!(v["spec"]["resourceAttributes"]["verb"], "create");
        assert_eq!(v["spec"]["resourceAttributes"]["resource"], "pods");
        assert_eq!(v["spec"]["resourceAttributes"]["namespace"], "default");
    }
}
