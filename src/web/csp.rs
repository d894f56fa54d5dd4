//! The Content-Security-Policy: a leaf, read by the HTML shell (which adds
//! its per-request nonce) and by the router (every other response).

/// The policy of every response. Pages pass the nonce of their island
/// loader; everything else gets the same policy without one.
/// `'wasm-unsafe-eval'` lets the browser compile the islands' WASM and
/// nothing more: no inline script runs without the nonce.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let script = match nonce {
        Some(n) => format!("'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        None => "'self' 'wasm-unsafe-eval'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src {script}; style-src 'self'; img-src 'self' data:; \
         font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

/// HSTS for deployments behind TLS (`HWB_SECURE_COOKIES=true`): a year.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";
