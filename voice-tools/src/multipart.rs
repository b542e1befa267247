//! `multipart/form-data` bodies (RFC 7578) for in-process uploads, where no HTTP client
//! builds them.

use std::hash::{BuildHasher, RandomState};

use crate::executor::UserFile;

/// The `Content-Type` (with its boundary) and the body of a form holding `fields` as
/// text parts and `file` in `file_field`.
pub(crate) fn encode(
    fields: &[(String, String)],
    file_field: &str,
    file: &UserFile,
) -> (String, Vec<u8>) {
    let boundary = boundary(fields, file);
    let mut body = Vec::with_capacity(file.bytes().len() + 256 * (fields.len() + 1));
    for (name, value) in fields {
        part_header(&mut body, &boundary, name, None);
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(value.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    part_header(&mut body, &boundary, file_field, Some(file.file_name()));
    if let Some(content_type) = file.content_type() {
        body.extend_from_slice(format!("Content-Type: {content_type}\r\n").as_bytes());
    }
    body.extend_from_slice(b"\r\n");
    body.extend_from_slice(file.bytes());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn part_header(body: &mut Vec<u8>, boundary: &str, name: &str, file_name: Option<&str>) {
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
            quoted(name)
        )
        .as_bytes(),
    );
    if let Some(file_name) = file_name {
        body.extend_from_slice(format!("; filename=\"{}\"", quoted(file_name)).as_bytes());
    }
    body.extend_from_slice(b"\r\n");
}

/// A name as a quoted-string may carry it: `"`, CR and LF percent-encoded, as browsers
/// do (WHATWG HTML, "multipart/form-data encoding algorithm").
fn quoted(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A boundary that occurs in none of the parts.
fn boundary(fields: &[(String, String)], file: &UserFile) -> String {
    let seeds = RandomState::new();
    (0u64..)
        .map(|attempt| format!("voice-tools-{:016x}", seeds.hash_one(attempt)))
        .find(|boundary| {
            let needle = boundary.as_bytes();
            let absent = |haystack: &[u8]| {
                !haystack
                    .windows(needle.len())
                    .any(|window| window == needle)
            };
            absent(file.bytes()) && fields.iter().all(|(_, value)| absent(value.as_bytes()))
        })
        .expect("some boundary is absent from finite parts")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_lists_its_fields_then_the_file() {
        let file =
            UserFile::new("notes \"v2\".txt", b"hello".to_vec()).with_content_type("text/plain");
        let fields = vec![("project_id".to_owned(), "p1".to_owned())];
        let (content_type, body) = encode(&fields, "file", &file);
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"project_id\"\r\n\r\np1\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes %22v2%22.txt\"\r\n\
             Content-Type: text/plain\r\n\r\nhello\r\n--{boundary}--\r\n"
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }

    #[test]
    fn the_boundary_never_occurs_in_the_file() {
        let file = UserFile::new("a.bin", b"--voice-tools-".repeat(64));
        let (content_type, body) = encode(&[], "file", &file);
        let boundary = content_type.rsplit('=').next().unwrap();
        let occurrences = body
            .windows(boundary.len())
            .filter(|window| *window == boundary.as_bytes())
            .count();
        assert_eq!(occurrences, 2, "the opening and the closing delimiter only");
    }
}
