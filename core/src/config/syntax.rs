//! Flink's flat string syntax for structured option values, and the typed
//! values Flink keeps for keys read from `config.yaml`.
//!
//! Lists are `a;b;c`, maps `k1:v1,k2:v2`, lists of maps `k1:v1,k2:v2;k3:v3`;
//! a part containing `;`, `,` or `:` can be quoted with `'…'` or `"…"`
//! (a doubled quote inside quotes stands for itself), as in Flink's
//! `StructuredOptionsSplitter`.

use serde_json::Value;

/// Split at `delimiter` exactly as Flink's `StructuredOptionsSplitter`:
/// unquoted parts run to the next delimiter and are trimmed (quotes inside
/// them are plain characters); a part may instead be wholly quoted with
/// `'…'` or `"…"` (a doubled quote stands for itself, nothing but blanks may
/// follow before the next delimiter); blanks between parts are skipped; two
/// adjacent delimiters make an empty part, a leading or trailing one none.
pub fn split_escaped(text: &str, delimiter: char) -> Result<Vec<String>, String> {
    enum Token {
        Quoted(String),
        Unquoted(String),
        Delimiter,
    }
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            let mut part = String::new();
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => {
                        return Err(format!(
                            "the quote in '{text}' is not closed: close it, or double it ('') to mean the character itself"
                        ));
                    }
                    Some(&q) if q == c && chars.get(j + 1) == Some(&c) => {
                        part.push(c);
                        j += 2;
                    }
                    Some(&q) if q == c => break,
                    Some(&other) => {
                        part.push(other);
                        j += 1;
                    }
                }
            }
            tokens.push((i, Token::Quoted(part)));
            i = j + 1;
        } else if c == delimiter {
            tokens.push((i, Token::Delimiter));
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            let end = chars[i..]
                .iter()
                .position(|&d| d == delimiter)
                .map_or(chars.len(), |p| i + p);
            let part: String = chars[i..end].iter().collect();
            tokens.push((i, Token::Unquoted(part.trim().to_string())));
            i = end;
        }
    }
    let mut parts = Vec::new();
    for (index, (position, token)) in tokens.iter().enumerate() {
        let next = tokens.get(index + 1).map(|(p, t)| (*p, t));
        match token {
            Token::Quoted(part) => {
                if let Some((next_position, token)) = next
                    && !matches!(token, Token::Delimiter)
                {
                    return Err(format!(
                        "'{text}': after the quoted part at position {position} comes something else at position {next_position}: put '{delimiter}' between parts"
                    ));
                }
                parts.push(part.clone());
            }
            Token::Unquoted(part) => parts.push(part.clone()),
            Token::Delimiter => {
                if matches!(next, Some((_, Token::Delimiter))) {
                    parts.push(String::new());
                }
            }
        }
    }
    Ok(parts)
}

/// A list of strings (`a;b;c`), empty parts dropped and parts trimmed.
pub fn parse_list(text: &str) -> Result<Vec<String>, String> {
    let trimmed = text.trim();
    if trimmed.starts_with('[') && trimmed.ends_with(']') {
        // A YAML flow sequence, as config.yaml lists are kept (1.19+).
        let items: Vec<Value> = serde_saphyr::from_str(trimmed).map_err(|e| {
            format!(
                "'{trimmed}' is not a YAML list: {}",
                first_line(&e.to_string())
            )
        })?;
        return Ok(items
            .iter()
            .map(value_to_flink_string)
            .filter(|p| !p.is_empty())
            .collect());
    }
    Ok(split_escaped(text, ';')?
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect())
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// A list as YAML flow text, the way Flink (SnakeYAML) writes it:
/// `[a, 'b:c', 1]` — strings that YAML would read differently are quoted.
pub fn flow_sequence(items: &[Value]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|item| match item {
            Value::String(s) if needs_quotes(s) => format!("'{}'", s.replace('\'', "''")),
            Value::String(s) => s.clone(),
            Value::Array(inner) => flow_sequence(inner),
            other => value_to_flink_string(other),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.trim() != s
        || s.contains([
            ':', ',', '[', ']', '{', '}', '#', '\'', '"', '&', '*', '!', '|', '>', '%', '@', '`',
        ])
        || s.starts_with(['-', '?'])
        || matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
        )
        || s.parse::<f64>().is_ok()
}

/// A map (`k1:v1,k2:v2`), in the order written; every item needs a `:`.
pub fn parse_map(text: &str) -> Result<Vec<(String, String)>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    split_escaped(text, ',')?
        .into_iter()
        .map(|item| {
            let pair = split_escaped(&item, ':')?;
            match pair.as_slice() {
                [k, v] => Ok((k.clone(), v.clone())),
                _ => Err(format!(
                    "'{item}' is not a key:value pair (quote values that contain ':' or ',')"
                )),
            }
        })
        .collect()
}

