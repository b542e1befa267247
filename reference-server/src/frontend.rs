//! The dashboard: the built `frontend/dist` (or, in a packaged crate, its copy in
//! `dashboard/`) embedded in the binary, served with the right content types, long
//! cache headers on hashed assets and the SPA fallback.

use axum::body::Body;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

/// In a checkout: what `build.rs` (or `npm run build`) put in `frontend/dist`.
#[cfg(not(dashboard_in_crate))]
#[derive(RustEmbed)]
#[folder = "../frontend/dist"]
#[allow_missing = true]
struct Assets;

/// First path segments that belong to the server, never to the dashboard: an unknown
/// path under them is a JSON 404, not the app's HTML (a scraper of `/metrics/…` or a
/// client of `/api/…` must see that it is wrong).
const SERVER_PREFIXES: [&str; 3] = ["api", "metrics", "healthz"];

/// In a packaged crate: the build it carries (see `build.rs`).
#[cfg(dashboard_in_crate)]
#[derive(RustEmbed)]
#[folder = "dashboard"]
struct Assets;

/// Serves a file of the dashboard, or `index.html` for client routes.
pub(crate) async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let first_segment = path.split('/').next().unwrap_or_default();
    if SERVER_PREFIXES.contains(&first_segment) {
        return crate::error::ApiError::not_found("route").into_response();
    }
    if let Some(file) = Assets::get(path).filter(|_| !path.is_empty()) {
        let immutable = path.starts_with("assets/");
        return asset(file, immutable);
    }
    // A missing file with an extension is a 404, not the app.
    if path
        .rsplit('/')
        .next()
        .is_some_and(|last| last.contains('.'))
    {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    }
    match Assets::get("index.html") {
        Some(index) => asset(index, false),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The dashboard was not built into this binary: it was compiled with SKIP_FRONTEND_BUILD, or without npm. In the repository, run `npm ci && npm run build` in frontend/ (Node.js 20+) and rebuild.",
        )
            .into_response(),
    }
}

fn asset(file: rust_embed::EmbeddedFile, immutable: bool) -> Response {
    let mime = file.metadata.mimetype().to_owned();
    let cache = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    (
        [(CONTENT_TYPE, mime), (CACHE_CONTROL, cache.to_owned())],
        Body::from(file.data.into_owned()),
    )
        .into_response()
}
