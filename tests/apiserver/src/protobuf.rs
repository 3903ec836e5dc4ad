//! Just enough of the Kubernetes protobuf encoding to read what kubectl's typed clients
//! send as protobuf: access reviews (`kubectl auth can-i`), token requests (`kubectl create
//! token`) and the simple `kubectl create namespace|serviceaccount|configmap|secret`
//! objects. Everything else kubectl sends as JSON. Answers are JSON, which kubectl accepts.

use base64::Engine;
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

/// How a field is read.
enum Kind {
    /// A string (or a bool/number varint).
    Scalar,
    /// A repeated string.
    List,
    /// A nested message.
    Message(&'static Layout),
    /// A `map<string, string>`.
    StringMap,
    /// A `map<string, bytes>`, rendered base64 as in JSON.
    BytesMap,
}

/// One field of a message layout: number, JSON name and how to read it.
struct FieldSpec(u64, &'static str, Kind);

type Layout = [FieldSpec];

fn utf8(b: &[u8]) -> Value {
    json!(String::from_utf8_lossy(b))
}

fn message(buf: &[u8], layout: &Layout) -> Option<Value> {
    let mut m = Map::new();
    for (num, f) in fields(buf)? {
        let Some(FieldSpec(_, name, kind)) = layout.iter().find(|f| f.0 == num) else {
            continue;
        };
        match (kind, f) {
            (Kind::Message(inner), Field::Bytes(b)) => {
                m.insert(name.to_string(), message(b, inner)?);
            }
            (Kind::List, Field::Bytes(b)) => {
                let list = m.entry(name.to_string()).or_insert_with(|| json!([]));
                list.as_array_mut()?.push(utf8(b));
            }
            (Kind::StringMap | Kind::BytesMap, Field::Bytes(b)) => {
                let (mut k, mut v) = (String::new(), Value::String(String::new()));
                for (n, ef) in fields(b)? {
                    if let Field::Bytes(x) = ef {
                        match (n, kind) {
                            (1, _) => k = String::from_utf8_lossy(x).into_owned(),
                            (2, Kind::BytesMap) => {
                                v = json!(base64::engine::general_purpose::STANDARD.encode(x))
                            }
                            (2, _) => v = utf8(x),
                            _ => {}
                        }
                    }
                }
                let map = m.entry(name.to_string()).or_insert_with(|| json!({}));
                map.as_object_mut()?.insert(k, v);
            }
            (_, Field::Bytes(b)) => {
                m.insert(name.to_string(), utf8(b));
            }
            (_, Field::Varint(v)) => {
                m.insert(name.to_string(), json!(v));
            }
        }
    }
    Some(Value::Object(m))
}

static RESOURCE_ATTRIBUTES: &Layout = &[
    FieldSpec(1, "namespace", Kind::Scalar),
    FieldSpec(2, "verb", Kind::Scalar),
    FieldSpec(3, "group", Kind::Scalar),
    FieldSpec(4, "version", Kind::Scalar),
    FieldSpec(5, "resource", Kind::Scalar),
    FieldSpec(6, "subresource", Kind::Scalar),
    FieldSpec(7, "name", Kind::Scalar),
];
static NON_RESOURCE_ATTRIBUTES: &Layout = &[
    FieldSpec(1, "path", Kind::Scalar),
    FieldSpec(2, "verb", Kind::Scalar),
];
static SSAR_SPEC: &Layout = &[
    FieldSpec(1, "resourceAttributes", Kind::Message(RESOURCE_ATTRIBUTES)),
    FieldSpec(
        2,
        "nonResourceAttributes",
        Kind::Message(NON_RESOURCE_ATTRIBUTES),
    ),
];
static SAR_SPEC: &Layout = &[
    FieldSpec(1, "resourceAttributes", Kind::Message(RESOURCE_ATTRIBUTES)),
    FieldSpec(
        2,
        "nonResourceAttributes",
        Kind::Message(NON_RESOURCE_ATTRIBUTES),
    ),
    FieldSpec(3, "user", Kind::Scalar),
    FieldSpec(4, "groups", Kind::List),
];
static SSRR_SPEC: &Layout = &[FieldSpec(1, "namespace", Kind::Scalar)];
static TOKEN_SPEC: &Layout = &[
    FieldSpec(1, "audiences", Kind::List),
    FieldSpec(2, "expirationSeconds", Kind::Scalar),
];
static OBJECT_META: &Layout = &[
    FieldSpec(1, "name", Kind::Scalar),
    FieldSpec(2, "generateName", Kind::Scalar),
    FieldSpec(3, "namespace", Kind::Scalar),
    FieldSpec(11, "labels", Kind::StringMap),
    FieldSpec(12, "annotations", Kind::StringMap),
];

fn layout_for(kind: &str) -> Option<Vec<FieldSpec>> {
    let meta = FieldSpec(1, "metadata", Kind::Message(OBJECT_META));
    let spec = |l: &'static Layout| FieldSpec(2, "spec", Kind::Message(l));
    Some(match kind {
        "SelfSubjectAccessReview" => vec![meta, spec(SSAR_SPEC)],
        "SubjectAccessReview" => vec![meta, spec(SAR_SPEC)],
        "SelfSubjectRulesReview" => vec![meta, spec(SSRR_SPEC)],
        "TokenRequest" => vec![meta, spec(TOKEN_SPEC)],
        "SelfSubjectReview" => vec![meta],
        "Namespace" | "ServiceAccount" => vec![meta],
        "ConfigMap" => vec![
            meta,
            FieldSpec(2, "data", Kind::StringMap),
            FieldSpec(3, "binaryData", Kind::BytesMap),
        ],
        "Secret" => vec![
            meta,
            FieldSpec(2, "data", Kind::BytesMap),
            FieldSpec(3, "type", Kind::Scalar),
            FieldSpec(4, "stringData", Kind::StringMap),
        ],
        _ => return None,
    })
}

/// Decodes a protobuf body of one of the kinds above into its JSON form, or None.
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
                        match n {
                            1 => api_version = s,
                            2 => kind = s,
                            _ => {}
                        }
                    }
                }
            }
            (2, Field::Bytes(r)) => raw = r,
            _ => {}
        }
    }
    let layout = layout_for(&kind)?;
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

    fn envelope(api_version: &[u8], kind: &[u8], raw: &[u8]) -> Vec<u8> {
        let type_meta = [field(1, api_version), field(2, kind)].concat();
        [MAGIC.to_vec(), field(1, &type_meta), field(2, raw)].concat()
    }

    #[test]
    fn decodes_a_self_subject_access_review() {
        let attrs = [field(1, b"default"), field(2, b"create"), field(5, b"pods")].concat();
        let raw = [field(1, &[]), field(2, &field(1, &attrs))].concat();
        let v = decode(&envelope(
            b"authorization.k8s.io/v1",
            b"SelfSubjectAccessReview",
            &raw,
        ))
        .unwrap();
        assert_eq!(v["kind"], "SelfSubjectAccessReview");
        assert_eq!(v["spec"]["resourceAttributes"]["verb"], "create");
        assert_eq!(v["spec"]["resourceAttributes"]["resource"], "pods");
        assert_eq!(v["spec"]["resourceAttributes"]["namespace"], "default");
    }

    #[test]
    fn decodes_a_configmap_with_labels_and_data() {
        let label = field(11, &[field(1, b"app"), field(2, b"flink")].concat());
        let meta = [field(1, b"conf"), label].concat();
        let raw = [
            field(1, &meta),
            field(2, &[field(1, b"k"), field(2, b"v")].concat()),
        ]
        .concat();
        let v = decode(&envelope(b"v1", b"ConfigMap", &raw)).unwrap();
        assert_eq!(
            v["metadata"],
            json!({"name": "conf", "labels": {"app": "flink"}})
        );
        assert_eq!(v["data"], json!({"k": "v"}));
    }
}
