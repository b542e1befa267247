//! Files: multipart upload stored under the data folder ([`crate::files`]), listing and
//! download of the user's own files.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{
    CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::FileRecord;
use crate::error::ApiError;
use crate::files;
use crate::state::AppState;

/// The user's files, newest first.
#[utoipa::path(get, path = "/api/v1/files", tag = "files", operation_id = "list_files", responses((status = 200, body = [FileRecord])))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<FileRecord>>, ApiError> {
    Ok(Json(state.db.list_files(user).await?))
}

/// Uploads one file (multipart field `file`), up to `MAX_UPLOAD_BYTES`.
#[utoipa::path(post, path = "/api/v1/files", tag = "files",
    request_body(content = crate::openapi::Upload, content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = FileRecord), (status = 413, description = "too large"), (status = 422, description = "no file")))]
pub async fn upload(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    multipart: Multipart,
) -> Result<(StatusCode, Json<FileRecord>), ApiError> {
    let record = files::store_upload(&state, user, multipart).await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Downloads one of the user's files.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "file id")),
    responses((status = 200, description = "the bytes, with the content type they were uploaded with", content_type = "*/*", body = crate::openapi::FileBytes), (status = 404, description = "no such file of this user")))]
pub async fn download(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let (record, bytes) = files::read(&state, user, id).await?;
    Ok(attachment(record, bytes))
}

/// A stored file as an attachment that the browser cannot run in the API's origin.
fn attachment(record: FileRecord, bytes: Vec<u8>) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        record.filename.replace('"', "")
    );
    let headers = [
        (CONTENT_TYPE, record.content_type),
        (CONTENT_DISPOSITION, disposition),
        (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        // A user's HTML opened from here runs in an opaque origin: no cookies, no API.
        (CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
    ];
    (headers, Body::from(bytes)).into_response()
}