/// A list of maps (`k1:v1,k2:v2;k3:v3`).
pub fn parse_list_of_maps(text: &str) -> Result<Vec<Vec<(String, String)>>, String> {
    parse_list(text)?.iter().map(|m| parse_map(m)).collect()
}

/// The string Flink would read for a typed value: lists joined with `;`,
/// maps as `k:v,k:v`, numbers and booleans as written; parts that contain a
/// delimiter are quoted so that the parsers above read them back unchanged.
pub fn value_to_flink_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items
            .iter()
            .map(|item| quote_part(&value_to_flink_string(item), &[';']))
            .collect::<Vec<_>>()
            .join(";"),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let entry = format!(
                    "{}:{}",
                    quote_part(k, &[',', ':', ';']),
                    quote_part(&value_to_flink_string(v), &[',', ':', ';'])
                );
                quote_part(&entry, &[',', ';'])
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// Wrap a whole part in single quotes (doubling inner ones) when it holds a
/// delimiter or a quote.
fn quote_part(text: &str, delimiters: &[char]) -> String {
    if text.contains(delimiters) || text.contains(['\'', '"']) {
        format!("'{}'", text.replace('\'', "''"))
    } else {
        text.to_string()
    }
}

/// The order in which Java's `HashMap` iterates these string keys. Flink
/// parses map options into a `HashMap`, so volumes made from
/// `kubernetes.secrets` or `kubernetes.persistent-volume-claims` come out in
/// this order; reproducing it keeps our objects identical to Flink's.
pub fn java_hash_map_order<T>(entries: Vec<(String, T)>) -> Vec<(String, T)> {
    let mut table_size = 16usize;
    while entries.len() * 4 > table_size * 3 {
        table_size *= 2;
    }
    let mut indexed: Vec<(usize, usize, (String, T))> = entries
        .into_iter()
        .enumerate()
        .map(|(order, entry)| {
            let h = java_string_hash(&entry.0);
            let spread = (h ^ (h >> 16)) as usize;
            (spread & (table_size - 1), order, entry)
        })
        .collect();
    indexed.sort_by_key(|(bucket, order, _)| (*bucket, *order));
    indexed.into_iter().map(|(_, _, entry)| entry).collect()
}

