//! The `multipart/form-data` body of a jar upload, built in memory: Flink's
//! `POST /jars/upload` takes exactly one file part (field `jarfile`, content
//! type `application/x-java-archive`) and buffers it anyway, and building it
//! by hand avoids a second HTTP stack next to kube's.

/// Field name Flink's web UI and CLI use for the jar part.
pub const JAR_FIELD: &str = "jarfile";
/// Part content type of a jar.
pub const JAR_CONTENT_TYPE: &str = "application/x-java-archive";

/// A ready-to-send multipart body and the `Content-Type` header naming its boundary.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartBody {
    pub content_type: String,
    pub body: Vec<u8>,
}

/// One jar as the single file part of a form, separated by `boundary`
/// (which must not occur in the jar; [`random_boundary`] makes that
/// practically certain).
pub fn jar_upload(file_name: &str, jar: &[u8], boundary: &str) -> MultipartBody {
    let file_name = quoted_string_safe(file_name);
    let mut body = Vec::with_capacity(jar.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{JAR_FIELD}\"; filename=\"{file_name}\"\r\nContent-Type: {JAR_CONTENT_TYPE}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(jar);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    MultipartBody {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

/// A boundary with 128 random bits, so it cannot be guessed from the jar.
pub fn random_boundary() -> String {
    let mut bytes = [0u8; 16];
    // Without OS randomness a fixed tail is still unlikely inside a zip file.
    let _ = getrandom::fill(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("----kubectl-flink-{hex}")
}

/// A file name safe inside a quoted header parameter: quotes, backslashes
/// and line breaks would end or split the header, so they are replaced.
fn quoted_string_safe(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '"' | '\\' | '\r' | '\n' => '_',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jar_is_one_part_named_jarfile_with_the_jar_content_type() {
        let upload = jar_upload("job.jar", b"PK\x03\x04", "B0UND");
        assert_eq!(upload.content_type, "multipart/form-data; boundary=B0UND");
        assert_eq!(
            upload.body,
            b"--B0UND\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"job.jar\"\r\nContent-Type: application/x-java-archive\r\n\r\nPK\x03\x04\r\n--B0UND--\r\n"
        );
    }

    #[test]
    fn a_file_name_cannot_break_the_header() {
        let upload = jar_upload("a\"b\r\nX: y.jar", b"", "B");
        let head = String::from_utf8(upload.body).unwrap();
        assert!(head.contains("filename=\"a_b__X: y.jar\""), "{head}");
    }

    #[test]
    fn boundaries_are_random_and_header_safe() {
        let (a, b) = (random_boundary(), random_boundary());
        assert_ne!(a, b);
        assert!(a.len() <= 70, "RFC 2046 allows at most 70 characters");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
