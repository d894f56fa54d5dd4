//! Rendered once, served many times: public pages, chart files and API
//! answers kept in memory by what determines them, with an ETag, and
//! compressed once at the best level by a background thread.
//!
//! A public response is a pure function of the edition it shows, the
//! editions that are public (the selector, the banner), the recorded
//! self-assessments (`/partnership`) and the path and query. The key holds
//! exactly those: the edition id from the request's `View` (so a response
//! is never served for another edition), the `Editions` generation (which
//! changes whenever anything is published and never repeats), and how many
//! assessments are recorded (they are only ever added). Anything signed in,
//! any other path, any query parameter the pages do not read, and anything
//! but a 200 passes through uncached.

use crate::accounts::SignedIn;
use crate::editions::{Editions, View};
use crate::plan::AssessmentCache;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// Query parameters that public pages and the API read; a request with
/// any other (or one twice) is rendered and not kept, so what is kept is
/// always what a fresh render would give.
const PARAMETERS: &[&str] = &["edition", "area", "breakdown", "q", "added"];

/// Longest path and query kept.
const LONGEST_TARGET: usize = 400;

/// For a URL that names its edition: the edition never changes.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For the current edition's URLs: a browser or CDN may keep a page a
/// minute, then asks again (and gets 304 if nothing was published).
const CURRENT: &str = "public, max-age=60, must-revalidate";
/// Responses shown to a signed-in user are never kept anywhere.
const PRIVATE: &str = "private, no-store";

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
struct Key {
    edition: Option<i64>,
    pinned: bool,
    generation: u64,
    assessments: usize,
    /// The path and the query, its parameters sorted.
    target: Box<str>,
}

struct Entry {
    headers: HeaderMap,
    body: Bytes,
    etag: HeaderValue,
    cache_control: &'static str,
    /// Set by the compressing thread; until then the response layer
    /// compresses as it does for any response.
    br: OnceLock<Option<Bytes>>,
    gzip: OnceLock<Option<Bytes>>,
}

impl Entry {
    /// What the entry may come to weigh: a compressed form is kept only
    /// when it is at most half the body, so both together add at most one
    /// body more.
    fn weight(key: &Key, body: &Bytes) -> u32 {
        let bytes = key.target.len() + 2 * body.len() + 512;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }
}

pub struct PageCache {
    entries: Option<moka::sync::Cache<Key, Arc<Entry>>>,
    limit: u64,
    /// Entries waiting to be compressed; full means they wait for a hit.
    compress: Option<std::sync::mpsc::SyncSender<Arc<Entry>>>,
    /// The generation and resident editions when entries were last swept.
    swept: Mutex<(u64, Vec<i64>)>,
}

/// How the page cache stands, for `/healthz`.
#[derive(serde::Serialize)]
pub struct CacheStats {
    pub entries: u64,
    pub bytes: u64,
    pub limit_bytes: u64,
}

impl PageCache {
    /// A cache of at most `limit` bytes; 0 keeps nothing.
    pub fn new(limit: u64) -> PageCache {
        if limit == 0 {
            return PageCache {
                entries: None,
                limit,
                compress: None,
                swept: Mutex::new((0, Vec::new())),
            };
        }
        let entries = moka::sync::Cache::builder()
            .max_capacity(limit)
            .weigher(|k: &Key, v: &Arc<Entry>| Entry::weight(k, &v.body))
            .support_invalidation_closures()
            .build();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<Entry>>(256);
        // One thread: the best brotli level is slow, so at most one core
        // goes to it and requests keep the other.
        let spawned = std::thread::Builder::new()
            .name("page-compress".into())
            .spawn(move || {
                lowest_priority();
                for entry in rx {
                    compress(&entry);
                }
            });
        PageCache {
            entries: Some(entries),
            limit,
            compress: spawned.ok().map(|_| tx),
            swept: Mutex::new((0, Vec::new())),
        }
    }

    pub fn stats(&self) -> CacheStats {
        let (entries, bytes) = match &self.entries {
            Some(c) => {
                c.run_pending_tasks();
                (c.entry_count(), c.weighted_size())
            }
            None => (0, 0),
        };
        CacheStats {
            entries,
            bytes,
            limit_bytes: self.limit,
        }
    }

    /// Drops entries of an earlier generation or of an edition no longer
    /// held in memory, once each time either changes.
    fn sweep(&self, generation: u64, resident: Vec<i64>) {
        let Some(entries) = &self.entries else {
            return;
        };
        let Ok(mut swept) = self.swept.lock() else {
            return;
        };
        if swept.0 == generation && swept.1 == resident {
            return;
        }
        *swept = (generation, resident.clone());
        let dropped = entries.invalidate_entries_if(move |k, _| {
            k.generation != generation || k.edition.is_some_and(|e| !resident.contains(&e))
        });
        if let Err(e) = dropped {
            tracing::warn!(error = %e, "cannot drop old cached pages");
        }
    }

    fn queue(&self, entry: &Arc<Entry>) {
        if entry.br.get().is_none()
            && let Some(tx) = &self.compress
        {
            let _ = tx.try_send(entry.clone());
        }
    }
}

