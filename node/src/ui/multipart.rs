//! A `multipart/form-data` body (RFC 7578) split into its parts: the one upload form of the
//! web interface (a file and its kind). Pure: the handler reads the body, under the node's
//! size limit, and passes the bytes and the Content-Type header here.
//!
//! Only what browsers send is understood: `\r\n` line ends, a `Content-Disposition: form-data`
//! header naming each part, and a file name in quotes (browsers percent-encode `"` in it).
//! Anything else is an error, never a panic.

/// One part of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part<'a> {
    pub name: String,
    /// The file's name as the browser gave it, for a file part.
    pub filename: Option<String>,
    pub data: &'a [u8],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MultipartError {
    #[error("the Content-Type names no multipart boundary")]
    NoBoundary,
    #[error("the body is not multipart/form-data with the announced boundary")]
    Malformed,
}

/// The boundary a `multipart/form-data; boundary=…` Content-Type announces.
pub fn boundary(content_type: &str) -> Result<String, MultipartError> {
    let mut params = content_type.split(';');
    let media = params.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return Err(MultipartError::NoBoundary);
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, value)| value.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 200)
        .ok_or(MultipartError::NoBoundary)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A parameter of a Content-Disposition header: `name="value"`.
fn parameter(header: &str, wanted: &str) -> Option<String> {
    header.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        (name.trim().eq_ignore_ascii_case(wanted)).then(|| {
            let value = value.trim();
            value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(value)
                .replace("%22", "\"")
        })
    })
}

/// Splits `body` into its parts.
pub fn parse<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, MultipartError> {
    let opening = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let start = find(body, opening.as_bytes()).ok_or(MultipartError::Malformed)?;
    let mut rest = &body[start + opening.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(MultipartError::Malformed)?;
        let end = find(rest, b"\r\n\r\n").ok_or(MultipartError::Malformed)?;
        let headers = std::str::from_utf8(&rest[..end]).map_err(|_| MultipartError::Malformed)?;
        rest = &rest[end + 4..];
        let disposition = headers
            .split("\r\n")
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("content-disposition")
                    .then_some(value.trim())
            })
            .ok_or(MultipartError::Malformed)?;
        let name = parameter(disposition, "name").ok_or(MultipartError::Malformed)?;
        let filename = parameter(disposition, "filename");
        let end = find(rest, delimiter.as_bytes()).ok_or(MultipartError::Malformed)?;
        parts.push(Part {
            name,
            filename,
            data: &rest[..end],
        });
        rest = &rest[end + delimiter.len()..];
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters: for a query value and for
/// RFC 5987's `filename*=UTF-8''…`.
pub fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDARY: &str = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

    fn body(parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, filename, data) in parts {
            out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            let mut header = format!("Content-Disposition: form-data; name=\"{name}\"");
            if let Some(filename) = filename {
                header.push_str(&format!(
                    "; filename=\"{filename}\"\r\nContent-Type: application/pdf"
                ));
            }
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(b"\r\n\r\n");
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        out
    }

    #[test]
    fn a_browsers_upload_splits_into_its_fields_and_file() {
        let pdf: &[u8] = b"%PDF-1.4\r\n\r\n--not the boundary\r\n\x00\xff";
        let bytes = body(&[
            ("kind", None, b"proof"),
            ("file", Some("证明%22材料.pdf"), pdf),
        ]);
        let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
        let parts = parse(&bytes, &boundary(&content_type).unwrap()).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data),
            ("kind", &b"proof"[..])
        );
        assert_eq!(parts[0].filename, None);
        assert_eq!(parts[1].filename.as_deref(), Some("证明\"材料.pdf"));
        assert_eq!(parts[1].data, pdf);
        // An empty file input sends an empty part.
        let bytes = body(&[("file", Some(""), b"")]);
        assert_eq!(parse(&bytes, BOUNDARY).unwrap()[0].data, b"");
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("证明 a.pdf"), "%E8%AF%81%E6%98%8E%20a.pdf");
    }

    #[test]
    fn the_boundary_is_read_quoted_or_not_and_other_types_are_refused() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\"").unwrap(),
            "a b"
        );
        assert_eq!(boundary("Multipart/Form-Data;boundary=xyz").unwrap(), "xyz");
        for wrong in [
            "multipart/form-data",
            "application/x-www-form-urlencoded; boundary=x",
            "",
        ] {
            assert_eq!(boundary(wrong), Err(MultipartError::NoBoundary), "{wrong}");
        }
    }

    #[test]
    fn broken_bodies_are_errors_not_panics() {
        let good = body(&[("file", Some("a.pdf"), b"12345")]);
        for cut in 0..good.len() - 4 {
            let _ = parse(&good[..cut], BOUNDARY);
        }
        assert!(parse(&good[..good.len() - 12], BOUNDARY).is_err());
        assert_eq!(
            parse(b"no parts at all", BOUNDARY),
            Err(MultipartError::Malformed)
        );
        let no_name =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--");
        assert_eq!(
            parse(no_name.as_bytes(), BOUNDARY),
            Err(MultipartError::Malformed)
        );
    }
}
