//! Files: multipart upload stored under the data folder, listing and download of the
//! user's own files.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::header::{
    CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::db::FileRecord;
use crate::error::ApiError;
use crate::state::AppState;

/// The user's files, newest first.
#[utoipa::path(get, path = "/api/v1/files", tag = "files", responses((status = 200, body = [FileRecord])))]
pub async fn list(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Result<Json<Vec<FileRecord>>, ApiError> {
    Ok(Json(
        state
            .db
            .list_files(user)
            .await
            .map_err(|error| ApiError::internal(&error))?,
    ))
}

/// Uploads one file (multipart field `file`), up to `MAX_UPLOAD_BYTES`.
#[utoipa::path(post, path = "/api/v1/files", tag = "files",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = FileRecord), (status = 413, description = "too large"), (status = 422, description = "no file")))]
pub async fn upload(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    mut multipart: Multipart,
) -> Result<(StatusCode, Json<FileRecord>), ApiError> {
    let limit = state.settings.max_upload_bytes;
    while let Some(mut field) = multipart.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = sanitized_filename(field.file_name().unwrap_or("upload"));
        let content_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let id = Uuid::new_v4();
        let directory = state.settings.data_dir.join("files");
        tokio::fs::create_dir_all(&directory)
            .await
            .map_err(|error| ApiError::internal(&error))?;
        let path = directory.join(id.to_string());
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|error| ApiError::internal(&error))?;
        let mut size = 0usize;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            size += chunk.len();
            if size > limit {
                drop(file);
                let _ = tokio::fs::remove_file(&path).await;
                return Err(too_large(limit));
            }
            file.write_all(&chunk)
                .await
                .map_err(|error| ApiError::internal(&error))?;
        }
        file.sync_all()
            .await
            .map_err(|error| ApiError::internal(&error))?;
        let record = FileRecord {
            id,
            filename,
            content_type,
            size: size as i64,
            created_at: OffsetDateTime::now_utc().unix_timestamp(),
        };
        state
            .db
            .create_file(user, &record)
            .await
            .map_err(|error| ApiError::internal(&error))?;
        return Ok((StatusCode::CREATED, Json(record)));
    }
    Err(ApiError::invalid_field(
        "file",
        "send the file in a multipart field named `file`",
    ))
}

/// Downloads one of the user's files.
#[utoipa::path(get, path = "/api/v1/files/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "file id")),
    responses((status = 200, description = "the bytes"), (status = 404, description = "no such file of this user")))]
pub async fn download(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let record = state
        .db
        .file(user, id)
        .await
        .map_err(|error| ApiError::internal(&error))?
        .ok_or_else(|| ApiError::not_found("file"))?;
    let bytes = tokio::fs::read(state.settings.data_dir.join("files").join(id.to_string()))
        .await
        .map_err(|error| ApiError::internal(&error))?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        record.filename.replace('"', "")
    );
    Ok((
        [
            (CONTENT_TYPE, record.content_type),
            (CONTENT_DISPOSITION, disposition),
            (X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            // A user's HTML opened from here runs in an opaque origin: no cookies, no API.
            (CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
        ],
        Body::from(bytes),
    )
        .into_response())
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "file_too_large",
        format!("files are limited to {limit} bytes"),
    )
}

fn multipart_error(error: axum::extract::multipart::MultipartError) -> ApiError {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            "the upload is too large",
        );
    }
    ApiError::bad_request("bad_multipart", error.body_text())
}

/// The last path component, without control characters, at most 255 characters.
fn sanitized_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(255).collect();
    if cleaned.trim().is_empty() || cleaned == "." || cleaned == ".." {
        "upload".to_owned()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::sanitized_filename;

    #[test]
    fn filenames_lose_their_directories_and_control_characters() {
        assert_eq!(sanitized_filename("../../etc/passwd"), "passwd");
        assert_eq!(sanitized_filename("C:\\x\\report.pdf"), "report.pdf");
        assert_eq!(sanitized_filename("a\nb.txt"), "ab.txt");
        assert_eq!(sanitized_filename(".."), "upload");
    }
}