/// Makes the calling thread yield its core to any other: the compressing
/// thread works only when requests leave a core idle, so a first render is
/// never slowed by the compression of the page before it.
fn lowest_priority() {
    // SAFETY: setpriority takes plain integers and touches no memory; on
    // Linux `PRIO_PROCESS` with 0 names the calling thread alone.
    #[cfg(target_os = "linux")]
    let failed = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) } != 0;
    #[cfg(not(target_os = "linux"))]
    let failed = false;
    if failed {
        tracing::warn!("cannot lower the page-compress thread's priority");
    }
}

/// Best-level brotli and gzip of an entry, each kept only when it is at
/// most half the body (see `Entry::weight`).
fn compress(entry: &Entry) {
    if entry.br.get().is_some() {
        return;
    }
    let limit = entry.body.len() / 2;
    let mut br = Vec::with_capacity(limit);
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    let br = brotli::BrotliCompress(&mut &entry.body[..], &mut br, &params)
        .ok()
        .map(|_| br)
        .filter(|b| b.len() <= limit)
        .map(Bytes::from);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let gzip = gz
        .write_all(&entry.body)
        .and_then(|_| gz.finish())
        .ok()
        .filter(|b| b.len() <= limit)
        .map(Bytes::from);
    let _ = entry.gzip.set(gzip);
    let _ = entry.br.set(br);
}

/// The middleware (wired in `web::router` with the server's parts): after
/// `resolve_view` (the key needs the edition) and `resolve_user`
/// (signed-in responses are private), before rendering.
pub async fn serve(
    pages: &PageCache,
    editions: &Editions,
    assessments: &AssessmentCache,
    req: Request,
    next: Next,
) -> Response {
    let signed_in = req
        .extensions()
        .get::<SignedIn>()
        .is_some_and(|s| s.0.is_some());
    if signed_in {
        let mut res = next.run(req).await;
        res.headers_mut()
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static(PRIVATE));
        return res;
    }
    let Some(key) = key(&req) else {
        return next.run(req).await;
    };
    let store = editions.store();
    let key = Key {
        // They are only ever added, so the count names the set.
        assessments: assessments.get(store.as_deref()).await.len(),
        ..key
    };
    let Some(entries) = &pages.entries else {
        return next.run(req).await;
    };
    let request_headers = req.headers().clone();
    if let Some(entry) = entries.get(&key) {
        pages.queue(&entry);
        return respond(&entry, &request_headers, "hit");
    }
    let is_get = req.method() == Method::GET;
    let res = next.run(req).await;
    if !is_get || !keepable(&res) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "response failed while rendering");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if u64::from(Entry::weight(&key, &body)) > pages.limit / 8 {
        return Response::from_parts(parts, Body::from(body));
    }
    let entry = Arc::new(Entry {
        etag: etag(&body),
        cache_control: if key.pinned { IMMUTABLE } else { CURRENT },
        headers: kept_headers(&parts.headers),
        body,
        br: OnceLock::new(),
        gzip: OnceLock::new(),
    });
    pages.sweep(key.generation, editions.resident());
    entries.insert(key, entry.clone());
    pages.queue(&entry);
    let mut res = respond(&entry, &request_headers, "miss");
    if let Some(timing) = parts.headers.get("server-timing") {
        res.headers_mut().append("server-timing", timing.clone());
    }
    res
}

/// The key of a request whose response may be kept (its assessment count
/// still to be filled in), or `None`.
fn key(req: &Request) -> Option<Key> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    let uri = req.uri();
    if !public_path(uri.path()) {
        return None;
    }
    let view = req.extensions().get::<View>()?;
    if view.missing.is_some() {
        return None;
    }
    let mut pairs: Vec<(String, String)> =
        form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    pairs.sort();
    let known = pairs.iter().all(|(k, _)| PARAMETERS.contains(&k.as_str()));
    let once = pairs.windows(2).all(|w| w[0].0 != w[1].0);
    if !known || !once {
        return None;
    }
    let mut target = uri.path().to_owned();
    if !pairs.is_empty() {
        target.push('?');
        target.push_str(
            &form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&pairs)
                .finish(),
        );
    }
    if target.len() > LONGEST_TARGET {
        return None;
    }
    Some(Key {
        edition: view.dataset.as_ref().map(|d| d.edition.id),
        pinned: view.pinned,
        generation: view.generation,
        assessments: 0,
        target: target.into(),
    })
}

/// The public pages and files: what anyone may read, the same for all.
fn public_path(path: &str) -> bool {
    let mut parts = path.split('/').skip(1);
    let first = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    matches!(
        (first, rest.as_slice()),
        ("" | "overview" | "other" | "plan" | "partnership", [])
            | ("priority" | "indicator", [_])
            | ("indicator", [_, _])
            | ("api", ["v1", ..])
    )
}

/// Only a whole, successful, shareable response is kept.
fn keepable(res: &Response) -> bool {
    res.status() == StatusCode::OK
        && !res.headers().contains_key(header::SET_COOKIE)
        && !res.headers().contains_key(header::CONTENT_ENCODING)
        && !res.headers().contains_key(header::CACHE_CONTROL)
}

