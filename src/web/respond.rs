//! The web layer's answers, in one leaf module every handler may import:
//! plain-text refusals, CSV downloads (through `csv_out`, the formula
//! guard), attachment file names, and query parameters.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A short plain-text answer (refusals and failures of form posts).
pub fn plain_text(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.into(),
    )
        .into_response()
}

/// 400 with a message saying what was wrong.
pub fn bad_request(message: impl Into<String>) -> Response {
    plain_text(StatusCode::BAD_REQUEST, message)
}

/// 503 while the server has no store (fixed datasets in tests and tools).
pub fn no_store() -> Response {
    plain_text(
        StatusCode::SERVICE_UNAVAILABLE,
        "This server has no data store, so nothing can be changed.",
    )
}

/// A file name as it may appear in `Content-Disposition`: letters, digits,
/// `.`, `-` and `_` only, so no request value can add a parameter or a
/// path to it.
pub fn file_name(wanted: &str) -> String {
    let name: String = wanted
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    let name = name.trim_start_matches('.');
    if name.is_empty() {
        "download".to_owned()
    } else {
        name.to_owned()
    }
}

fn attachment(file: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file_name(file)))
        .expect("a sanitised file name is ASCII")
}

/// A CSV file to download: a header and rows of text fields, each cell
/// through the formula guard.
pub fn csv_download<R, F>(file: &str, columns: &[&str], rows: R) -> Response
where
    R: IntoIterator<Item = F>,
    F: IntoIterator,
    F::Item: AsRef<[u8]>,
{
    match crate::csv_out::to_bytes(columns, rows) {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (header::CONTENT_DISPOSITION, attachment(file)),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot write a CSV");
            plain_text(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The CSV could not be written.",
            )
        }
    }
}

/// One query parameter, percent-decoded; `None` when absent or the query
/// string is malformed.
pub fn query_param(uri: &axum::http::Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Percent-encodes a query value.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Whether a response is an HTML page.
pub fn is_html(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_carry_parameters() {
        assert_eq!(
            file_name("A1-E06000006-edition-3.csv"),
            "A1-E06000006-edition-3.csv"
        );
        assert_eq!(
            file_name("x\";filename*=UTF-8''report.html;a=\""),
            "x__filename__UTF-8__report.html_a__"
        );
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_name(""), "download");
    }

    #[test]
    fn query_values_are_decoded() {
        let uri: axum::http::Uri = "/x?area=E06%20000&b=1".parse().unwrap();
        assert_eq!(query_param(&uri, "area").as_deref(), Some("E06 000"));
        assert_eq!(query_param(&uri, "c"), None);
        assert_eq!(urlencode("/a b?"), "%2Fa+b%3F");
    }
}