/// Java's `String.hashCode()` over UTF-16 code units, as an unsigned word.
fn java_string_hash(text: &str) -> u32 {
    text.encode_utf16()
        .fold(0u32, |h, unit| h.wrapping_mul(31).wrapping_add(unit as u32))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splitting_matches_flinks_structured_options_splitter() {
        // Each right-hand side is what Flink 2.3.0's StructuredOptionsSplitter.splitEscaped
        // returned for the left-hand side (run from the PyPI distribution's flink-dist).
        let cases: &[(&str, char, &[&str])] = &[
            ("A'B", ';', &["A'B"]),
            ("a; 'b;c'", ';', &["a", "b;c"]),
            ("'a' ;b", ';', &["a", "b"]),
            (";a", ';', &["a"]),
            ("a;;b", ';', &["a", "", "b"]),
            ("a;b;", ';', &["a", "b"]),
            ("a:1,", ',', &["a:1"]),
            ("", ';', &[]),
            ("  x  ;  y ", ';', &["x", "y"]),
            ("' padded ';x", ';', &[" padded ", "x"]),
        ];
        for (text, delimiter, expected) in cases {
            assert_eq!(
                split_escaped(text, *delimiter).unwrap(),
                *expected,
                "{text:?}"
            );
        }
        assert!(
            split_escaped("'a'b", ';').is_err(),
            "Flink: illegal quoting"
        );
        assert!(
            split_escaped("'open", ',').is_err(),
            "Flink: quoting not closed"
        );
        assert_eq!(
            parse_map("a:1, b:2,").unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), "2".into())],
            "a trailing comma is fine, as in Flink"
        );
    }

    #[test]
    fn maps_lists_and_quotes() {
        assert_eq!(
            parse_map("a:1, b:2").unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
        assert_eq!(
            parse_map("\"url:'http://x:80'\",\"b:'it''s'\"").unwrap(),
            vec![
                ("url".into(), "http://x:80".into()),
                ("b".into(), "it's".into())
            ]
        );
        assert_eq!(split_escaped("'A;B';C", ';').unwrap(), vec!["A;B", "C"]);
        assert_eq!(split_escaped("C;'A;B'", ';').unwrap(), vec!["C", "A;B"]);
        assert_eq!(
            split_escaped("\"AB'\"\"D;B\";C", ';').unwrap(),
            vec!["AB'\"D;B", "C"]
        );
        assert!(split_escaped("'a'b", ';').is_err());
        assert_eq!(parse_list("a; b;;c").unwrap(), vec!["a", "b", "c"]);
        let lom = parse_list_of_maps("env:A,secret:s,key:k;env:B,secret:t,key:l").unwrap();
        assert_eq!(lom.len(), 2);
        assert_eq!(lom[1][0], ("env".into(), "B".into()));
        assert!(parse_map("novalue").unwrap_err().contains("key:value"));
        assert!(
            split_escaped("'open", ',')
                .unwrap_err()
                .contains("not closed")
        );
    }

    #[test]
    fn typed_values_read_as_flink_strings() {
        assert_eq!(value_to_flink_string(&json!(["a", "b"])), "a;b");
        let map = value_to_flink_string(&json!({"k": "v:1", "plain": "x"}));
        assert_eq!(
            parse_map(&map).unwrap(),
            vec![("k".into(), "v:1".into()), ("plain".into(), "x".into())]
        );
        let list = value_to_flink_string(&json!(["a;b", "c"]));
        assert_eq!(parse_list(&list).unwrap(), vec!["a;b", "c"]);
        assert_eq!(value_to_flink_string(&json!(4)), "4");
        assert_eq!(value_to_flink_string(&json!(true)), "true");
    }

    #[test]
    fn java_string_hash_matches_java() {
        // Values printed by Java's "…".hashCode().
        assert_eq!(java_string_hash("") as i32, 0);
        assert_eq!(java_string_hash("a") as i32, 97);
        assert_eq!(java_string_hash("mysecret") as i32, 95251292);
        assert_eq!(java_string_hash("hello world") as i32, 1794106052);
    }

    #[test]
    fn hash_map_order_matches_java() {
        // Java 17: a HashMap filled with these keys in this order iterates
        // [zeta, mysecret, alpha, secret-b, a-very-long-secret-name].
        let keys = [
            "zeta",
            "alpha",
            "mysecret",
            "secret-b",
            "a-very-long-secret-name",
        ];
        let order: Vec<String> =
            java_hash_map_order(keys.iter().map(|k| (k.to_string(), ())).collect())
                .into_iter()
                .map(|(k, _)| k)
                .collect();
        assert_eq!(
            order,
            vec![
                "zeta",
                "mysecret",
                "alpha",
                "secret-b",
                "a-very-long-secret-name"
            ]
        );
    }

    #[test]
    fn hash_map_order_is_by_bucket_then_insertion() {
        // Java: new HashMap with keys b, a, c iterates a, b, c (buckets 1, 2, 3).
        let order: Vec<String> = java_hash_map_order(vec![
            ("b".to_string(), ()),
            ("a".to_string(), ()),
            ("c".to_string(), ()),
        ])
        .into_iter()
        .map(|(k, _)| k)
        .collect();
        assert_eq!(order, vec!["a", "b", "c"]);
    }
}