/// What the handler said about its body, without what is per response.
fn kept_headers(headers: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_DISPOSITION,
        header::CONTENT_SECURITY_POLICY,
        header::CONTENT_LANGUAGE,
    ] {
        if let Some(v) = headers.get(&name) {
            kept.insert(name, v.clone());
        }
    }
    kept
}

fn etag(body: &[u8]) -> HeaderValue {
    let digest = Sha256::digest(body);
    // Weak: the same representation may be sent in three encodings.
    HeaderValue::from_str(&format!("W/\"{}\"", hex::encode(&digest[..16]))).expect("hex is ASCII")
}

/// An entry as this request asks for it: 304 when its ETag matches, else
/// the best encoding it accepts that is ready.
fn respond(entry: &Entry, request: &HeaderMap, how: &str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, entry.etag.clone());
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(entry.cache_control),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("accept-encoding, cookie"),
    );
    if etag_matches(request, &entry.etag) {
        if let Ok(v) = HeaderValue::from_str(&format!("cache;desc={how}-304")) {
            headers.insert("server-timing", v);
        }
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.extend(entry.headers.clone());
    let ready = |cell: &OnceLock<Option<Bytes>>| cell.get().cloned().flatten();
    let (body, encoding) = match (
        accepts(request, "br").then(|| ready(&entry.br)).flatten(),
        accepts(request, "gzip")
            .then(|| ready(&entry.gzip))
            .flatten(),
    ) {
        (Some(br), _) => (br, Some("br")),
        (None, Some(gz)) => (gz, Some("gzip")),
        (None, None) => (entry.body.clone(), None),
    };
    if let Some(e) = encoding {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    let how = match encoding {
        Some(e) => format!("cache;desc={how}-{e}"),
        None => format!("cache;desc={how}"),
    };
    if let Ok(v) = HeaderValue::from_str(&how) {
        headers.insert("server-timing", v);
    }
    (StatusCode::OK, headers, body).into_response()
}

fn etag_matches(request: &HeaderMap, etag: &HeaderValue) -> bool {
    let ours = etag.to_str().unwrap_or("").trim_start_matches("W/");
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == ours)
}

/// Whether `Accept-Encoding` names this coding (or `*`) with a q above 0.
fn accepts(request: &HeaderMap, coding: &str) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            (name.eq_ignore_ascii_case(coding) || name == "*") && q > 0.0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn accept_encoding_honours_q_zero_and_wildcards() {
        let h = headers(&[("accept-encoding", "gzip;q=0.5, br;q=0")]);
        assert!(accepts(&h, "gzip"));
        assert!(!accepts(&h, "br"));
        assert!(accepts(&headers(&[("accept-encoding", "*")]), "br"));
        assert!(!accepts(&HeaderMap::new(), "gzip"));
    }

    #[test]
    fn if_none_match_compares_weakly_and_in_lists() {
        let tag = HeaderValue::from_static("W/\"abc\"");
        assert!(etag_matches(
            &headers(&[("if-none-match", "\"x\", \"abc\"")]),
            &tag
        ));
        assert!(etag_matches(&headers(&[("if-none-match", "*")]), &tag));
        assert!(!etag_matches(
            &headers(&[("if-none-match", "W/\"abd\"")]),
            &tag
        ));
    }

    #[test]
    fn only_public_paths_are_kept() {
        for p in [
            "/",
            "/overview",
            "/priority/cancer",
            "/indicator/90366",
            "/indicator/90366/trend.svg",
            "/api/v1/indicators",
            "/plan",
            "/partnership",
        ] {
            assert!(public_path(p), "{p}");
        }
        for p in [
            "/login",
            "/partnership/new",
            "/editions",
            "/editions/3/plan",
            "/upload",
            "/admin/users",
            "/audit",
            "/healthz",
            "/pkg/x.js",
            "/priority/a/b",
        ] {
            assert!(!public_path(p), "{p}");
        }
    }

    #[test]
    fn compressed_forms_are_kept_only_when_small() {
        let body = Bytes::from("<p>repeated</p>".repeat(2000));
        let entry = Entry {
            headers: HeaderMap::new(),
            etag: etag(&body),
            body: body.clone(),
            cache_control: CURRENT,
            br: OnceLock::new(),
            gzip: OnceLock::new(),
        };
        compress(&entry);
        let br = entry.br.get().cloned().flatten().expect("brotli kept");
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &br[..], &mut out).unwrap();
        assert_eq!(out, body);
        assert!(entry.gzip.get().cloned().flatten().is_some());
        // Random bytes do not compress: nothing extra is kept.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect();
        let entry = Entry {
            headers: HeaderMap::new(),
            etag: etag(&noise),
            body: Bytes::from(noise),
            cache_control: CURRENT,
            br: OnceLock::new(),
            gzip: OnceLock::new(),
        };
        compress(&entry);
        assert_eq!(entry.br.get(), Some(&None));
        assert_eq!(entry.gzip.get(), Some(&None));
    }
}
