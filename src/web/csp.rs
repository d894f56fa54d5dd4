//! The Content-Security-Policy: a leaf, read by the router. Pages allow
//! their inline scripts by hash rather than by a per-request nonce, so a
//! page's bytes are the same for every reader and can be rendered once and
//! cached (`web::cache`) while the policy stays strict.

use base64::Engine;
use sha2::{Digest, Sha256};

/// The policy of every response. A page passes the hashes of its inline
/// scripts (the island loader); everything else gets the policy without
/// any, so no inline script runs there. `'wasm-unsafe-eval'` lets the
/// browser compile the islands' WASM and nothing more.
pub fn content_security_policy(script_hashes: &[String]) -> String {
    let mut script = "'self'".to_owned();
    for h in script_hashes {
        script.push_str(" '");
        script.push_str(h);
        script.push('\'');
    }
    script.push_str(" 'wasm-unsafe-eval'");
    format!(
        "default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// `sha256-…` of every inline `<script>` in a page we rendered, in order,
/// without repeats: exactly the bytes between the tags, which is what a
/// browser hashes. Our own markup only: Leptos escapes text, so data can
/// never open a script element.
pub fn inline_script_hashes(html: &[u8]) -> Vec<String> {
    const OPEN: &[u8] = b"<script";
    const CLOSE: &[u8] = b"</script>";
    let mut hashes = Vec::new();
    let mut rest = html;
    while let Some(at) = find(rest, OPEN) {
        let after = &rest[at + OPEN.len()..];
        let Some(tag_end) = find(after, b">") else {
            break;
        };
        let attributes = &after[..tag_end];
        let body = &after[tag_end + 1..];
        let Some(end) = find(body, CLOSE) else {
            break;
        };
        if find(attributes, b"src=").is_none() {
            let digest = Sha256::digest(&body[..end]);
            let hash = format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        rest = &body[end + CLOSE.len()..];
    }
    hashes
}

/// The page without the `nonce` attributes leptos_axum writes on every
/// script it emits (it always draws a fresh nonce; the policy does not use
/// it), so the bytes are the same for every request. Only inside `<script`
/// tags, which data can never open.
pub fn without_script_nonces(html: &[u8]) -> Vec<u8> {
    const OPEN: &[u8] = b"<script";
    const ATTRIBUTE: &[u8] = b" nonce=\"";
    let mut out = Vec::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = find(rest, OPEN) {
        let tag_start = at + OPEN.len();
        out.extend_from_slice(&rest[..tag_start]);
        rest = &rest[tag_start..];
        let tag_end = find(rest, b">").unwrap_or(rest.len());
        if let Some(a) = find(&rest[..tag_end], ATTRIBUTE)
            && let Some(close) = find(&rest[a + ATTRIBUTE.len()..tag_end], b"\"")
        {
            out.extend_from_slice(&rest[..a]);
            rest = &rest[a + ATTRIBUTE.len() + close + 1..];
        }
    }
    out.extend_from_slice(rest);
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// HSTS for deployments behind TLS (`HWB_SECURE_COOKIES=true`): a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_inline_scripts_only_once_each() {
        let html = br#"<head><script type="module">go()</script><script src="/pkg/a.js"></script>
            <script>go()</script><script>other()</script></head>"#;
        let hashes = inline_script_hashes(html);
        let go = format!(
            "sha256-{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(b"go()"))
        );
        assert_eq!(hashes.len(), 2, "{hashes:?}");
        assert_eq!(hashes[0], go);
        let csp = content_security_policy(&hashes);
        assert!(
            csp.contains(&format!("script-src 'self' '{go}' 'sha256-")),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"));
    }

    #[test]
    fn nonces_are_removed_from_script_tags_only() {
        let html = br#"<script type="module" nonce="abc">go()</script><p> nonce="kept"</p><script nonce="x-_1">b</script><script>"#;
        assert_eq!(
            without_script_nonces(html),
            br#"<script type="module">go()</script><p> nonce="kept"</p><script>b</script><script>"#
        );
    }

    #[test]
    fn a_page_without_scripts_allows_none_inline() {
        assert!(inline_script_hashes(b"<p>no script</p><script").is_empty());
        assert!(content_security_policy(&[]).contains("script-src 'self' 'wasm-unsafe-eval';"));
    }
}
